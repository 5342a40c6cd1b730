#!/bin/sh
# moat as an OCI runtime, with runc's command line, on a bundle whose root
# is Debian's static busybox. Usage: oci.sh MOAT
set -u
. "$(dirname "$0")/lib.sh"
MOAT=$1
BUSYBOX=/bin/busybox
tmp=$(mktemp -d)
root=$tmp/state
trap 'for c in $("$MOAT" --root "$root" list -q 2>/dev/null); do
	"$MOAT" --root "$root" delete -f "$c"; done; rm -rf "$tmp"' EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: the OCI runtime's tests run as root (as engines call it)"
	exit 77
fi
if [ ! -x "$BUSYBOX" ] || ! file -L "$BUSYBOX" 2>/dev/null | grep -q static; then
	echo "SKIP: needs Debian's busybox-static at $BUSYBOX"
	exit 77
fi
if ! command -v python3 >/dev/null; then
	echo "SKIP: needs python3 to edit config.json"
	exit 77
fi

M() { "$MOAT" --root "$root" "$@"; }

# The bundle: busybox and its applets as relative links.
bundle=$tmp/bundle
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/etc"
cp "$BUSYBOX" "$bundle/rootfs/bin/busybox"
for a in $("$BUSYBOX" --list); do
	[ "$a" = busybox ] || ln -s busybox "$bundle/rootfs/bin/$a"
done
echo "root:x:0:0:root:/:/bin/sh" >"$bundle/rootfs/etc/passwd"

expect "spec" 0 "" -- "$MOAT" spec --bundle "$bundle"
expect "spec again" 1 "config.json exists" -- "$MOAT" spec --bundle "$bundle"
cp "$bundle/config.json" "$tmp/default.json"

# config KEY=JSON...: the default config.json with these changes
# (process.args=["sh"]: dotted paths; a null value deletes).
config() {
	python3 - "$tmp/default.json" "$bundle/config.json" "$@" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
for kv in sys.argv[3:]:
    k, v = kv.split("=", 1)
    *path, last = k.split(".")
    o = c
    for p in path:
        o = o[int(p)] if isinstance(o, list) else o.setdefault(p, {})
    if v == "null":
        o.pop(last, None)
    elif isinstance(o, list):
        o[int(last)] = json.loads(v)
    else:
        o[last] = json.loads(v)
json.dump(c, open(sys.argv[2], "w"), indent=1)
EOF
}

expect "features" 0 '"ociVersionMin"' -- "$MOAT" features
expect "features: hooks" 0 '"startContainer"' -- "$MOAT" features
expect "features: cgroup v1 and v2" 0 "" -- sh -c \
	"\"$MOAT\" features | tr -d ' \\n' | grep -q '\"cgroup\":{\"v1\":true,\"v2\":true'"

