#!/bin/sh
# Shows that the lifecycle variants catch a broken tracker, in the demo's
# own audit (which stops it with exit status 3 before the log is cut) and
# in `lsn-demo --check` afterwards, which the crash harness trusts:
#   stale    a tracker that keeps the old incarnation's watermarks after a
#            destroy, a checkpoint restore or a column family drop;
#   behind   one that raises from a file ingested behind newer data;
#   partial  one that raises from a flush of the applied-LSN key's column
#            family alone under atomic_flush.
# The broken tracker is simulated with lsn_tracker_seed (lsn-demo --fault).
# Then a log trimmed where a re-creation needs all of it, and the report's
# incarnation markers: a watermark above the database fails the check after
# the last marker and is ignored before it.
# Usage: check_lifecycle_bites.sh LSN_DEMO
set -eu
demo=$1
dir=$(mktemp -d "${TMPDIR:-/tmp}/lsn-lifebites-XXXXXX")
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
fresh() { rm -rf "$dir/db" "$dir/db.ckpt" "$dir/log" "$dir/report"; }
demo() { "$demo" --db "$dir/db" --log "$dir/log" --report "$dir/report" \
    --partitions 6 --segment-records 200 --progress 0 --seed 7 "$@"; }
check() { "$demo" --check --db "$dir/db" --log "$dir/log" \
    --report "$dir/report" --segment-records 200 "$@"; }

bites() { # variant fault
    fresh
    st=0
    demo --variant "$1" --fault "$2" --records 60000 >"$dir/out" 2>&1 || st=$?
    [ "$st" = 3 ] || { cat "$dir/out" >&2; fail "$1 --fault $2 exited $st, not 3"; }
    grep -q "AUDIT" "$dir/out" || fail "$1 --fault $2: no AUDIT line"
    if check --variant "$1" >"$dir/check" 2>&1; then
        cat "$dir/check" >&2
        fail "$1 --fault $2: --check passed"
    fi
    echo "caught $1 --fault $2: $(sed -n 's/.*AUDIT: //p' "$dir/out")"
    echo "  and --check: $(sed -n 's/.*FAILED: //p' "$dir/check")"
}

bites destroy stale
bites restore stale
bites dropcf stale
bites ingest behind
bites atomic-manual partial

# A re-creation replays the whole log: losing its first segment must fail
# the check, although every record above the applied LSNs is still there.
fresh
demo --variant destroy --records 5000 >/dev/null
check --variant destroy >/dev/null || fail "check failed on a sound destroy state"
rm "$(ls "$dir"/log/seg-*.log | head -n 1)"
if check --variant destroy >"$dir/check" 2>&1; then
    fail "destroy: a log without its first records passed"
fi
echo "caught a trimmed log in destroy: $(sed -n 's/.*FAILED: //p' "$dir/check")"

# Markers scope the report: a sound restore run, then a watermark above
# everything appended after the last marker fails; a marker after it makes
# it the old incarnation's, which no longer counts.
fresh
demo --variant restore --records 30000 >/dev/null
grep -q "^I db" "$dir/report" || fail "restore run wrote no incarnation marker"
check --variant restore --verify >/dev/null || fail "check failed on a sound state"
echo "W 0 999999999 0" >>"$dir/report"
if check --variant restore >/dev/null 2>&1; then
    fail "a watermark above the database passed after the last marker"
fi
echo "I db" >>"$dir/report"
check --variant restore --verify >/dev/null ||
    fail "a watermark of an old incarnation still counted after a marker"
echo "markers: a watermark after the last one counts, before it not"
echo "check_lifecycle_bites: ok"
