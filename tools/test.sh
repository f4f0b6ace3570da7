#!/bin/sh
# Builds and runs every test: the plain build, then ASan+UBSan and TSan
# builds of the whole suite, then each fuzzer for a bounded time.
# Usage: tools/test.sh [--quick]   (--quick: the plain build only)
# LSN_FUZZ_SECONDS sets each fuzzer's time (default 60); tools/fuzz.sh
# alone runs the fuzzers longer, e.g. tools/fuzz.sh 3600.
set -eu
cd "$(dirname "$0")/.."
sh tools/deps.sh
JOBS=$(nproc 2>/dev/null || echo 2)
OUT=${LSN_BUILD_ROOT:-build/ci}
quick=0
[ "${1:-}" = "--quick" ] && quick=1

T0=$(date +%s)
T=$T0
stage() { # prints the time the previous stage took
    now=$(date +%s)
    [ "$now" -gt "$T0" ] && echo "--- $((now - T))s"
    T=$now
    echo; echo "=== $* ==="
}

# Criterion reports a test's result before its process exits, so a leak
# (or any report printed at exit) cannot fail the test: read the logs.
# Every error report fails the stage, and so does a direct leak allocated
# by the library; a leak of test code alone is only shown.
no_reports() { # build dir
    log="$1/Testing/Temporary/LastTest.log"
    if grep -E "ERROR: AddressSanitizer|WARNING: ThreadSanitizer|runtime error:" "$log"; then
        echo "sanitizer reports in $log"
        exit 1
    fi
    ours=$(awk '/^(Direct|Indirect) leak/ { direct = /^Direct/ }
                /^$/ { direct = 0 }
                direct && /liblsn_tracker|\/plugin\// { n++ }
                END { print n + 0 }' "$log")
    if [ "$ours" -gt 0 ]; then
        grep -A12 "^Direct leak" "$log"
        echo "the library leaks; see $log"
        exit 1
    fi
    n=$(grep -c "ERROR: LeakSanitizer" "$log" || true)
    [ "$n" -eq 0 ] || echo "note: $n test processes leaked memory of their own; see $log"
}

# One level of parallelism: CTest runs $JOBS test programs at once, and
# each Criterion program runs its own tests one at a time
# (LSN_CRITERION_JOBS in tests/CMakeLists.txt). Both levels at once ran
# more test processes than cores, and the suite took longer for it.
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
no_reports "$OUT/asan"
stage "TSan"
CTEST_ARGS="-LE nosan" run_suite "$OUT/tsan" -DLSN_TRACKER_SANITIZE=thread \
    -DLSN_TRACKER_BENCH=OFF
no_reports "$OUT/tsan"
stage "fuzzers (${LSN_FUZZ_SECONDS:-60}s each)"
LSN_FUZZ_BUILD="$OUT/fuzz" sh tools/fuzz.sh "${LSN_FUZZ_SECONDS:-60}"
stage "done in $(($(date +%s) - T0))s"