# gone PID: the process has ended (a zombie has: nobody may reap it here).
gone() {
	! [ -e "/proc/$1/stat" ] ||
		[ "$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# state_is ID STATUS: state says STATUS within 5 s.
state_is() {
	i=0
	while [ $i -lt 50 ]; do
		M state "$1" 2>/dev/null | grep -q "\"status\": \"$2\"" &&
			return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# The lifecycle: create, state, start, state, kill, state, delete.
config 'process.args=["sh","-c","echo hi from $(hostname); exec sleep 100"]'
if M create --bundle "$bundle" --pid-file "$tmp/pid" c1 \
	>"$tmp/c1.out" 2>"$tmp/c1.err"; then
	ok "create"
else
	bad "create"
	cat "$tmp/c1.err"
fi
if state_is c1 created; then ok "state: created"; else bad "state: created"; fi
pid=$(cat "$tmp/pid" 2>/dev/null)
if [ -n "$pid" ] && kill -0 "$pid" &&
	M state c1 | grep -q "\"pid\": $pid,"; then
	ok "pid file names the sentry, as state does"
else
	bad "pid file: '$pid'"
	M state c1
fi
if [ ! -s "$tmp/c1.out" ]; then
	ok "nothing runs before start"
else
	bad "output before start: $(cat "$tmp/c1.out")"
fi
expect "create of an existing id" 1 "container with given ID already exists" \
	-- M create --bundle "$bundle" c1
expect "start" 0 "" -- M start c1
if state_is c1 running; then ok "state: running"; else bad "state: running"; fi
expect "start again" 1 "cannot start an already running container" \
	-- M start c1
i=0
while [ $i -lt 50 ] && ! grep -q . "$tmp/c1.out"; do
	sleep 0.1
	i=$((i + 1))
done
if grep -q "^hi from moat$" "$tmp/c1.out"; then
	ok "init's output reaches create's stdout"
else
	bad "init's output: $(cat "$tmp/c1.out")"
fi
# exec: a new process in the running container.
expect "exec: output and status" 7 "^in moat$" -- \
	M exec c1 sh -c 'echo in $(hostname); exit 7'
expect "exec: no parent in the container (as runc's)" 0 "^ppid=0 pid=[0-9]" -- \
	M exec c1 sh -c 'echo ppid=$PPID pid=$$'
expect "exec: config.json's env" 0 "^/usr/local/sbin:" -- \
	M exec c1 sh -c 'echo $PATH'
expect "exec: --cwd --env --user --additional-gids" 0 \
	"^/etc bar uid=1000 gid=100 groups=5$" -- \
	M exec --cwd /etc -e FOO=bar -u 1000:100 -g 5 c1 \
	sh -c 'echo $(pwd) $FOO $(id)'
printf '{"args":["sh","-c","echo $X $(pwd)"],"env":["X=y"],"cwd":"/bin"}' \
	>"$tmp/process.json"
expect "exec --process" 0 "^y /bin$" -- M exec --process "$tmp/process.json" c1
expect "exec: not found" 255 'exec: \\"nope\\": executable file not found in \$PATH' \
	-- M exec c1 nope
expect "exec: a missing cwd" 255 'chdir to cwd' -- M exec --cwd /nope c1 true
expect "exec: killed by a signal" 137 "" -- M exec c1 sh -c 'kill -9 $$'
# --preserve-fds N: the caller's 3..3+N-1 are the process's, as runc's.
echo from-4 >"$tmp/fd4"
expect "exec --preserve-fds: fds 3 and 4" 0 "^got:from-4 file3:to-3 $" -- sh -c \
	"{ \"$MOAT\" --root \"$root\" exec --preserve-fds 2 c1 sh -c 'echo to-3 >&3; echo got:\$(cat <&4)' 3>\"$tmp/fd3\" 4<\"$tmp/fd4\"; echo file3:\$(cat \"$tmp/fd3\"); } | tr '\\n' ' '"
expect "exec: no --preserve-fds, no fd 3" 1 "Bad file descriptor" -- sh -c \
	"\"$MOAT\" --root \"$root\" exec c1 sh -c 'echo x >&3' 3>\"$tmp/fd3\""
expect "exec --preserve-fds: an fd that is not open" 255 "fd 4 is not open" \
	-- sh -c "\"$MOAT\" --root \"$root\" exec --preserve-fds 2 c1 true 3</dev/null 4<&-"
# --cap: added to bounding, effective and permitted, as runc adds it.
expect "exec --cap" 0 "^CapEff:	0000000020200420$" -- \
	M exec --cap CAP_SYS_ADMIN c1 grep CapEff /proc/self/status
expect "exec --cap: bounding too" 0 "^CapBnd:	0000000020200420$" -- \
	M exec --cap CAP_SYS_ADMIN c1 grep CapBnd /proc/self/status
expect "exec: without --cap, config.json's" 0 "^CapEff:	0000000020000420$" -- \
	M exec c1 grep CapEff /proc/self/status
expect "exec --cap: an unknown one" 255 "CAP_NOPE: unknown capability" -- \
	M exec --cap CAP_NOPE c1 true
expect "exec: no_new_privs as config.json's" 0 "^NoNewPrivs:	1$" -- \
	M exec c1 grep NoNewPrivs /proc/self/status
# --no-new-privs, or --process' noNewPrivileges, where init has none.
config 'process.args=["sleep","100"]' 'process.noNewPrivileges=false'
M run -d --bundle "$bundle" nn1 >/dev/null 2>&1
expect "exec: no_new_privs as init's (none)" 0 "^NoNewPrivs:	0$" -- \
	M exec nn1 grep NoNewPrivs /proc/self/status
expect "exec --no-new-privs" 0 "^NoNewPrivs:	1$" -- \
	M exec --no-new-privs nn1 grep NoNewPrivs /proc/self/status
printf '{"args":["grep","NoNewPrivs","/proc/self/status"],"noNewPrivileges":true}' \
	>"$tmp/process.json"
expect "exec --process: noNewPrivileges" 0 "^NoNewPrivs:	1$" -- \
	M exec --process "$tmp/process.json" nn1
M delete -f nn1 >/dev/null 2>&1
config 'process.args=["sh","-c","echo hi from $(hostname); exec sleep 100"]'
# --process: its capabilities, noNewPrivileges and rlimits.
printf '%s' '{"args":["sh","-c","echo $(ulimit -n) $(ulimit -Hn) $(grep -E \"^(CapEff|CapPrm|NoNewPrivs)\" /proc/self/status | cut -f2)"],
 "noNewPrivileges":true,"rlimits":[{"type":"RLIMIT_NOFILE","hard":200,"soft":100}],
 "capabilities":{"bounding":["CAP_KILL"],"effective":["CAP_KILL"],"permitted":["CAP_KILL","CAP_CHOWN"]}}' \
	>"$tmp/process.json"
expect "exec --process: capabilities, noNewPrivileges, rlimits" 0 \
	"^100 200 0000000000000021 0000000000000020 1$" -- \
	M exec --process "$tmp/process.json" c1
expect "exec --process: its capabilities alone, --cap or not (as runc)" 0 \
	"^100 200 0000000000000021 0000000000000020 1$" -- \
	M exec --cap CAP_SYS_ADMIN --process "$tmp/process.json" c1
expect "exec: rlimits as config.json's without --process" 0 "^1024$" -- \
	M exec c1 sh -c 'ulimit -n'
printf '{"args":["true"],"capabilities":{"effective":["CAP_NOPE"]}}' >"$tmp/process.json"
expect "exec --process: a bad capability named" 255 \
	"process.capabilities.effective\[0\]: unknown capability CAP_NOPE" -- \
	M exec --process "$tmp/process.json" c1
if [ "$(echo piped | M exec c1 cat 2>&1)" = piped ]; then
	ok "exec: stdin reaches the process"
else
	bad "exec: stdin reaches the process"
fi
"$MOAT" --root "$root" exec c1 sh -c \
	'sleep 100 & s=$!; trap "kill $s; echo got TERM; exit 5" TERM; echo ready; wait' \
	>"$tmp/trap" 2>&1 &
epid=$!
i=0
while [ $i -lt 50 ] && ! grep -q ready "$tmp/trap"; do
	sleep 0.1
	i=$((i + 1))
done
kill -TERM $epid
wait $epid
rc=$?
if [ $rc -eq 5 ] && grep -q "got TERM" "$tmp/trap"; then
	ok "exec: a signal to moat exec reaches the process"
else
	bad "exec: signal forwarding: exit $rc, $(cat "$tmp/trap")"
fi
M exec -d --pid-file "$tmp/epid" c1 sh -c 'sleep 1; exit 9' >/dev/null 2>&1
rc=$?
wpid=$(cat "$tmp/epid" 2>/dev/null)
if [ $rc -eq 0 ] && [ -n "$wpid" ] && kill -0 "$wpid" 2>/dev/null &&
	[ "$(M ps --format json c1 | tr , '\n' | wc -l)" -ge 2 ]; then
	ok "exec -d: returns, the pid file names a host process standing for it"
else
	bad "exec -d: exit $rc, pid file '$wpid', ps $(M ps --format json c1)"
fi
i=0
while [ $i -lt 50 ] && ! gone "$wpid"; do
	sleep 0.1
	i=$((i + 1))
done
if gone "$wpid"; then
	ok "exec -d: the standing process ends with it"
else
	bad "exec -d: $wpid still runs"
fi
# The exec'd process's status is its standing process's (a subreaper
# reaps it, as conmon does).
python3 - "$MOAT" "$root" >"$tmp/sub" 2>&1 <<'EOF2'
import ctypes, os, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
pidf = sys.argv[2] + "/../epid2"
r = os.spawnv(os.P_WAIT, sys.argv[1], [sys.argv[1], "--root", sys.argv[2],
    "exec", "-d", "--pid-file", pidf, "c1", "sh", "-c", "exit 9"])
w = int(open(pidf).read())
_, st = os.waitpid(w, 0)
print("detach", r, "status", os.waitstatus_to_exitcode(st))
EOF2
if grep -q "^detach 0 status 9$" "$tmp/sub"; then
	ok "exec -d: a subreaper reaps the status"
else
	bad "exec -d: subreaper: $(cat "$tmp/sub")"
fi
# Hostile requests on the control channel: refused, and the sentry lives.
python3 - "$root/c1/ctl" >"$tmp/hostile" 2>&1 <<'EOF2'
import socket, struct, sys, array
path = sys.argv[1]
def ask(data, nfds=1, extra=0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    fds = [b.fileno()] * nfds + [a.fileno()] * extra
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
    s.sendmsg([data], anc, 0, path)
    b.close()
    a.settimeout(5)
    try:
        r = a.recv(200)
    except socket.timeout:
        return None
    return struct.unpack_from("<IHHi", r)[3] if len(r) >= 12 else "short"
hdr = lambda op, sig=0, flags=0, ln=0, nfds=1: struct.pack("<IHHiIII", 0x54414f4d, 2, op, sig, flags, ln, nfds)
print("tiny", ask(b"abc"))
print("nofd", ask(hdr(1), nfds=0))  # nowhere to answer: EOF
print("magic", ask(b"X" * 24))
print("version", ask(struct.pack("<IHHiIII", 0x54414f4d, 9, 1, 0, 0, 0, 1)))
print("len", ask(hdr(1, ln=5) + b"12345" + b"x"))
print("sig", ask(hdr(3, sig=999)))
print("flags", ask(hdr(3, sig=15, flags=0x80)))
print("op", ask(hdr(77)))
print("fds", ask(hdr(1, nfds=6), nfds=1, extra=5))
print("big", ask(b"\0" * 70000))
def askx(payload, nfds=4, flags=0, sig=0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    null = open("/dev/null", "r+b")
    fds = [b.fileno()] + [null.fileno()] * (nfds - 1)
    h = struct.pack("<IHHiIII", 0x54414f4d, 2, 4, sig, flags, len(payload), nfds)
    s.sendmsg([h + payload], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))], 0, path)
    b.close()
    null.close()
    a.settimeout(5)
    try:
        r = a.recv(200)
    except socket.timeout:
        return None
    return struct.unpack_from("<IHHi", r)[3] if len(r) >= 12 else "short"
ex = lambda ng=0, argc=1, envc=0, fl=0, fdf=(0, 1, 1), res=0, nfds=0, caps=(0,) * 5, nrl=0: struct.pack("<10I", 0, 0, ng, argc, envc, fl, *fdf, nfds) + struct.pack("<5Q", *caps) + struct.pack("<II", nrl, res)
rl = lambda res=7, pad=0, cur=1, mx=2: struct.pack("<IIQQ", res, pad, cur, mx)
print("x-ok", askx(ex() + b"true\0/\0\0"))
print("x-short", askx(ex()[:20]))
print("x-nofds", askx(ex() + b"true\0/\0\0", nfds=1))
print("x-flags", askx(ex(fl=0x80000000) + b"true\0/\0\0"))
print("x-fdflags", askx(ex(fdf=(0o4000000, 1, 1)) + b"true\0/\0\0"))
print("x-reserved", askx(ex(res=3) + b"true\0/\0\0"))
print("x-argc0", askx(ex(argc=0) + b"/\0\0"))
print("x-groups", askx(ex(ng=100000) + b"true\0/\0\0"))
print("x-groupslen", askx(ex(ng=40) + b"true\0/\0\0"))
print("x-argc", askx(ex(argc=0xffffffff) + b"true\0/\0\0"))
print("x-envc", askx(ex(envc=0xfffffffe) + b"true\0/\0\0"))
print("x-nonul", askx(ex() + b"true\0/\0"))
print("x-trailing", askx(ex() + b"true\0/\0\0junk"))
print("x-relcwd", askx(ex() + b"true\0etc\0\0"))
print("x-relexe", askx(ex() + b"true\0/\0bin/true\0"))
print("x-empty", askx(ex() + b"\0/\0\0"))
print("x-signo", askx(ex() + b"true\0/\0\0", sig=9))
print("x-fds-ok", askx(ex(nfds=2) + struct.pack("<II", 0, 1) + b"true\0/\0\0", nfds=6))
print("x-fds-count", askx(ex(nfds=2) + struct.pack("<II", 0, 1) + b"true\0/\0\0", nfds=5))
print("x-fds-many", askx(ex(nfds=65) + b"\0" * 260 + b"true\0/\0\0", nfds=69))
print("x-fds-flags", askx(ex(nfds=1) + struct.pack("<I", 0o4000000) + b"true\0/\0\0", nfds=5))
print("x-caps-ok", askx(ex(fl=1, caps=(1, 1, 1, 0, 0)) + b"true\0/\0\0"))
print("x-caps-noflag", askx(ex(caps=(1, 0, 0, 0, 0)) + b"true\0/\0\0"))
print("x-caps-bits", askx(ex(fl=1, caps=(1 << 41, 0, 0, 0, 0)) + b"true\0/\0\0"))
print("x-flags2", askx(ex(fl=4) + b"true\0/\0\0"))
print("x-rl-ok", askx(ex(nrl=1) + rl() + b"true\0/\0\0"))
print("x-rl-res", askx(ex(nrl=1) + rl(res=16) + b"true\0/\0\0"))
print("x-rl-pad", askx(ex(nrl=1) + rl(pad=1) + b"true\0/\0\0"))
print("x-rl-order", askx(ex(nrl=1) + rl(cur=3, mx=2) + b"true\0/\0\0"))
print("x-rl-many", askx(ex(nrl=17) + rl() * 17 + b"true\0/\0\0"))
print("x-rl-short", askx(ex(nrl=2) + rl()))
print("state", ask(hdr(1)))
print("stats", ask(hdr(7)))
print("stats-sig", ask(hdr(7, sig=9)))
print("stats-payload", ask(hdr(7, ln=4) + b"1234"))
EOF2
for want in "tiny -22" "nofd short" "magic -22" "version -22" "len -22" \
	"sig -22" "flags -22" "op -95" "fds -22" "big -22" "x-ok 0" \
	"x-short -22" "x-nofds -22" "x-flags -22" "x-fdflags -22" \
	"x-reserved -22" "x-argc0 -22" "x-groups -22" "x-groupslen -22" \
	"x-argc -22" "x-envc -22" "x-nonul -22" "x-trailing -22" \
	"x-relcwd -22" "x-relexe -22" "x-empty -22" "x-signo -22" \
	"x-fds-ok 0" "x-fds-count -22" "x-fds-many -22" "x-fds-flags -22" \
	"x-caps-ok 0" "x-caps-noflag -22" "x-caps-bits -22" "x-flags2 -22" \
	"x-rl-ok 0" "x-rl-res -22" "x-rl-pad -22" "x-rl-order -22" \
	"x-rl-many -22" "x-rl-short -22" "state 0" \
	"stats 0" "stats-sig -22" "stats-payload -22"; do
	if grep -q "^$want$" "$tmp/hostile"; then
		ok "control channel: ${want% *}"
	else
		bad "control channel: want '$want'"
		sed 's/^/    /' "$tmp/hostile"
	fi
done
expect "ps" 0 "^\[1\]$" -- M ps --format json c1
expect "list" 0 '"id":"c1"' -- M list --format json
expect "delete of a running container" 1 \
	"cannot delete container c1 that is not stopped: running" -- M delete c1
# init is a pid namespace's, as with runc: a signal it has no handler for
# is ignored (from inside the container too), but SIGKILL from outside.
expect "kill TERM" 0 "" -- M kill c1 TERM
expect "kill 1 from inside" 0 "" -- M exec c1 kill -KILL 1
sleep 0.3
if state_is c1 running; then
	ok "init ignores TERM and its container's SIGKILL, as runc's"
else
	bad "init ignores TERM and its container's SIGKILL, as runc's"
fi
expect "kill KILL" 0 "" -- M kill c1 KILL
if state_is c1 stopped; then ok "state: stopped"; else bad "state: stopped"; fi
if gone "$pid"; then
	ok "the sentry is gone"
else
	bad "the sentry $pid still runs"
fi
expect "kill a stopped container" 1 "container not running" -- M kill c1
expect "exec in a stopped container" 255 \
	"cannot exec in a stopped container" -- M exec c1 true
expect "delete" 0 "" -- M delete c1
expect "state after delete" 1 "container does not exist" -- M state c1
expect "delete again" 1 "container does not exist" -- M delete c1
expect "delete --force of nothing" 0 "" -- M delete --force c1
expect "json log" 1 '^{"level":"error","msg":"container does not exist"' -- \
	M --log-format json state c1
expect "unknown signal" 1 'unknown signal' -- M kill c1 BOGUS

# run: the output reaches the caller, the exit status is init's, and the
# container is gone after.
config 'process.args=["sh","-c","echo out; echo err >&2; exit 3"]'
expect "run: exit status" 3 "^out$" -- M run --bundle "$bundle" r1
expect "run: stderr" 3 "^err$" -- M run --bundle "$bundle" r1
expect "run: gone after" 0 "" -- sh -c "[ -z \"\$(\"$MOAT\" --root \"$root\" list -q)\" ]"
config 'process.args=["sh","-c","kill -9 $$; echo survived"]'
expect "run: init survives its own SIGKILL, as runc's" 0 "^survived$" -- \
	M run --bundle "$bundle" r1

# What config.json asks, in the sandbox.
config 'process.args=["sh","-c","id; pwd; echo $FOO; hostname; grep CapEff /proc/self/status"]' \
	'process.user={"uid":1000,"gid":100,"additionalGids":[5,6]}' \
	'process.cwd="/etc"' 'process.env=["FOO=bar","PATH=/bin"]' \
	'hostname="box"'
M run --bundle "$bundle" p1 >"$tmp/out" 2>&1
for want in "uid=1000 gid=100 groups=5,6" "^/etc$" "^bar$" "^box$" \
	"CapEff:	0000000020000420"; do
	if grep -q "$want" "$tmp/out"; then
		ok "config: $want"
	else
		bad "config: $want"
		sed 's/^/    /' "$tmp/out"
	fi
done
# Ambient capabilities: those also permitted and inheritable, as runc
# raises them.
config 'process.args=["grep","CapAmb","/proc/self/status"]' \
	'process.capabilities={"bounding":["CAP_KILL","CAP_CHOWN"],"permitted":["CAP_KILL","CAP_CHOWN"],"effective":["CAP_KILL"],"inheritable":["CAP_KILL"],"ambient":["CAP_KILL","CAP_CHOWN"]}'
expect "capabilities: ambient" 0 "^CapAmb:	0000000000000020$" -- \
	M run --bundle "$bundle" p6
# /proc/self/uid_map and gid_map: the initial namespace's without a user
# namespace (as runc's container shows), else the config's mappings.
config 'process.args=["sh","-c","cat /proc/self/uid_map /proc/self/gid_map | tr -s \" \" | tr \"\\n\" \";\""]'
expect "uid_map, gid_map: no mappings" 0 "^ 0 0 4294967295; 0 0 4294967295;$" -- \
	M run --bundle "$bundle" u1
config 'process.args=["sh","-c","cat /proc/self/uid_map /proc/self/gid_map | tr -s \" \" | tr \"\\n\" \";\"; id -u"]' \
	'linux.namespaces=[{"type":"user"},{"type":"mount"}]' \
	'linux.uidMappings=[{"containerID":0,"hostID":1000,"size":2000}]' \
	'linux.gidMappings=[{"containerID":0,"hostID":1000,"size":3000},{"containerID":5000,"hostID":100,"size":1}]'
expect "uid_map, gid_map: linux.uidMappings, gidMappings" 0 \
	"^ 0 1000 2000; 0 1000 3000; 5000 100 1;0$" -- M run --bundle "$bundle" u2
config 'process.args=["cat","/proc/self/oom_score_adj"]' 'process.oomScoreAdj=500'
expect "process.oomScoreAdj: the container's view" 0 "^500$" -- \
	M run --bundle "$bundle" p6
config 'process.args=["touch","/x"]'
expect "root.readonly" 1 "Read-only file system" -- M run --bundle "$bundle" p2
config 'process.args=["touch","/written"]' 'root.readonly=false'
M run --bundle "$bundle" p3 >/dev/null 2>&1
if [ -f "$bundle/rootfs/written" ]; then
	ok "a writable root is the rootfs itself"
else
	bad "a writable root is the rootfs itself"
fi
mkdir -p "$tmp/data"
echo shared >"$tmp/data/f"
config 'process.args=["sh","-c","cat /data/f; echo x >/data/g"]' \
	"mounts=[{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"$tmp/data\",\"options\":[\"rbind\",\"ro\"]}]"
expect "bind mount, ro" 1 "^shared$" -- M run --bundle "$bundle" p4
# A bind's filesystem data is ignored, as Linux ignores it; mountinfo's
# root names the directory bound.
config 'process.args=["sh","-c","cut -d\" \" -f4,5 /proc/self/mountinfo"]' \
	"mounts=[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},{\"destination\":\"/data\",\"source\":\"$tmp/data\",\"options\":[\"bind\",\"mode=755\",\"size=1k\"]}]"
expect "bind mount: its root in mountinfo" 0 "^$tmp/data /data$" -- \
	M run --bundle "$bundle" p4

# linux.maskedPaths and readonlyPaths anywhere, as runc makes them: an
# empty read-only tmpfs over a directory, /dev/null over a file (reads
# empty, writes vanish), a read-only bind of a path on itself (below it
# too, the mounts under it included); missing paths are skipped.
mkdir -p "$bundle/rootfs/m/dir/sub" "$bundle/rootfs/m/ro/sub" "$bundle/rootfs/m/rw"
echo secret >"$bundle/rootfs/m/dir/f"
echo secret >"$bundle/rootfs/m/file"
echo kept >"$bundle/rootfs/m/ro/sub/f"
config 'process.args=["sh","-c","echo dir:$(ls -A /m/dir | wc -l):$(stat -c %a:%U /m/dir); touch /m/dir/x 2>&1; echo file:$(cat /m/file):$(stat -c %F:%t:%T /m/file); echo y >/m/file && echo written:$(cat /m/file); cat /m/ro/sub/f; echo y >/m/ro/sub/f; mkdir /m/ro/sub/d; touch /m/ro/new; ln -s x /m/ro/l; echo w >/m/rw/f && echo rw:$(cat /m/rw/f); touch /dev/shm/x; grep -c \" /m/\" /proc/self/mountinfo"]' \
	'root.readonly=false' \
	'linux.maskedPaths=["/m/dir","/m/file","/m/nope","/m/nope/deeper"]' \
	'linux.readonlyPaths=["/m/ro","/m/missing","/dev"]'
M run --bundle "$bundle" mp >"$tmp/out" 2>&1
for want in '^dir:0:1777:root$' "^touch: /m/dir/x: Read-only file system$" \
	'^file::character special file:1:3$' '^written:$' '^kept$' \
	"can't create /m/ro/sub/f: Read-only file system" \
	"can't create directory '/m/ro/sub/d': Read-only file system" \
	"touch: /m/ro/new: Read-only file system" \
	"ln: /m/ro/l: Read-only file system" '^rw:w$' \
	"touch: /dev/shm/x: Read-only file system" '^3$'; do
	if grep -q "$want" "$tmp/out"; then
		ok "masked/readonly paths: $want"
	else
		bad "masked/readonly paths: $want"
		sed 's/^/    /' "$tmp/out"
	fi
done
if [ "$(cat "$bundle/rootfs/m/file")" = secret ] &&
	[ ! -e "$bundle/rootfs/m/ro/new" ]; then
	ok "masked/readonly paths: the rootfs is untouched"
else
	bad "masked/readonly paths: the rootfs changed"
fi
rm -rf "$bundle/rootfs/m"
config 'process.args=["sh","-c","echo 1 >/proc/sys/net/ipv4/ip_forward"]'
expect "readonlyPaths: the default's /proc/sys" 1 "Read-only file system" -- \
	M run --bundle "$bundle" mp2

# linux.seccomp: compiled with libseccomp, enforced by the sentry on init,
# its children and exec'd processes; an unknown name is skipped (as runc).
prof='{"defaultAction":"SCMP_ACT_ALLOW",
 "architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"],
 "syscalls":[
  {"names":["mkdir","mkdirat","no_such_call"],"action":"SCMP_ACT_ERRNO",
   "errnoRet":28},
  {"names":["sync"],"action":"SCMP_ACT_KILL_PROCESS"},
  {"names":["kill"],"action":"SCMP_ACT_ERRNO",
   "args":[{"index":1,"value":10,"op":"SCMP_CMP_EQ"}]}]}'
