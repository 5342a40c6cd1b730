#!/bin/sh
# Snapshots of kernel objects beyond files and pipes: each case of
# cli-snapobjs (tests/cli/snapobjs.c) sets its objects up, is checkpointed
# and restored, and checks them after the restore; the same program runs
# natively first, so that its checks are Linux's.
# Usage: snapshot_objs.sh MOAT PLATFORM SNAPOBJS
set -u
. "$(dirname "$0")/lib.sh"
MOAT=$1
PLATFORM=${2:-ptrace}
OBJS=$3
NR=
[ "$PLATFORM" = systrap ] && NR=--no-rewrite
tmp=$(mktemp -d /var/tmp/moat-snapobj.XXXXXX)
export MOAT_RUN_DIR=$tmp/run
trap 'rm -rf "$tmp"' EXIT

# snap CASE NAME PATTERN: run CASE natively, then in a sandbox that is
# checkpointed once its output matches PATTERN and restored; every check
# of both runs must pass.
snap() {
	case=$1 name=$2 pattern=$3
	if ! "$OBJS" "$case" >"$tmp/$case.native" 2>&1 ||
		grep -q FAIL "$tmp/$case.native"; then
		bad "$name: natively"
		sed 's/^/    /' "$tmp/$case.native"
		return
	fi
	want=$(grep -c '^ok' "$tmp/$case.native")
	"$MOAT" run --platform="$PLATFORM" $NR --id "o$case" -- \
		"$OBJS" "$case" >"$tmp/$case.out" 2>"$tmp/$case.err" &
	pid=$!
	if ! wait_for "$tmp/$case.out" "$pattern"; then
		bad "$name: never ready"
		kill $pid
		wait $pid
		sed 's/^/    /' "$tmp/$case.out" "$tmp/$case.err"
		return
	fi
	if ! "$MOAT" checkpoint --image-path "$tmp/$case.img" "o$case" \
		>"$tmp/$case.ck" 2>&1; then
		bad "$name: checkpoint failed"
		sed 's/^/    /' "$tmp/$case.ck"
		kill $pid
		wait $pid
		return
	fi
	wait $pid
	if grep -q '^ok\|^FAIL' "$tmp/$case.out"; then
		bad "$name: checked before the checkpoint"
		return
	fi
	timeout 20 "$MOAT" restore --image-path "$tmp/$case.img" \
		>"$tmp/$case.r" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && [ "$(grep -c '^ok' "$tmp/$case.r")" -eq "$want" ]; then
		ok "$name"
	else
		bad "$name: restore exit $rc"
		sed 's/^/    /' "$tmp/$case.r"
	fi
}

# Interval and POSIX timers: the ticks go on, from where they were.
snap timers "timers go on after a restore" '^tick 10$'
if [ -s "$tmp/timers.r" ]; then
	last=$(grep '^tick' "$tmp/timers.out" | tail -n 1 | cut -d' ' -f2)
	first=$(grep '^tick' "$tmp/timers.r" | head -n 1 | cut -d' ' -f2)
	if [ -n "$first" ] && [ "$first" -gt "$last" ] &&
		[ "$first" -le $((last + 3)) ]; then
		ok "the interval timer ticks on at $first after $last"
	else
		bad "ticks: $last before the checkpoint, '$first' after"
	fi
fi

# eventfd, timerfd and signalfd with what they hold; an epoll set with its
# interest list.
snap fds "eventfd, timerfd and signalfd" '^ready$'
snap epoll "an epoll set and its interest list" '^ready$'

# Unix socket pairs with data queued, between processes and within one.
snap unix "unix socket pairs with their queues" '^ready$'

# Seccomp filters shared by processes, and strict mode.
snap seccomp "seccomp filters and strict mode" '^ready$'

