#!/bin/sh
# Builds a RocksDB release from source with this plugin compiled into it
# (ROCKSDB_PLUGINS=lsn_tracker, a static librocksdb.a; RocksDB's CMake
# build, or its Makefile), installs it into a prefix inside its build
# folder, then builds and runs against it the tests that apply to such a
# RocksDB (tests/compat/: the static host and the C++ host of tests/host/,
# which never call lsn_tracker_register(), the header checks, and
# lsn-demo under the crash harness).
#
# Usage: tools/compat.sh ROCKSDB_SRC [BUILD_DIR]
#   ROCKSDB_SRC  a RocksDB source tree, for example
#                  mkdir -p /work/rocksdb/src-11.8.1
#                  git -C rocksdb archive v11.8.1 | tar -x -C /work/rocksdb/src-11.8.1
#                tools/compat.sh links this repository's plugin/ into it as
#                plugin/lsn_tracker.
#   BUILD_DIR    RocksDB's build folder, outside this repository
#                (default: build-VERSION beside ROCKSDB_SRC). Kept and
#                reused; but a change to the plugin's CMake files makes
#                RocksDB reconfigure, which was seen to rebuild all of it
#                (docs/compat.md).
# Environment: LSN_COMPAT_JOBS (default 2) build jobs; LSN_COMPAT_NICE
# (default 19) the niceness of the RocksDB build; LSN_COMPAT_BUILD=make
# builds with RocksDB's Makefile instead of its CMake (make static_lib in
# ROCKSDB_SRC itself, which it fills with objects: give it a tree of its
# own; then make install-static into BUILD_DIR/prefix, default
# build-VERSION-make).
#
# The last line printed sums up: version, build time, test results.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd -P)
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
    exit 2