config 'process.args=["sh","-c","echo $(mkdir /tmp/d 2>&1) $(grep ^Seccomp: /proc/self/status)"]' \
	"linux.seccomp=$prof"
expect "seccomp: mkdir denied with errnoRet, Seccomp 2 in /proc" 0 \
	"No space left on device Seccomp:.2$" -- M run --bundle "$bundle" s1
# kill(pid, SIGUSR1) is refused, kill(pid, 0) is not.
config 'process.args=["sh","-c","kill -USR1 $$ || { kill -0 $$ && echo refused-allowed; }"]' \
	"linux.seccomp=$prof"
expect "seccomp: an argument's condition" 0 "^refused-allowed$" -- \
	M run --bundle "$bundle" s2
config 'process.args=["sync"]' "linux.seccomp=$prof"
expect "seccomp: SCMP_ACT_KILL_PROCESS is SIGSYS" 159 "" -- \
	M run --bundle "$bundle" s3
config 'process.args=["sleep","100"]' "linux.seccomp=$prof"
M run -d --bundle "$bundle" s4 >/dev/null 2>&1
expect "seccomp: exec'd processes too" 1 "No space left on device" -- \
	M exec s4 mkdir /tmp/e
M delete -f s4 >/dev/null 2>&1
# The container's mounts, in config.json's order and no others (then the
# one of the default readonlyPaths that exists), with their sources and
# flags; /dev/ptmx is devpts' (as runc makes both).
config 'process.args=["sh","-c","cut -d\" \" -f5,6,8,9 /proc/self/mountinfo | tr \"\\n\" \";\"; echo; readlink /dev/ptmx; stat -c %a /mnt/t"]' \
	'mounts=[{"destination":"/mnt/t","type":"tmpfs","source":"t1","options":["mode=700"]},
	{"destination":"/proc","type":"proc","source":"proc"},
	{"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","mode=755"]},
	{"destination":"/dev/pts","type":"devpts","source":"devpts","options":["nosuid","noexec"]},
	{"destination":"/dev/shm","type":"tmpfs","source":"shm","options":["nodev"]},
	{"destination":"/dev/mqueue","type":"mqueue","source":"mqueue","options":["nosuid"]},
	{"destination":"/sys","type":"sysfs","source":"sysfs","options":["ro"]}]'
