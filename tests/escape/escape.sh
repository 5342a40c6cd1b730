#!/bin/sh
# Escape tests: attack programs (attack.c) run in the sandbox over a small
# root, then checks that they got nothing of the host and changed nothing
# on it: a canary directory outside the root (its secret never shows in
# any output, its files are as they were), no process left behind, a host
# process that the sandbox tried to kill still alive.
# Usage: escape.sh MOAT ATTACK [PLATFORM]
set -u
. "$(dirname "$0")/../cli/lib.sh"
MOAT=$1
ATTACK=$2
PLATFORM=${3:-ptrace}
if [ ! -x /bin/busybox ]; then
	echo "skip: /bin/busybox (busybox-static) is not installed"
	exit 77
fi
tmp=$(mktemp -d /var/tmp/moat-escape-XXXXXX)
victim=""
cleanup() {
	[ -n "$victim" ] && kill "$victim" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
[ -n "${MOAT_ESCAPE_KEEP:-}" ] && trap - EXIT

secret="moat-canary-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
outside=$tmp/outside
root=$tmp/root
mkdir -p "$outside" "$root/bin" "$root/tmp" "$root/proc" "$root/dev" \
	"$root/race"
echo "$secret" >"$outside/secret"
chmod 0644 "$outside/secret"
cp /bin/busybox "$root/bin/"
cp "$ATTACK" "$root/attack"
echo inside >"$root/race/secret"
ln -s "$outside" "$root/race.lnk"
snapshot() {
	(cd "$tmp" && find outside -printf '%p %y %s %m\n' | sort &&
		sha256sum outside/secret)
}
before=$(snapshot)
sleep 1000 &
victim=$!

# attack NAME ARGS...: run it in the sandbox in a session of its own;
# its output must not hold the secret, and no process of the session
# may outlive it.
attack() {
	name=$1
	shift
	setsid sh -c 'echo $$ >"$0/sid"; exec "$@"' "$tmp" \
		"$MOAT" run --platform="$PLATFORM" --rootfs "$root" --rw -- \
		/attack "$name" "$@" \
		>"$tmp/out.$name" 2>&1 </dev/null
	rc=$?
	sid=$(cat "$tmp/sid")
	sleep 0.1
	left=$(ps -eo sid= | grep -cw "$sid")
	if grep -qF "$secret" "$tmp/out.$name"; then
		bad "$name: the host's secret reached the sandbox"
		grep -F "$secret" "$tmp/out.$name" | head -3 | sed 's/^/    /'
	elif grep -q "^ESCAPED" "$tmp/out.$name"; then
		bad "$name: $(grep "^ESCAPED" "$tmp/out.$name" | head -3)"
	elif [ "$rc" -ne 0 ]; then
		bad "$name: exit $rc"
		tail -5 "$tmp/out.$name" | sed 's/^/    /'
	elif [ "$left" -ne 0 ]; then
		bad "$name: $left processes left behind"
	else
		ok "$name"
	fi
}

attack paths "$outside"
attack proc
attack calls
attack devices
attack memory
attack fds
attack signals "$victim"
# Host unix sockets in the root and in the abstract namespace: the
# sandbox reaches none of them (the host's listener notes any contact).
abstract="@moat-escape-$$"
"$ATTACK" listen "$root" "$abstract" "$tmp/touched" 20 >"$tmp/listen" 2>&1 &
listener=$!
wait_for "$tmp/listen" listening || bad "sockets: the host's listener did not start"
attack sockets "$abstract"
kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null
if [ -e "$tmp/touched" ]; then
	bad "sockets: the host's listener was reached: $(cat "$tmp/touched")"
else
	ok "sockets: no host socket was reached"
fi
rm -f "$root/host.sock" "$root/host.dgram"
attack fuzz 12345
# The race: the host swaps race (a directory) and race.lnk (a symlink out
# of the root) while the sandbox opens race/secret.
"$ATTACK" swap "$root" 3 >"$tmp/swap" 2>&1 &
swapper=$!
attack race 3
wait "$swapper" || bad "race: the host's swapper failed"

# /proc shows nothing of the host: not the root's path either.
if grep -qF "$tmp" "$tmp/out.proc"; then
	bad "proc: /proc names the host's path $tmp"
	grep -F "$tmp" "$tmp/out.proc" | head -3 | sed 's/^/    /'
else
	ok "proc: no host path in /proc"
fi
if [ "$(snapshot)" = "$before" ]; then
	ok "the host's directory outside the root is unchanged"
else
	bad "the host's directory outside the root changed"
fi
if kill -0 "$victim" 2>/dev/null; then
	ok "the host process the sandbox signalled lives"
else
	bad "the host process the sandbox signalled is gone"
fi
echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
