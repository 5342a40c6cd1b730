#!/bin/sh
# The sentry's own confinement, seen from the host while a sandbox runs:
# no capabilities, no_new_privs, its seccomp filter, namespaces of its
# own, an empty read-only root, its host rlimits, nobody's ids when moat
# runs as root; and the same for the stub factory and the stubs it
# starts (they inherit it). Once with --network=none and once with
# --network=host (the host's network and, as root, user namespace).
# The sentry is pid 1 of a pid namespace of its own, where no host
# process can be seen or signalled; moat run's own process stays outside
# as its monitor, holding none of the sandbox's fds.
# Usage: sentry.sh MOAT PLATFORM
set -u
. "$(dirname "$0")/../cli/lib.sh"
MOAT=$1
PLATFORM=$2
tmp=$(mktemp -d /var/tmp/moat-sentry-XXXXXX)
pid=""
monitor=""
cleanup() {
	[ -n "$monitor" ] && kill "$monitor" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
root=false
[ "$(id -u)" = 0 ] && root=true
zero=0000000000000000

# field NAME PID: a field of /proc/PID/status.
field() { awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' \
	"/proc/$2/status" 2>/dev/null; }
ns() { readlink "/proc/$1/ns/$2" 2>/dev/null; }

# start NETWORK: a sandbox that sleeps; $monitor is moat run, $pid its
# sentry (moat run's child but the gofer), returned once the sentry's
# filter is on and init runs.
start() {
	"$MOAT" run --platform="$PLATFORM" --network="$1" -- /bin/sleep 60 \
		>"$tmp/out" 2>&1 </dev/null &
	monitor=$!
	for _ in $(seq 200); do
		pid=$(for kid in $(cat /proc/"$monitor"/task/*/children \
			2>/dev/null); do
			[ "$(cat /proc/"$kid"/comm 2>/dev/null)" = moat ] &&
				echo "$kid"
		done)
		[ -n "$pid" ] && [ "$(field Seccomp "$pid")" = 2 ] &&
			[ -n "$(helpers)" ] && sleep 0.2 && return 0
		sleep 0.05
	done
	bad "$1: the sandbox did not start"
	sed 's/^/    /' "$tmp/out"
	return 1
}
stop() {
	kill "$monitor" 2>/dev/null
	wait "$monitor" 2>/dev/null
	monitor=""
	pid=""
}

# The sentry's descendants but the gofer: the stub factory, the stubs.
helpers() {
	todo=$(cat /proc/"$pid"/task/*/children 2>/dev/null)
	while [ -n "$todo" ]; do
		set -- $todo
		todo=""
		for kid; do
			[ "$(cat /proc/"$kid"/comm 2>/dev/null)" = moat-gofer ] &&
				continue
			echo "$kid"
			todo="$todo $(cat /proc/"$kid"/task/*/children 2>/dev/null)"
		done
	done
}

# confined WHAT PID CAPEFF: no capabilities but CAPEFF, no_new_privs, the
# seccomp filter on, an empty read-only root.
confined() {
	what=$1 p=$2 eff=$3 before=$fails
	for cap in CapInh CapPrm CapEff CapBnd CapAmb; do
		want=$zero
		[ "$cap" = CapEff ] || [ "$cap" = CapPrm ] && want=$eff
		got=$(field "$cap" "$p")
		[ "$got" = "$want" ] || bad "$what: $cap $got, want $want"
	done
	[ "$(field NoNewPrivs "$p")" = 1 ] || bad "$what: no_new_privs unset"
	[ "$(field Seccomp "$p")" = 2 ] || bad "$what: no seccomp filter"
	if $root; then
		if [ -n "$(ls -A "/proc/$p/root/" 2>&1)" ]; then
			bad "$what: its root is not empty:"
			ls -A "/proc/$p/root/" 2>&1 | head -3 | sed 's/^/    /'
		fi
		if touch "/proc/$p/root/x" 2>/dev/null; then
			bad "$what: its root is writable"
			rm -f "/proc/$p/root/x"
		fi
	fi
	[ "$fails" = "$before" ] &&
		ok "$what: capabilities $eff, no_new_privs, seccomp, empty read-only root"
}

# namespaces WHAT PID SAME...: each namespace the host's if in SAME,
# else its own.
namespaces() {
	what=$1 p=$2 before=$fails
	shift 2
	if ! $root; then
		skip "$what: namespaces (only root may read a sentry's)"
		return
	fi
	for n in mnt ipc uts net user pid; do
		case " $* " in
		*" $n "*) [ "$(ns "$p" $n)" = "$(ns self $n)" ] ||
			bad "$what: not in the host's $n namespace" ;;
		*) [ -n "$(ns "$p" $n)" ] &&
			[ "$(ns "$p" $n)" != "$(ns self $n)" ] ||
			bad "$what: in the host's $n namespace" ;;
		esac
	done
	[ "$fails" = "$before" ] &&
		ok "$what: its own namespaces but ${*:-none}"
}

# pidns: the sentry is pid 1 of its own pid namespace, where a host
# process is no such process (ESRCH) even to root; the monitor outside
# keeps moat run's host pid and only stderr.
pidns() {
	before=$fails
	nspid=$(field NSpid "$pid")
	[ "${nspid#* }" = 1 ] && [ "${nspid%% *}" = "$pid" ] ||
		bad "sentry: NSpid '$nspid', want '$pid 1'"
	[ "$(ns "$monitor" pid)" = "$(ns self pid)" ] ||
		bad "monitor: not in the host's pid namespace"
	fds=$(ls /proc/"$monitor"/fd 2>/dev/null | tr '\n' ' ')
	[ "$fds" = "2 " ] || bad "monitor: holds fds [$fds], want [2 ]"
	[ "$fails" = "$before" ] &&
		ok "sentry: pid 1 of its own pid namespace; the monitor holds only stderr"
	if ! $root || ! command -v nsenter >/dev/null; then
		skip "signals from the sentry's pid namespace (needs root, nsenter)"
		return
	fi
	sleep 60 &
	host=$!
	got=$(nsenter --target "$pid" --pid -- /bin/sh -c \
		"kill -0 1 && echo init; kill -0 $host 2>&1; echo rc=\$?")
	kill "$host"
	case $got in
	init*"No such process"*rc=1*)
		ok "kill(host pid, 0) from the sentry's pid namespace: ESRCH" ;;
	*) bad "from the sentry's pid namespace: got [$got]" ;;
	esac
}