M run --bundle "$bundle" p5 >"$tmp/out" 2>&1
for want in '^/ ro overlay rootfs;/mnt/t rw tmpfs t1;/proc rw proc proc;/dev rw,nosuid tmpfs tmpfs;/dev/pts rw,nosuid,noexec devpts devpts;/dev/shm rw,nodev tmpfs shm;/dev/mqueue ro,nosuid mqueue mqueue;/sys ro sysfs sysfs;/proc/sys ro proc proc;$' \
	'^pts/ptmx$' '^700$'; do
	if grep -q "$want" "$tmp/out"; then
		ok "mounts: $want"
	else
		bad "mounts: $want"
		sed 's/^/    /' "$tmp/out"
	fi
done

# A malformed config.json: the error names the field.
for case in 'process.args="sh"|process.args' \
	'process.cwd="rel"|process.cwd' \
	'process.user={"uid":-1}|process.user.uid' \
	'process.capabilities={"bounding":["CAP_NOPE"]}|process.capabilities.bounding\[0\]' \
	'process.rlimits=[{"type":"RLIMIT_NOPE","hard":1,"soft":1}]|process.rlimits\[0\].type' \
	'process.terminal=true|console socket' \
	'mounts=[{"destination":"/x","type":"nfs","source":"a"}]|mounts\[0\]' \
	'linux.seccomp={"defaultAction":"SCMP_ACT_NOPE"}|linux.seccomp.defaultAction' \
	'linux.seccomp={"defaultAction":"SCMP_ACT_NOTIFY"}|linux.seccomp.defaultAction: SCMP_ACT_NOTIFY is not supported' \
	'linux.seccomp={"defaultAction":"SCMP_ACT_ALLOW","listenerPath":"/x"}|linux.seccomp.listenerPath' \
	'linux.seccomp={"defaultAction":"SCMP_ACT_ALLOW","flags":["SECCOMP_FILTER_FLAG_NOPE"]}|linux.seccomp.flags\[0\]' \
	'linux.seccomp={"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_NOPE"]}|linux.seccomp.architectures\[0\]' \
	'linux.seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_NOPE"}]}|linux.seccomp.syscalls\[0\].action' \
	'linux.seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":1,"op":"SCMP_CMP_NOPE"}]}]}|linux.seccomp.syscalls\[0\].args\[0\].op' \
	'linux.namespaces=[{"type":"ipc","path":"/proc/1/ns/ipc"}]|linux.namespaces\[0\].path' \
	'linux.namespaces=[{"type":"network","path":"rel"}]|linux.namespaces\[0\].path' \
	'linux.sysctl={"kernel.shmmax":"1"}|linux.sysctl.kernel.shmmax' \
	'linux.sysctl={"net.ipv4.ip_forward":"on"}|linux.sysctl.net.ipv4.ip_forward' \
	'linux.resources={"memory":{"kernel":1000000}}|linux.resources.memory.kernel' \
	'linux.resources={"memory":{"swappiness":101}}|linux.resources.memory.swappiness' \
	'linux.resources={"memory":{"disableOOMKiller":1}}|linux.resources.memory.disableOOMKiller' \
	'linux.resources={"cpu":{"cpus":"0;1"}}|linux.resources.cpu.cpus' \
	'linux.resources={"cpu":{"shares":1}}|linux.resources.cpu.shares' \
	'linux.resources={"cpu":{"idle":1}}|linux.resources.cpu.idle' \
	'linux.resources={"blockIO":{"weight":100}}|linux.resources.blockIO' \
	'linux.resources={"pids":{"limit":"x"}}|linux.resources.pids.limit' \
	'linux.resources={"memory":{"limit":1000,"swap":10}}|linux.resources.memory.swap' \
	'linux.cgroupsPath="/a/../b"|linux.cgroupsPath' \
	'linux.uidMappings=[{"containerID":0,"hostID":1000,"size":10}]|linux.uidMappings: mappings given, but linux.namespaces has no user namespace' \
	'linux.maskedPaths=["rel"]|linux.maskedPaths\[0\]: must be an absolute path' \
	'linux.readonlyPaths="/x"|linux.readonlyPaths: must be an array' \
	'root=null|root.path' \
	'ociVersion=null|ociVersion' \
	'annotations={"dev.moat.platform":"kvm"}|annotations.dev.moat.platform' \
	'process.args=["nope"]|executable file not found' \
	'hooks={"poststart":[{"path":"rel"}]}|hooks.poststart\[0\].path' \
	'hooks={"poststop":[{"path":"/bin/true","timeout":0}]}|hooks.poststop\[0\].timeout' \
	'hooks={"onstart":[]}|hooks.onstart'; do
	config "${case%%|*}"
	expect "config error: ${case%%|*}" 1 "${case#*|}" -- \
		M create --bundle "$bundle" bad
