#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Run programs inside a QEMU guest that has /dev/kvm, on a host that may not.
#
#   tests/kvm/run.sh [--install] [--file PATH]... [--cmd NAME COMMAND]...
#                    [PROGRAM]...
#   tests/kvm/run.sh --deps        install the packages only
#
# QEMU emulates the CPU (TCG) with AMD's SVM, so the guest kernel's kvm-amd
# module works whatever the host is. The guest is Debian's own kernel
# (linux-image-amd64, from /boot) and an initramfs built here from
# busybox, the kvm modules of that kernel, and the given programs (static,
# or dynamic with their libraries copied in). Each program runs in turn as
# root in the guest; its output is shown, and a marker line on the serial
# console carries its exit status back. --file copies a file into the
# guest's /t without running it; --cmd runs COMMAND (a shell command line,
# with /t/NAME for each file and program) as a test called NAME, after the
# programs. Each program or command gets 77 (skip) or its exit status.
#
# Exit: 0 when every program exited 0, 1 when one failed (or the guest had
# no /dev/kvm, or did not finish), 77 when QEMU or the kernel is missing
# (or every program skipped).
#
# --install (or MOAT_KVM_INSTALL=1): install what is missing with apt-get
# (qemu-system-x86, linux-image-amd64) as root or with sudo -n; several
# minutes and a few hundred MB. Without it, a missing package is a skip.
#
# Environment: MOAT_KVM_QEMU (the qemu-system-x86_64 to use),
# MOAT_KVM_KERNEL (a vmlinuz whose modules are in /lib/modules/VERSION,
# VERSION taken from the name after "vmlinuz-"),
# MOAT_KVM_CPU (QEMU's -cpu, default qemu64,+svm,+npt: 40-bit physical
# addresses, no XSAVE; "max" adds XSAVE, AVX2, FSGSBASE, SMEP and SMAP,
# ",phys-bits=48" widens guest-physical addresses),
# MOAT_KVM_TIMEOUT (seconds for the whole boot, default 600),
# MOAT_KVM_MEM (guest memory, default 1G), MOAT_KVM_KEEP=1 (keep the work
# directory under /var/tmp for inspection).
set -eu

install=${MOAT_KVM_INSTALL:-0}
deps_only=0
case "${1:-}" in
--install)
	install=1
	shift
	;;
--deps)
	install=1
	deps_only=1
	shift
	;;
esac
usage() {
	echo "usage: $0 [--install] [--file PATH]... [--cmd NAME COMMAND]..." \
		"[PROGRAM]... | $0 --deps" >&2
	exit 2
}
# Files to copy, programs to run, commands to run (NAME<tab>COMMAND lines).
files=""
progs=""
cmds=""
ncmds=0
while [ $# -gt 0 ]; do
	case "$1" in
	--file)
		[ $# -ge 2 ] || usage
		files="$files $2"
		shift 2
		;;
	--cmd)
		[ $# -ge 3 ] || usage
		case "$2" in
		*[!A-Za-z0-9._-]* | "") usage ;;
		esac
		cmds="$cmds$2	$3
"
		ncmds=$((ncmds + 1))
		shift 3
		;;
	*)
		progs="$progs $1"
		shift
		;;
	esac
done
if [ -z "$progs" ] && [ $ncmds -eq 0 ] && [ $deps_only = 0 ]; then
	usage
fi

skip() {
	echo "SKIP: $*"
	exit 77
}

