#!/bin/sh
# End-to-end tests of the moat command line. Usage: cli.sh MOAT GUESTDIR
set -u
. "$(dirname "$0")/lib.sh"
MOAT=$1
BIN=$2
BUSYBOX=/bin/busybox
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$BUSYBOX" ] || ! file -L "$BUSYBOX" 2>/dev/null | grep -q static; then
	echo "SKIP: needs Debian's busybox-static at $BUSYBOX"
	exit 77
fi



expect "echo hello" 0 "^hello$" -- "$MOAT" run -- $BUSYBOX echo hello
expect "uname -a" 0 "^Linux " -- "$MOAT" run -- $BUSYBOX uname -a
expect "false exits 1" 1 "" -- "$MOAT" run -- $BUSYBOX false
expect "sh exit 7" 7 "" -- "$MOAT" run -- $BUSYBOX sh -c 'exit 7'
expect "PATH lookup" 0 "^hello$" -- env PATH=/bin "$MOAT" run -- busybox echo hello
# /proc/self/exe is absolute even when moat was given a relative path
# (static glibc asserts on that).
expect "exe of a relative path" 0 "^/.*/busybox$" -- sh -c \
	'cd "$(dirname "$2")" && exec "$1" run -- ./busybox readlink /proc/self/exe' \
	sh "$MOAT" "$BUSYBOX"
expect "SIGSEGV is 128+11" 139 "" -- "$MOAT" run -- "$BIN/cli-segv"
# int $0x80: a SIGSEGV where the host has no IA32 emulation (as natively),
# otherwise ENOSYS, never the 64-bit call of that number.
if "$BIN/cli-int80" >/dev/null 2>&1; then
	expect "int 0x80 is ENOSYS" 0 "^-38$" -- "$MOAT" run -- "$BIN/cli-int80"
else
	expect "int 0x80 faults as on the host" 139 "" -- \
		"$MOAT" run -- "$BIN/cli-int80"
fi
expect "strace decodes write" 0 'write(1, "hello\\n", 6) = 6' -- \
	"$MOAT" run --strace -- $BUSYBOX echo hello
expect "strace shows ENOSYS" 0 'rseq(.*= -1 ENOSYS' -- \
	"$MOAT" run --strace -- $BUSYBOX true

# /dev/stdin, /dev/stderr: the donated stdio through /proc/self/fd.
echo through-stdin >"$tmp/in2"
"$MOAT" run -- $BUSYBOX cat /dev/stdin <"$tmp/in2" >"$tmp/out" 2>&1
if [ "$(cat "$tmp/out")" = through-stdin ]; then
	ok "cat /dev/stdin"
else
	bad "cat /dev/stdin"
	sed 's/^/    /' "$tmp/out"
fi
expect "echo > /dev/stderr" 0 "^to-stderr$" -- \
	"$MOAT" run -- $BUSYBOX sh -c 'echo to-stderr >/dev/stderr'
# A closed stdio fd is closed inside, never one of moat's own files (the
# gofer's socket took fd 0 once).
expect "closed stdin stays closed" 0 "^closed EBADF$" -- sh -c '
	exec "$0" run -- "$1" sh -c "
		test -e /proc/self/fd/0 && r=open || r=closed
		echo x 2>/dev/null >&0 && w=written || w=EBADF
		echo \$r \$w" <&-' "$MOAT" "$BUSYBOX"
expect "closed stdout stays closed" 0 "^closed$" -- sh -c '
	exec "$0" run -- "$1" sh -c "
		test -e /proc/self/fd/1 && echo open >&2 || echo closed >&2
	" >&-' "$MOAT" "$BUSYBOX"

# --cwd, --env, --user, and their mistakes.
expect "--cwd" 0 "^/tmp$" -- "$MOAT" run --cwd /tmp -- $BUSYBOX pwd
expect "--cwd missing" 125 "--cwd /nope: No such file" -- \
	"$MOAT" run --cwd /nope -- $BUSYBOX true
expect "--cwd relative" 125 "absolute path" -- \
	"$MOAT" run --cwd tmp -- $BUSYBOX true