done
# Mappings, checked: each names the field.
for case in 'linux.gidMappings=[{"containerID":0,"hostID":1,"size":10},{"containerID":5,"hostID":100,"size":1}]|linux.gidMappings\[1\]: overlaps mapping 0' \
	'linux.uidMappings=[{"containerID":0,"hostID":1}]|linux.uidMappings\[0\].size: missing' \
	'linux.uidMappings=[{"containerID":4294967295,"hostID":1,"size":2}]|linux.uidMappings\[0\]: the range goes past'; do
	config 'linux.namespaces=[{"type":"user"}]' "${case%%|*}"
	expect "config error: ${case%%|*}" 1 "${case#*|}" -- \
		M create --bundle "$bundle" bad
done
printf '{\n  "ociVersion": "1.0.2",\n  "process": {,\n}\n' >"$bundle/config.json"
expect "config.json syntax error: line and column" 1 "config.json:3:" -- \
	M create --bundle "$bundle" bad
expect "no state left by failed creates" 0 "" -- \
	sh -c "[ -z \"\$(ls -A \"$root\")\" ]"

# Two creates of one id at once: exactly one wins.
config 'process.args=["sleep","100"]'
M create --bundle "$bundle" same >/dev/null 2>"$tmp/e1" &
p1=$!
M create --bundle "$bundle" same >/dev/null 2>"$tmp/e2" &
p2=$!
wait $p1
r1=$?
wait $p2
r2=$?
if [ $((r1 + r2)) -eq 1 ] &&
	grep -q "already exists" "$tmp/e1" "$tmp/e2"; then
	ok "concurrent create: one wins"
else
	bad "concurrent create: exits $r1 and $r2"
	cat "$tmp/e1" "$tmp/e2"
fi
expect "kill --all of a created container" 0 "" -- M kill --all same KILL
if state_is same stopped; then ok "killed before start"; else bad "killed before start"; fi
expect "delete it" 0 "" -- M delete same

# A sentry killed from outside: stopped, and delete cleans up.
M run -d --bundle "$bundle" --pid-file "$tmp/pid" k1 >/dev/null 2>&1
pid=$(cat "$tmp/pid")
helpers=$(pgrep -P "$pid")
kill -9 "$pid"
if state_is k1 stopped; then ok "SIGKILL'ed sentry: stopped"; else bad "SIGKILL'ed sentry: stopped"; fi
expect "delete after SIGKILL" 0 "" -- M delete k1
if [ ! -e "$root/k1" ]; then ok "state directory removed"; else bad "state directory left"; fi
left=""
for h in $helpers; do
	i=0
	while [ $i -lt 50 ] && ! gone "$h"; do
		sleep 0.1
		i=$((i + 1))
	done
	gone "$h" || left="$left $h"
done
if [ -n "$helpers" ] && [ -z "$left" ]; then
	ok "the gofer and the stubs went with the sentry"
else
	bad "helpers of the sentry: '$helpers', left:$left"
fi

# delete --force of a running container.
M run -d --bundle "$bundle" f1 >/dev/null 2>&1
expect "delete --force" 0 "" -- M delete --force f1
expect "gone" 1 "container does not exist" -- M state f1

# pause and resume: every task frozen in the sentry, unseen inside.
config 'process.args=["sh","-c","trap \"echo TERM; exit 6\" TERM; i=0; while :; do i=$((i+1)); echo $i; usleep 20000; done"]'
M create --bundle "$bundle" p1 >"$tmp/p.out" 2>&1
expect "pause a created container" 1 "container not running" -- M pause p1
M start p1
sleep 0.3
expect "pause" 0 "" -- M pause p1
if state_is p1 paused; then ok "state: paused"; else bad "state: paused"; fi
a=$(wc -l <"$tmp/p.out")
sleep 0.5
b=$(wc -l <"$tmp/p.out")
if [ "$a" -eq "$b" ] && [ "$a" -gt 0 ]; then
	ok "paused: nothing runs"
else
	bad "paused: output went from $a to $b lines"
fi
expect "pause a paused container" 1 "container not running" -- M pause p1
expect "ps of a paused container" 0 "^\[.*1\]$" -- M ps --format json p1
expect "exec in a paused container" 255 "cannot exec in a paused container" \
	-- M exec p1 true
expect "exec --ignore-paused" 0 "" -- M exec -d --ignore-paused p1 true
expect "delete a paused container" 1 "not stopped: paused" -- M delete p1
expect "kill a paused container" 0 "" -- M kill p1 TERM
sleep 0.3
if state_is p1 paused && ! grep -q TERM "$tmp/p.out"; then
	ok "paused: a signal waits for resume"
else
	bad "paused: a signal waits for resume: $(tail -2 "$tmp/p.out")"
fi
expect "resume" 0 "" -- M resume p1
if state_is p1 stopped && grep -q '^TERM$' "$tmp/p.out"; then
	ok "resumed: the signal is taken"
else
	bad "resumed: $(tail -2 "$tmp/p.out")"
fi
expect "resume a stopped container" 1 "container not paused" -- M resume p1
M delete p1
config 'process.args=["sh","-c","i=0; while :; do i=$((i+1)); echo $i; usleep 20000; done"]'
M run -d --bundle "$bundle" p2 >"$tmp/p.out" 2>&1
sleep 0.3
M pause p2
M resume p2
a=$(wc -l <"$tmp/p.out")
sleep 0.5
b=$(wc -l <"$tmp/p.out")
if [ "$b" -gt "$a" ] && state_is p2 running; then
	ok "resumed: it runs again"
else
	bad "resumed: output went from $a to $b lines"
fi
expect "delete --force of a paused container" 0 "" -- sh -c \
	"\"$MOAT\" --root \"$root\" pause p2 && \"$MOAT\" --root \"$root\" delete --force p2"

# linux.resources: the whole sandbox in a host cgroup with the limits.
if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
	cgpids=/sys/fs/cgroup cgmem=/sys/fs/cgroup memfile=memory.max
else
	cgpids=/sys/fs/cgroup/pids cgmem=/sys/fs/cgroup/memory
	memfile=memory.limit_in_bytes
