#!/bin/sh
# The OCI lifecycle's cost: create + start + wait for the exit + delete of a
# container running /bin/true (busybox), moat and runc in the same run.
# Usage: oci.sh MOAT [RUNS]; needs root and runc (Debian's) for the
# comparison. Prints each runtime's median in ms and the ratio.
set -u
MOAT=$1
N=${2:-21}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ "$(id -u)" -eq 0 ] || { echo "oci.sh: needs root"; exit 77; }
mkdir -p "$tmp/b/rootfs/bin" "$tmp/b/rootfs/proc" "$tmp/b/rootfs/dev" \
	"$tmp/b/rootfs/sys" "$tmp/b/rootfs/tmp"
cp /bin/busybox "$tmp/b/rootfs/bin/"
for a in sh true; do ln -s busybox "$tmp/b/rootfs/bin/$a"; done
"$MOAT" spec --bundle "$tmp/b"
sed -i 's/"sh"/"\/bin\/true"/' "$tmp/b/config.json"

# median RUNTIME: ms per lifecycle
median() {
	rt=$1
	for i in $(seq "$N"); do
		s=$(date +%s%N)
		"$rt" --root "$tmp/root-$rt" create --bundle "$tmp/b" \
			--pid-file "$tmp/pid" c$i >/dev/null 2>&1 || echo fail
		"$rt" --root "$tmp/root-$rt" start c$i
		p=$(cat "$tmp/pid")
		while [ -e "/proc/$p" ] &&
			[ "$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null)" != Z ]; do
			:
		done
		"$rt" --root "$tmp/root-$rt" delete c$i
		e=$(date +%s%N)
		echo $(((e - s) / 1000))
	done | sort -n | awk '{a[NR] = $1} END {printf "%.1f\n", a[int((NR + 1) / 2)] / 1000}'
}
m=$(median "$MOAT")
echo "moat create+start+wait+delete of /bin/true: $m ms (median of $N)"
if command -v runc >/dev/null; then
	r=$(median runc)
	echo "runc create+start+wait+delete of /bin/true: $r ms (median of $N)"
	awk -v m="$m" -v r="$r" 'BEGIN {printf "moat/runc: %.2fx\n", m / r}'
fi
