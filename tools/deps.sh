#!/bin/sh
# Installs what building, testing and running need, from Debian's archive.
# Idempotent: does nothing when every package is already there.
set -eu
PKGS="cmake make gcc g++ pkg-config librocksdb-dev rocksdb-tools
libcriterion-dev clang-14 libclang-rt-14-dev python3 binutils valgrind
gnuplot-nox"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "installing:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
