#!/bin/sh
# Installs the build into a scratch prefix, then builds and runs the
# static and C++ hosts of examples/ against that installed copy:
#  * examples/static-host through find_package (LsnTracker::lsn_tracker_static)
#    and through pkg-config --static lsn_tracker-static: neither binary may
#    need librocksdb.so or liblsn_tracker.so;
#  * examples/cxx-host through find_package, linked with liblsn_tracker.so
#    (which it must load from the prefix) and, with CXX_HOST_STATIC=ON,
#    statically;
#  * and that find_package(LsnTracker) fails at configure time, with a
#    message, where its RocksDB cannot be found.
# Usage: examples_test.sh BUILD_DIR SOURCE_DIR WORK_DIR LIBDIR
set -eu
build=$1 src=$2 work=$3 libdir=$4
prefix=$work/prefix
rm -rf "$work"
mkdir -p "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$work/install.log"
lib=$prefix/$libdir
for f in "$libdir/liblsn_tracker.a" "$libdir/pkgconfig/lsn_tracker-static.pc" \
         "$libdir/cmake/LsnTracker/FindRocksDB.cmake"; do
    [ -f "$prefix/$f" ] || fail "$f not installed"
done
# The package names no target of the build tree.
if grep -h 'rocksdb_shared\|rocksdb_static\|lsn_core' \
        "$lib"/cmake/LsnTracker/LsnTrackerTargets*.cmake; then
    fail "the CMake package names build-tree targets"
fi

# Without its RocksDB the package fails at configure time, saying why
# (here: a ROCKSDB_ROOT that holds no RocksDB, as on a machine without it).
mkdir -p "$work/no-rocksdb"
if cmake -S "$src/examples/static-host" -B "$work/missing" \
        -DCMAKE_PREFIX_PATH="$prefix" -DROCKSDB_ROOT="$work/no-rocksdb" \
        >"$work/missing.log" 2>&1; then
    fail "find_package(LsnTracker) succeeded without RocksDB"
fi
grep -q 'RocksDB' "$work/missing.log" ||
    { cat "$work/missing.log"; fail "no message about RocksDB"; }
grep -q 'LsnTracker' "$work/missing.log" ||
    { cat "$work/missing.log"; fail "no message about LsnTracker"; }

static_only() { # binary
    if readelf -d "$1" | grep -E 'NEEDED.*(librocksdb|liblsn_tracker)'; then
        fail "$1 needs a shared RocksDB or plugin"
    fi
}

example() { # name binary-name cmake-args...
    name=$1 bin=$2; shift 2
    cmake -S "$src/examples/$name" -B "$work/$bin" \
        -DCMAKE_PREFIX_PATH="$prefix" "$@" >"$work/$bin.log" 2>&1 ||
        { cat "$work/$bin.log"; fail "configure $name"; }
    cmake --build "$work/$bin" >>"$work/$bin.log" 2>&1 ||
        { cat "$work/$bin.log"; fail "build $name"; }
}

example static-host static-cmake -DCMAKE_C_FLAGS="-Wall -Wextra -Werror"
static_only "$work/static-cmake/static-host"
"$work/static-cmake/static-host" "$work/db-static-cmake"

# pkg-config, the way a Makefile would.
export PKG_CONFIG_PATH="$lib/pkgconfig"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -c "$src/examples/static-host/host.c" \
    $(pkg-config --cflags lsn_tracker-static) -o "$work/static-pc.o"
# shellcheck disable=SC2046
c++ "$work/static-pc.o" $(pkg-config --static --libs lsn_tracker-static) \
    -o "$work/static-pc"
unset PKG_CONFIG_PATH
static_only "$work/static-pc"
"$work/static-pc" "$work/db-static-pc"

example cxx-host cxx-shared -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror"
got=$(ldd "$work/cxx-shared/cxx-host" |
      sed -n 's/^.*liblsn_tracker.so.0 => \([^ ]*\) .*$/\1/p')
[ "$(readlink -f "$got")" = "$(readlink -f "$lib/liblsn_tracker.so.0")" ] ||
    fail "cxx-host does not load $lib/liblsn_tracker.so.0"
"$work/cxx-shared/cxx-host" "$work/db-cxx-shared"

example cxx-host cxx-static -DCXX_HOST_STATIC=ON \
    -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror"
static_only "$work/cxx-static/cxx-host"
"$work/cxx-static/cxx-host" "$work/db-cxx-static"
echo "examples: ok"
