#!/bin/sh
# Builds and runs every test: the plain build, then ASan+UBSan and TSan
# builds of the whole suite, then each fuzzer for a bounded time.
# Usage: tools/test.sh [--quick]   (--quick: the plain build only)
set -eu
cd "$(dirname "$0")/.."
sh tools/deps.sh
JOBS=$(nproc 2>/dev/null || echo 2)
OUT=${LSN_BUILD_ROOT:-build/ci}
quick=0
[ "${1:-}" = "--quick" ] && quick=1

stage() { echo; echo "=== $* ==="; }

run_suite() { # dir cmake-args... ; builds and runs ctest there
    dir=$1; shift
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
    cmake --build "$dir" -j "$JOBS"
    (cd "$dir" && ctest --output-on-failure -j "$JOBS" ${CTEST_ARGS:-})
}

stage "plain build"
run_suite "$OUT/plain"
[ $quick -eq 1 ] && exit 0

stage "ASan + UBSan"
CTEST_ARGS="-LE nosan" run_suite "$OUT/asan" -DLSN_TRACKER_SANITIZE=address \
    -DLSN_TRACKER_BENCH=OFF
stage "TSan"
CTEST_ARGS="-LE nosan" run_suite "$OUT/tsan" -DLSN_TRACKER_SANITIZE=thread \
    -DLSN_TRACKER_BENCH=OFF
