#!/bin/sh
# Compressed snapshots (moat checkpoint --compress): a program holding
# 64 MiB of text is checkpointed with and without compression; the
# compressed image is a fraction of the other's size (a ratio, not a
# size), says so in its header (format 1.1, the memory section flagged),
# and restores with no flag into a program that counts on with every page
# intact. A corrupted compressed chunk, and a chunk whose header declares
# another size than its data's, fail the restore with a message naming
# the chunk, and nothing runs.
# Usage: snapshot_zstd.sh MOAT PLATFORM SNAPMEM
set -u
. "$(dirname "$0")/lib.sh"
MOAT=$1
PLATFORM=${2:-ptrace}
SNAPMEM=$3
NR=
[ "$PLATFORM" = systrap ] && NR=--no-rewrite
tmp=$(mktemp -d /var/tmp/moat-snapz.XXXXXX)
export MOAT_RUN_DIR=$tmp/run
trap 'rm -rf "$tmp"' EXIT
# Where the sandbox sees it too (its /tmp is its own).
cp "$SNAPMEM" "$tmp/snapmem"

u16() { od -An -tu2 -j "$2" -N2 "$1" | tr -d ' '; }
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
u64() { od -An -tu8 -j "$2" -N8 "$1" | tr -d ' '; }
# The memory section's (type 3) "offset length flags" in image FILE,
# from the header's section count and table (sentry/state/image.h).
mem_section() {
	n=$(u32 "$1" 20)
	t=$(u64 "$1" 24)
	i=0
	while [ "$i" -lt "$n" ]; do
		e=$((t + 32 * i))
		if [ "$(u32 "$1" $e)" -eq 3 ]; then
			echo "$(u64 "$1" $((e + 8))) $(u64 "$1" $((e + 16)))" \
				"$(u32 "$1" $((e + 4)))"
			return
		fi
		i=$((i + 1))
	done
}
# put32 FILE OFFSET VALUE: a little-endian u32 written in place.
put32() {
	v=$3
	printf "\\$(printf %o $((v & 255)))\\$(printf %o $((v >> 8 & 255)))\\$(printf %o $((v >> 16 & 255)))\\$(printf %o $((v >> 24 & 255)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

"$MOAT" run --platform="$PLATFORM" $NR --id z1 -- "$tmp/snapmem" 64 \
	>"$tmp/z1.out" 2>"$tmp/z1.err" &
pid=$!
if ! wait_for "$tmp/z1.out" '^5 ok$'; then
	bad "snapmem did not start: $(cat "$tmp/z1.out" "$tmp/z1.err")"
fi
expect "--compress with a level past 19 is refused" 2 "not a level" -- \
	"$MOAT" checkpoint --compress=20 --image-path "$tmp/no" z1
expect "--compress with a level that is no number is refused" 2 \
	"not a level" -- \
	"$MOAT" checkpoint --compress=fast --image-path "$tmp/no" z1
expect "an uncompressed checkpoint (--leave-running)" 0 "" -- \
	"$MOAT" checkpoint --leave-running --image-path "$tmp/plain" z1
expect "a checkpoint --compress=3 (--leave-running)" 0 "" -- \
	"$MOAT" checkpoint --leave-running --compress=3 --image-path \
	"$tmp/z3" z1
expect "a checkpoint --compress" 0 "" -- \
	"$MOAT" checkpoint --compress --image-path "$tmp/z" z1
wait $pid
last=$(tail -n 1 "$tmp/z1.out" | cut -d' ' -f1)

plain=$(stat -c %s "$tmp/plain/sandbox.img")
packed=$(stat -c %s "$tmp/z/sandbox.img")
packed3=$(stat -c %s "$tmp/z3/sandbox.img")
# 64 MiB of repeated lines: zstd makes it far smaller than a quarter.
if [ $((packed * 4)) -lt "$plain" ] && [ $((packed3 * 4)) -lt "$plain" ]; then
	ok "compressed images are under 1/4 of the plain one ($plain -> $packed and $packed3 bytes)"
else
	bad "compressed images: $plain -> $packed and $packed3 bytes"
fi
set -- $(mem_section "$tmp/plain/sandbox.img")
pflags=${3:-none}
set -- $(mem_section "$tmp/z/sandbox.img")
zoff=${1:-0} zlen=${2:-0} zflags=${3:-none}
if [ "$(u16 "$tmp/plain/sandbox.img" 10)" = 0 ] && [ "$pflags" = 0 ] &&
	[ "$(u16 "$tmp/z/sandbox.img" 10)" = 1 ] && [ "$zflags" = 1 ]; then
	ok "the compressed image is format 1.1, its memory flagged; the plain one 1.0"
else
	bad "versions: plain 1.$(u16 "$tmp/plain/sandbox.img" 10) flags $pflags, compressed 1.$(u16 "$tmp/z/sandbox.img" 10) flags $zflags"
fi

# Restored with no flag: it counts on, every page as it was (z3 was
# taken while it ran on, so somewhat before the last count).
for img in z z3; do
	timeout 3 "$MOAT" restore --image-path "$tmp/$img" >"$tmp/r.out" \
		2>"$tmp/r.err"
	first=$(head -n 1 "$tmp/r.out" | cut -d' ' -f1)
	lines=$(wc -l <"$tmp/r.out")
	want=$((last + 1))
	[ $img = z3 ] && [ "${first:-0}" -gt 5 ] && [ "$first" -le $last ] &&
		want=$first
	if [ "$first" = $want ] && [ "$lines" -gt 5 ] &&
		! grep -qv ' ok$' "$tmp/r.out"; then
		ok "the $img image restores: counts on at $first, memory intact ($lines lines)"
	else
		bad "restore of $img: first '$first', $lines lines:"
		grep -v ' ok$' "$tmp/r.out" | head -n 3 | sed 's/^/    /'
		sed 's/^/    /' "$tmp/r.err"
	fi
done

# A byte flipped in the middle of the compressed memory: the chunk it
# falls in is rejected (zstd's checks), before the section's checksum.
mkdir "$tmp/bad"
cp "$tmp/z/sandbox.img" "$tmp/bad/sandbox.img"
at=$((zoff + zlen / 2))
byte=$(od -An -tu1 -j $at -N1 "$tmp/bad/sandbox.img")
printf "\\$(printf %o $((255 - byte)))" |
	dd of="$tmp/bad/sandbox.img" bs=1 seek=$at conv=notrunc 2>/dev/null
expect "a corrupted compressed chunk fails the restore, named" 125 \
	"memory): compressed chunk at byte" -- \
	timeout 20 "$MOAT" restore --image-path "$tmp/bad"
grep -q ' ok$' "$tmp/out" && bad "the corrupted image ran"

# The first chunk's header declares 16 bytes less than its frame holds.
cp "$tmp/z/sandbox.img" "$tmp/bad/sandbox.img"
raw=$(u32 "$tmp/bad/sandbox.img" $zoff)
put32 "$tmp/bad/sandbox.img" $zoff $((raw - 16))
expect "a chunk declaring another size fails the restore, named" 125 \
	"its zstd frame holds $raw bytes, its header says $((raw - 16))" -- \
	timeout 20 "$MOAT" restore --image-path "$tmp/bad"
grep -q ' ok$' "$tmp/out" && bad "the image with a bad chunk header ran"

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
