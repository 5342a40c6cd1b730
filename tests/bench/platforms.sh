#!/bin/sh
# The platforms side by side: each benchmark natively, under ptrace, under
# systrap and under systrap without syscall-site rewriting (--no-rewrite),
# alternating in one run, R rounds; prints medians, the ratio of each
# platform to native and systrap's to ptrace's.
# Usage: platforms.sh MOAT BENCHDIR
set -eu
MOAT=$1
DIR=$2
R=${MOAT_BENCH_RUNS:-5}
N=${MOAT_BENCH_CALLS:-5000}

median() { tr ' ' '\n' | grep . | sort -n |
	awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

T=$(mktemp -d /var/tmp/moat-bench-XXXXXX)
trap 'rm -rf "$T"' EXIT
cp "$DIR/bench_calls" "$DIR/bench_proc" "$T/"
head -c 4096 /dev/urandom >"$T/file"
B="--bind $T:$T"

echo "moat platforms ($(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)," \
	"$R rounds, medians)"
printf '%-30s %11s %11s %11s %11s %7s %7s %7s %7s\n' benchmark native \
	ptrace systrap st-norw "pt/nat" "st/nat" "nrw/nat" "st/pt"

# row LABEL NATIVE-COMMAND SANDBOX-COMMAND: each prints one number.
row() {
	label=$1 ncmd=$2 scmd=$3
	nat="" pt="" st="" nr=""
	for _ in $(seq "$R"); do
		nat="$nat $(sh -c "$ncmd")"
		pt="$pt $(sh -c "$MOAT run --platform=ptrace $B -- $scmd")"
		st="$st $(sh -c "$MOAT run --platform=systrap $B -- $scmd")"
		nr="$nr $(sh -c \
		    "$MOAT run --platform=systrap --no-rewrite $B -- $scmd")"
	done
	nat=$(echo "$nat" | median)
	pt=$(echo "$pt" | median)
	st=$(echo "$st" | median)
	nr=$(echo "$nr" | median)
	printf '%-30s %11s %11s %11s %11s %7.1f %7.1f %7.1f %7.2f\n' \
		"$label" "$nat" "$pt" "$st" "$nr" \
		"$(echo "$pt $nat" | awk '{print $1/$2}')" \
		"$(echo "$st $nat" | awk '{print $1/$2}')" \
		"$(echo "$nr $nat" | awk '{print $1/$2}')" \
		"$(echo "$st $pt" | awk '{print $1/$2}')"
}

C="$T/bench_calls"
P="$T/bench_proc"
row "getppid (ns)" "$C getppid $((N * 20))" "$C getppid $N"
row "clock_gettime (ns)" "$C clock $((N * 20))" "$C clock $N"
row "read 1 byte /dev/zero (ns)" "$C zero $((N * 20))" "$C zero $N"
row "open+close (ns)" "$C open $((N * 4)) $T/file" "$C open $((N / 4)) $T/file"
row "read 4 KiB (ns)" "$C read4k $((N * 20)) $T/file" \
	"$C read4k $N $T/file"
row "pipe ping-pong (ns)" "$P pipe $((N * 2))" "$P pipe $((N / 5))"
row "futex ping-pong (ns)" "$P futex $((N * 2))" "$P futex $((N / 5))"
row "fork+exec+wait /bin/true (us)" "$P spawn 20 /bin/true" \
	"$P spawn 20 /bin/true"
if command -v python3 >/dev/null; then
	# A python3 start in a running sandbox: bench_proc spawns it.
	cat >"$T/py.sh" <<EOS
#!/bin/sh
exec python3 -c pass
EOS
	chmod +x "$T/py.sh"
	row "python3 -c pass (us)" "$P spawn 5 $T/py.sh" "$P spawn 5 $T/py.sh"
fi
