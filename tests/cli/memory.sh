#!/bin/sh
# moat run --memory: the sandbox's memory budget in a host cgroup. A
# program that goes past it is killed with SIGKILL, as Linux's OOM killer
# does under a cgroup's limit (checked natively first), the sandbox goes
# on and moat says what happened; /proc/meminfo and sysinfo show the
# budget; the cgroup is gone afterwards. Skipped (77) where the host gives
# moat no memory cgroup.
# Usage: memory.sh MOAT HOG
set -u
. "$(dirname "$0")/lib.sh"
MOAT=$1
HOG=$2
tmp=$(mktemp -d /var/tmp/moat-memory-XXXXXX)
native=""
cleanup() {
	[ -n "$native" ] && rmdir "$native" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
# Where the sandbox sees it too (its /tmp is its own).
cp "$HOG" "$tmp/hog" && HOG=$tmp/hog

if ! "$MOAT" run --memory=64m -- /bin/true >"$tmp/probe" 2>&1; then
	if grep -q "cannot use the host's cgroups" "$tmp/probe"; then
		echo "skip: no memory cgroup for moat here:"
		sed 's/^/    /' "$tmp/probe"
		exit 77
	fi
	bad "moat run --memory=64m -- /bin/true failed:"
	sed 's/^/    /' "$tmp/probe"
fi

# Linux itself, in a cgroup of 64 MiB made by hand (v2, else v1's).
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	native=/sys/fs/cgroup/moat-memory-test-$$
	mkdir "$native" 2>/dev/null && echo 64M >"$native/memory.max" &&
		echo 0 >"$native/memory.swap.max" 2>/dev/null
else
	native=/sys/fs/cgroup/memory/moat-memory-test-$$
	mkdir "$native" 2>/dev/null &&
		echo 64M >"$native/memory.limit_in_bytes" &&
		{ echo 64M >"$native/memory.memsw.limit_in_bytes"; } 2>/dev/null
fi
if [ -f "$native/cgroup.procs" ]; then
	sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" touch 256' sh \
		"$native" "$HOG" >/dev/null 2>&1
	rc=$?
	[ $rc = 137 ] && ok "native: the hog is killed with SIGKILL past 64 MiB" ||
		bad "native: the hog ended with $rc, want 137 (SIGKILL)"
else
	skip "native: cannot make a cgroup by hand"
fi

for platform in ptrace systrap; do
	run="$MOAT run --platform=$platform --memory=64m --"
	# Past the budget: SIGKILL, and moat says why.
	expect "$platform: a hog past the budget gets SIGKILL" 137 \
		"memory budget (--memory=64m): the host's OOM killer ended 1" -- \
		$run "$HOG" touch 256
	# The sandbox goes on: the shell sees its child killed.
	expect "$platform: the sandbox outlives its killed hog" 0 \
		"^hog 137 filled 16 MiB$" -- \
		$run /bin/sh -c "\"$HOG\" touch 256 >/dev/null; echo hog \$? \$(\"$HOG\" touch 16)"
	expect "$platform: within the budget" 0 "^filled 32 MiB$" -- \
		$run "$HOG" touch 32
done

run="$MOAT run --memory=96m --"
expect "MemTotal is the budget" 0 "^MemTotal: *98304 kB$" -- \
	$run /bin/grep MemTotal /proc/meminfo
# glibc's sysconf(_SC_PHYS_PAGES) is sysinfo's totalram.
expect "sysinfo's totalram is the budget" 0 "^24576$" -- \
	$run /usr/bin/getconf _PHYS_PAGES
expect "without a budget MemTotal is the host's" 0 \
	"^$(grep MemTotal /proc/meminfo)$" -- \
	"$MOAT" run -- /bin/grep MemTotal /proc/meminfo

# The cgroup (/moat-run/PID) goes with the sandbox.
"$MOAT" run --memory=64m -- /bin/true &
pid=$!
wait $pid
if ls -d /sys/fs/cgroup/moat-run/$pid /sys/fs/cgroup/memory/moat-run/$pid \
	2>/dev/null | grep -q .; then
	bad "the budget's cgroup outlived the sandbox"
else
	ok "the budget's cgroup is removed"
fi

expect "--memory below 4m is refused" 125 "at least 4m" -- \
	"$MOAT" run --memory=1m -- /bin/true
expect "--memory needs a size" 125 "needs a size" -- \
	"$MOAT" run --memory=lots -- /bin/true

echo "$passes passed, $fails failed, $skips skipped"
[ "$fails" -eq 0 ]
