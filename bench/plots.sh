#!/bin/sh
# The pictures of docs/benchmarks.md, drawn with gnuplot from the raw
# output of the benchmarks (nothing is typed in: every point is parsed from
# those files).
#
# Usage:
#   bench/plots.sh [--run BUILD_DIR] RESULTS_DIR OUT_DIR
#
# RESULTS_DIR holds the raw outputs (bench/results/ in the tree):
#   demo-tracker.txt, demo-watchdog.txt  lsn-demo --progress 0.1, with the
#                                        plugin and with --watchdog 1
#   keycost.txt                          bench/keycost.sh
#   keycost-previous-main.txt (optional) bench/keycost.sh --preload an older
#                                        build of the library
#   recover.txt                          bench_recover --sizes ...
#   get.txt                              bench_get --sizes ...
# --run BUILD_DIR first runs those benchmarks from that build (a few
# minutes; bench_recover builds 14 444 SSTs) and writes the files.
# OUT_DIR receives bench-demo.png, bench-keycost.png, bench-recover.png and
# bench-get.png.
set -eu
build=
if [ "${1:-}" = --run ]; then
    build=$(cd "$2" && pwd)
    shift 2
fi
[ $# -eq 2 ] || { echo "usage: $0 [--run BUILD_DIR] RESULTS_DIR OUT_DIR" >&2; exit 2; }
res=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
command -v gnuplot >/dev/null || { echo "gnuplot not found (apt-get install gnuplot-nox)" >&2; exit 77; }
mkdir -p "$res" "$out"

if [ -n "$build" ]; then
    work=$(mktemp -d "${TMPDIR:-/tmp}/lsnb-plots-XXXXXX")
    trap 'rm -rf "$work"' EXIT INT TERM
    demo=$build/tools/lsn-demo/lsn-demo
    for mode in tracker watchdog; do
        rm -rf "$work/db" "$work/log"
        extra=
        [ $mode = watchdog ] && extra="--watchdog 1"
        # shellcheck disable=SC2086
        "$demo" --db "$work/db" --log "$work/log" --partitions 16 \
            --records 150000 --progress 0.1 $extra >"$res/demo-$mode.txt" 2>&1
    done
    sh "$here/keycost.sh" "$build/bench/bench_keycost" >"$res/keycost.txt"
    "$build/bench/bench_recover" --reps 5 \
        --sizes 1,3,10,30,100,300,1000,3000,10000 >"$res/recover.txt"
    "$build/bench/bench_get" --reps 15 \
        --sizes 1000,10000,100000,300000,1000000 >"$res/get.txt"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lsnb-plotdata-XXXXXX")
trap 'rm -rf "$tmp" ${work:+"$work"}' EXIT INT TERM

term="set terminal pngcairo noenhanced size 960,600 font 'sans,11' linewidth 1.5"

# 1. applied and durable LSN of partition p0 over time, plugin vs watchdog.
for mode in tracker watchdog; do
    awk '/^\[ *[0-9.]+s\] applied\/durable:/ {
        t = $0; sub(/^\[ */, "", t); sub(/s\].*/, "", t)
        for (i = 1; i <= NF; i++)
            if ($i == "p0") { split($(i + 1), ad, "/"); print t, ad[1], ad[2] }
    }' "$res/demo-$mode.txt" >"$tmp/demo-$mode.dat"
    [ -s "$tmp/demo-$mode.dat" ] || { echo "no progress lines in $res/demo-$mode.txt" >&2; exit 1; }
done
# one time axis for both panels
xmax=$(cat "$tmp"/demo-*.dat | awk '$1 > m { m = $1 } END { print m }')
gnuplot <<EOF
$term
set output '$out/bench-demo.png'
set multiplot layout 2,1 title "lsn-demo, 16 partitions, partition p0: what is applied and what is durable (trimmable)"
set grid
set key top left
set ylabel 'LSN'
set format y '%.0s%c'
set xrange [0:$xmax]
set title 'trimming behind the plugin (LsnFlushListener): durable rises at every flush, no forced flush'
plot '$tmp/demo-tracker.dat' using 1:2 with lines lc rgb '#1f77b4' title 'applied', \
     '' using 1:3 with steps lc rgb '#d62728' title 'durable (plugin)'
set title 'the old way, --watchdog 1: a flush forced every second, durable known only then'
set xlabel 'seconds'
plot '$tmp/demo-watchdog.dat' using 1:2 with lines lc rgb '#1f77b4' title 'applied', \
     '' using 1:3 with steps lc rgb '#ff7f0e' title 'durable (watchdog)'
unset multiplot
EOF

# 2. instructions per AddUserKey by key kind (and, if keycost-previous-main.txt
# is there, our collector before this layout matcher).
kc() { awk '$1 ~ /^(match|same-length|other-length)$/ && NF == 5 { print $1, $3, $4 }' "$1"; }
kc "$res/keycost.txt" >"$tmp/keycost.dat"
[ -s "$tmp/keycost.dat" ] || { echo "no table in $res/keycost.txt" >&2; exit 1; }
if [ -f "$res/keycost-previous-main.txt" ]; then
    kc "$res/keycost-previous-main.txt" | awk '{ print $2 }' | paste -d' ' "$tmp/keycost.dat" - >"$tmp/kc.dat"
else
    awk '{ print $0, "NaN" }' "$tmp/keycost.dat" >"$tmp/kc.dat"
