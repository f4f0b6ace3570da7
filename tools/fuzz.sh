#!/bin/sh
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for
# a bounded time, starting from the seed corpus in fuzz/corpus/<target>.
# Usage: tools/fuzz.sh [SECONDS_PER_TARGET]   (default 60; e.g. 3600)
# New inputs go to $BUILD/corpus, crashes to $BUILD/artifacts; the tree's
# seed corpus is only read. Turn a crash into a unit test before fixing it.
set -eu
cd "$(dirname "$0")/.."
SECS=${1:-60}
BUILD=${LSN_FUZZ_BUILD:-build-fuzz}
JOBS=$(nproc 2>/dev/null || echo 2)
TARGETS="property layout options"

CC=clang-14 CXX=clang++-14 cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DLSN_TRACKER_FUZZ=ON -DLSN_TRACKER_SANITIZE=address \
    -DLSN_TRACKER_TESTS=OFF -DLSN_TRACKER_BENCH=OFF >/dev/null
for t in $TARGETS; do
    cmake --build "$BUILD" -j "$JOBS" --target "fuzz_$t"
done

status=0
for t in $TARGETS; do
    mkdir -p "$BUILD/corpus/$t" "$BUILD/artifacts/$t"
    echo "fuzz_$t: ${SECS}s"
    if ! "$BUILD/fuzz/fuzz_$t" -max_total_time="$SECS" -print_final_stats=1 \
            -artifact_prefix="$BUILD/artifacts/$t/" \
            "$BUILD/corpus/$t" "fuzz/corpus/$t" >"$BUILD/fuzz_$t.log" 2>&1; then
        echo "fuzz_$t FAILED; see $BUILD/fuzz_$t.log and $BUILD/artifacts/$t/"
        tail -n 30 "$BUILD/fuzz_$t.log"
        status=1
    fi
    grep -E "^stat::number_of_executed_units|^Done" "$BUILD/fuzz_$t.log" || true
done
exit $status
