#!/bin/sh
# Installs the build into a scratch prefix, checks what landed there, then
# builds examples/c-host against that installed copy twice, once with
# pkg-config and once with find_package(LsnTracker), and runs both.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR WORK_DIR LIBDIR CC
set -eu
build=$1 src=$2 work=$3 libdir=$4 cc=$5
prefix=$work/prefix
rm -rf "$work"
mkdir -p "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$work/install.log"

# The library with its SONAME chain, and everything beside it.
lib=$prefix/$libdir
[ "$(readlink "$lib/liblsn_tracker.so")" = liblsn_tracker.so.0 ] ||
    fail "liblsn_tracker.so does not link to liblsn_tracker.so.0"
real=$(readlink "$lib/liblsn_tracker.so.0")
case $real in liblsn_tracker.so.0.*.*) ;; *) fail "so.0 -> '$real'" ;; esac
[ -f "$lib/$real" ] || fail "$lib/$real missing"
readelf -d "$lib/$real" | grep -q 'SONAME.*\[liblsn_tracker.so.0\]' ||
    fail "SONAME is not liblsn_tracker.so.0"
for f in include/lsn_tracker.h "$libdir/pkgconfig/lsn_tracker.pc" \
         "$libdir/cmake/LsnTracker/LsnTrackerConfig.cmake" \
         "$libdir/cmake/LsnTracker/LsnTrackerConfigVersion.cmake" \
         bin/lsn-inspect bin/lsn-demo; do
    [ -f "$prefix/$f" ] || fail "$f not installed"
done
for f in bin/lsn-inspect bin/lsn-demo; do
    [ -x "$prefix/$f" ] || fail "$f is not executable"
done

# Every binary below must load the installed library, not the build's.
uses_installed() {
    got=$(ldd "$1" | sed -n 's/^.*liblsn_tracker.so.0 => \([^ ]*\) .*$/\1/p')
    if [ -z "$got" ] || [ "$(readlink -f "$got")" != "$(readlink -f "$lib/$real")" ]; then
        fail "$1 does not load $lib/liblsn_tracker.so.0: $(ldd "$1")"
    fi
}

# pkg-config, the way a Makefile would.
export PKG_CONFIG_PATH="$lib/pkgconfig"
flags=$(pkg-config --cflags --libs lsn_tracker rocksdb)
pc_libdir=$(pkg-config --variable=libdir lsn_tracker)
# shellcheck disable=SC2086
"$cc" -std=c11 -Wall -Wextra -Werror -o "$work/c-host-pkgconfig" \
    "$src/examples/c-host/host.c" $flags -Wl,-rpath,"$pc_libdir"
uses_installed "$work/c-host-pkgconfig"
"$work/c-host-pkgconfig" "$work/db-pkgconfig"

# find_package, from a CMake project outside the tree.
unset PKG_CONFIG_PATH
cmake -S "$src/examples/c-host" -B "$work/c-host-cmake" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_C_FLAGS="-Wall -Wextra -Werror" >"$work/cmake.log"
cmake --build "$work/c-host-cmake" >>"$work/cmake.log"
uses_installed "$work/c-host-cmake/c-host"
"$work/c-host-cmake/c-host" "$work/db-cmake"

# The installed lsn-inspect sees what the host made durable.
uses_installed "$prefix/bin/lsn-inspect"
"$prefix/bin/lsn-inspect" "$work/db-cmake" --json >"$work/inspect.json"
n=$(grep -c '"durable_lsn": 100}' "$work/inspect.json") || true
[ "$n" = 3 ] || fail "lsn-inspect: $(cat "$work/inspect.json")"
echo "install: ok"
