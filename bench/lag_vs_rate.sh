#!/bin/sh
# Trim lag against write rate: lsn-demo at several paced rates and flat
# out, in three modes at each rate:
#   tracker   the plugin, no bound: the watermark rises when RocksDB
#             flushes on its own (a memtable fills);
#   bound     the plugin with --max-lag BOUND (LsnFlushListener max_lag_ms,
#             lsn_tracker_attach): the tracker flushes a family whose
#             oldest unflushed write is BOUND old;
#   watchdog  --watchdog W, the old way: a flush forced every W seconds,
#             the applied LSN read before it trusted afterwards.
# The write buffer is chosen so that memtables do not fill during a run at
# the low rates, and fill several times a second flat out.
#
# Per run, from lsn-demo --json: the rate achieved, each record's trim lag
# (its append until the durable watermark the demo acts on covers it;
# after the last append the demo watches --drain more seconds), forced
# flushes (the demo's and the tracker's), flushes, live SST files and
# bytes at the end (f_app: forced flushes before the last append, the
# rest cover the tail during the drain); from the database's LOG: the longest flush (flush_started
# to flush_finished), for the bound's "+ one flush". Records the watermark
# never covered are counted (uncov); lb_p99 and lb_max count them at their
# age at the end, lower bounds of the true figures.
#
# The raw output: one "run" line and the demo's JSON line per run, then the
# table. bench/lag_plot.py draws the plot from it.
#
# Usage: bench/lag_vs_rate.sh [--quick] [--seconds S] [--drain S]
#            [--rates "R1 R2 ..."] [--bound MS] [--watchdog S]
#            [--write-buffer BYTES] [--partitions P] LSN_DEMO
# A rate of 0 is flat out.
set -eu
seconds=10
drain=2
rates="100 1000 10000 0"
bound=1000
watchdog=1
wbuf=2621440
partitions=4
while [ $# -gt 1 ]; do
    case "$1" in
    --quick) seconds=1; drain=0.5; bound=200; watchdog=0.2; shift ;;
    --seconds) seconds=$2; shift 2 ;;
    --drain) drain=$2; shift 2 ;;
    --rates) rates=$2; shift 2 ;;
    --bound) bound=$2; shift 2 ;;
    --watchdog) watchdog=$2; shift 2 ;;
    --write-buffer) wbuf=$2; shift 2 ;;
    --partitions) partitions=$2; shift 2 ;;
    *) break ;;
    esac
done
[ $# -eq 1 ] || { echo "usage: $0 [--quick] [--seconds S] [--drain S] [--rates \"R ...\"] [--bound MS] [--watchdog S] [--write-buffer BYTES] [--partitions P] LSN_DEMO" >&2; exit 2; }
demo=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/lsnb-lag-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

echo "# lsn-demo trim lag vs. write rate: tracker (no bound), bound (--max-lag $bound), watchdog (--watchdog $watchdog)"
echo "# machine: $(nproc) cores online, CPU \"$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)\", load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# variant default, write_buffer_size $wbuf, $partitions partitions, $seconds s per run + up to $drain s drain; rates: $rates (0 = flat out)"

for rate in $rates; do
    for mode in tracker bound watchdog; do
        rm -rf "$work/db" "$work/log"
        case $mode in
        tracker) extra= ;;
        bound) extra="--max-lag $bound" ;;
        watchdog) extra="--watchdog $watchdog" ;;
        esac
        # shellcheck disable=SC2086
        "$demo" --db "$work/db" --log "$work/log" --partitions "$partitions" \
            --seconds "$seconds" --rate "$rate" --drain "$drain" \
            --write-buffer "$wbuf" --progress 0 --json $extra \
            >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
        # The longest flush of the run, in ms, from RocksDB's event log.
        flush_ms=$(grep -o '"time_micros": [0-9]*, "job": [0-9]*, "event": "flush_[a-z]*"' \
            "$work/db/LOG" | tr -d '",' | awk '
                $6 == "flush_started" { s[$4] = $2 }
                $6 == "flush_finished" && ($4 in s) {
                    d = ($2 - s[$4]) / 1000; if (d > m) m = d }
                END { printf "%.1f", m + 0 }')
        echo "run rate=$rate mode=$mode longest_flush_ms=$flush_ms"
        tail -n 1 "$work/out"
    done
done >"$work/raw"
cat "$work/raw"

echo
echo "# lag in ms; p50/p99/max over the records the watermark covered; uncov: never covered; lb_*: all records, uncovered ones at their age (lower bounds)"
awk -v bound="$bound" '
    function num(key,   r) {
        # the number after "key": in the JSON line (first match)
        if (match(json, "\"" key "\": [0-9.]+")) {
            r = substr(json, RSTART, RLENGTH); sub(/.*: /, "", r); return r + 0
        }
        return -1
    }
    function lag(which, key,   s, r) {
        s = json; sub(".*\"" which "\": \\{", "", s); sub(/\}.*/, "", s)
        if (match(s, "\"" key "\": [0-9.]+")) {
            r = substr(s, RSTART, RLENGTH); sub(/.*: /, "", r); return r + 0
        }
        return -1
    }
    /^run / {
        split($2, a, "="); rate = a[2]; split($3, a, "="); mode = a[2]
        split($4, a, "="); fl = a[2]; next
    }
    /^\{/ {
        json = $0
        k = ++n
        R[k] = rate; M[k] = mode; F[k] = fl
        ach[k] = num("rate"); forced[k] = num("forced_flushes")
        fapp[k] = num("forced_while_appending")
        flushes[k] = num("flushes"); files[k] = num("sst_files")
        bytes[k] = num("sst_bytes"); unc[k] = num("uncovered")
        p50[k] = lag("trim_lag_ms", "p50"); p99[k] = lag("trim_lag_ms", "p99")
        mx[k] = lag("trim_lag_ms", "max")
        lb99[k] = lag("trim_lag_lb_ms", "p99"); lbmx[k] = lag("trim_lag_lb_ms", "max")
        if (mode == "watchdog") wd[rate] = forced[k]
    }
    END {
        printf "%-6s %-8s %8s %8s %8s %8s %6s %8s %8s %6s %6s %7s %5s %9s %8s  %s\n",
            "rate", "mode", "achieved", "p50", "p99", "max", "uncov", "lb_p99",
            "lb_max", "forced", "f_app", "flushes", "ssts", "sst_bytes",
            "flush_ms", "target"
        for (k = 1; k <= n; k++) {
            t = ""
            if (M[k] == "bound") {
                lim = bound + (bound / 10 < 100 ? bound / 10 : 100) + F[k]
                t = (unc[k] == 0 && mx[k] <= lim) ? "lag ok" : "LAG OVER"
                t = t sprintf(" (max %.0f <= %.0f?)", mx[k], lim)
                t = t ((R[k] in wd) && forced[k] <= wd[R[k]] ? ", forced ok" : ", FORCED > WATCHDOG")
                if (R[k] == 0) t = t (fapp[k] == 0 ? ", 0 forced flat out" : ", FORCED FLAT OUT")
            }
            printf "%-6s %-8s %8.0f %8.1f %8.1f %8.1f %6d %8.1f %8.1f %6d %6d %7d %5d %9d %8.1f  %s\n",
                (R[k] == 0 ? "max" : R[k]), M[k], ach[k], p50[k], p99[k], mx[k],
                unc[k], lb99[k], lbmx[k], forced[k], fapp[k], flushes[k], files[k],
                bytes[k], F[k], t
        }
    }' "$work/raw"
