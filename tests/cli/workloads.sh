#!/bin/sh
# Real multi-process software in the sandbox, each compared with the same
# run on the host: bash pipelines and job control, Python threads and
# subprocesses, AF_UNIX servers (multiprocessing, asyncio), make driving
# gcc, git. Usage: workloads.sh MOAT
set -u
. "$(dirname "$0")/lib.sh"
MOAT=$1
tmp=$(mktemp -d /var/tmp/moat-workloads-XXXXXX)
trap 'rm -rf "$tmp"' EXIT


# same NAME -- command...: the sandbox's stdout and status are the host's.
same() {
	name=$1
	shift 2
	"$@" >"$tmp/native" 2>&1 </dev/null
	nrc=$?
	"$MOAT" run --bind="$tmp:$tmp" -- "$@" >"$tmp/moat" 2>&1 </dev/null
	mrc=$?
	if [ "$nrc" -ne "$mrc" ]; then
		bad "$name: exit $mrc in the sandbox, $nrc on the host"
		sed 's/^/    /' "$tmp/moat"
	elif ! cmp -s "$tmp/native" "$tmp/moat"; then
		bad "$name: output differs from the host's"
		diff "$tmp/native" "$tmp/moat" | sed 's/^/    /'
	else
		ok "$name"
	fi
}

BASH=/bin/bash
if [ -x "$BASH" ]; then
	same "bash pipeline of a loop" -- $BASH -c \
		'for i in $(seq 100); do echo $i; done | sort -n | tail -1'
	cat >"$tmp/script.sh" <<'EOF'
trap 'echo got USR1' USR1
out=$(mktemp)
( sleep 0.1; echo from the subshell ) >"$out" &
x=$(echo captured)
echo "$x"
cat <<END
here-document: $x
END
wait
cat "$out"; rm -f "$out"
kill -USR1 $$
echo "after the trap: $?"
f() { return 3; }; f; echo "f returned $?"
echo a b c | while read a b c; do echo "$c$b$a"; done
sleep 5 & pid=$!
kill -TERM $pid; wait $pid; echo "killed job: $?"
sleep 5 & pid=$!
kill -STOP $pid; kill -CONT $pid; kill $pid; wait $pid; echo "stopped job: $?"
EOF
	same "bash script: subshell, wait, trap, \$(...), here-document" -- \
		$BASH "$tmp/script.sh"
else
	skip "bash (no $BASH)"
fi

PY=/usr/bin/python3
if [ -x "$PY" ]; then
	same "python3: ThreadPoolExecutor and subprocess" -- $PY -c '
import concurrent.futures, subprocess, threading
with concurrent.futures.ThreadPoolExecutor(4) as ex:
    print(sum(ex.map(lambda x: x * x, range(1000))))
r = subprocess.run(["ls", "/"], capture_output=True, text=True)
print(r.returncode, "bin" in r.stdout.split())
print(subprocess.run("exit 3", shell=True).returncode)
print(threading.active_count())'
	cat >"$tmp/unix.py" <<'EOF'
import asyncio, multiprocessing as mp, os, socket, tempfile
def sq(x): return x * x
if __name__ == "__main__":
    with mp.Manager() as m:  # a server on an AF_UNIX listener
        d = m.dict(); d["a"] = 1; print("manager", dict(d))
    with mp.Pool(2) as p:
        print("pool", p.map(sq, range(5)))
    path = os.path.join(tempfile.mkdtemp(), "s")
    async def main():
        async def echo(r, w):
            w.write((await r.readline()).upper()); await w.drain(); w.close()
        srv = await asyncio.start_unix_server(echo, path)
        r, w = await asyncio.open_unix_connection(path)
        w.write(b"hello\n"); await w.drain()
        print("asyncio", await r.readline()); w.close()
        srv.close(); await srv.wait_closed()
    asyncio.run(main())
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("\0moat-workload-%d" % os.getpid())
    print("abstract", s.getsockname()[:15])
EOF
	same "python3: multiprocessing Manager and Pool, asyncio unix server" -- \
		$PY "$tmp/unix.py"
	# An HTTP server and a client over loopback: the sandbox's own
	# (the port is one the host had free just now).
	mkdir "$tmp/www"
	seq 1000 >"$tmp/www/hello.txt"
	port=$($PY -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat >"$tmp/http.sh" <<EOF
cd $tmp/www || exit 1
$PY -m http.server --bind 127.0.0.1 $port >/dev/null 2>&1 &
pid=\$!
$PY -c '
import sys, time, urllib.request
for i in range(1200):
    try:
        r = urllib.request.urlopen("http://127.0.0.1:$port/hello.txt")
        break
    except OSError:
        time.sleep(0.05)
body = r.read()
print(r.status, len(body), body.splitlines()[-1].decode())'
exec 2>/dev/null # no job-status line from the shell
kill \$pid
wait \$pid
echo "server: \$?"
EOF
	same "python3 -m http.server and urllib over loopback" -- \
		sh "$tmp/http.sh"
else
	skip "python3 (no $PY)"
fi

if command -v make >/dev/null && command -v gcc >/dev/null; then
	mkdir "$tmp/proj"
	cat >"$tmp/proj/a.c" <<'EOF'
#include <stdio.h>
int b(void);
int main(void) { printf("sum %d\n", b() + 1); return 0; }
EOF
	echo 'int b(void) { return 41; }' >"$tmp/proj/b.c"
	printf 'prog: a.o b.o\n\tgcc -o prog a.o b.o\n%%.o: %%.c\n\tgcc -c $<\n' \
		>"$tmp/proj/Makefile"
	# The sandbox builds it (its writes stay there); the host's build
	# is the reference.
	same "make driving gcc, then the program" -- \
		sh -c "cd $tmp/proj && make -s && ./prog && rm -f *.o prog"
else
	skip "make and gcc (not installed)"
fi

if command -v git >/dev/null; then
	same "git init, add, commit, log" -- sh -c '
cd "$(mktemp -d)" && git init -q && echo hello >f && git add f &&
git -c user.name=moat -c user.email=moat@example.org \
	-c init.defaultBranch=main commit -q -m first &&
git log --format=%s && git status --short | wc -l'
else
	skip "git (not installed)"
fi

echo "$passes passed, $fails failed, $skips skipped"
[ "$fails" -eq 0 ] || exit 1
[ "$passes" -gt 0 ] || exit 77
exit 0