# Named unix sockets: a listener bound in a tmpfs with a connection it
# has not accepted (and its data), a datagram socket with an abstract
# name and a message from a named sender; the names work after too.
named='import os, socket, time
l = socket.socket(socket.AF_UNIX); l.bind("/tmp/sock"); l.listen(4)
c = socket.socket(socket.AF_UNIX); c.connect("/tmp/sock"); c.send(b"early")
d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); d.bind("\0moat-d")
e = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); e.bind("\0moat-e")
e.sendto(b"dgram", "\0moat-d")
print("ready", flush=True)
time.sleep(3)
a, _ = l.accept()
print("accepted", a.recv(10), l.getsockname(), flush=True)
c2 = socket.socket(socket.AF_UNIX); c2.connect("/tmp/sock")
b, _ = l.accept(); c2.send(b"late")
print("again", b.recv(10), flush=True)
print("dgram", d.recvfrom(10), flush=True)
try:
    socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind("\0moat-d")
except OSError as x:
    print("bound", x.errno == 98, flush=True)'
if [ -x /usr/bin/python3 ]; then
	"$MOAT" run --platform="$PLATFORM" $NR --id oname -- /usr/bin/python3 \
		-c "$named" >"$tmp/name.out" 2>&1 &
	pid=$!
	wait_for "$tmp/name.out" '^ready$'
	expect "checkpoint of named and listening unix sockets" 0 "" -- \
		"$MOAT" checkpoint --image-path "$tmp/name.img" oname
	wait $pid
	timeout 20 "$MOAT" restore --image-path "$tmp/name.img" \
		>"$tmp/name.r" 2>&1
	printf '%s\n' "accepted b'early' /tmp/sock" "again b'late'" \
		"dgram (b'dgram', b'\\x00moat-e')" "bound True" \
		>"$tmp/name.want"
	if cmp -s "$tmp/name.r" "$tmp/name.want"; then
		ok "named sockets, a listener's queue and names after a restore"
	else
		bad "named unix sockets after the restore:"
		sed 's/^/    /' "$tmp/name.r"
	fi
fi

# Files in flight (SCM_RIGHTS): a pipe's read end with data in the pipe
# and a socket of another pair, sent and closed before the checkpoint,
# received after the restore.
rights='import os, socket, time
a, b = socket.socketpair()
r, w = os.pipe(); os.write(w, b"piped")
x, y = socket.socketpair(); y.send(b"paired")
socket.send_fds(a, [b"fds"], [r, x.fileno()])
os.close(r); x.close(); y.close()
print("ready", flush=True)
time.sleep(3)
msg, fds, _, _ = socket.recv_fds(b, 10, 4)
print(msg, len(fds), os.read(fds[0], 10),
      socket.socket(fileno=fds[1]).recv(10), flush=True)'
if [ -x /usr/bin/python3 ]; then
	/usr/bin/python3 -c "$rights" | grep -v ready >"$tmp/rights.want"
	"$MOAT" run --platform="$PLATFORM" $NR --id orights -- \
		/usr/bin/python3 -c "$rights" >"$tmp/rights.out" 2>&1 &
	pid=$!
	wait_for "$tmp/rights.out" '^ready$'
	expect "checkpoint with files in flight" 0 "" -- \
		"$MOAT" checkpoint --image-path "$tmp/rights.img" orights
	wait $pid
	timeout 20 "$MOAT" restore --image-path "$tmp/rights.img" \
		>"$tmp/rights.r" 2>&1
	if [ -s "$tmp/rights.want" ] &&
		cmp -s "$tmp/rights.r" "$tmp/rights.want"; then
		ok "files in flight are received after a restore"
	else
		bad "files in flight: '$(cat "$tmp/rights.r")'," \
			"natively '$(cat "$tmp/rights.want")'"
	fi
fi

# Host sockets: refused by name, or with --tcp-close restored closed, as
# after a network reset: a TCP connection and a listener of
# --network=host, a connection to a host socket file.
if [ -x /usr/bin/python3 ]; then
	mkdir "$tmp/hs"
	/usr/bin/python3 -c '