fi
if mkdir -p "$cgpids/moat-probe" 2>/dev/null && rmdir "$cgpids/moat-probe" &&
	[ -e "$cgmem/$memfile" ] || [ -e "$cgmem/cgroup.controllers" ]; then
	# The sh ends at its first failed fork, and the sandbox with it: the
	# sleep 2 keeps the sentry there to be seen first.
	config 'process.args=["sh","-c","sleep 2; for i in $(seq 30); do sleep 3 & done; echo started; wait"]' \
		'linux.resources={"pids":{"limit":40},"memory":{"limit":268435456}}'
	M run -d --bundle "$bundle" --pid-file "$tmp/pid" g1 >"$tmp/g.out" 2>&1
	pid=$(cat "$tmp/pid")
	if grep -q "pids:/moat/g1$" "/proc/$pid/cgroup" ||
		grep -q "^0::/moat/g1$" "/proc/$pid/cgroup"; then
		ok "resources: the sentry is in the container's cgroup"
	else
		bad "resources: cgroup of the sentry: $(cat "/proc/$pid/cgroup")"
	fi
	if [ "$(cat "$cgpids/moat/g1/pids.max")" = 40 ] &&
		[ "$(cat "$cgmem/moat/g1/$memfile")" = 268435456 ]; then
		ok "resources: pids and memory limits written"
	else
		bad "resources: limits: $(cat "$cgpids/moat/g1/pids.max" "$cgmem/moat/g1/$memfile")"
	fi
	i=0
	while [ $i -lt 100 ] && ! grep -q "started\|can't fork" "$tmp/g.out"; do
		sleep 0.1
		i=$((i + 1))
	done
	if grep -q "can't fork" "$tmp/g.out" &&
		[ "$(cat "$cgpids/moat/g1/pids.current" 2>/dev/null || echo 0)" -le 40 ]; then
		ok "resources: the pids limit holds (a fork fails inside)"
	else
		bad "resources: pids limit: $(cat "$tmp/g.out" "$cgpids/moat/g1/pids.current")"
	fi
	M delete -f g1
	if [ ! -e "$cgpids/moat/g1" ] && [ ! -e "$cgmem/moat/g1" ]; then
		ok "resources: delete removes the cgroups"
	else
		bad "resources: cgroups left after delete"
	fi
	config 'process.args=["sleep","100"]' \
		'linux.resources={"pids":{"limit":100}}' \
		'linux.cgroupsPath="moat-test.slice:moat:g2"'
	M run -d --bundle "$bundle" --pid-file "$tmp/pid" g2 >/dev/null 2>&1
	if grep -q "moat-test.slice/moat-g2.scope" "/proc/$(cat "$tmp/pid")/cgroup"; then
		ok "resources: a systemd cgroupsPath (slice:prefix:name)"
	else
		bad "resources: systemd cgroupsPath: $(cat "/proc/$(cat "$tmp/pid")/cgroup")"
	fi
	M delete -f g2
	for h in "$cgpids" "$cgmem" /sys/fs/cgroup/cpu /sys/fs/cgroup/cpuset; do
		rmdir "$h/moat-test.slice" 2>/dev/null
	done
	# The memory's reservation (v1's soft limit, v2's memory.low),
	# swappiness and disableOOMKiller (v1's; v2 has neither).
	if [ "$cgmem" = /sys/fs/cgroup ]; then
		config 'process.args=["sleep","100"]' \
			'linux.resources={"memory":{"reservation":104857600}}'
		M run -d --bundle "$bundle" g5 >/dev/null 2>&1
		got=$(cat "$cgmem/moat/g5/memory.low" 2>&1) want=104857600
		expect "update --memory-reservation" 0 "" -- \
			M update --memory-reservation 200m g5
		got="$got $(cat "$cgmem/moat/g5/memory.low" 2>&1)"
		want="$want 209715200"
		M delete -f g5
		config 'process.args=["true"]' \
			'linux.resources={"memory":{"swappiness":10}}'
		expect "resources: swappiness on cgroup v2, refused by name" 1 \
			"linux.resources.memory.swappiness" -- \
			M run --bundle "$bundle" g6
	else
		config 'process.args=["sleep","100"]' \
			'linux.resources={"memory":{"reservation":104857600,"swappiness":10,"disableOOMKiller":true}}'
		M run -d --bundle "$bundle" g5 >/dev/null 2>&1
		got="$(cat "$cgmem/moat/g5/memory.soft_limit_in_bytes" "$cgmem/moat/g5/memory.swappiness" 2>&1 | tr '\n' ' ')$(grep oom_kill_disable "$cgmem/moat/g5/memory.oom_control" 2>&1)"
		want="104857600 10 oom_kill_disable 1"
		expect "update --memory-reservation" 0 "" -- \
			M update --memory-reservation 200m g5
		got="$got $(cat "$cgmem/moat/g5/memory.soft_limit_in_bytes" 2>&1)"
		want="$want 209715200"
		M delete -f g5
	fi
	if [ "$got" = "$want" ]; then
		ok "resources: memory reservation, swappiness, disableOOMKiller"
	else
		bad "resources: memory: '$got', want '$want'"
	fi
	# update and events: limits set after create, usage from the sentry.
	config 'process.args=["sh","-c","i=0; while :; do i=$((i+1)); done"]'
	M run -d --bundle "$bundle" u1 >/dev/null 2>&1
	expect "update --memory --pids-limit" 0 "" -- \
		M update --memory 300m --pids-limit 77 u1
	if [ "$(cat "$cgpids/moat/u1/pids.max")" = 77 ] &&
		[ "$(cat "$cgmem/moat/u1/$memfile")" = 314572800 ]; then
		ok "update: the limits reach the host cgroups"
	else
		bad "update: $(cat "$cgpids/moat/u1/pids.max" "$cgmem/moat/u1/$memfile")"
	fi
	expect "events --stats: the limits" 0 \
		'"memory":{"usage":{"usage":[1-9][0-9]*,"limit":314572800.*"pids":{"current":1,"limit":77}' \
		-- M events --stats u1
	a=$(M events --stats u1 | sed 's/.*"total":\([0-9]*\).*/\1/')
	sleep 0.5
	b=$(M events --stats u1 | sed 's/.*"total":\([0-9]*\).*/\1/')
	if [ "$a" -gt 0 ] && [ "$b" -gt "$a" ]; then
		ok "events --stats: the CPU time grows ($a, $b ns)"
	else
		bad "events --stats: CPU time '$a' then '$b'"
	fi
	expect "events: a stream every --interval" 0 "" -- sh -c \
		"timeout 2.6 \"$MOAT\" --root \"$root\" events --interval 1s u1 |
		 [ \$(grep -c '\"type\":\"stats\"') -ge 2 ]"
	echo '{"memory":{"limit":-1},"pids":{"limit":0}}' >"$tmp/res.json"
	expect "update -r FILE: no limits" 0 "" -- M update -r "$tmp/res.json" u1
	if [ "$(cat "$cgpids/moat/u1/pids.max")" = max ]; then
		ok "update -r: the limits lifted"
	else
		bad "update -r: pids.max $(cat "$cgpids/moat/u1/pids.max")"
	fi
	expect "update: a flag moat cannot honour" 1 \
		"blkio-weight: only the memory, pids and cpu limits" -- \
		M update --blkio-weight 500 u1
	expect "update: a bad size" 1 'invalid value .*12x.* for flag --memory' \
		-- M update --memory 12x u1
	expect "update: swap below memory" 1 \
		"memory+swap limit should be larger" -- \
		M update --memory 1g --memory-swap 512m u1
	expect "events: --interval must be a duration" 1 \
		'invalid value .*x.* for flag --interval' -- \
		M events --interval x u1
	M kill u1 KILL
	state_is u1 stopped
	expect "events --stats of a stopped container" 1 "is not running" -- \
		M events --stats u1
	expect "events of a stopped container: the stream ends" 0 "" -- \
		M events u1
	expect "update of a stopped container" 1 "container not running" -- \
		M update --pids-limit 5 u1
	M delete u1
	config 'process.args=["true"]' 'linux.resources={"pids":{"limit":100}}'
	if unshare -m true 2>/dev/null; then
		expect "resources: no writable cgroups, an error naming the field" 1 \
			"linux.resources.pids: cannot use the host's cgroups" -- \
			unshare -m sh -c "mount --bind \"$tmp\" \"$cgpids\" &&
				mount -o remount,bind,ro \"$cgpids\" &&
				\"$MOAT\" --root \"$root\" run --bundle \"$bundle\" g3"
		config 'process.args=["true"]'
		expect "no writable cgroups, no limits: it runs" 0 "" -- \
			unshare -m sh -c "mount --bind \"$tmp\" \"$cgpids\" &&
				mount -o remount,bind,ro \"$cgpids\" &&
				\"$MOAT\" --root \"$root\" run --bundle \"$bundle\" g4"
	else
		skip "resources: cgroups not writable (needs unshare -m)"
	fi
else
	skip "resources: the host's cgroups are not writable here"
fi

