# Shared by the CLI tests (sourced): counts of passes, failures and skips,
# and expect. $tmp must name the test's scratch directory.
fails=0
passes=0
skips=0

ok() { passes=$((passes + 1)); echo "ok: $1"; }
bad() { fails=$((fails + 1)); echo "FAIL: $1"; }
skip() { skips=$((skips + 1)); echo "skip: $1"; }

# expect NAME WANT_RC WANT_OUTPUT -- command...: the exit status, and
# output (stdout or stderr) matching WANT_OUTPUT (grep $expect_grep
# flags, -q by default; "" matches anything).
expect() {
	name=$1 want_rc=$2 want_out=$3
	shift 4
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ "$rc" -ne "$want_rc" ]; then
		bad "$name: exit $rc, want $want_rc"
		sed 's/^/    /' "$tmp/out" "$tmp/err"
	elif [ -n "$want_out" ] &&
		! grep ${expect_grep:--q} -- "$want_out" "$tmp/out" "$tmp/err"; then
		bad "$name: output lacks '$want_out'"
		sed 's/^/    /' "$tmp/out" "$tmp/err"
	else
		ok "$name"
	fi
}

# wait_for FILE PATTERN: until FILE has a line matching PATTERN (10 s).
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.1
	done
}