expect "--env sets" 0 "^MOAT_X=1$" -- "$MOAT" run --env MOAT_X=1 -- $BUSYBOX env
MOAT_Y=2 "$MOAT" run --env MOAT_Y -- $BUSYBOX env >"$tmp/env" 2>&1
if grep -q MOAT_Y "$tmp/env"; then
	bad "--env NAME removes it"
else
	ok "--env NAME removes it"
fi
expect "--user" 0 "^uid=1000(.*) gid=100" -- \
	"$MOAT" run --user 1000:100 -- $BUSYBOX id
expect "--user has no root powers" 1 "Permission denied" -- \
	"$MOAT" run --user 1000 -- $BUSYBOX touch /x
expect "--user mistake" 125 "UID:GID" -- "$MOAT" run --user x -- $BUSYBOX true

# --rootfs, --rw and --bind: other host directories as the sandbox's.
rfs=$(mktemp -d /var/tmp/moat-cli-rfs-XXXXXX)
mkdir -p "$rfs/bin" "$rfs/etc" "$rfs/data"
cp $BUSYBOX "$rfs/bin/busybox"
echo "rootfs os" >"$rfs/etc/os-release"
echo "bound" >"$rfs/data/f"
expect "--rootfs" 0 "^rootfs os$" -- \
	"$MOAT" run --rootfs "$rfs" -- /bin/busybox cat /etc/os-release
expect "--rootfs PATH lookup inside" 0 "^rootfs os$" -- \
	env PATH=/bin "$MOAT" run --rootfs "$rfs" -- busybox cat /etc/os-release
"$MOAT" run --rootfs "$rfs" -- /bin/busybox sh -c 'echo x >/etc/new' </dev/null
if [ ! -e "$rfs/etc/new" ]; then
	ok "--rootfs keeps writes in the sandbox"
else
	bad "--rootfs wrote to the host directory"
fi
"$MOAT" run --rootfs "$rfs" --rw -- /bin/busybox sh -c 'echo x >/etc/new' </dev/null
if [ -e "$rfs/etc/new" ]; then
	ok "--rootfs --rw writes through"
else
	bad "--rootfs --rw did not write through"
fi
expect "--bind" 0 "^bound$" -- \
	"$MOAT" run --bind "$rfs/data:/mnt/d" -- /bin/busybox cat /mnt/d/f
expect "--bind :ro" 1 "Read-only file system" -- "$MOAT" run \
	--bind "$rfs/data:/mnt/d:ro" -- $BUSYBOX sh -c 'echo y >/mnt/d/g'
# Looked up ahead, then changed: a bound directory listed and stat'ed
# entry by entry (goferfs looks the rest up ahead), then changed.
for where in native moat; do
	rm -rf "$rfs/many"
	mkdir "$rfs/many"
	for i in $(seq 1 20); do echo "$i" >"$rfs/many/f$i"; done
	if [ $where = native ]; then
		expect "lookahead, native" 0 "^ok$" -- "$BIN/cli-lookahead" \
			"$rfs/many"
	else
		expect "--bind: looked up ahead, then changed" 0 "^ok$" -- \
			"$MOAT" run --bind "$rfs/many:/mnt/m" -- \
			"$BIN/cli-lookahead" /mnt/m
	fi
done
# Host files' extended attributes: natively, bound in (writes reach the
# host), and through the default root (writes stay in the sandbox).
for where in native bind root; do
	rm -rf "$rfs/x"
	mkdir "$rfs/x"
	"$BIN/cli-xattr" prep "$rfs/x"
	rc=$?
	if [ $rc = 77 ]; then
		echo "skip: xattrs ($rfs keeps no user xattrs)"
		break
	fi
	case $where in
	native) expect "xattrs, native" 0 "^ok$" -- "$BIN/cli-xattr" check \
		"$rfs/x" ;;
	bind) expect "xattrs of a bound host directory" 0 "^ok$" -- \
		"$MOAT" run --bind "$rfs/x:/mnt/x" -- "$BIN/cli-xattr" check \
		/mnt/x ;;
	root)
		expect "xattrs through the overlay" 0 "^ok$" -- \
			"$MOAT" run -- "$BIN/cli-xattr" check "$rfs/x"
		expect "xattrs: the host's files unchanged" 0 "^ok$" -- \
			"$BIN/cli-xattr" unchanged "$rfs/x" ;;
	esac