# linux.resources.cpu: shares, quota and period in the cpu controller,
# cpus and mems in cpuset, as runc writes them; the sandbox sees the CPUs
# its cpuset allows. update sets them later.
if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
	cgcpu=/sys/fs/cgroup cgset=/sys/fs/cgroup
	grep -qw cpu /sys/fs/cgroup/cgroup.controllers &&
		grep -qw cpuset /sys/fs/cgroup/cgroup.controllers || cgcpu=
else
	cgcpu=/sys/fs/cgroup/cpu cgset=/sys/fs/cgroup/cpuset
	[ -e "$cgcpu/cpu.shares" ] && [ -e "$cgset/cpuset.cpus" ] || cgcpu=
fi
# cg DIR FILE...: the files' contents on one line.
cg() {
	d=$1
	shift
	for f; do printf '%s;' "$(cat "$d/$f" 2>&1)"; done
}
# The host's last CPU that moat may use: the sandbox numbers it as the host.
cpu0=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status | tr ',-' '\n\n' | tail -n 1)
if [ -z "$cgcpu" ] || ! mkdir -p "$cgcpu/moat-probe" 2>/dev/null ||
	! rmdir "$cgcpu/moat-probe"; then
	skip "resources.cpu: no writable cpu and cpuset controllers here"
else
	config 'process.args=["sh","-c","echo $(nproc) $(grep Cpus_allowed_list /proc/self/status); sleep 100"]' \
		"linux.resources={\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000,\"cpus\":\"$cpu0\",\"mems\":\"0\"}}"
	M run -d --bundle "$bundle" --pid-file "$tmp/pid" cpu1 >"$tmp/cpu.out" 2>&1
	if [ "$cgcpu" = /sys/fs/cgroup ]; then
		want="20;50000 100000;$cpu0;0;"
		got=$(cg "$cgcpu/moat/cpu1" cpu.weight cpu.max cpuset.cpus cpuset.mems)
	else
		want="512;50000;100000;$cpu0;0;"
		got="$(cg "$cgcpu/moat/cpu1" cpu.shares cpu.cfs_quota_us cpu.cfs_period_us)$(cg "$cgset/moat/cpu1" cpuset.cpus cpuset.mems)"
	fi
	if [ "$got" = "$want" ]; then
		ok "resources.cpu: shares, quota, period, cpus, mems written"
	else
		bad "resources.cpu: '$got', want '$want'"
	fi
	i=0
	while [ $i -lt 50 ] && ! grep -q . "$tmp/cpu.out"; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ "$(cat "$tmp/cpu.out")" = "1 Cpus_allowed_list: $cpu0" ]; then
		ok "resources.cpu: nproc and Cpus_allowed_list inside are the cpuset's"
	else
		bad "resources.cpu: nproc inside: $(cat "$tmp/cpu.out")"
	fi
	expect "update --cpu-share --cpu-quota --cpu-period --cpuset-cpus" 0 "" -- \
		M update --cpu-share 1024 --cpu-quota 20000 --cpu-period 50000 \
		--cpuset-cpus "$cpu0" cpu1
	if [ "$cgcpu" = /sys/fs/cgroup ]; then
		want="39;20000 50000;"
		got=$(cg "$cgcpu/moat/cpu1" cpu.weight cpu.max)
	else
		want="1024;20000;50000;"
		got=$(cg "$cgcpu/moat/cpu1" cpu.shares cpu.cfs_quota_us cpu.cfs_period_us)
	fi
	if [ "$got" = "$want" ]; then
		ok "update: the cpu limits reach the host cgroups"
	else
		bad "update: cpu '$got', want '$want'"
	fi
	echo '{"cpu":{"quota":-1}}' >"$tmp/res.json"
	expect "update -r FILE: cpu quota lifted" 0 "" -- M update -r "$tmp/res.json" cpu1
	if [ "$cgcpu" = /sys/fs/cgroup ]; then
		got=$(cg "$cgcpu/moat/cpu1" cpu.max) want="max 50000;"
	else
		got=$(cg "$cgcpu/moat/cpu1" cpu.cfs_quota_us) want="-1;"
	fi
	if [ "$got" = "$want" ]; then
		ok "update -r: the cpu quota lifted"
	else
		bad "update -r: cpu quota '$got', want '$want'"
	fi
	expect "update: cpu shares out of range" 1 "shares: must be from 2" -- \
		M update --cpu-share 1 cpu1
	expect "update: a bad cpuset" 1 "cpus: must be a list" -- \
		M update --cpuset-cpus 'x' cpu1
	M delete -f cpu1
	if [ ! -e "$cgcpu/moat/cpu1" ] && [ ! -e "$cgset/moat/cpu1" ]; then
		ok "resources.cpu: delete removes the cgroups"
	else
		bad "resources.cpu: cgroups left after delete"
	fi
fi

# net.ipv4.ip_forward: the sandbox's own, set from config.json, and by root
# inside through /proc/sys as a shell does it.
config 'process.args=["sh","-c","cat /proc/sys/net/ipv4/ip_forward; echo 0 >/proc/sys/net/ipv4/ip_forward && cat /proc/sys/net/ipv4/ip_forward"]' \
	'linux.sysctl={"net.ipv4.ip_forward":"1"}' 'linux.readonlyPaths=[]'
expect "linux.sysctl: net.ipv4.ip_forward" 0 "" -- \
	sh -c "[ \"\$(\"$MOAT\" --root \"$root\" run --bundle \"$bundle\" s1 | tr '\n' ' ')\" = '1 0 ' ]"

# A network namespace's path: the sentry joins it (what --network=host's
# sockets reach, as engines set it up); podman's ping_group_range sysctl.
if ip netns add "moat-oci-$$" 2>/dev/null; then
	config 'process.args=["sh","-c","ip -o link | wc -l; ip -o link"]' \
		"linux.namespaces=[{\"type\":\"network\",\"path\":\"/run/netns/moat-oci-$$\"}]" \
		'linux.sysctl={"net.ipv4.ping_group_range":"0 0"}' \
		'annotations={"dev.moat.network":"host"}'
	M run --bundle "$bundle" n1 >"$tmp/n.out" 2>&1
	rc=$?
	ip netns del "moat-oci-$$"
	if [ $rc -eq 0 ] && [ "$(head -1 "$tmp/n.out")" = 1 ] &&
		grep -q "^1: lo:" "$tmp/n.out"; then
		ok "network namespace path: joined (only its lo inside)"
	else
		bad "network namespace path: exit $rc, $(cat "$tmp/n.out")"
	fi
	config 'process.args=["true"]' \
		'linux.namespaces=[{"type":"network","path":"/run/netns/moat-none"}]'
	expect "network namespace path: missing" 1 \
		"linux.namespaces: /run/netns/moat-none" -- M run --bundle "$bundle" n2
else
	skip "network namespace path: needs ip netns add"
fi

# Hooks: in order, the state on their stdin; startContainer's in the
# sandbox (where runc runs it: in the container, before its process).
cat >"$tmp/hook.sh" <<EOF2
#!/bin/sh
read -r s
echo "\$1 \$FOO \$s" >>"$tmp/hooks.log"
exit \${2:-0}
EOF2
chmod +x "$tmp/hook.sh"
h() { echo "{\"path\":\"$tmp/hook.sh\",\"args\":[\"hook\",\"$1\"${2:-}],\"env\":[\"FOO=foo\"]}"; }
config 'process.args=["sh","-c","echo main"]' \
	"hooks={\"createRuntime\":[$(h createRuntime)],\"createContainer\":[$(h createContainer)],\"startContainer\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"read -r s; echo startContainer \$s >&2\"]}],\"poststart\":[$(h poststart)],\"poststop\":[$(h poststop)]}"
rm -f "$tmp/hooks.log"
M run --bundle "$bundle" h1 >"$tmp/h.out" 2>"$tmp/h.err"
rc=$?
if [ $rc -eq 0 ] && [ "$(cut -d' ' -f1,2 "$tmp/hooks.log" | tr '\n' ' ')" = \
	"createRuntime foo createContainer foo poststart foo poststop foo " ]; then
	ok "hooks: run in order, with their env"
else
	bad "hooks: exit $rc, log: $(cat "$tmp/hooks.log" "$tmp/h.err")"
fi
for want in '^createRuntime .*"status":"creating"' \
	'^createContainer .*"id":"h1"' '^poststart .*"status":"running"' \
	'^poststop .*"status":"stopped"' "\"bundle\":\"$bundle\""; do
	if grep -q "$want" "$tmp/hooks.log"; then
		ok "hooks: state $want"
	else
		bad "hooks: state $want: $(cat "$tmp/hooks.log")"
	fi
