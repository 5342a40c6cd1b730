#!/bin/sh
# The snapshot benchmark: time to the first answer of a Python server
# with a heavy start (tests/bench/snapshot_app.py), from a cold start and
# from a restore of its snapshot, alternating, in the same run; and the
# time of checkpoints of a sandbox holding SIZE MiB.
# Usage: snapshot.sh MOAT [ROUNDS] [SIZE_MIB]
set -u
MOAT=$1
ROUNDS=${2:-3}
SIZE=${3:-1024}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /var/tmp/moat-snapbench.XXXXXX)
export MOAT_RUN_DIR=$tmp/run
trap 'rm -rf "$tmp"' EXIT
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }

now() { date +%s%N; }

# first_answer CMD...: ms from the start of CMD until it answers a query
# (its stdin a FIFO, its stdout a file).
first_answer() {
	rm -f "$tmp/in" "$tmp/out"
	mkfifo "$tmp/in"
	t0=$(now)
	"$@" <"$tmp/in" >"$tmp/out" 2>>"$tmp/err" &
	p=$!
	exec 3>"$tmp/in"
	echo key77 >&3
	while ! grep -q '"n": 77' "$tmp/out" 2>/dev/null; do
		kill -0 $p 2>/dev/null || break
		sleep 0.005
	done
	t1=$(now)
	exec 3>&-
	wait $p
	echo $(((t1 - t0) / 1000000))
}

app="--bind=$here:/bench:ro -- python3 /bench/snapshot_app.py"
# The snapshot: started once, checkpointed once it is ready.
rm -f "$tmp/in0"
mkfifo "$tmp/in0"
"$MOAT" run --id bench $app <"$tmp/in0" >"$tmp/out0" 2>"$tmp/err" &
pid=$!
exec 4>"$tmp/in0"
while ! grep -q ready "$tmp/out0"; do sleep 0.05; done
t0=$(now)
"$MOAT" checkpoint --image-path "$tmp/img" bench || exit 1
t1=$(now)
exec 4>&-
wait $pid
echo "checkpoint of the ready server: $(((t1 - t0) / 1000000)) ms," \
	"image $(($(stat -c %s "$tmp/img/sandbox.img") / 1048576)) MiB"

cold= warm=
for r in $(seq 1 "$ROUNDS"); do
	c=$(first_answer "$MOAT" run $app)
	w=$(first_answer "$MOAT" restore --image-path "$tmp/img")
	echo "round $r: cold start $c ms, restore $w ms"
	cold="$cold $c"
	warm="$warm $w"
done
median() { echo "$@" | tr ' ' '\n' | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
mc=$(median $cold)
mw=$(median $warm)
echo "median: cold start $mc ms, restore $mw ms: restore $(awk "BEGIN {printf \"%.1f\", $mc / $mw}")x faster"

# Checkpoints of a big sandbox: SIZE MiB written by the application.
"$MOAT" run --id big -- python3 -c "
import sys, time
b = bytearray(b'x' * ($SIZE << 20))
print('ready', flush=True)
time.sleep(600)" >"$tmp/big.out" 2>&1 &
pid=$!
while ! grep -q ready "$tmp/big.out"; do sleep 0.1; done
# Three times, the first two --leave-running: on a VM whose host backs
# guest memory on first touch, the first image's page cache costs that.
for r in 1 2 3; do
	leave=--leave-running
	[ $r = 3 ] && leave=
	t0=$(now)
	"$MOAT" checkpoint $leave --image-path "$tmp/big" big || exit 1
	t1=$(now)
	echo "checkpoint $r of a sandbox holding $SIZE MiB:" \
		"$(((t1 - t0) / 1000000)) ms," \
		"image $(($(stat -c %s "$tmp/big/sandbox.img") / 1048576)) MiB"
done
wait $pid