done
expect "--rw without --rootfs" 125 "--rw needs --rootfs" -- \
	"$MOAT" run --rw -- $BUSYBOX true
expect "--rootfs missing" 125 "No such file" -- \
	"$MOAT" run --rootfs /nonexistent -- $BUSYBOX true
expect "--bind mistake" 125 "SRC:DST" -- "$MOAT" run --bind /tmp -- $BUSYBOX true
rm -rf "$rfs"

# Static programs as glibc and musl build them, PIE or not: arguments,
# environment, heap and exit status all arrive.
for v in hello hello-pie hello-musl; do
	if [ ! -x "$BIN/cli-$v" ]; then
		bad "cli-$v was not built (musl-gcc missing? run tools/deps.sh)"
		continue
	fi
	expect "$v" 5 "^hello 5 a b env=yes sum=7168$" -- \
		env MOAT_HELLO=yes "$MOAT" run -- "$BIN/cli-$v" 5 a b
done

# On a terminal: TIOCGWINSZ and TCGETS reach the host tty (script(1)
# gives us a pseudo-terminal).
if command -v script >/dev/null 2>&1; then
	out=$(script -qec "stty cols 91 rows 33; $MOAT run -- $BUSYBOX stty size; \
		$MOAT run -- $BUSYBOX stty -g" /dev/null </dev/null 2>&1 | tr -d '\r')
	if echo "$out" | grep -q '^33 91$' &&
		echo "$out" | grep -Eq '^[0-9a-f]+(:[0-9a-f]+){10,}$'; then
		ok "tty: stty size and stty -g"
	else
		bad "tty: stty size and stty -g"
		echo "$out" | sed 's/^/    /'
	fi
fi

printf 'data\n' >"$tmp/in"
"$MOAT" run -- $BUSYBOX cat <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
if [ "$?" -eq 0 ] && [ "$(cat "$tmp/out")" = data ]; then
	ok "stdin passes through"
else
	bad "stdin passes through"
	cat "$tmp/err"
fi

# Mistakes get a clear message and a distinct status.
expect "no program" 125 "no program given" -- "$MOAT" run
expect "unknown command" 2 "unknown command 'frobnicate'" -- "$MOAT" frobnicate
expect "unknown flag" 125 "moat run --help" -- "$MOAT" run --frob -- /bin/true
expect "unknown platform" 125 "unknown platform 'nope'" -- \
	"$MOAT" run --platform=nope -- $BUSYBOX true
expect "not found" 127 "not found" -- "$MOAT" run -- no-such-program-here
printf 'plain text, long enough to hold a whole ELF header, but not one at all\n' >"$tmp/text"
chmod +x "$tmp/text"
expect "not ELF" 126 "not an ELF file" -- "$MOAT" run -- "$tmp/text"
# A load that fails while the filesystem still boots beside it: the task
# must not be torn down under the boot (it once crashed 1 run in 20).
crashes=0
for i in $(seq 1 40); do
	"$MOAT" run -- "$tmp/text" >/dev/null 2>&1
	[ $? = 126 ] || crashes=$((crashes + 1))
done
if [ $crashes = 0 ]; then
	ok "not ELF, 40 times: always 126"
else
	bad "not ELF, 40 times: $crashes runs did not end with 126"
fi
# #! scripts run their interpreter, with its argument, on the script.
mkdir -p /var/tmp/moat-cli-$$
printf '#!%s  sh \necho "script: $0 $1"\n' "$BUSYBOX" >/var/tmp/moat-cli-$$/s
chmod +x /var/tmp/moat-cli-$$/s
expect "#! script" 0 "^script: /var/tmp/moat-cli-$$/s arg$" -- \
	"$MOAT" run -- /var/tmp/moat-cli-$$/s arg
printf '#!/nonexistent/interp\n' >/var/tmp/moat-cli-$$/bad
chmod +x /var/tmp/moat-cli-$$/bad
expect "#! missing interpreter" 127 "#! interpreter" -- \
	"$MOAT" run -- /var/tmp/moat-cli-$$/bad
