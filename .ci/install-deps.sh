#!/bin/sh
# Install failpool's Debian build and test dependencies when they are missing.
# Usage: sh .ci/install-deps.sh [--test-tools]   (as root, or with sudo available)
# --test-tools: instead, the optional tools some tests use and otherwise skip
# with a reason (gdb for the debugger recipes, chromium for the HTML report's
# browser test, pytest for the pytest recipe).
set -eu

PKGS="autoconf automake libtool pkg-config make gcc g++ binutils libjemalloc-dev libunwind-dev stress-ng python3 coreutils"
if [ "${1:-}" = "--test-tools" ]; then
	PKGS="gdb chromium python3-pytest"
fi

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "install-deps: all dependencies present"
	exit 0
fi

echo "install-deps: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "install-deps: need root or sudo to install:$missing" >&2
		exit 1
	}
	SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q || true
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
