#!/bin/sh
# Snapshots: a sandbox moat run named is checkpointed and restored and
# goes on from where it was: a counting shell loop (its sleep children
# come and go), a pipeline with data in its pipe, twice from one image
# (independent sandboxes), --leave-running; and the failures: a corrupted
# or truncated image, a name nobody runs, a host file changed since.
# Usage: snapshot.sh MOAT PLATFORM
set -u
. "$(dirname "$0")/lib.sh"
MOAT=$1
PLATFORM=${2:-ptrace}
# systrap's rewritten syscall sites are not saved yet: checkpoints need
# --no-rewrite there (checked below).
NR=
[ "$PLATFORM" = systrap ] && NR=--no-rewrite
tmp=$(mktemp -d /var/tmp/moat-snap.XXXXXX)
export MOAT_RUN_DIR=$tmp/run
trap 'rm -rf "$tmp"' EXIT

# A counter: each line is the one before plus one.
count='i=0; while :; do i=$((i+1)); echo $i; sleep 0.05; done'

"$MOAT" run --platform="$PLATFORM" $NR --id c1 -- /bin/sh -c "$count" \
	>"$tmp/c1.out" 2>"$tmp/c1.err" &
pid=$!
wait_for "$tmp/c1.out" '^20$'
expect "checkpoint of a counting loop" 0 "" -- \
	"$MOAT" checkpoint --image-path "$tmp/img1" c1
wait $pid
rc=$?
last=$(tail -n 1 "$tmp/c1.out")
if [ $rc -eq 0 ] && grep -q checkpointed "$tmp/c1.err" &&
	[ -s "$tmp/img1/sandbox.img" ]; then
	ok "the checkpointed sandbox stops (exit 0) at $last"
else
	bad "checkpointed sandbox: exit $rc, $(cat "$tmp/c1.err")"
fi
sleep 0.3
if [ "$(tail -n 1 "$tmp/c1.out")" = "$last" ]; then
	ok "nothing ran after the checkpoint"
else
	bad "output after the checkpoint: $(tail -n 1 "$tmp/c1.out")"
fi

# Restored twice from the same image: each goes on from last + 1.
for n in 1 2; do
	timeout 2 "$MOAT" restore --image-path "$tmp/img1" \
		>"$tmp/r$n.out" 2>"$tmp/r$n.err"
	first=$(head -n 1 "$tmp/r$n.out")
	lines=$(wc -l <"$tmp/r$n.out")
	if [ "$first" = $((last + 1)) ] && [ "$lines" -gt 5 ] &&
		awk 'NR > 1 && $1 != prev + 1 { exit 1 } { prev = $1 }' \
			"$tmp/r$n.out"; then
		ok "restore $n goes on at $first, counting ($lines lines)"
	else
		bad "restore $n: first '$first', $lines lines"
		sed 's/^/    /' "$tmp/r$n.err"
		head -n 3 "$tmp/r$n.out" | sed 's/^/    /'
	fi
done

# A pipeline: the writer filled the pipe before the checkpoint; the
# reader, restored, reads every line in order.
"$MOAT" run --platform="$PLATFORM" $NR --id p1 -- /bin/sh -c \
	'i=0; while [ $i -lt 3000 ]; do i=$((i+1)); echo $i; done |
	 (sleep 1; while read -r l; do echo "got $l"; done)' \
	>"$tmp/p1.out" 2>"$tmp/p1.err" &
pid=$!
sleep 0.5
expect "checkpoint of a pipeline with a full pipe" 0 "" -- \
	"$MOAT" checkpoint --image-path "$tmp/img2" p1
wait $pid
timeout 20 "$MOAT" run --restore "$tmp/img2" >"$tmp/p2.out" 2>"$tmp/p2.err"
rc=$?
cat "$tmp/p1.out" "$tmp/p2.out" >"$tmp/p.all"
if [ $rc -eq 0 ] && [ "$(wc -l <"$tmp/p.all")" -eq 3000 ] &&
	[ "$(tail -n 1 "$tmp/p.all")" = "got 3000" ] &&
	awk '$2 != NR { exit 1 }' "$tmp/p.all"; then
	ok "the restored pipeline reads all 3000 lines in order"
else
	bad "pipeline: exit $rc, $(wc -l <"$tmp/p.all") lines, last " \
		"'$(tail -n 1 "$tmp/p.all")'"
	sed 's/^/    /' "$tmp/p2.err"
fi

# --leave-running: the sandbox goes on, and the image restores too.
"$MOAT" run --platform="$PLATFORM" $NR --id l1 -- /bin/sh -c "$count" \
	>"$tmp/l1.out" 2>"$tmp/l1.err" &