rm -rf /var/tmp/moat-cli-$$
chmod -x "$tmp/text"
expect "not executable" 126 "Permission denied" -- "$MOAT" run -- "$tmp/text"
# Dynamically linked programs from the host's root, read-only underneath:
# the sandbox sees the host's files and keeps its writes.
if [ -x /bin/true ] && file -L /bin/true | grep -q dynamic; then
	expect "dynamic /bin/true" 0 "" -- "$MOAT" run -- /bin/true
	expect "dynamic false" 1 "" -- "$MOAT" run -- /bin/false
	"$MOAT" run -- /bin/cat /etc/os-release >"$tmp/os" 2>"$tmp/err"
	if cmp -s "$tmp/os" /etc/os-release; then
		ok "cat /etc/os-release as on the host"
	else
		bad "cat /etc/os-release as on the host"
		sed 's/^/    /' "$tmp/err"
	fi
	# Writes stay in the sandbox: the host's /etc/passwd is untouched.
	before=$(sha256sum /etc/passwd)
	expect "write /etc/passwd inside" 0 "^inside: x$" -- "$MOAT" run -- \
		$BUSYBOX sh -c 'echo x > /etc/passwd; read l < /etc/passwd; echo "inside: $l"'
	if [ "$(sha256sum /etc/passwd)" = "$before" ]; then
		ok "the host's /etc/passwd is unchanged"
	else
		bad "the host's /etc/passwd changed"
	fi
	# Large files read through donated fds: the same digest.
	big=$(mktemp /var/tmp/moat-cli-XXXXXX)
	head -c 20000000 /dev/urandom >"$big"
	want=$(sha256sum <"$big" | cut -d' ' -f1)
	expect "sha256sum of 20 MB" 0 "^$want " -- "$MOAT" run -- /usr/bin/sha256sum "$big"
	rm -f "$big"
	expect "grep -r" 0 "bookworm\|ID=" -- "$MOAT" run -- /usr/bin/grep -r "^ID=" /etc/os-release
	n_host=$(find /etc -xdev -name '*.conf' 2>/dev/null | wc -l)
	"$MOAT" run -- /usr/bin/find /etc -xdev -name '*.conf' >"$tmp/find" 2>/dev/null
	if [ "$(wc -l <"$tmp/find")" -eq "$n_host" ]; then
		ok "find -xdev finds what the host finds ($n_host)"
	else
		bad "find -xdev: $(wc -l <"$tmp/find") files, host $n_host"
	fi
	# A big directory listed long: the entries are looked up ahead in a
	# few LOOKUP messages (with symlink targets), and must show as on the
	# host.
	ls -ln --time-style=full-iso /usr/bin >"$tmp/ls-host" 2>/dev/null
	"$MOAT" run -- /bin/ls -ln --time-style=full-iso /usr/bin \
		>"$tmp/ls-moat" 2>"$tmp/err"
	if cmp -s "$tmp/ls-host" "$tmp/ls-moat"; then
		ok "ls -ln /usr/bin as on the host ($(wc -l <"$tmp/ls-host") lines)"
	else
		bad "ls -ln /usr/bin differs from the host's"
		diff "$tmp/ls-host" "$tmp/ls-moat" | head -5 | sed 's/^/    /'
		sed 's/^/    /' "$tmp/err"
	fi
	# Many directories: a long run of the sentry's allocations and frees.
	n_host=$(find /usr/share -xdev 2>/dev/null | wc -l)
	"$MOAT" run -- /usr/bin/find /usr/share -xdev >"$tmp/find" 2>"$tmp/err"
	if [ "$(wc -l <"$tmp/find")" -eq "$n_host" ]; then
		ok "find /usr/share finds what the host finds ($n_host)"
	else
		bad "find /usr/share: $(wc -l <"$tmp/find") entries, host $n_host"
		head -3 "$tmp/err" | sed 's/^/    /'
	fi
	if [ -x /usr/bin/sqlite3 ]; then
		expect "sqlite3 in /tmp" 0 "^42$" -- "$MOAT" run -- /usr/bin/sqlite3 \
			/tmp/t.db "create table t(a); insert into t values(42); select * from t;"
	fi
	if [ -x /usr/bin/python3 ]; then
		expect "python3 -c" 0 "'etc'" -- "$MOAT" run -- /usr/bin/python3 \
			-c 'import json,os; print(sorted(os.listdir("/")))'
	fi
	# tar c | tar x into /tmp: the copy lists as the original does.
	if [ -x /bin/tar ] && [ -d /usr/share/doc/bash ]; then
		(cd /usr/share/doc && tar cf - bash | tar tvf - | sort) >"$tmp/tar-host"
		"$MOAT" run -- /bin/sh -c 'mkdir /tmp/x && cd /usr/share/doc &&
			tar cf - bash | (cd /tmp/x && tar xpf -) &&
			cd /tmp/x && tar cf - bash | tar tvf - | sort' \
			>"$tmp/tar-moat" 2>"$tmp/err"
		if [ -s "$tmp/tar-host" ] && cmp -s "$tmp/tar-host" "$tmp/tar-moat"; then
			ok "tar c | tar x into /tmp: $(wc -l <"$tmp/tar-host") entries as on the host"
		else
			bad "tar c | tar x into /tmp"
			diff "$tmp/tar-host" "$tmp/tar-moat" | head -5 | sed 's/^/    /'
			head -3 "$tmp/err" | sed 's/^/    /'
		fi
	fi
	expect "ls -la /" 0 " etc$" -- "$MOAT" run -- /bin/ls -la /
	expect "/proc/self/status" 0 "^Name:" -- "$MOAT" run -- /bin/cat /proc/self/status
	expect "/proc/self/mountinfo" 0 " / /proc .* - proc proc" -- \
		"$MOAT" run -- /bin/cat /proc/self/mountinfo
