#!/bin/sh
# Install the Debian packages moat needs to build and test, if missing.
set -eu
PKGS="build-essential clang cmake ninja-build pkg-config libseccomp-dev
libunwind-dev liblzma-dev liburing-dev check busybox-static musl-tools
python3 git iproute2 tmux libjansson-dev libzstd-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "moat: installing Debian packages:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
