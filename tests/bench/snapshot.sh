#!/bin/sh
# The snapshot benchmark: time to the first answer of a Python server
# with a heavy start (tests/bench/snapshot_app.py), from a cold start and
# from a restore of its snapshot, plain and compressed (checkpoint
# --compress), alternating, in the same run; and for a sandbox holding
# SIZE MiB (half random bytes, half text), the image's size, the
# checkpoint's time and the time of a restore to its first answer,
# plain and compressed, with their ratios.
# Usage: snapshot.sh MOAT [ROUNDS] [SIZE_MIB] [LEVEL]
set -u
MOAT=$1
ROUNDS=${2:-3}
SIZE=${3:-1024}
LEVEL=${4:-1}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /var/tmp/moat-snapbench.XXXXXX)
export MOAT_RUN_DIR=$tmp/run
trap 'rm -rf "$tmp"' EXIT
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }

now() { date +%s%N; }

mib() { echo $(($(stat -c %s "$1") / 1048576)); }
ratio() { awk "BEGIN {printf \"%.2f\", $1 / $2}"; }
median() { echo "$@" | tr ' ' '\n' | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

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
"$MOAT" checkpoint --leave-running --image-path "$tmp/img" bench || exit 1
t1=$(now)
"$MOAT" checkpoint --compress="$LEVEL" --image-path "$tmp/imgz" bench ||
	exit 1
t2=$(now)
exec 4>&-
wait $pid
echo "checkpoint of the ready server: $(((t1 - t0) / 1000000)) ms," \
	"image $(mib "$tmp/img/sandbox.img") MiB; --compress=$LEVEL:" \
	"$(((t2 - t1) / 1000000)) ms, image $(mib "$tmp/imgz/sandbox.img") MiB" \
	"($(ratio $(stat -c %s "$tmp/img/sandbox.img") \
		$(stat -c %s "$tmp/imgz/sandbox.img"))x smaller)"

cold= warm= warmz=
for r in $(seq 1 "$ROUNDS"); do
	c=$(first_answer "$MOAT" run $app)
	w=$(first_answer "$MOAT" restore --image-path "$tmp/img")
	z=$(first_answer "$MOAT" restore --image-path "$tmp/imgz")
	echo "round $r: cold start $c ms, restore $w ms, compressed $z ms"
	cold="$cold $c"
	warm="$warm $w"
	warmz="$warmz $z"
done
mc=$(median $cold)
mw=$(median $warm)
mz=$(median $warmz)
echo "median: cold start $mc ms, restore $mw ms: restore $(ratio $mc $mw)x" \
	"faster; compressed restore $mz ms ($(ratio $mz $mw)x the plain one's)"

# A big sandbox: SIZE MiB written by the application, half random bytes
# (which no compression shrinks), half text (lines of numbers, 1 MiB of
# them repeated); it answers a query on its stdin, as the server does.
cat >"$tmp/big.py" <<'PY'
import json, os, sys
size = int(sys.argv[1]) << 20
b = bytearray(os.urandom(size // 2))
t = ''.join('%d %x %o\n' % (i, i * i, i) for i in range(60000))
t = bytearray(t.encode()[:1 << 20] * (size // 2 >> 20))
print('ready', flush=True)
for line in sys.stdin:
    print(json.dumps({'n': 77, 'bytes': len(b) + len(t)}), flush=True)
PY
rm -f "$tmp/in0"
mkfifo "$tmp/in0"
"$MOAT" run --id big -- python3 "$tmp/big.py" "$SIZE" <"$tmp/in0" \
	>"$tmp/big.out" 2>&1 &
pid=$!
exec 4>"$tmp/in0"
while ! grep -q ready "$tmp/big.out"; do
	kill -0 $pid 2>/dev/null || { cat "$tmp/big.out"; exit 1; }
	sleep 0.1
done
# Twice each, --leave-running: on a VM whose host backs guest memory on
# first touch, the first image's page cache costs that; the second is
# the one compared.
for how in plain plain "zstd" "zstd"; do
	opt=
	[ $how = zstd ] && opt=--compress=$LEVEL
	t0=$(now)
	"$MOAT" checkpoint --leave-running $opt --image-path "$tmp/big-$how" \
		big || exit 1
	t1=$(now)
	ms=$(((t1 - t0) / 1000000))
	eval "ck_$how=$ms"
	echo "checkpoint ($how) of a sandbox holding $SIZE MiB: $ms ms," \
		"image $(mib "$tmp/big-$how/sandbox.img") MiB"
done
exec 4>&-
wait $pid
rp= rz=
for r in $(seq 1 "$ROUNDS"); do
	p=$(first_answer "$MOAT" restore --image-path "$tmp/big-plain")
	z=$(first_answer "$MOAT" restore --image-path "$tmp/big-zstd")
	echo "round $r: restore of $SIZE MiB to its first answer: plain $p ms," \
		"compressed $z ms"
	rp="$rp $p"
	rz="$rz $z"
done
sp=$(stat -c %s "$tmp/big-plain/sandbox.img")
sz=$(stat -c %s "$tmp/big-zstd/sandbox.img")
mp=$(median $rp)
mz=$(median $rz)
echo "$SIZE MiB, plain -> --compress=$LEVEL: image $((sp / 1048576)) ->" \
	"$((sz / 1048576)) MiB ($(ratio $sp $sz)x smaller), checkpoint" \
	"$ck_plain -> $ck_zstd ms ($(ratio $ck_zstd $ck_plain)x), restore" \
	"$mp -> $mz ms ($(ratio $mz $mp)x; medians)"
