#!/bin/sh
# The sandbox's network end to end: iproute2 over netlink, --network=none
# and --network=host with a server on the host's loopback, and the sentry's
# seccomp filter of each mode. Usage: network.sh MOAT BINDIR
set -u
. "$(dirname "$0")/lib.sh"
expect_grep=-Eq
MOAT=$1
BIN=$2
tmp=$(mktemp -d /var/tmp/moat-network-XXXXXX)
spid=""
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT



# iproute2 over the sandbox's netlink.
IP=""
for p in /usr/sbin/ip /sbin/ip /usr/bin/ip /bin/ip; do
	[ -x "$p" ] && IP=$p && break
done
if [ -z "$IP" ]; then
	echo "skip: ip (iproute2) is not installed: no ip addr/link/route checks"
else
	expect "ip addr: lo's IPv4 address" 0 "inet 127.0.0.1/8 scope host lo" -- \
		"$MOAT" run -- "$IP" addr
	expect "ip addr: lo's IPv6 address" 0 "inet6 ::1/128 scope host" -- \
		"$MOAT" run -- "$IP" addr show dev lo
	expect "ip link" 0 "^1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 " -- \
		"$MOAT" run -- "$IP" link
	"$MOAT" run -- "$IP" -o link >"$tmp/links" 2>&1
	if [ "$(wc -l <"$tmp/links")" -eq 1 ]; then
		ok "--network=none: lo alone"
	else
		bad "--network=none: lo alone"
		sed 's/^/    /' "$tmp/links"
	fi
	expect "ip route show table all" 0 \
		"^local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1" -- \
		"$MOAT" run -- "$IP" route show table all
	expect "ip -6 route" 0 "^::1 dev lo proto kernel metric 256" -- \
		"$MOAT" run -- "$IP" -6 route
	expect "ip route get: no route out" 2 "" -- \
		"$MOAT" run -- "$IP" route get 192.0.2.1
	# (ip falls back to ioctls when RTM_NEWLINK is not supported.)
	expect "ip link set: read-only" 0 "mtu 65536" -- "$MOAT" run -- \
		/bin/sh -c "! $IP link set lo mtu 1500 && $IP link show lo"
	expect "ip addr add: read-only" 2 "Operation not supported" -- \
		"$MOAT" run -- "$IP" addr add 10.9.9.9/24 dev lo
	expect "ip link set without CAP_NET_ADMIN" 2 "Operation not permitted" -- \
		"$MOAT" run --user 1000 -- "$IP" link set lo mtu 1500
	# --network=host: the host's interfaces, addresses and routes, as on
	# the host. Other tests beside this one add and remove host network
	# namespaces and links: when the host's view changed while the
	# sandbox looked, both look again.
	# host_and_moat NAME ARGS...: $tmp/host-NAME and $tmp/moat-NAME.
	host_and_moat() {
		name=$1
		shift
		for _ in 1 2 3 4 5; do
			"$IP" "$@" >"$tmp/host-$name" 2>&1
			"$MOAT" run --network=host -- "$IP" "$@" \
				>"$tmp/moat-$name" 2>&1
			"$IP" "$@" >"$tmp/host2-$name" 2>&1
			cmp -s "$tmp/host-$name" "$tmp/host2-$name" && break
		done
	}
	host_and_moat addr -br addr
	if cmp -s "$tmp/host-addr" "$tmp/moat-addr"; then
		ok "--network=host: ip -br addr as on the host ($(wc -l <"$tmp/host-addr") interfaces)"
	else
		bad "--network=host: ip -br addr differs from the host's"
		diff "$tmp/host-addr" "$tmp/moat-addr" | sed 's/^/    /'
	fi
	host_and_moat route route show table all
	if cmp -s "$tmp/host-route" "$tmp/moat-route"; then
		ok "--network=host: ip route show table all as on the host"
	else
		bad "--network=host: ip route show table all differs"
		diff "$tmp/host-route" "$tmp/moat-route" | sed 's/^/    /'
	fi
fi

# A server on the host's loopback.
mkdir "$tmp/srv"
"$BIN/cli-net" serve "$tmp/srv" 0 &
spid=$!
for _ in $(seq 1 100); do
	[ -s "$tmp/srv/port" ] && break
	sleep 0.05
done
port=$(cat "$tmp/srv/port")
expect "--network=host: a client reaches the host's server" 0 \
	"^hello from the server$" -- \
	"$MOAT" run --network=host -- "$BIN/cli-net" get "$port"
PY=/usr/bin/python3
if [ -x "$PY" ]; then
	expect "--network=host: python3 urllib" 0 "^hello from the server$" -- \
		"$MOAT" run --network=host -- "$PY" -c \
		'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[1], timeout=10).read().decode())' \
		"$port"
fi
served=$(wc -l <"$tmp/srv/log")
# --network=none: the same clients fail cleanly and reach nothing.
expect "--network=none: the client fails cleanly" 1 \
	"connect: (Connection refused|Network is unreachable)|socket: Address family not supported" -- \
	"$MOAT" run -- "$BIN/cli-net" get "$port"
