#!/bin/sh
# moat run -t, driven in tmux: an interactive bash with job control on the
# sandbox's own terminal, window sizes, and the host terminal given back as
# it was. Usage: tty.sh MOAT
set -u
. "$(dirname "$0")/lib.sh"
MOAT=$1
BASH_BIN=/bin/bash

if ! command -v tmux >/dev/null 2>&1; then
	echo "SKIP: needs tmux"
	exit 77
fi
if [ ! -x "$BASH_BIN" ]; then
	echo "SKIP: needs $BASH_BIN"
	exit 77
fi
dir=$(mktemp -d)
export TMUX_TMPDIR="$dir"
T="tmux -L moat-tty -f /dev/null"
trap '$T kill-server 2>/dev/null; rm -rf "$dir"' EXIT

screen() { $T capture-pane -p -t t 2>/dev/null; }
keys() { $T send-keys -t t "$@"; }
# wait_for PATTERN: until the screen shows it (10 s at most).
wait_for() {
	i=0
	while [ $i -lt 100 ]; do
		screen | grep -q -- "$1" && return 0
		$T has-session -t t 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# check NAME PATTERN
check() {
	if wait_for "$2"; then
		ok "$1"
	else
		bad "$1: the screen lacks '$2'"
		screen | grep -v '^$' | sed 's/^/    /'
	fi
}

# Without a terminal on stdin, -t is a clear error.
if "$MOAT" run -t -- /bin/true </dev/null 2>"$dir/err"; then
	bad "-t without a terminal succeeded"
elif grep -q "needs a terminal" "$dir/err"; then
	ok "-t without a terminal is an error"
else
	bad "-t without a terminal: $(cat "$dir/err")"
fi

$T new-session -d -s t -x 80 -y 24 \
	"stty -g >'$dir/before'; '$MOAT' run -t -- $BASH_BIN --norc --noprofile -i; echo EXIT=\$?; stty -g >'$dir/after'; sleep 600"
check "bash starts with a prompt" 'bash-.*#'
keys 'echo hello $((6*7)); tty' Enter
check "a command runs" '^hello 42$'
check "stdin is the sandbox's terminal" '^/dev/pts/[0-9]*$'
keys 'sleep 100' Enter
sleep 0.5
keys C-z
check "^Z stops the foreground job" 'Stopped.*sleep 100'
keys 'fg' Enter
sleep 0.5
keys C-c
keys 'echo rc=$?' Enter
check "fg, then ^C ends it" '^rc=130$'
keys 'stty size' Enter
check "the window's size" '^24 80$'
$T resize-window -t t -x 100 -y 30
sleep 0.5
keys 'stty size' Enter
check "a resize reaches the sandbox" '^30 100$'
keys 'trap "echo got WINCH" WINCH' Enter
sleep 0.3
$T resize-window -t t -x 90 -y 28
check "SIGWINCH on a resize" 'got WINCH$'
keys 'exit 3' Enter
check "bash's exit status is moat's" '^EXIT=3$'
if wait_for . && [ -s "$dir/after" ] && cmp -s "$dir/before" "$dir/after"; then
	ok "the host terminal is restored"
else
	bad "the host terminal's settings changed"
	diff "$dir/before" "$dir/after" | sed 's/^/    /'
fi


# SIGTERM to moat: the sandbox ends, the terminal comes back all the same.
$T kill-session -t t
rm -f "$dir/before" "$dir/after"
$T new-session -d -s t -x 80 -y 24 \
	"stty -g >'$dir/before'; sh -c 'echo \$\$ >\"$dir/pid\"; exec \"$MOAT\" run -t -- $BASH_BIN --norc --noprofile -i'; echo EXIT=\$?; stty -g >'$dir/after'; sleep 600"
check "bash starts again" 'bash-.*#'
kill -TERM "$(cat "$dir/pid")"
check "SIGTERM ends moat with 128+15" 'EXIT=143$'
if wait_for . && [ -s "$dir/after" ] && cmp -s "$dir/before" "$dir/after"; then
	ok "the host terminal is restored after SIGTERM"
else
	bad "the host terminal's settings changed after SIGTERM"
fi

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
