#!/bin/sh
# sanitize.sh LOGROOT COMMAND [ARGS...]: one test of a -DMOAT_SANITIZE=ON
# build (tests/CMakeLists.txt puts this in front of every test's command).
#
# Every moat process the test starts (the CLI, its monitor, the sentry,
# the gofer; unit tests and fuzz harnesses) writes its ASan, UBSan and
# LeakSanitizer reports into a directory of this test's own under
# LOGROOT: log_path in ASAN_OPTIONS and UBSAN_OPTIONS. The sentry and the
# gofer open their report files before they leave the host's files
# (isolate_sanitizer_prepare in sentry/kernel/isolate.h), so a report
# made behind their seccomp filters lands there too. Any report fails the
# test, whatever the test made of the process's exit status and wherever
# it sent that process's stderr; it is printed, its frames symbolized.
set -u
root=$1
shift
mkdir -p "$root"
dir=$(mktemp -d "$root/test.XXXXXX") || exit 1
opts="log_path=$dir/report:print_stacktrace=1:symbolize=0"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}$opts"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}$opts"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}$opts"

"$@"
rc=$?

# Frames of a process that could no longer read its own binary (the
# sentry's, the gofer's) are MODULE+OFFSET: name their functions.
symbolize() {
	while IFS= read -r line; do
		case $line in
		*"#"[0-9]*" (/"*"+0x"*")")
			mod=${line##*(}
			mod=${mod%)}
			off=${mod##*+}
			mod=${mod%+*}
			where=$(addr2line -f -i -p -C -e "$mod" "$off" 2>/dev/null)
			if [ -n "$where" ] && [ "${where#\?\?}" = "$where" ]; then
				echo "$line $where"
			else
				echo "$line"
			fi
			;;
		*) echo "$line" ;;
		esac
	done
}

reports=0
for f in "$dir"/report.*; do
	[ -s "$f" ] || continue
	reports=$((reports + 1))
	echo "=== sanitizer report (${f##*/}) ==="
	symbolize <"$f"
done
if [ "$reports" -gt 0 ]; then
	echo "FAIL: $reports sanitizer report(s), kept in $dir (the test's own status was $rc)"
	exit 1
fi
rm -rf "$dir"
exit "$rc"