if [ -x "$PY" ]; then
	expect "--network=none: python3 urllib fails cleanly" 1 "URLError" -- \
		"$MOAT" run -- "$PY" -c \
		'import sys, urllib.request
urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[1], timeout=10)' \
		"$port"
fi
if [ "$(wc -l <"$tmp/srv/log")" -eq "$served" ]; then
	ok "--network=none: the host's server saw no connection"
else
	bad "--network=none: the host's server was reached"
fi
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
spid=""

# A server in the sandbox on the host's loopback, a client on the host.
mkdir "$tmp/in"
"$MOAT" run --network=host --bind="$tmp/in:$tmp/in" -- \
	"$BIN/cli-net" serve "$tmp/in" 2 >"$tmp/in/out" 2>&1 &
spid=$!
for _ in $(seq 1 100); do
	[ -s "$tmp/in/port" ] && break
	sleep 0.05
done
port=$(cat "$tmp/in/port" 2>/dev/null)
expect "--network=host: a server in the sandbox, a client on the host" 0 \
	"^hello from the server$" -- "$BIN/cli-net" get "${port:-1}"
expect "--network=host: ... and again" 0 "^hello from the server$" -- \
	"$BIN/cli-net" get "${port:-1}"
if wait "$spid"; then
	ok "--network=host: the sandbox's server ended after two"
else
	bad "--network=host: the sandbox's server failed"
	sed 's/^/    /' "$tmp/in/out"
fi
spid=""

# Host unix sockets under a --bind mount that allows connecting to them;
# the client's lines are the same natively and in the sandbox.
uds_wait() { # dir
	for _ in $(seq 1 100); do
		[ -e "$1/ready" ] && return 0
		sleep 0.05
	done
	return 1
}
for type in stream seqpacket dgram; do
	d="$tmp/uds-$type"
	mkdir "$d"
	"$BIN/cli-uds" serve "$d" "$type" 2 >"$d/log" 2>&1 &
	spid=$!
	uds_wait "$d"
	"$BIN/cli-uds" client "$d/sock" "$type" >"$d/native" 2>&1
	expect "host unix socket ($type): refused without :connect" 1 \
		"^connect: Connection refused$" -- \
		"$MOAT" run --bind "$d:$d" -- "$BIN/cli-uds" client "$d/sock" "$type"
	"$MOAT" run --bind "$d:$d:ro,connect" -- \
		"$BIN/cli-uds" client "$d/sock" "$type" >"$d/moat" 2>&1
	if grep -q "^connected$" "$d/native" && cmp -s "$d/native" "$d/moat"; then
		ok "host unix socket ($type) with --bind ...:connect: as natively"
	else
		bad "host unix socket ($type) with --bind ...:connect"
		diff "$d/native" "$d/moat" | sed 's/^/    /'
	fi
	if wait "$spid"; then
		ok "host unix socket ($type): the host's server saw both clients"
	else
		bad "host unix socket ($type): the host's server failed"
		sed 's/^/    /' "$d/log"
	fi
	spid=""
done
d="$tmp/uds-fd"
mkdir "$d"
"$BIN/cli-uds" serve "$d" stream 2 >"$d/log" 2>&1 &
spid=$!
uds_wait "$d"
expect "host unix socket: an fd passes natively" 0 "^sent$" -- \
	"$BIN/cli-uds" sendfd "$d/sock"
expect "host unix socket: no file passes to the host" 0 \
	"^sendmsg: Operation not supported$" -- \
	"$MOAT" run --bind "$d:$d:connect" -- "$BIN/cli-uds" sendfd "$d/sock"
wait "$spid"
spid=""
expect "--bind: an unknown option" 125 "unknown option 'bogus'" -- \
	"$MOAT" run --bind "$tmp:/mnt:ro,bogus" -- /bin/true

# The sentry's seccomp filter: host sockets only with --network=host
# (shutdown acts on sockets the sentry holds already: host unix sockets).
sockcalls='^  (socket|socketpair|bind|connect|listen|accept|accept4|getsockname|getpeername|getsockopt|setsockopt|sendto|recvfrom) '
"$MOAT" run --print-seccomp >"$tmp/none" 2>&1
if grep -q "allow-list" "$tmp/none" && ! grep -Eq "$sockcalls" "$tmp/none"; then
	ok "--print-seccomp: no socket call with --network=none"
else
	bad "--print-seccomp: socket calls with --network=none"
	grep -E "$sockcalls" "$tmp/none" | sed 's/^/    /'
fi
expect "--print-seccomp: socket with --network=host" 0 \
	"^  socket .*AF_INET" -- "$MOAT" run --network=host --print-seccomp
expect "--network=none is the default" 0 "--network=none" -- \
	"$MOAT" run --network=none --print-seccomp
expect "unknown --network" 125 "unknown network mode 'bridge'" -- \
	"$MOAT" run --network=bridge -- /bin/true

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
