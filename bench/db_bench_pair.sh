#!/bin/sh
# The outside view of collector overhead: Debian's db_bench fillrandom with
# the plugin LD_PRELOADed in every run, once with an OPTIONS file that
# enables LsnFlushListener and LsnCollectorFactory and once with the same
# file without them. Runs are paired and alternated (A B, B A, ...), the
# median ops/sec of each side and their ratio are printed.
#
# Usage: bench/db_bench_pair.sh [--quick] [--num N] [--reps R] PLUGIN_SO
#
# db_bench keys are the key number as 8 big-endian bytes plus eight ASCII
# '0's. The layout below reads 5 zero bytes, a 2-byte partition and a
# suffix of one zero byte plus the eight '0's: every key whose number is a
# multiple of 256 (0.39 % of keys) is an applied-LSN key, over about 3 900
# partitions for 1 M keys; its LSN is the value's first 8 bytes.
set -eu
num=1000000
reps=5
quick=0
while [ $# -gt 1 ]; do
    case "$1" in
    --quick) quick=1; num=20000; reps=1; shift ;;
    --num) num=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    *) break ;;
    esac
done
[ $# -eq 1 ] || { echo "usage: $0 [--quick] [--num N] [--reps R] PLUGIN_SO" >&2; exit 2; }
so=$(readlink -f "$1")
command -v db_bench >/dev/null || { echo "db_bench not found (rocksdb-tools)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/lsnb-dbbench-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

write_options() { # file with_plugin
    {
        echo '[Version]'
        echo '  rocksdb_version=7.8.3'
        echo '  options_file_version=1.1'
        echo '[DBOptions]'
        echo '  create_if_missing=true'
        echo '  max_background_jobs=2'
        [ "$2" = 1 ] && echo '  listeners={id=LsnFlushListener;tracker=db_bench}'
        echo '[CFOptions "default"]'
        echo '  write_buffer_size=16777216'
        echo '  compression=kNoCompression'
        [ "$2" = 1 ] && echo '  table_properties_collectors={id=LsnCollectorFactory;key_prefix=0000000000;partition_bytes=2;key_suffix=003030303030303030}'
        echo '[TableOptions/BlockBasedTable "default"]'
    } >"$1"
}
write_options "$work/without.ini" 0
write_options "$work/with.ini" 1

# CPU seconds (user + system) of each run too, when GNU time is there: the
# machine may be shared, and CPU time is disturbed less than wall time.
timer=
[ -x /usr/bin/time ] && timer="/usr/bin/time -f %U+%S -o $work/cpu"

run() { # side rep -> prints "ops/sec cpu_seconds"
    db="$work/db-$1"
    rm -rf "$db"
    echo 0+0 >"$work/cpu"
    # shellcheck disable=SC2086
    LD_PRELOAD="$so" $timer db_bench --benchmarks=fillrandom --num="$num" \
        --value_size=100 --disable_wal=1 --seed=$((1000 + $2)) --threads=1 \
        --options_file="$work/$1.ini" --db="$db" >"$work/out-$1-$2" 2>&1 ||
        { cat "$work/out-$1-$2" >&2; exit 1; }
    ops=$(awk '/^fillrandom/ { for (i = 1; i <= NF; i++) if ($i ~ /^ops\/sec;?$/) print $(i - 1) }' \
        "$work/out-$1-$2")
    cpu=$(tail -1 "$work/cpu" | awk -F+ '{ printf "%.2f", $1 + $2 }')
    echo "$ops $cpu"
}

echo "# db_bench fillrandom, paired: LD_PRELOAD=$so in every run"
echo "# machine: $(nproc) cores online, CPU \"$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)\""
echo "# db_bench: $(db_bench --version 2>&1 | head -1); num=$num value_size=100 WAL=off write_buffer=16MiB compression=none reps=$reps"
printf '%-4s %-8s %12s %8s\n' rep side ops/sec cpu_s
i=0
while [ $i -lt "$reps" ]; do
    if [ $((i % 2)) -eq 0 ]; then order="without with"; else order="with without"; fi
    for side in $order; do
        set -- $(run "$side" "$i")
        [ $# -eq 2 ] || { echo "no fillrandom line in output" >&2; cat "$work/out-$side-$i" >&2; exit 1; }
        printf '%-4s %-8s %12s %8s\n' "$i" "$side" "$1" "$2"
        echo "$1" >>"$work/ops-$side"
        echo "$2" >>"$work/cpu-$side"
        eval "ops_$side=$1"
    done
    # shellcheck disable=SC2154
    awk -v a="$ops_with" -v b="$ops_without" 'BEGIN { print a / b }' >>"$work/pair"
    i=$((i + 1))
done

# The plugin must really have written its property (db_bench closes the DB
# with a flush, so the last run's files carry it).
sst=$(ls "$work/db-with"/*.sst | head -1)
if ! sst_dump --file="$sst" --show_properties 2>/dev/null | grep -q 'lsn.max_applied'; then
    echo "plugin not active: no lsn.max_applied in $sst" >&2
    exit 1
fi

median() { sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
w=$(median "$work/ops-with")
wo=$(median "$work/ops-without")
echo
echo "median ops/sec: without $wo, with $w"
awk -v a="$w" -v b="$wo" 'BEGIN { printf "ratio with/without: %.3f   (target >= 0.98)\n", a / b }'
echo "median of the per-pair ratios: $(median "$work/pair")"
if [ -n "$timer" ]; then
    cw=$(median "$work/cpu-with")
    cwo=$(median "$work/cpu-without")
    awk -v a="$cw" -v b="$cwo" 'BEGIN { printf "median CPU seconds: without %s, with %s; ratio (ops per CPU second) with/without: %.3f\n", b, a, b / a }'
fi