fi
# Host names are the sandbox's own: --hostname, sethostname, setdomainname.
expect "--hostname, sethostname" 0 "^inside renamed example.org renamed$" -- \
	"$MOAT" run --hostname=inside -- "$BIN/cli-uts" renamed example.org
expect "default host name" 0 "^moat renamed example.org renamed$" -- \
	"$MOAT" run -- "$BIN/cli-uts" renamed example.org
expect "--hostname mistake" 125 "1 to 64 bytes" -- \
	"$MOAT" run --hostname= -- $BUSYBOX true
# --pids: the sandbox's tasks, as a pids cgroup's pids.max.
expect "--pids: fork fails at the limit" 2 "fork: Resource temporarily unavailable" -- \
	"$MOAT" run --pids 3 -- $BUSYBOX sh -c 'sleep 1 & sleep 1 & sleep 1 & wait'
expect "--pids: within the limit" 0 "" -- \
	"$MOAT" run --pids 4 -- $BUSYBOX sh -c 'sleep 1 & sleep 1 & sleep 1 & wait'
expect "--pids mistake" 125 "pids needs a number" -- \
	"$MOAT" run --pids 0 -- $BUSYBOX true
# net.ipv4.ip_forward: the sandbox's own, 0 at first; root sets it, others
# may not open it for writing.
expect "ip_forward: root sets it" 0 "^0 1$" -- "$MOAT" run -- $BUSYBOX sh -c \
	'a=$(cat /proc/sys/net/ipv4/ip_forward); echo 1 >/proc/sys/net/ipv4/ip_forward; echo $a $(cat /proc/sys/net/ipv4/ip_forward)'
expect "ip_forward: not for a user" 1 "Permission denied" -- \
	"$MOAT" run --user 1000 -- $BUSYBOX sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward'
expect "run --help" 0 "--strace" -- "$MOAT" run --help
expect "--help" 0 "Commands:" -- "$MOAT" --help
expect "syscalls list" 0 "exit_group *full" -- "$MOAT" syscalls
expect "print-seccomp" 0 "ptrace" -- "$MOAT" run --print-seccomp
expect "print-seccomp=stub" 0 \
	"^  allows: mmap munmap mprotect getpid kill pause exit exit_group$" -- \
	"$MOAT" run --print-seccomp=stub
expect "print-seccomp=stub: systrap's application filter" 0 \
	"^  with arguments checked: arch_prctl futex$" -- \
	"$MOAT" run --print-seccomp=stub
expect "print-seccomp=sentry" 0 "^sentry seccomp" -- \
	"$MOAT" run --print-seccomp=sentry