pid=$!
wait_for "$tmp/l1.out" '^10$'
expect "checkpoint --leave-running" 0 "" -- \
	"$MOAT" checkpoint --leave-running --image-path "$tmp/img3" l1
at=$(tail -n 1 "$tmp/l1.out")
sleep 0.5
if [ "$(tail -n 1 "$tmp/l1.out")" -gt "$at" ]; then
	ok "the sandbox keeps running after --leave-running"
else
	bad "the sandbox stopped after --leave-running"
fi
expect "a second sandbox cannot take a running one's name" 125 \
	"is running" -- "$MOAT" run --id l1 -- /bin/true
kill $pid 2>/dev/null
wait $pid 2>/dev/null
expect "restore of a --leave-running image" 124 "" -- \
	timeout 1 "$MOAT" restore --image-path "$tmp/img3"

# A long sleep: the checkpoint interrupts it, the restore sleeps on to
# the same end (restart_syscall), not afresh and not cut short.
"$MOAT" run --platform="$PLATFORM" $NR --id s2 -- /bin/sh -c \
	'echo start; sleep 3; echo woke' >"$tmp/s2.out" 2>&1 &
pid=$!
wait_for "$tmp/s2.out" '^start$'
sleep 1
expect "checkpoint of a sleeping process" 0 "" -- \
	"$MOAT" checkpoint --image-path "$tmp/img5" s2
wait $pid
t0=$(date +%s%N)
timeout 20 "$MOAT" restore --image-path "$tmp/img5" >"$tmp/s3.out" 2>&1
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
if [ "$(cat "$tmp/s3.out")" = woke ] && [ $ms -lt 2900 ] && [ $ms -gt 500 ]; then
	ok "the restored sleep ends on time ($ms ms after the restore)"
else
	bad "restored sleep: '$(cat "$tmp/s3.out")' after $ms ms"
fi

# The sandbox's own files: a tmpfs file, a file of the overlay's upper
# layer (the host's stays untouched), an unlinked file held open, a
# directory and a symlink, all written before the checkpoint and read
# after the restore.
"$MOAT" run --platform="$PLATFORM" $NR --id t1 -- /bin/sh -c '
	echo tmpdata >/tmp/t; echo etcdata >/etc/moat-snap-test
	echo udata >/tmp/u; exec 4</tmp/u; rm /tmp/u
	mkdir /tmp/d; ln -s ../t /tmp/d/link
	echo ready; sleep 2
	cat /tmp/t /etc/moat-snap-test; cat <&4; cat /tmp/d/link; ls /tmp' \
	>"$tmp/t1.out" 2>&1 &
pid=$!
wait_for "$tmp/t1.out" '^ready$'
expect "checkpoint of a sandbox with files of its own" 0 "" -- \
	"$MOAT" checkpoint --image-path "$tmp/img6" t1
wait $pid
timeout 20 "$MOAT" restore --image-path "$tmp/img6" >"$tmp/t2.out" 2>&1
printf 'tmpdata\netcdata\nudata\ntmpdata\nd\nt\n' >"$tmp/t2.want"
if cmp -s "$tmp/t2.out" "$tmp/t2.want" && [ ! -e /etc/moat-snap-test ]; then
	ok "tmpfs, overlay and unlinked files come back with the restore"
else
	bad "files after the restore:"
	sed 's/^/    /' "$tmp/t2.out"
fi

# Failures, each with a clear message and nothing run.
expect "checkpoint of a name nobody runs" 1 "no sandbox named" -- \
	"$MOAT" checkpoint --image-path "$tmp/none" nosuch
expect "checkpoint of an ended sandbox" 1 "not running" -- \
	"$MOAT" checkpoint --image-path "$tmp/none" c1
expect "checkpoint without --image-path" 2 "image-path" -- \
	"$MOAT" checkpoint c1
mkdir "$tmp/bad"
size=$(stat -c %s "$tmp/img1/sandbox.img")
cp "$tmp/img1/sandbox.img" "$tmp/bad/sandbox.img"
# One byte in the middle, flipped (whatever it was).
byte=$(od -An -tu1 -j $((size / 2)) -N1 "$tmp/bad/sandbox.img")
printf "\\$(printf %o $((255 - byte)))" |
	dd of="$tmp/bad/sandbox.img" bs=1 seek=$((size / 2)) conv=notrunc \
		2>/dev/null
cmp -s "$tmp/bad/sandbox.img" "$tmp/img1/sandbox.img" &&
	bad "the corruption changed nothing"
expect "restore of a corrupted image" 125 "checksum" -- \
	timeout 20 "$MOAT" restore --image-path "$tmp/bad"
head -c $((size / 3)) "$tmp/img1/sandbox.img" >"$tmp/bad/sandbox.img"
expect "restore of a truncated image" 125 "restore" -- \
	timeout 20 "$MOAT" restore --image-path "$tmp/bad"
