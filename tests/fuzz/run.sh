#!/bin/sh
# Fuzz each harness (or those named) of a MOAT_FUZZ build for SECONDS:
#   run.sh BUILD SECONDS [NAME...]
# New inputs go to BUILD/fuzz-corpus/NAME (seeded from corpus/NAME); a
# crash, leak or hang leaves BUILD/fuzz-artifacts/NAME-* and fails. The
# last line per harness is libFuzzer's: executions, cov:, ft:, exec/s.
set -u
# Absolute: some harnesses change directory, and libFuzzer reads the
# corpus directory again at the end.
build=$(cd "$1" && pwd) || exit 1
seconds=$2
shift 2
src=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 0 ]; then
	set -- $(cd "$src/corpus" && ls)
fi
mkdir -p "$build/fuzz-artifacts"
status=0
for name in "$@"; do
	bin=$build/fuzz/fuzz_$name
	if [ ! -x "$bin" ]; then
		echo "fuzz_$name: not built (configure with -DMOAT_FUZZ=ON)" >&2
		exit 1
	fi
	work=$build/fuzz-corpus/$name
	log=$build/fuzz-artifacts/$name.log
	mkdir -p "$work"
	# -timeout: one input running 10 s is a hang; -rss_limit_mb: a leak.
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
		-print_final_stats=1 \
		-artifact_prefix="$build/fuzz-artifacts/$name-" \
		"$work" "$src/corpus/$name" >"$log" 2>&1
	rc=$?
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	if [ $rc -ne 0 ]; then
		echo "fuzz_$name: FAILED ($rc), see $log:" >&2
		grep -E 'ERROR|SUMMARY|==[0-9]+==|fuzz_' "$log" | head -n 20 >&2
		status=1
	fi
	echo "fuzz_$name: $last"
done
exit $status
