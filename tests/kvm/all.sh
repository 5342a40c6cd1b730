#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Every guest test (tests/guest/*.c) under --platform=kvm in the QEMU guest
# of run.sh: the opt-in complement of kvm.guest's subset (about two
# minutes of emulation here). Usage: tests/kvm/all.sh [BUILD]
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
set -- --file "$build/moat"
for c in "$src"/tests/guest/*.c; do
	n=$(basename "$c" .c)
	[ -x "$build/guest/$n" ] || continue
	set -- "$@" --file "$build/guest/$n" --cmd "$n" \
		"timeout 120 /t/moat run --platform=kvm --bind=/t:/t:ro -- /t/$n"
done
MOAT_KVM_TIMEOUT=${MOAT_KVM_TIMEOUT:-1200} exec "$src/tests/kvm/run.sh" "$@"
