#!/bin/sh
# Prints instruction-count tables from raw callgrind files: every figure is
# computed here from the files' counts, nothing is typed in.
#
#   bench/instr_table.sh --keycost DIR
#       DIR holds keycost.cg.<n>, one file per section of bench_keycost
#       (callgrind names each after the client request that dumped it).
#       Per section: calls into the measured function and its inclusive
#       instructions (itself and all it calls) divided by the calls.
#
#   bench/instr_table.sh --db-bench DIR NUM
#       DIR holds db_bench.{none,cod,lsn}.<rep>.cg of bench/db_bench_instr.sh,
#       NUM keys written. Whole-process totals (each side's median over the
#       repetitions), their differences per key written, and per call of
#       the collector functions (from the first repetition).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
funcs() { awk -f "$here/cg_funcs.awk" "$1"; }

# calls and inclusive cost of the functions whose name matches an ERE
pick() { # funcs_file regex -> "calls inclusive self"
    awk -F'\t' -v re="$2" '$1 != "edge" && $1 != "total" && $4 ~ re {
        c += $1; i += $3; s += $2 } END { printf "%.0f %.0f %.0f\n", c, i, s }' "$1"
}

keycost() {
    dir=$1
    tmp=$(mktemp)
    trap 'rm -f "$tmp" "$tmp".*' EXIT
    for f in "$dir"/keycost.cg.*; do
        sec=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
        funcs "$f" >"$tmp.f"
        case "$sec" in
        "collector lsn "*) re='LsnCollector::AddUserKey' ;;
        "collector cod "*) re='CompactOnDeletionCollector::AddUserKey' ;;
        "get by name") re='^lsn_tracker_get$' ;;
        "get by handle") re='^lsn_tracker_cf_get$' ;;
        *) continue ;;
        esac
        set -- $(pick "$tmp.f" "$re")
        echo "$sec|$1|$2"
    done >"$tmp"
    awk -F'|' '
        function per(s) { return calls[s] ? incl[s] / calls[s] : -1 }
        { calls[$1] = $2; incl[$1] = $3 }
        END {
            print "instructions per call, inclusive (callgrind; the function and all it calls)"
            printf "%-14s %10s %14s %28s %8s\n", "key kind", "calls", "LsnCollector", "CompactOnDeletionCollector", "lsn/cod"
            split("match same-length other-length", kinds, " ")
            for (k = 1; k <= 3; k++) {
                l = "collector lsn " kinds[k]; c = "collector cod " kinds[k]
                if (!(l in calls)) continue
                printf "%-14s %10d %14.1f %28.1f %8.2f\n", kinds[k], calls[l], per(l), per(c), per(l) / per(c)
            }
            if ("get by name" in calls) {
                printf "\nlsn_tracker_get (by name)  %10d calls %8.1f per call\n", calls["get by name"], per("get by name")
                printf "lsn_tracker_cf_get (handle) %9d calls %8.1f per call\n", calls["get by handle"], per("get by handle")
            }
            ok = 1
            for (k = 2; k <= 3; k++) {
                l = "collector lsn " kinds[k]; c = "collector cod " kinds[k]
                if ((l in calls) && per(l) > per(c)) ok = 0
            }
            printf "\ntarget: LsnCollector <= CompactOnDeletionCollector for keys that are not applied-LSN keys: %s\n", ok ? "met" : "NOT met"
        }' "$tmp"
}

db_bench() {
    dir=$1
    num=$2
    tmp=$(mktemp)
    trap 'rm -f "$tmp" "$tmp".*' EXIT
    median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.0f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
    for side in none cod lsn; do
        funcs "$dir/db_bench.$side.1.cg" >"$tmp.$side"
        for f in "$dir"/db_bench.$side.*.cg; do
            sed -n 's/^summary: //p' "$f"
        done >"$tmp.$side.totals"
    done
    t_none=$(median <"$tmp.none.totals")
    t_cod=$(median <"$tmp.cod.totals")
    t_lsn=$(median <"$tmp.lsn.totals")
    reps=$(wc -l <"$tmp.none.totals")
    if [ "$reps" -gt 1 ]; then
        echo "each side's runs (instructions):"
        for side in none cod lsn; do
            echo "  $side: $(sort -n "$tmp.$side.totals" | tr '\n' ' ')"
        done
        echo
    fi
    echo "whole process, db_bench fillrandom, $num keys written (median of $reps run(s) per side)"
    awk -v n="$t_none" -v c="$t_cod" -v l="$t_lsn" -v k="$num" 'BEGIN {
        printf "%-5s %16s %10s %14s\n", "side", "instructions", "vs none", "per key written"
        printf "%-5s %16.0f %10s %14s\n", "none", n, "", ""
        printf "%-5s %16.0f %+9.2f%% %+14.1f\n", "cod", c, 100 * (c - n) / n, (c - n) / k
        printf "%-5s %16.0f %+9.2f%% %+14.1f\n", "lsn", l, 100 * (l - n) / n, (l - n) / k
        printf "lsn - cod: %+.0f instructions (%+.1f per key written); target <= 0: %s\n",
            l - c, (l - c) / k, l <= c ? "met" : "NOT met"
    }'
    echo
    echo "per call of the collector path (inclusive unless marked self)"
    printf '%-58s %10s %10s\n' function calls per_call
    for row in \
        "cod|UserKeyTablePropertiesCollector::InternalAdd|RocksDB's adapter, cod side" \
        "lsn|UserKeyTablePropertiesCollector::InternalAdd|RocksDB's adapter, lsn side" \
        "cod|CompactOnDeletionCollector::AddUserKey|CompactOnDeletionCollector::AddUserKey" \
        "lsn|LsnCollector::AddUserKey|LsnCollector::AddUserKey" \
        "lsn|LsnCollector::Candidate|  of which LsnCollector::Candidate (candidates only)" \
        "lsn|^lsn_accum_add|  of which lsn_accum_add*" \
        "lsn|^lsn_layout_match|  of which lsn_layout_match*"; do
        side=${row%%|*}
        rest=${row#*|}
        re=${rest%%|*}
        label=${rest#*|}
        set -- $(pick "$tmp.$side" "$re")
        [ "$1" -gt 0 ] || continue
        awk -v l="$label" -v c="$1" -v i="$2" 'BEGIN { printf "%-58s %10d %10.1f\n", l, c, i / c }'
    done
    # libc calls made by our matcher (memcmp and the like), per AddUserKey
    calls=$(pick "$tmp.lsn" 'LsnCollector::AddUserKey' | awk '{ print $1 }')
    awk -F'\t' -v calls="$calls" '$1 == "edge" && $4 ~ /^lsn_|LsnCollector/ &&
        $5 ~ /memcmp|memcpy|strlen/ { c += $3 } END {
        printf "%-58s %10s %10.1f\n", "  of which libc string calls", "", calls ? c / calls : 0 }' "$tmp.lsn"
    echo
    echo "the plugin's other work (inclusive, whole run)"
    for re in 'LsnCollector::Finish' 'LsnFlushListener::OnFlushCompleted' \
        'LsnCollectorFactory::ConfigureOptions' 'LsnFlushListener::ConfigureOptions' \
        'LsnCollectorFactory::CreateTablePropertiesCollector'; do
        set -- $(pick "$tmp.lsn" "$re")
        printf '%-58s %10d %10d\n' "$re" "$1" "$2"
    done
}

case "${1:-}" in
--keycost) keycost "$2" ;;
--db-bench) db_bench "$2" "$3" ;;
*) echo "usage: $0 --keycost DIR | --db-bench DIR NUM" >&2; exit 2 ;;
esac