fi
gnuplot <<EOF
$term
set output '$out/bench-keycost.png'
set title "Instructions per AddUserKey call (callgrind, inclusive), by kind of key (bench_keycost)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set ylabel 'instructions per key'
set yrange [0:*]
set key top right
set xrange [-0.6:2.6]
set xtics ('applied-LSN key' 0, 'other key, same length' 1, 'key of another length' 2)
plot '$tmp/kc.dat' using 4 title 'LsnCollector, previous main' lc rgb '#aec7e8', \
     '' using 2 title 'LsnCollector' lc rgb '#1f77b4', \
     '' using 3 title 'CompactOnDeletionCollector (RocksDB)' lc rgb '#7f7f7f', \
     '' using (\$0 - 0.3):4:(sprintf('%.0f', \$4)) with labels offset 0,0.8 notitle, \
     '' using (\$0):2:(sprintf('%.0f', \$2)) with labels offset 0,0.8 notitle, \
     '' using (\$0 + 0.3):3:(sprintf('%.0f', \$3)) with labels offset 0,0.8 notitle
EOF

# 3. lsn_tracker_recover against live SSTs.
awk '/live SSTs/ {
    n = $1
    for (i = 1; i <= NF; i++) {
        if ($i == "recover" && $(i + 2) == "ms") r = $(i + 1)
        if ($i == "reads" && $(i + 2) == "ms,") tr = $(i + 1)
        if ($i == "reopen" && $(i + 2) == "ms;") ro = $(i + 1)
    }
    print n, r, tr, ro
}' "$res/recover.txt" >"$tmp/recover.dat"
[ -s "$tmp/recover.dat" ] || { echo "no results in $res/recover.txt" >&2; exit 1; }
gnuplot <<EOF
$term
set output '$out/bench-recover.png'
set title "lsn_tracker_recover after a reopen, warm page cache, 100 partitions per SST (bench_recover, medians)"
set logscale xy
set grid
set key top left
set xlabel 'live SST files'
set format x '%.0s%c'
set ylabel 'milliseconds'
plot '$tmp/recover.dat' using 1:2 with linespoints pt 7 lc rgb '#1f77b4' title 'lsn_tracker_recover', \
     '' using 1:3 with linespoints pt 5 lc rgb '#7f7f7f' title 'bare reads of every file tail (I/O floor)', \
     '' using 1:4 with linespoints pt 9 lc rgb '#ff7f0e' title 'reopening the database (context)'
EOF

# 4. get against partitions: independent lookups (throughput), alone and
# under updates, and dependent ones (latency) under updates.
awk '$1 == "summary" && $2 == "cpu" && $3 ~ /^[0-9]+$/ {
    print $3, $4, $5, $6, $7, $8, $9, $10 }' "$res/get.txt" >"$tmp/get.dat"
awk '$1 == "latency" && $2 == "cpu" && $3 ~ /^[0-9]+$/ && $4 == "updating" {
    print $3, $4, $5, $6, $7, $8, $9, $10 }' "$res/get.txt" >"$tmp/get-lat.dat"
[ -s "$tmp/get.dat" ] && [ -s "$tmp/get-lat.dat" ] ||
    { echo "no summary or latency lines in $res/get.txt" >&2; exit 1; }
grep ' idle ' "$tmp/get.dat" >"$tmp/get-idle.dat"
grep ' updating ' "$tmp/get.dat" >"$tmp/get-upd.dat"
gnuplot <<EOF
set terminal pngcairo noenhanced size 1440,600 font 'sans,11' linewidth 1.5
set output '$out/bench-get.png'
set multiplot layout 1,3 title "Read cost, random partitions: median ns per lookup, reader's CPU time (bench_get)"
set logscale x
set logscale y
set grid
set key top left font ',9'
set xlabel 'partitions tracked'
set ylabel 'ns per lookup'
set xrange [500:2000000]
set format x '%.0s%c'
set yrange [1:2000]
set title 'independent lookups, readers alone'
plot '$tmp/get-idle.dat' using 1:3 with linespoints pt 7 lc rgb '#1f77b4' title 'lsn_tracker_get (by name)', \
     '' using 1:4 with linespoints pt 5 lc rgb '#2ca02c' title 'lsn_tracker_cf_get (handle)', \
     '' using 1:5 with linespoints pt 9 lc rgb '#7f7f7f' title 'array of atomics (floor)', \
     '' using 1:6 with linespoints pt 11 lc rgb '#ff7f0e' title 'array behind a mutex'
set key bottom right
set title 'independent lookups, another thread raising'
plot '$tmp/get-upd.dat' using 1:3 with linespoints pt 7 lc rgb '#1f77b4' title 'lsn_tracker_get (by name)', \
     '' using 1:4 with linespoints pt 5 lc rgb '#2ca02c' title 'lsn_tracker_cf_get (handle)', \
     '' using 1:8 with linespoints pt 9 lc rgb '#000000' title "array, its writer at the tracker's rate", \
     '' using 1:5 with linespoints pt 9 dt 2 lc rgb '#7f7f7f' title 'array, its writer unpaced', \
     '' using 1:6 with linespoints pt 11 lc rgb '#ff7f0e' title 'array behind a mutex'
set title 'dependent lookups (latency), another thread raising'
plot '$tmp/get-lat.dat' using 1:3 with linespoints pt 7 lc rgb '#1f77b4' title 'lsn_tracker_get (by name)', \
     '' using 1:4 with linespoints pt 5 lc rgb '#2ca02c' title 'lsn_tracker_cf_get (handle)', \
     '' using 1:8 with linespoints pt 9 lc rgb '#000000' title "array, its writer at the tracker's rate", \
     '' using 1:5 with linespoints pt 9 dt 2 lc rgb '#7f7f7f' title 'array, its writer unpaced', \
     '' using 1:6 with linespoints pt 11 lc rgb '#ff7f0e' title 'array behind a mutex'
unset multiplot
EOF
echo "wrote $out/bench-demo.png $out/bench-keycost.png $out/bench-recover.png $out/bench-get.png"