import os, socket, sys, time
t = socket.socket(); t.bind(("127.0.0.1", 0)); t.listen()
u = socket.socket(socket.AF_UNIX); u.bind(sys.argv[1] + "/sock"); u.listen()
print(t.getsockname()[1], flush=True)
conns = [t.accept()[0], u.accept()[0]]
time.sleep(30)' "$tmp/hs" >"$tmp/hs.port" 2>&1 &
	hpid=$!
	wait_for "$tmp/hs.port" '^[0-9]'
	port=$(cat "$tmp/hs.port")
	host='import errno, socket, time
c = socket.create_connection(("127.0.0.1", PORT))
u = socket.socket(socket.AF_UNIX); u.connect("/hs/sock")
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen()
print("ready", flush=True)
time.sleep(3)
def err(f):
    try:
        r = f()
        return repr(r)
    except OSError as e:
        return errno.errorcode[e.errno]
print("tcp", err(lambda: c.recv(10)), err(lambda: c.recv(10)),
      err(lambda: c.send(b"x")), flush=True)
print("unix", err(lambda: u.recv(10)), err(lambda: u.recv(10)),
      err(lambda: u.send(b"x")), flush=True)
print("listener", err(lambda: l.accept()), flush=True)'
	host=$(echo "$host" | sed "s/PORT/$port/")
	"$MOAT" run --platform="$PLATFORM" $NR --network=host \
		--bind="$tmp/hs:/hs:connect" --id ohost -- /usr/bin/python3 \
		-c "$host" >"$tmp/host.out" 2>&1 &
	pid=$!
	if wait_for "$tmp/host.out" '^ready$'; then
		expect "host connections: refused without --tcp-close" 1 \
			"host socket file (use --tcp-close)" -- \
			"$MOAT" checkpoint --image-path "$tmp/host.img" ohost
		expect "checkpoint --tcp-close" 0 "" -- \
			"$MOAT" checkpoint --tcp-close --image-path \
			"$tmp/host.img" ohost
	else
		bad "host sockets: never ready"
		sed 's/^/    /' "$tmp/host.out"
	fi
	wait $pid
	timeout 20 "$MOAT" restore --image-path "$tmp/host.img" \
		>"$tmp/host.r" 2>&1
	printf '%s\n' "tcp ECONNRESET b'' EPIPE" "unix ECONNRESET b'' EPIPE" \
		"listener EINVAL" >"$tmp/host.want"
	if cmp -s "$tmp/host.r" "$tmp/host.want"; then
		ok "host sockets come back closed, as after a reset"
	else
		bad "host sockets after --tcp-close:"
		sed 's/^/    /' "$tmp/host.r"
	fi
	kill $hpid
	wait $hpid 2>/dev/null
fi

# Python's selectors: its epoll set and the pipe it watches.
py='import os, selectors, time
r, w = os.pipe()
sel = selectors.DefaultSelector()
sel.register(r, selectors.EVENT_READ, "pipe")
print("ready", type(sel).__name__, flush=True)
time.sleep(3)
os.write(w, b"x")
print("got", [k.data for k, m in sel.select(2)], flush=True)'
PY=/usr/bin/python3
if [ -x "$PY" ]; then
	"$MOAT" run --platform="$PLATFORM" $NR --id opy -- "$PY" -c "$py" \
		>"$tmp/py.out" 2>&1 &
	pid=$!
	if wait_for "$tmp/py.out" '^ready EpollSelector$' &&
		"$MOAT" checkpoint --image-path "$tmp/py.img" opy \
			>"$tmp/py.ck" 2>&1; then
		wait $pid
		timeout 20 "$MOAT" restore --image-path "$tmp/py.img" \
			>"$tmp/py.r" 2>&1
		if [ "$(cat "$tmp/py.r")" = "got ['pipe']" ] &&
			! grep -q got "$tmp/py.out"; then
			ok "Python's selectors see the pipe after a restore"
		else
			bad "Python's selectors: '$(cat "$tmp/py.r")'"
		fi
	else
		bad "Python's selectors: no checkpoint"
		sed 's/^/    /' "$tmp/py.out" "$tmp/py.ck" 2>/dev/null
		kill $pid
		wait $pid
	fi
else
	skip "Python's selectors: no $PY"
fi

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
