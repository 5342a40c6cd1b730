#!/bin/sh
# moat's benchmarks, native and sandboxed in the same run; prints ratios.
# Usage: run.sh MOAT BENCHDIR
set -eu
MOAT=$1
DIR=$2
N=${MOAT_BENCH_CALLS:-20000}
R=${MOAT_BENCH_RUNS:-5}
BUSYBOX=/bin/busybox

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "moat benchmarks ($(nproc) CPUs, $R repetitions, medians)"
echo

# getppid: native, moat, and the raw PTRACE_SYSEMU round trip.
nat="" sbx="" sys="" raw=""
for _ in $(seq "$R"); do
	nat="$nat $("$DIR/bench_syscall" $((N * 20)))"
	sbx="$sbx $("$MOAT" run --platform=ptrace -- "$DIR/bench_syscall" "$N")"
	sys="$sys $("$MOAT" run --platform=systrap -- "$DIR/bench_syscall" "$N")"
	raw="$raw $("$DIR/bench_ptrace" "$N")"
done
nat=$(echo "$nat" | tr ' ' '\n' | grep . | median)
sbx=$(echo "$sbx" | tr ' ' '\n' | grep . | median)
sys=$(echo "$sys" | tr ' ' '\n' | grep . | median)
raw=$(echo "$raw" | tr ' ' '\n' | grep . | median)
printf '%-34s %10s %10s %10s\n' "syscall (getppid)" "ns/call" "x native" "x raw"
printf '%-34s %10.0f %10.1f %10s\n' native "$nat" 1 -
printf '%-34s %10.0f %10.1f %10.2f\n' "raw PTRACE_SYSEMU round trip" "$raw" \
	"$(echo "$raw $nat" | awk '{print $1/$2}')" 1
printf '%-34s %10.0f %10.1f %10.2f\n' "moat, ptrace platform" "$sbx" \
	"$(echo "$sbx $nat" | awk '{print $1/$2}')" \
	"$(echo "$sbx $raw" | awk '{print $1/$2}')"
printf '%-34s %10.0f %10.1f %10.2f\n' "moat, systrap platform" "$sys" \
	"$(echo "$sys $nat" | awk '{print $1/$2}')" \
	"$(echo "$sys $raw" | awk '{print $1/$2}')"
echo

# Start-up: a static 'true' natively and in a new sandbox.
if [ -x "$BUSYBOX" ]; then
	S=${MOAT_BENCH_SPAWNS:-40}
	n=$("$DIR/bench_spawn" "$S" "$BUSYBOX" true)
	m=$("$DIR/bench_spawn" "$S" "$MOAT" run -- "$BUSYBOX" true)
	printf '%-34s %10s %10s %10s\n' "start-up (busybox true)" "median ms" \
		"min ms" "x native"
	printf '%-34s %10s %10s %10s\n' native ${n} 1
	printf '%-34s %10s %10s %10.1f\n' "moat run" ${m} \
		"$(echo "$m $n" | awk '{print $1/$3}')"
	rss=$("$MOAT" run --stats -- "$BUSYBOX" true 2>&1 >/dev/null |
		sed -n 's/.*peak RSS \([0-9]*\) KiB.*/\1/p')
	printf '%-34s %10s KiB\n' "sentry peak RSS (busybox true)" "$rss"
fi

# Processes: fork+exec+wait of a static true and of /bin/true, pipe
# ping-pong between two processes, futex ping-pong between two threads,
# forking a process with 256 MiB written (against copying it; the child
# writing one page, half of it in order, the other half every other page
# first), and a shell loop that spawns processes.
echo
T=$(mktemp -d /var/tmp/moat-bench-XXXXXX)
cp "$DIR/bench_proc" "$T/"
printf 'int main(void){return 0;}' | cc -O2 -static -x c -o "$T/true" - 2>/dev/null ||
	cp /bin/true "$T/true"
P="$T/bench_proc"
B="--bind $T:$T"
NS=${MOAT_BENCH_SPAWNS:-40}
printf '%-34s %10s %10s %10s\n' "processes" "native" "moat" "x native"
row() { # label native moat
	printf '%-34s %10s %10s %10.1f\n' "$1" "$2" "$3" \
		"$(echo "$3 $2" | awk '{print $1/$2}')"
}
row "fork+exec+wait static true (us)" "$("$P" spawn "$NS" "$T/true")" \
	"$("$MOAT" run $B -- "$P" spawn "$NS" "$T/true")"
row "fork+exec+wait /bin/true (us)" "$("$P" spawn "$NS" /bin/true)" \
	"$("$MOAT" run $B -- "$P" spawn "$NS" /bin/true)"
row "pipe ping-pong, 2 processes (ns)" "$("$P" pipe 20000)" \
	"$("$MOAT" run $B -- "$P" pipe 2000)"
nf=$("$P" futex 20000)
mf=$("$MOAT" run $B -- "$P" futex 2000 2>/dev/null || echo -)
if [ "$mf" = - ]; then
	printf '%-34s %10s %10s %10s\n' "futex ping-pong, 2 threads (ns)" \
		"$nf" "no threads" -
else
	row "futex ping-pong, 2 threads (ns)" "$nf" "$mf"
fi
set -- $("$P" fork 256 10)
nfork=$1 ncopy=$2
set -- $("$MOAT" run $B -- "$P" fork 256 10)
row "fork 256 MiB process (us)" "$nfork" "$1"
printf '%-34s %10s %10s\n' "  (copying 256 MiB, us)" "$ncopy" "$2"
row "  the child writes a page (us)" "$("$P" forkw 256 10)" \
	"$("$MOAT" run $B -- "$P" forkw 256 10)"
