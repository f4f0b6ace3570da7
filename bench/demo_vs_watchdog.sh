#!/bin/sh
# The plugin against the old way on the same lsn-demo workload: the demo
# trimming its log behind the tracker's durable watermark, and the same
# demo with --watchdog 1 (a flush forced every second, the applied LSN read
# before it trusted afterwards). Runs alternate (A B, B A, ...) and the
# median of each figure is printed.
#
# Per run: records per second (the demo's summary), forced flushes, SST
# files and bytes written by RocksDB (table_file_creation events of the
# DB's LOG: flushes, the flush at close and compactions), and the trim
# lag: applied minus durable LSN, the records not yet trimmable, sampled
# by the demo's progress lines every --every seconds (LSNs are global, so
# it counts records); divided by the record rate it gives seconds.
#
# Usage: bench/demo_vs_watchdog.sh [--quick] [--records N] [--rate R]
#            [--partitions P] [--reps K] [--every S] LSN_DEMO
set -eu
records=60000
rate=0
partitions=16
reps=3
every=0.2
while [ $# -gt 1 ]; do
    case "$1" in
    --quick) records=3000; reps=1; every=0.1; shift ;;
    --records) records=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --partitions) partitions=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --every) every=$2; shift 2 ;;
    *) break ;;
    esac
done
[ $# -eq 1 ] || { echo "usage: $0 [--quick] [--records N] [--rate R] [--partitions P] [--reps K] [--every S] LSN_DEMO" >&2; exit 2; }
demo=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/lsnb-demo-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

run() { # mode rep -> one line of figures
    rm -rf "$work/db" "$work/log"
    extra=
    [ "$1" = watchdog ] && extra="--watchdog 1"
    [ "$rate" -gt 0 ] && extra="$extra --rate $rate"
    # shellcheck disable=SC2086
    "$demo" --db "$work/db" --log "$work/log" --partitions "$partitions" \
        --records "$records" --progress "$every" $extra \
        >"$work/out-$1-$2" 2>&1 || { cat "$work/out-$1-$2" >&2; exit 1; }
    awk -v mode="$1" '
        /^\[/ {
            # " pN applied/durable" pairs of the shown partitions
            lag = 0
            for (i = 1; i <= NF; i++)
                if ($i ~ /^p[0-9]+$/ && $(i + 1) ~ /^[0-9]+\/[0-9]+$/) {
                    split($(i + 1), ad, "/")
                    if (ad[1] - ad[2] > lag) lag = ad[1] - ad[2]
                }
            lags[++n] = lag
        }
        /records appended/ { rps = $0; sub(/.*\(/, "", rps); sub(/\/s\).*/, "", rps) }
        /forced flushes/ { f = $0; sub(/.*forced flushes /, "", f); sub(/,.*/, "", f); forced = f }
        END {
            # median and max of the sampled lags
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
                if (lags[j] < lags[i]) { t = lags[i]; lags[i] = lags[j]; lags[j] = t }
            med = n ? lags[int((n + 1) / 2)] : 0
            mx = n ? lags[n] : 0
            printf "%s %s %s %s %s %.3f %.3f\n", mode, rps, forced, med, mx,
                (rps > 0 ? med / rps : 0), (rps > 0 ? mx / rps : 0)
        }' "$work/out-$1-$2" >"$work/fig"
    files=$(grep -c '"event": "table_file_creation"' "$work/db/LOG" || true)
    bytes=$(grep -o '"event": "table_file_creation", "file_number": [0-9]*, "file_size": [0-9]*' \
        "$work/db/LOG" | awk '{ s += $NF } END { print s + 0 }')
    flushes=$(grep -c '"event": "flush_finished"' "$work/db/LOG" || true)
    read -r m rps forced med mx meds mxs <"$work/fig"
    echo "$m $rps $forced $flushes $files $bytes $med $mx $meds $mxs"
}

echo "# lsn-demo: plugin vs --watchdog 1, same workload, alternated"
echo "# machine: $(nproc) cores online, CPU \"$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)\""
echo "# records=$records partitions=$partitions rate=$( [ "$rate" -gt 0 ] && echo "$rate/s" || echo unlimited) reps=$reps lag sampled every ${every}s; variant default (write_buffer_size 1 MiB)"
printf '%-4s %-9s %9s %7s %8s %6s %10s %9s %9s %9s %9s\n' rep mode rec/s forced flushes ssts sst_bytes lag_med lag_max lag_med_s lag_max_s
i=0
while [ $i -lt "$reps" ]; do
    if [ $((i % 2)) -eq 0 ]; then order="tracker watchdog"; else order="watchdog tracker"; fi
    for mode in $order; do
        line=$(run "$mode" "$i")
        echo "$line" >>"$work/all"
        echo "$i $line" | awk '{ printf "%-4s %-9s %9s %7s %8s %6s %10s %9s %9s %9s %9s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }'
        echo "$line" | awk '{ print $2 }' >"$work/rps-$mode"
    done
    awk -v a="$(cat "$work/rps-tracker")" -v b="$(cat "$work/rps-watchdog")" \
        'BEGIN { print a / b }' >>"$work/pair"
    i=$((i + 1))
done

echo
echo "medians:"
for mode in tracker watchdog; do
    grep "^$mode " "$work/all" | awk -v mode="$mode" '
        { for (c = 2; c <= NF; c++) v[c, NR] = $c; n = NR; nf = NF }
        END {
            printf "  %-9s", mode
            split("rec/s forced flushes ssts sst_bytes lag_med lag_max lag_med_s lag_max_s", name, " ")
            for (c = 2; c <= nf; c++) {
                for (i = 1; i <= n; i++) a[i] = v[c, i]
                for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
                    if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                printf " %s=%s", name[c - 1], a[int((n + 1) / 2)]
            }
            printf "\n"
        }'
done
sort -g "$work/pair" | awk '{ v[NR] = $1 } END { printf "  per-rep rec/s ratio tracker/watchdog: median %.3f (min %.3f, max %.3f)\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[1], v[NR] }'
# The run must have used the plugin: no forced flush without --watchdog.
if grep -q "^tracker " "$work/all" && ! awk '$1 == "tracker" && $3 != 0 { exit 1 }' "$work/all"; then
    echo "tracker runs forced a flush" >&2
    exit 1
fi