fi
src=$(cd "$1" && pwd -P)
vh=$src/include/rocksdb/version.h
[ -f "$vh" ] || { echo "compat: $src is not a RocksDB source tree" >&2; exit 2; }
part() { sed -n "s/^#define ROCKSDB_$1 \([0-9]*\).*/\1/p" "$vh"; }
version=$(part MAJOR).$(part MINOR).$(part PATCH)
tool=${LSN_COMPAT_BUILD:-cmake}
case $tool in
cmake) build=${2:-$(dirname "$src")/build-$version} ;;
make) build=${2:-$(dirname "$src")/build-$version-make} ;;
*) echo "compat: LSN_COMPAT_BUILD is cmake or make, not $tool" >&2; exit 2 ;;
esac
mkdir -p "$build"
build=$(cd "$build" && pwd -P)
jobs=${LSN_COMPAT_JOBS:-2}
niceness=${LSN_COMPAT_NICE:-19}
case "$build/" in
"$repo"/*) echo "compat: $build is inside the repository; build RocksDB elsewhere" >&2
           exit 2 ;;
esac

# The plugin: this repository's plugin/, linked, never copied (its
# CMake fragment finds the public header beside it).
link=$src/plugin/lsn_tracker
if [ -L "$link" ]; then
    [ "$(readlink -f "$link")" = "$repo/plugin" ] || {
        echo "compat: $link points at $(readlink -f "$link"), not $repo/plugin" >&2
        exit 2
    }
elif [ -e "$link" ]; then
    echo "compat: $link exists and is not a link to $repo/plugin" >&2
    exit 2
else
    ln -s "$repo/plugin" "$link"
fi

# What a build contains: the plugin's registrar among RocksDB's builtins.
names_registrar() {
    grep -q 'lsn_tracker_register_library' "$1" || {
        echo "compat: $1 does not name lsn_tracker_register_library" >&2
        exit 1
    }
}

if [ "$tool" = make ]; then
    # RocksDB's Makefile builds in its source tree; the flags it is given
    # must be the same for the build and the install, or make rebuilds.
    # DISABLE_WARNING_AS_ERROR: as FAIL_ON_WARNINGS=OFF below.
    set -- ROCKSDB_PLUGINS=lsn_tracker PORTABLE=1 DISABLE_WARNING_AS_ERROR=1 \
        PREFIX="$build/prefix"
    echo "=== RocksDB $version: make static_lib with lsn_tracker in $src"
    t0=$(date +%s)
    nice -n "$niceness" make -C "$src" -j "$jobs" "$@" static_lib \
        >"$build/lsn-make.log" 2>&1 || { tail -40 "$build/lsn-make.log"; exit 1; }
    t1=$(date +%s)
    secs=$((t1 - t0))
    echo "--- built in ${secs}s"
    # And the core's C objects (compiled from X.c for the X.c.cc names
    # the .mk lists) in the archive.
    names_registrar "$src/util/build_version.cc"
    ar t "$src/librocksdb.a" | grep -qx 'store.c.o' || {
        echo "compat: $src/librocksdb.a has no store.c.o" >&2
        exit 1
    }
    make -C "$src" "$@" install-static >"$build/lsn-install.log" 2>&1 || {
        tail -30 "$build/lsn-install.log"; exit 1
    }
    how="librocksdb.a (make) with lsn_tracker"
else
    # Configured once, with the plugin from the start: changing
    # ROCKSDB_PLUGINS (or any flag) in a configured tree rebuilds all of
    # RocksDB. FAIL_ON_WARNINGS=OFF: Debian's GCC 12 stops on a false
    # -Werror=restrict in RocksDB's own options/configurable.cc (11.x).
    if [ -f "$build/CMakeCache.txt" ]; then
        grep -q '^ROCKSDB_PLUGINS:[A-Z]*=lsn_tracker$' "$build/CMakeCache.txt" || {
            echo "compat: $build was configured without ROCKSDB_PLUGINS=lsn_tracker;" \
                 "configuring it again would rebuild all of RocksDB: use another BUILD_DIR" >&2
            exit 2
        }
    else
        nice -n "$niceness" cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release \
            -DROCKSDB_PLUGINS=lsn_tracker -DFAIL_ON_WARNINGS=OFF -DPORTABLE=1 \
            -DWITH_GFLAGS=OFF -DWITH_TESTS=OFF -DWITH_TOOLS=OFF \
            -DWITH_BENCHMARK_TOOLS=OFF -DWITH_CORE_TOOLS=OFF \
            -DROCKSDB_BUILD_SHARED=OFF -DCMAKE_INSTALL_PREFIX="$build/prefix" \
            >"$build/lsn-configure.log" 2>&1 || {
            tail -30 "$build/lsn-configure.log"; exit 1
        }
    fi

    echo "=== RocksDB $version: building librocksdb.a with lsn_tracker in $build"
    t0=$(date +%s)
    nice -n "$niceness" cmake --build "$build" -j "$jobs" --target rocksdb
    t1=$(date +%s)
    secs=$((t1 - t0))
    echo "--- built in ${secs}s"
    names_registrar "$build/build_version.cc"
    cmake --install "$build" --prefix "$build/prefix" >"$build/lsn-install.log" 2>&1 || {
        tail -30 "$build/lsn-install.log"; exit 1
    }
    how="librocksdb.a (CMake) with lsn_tracker"
fi

echo "=== hosts of RocksDB $version (tests/compat)"
hosts=$build/lsn-hosts
rm -rf "$hosts"
cmake -S "$repo/tests/compat" -B "$hosts" -DROCKSDB_ROOT="$build/prefix" \
    >"$build/lsn-hosts.log" 2>&1 || { cat "$build/lsn-hosts.log"; exit 1; }
grep -E '^-- RocksDB' "$build/lsn-hosts.log" || true
nice -n "$niceness" cmake --build "$hosts" -j "$jobs" >>"$build/lsn-hosts.log" 2>&1 || {
    tail -40 "$build/lsn-hosts.log"; exit 1
}
rc=0
(cd "$hosts" && ctest --output-on-failure) | tee "$build/lsn-ctest.log" || rc=1
grep -q '100% tests passed' "$build/lsn-ctest.log" || rc=1
result=$(grep -E 'tests passed' "$build/lsn-ctest.log" || echo "no test summary")
echo "compat: RocksDB $version, $how, build ${secs}s: $result"
exit $rc
