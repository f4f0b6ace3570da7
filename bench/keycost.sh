#!/bin/sh
# Runs bench_keycost under callgrind and prints instructions per call:
# LsnCollector::AddUserKey beside CompactOnDeletionCollector::AddUserKey
# for each kind of key, and lsn_tracker_get / lsn_tracker_cf_get. The
# counts are deterministic: the same build gives the same figures on any
# load. Exits 77 (skipped) without valgrind.
#
# Usage: bench/keycost.sh [--quick] [--n N] [--partitions P] [--out DIR]
#            [--preload SO] BENCH_KEYCOST
# --preload SO measures the collector of another build of the library
# (LD_PRELOAD; the get sections are skipped, as older builds lack
# lsn_tracker_cf).
set -eu
n=100000
partitions=100000
out=
preload=
while [ $# -gt 1 ]; do
    case "$1" in
    --quick) n=2000; partitions=1000; shift ;;
    --n) n=$2; shift 2 ;;
    --partitions) partitions=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --preload) preload=$(readlink -f "$2"); shift 2 ;;
    *) break ;;
    esac
done
[ $# -eq 1 ] || { echo "usage: $0 [--quick] [--n N] [--partitions P] [--out DIR] [--preload SO] BENCH_KEYCOST" >&2; exit 2; }
prog=$1
here=$(cd "$(dirname "$0")" && pwd)
command -v valgrind >/dev/null || { echo "valgrind not found: skipped"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/lsnb-keycost-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
[ -n "$out" ] || out=$work
mkdir -p "$out"
rm -f "$out"/keycost.cg*

echo "# bench_keycost under callgrind: $(valgrind --version); n=$n partitions=$partitions${preload:+; LD_PRELOAD=$preload}"
if [ -n "$preload" ]; then
    LD_PRELOAD=$preload valgrind --tool=callgrind \
        --callgrind-out-file="$out/keycost.cg" "$prog" --n "$n" \
        --collectors-only >"$out/keycost.log" 2>&1
else
    valgrind --tool=callgrind --callgrind-out-file="$out/keycost.cg" \
        "$prog" --n "$n" --partitions "$partitions" >"$out/keycost.log" 2>&1
fi || { tail -30 "$out/keycost.log" >&2; exit 1; }
grep -v '^==' "$out/keycost.log"
ls "$out"/keycost.cg.* >/dev/null 2>&1 ||
    { echo "no per-section dumps: was bench_keycost built without valgrind/callgrind.h?" >&2; exit 1; }
echo
sh "$here/instr_table.sh" --keycost "$out"
