#!/bin/sh
# The OCI runtime-tools validation suite (opencontainers/runtime-tools,
# validation/*/*.t) against runc and moat, file by file, as root.
# Usage: RUNTIME_TOOLS_DIR=DIR validation.sh MOAT [FILE...]
#   DIR: a runtime-tools tree with runtimetest and the validation .t files
#   built ("make runtimetest validation-executables").
#   RUNC: the runc to compare with (default /usr/sbin/runc; "none" skips it).
#   VALIDATION_TIMEOUT: seconds per file and runtime (default 120).
# A file passes when it exits 0 and its TAP output has a plan and no
# "not ok" line (skips count as passes, as a TAP harness counts them).
# Prints one line per file, then the counts; exits 1 if moat passes fewer
# files than runc.
set -u
MOAT=${1:?usage: validation.sh MOAT [FILE...]}
shift
RUNC=${RUNC:-/usr/sbin/runc}
timeout_s=${VALIDATION_TIMEOUT:-120}

if [ -z "${RUNTIME_TOOLS_DIR:-}" ]; then
	echo "SKIP: set RUNTIME_TOOLS_DIR to a built opencontainers/runtime-tools tree (the suite is not packaged)"
	exit 77
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: the validation suite runs as root"
	exit 77
fi
if [ ! -x "$RUNTIME_TOOLS_DIR/runtimetest" ]; then
	echo "SKIP: no runtimetest in $RUNTIME_TOOLS_DIR (make runtimetest validation-executables)"
	exit 77
fi
case $MOAT in /*) ;; *) MOAT=$(pwd)/$MOAT ;; esac
[ "$RUNC" = none ] || [ -x "$RUNC" ] || RUNC=none

cd "$RUNTIME_TOOLS_DIR" || exit 1
if [ $# -eq 0 ]; then
	set -- validation/*/*.t
fi
logs=$(mktemp -d /var/tmp/validation.XXXXXX)
echo "logs in $logs"

# run RUNTIME FILE LOG: 0 if FILE passes under RUNTIME.
run() {
	RUNTIME=$1 timeout -k 5 "$timeout_s" "./$2" >"$3" 2>&1
	rc=$?
	[ $rc -eq 0 ] && grep -q '^1\.\.[0-9]' "$3" && ! grep -q '^not ok' "$3"
}

total=0 runc_pass=0 moat_pass=0
printf '%-45s %-5s %-5s\n' file runc moat
for f in "$@"; do
	case $f in validation/*/*.t) ;; *) f=validation/$f/$f.t ;; esac
	[ -x "$f" ] || { echo "$f: not built" >&2; continue; }
	name=$(basename "$f" .t)
	total=$((total + 1))
	r=-
	if [ "$RUNC" != none ]; then
		if run "$RUNC" "$f" "$logs/$name.runc"; then
			r=ok runc_pass=$((runc_pass + 1))
		else
			r=FAIL
		fi
	fi
	if run "$MOAT" "$f" "$logs/$name.moat"; then
		m=ok moat_pass=$((moat_pass + 1))
	else
		m=FAIL
	fi
	printf '%-45s %-5s %-5s\n' "$name" "$r" "$m"
done
echo "files: $total  runc passes: $runc_pass  moat passes: $moat_pass"
[ "$RUNC" = none ] || [ $moat_pass -ge $runc_pass ]