expect "print-seccomp=gofer" 0 "^  renameat2 *RENAME" -- \
	"$MOAT" run --print-seccomp=gofer
expect "print-seccomp mistake" 125 "not sentry, gofer or stub" -- \
	"$MOAT" run --print-seccomp=factory
expect "--stats" 0 "peak RSS [0-9]* KiB" -- "$MOAT" run --stats -- $BUSYBOX true

# Killing moat leaves nothing behind: sentry, factory and stubs all go.
descendants() {
	for c in $(pgrep -P "$1"); do
		echo "$c"
		descendants "$c"
	done
}
"$MOAT" run -- $BUSYBOX sleep 5 &
pid=$!
sleep 0.5
tree=$(descendants "$pid")
kill -9 "$pid"
wait "$pid" 2>/dev/null
sleep 0.5
left=""
for p in $tree; do
	# Alive and not a zombie waiting for a reaper.
	state=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ] && left="$left $p"
done
if [ "$(echo "$tree" | wc -w)" -ge 3 ] && [ -z "$left" ]; then
	ok "kill -9 of moat leaves none of its $(echo "$tree" | wc -w) processes"
else
	bad "kill -9 of moat: processes [$tree], left [$left]"
fi

# The sentry is pid 1 of its own pid namespace, which ignores signals it
# has no handler for: moat run's own process stands for it. SIGTERM ends
# the sandbox and moat with it; SIGTSTP stops the sandbox, SIGCONT goes
# on (a sleep cut by the stop resumes with restart_syscall).
"$MOAT" run -- $BUSYBOX sleep 30 &
pid=$!
sleep 0.5
kill -TERM "$pid"
wait "$pid"
rc=$?
[ $rc = 143 ] && ok "SIGTERM to moat run ends it by SIGTERM" ||
	bad "SIGTERM to moat run: exit $rc, want 143"
"$MOAT" run -- $BUSYBOX sh -c 'sleep 1; echo resumed' >"$tmp/out" 2>&1 &
pid=$!
sleep 0.5
kill -TSTP "$pid"
sleep 0.3
state=$(awk '{print $3}' "/proc/$pid/stat")
sleep 1
kill -CONT "$pid"
wait "$pid"
rc=$?
if [ "$state" = T ] && [ $rc = 0 ] && [ "$(cat "$tmp/out")" = resumed ]; then
	ok "SIGTSTP stops moat run, SIGCONT resumes it"
else
	bad "SIGTSTP/SIGCONT: state $state, exit $rc, output:"
	sed 's/^/    /' "$tmp/out"
fi

# No stub outlives its factory: an orphaned one (reparented to init) after
# all the runs above is a leak. Other tests' stubs always have a factory.
orphans() {
	ps -eo pid=,ppid=,stat=,comm= |
		awk '$2 == 1 && $3 !~ /^Z/ && $4 ~ /^moat-(stub|factory)$/'
}
for _ in 1 2 3 4 5; do
	[ -z "$(orphans)" ] && break
	sleep 0.5
done
if [ -z "$(orphans)" ]; then
	ok "no orphaned stubs or factories"
else
	bad "orphaned stubs or factories (pid ppid stat comm):"
	orphans | sed 's/^/    /'
fi

# A read of the host's stdin (a FIFO nobody writes) blocks, and a signal
# interrupts it: the handler runs in the middle of the read.
if command -v python3 >/dev/null; then
	mkfifo "$tmp/stdin"
	sleep 60 >"$tmp/stdin" &
	holder=$!
	cat >"$tmp/alarm.py" <<'PY'
import os, signal
class Alarm(Exception):
    pass
def handler(sig, frame):
    raise Alarm()
signal.signal(signal.SIGALRM, handler)
signal.alarm(1)
try:
    os.read(0, 1)
    print("read returned")
except Alarm:
    print("handler ran")
PY
	expect "a blocked read of stdin is interrupted by a signal" 0 \
		"^handler ran$" -- sh -c 'exec timeout 50 "$0" run --bind="$1:$1:ro" \
		-- python3 "$1/alarm.py" <"$1/stdin"' "$MOAT" "$tmp"
	kill $holder 2>/dev/null
fi

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