find_kernel() {
	if [ -n "${MOAT_KVM_KERNEL:-}" ]; then
		[ ! -r "$MOAT_KVM_KERNEL" ] || echo "$MOAT_KVM_KERNEL"
		return
	fi
	# The newest /boot/vmlinuz-* whose kvm-amd module is installed.
	for k in $(find /boot -maxdepth 1 -name 'vmlinuz-*' | sort -rV); do
		v=${k#/boot/vmlinuz-}
		if [ -n "$(find "/lib/modules/$v" -name 'kvm-amd.ko*' \
			2>/dev/null | head -n 1)" ]; then
			echo "$k"
			return
		fi
	done
}

find_busybox() {
	for b in /bin/busybox /usr/bin/busybox; do
		if [ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1; then
			echo "$b"
			return
		fi
	done
}

find_qemu() {
	if [ -n "${MOAT_KVM_QEMU:-}" ]; then
		[ ! -x "$MOAT_KVM_QEMU" ] || echo "$MOAT_KVM_QEMU"
		return
	fi
	command -v qemu-system-x86_64 || true
}

qemu=$(find_qemu)
kernel=$(find_kernel)
busybox=$(find_busybox)
missing=""
[ -n "$qemu" ] || missing="$missing qemu-system-x86"
[ -n "$kernel" ] || missing="$missing linux-image-amd64"
[ -n "$busybox" ] || missing="$missing busybox-static"
if [ -n "$missing" ]; then
	if [ "$install" != 1 ]; then
		skip "missing Debian packages:$missing (install them, or run" \
			"'make test-kvm' or '$0 --install' as root)"
	fi
	command -v apt-get >/dev/null || skip "no apt-get to install$missing"
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		sudo -n true 2>/dev/null ||
			skip "installing$missing needs root (or sudo without a password)"
		sudo="sudo -n"
	fi
	echo "kvm: installing Debian packages:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	if ! { $sudo apt-get update -qq &&
		$sudo apt-get install -y -qq --no-install-recommends $missing; } \
		>/dev/null; then
		skip "apt-get could not install$missing"
	fi
	qemu=$(find_qemu)
	kernel=$(find_kernel)
	busybox=$(find_busybox)
	if [ -z "$qemu" ] || [ -z "$kernel" ] || [ -z "$busybox" ]; then
		skip "packages installed but QEMU, kernel or busybox still missing"
	fi
fi
if [ $deps_only = 1 ]; then
	echo "kvm: $qemu, $kernel, $busybox"
	exit 0
fi
version=${kernel##*/vmlinuz-}
command -v modinfo >/dev/null || skip "no modinfo (package kmod)"

work=$(mktemp -d /var/tmp/kvm-run.XXXXXX)
qpid=""
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	[ -z "$qpid" ] || kill "$qpid" 2>/dev/null || true
	if [ "${MOAT_KVM_KEEP:-0}" = 1 ]; then
		echo "kvm: work directory kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE
root=$work/root
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" \
	"$root/modules" "$root/t" "$root/cmds" "$root/var/tmp"
cp "$busybox" "$root/bin/busybox"

# The modules that make /dev/kvm, dependencies first, decompressed (the
# initramfs has no decompressing insmod); built-in ones need nothing.
mods=""
add_module() {
	case " $mods " in *" $1 "*) return ;; esac
	for d in $(modinfo -k "$version" -F depends "$1" | tr ',' ' '); do
		add_module "$d"
	done
	f=$(modinfo -k "$version" -F filename "$1")
	case "$f" in
	*.ko.xz) xz -dc "$f" >"$root/modules/$1.ko" ;;
	*.ko.zst) zstd -qdc "$f" >"$root/modules/$1.ko" ;;
	*.ko.gz) gzip -dc "$f" >"$root/modules/$1.ko" ;;
	*.ko) cp "$f" "$root/modules/$1.ko" ;;
	"(builtin)") return ;;
	*) echo "kvm: module $1 not found for $version" >&2 && exit 1 ;;
	esac
	mods="$mods $1"
}
add_module kvm-amd

