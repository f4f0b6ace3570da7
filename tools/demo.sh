#!/bin/sh
# Builds the plugin and runs lsn-demo on a temporary database: a small host
# that applies a replicated log into RocksDB with the WAL off and trims the
# log up to the durable watermark. Extra arguments go to lsn-demo.
set -eu
cd "$(dirname "$0")/.."
sh tools/deps.sh
OUT=${LSN_BUILD_ROOT:-build}/demo
cmake -S . -B "$OUT" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLSN_TRACKER_TESTS=OFF \
    -DLSN_TRACKER_BENCH=OFF >/dev/null
cmake --build "$OUT" -j "$(nproc 2>/dev/null || echo 2)" --target lsn-demo >/dev/null
exec "$OUT/tools/lsn-demo/lsn-demo" --plugin "$OUT/plugin/liblsn_tracker.so" "$@"
