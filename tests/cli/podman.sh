#!/bin/sh
# A real engine: Debian's podman runs containers with moat as its runtime,
# and with Debian's runc for comparison, on a root made of busybox.
# Usage: podman.sh MOAT
set -u
. "$(dirname "$0")/lib.sh"
MOAT=$1
BUSYBOX=/bin/busybox
tmp=$(mktemp -d)
trap 'tmux -L "moat-podman-$$" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: podman's tests run as root"
	exit 77
fi
if ! command -v podman >/dev/null; then
	echo "SKIP: needs Debian's podman (apt-get install podman)"
	exit 77
fi
if [ ! -x "$BUSYBOX" ] || ! file -L "$BUSYBOX" 2>/dev/null | grep -q static; then
	echo "SKIP: needs Debian's busybox-static at $BUSYBOX"
	exit 77
fi

rootfs=$tmp/rootfs
mkdir -p "$rootfs/bin" "$rootfs/etc"
cp "$BUSYBOX" "$rootfs/bin/busybox"
for a in $("$BUSYBOX" --list); do
	[ "$a" = busybox ] || ln -s busybox "$rootfs/bin/$a"
done

# These machines need the ulimits (with runc too). podman's default
# seccomp profile (/usr/share/containers/seccomp.json) is in force: the
# sentry enforces it under moat.
OPTS="--ulimit nofile=4096:4096 --ulimit nproc=4096:4096"

runtimes=$MOAT
if command -v runc >/dev/null; then
	runtimes="$runtimes $(command -v runc)"
else
	skip "runc: not installed, no comparison"
fi

for rt in $runtimes; do
	n=$(basename "$rt")
	P() { timeout 120 podman --runtime="$rt" "$@"; }
	# shellcheck disable=SC2086
	P run --rm $OPTS --rootfs "$rootfs" /bin/sh -c \
		'echo hi; grep -E "^(Pid|PPid|Seccomp):" /proc/self/status' \
		>"$tmp/out" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && grep -q "^hi$" "$tmp/out" &&
		grep -q "^Pid:	1$" "$tmp/out" && grep -q "^PPid:	0$" "$tmp/out" &&
		grep -q "^Seccomp:	2$" "$tmp/out"; then
		ok "$n: podman run --rm (under podman's seccomp profile)"
	else
		bad "$n: podman run --rm: exit $rc"
		sed 's/^/    /' "$tmp/out"
	fi
	# shellcheck disable=SC2086
	cid=$(P run -d $OPTS --rootfs "$rootfs" /bin/sleep 1000 2>"$tmp/err")
	if [ -n "$cid" ]; then
		ok "$n: podman run -d"
	else
		bad "$n: podman run -d: $(cat "$tmp/err")"
		continue
	fi
	P exec "$cid" sh -c 'echo in exec; exit 3' >"$tmp/out" 2>&1
	rc=$?
	if [ $rc -eq 3 ] && grep -q "^in exec$" "$tmp/out"; then
		ok "$n: podman exec"
	else
		bad "$n: podman exec: exit $rc"
		sed 's/^/    /' "$tmp/out"
	fi
	P exec "$cid" sh -c 'echo $PPID' >"$tmp/out" 2>&1
	if grep -q "^0$" "$tmp/out"; then
		ok "$n: podman exec: the process's parent is outside"
	else
		bad "$n: podman exec: ppid $(cat "$tmp/out")"
	fi
	if P stop -t 5 "$cid" >/dev/null 2>"$tmp/err" &&
		[ "$(P inspect -f '{{.State.Status}}' "$cid")" = exited ]; then
		ok "$n: podman stop"
	else
		bad "$n: podman stop: $(cat "$tmp/err")"
	fi
	P rm -f "$cid" >/dev/null 2>&1
	if ! command -v tmux >/dev/null; then
		skip "$n: podman run -it: needs tmux"
		continue
	fi
	tm="tmux -L moat-podman-$$"
	$tm new-session -d -x 80 -y 24 \
		"timeout --foreground 120 podman --runtime=$rt run -it --rm $OPTS --rootfs $rootfs /bin/sh; echo podman-exit=\$?; sleep 30"
	i=0
	while [ $i -lt 100 ] && ! $tm capture-pane -p | grep -q '# $'; do
		sleep 0.1
		i=$((i + 1))
	done
	$tm send-keys 'echo $((6*7)); tty; stty size' Enter
	sleep 1
	$tm send-keys 'exit 4' Enter
	i=0
	while [ $i -lt 100 ] && ! $tm capture-pane -p | grep -q podman-exit; do
		sleep 0.1
		i=$((i + 1))
	done
	$tm capture-pane -p >"$tmp/pane"
	$tm kill-server 2>/dev/null
	for want in "^42$" "^/dev/pts/0$" "^24 80$" "^podman-exit=4$"; do
		if grep -q "$want" "$tmp/pane"; then
			ok "$n: podman run -it: $want"
		else
			bad "$n: podman run -it: $want"
			sed 's/^/    /' "$tmp/pane"
		fi
	done
	# podman exec -it: the exec'd process's own terminal.
	# shellcheck disable=SC2086
	cid=$(P run -d $OPTS --rootfs "$rootfs" /bin/sleep 1000 2>"$tmp/err")
	$tm new-session -d -x 90 -y 30 \
		"timeout --foreground 120 podman --runtime=$rt exec -it $cid /bin/sh; echo exec-exit=\$?; sleep 30"
	i=0
	while [ $i -lt 100 ] && ! $tm capture-pane -p | grep -q '# $'; do
		sleep 0.1
		i=$((i + 1))
	done
	$tm send-keys 'echo $((6*7)); tty; stty size' Enter
	sleep 1
	$tm send-keys 'exit 5' Enter
	i=0
	while [ $i -lt 100 ] && ! $tm capture-pane -p | grep -q exec-exit; do
		sleep 0.1
		i=$((i + 1))
	done
	$tm capture-pane -p >"$tmp/pane"
	$tm kill-server 2>/dev/null
	P rm -f "$cid" >/dev/null 2>&1
	for want in "^42$" "^/dev/pts/[0-9]*$" "^30 90$" "^exec-exit=5$"; do
		if grep -q "$want" "$tmp/pane"; then
			ok "$n: podman exec -it: $want"
		else
			bad "$n: podman exec -it: $want"
			sed 's/^/    /' "$tmp/pane"
		fi
	done
done

echo "$passes passed, $fails failed, $skips skipped"
[ "$fails" -eq 0 ]
