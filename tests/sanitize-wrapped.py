#!/usr/bin/env python3
"""sanitize-wrapped.py CTEST WRAPPER: in a -DMOAT_SANITIZE=ON build (run
from its top directory), every test but this one runs under WRAPPER
(tests/sanitize.sh), so that no test passes over a sanitizer report."""
import json
import subprocess
import sys

ctest, wrapper = sys.argv[1], sys.argv[2]
out = subprocess.run([ctest, "--show-only=json-v1"], check=True,
                     capture_output=True, text=True).stdout
tests = json.loads(out)["tests"]
bare = [t["name"] for t in tests
        if t["name"] != "sanitize.wrapped" and
        (not t.get("command") or t["command"][0] != wrapper)]
for name in bare:
    print(f"FAIL: {name} does not run under {wrapper} (MOAT_TEST_WRAP)")
print(f"{len(tests) - 1 - len(bare)} of {len(tests) - 1} tests run under "
      f"{wrapper}")
sys.exit(1 if bare or len(tests) < 2 else 0)