done
if grep -q '^startContainer .*"status":"created"' "$tmp/h.err" &&
	grep -q '^main$' "$tmp/h.out"; then
	ok "hooks: startContainer in the sandbox, before the process"
else
	bad "hooks: startContainer: $(cat "$tmp/h.err" "$tmp/h.out")"
fi
config 'process.args=["true"]' \
	"hooks={\"createRuntime\":[$(h createRuntime), $(h fails ',"3"')]}"
expect "hooks: a failing createRuntime hook" 1 \
	'error running hook #1: exit status 3' -- M create --bundle "$bundle" h2
expect "hooks: no container left" 1 "container does not exist" -- M state h2
config 'process.args=["true"]' \
	'hooks={"createContainer":[{"path":"/bin/sleep","args":["sleep","10"],"timeout":1}]}'
expect "hooks: a timeout" 1 'error running hook #0: timeout after 1 seconds' \
	-- M create --bundle "$bundle" h3
config 'process.args=["sleep","100"]' \
	'hooks={"startContainer":[{"path":"/bin/sh","args":["sh","-c","exit 4"]}]}'
M create --bundle "$bundle" h4 >/dev/null 2>&1
expect "hooks: a failing startContainer hook" 1 \
	'error running hook #0: exit status 4' -- M start h4
if state_is h4 stopped; then ok "hooks: its container stopped"; else bad "hooks: its container stopped"; fi
M delete h4 >/dev/null 2>&1
config 'process.args=["true"]' \
	"hooks={\"poststop\":[$(h poststop ',"5"')]}"
expect "hooks: a failing poststop hook is a warning" 0 \
	'level=warning msg="error running hook #0: exit status 5' -- \
	M run --bundle "$bundle" h5

# process.terminal: the pty's master comes over --console-socket, as
# runc sends it; the sandbox's terminal is its slave, resized from outside.
cat >"$tmp/tty.py" <<'EOF2'
import socket, array, os, sys, time, subprocess, fcntl, termios, struct, select
moat, root, bundle, cid, path, mode = sys.argv[1:7]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(1)
if mode == "create":
    cmd = ["create", "--bundle", bundle, "--console-socket", path, cid]
else:
    open(path + ".json", "w").write('{"args":["sh"],"terminal":true,'
        '"consoleSize":{"height":24,"width":80},"cwd":"/"}')
    cmd = ["exec", "--process", path + ".json", "--console-socket", path, cid]
p = subprocess.Popen([moat, "--root", root] + cmd)
s.settimeout(10)
c, _ = s.accept()
msg, anc, _, _ = c.recvmsg(100, socket.CMSG_LEN(4))
fd = array.array("i", anc[0][2])[0]
print("name", msg.decode())
if mode == "create":
    print("create", p.wait())
    print("start", subprocess.call([moat, "--root", root, "start", cid]))
out = b""
def read_until(want, t=10):
    global out
    end = time.time() + t
    while want not in out and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                return False
            if not d:
                return False
            out += d
    return want in out
os.write(fd, b"stty size; tty; echo $((6*7))\n")
print("first", read_until(b"42\r\n"))
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
time.sleep(0.3)
os.write(fd, b"stty size; echo $((7*8))\n")
print("second", read_until(b"56\r\n"))
os.write(fd, b"exit 3\n")
read_until(b"never", 3)
if mode != "create":
    print("exec", p.wait())
sys.stdout.flush()
sys.stdout.buffer.write(out.replace(b"\r", b""))
EOF2
config 'process.args=["sh"]' 'process.terminal=true' \
	'process.consoleSize={"height":24,"width":80}'
timeout 60 python3 "$tmp/tty.py" "$MOAT" "$root" "$bundle" t1 "$tmp/cs" create \
	>"$tmp/tty" 2>&1
for want in "^name /dev/ptmx$" "^create 0$" "^start 0$" "^first True$" \
	"^24 80$" "^/dev/pts/0$" "^second True$" "^30 100$"; do
	if grep -q "$want" "$tmp/tty"; then
		ok "terminal: $want"
	else
		bad "terminal: $want"
		sed 's/^/    /' "$tmp/tty"
	fi
done
if state_is t1 stopped; then ok "terminal: exit"; else bad "terminal: exit"; fi
expect "terminal: delete" 0 "" -- M delete t1
# exec -t: the process's own terminal, its master over the socket.
config 'process.args=["sleep","100"]'
M run -d --bundle "$bundle" t3 >/dev/null 2>&1
timeout 60 python3 "$tmp/tty.py" "$MOAT" "$root" "$bundle" t3 "$tmp/cs2" exec \
	>"$tmp/tty" 2>&1
for want in "^name /dev/ptmx$" "^first True$" "^24 80$" "^/dev/pts/[0-9]*$" \
	"^second True$" "^30 100$" "^exec 3$"; do
	if grep -q "$want" "$tmp/tty"; then
		ok "exec -t: $want"
	else
		bad "exec -t: $want"
		sed 's/^/    /' "$tmp/tty"
	fi
done
expect "exec -t without a console socket" 255 "without setting console socket" \
	-- M exec -t t3 sh
M delete -f t3
config 'process.args=["sh"]'
expect "console socket without a terminal" 1 "cannot use console socket" -- \
	M create --bundle "$bundle" --console-socket "$tmp/cs" t2
config 'process.args=["sh"]' 'process.terminal=true'
expect "console socket not there" 1 "console-socket $tmp/nope" -- \
	M create --bundle "$bundle" --console-socket "$tmp/nope" t2
expect "no state left" 1 "container does not exist" -- M state t2

# checkpoint and restore, as the engines call them (runc's flags): a
# counter checkpointed stops; restored (detached, into a new container)
# it counts on from where it was, with the new container's stdio.
config 'process.args=["sh","-c","i=0; while :; do i=$((i+1)); echo $i; sleep 0.1; done"]'
M run -d --bundle "$bundle" ck1 >"$tmp/ck1.out" 2>&1 </dev/null
i=0
while [ "$(wc -l <"$tmp/ck1.out")" -lt 5 ] && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
expect "checkpoint of a container" 0 "" -- \
	M checkpoint --image-path "$tmp/ck" --work-path "$tmp/ckw" ck1
state_is ck1 stopped && ok "a checkpointed container stops" ||
	bad "checkpointed container: $(M state ck1 | grep status)"
last=$(tail -n 1 "$tmp/ck1.out")
M delete ck1
expect "restore: CRIU's lazy pages refused by name" 1 "lazy-pages" -- \
	M restore --lazy-pages --image-path "$tmp/ck" --bundle "$bundle" ck2
expect "restore of a missing image" 1 "No such file" -- \
	M restore --image-path "$tmp/nope" --bundle "$bundle" ck2
M restore -d --image-path "$tmp/ck" --bundle "$bundle" ck2 \
	>"$tmp/ck2.out" 2>&1 </dev/null
rc=$?
state_is ck2 running
i=0
while [ "$(wc -l <"$tmp/ck2.out")" -lt 3 ] && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
if [ $rc -eq 0 ] && [ "$(head -n 1 "$tmp/ck2.out")" = $((last + 1)) ]; then
	ok "the restored container counts on at $((last + 1))"
else
	bad "restore: exit $rc, after $last came '$(head -n 1 "$tmp/ck2.out")'"
fi
expect "checkpoint --leave-running --compress=3" 0 "" -- \
	M checkpoint --leave-running --compress=3 --image-path "$tmp/ck3" ck2
state_is ck2 running && ok "--leave-running: the container runs on" ||
	bad "--leave-running: $(M state ck2 | grep status)"
expect "checkpoint --compress=99 refused" 1 "not a level from 0 to 19" -- \
	M checkpoint --compress=99 --image-path "$tmp/ck5" ck2
M delete -f ck2
# The compressed image restores with no flag, and counts on.
M restore -d --image-path "$tmp/ck3" --bundle "$bundle" ck3 \
	>"$tmp/ck3.out" 2>&1 </dev/null
rc=$?
i=0
while [ "$(wc -l <"$tmp/ck3.out")" -lt 3 ] && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
if [ $rc -eq 0 ] && [ "$(head -n 1 "$tmp/ck3.out")" -gt "$last" ] &&
	awk 'NR > 1 && $1 != prev + 1 { exit 1 } { prev = $1 }' \
		"$tmp/ck3.out"; then
	ok "a compressed checkpoint restores: counts on at $(head -n 1 "$tmp/ck3.out")"
else
	bad "compressed restore: exit $rc, '$(head -n 3 "$tmp/ck3.out")'"
fi
M delete -f ck3
expect "checkpoint of no container" 1 "does not exist" -- \
	M checkpoint --image-path "$tmp/ck4" nosuch

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