# A host whose CLOCK_MONOTONIC is behind the checkpoint's (booted since):
# the application's clock would go back; refused, naming the clock.
cp "$tmp/img1/sandbox.img" "$tmp/bad/sandbox.img"
python3 "$(dirname "$0")/imgpatch.py" "$tmp/bad/sandbox.img" host-mono \
	$((1 << 62))
expect "restore on a host booted since the checkpoint" 125 \
	"CLOCK_MONOTONIC" -- timeout 20 "$MOAT" restore --image-path "$tmp/bad"
expect "restore of a missing image" 125 "No such file" -- \
	"$MOAT" restore --image-path "$tmp/nowhere"
expect "run --restore with a program" 125 "give no PROGRAM" -- \
	"$MOAT" run --restore "$tmp/img1" -- /bin/true

# A file open at an offset: read on after the restore; and a changed
# file makes the restore fail, naming it.
mkdir "$tmp/d"
seq 1 100000 >"$tmp/d/data"
"$MOAT" run --platform="$PLATFORM" $NR --id f1 --bind="$tmp/d:/data:ro" -- \
	/bin/sh -c 'while read -r l; do echo "$l"; sleep 0.01; done </data/data' \
	>"$tmp/f1.out" 2>"$tmp/f1.err" &
pid=$!
wait_for "$tmp/f1.out" '^30$'
expect "checkpoint with a file open at an offset" 0 "" -- \
	"$MOAT" checkpoint --image-path "$tmp/img4" f1
wait $pid
last=$(tail -n 1 "$tmp/f1.out")
timeout 1 "$MOAT" restore --image-path "$tmp/img4" >"$tmp/f2.out" 2>&1
if [ "$(head -n 1 "$tmp/f2.out")" = $((last + 1)) ]; then
	ok "the open file reads on at $((last + 1))"
else
	bad "open file: after $last came '$(head -n 1 "$tmp/f2.out")'"
fi
echo 100001 >>"$tmp/d/data"
expect "restore after the open file changed" 125 "changed since" -- \
	"$MOAT" restore --image-path "$tmp/img4"

if [ "$PLATFORM" = systrap ]; then
	"$MOAT" run --platform=systrap --id s1 -- /bin/sh -c "$count" \
		>"$tmp/s1.out" 2>&1 &
	pid=$!
	wait_for "$tmp/s1.out" '^5$'
	expect "systrap with rewriting: refused, saying why" 1 \
		"--no-rewrite" -- "$MOAT" checkpoint --image-path "$tmp/s" s1
	kill $pid
	wait $pid 2>/dev/null
fi

# Python with two threads counting under a lock and a file read line by
# line: after the restore both threads count on and the file reads on.
if command -v python3 >/dev/null; then
	mkdir -p "$tmp/py"
	: >"$tmp/py1.out"
	seq 1 100000 >"$tmp/py/data"
	cat >"$tmp/py/thr.py" <<'PY'
import threading, time
f = open("/data/data")
count = [0, 0]
lock = threading.Lock()
def work(k):
    while True:
        with lock:
            count[k] += 1
        time.sleep(0.01)
for k in range(2):
    threading.Thread(target=work, args=(k,), daemon=True).start()
while True:
    time.sleep(0.05)
    with lock:
        c = list(count)
    print(f.readline().strip(), c[0], c[1], flush=True)
PY
	"$MOAT" run --platform="$PLATFORM" $NR --id py --bind="$tmp/py:/data:ro" \
		-- python3 /data/thr.py >"$tmp/py1.out" 2>"$tmp/py1.err" &
	pid=$!
	i=0
	while [ "$(wc -l <"$tmp/py1.out")" -lt 10 ] && [ $i -lt 600 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	expect "checkpoint of Python with threads and an open file" 0 "" -- \
		"$MOAT" checkpoint --image-path "$tmp/img7" py
	wait $pid
	last=$(tail -n 1 "$tmp/py1.out")
	timeout 5 "$MOAT" restore --image-path "$tmp/img7" >"$tmp/py2.out" 2>&1
	set -- $last
	n=$1 a=$2 b=$3
	if awk -v n="$n" -v a="$a" -v b="$b" '
		NR == 1 && $1 != n + 1 { exit 1 }
		NR > 1 && $1 != prev + 1 { exit 1 }
		{ prev = $1; la = $2; lb = $3 }
		END { exit !(NR > 5 && la > a && lb > b) }' "$tmp/py2.out"; then
		ok "Python's threads count on and its file reads on at $((n + 1))"
	else
		bad "Python after the restore (last before: $last):"
		head -n 3 "$tmp/py2.out" | sed 's/^/    /'
	fi
fi

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