# gofer: moat run's other child, with namespaces of its own but the user
# namespace (as root: it acts on the host's files with root's ids), pid 1
# of its own pid namespace.
gofer() {
	g=$(for kid in $(cat /proc/"$monitor"/task/*/children 2>/dev/null); do
		[ "$(cat /proc/"$kid"/comm 2>/dev/null)" = moat-gofer ] &&
			echo "$kid"
	done)
	if [ -z "$g" ]; then
		bad "gofer: not found"
		return
	fi
	nspid=$(field NSpid "$g")
	[ "${nspid#* }" = 1 ] && ok "gofer: pid 1 of its own pid namespace" ||
		bad "gofer: NSpid '$nspid', want '$g 1'"
	if $root; then
		namespaces "gofer" "$g" user
	else
		namespaces "gofer" "$g"
	fi
}

# --network=none: everything of its own; root becomes nobody.
if start none; then
	gofer
	confined "sentry" "$pid" $zero
	namespaces "sentry" "$pid"
	if $root; then
		uid=$(field Uid "$pid")
		gid=$(field Gid "$pid")
		[ "$uid" = "65534 65534 65534 65534" ] &&
			[ "$gid" = "65534 65534 65534 65534" ] &&
			[ -z "$(field Groups "$pid")" ] &&
			ok "sentry: nobody, no groups" ||
			bad "sentry: uid $uid, gid $gid, groups $(field Groups "$pid")"
		# Not dumpable: its /proc files are root's, not nobody's.
		[ "$(stat -c %u "/proc/$pid/status")" = 0 ] &&
			ok "sentry: not dumpable" || bad "sentry: dumpable"
	fi
	lim=/proc/$pid/limits
	grep -Eq '^Max core file size +0 +0 ' "$lim" &&
		ok "sentry: RLIMIT_CORE 0" || bad "sentry: RLIMIT_CORE not 0"
	awk '/^Max open files/ { exit !($4 == $5) }' "$lim" &&
		ok "sentry: RLIMIT_NOFILE at its hard limit" ||
		bad "sentry: RLIMIT_NOFILE $(grep 'open files' "$lim")"
	n=0
	for h in $(helpers); do
		n=$((n + 1))
		confined "helper $h ($(cat /proc/"$h"/comm))" "$h" $zero
		if $root; then
			for k in mnt ipc uts net user pid; do
				[ "$(ns "$h" $k)" = "$(ns "$pid" $k)" ] ||
					bad "helper $h: not in the sentry's $k namespace"
			done
		fi
	done
	[ "$n" -ge 2 ] && ok "$n helpers checked" ||
		bad "only $n helpers (factory, stubs) found"
	pidns
	stop
fi

# --network=host: the host's network; as root also the host's user
# namespace (the host network's), keeping CAP_NET_BIND_SERVICE only.
if start host; then
	if $root; then
		confined "sentry, --network=host" "$pid" 0000000000000400
		namespaces "sentry, --network=host" "$pid" net user
	else
		confined "sentry, --network=host" "$pid" $zero
		namespaces "sentry, --network=host" "$pid" net
	fi
	for h in $(helpers); do
		confined "helper $h, --network=host" "$h" $zero
	done
	pidns
	stop
fi
echo "$passes passed, $fails failed, $skips skipped"
[ "$fails" -eq 0 ]
