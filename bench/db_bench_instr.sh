#!/bin/sh
# The whole-process instruction count of Debian's db_bench fillrandom under
# callgrind, three ways, with liblsn_tracker.so preloaded in every run:
#   none  no table-properties collector
#   cod   RocksDB's CompactOnDeletionCollector (window 128, trigger 64)
#   lsn   LsnCollectorFactory + LsnFlushListener (the real deployment)
# Instruction counts do not depend on the other load of the machine, but
# RocksDB's background threads make each run differ by a few hundred
# thousand instructions (0.02 %): --reps R runs the three sides R times,
# interleaved, and the table takes each side's median.
#
# Usage: bench/db_bench_instr.sh [--quick] [--num N] [--reps R] [--out DIR] PLUGIN_SO
#
# db_bench keys are the key number as 8 big-endian bytes plus eight ASCII
# '0's, so each key has the layout's 16 bytes and reaches the prefix
# compare: key_prefix=00000000000000 (7 zero bytes), partition_bytes=1,
# key_suffix=3030303030303030. Keys 0..255 match (their LSN is the value's
# first 8 bytes, u64le); all others differ in the prefix's last bytes.
#
# Each run's raw callgrind file, db_bench.<side>.<rep>.cg, stays in DIR
# (default: a temporary directory, removed at exit); bench/instr_table.sh
# prints the table from them.
set -eu
num=100000
reps=1
out=
quick=0
while [ $# -gt 1 ]; do
    case "$1" in
    --quick) quick=1; num=5000; shift ;;
    --num) num=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) break ;;
    esac
done
[ $# -eq 1 ] || { echo "usage: $0 [--quick] [--num N] [--reps R] [--out DIR] PLUGIN_SO" >&2; exit 2; }
so=$(readlink -f "$1")
here=$(cd "$(dirname "$0")" && pwd)
for p in db_bench valgrind callgrind_annotate; do
    command -v $p >/dev/null || { echo "$p not found" >&2; exit 77; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/lsnb-dbinstr-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
[ -n "$out" ] || out=$work/out
mkdir -p "$out"

write_options() { # file side
    {
        echo '[Version]'
        echo '  rocksdb_version=7.8.3'
        echo '  options_file_version=1.1'
        echo '[DBOptions]'
        echo '  create_if_missing=true'
        echo '  max_background_jobs=2'
        [ "$2" = lsn ] && echo '  listeners={id=LsnFlushListener;tracker=db_bench}'
        echo '[CFOptions "default"]'
        echo '  write_buffer_size=4194304'
        echo '  compression=kNoCompression'
        [ "$2" = lsn ] && echo '  table_properties_collectors={id=LsnCollectorFactory;key_prefix=00000000000000;partition_bytes=1;key_suffix=3030303030303030;value_format=u64le}'
        [ "$2" = cod ] && echo '  table_properties_collectors={id=CompactOnDeletionCollector;window_size=128;deletion_trigger=64}'
        echo '[TableOptions/BlockBasedTable "default"]'
    } >"$1"
}

echo "# db_bench fillrandom under callgrind: LD_PRELOAD=$so in every run"
echo "# db_bench: $(db_bench --version 2>&1 | head -1); $(valgrind --version)"
echo "# num=$num value_size=100 seed=42 WAL=off write_buffer=4MiB compression=none reps=$reps"
for side in none cod lsn; do
    write_options "$work/$side.ini" "$side"
done
rm -f "$out"/db_bench.*.cg
i=1
while [ $i -le "$reps" ]; do
    case $((i % 3)) in
    1) order="none cod lsn" ;;
    2) order="cod lsn none" ;;
    0) order="lsn none cod" ;;
    esac
    for side in $order; do
        rm -rf "$work/db"
        cg=$out/db_bench.$side.$i.cg
        LD_PRELOAD="$so" valgrind --tool=callgrind --trace-children=yes \
            --callgrind-out-file="$cg" \
            db_bench --benchmarks=fillrandom --num="$num" --value_size=100 \
            --disable_wal=1 --seed=42 --threads=1 \
            --options_file="$work/$side.ini" --db="$work/db" \
            >"$out/db_bench.$side.$i.log" 2>&1 ||
            { tail -30 "$out/db_bench.$side.$i.log" >&2; exit 1; }
        if [ "$side" = lsn ]; then
            sst=$(ls "$work/db"/*.sst | head -1)
            sst_dump --file="$sst" --show_properties 2>/dev/null |
                grep -q 'lsn.max_applied' ||
                { echo "plugin not active: no lsn.max_applied in $sst" >&2; exit 1; }
        fi
        echo "rep $i $side: $(sed -n 's/^summary: //p' "$cg") instructions"
    done
    i=$((i + 1))
done
echo
sh "$here/instr_table.sh" --db-bench "$out" "$num"