set -- $("$P" forkseq 256)
nseq=$1 nodd=$2
set -- $("$MOAT" run $B -- "$P" forkseq 256)
row "  it writes 128 MiB in order (us)" "$nseq" "$1"
row "  and 128 MiB scattered (us)" "$nodd" "$2"
L=${MOAT_BENCH_LOOP:-1000}
loop="i=0; while [ \$i -lt $L ]; do $T/true; i=\$((i+1)); done"
t0=$(date +%s.%N)
sh -c "$loop"
t1=$(date +%s.%N)
"$MOAT" run $B -- /bin/sh -c "$loop"
t2=$(date +%s.%N)
row "sh loop spawning $L processes (s)" \
	"$(echo "$t1 $t0" | awk '{printf "%.2f", $1-$2}')" \
	"$(echo "$t2 $t1" | awk '{printf "%.2f", $1-$2}')"
rm -rf "$T"

# Sockets: loopback TCP (the sandbox's own loopback, in the sentry) and
# AF_UNIX stream throughput and round trips, and TCP connections made
# and accepted per second; medians of R runs each way.
echo
NB="$DIR/bench_net"
NM="--bind $DIR:$DIR:ro"
printf '%-34s %10s %10s %10s\n' "sockets" "native" "moat" "x native"
net() { # label mode native-count moat-count
	nat="" sbx=""
	for _ in $(seq "$R"); do
		nat="$nat $("$NB" "$2" "$3")"
		sbx="$sbx $("$MOAT" run $NM -- "$NB" "$2" "$4")"
	done
	nat=$(echo "$nat" | tr ' ' '\n' | grep . | median)
	sbx=$(echo "$sbx" | tr ' ' '\n' | grep . | median)
	printf '%-34s %10s %10s %10.2f\n' "$1" "$nat" "$sbx" \
		"$(echo "$sbx $nat" | awk '{print $1/$2}')"
}
net "TCP stream, 128 KiB writes (MB/s)" tcp-stream 1024 1024
net "unix stream, 128 KiB writes (MB/s)" unix-stream 1024 512
net "TCP round trip (ns)" tcp-rr 20000 2000
net "unix round trip (ns)" unix-rr 20000 2000
net "TCP connections (per s)" tcp-conn 1000 500
# An HTTP server under load: an epoll server and a client keeping 8
# connections busy, both in the sandbox (requests per second).
NB="$DIR/bench_http"
net "HTTP, keep-alive (req/s)" keepalive 20000 4000
net "HTTP, a connection each (req/s)" close 4000 1000

# Files, through the gofer: a 256 MiB file read with 64 KiB reads, stat of
# one file, open+read+close of small files, and find over /usr.
echo
F=$(mktemp /var/tmp/moat-bench-XXXXXX)
trap 'rm -f "$F"' EXIT
head -c $((256 << 20)) /dev/urandom >"$F"
"$DIR/bench_files" read "$F" >/dev/null # warm the page cache
nat=""
sbx=""
for _ in $(seq "$R"); do
	nat="$nat $("$DIR/bench_files" read "$F")"
	sbx="$sbx $("$MOAT" run -- "$DIR/bench_files" read "$F")"
done
nat=$(echo "$nat" | tr ' ' '\n' | grep . | median)
sbx=$(echo "$sbx" | tr ' ' '\n' | grep . | median)
printf '%-34s %10s %10s %10s\n' "files" "native" "moat" "x native"
printf '%-34s %10s %10s %10.2f\n' "read 256 MiB, 64 KiB reads (MB/s)" \
	"$nat" "$sbx" "$(echo "$sbx $nat" | awk '{print $1/$2}')"
nat=$("$DIR/bench_files" stat /etc/os-release 20000)
sbx=$("$MOAT" run -- "$DIR/bench_files" stat /etc/os-release 2000)
printf '%-34s %10s %10s %10.1f\n' "stat one file (ns)" "$nat" "$sbx" \
	"$(echo "$sbx $nat" | awk '{print $1/$2}')"
nat=$("$DIR/bench_files" small /usr/include)
sbx=$("$MOAT" run -- "$DIR/bench_files" small /usr/include)
printf '%-34s %10s %10s %10.1f\n' "open+read+close, /usr/include (ns)" \
	"$nat" "$sbx" "$(echo "$sbx $nat" | awk '{print $1/$2}')"
t0=$(date +%s.%N)
find /usr -xdev >/dev/null 2>&1
t1=$(date +%s.%N)
"$MOAT" run -- /usr/bin/find /usr -xdev >/dev/null 2>&1
t2=$(date +%s.%N)
printf '%-34s %10.2f %10.2f %10.1f\n' "find /usr (s)" \
	"$(echo "$t1 $t0" | awk '{print $1-$2}')" \
	"$(echo "$t2 $t1" | awk '{print $1-$2}')" \
	"$(echo "$t0 $t1 $t2" | awk '{print ($3-$2)/($2-$1)}')"

# What the gofer's ring buys: looking up every entry of a directory, one
# WALK each, in LOOKUP batches with the host calls one at a time, and in
# LOOKUP batches on the ring.
echo
printf '%-34s %10s %10s %10s %10s\n' "gofer lookups (ns per entry)" "walk" \
	"lookup" "ring" "ring/sync"
for d in /usr/bin /usr/include /etc; do
	set -- $("$DIR/bench_uring" "$d")
	printf '%-34s %10s %10s %10s %10.2f\n' "$d ($4 entries)" "$1" "$2" \
		"$3" "$(echo "$3 $2" | awk '{print $1/$2}')"
done
