#!/bin/sh
# MAP_SHARED of host files seen from the host: a store through a shared
# mapping in the sandbox is in the host file after msync, while the
# sandbox still runs, and after the process exits without msync; the
# file keeps its size. A writable shared mapping of a file under the
# overlay maps the sandbox's copy: the host's file stays as it was.
# Usage: mapshared.sh MOAT GUESTDIR (mmap_host's directory)
set -u
. "$(dirname "$0")/lib.sh"
MOAT=$1
BIN=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

d=$tmp/d
mkdir "$d"
printf 'xxxxxxxxxxxxxxxx' >"$d/f"
mkfifo "$tmp/fifo-in" "$tmp/fifo-out"
"$MOAT" run --bind="$BIN:$BIN:ro" --bind="$d:$d" -- \
	"$BIN/mmap_host" --store "$d/f" hello <"$tmp/fifo-in" >"$tmp/fifo-out" \
	2>"$tmp/store-err" &
pid=$!
exec 3>"$tmp/fifo-in"
line=
read -r line <"$tmp/fifo-out"
if [ "$line" = synced ] && [ "$(head -c 5 "$d/f")" = hello ]; then
	ok "msync: the host file has the store, the sandbox still running"
else
	bad "msync: '$line', host file '$(cat "$d/f")'"
	sed 's/^/    /' "$tmp/store-err"
fi
echo go >&3
exec 3>&-
wait $pid
rc=$?
if [ $rc -eq 0 ] && [ "$(cat "$d/f")" = HELLOxxxxxxxxxxx ]; then
	ok "exit without msync: the store written back, the size kept"
else
	bad "exit: rc $rc, host file '$(cat "$d/f")'"
	sed 's/^/    /' "$tmp/store-err"
fi

# The overlay: opened for writing, the file is copied up first.
rfs=$tmp/rfs
mkdir "$rfs"
printf 'xxxxxxxxxxxxxxxx' >"$rfs/data"
expect "overlay: a writable shared mapping" 0 "^synced$" -- \
	"$MOAT" run --rootfs "$rfs" --bind="$BIN:$BIN:ro" -- \
	"$BIN/mmap_host" --store /data hello
if [ "$(cat "$rfs/data")" = xxxxxxxxxxxxxxxx ]; then
	ok "overlay: the host's file unchanged"
else
	bad "overlay: the host's file is '$(cat "$rfs/data")'"
fi

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