# The programs and files, and for dynamic ones their libraries at the same
# paths.
names=""
copy_in() {
	[ -e "$1" ] || { echo "kvm: $1 does not exist" >&2 && exit 1; }
	cp "$1" "$root/t/$(basename "$1")"
	for lib in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*' || true); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
for p in $progs; do
	[ -x "$p" ] || { echo "kvm: $p is not an executable" >&2 && exit 1; }
	copy_in "$p"
	names="$names $(basename "$p")"
done
for f in $files; do
	copy_in "$f"
done
cnames=""
if [ $ncmds -gt 0 ]; then
	printf '%s' "$cmds" | while IFS='	' read -r n c; do
		printf '%s\n' "$c" >"$root/cmds/$n"
	done
	cnames=$(printf '%s' "$cmds" | cut -f1 | tr '\n' ' ')
fi

# The initramfs's root cannot be pivot_root'ed (moat's sentry and gofer do
# that): the init first moves everything to a tmpfs and switches to it.
cat >"$root/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
if [ ! -e /.switched ]; then
	mkdir /newroot
	mount -t tmpfs -o mode=755 tmpfs /newroot
	for d in /*; do
		[ "\$d" = /newroot ] || cp -a "\$d" /newroot/
	done
	touch /newroot/.switched
	exec switch_root /newroot /init
fi
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
for m in $mods; do
	insmod /modules/\$m.ko || echo "MOAT-KVM-ERROR insmod \$m"
done
if [ -c /dev/kvm ]; then
	echo "MOAT-KVM-READY \$(cut -d' ' -f1 /proc/uptime)"
	for n in $names; do
		/t/\$n </dev/null
		echo "MOAT-KVM-RESULT \$n \$?"
	done
	for n in $cnames; do
		echo "MOAT-KVM-CMD \$n \$(cut -d' ' -f1 /proc/uptime)"
		sh /cmds/\$n </dev/null
		echo "MOAT-KVM-RESULT \$n \$?"
	done
else
	echo "MOAT-KVM-ERROR no /dev/kvm"
	dmesg | grep -i -e kvm -e svm
fi
echo "MOAT-KVM-DONE \$(cut -d' ' -f1 /proc/uptime)"
poweroff -f
EOF
chmod 755 "$root/init"
(cd "$root" && find . | "$busybox" cpio -o -H newc -R 0:0 2>/dev/null) \
	>"$work/initrd.cpio"

echo "kvm: booting $kernel under $qemu (TCG, nested SVM)"
start=$(date +%s)
rc=0
timeout --foreground "${MOAT_KVM_TIMEOUT:-600}" "$qemu" -accel tcg \
	-cpu "${MOAT_KVM_CPU:-qemu64,+svm,+npt}" -m "${MOAT_KVM_MEM:-1G}" -smp 1 \
	-display none -no-reboot -nic none -serial stdio -monitor none \
	-kernel "$kernel" -initrd "$work/initrd.cpio" \
	-append "console=ttyS0 panic=-1 quiet" </dev/null \
	>"$work/console.log" 2>&1 &
qpid=$!
wait $qpid || rc=$?
qpid=""
end=$(date +%s)
tr -d '\r' <"$work/console.log" >"$work/console.txt"

if [ $rc -eq 124 ]; then
	cat "$work/console.txt"
	echo "FAIL: the guest did not finish in ${MOAT_KVM_TIMEOUT:-600}s"
	exit 1
fi
if ! grep -q '^MOAT-KVM-DONE' "$work/console.txt"; then
	cat "$work/console.txt"
	echo "FAIL: the guest stopped before its end (qemu exit $rc)"
	exit 1
fi
if ! grep -q '^MOAT-KVM-READY' "$work/console.txt"; then
	cat "$work/console.txt"
	echo "FAIL: no /dev/kvm in the guest"
	exit 1
fi
# The programs' output, without the firmware's and kernel's.
sed -n '/^MOAT-KVM-READY/,/^MOAT-KVM-DONE/p' "$work/console.txt"
echo "kvm: $((end - start))s wall; /dev/kvm at guest uptime" \
	"$(sed -n 's/^MOAT-KVM-READY //p' "$work/console.txt")s, done at" \
	"$(sed -n 's/^MOAT-KVM-DONE //p' "$work/console.txt")s"

pass=0 fail=0 skipped=0
for n in $names $cnames; do
	r=$(sed -n "s/^MOAT-KVM-RESULT $n \\([0-9]*\\)\$/\\1/p" \
		"$work/console.txt" | head -n 1)
	case "$r" in
	0) pass=$((pass + 1)) ;;
	77) skipped=$((skipped + 1)) ;;
	*)
		fail=$((fail + 1))
		echo "FAIL: $n exited ${r:-(no result)}"
		;;
	esac
done
echo "kvm: $pass passed, $fail failed, $skipped skipped"
[ $fail -eq 0 ] || exit 1
[ $pass -gt 0 ] || exit 77
exit 0
