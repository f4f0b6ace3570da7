#!/bin/sh
# Shows that lsn-demo --check, which the crash harness trusts, fails on
# each kind of violation it is meant to catch: (a) a watermark above the
# persisted applied LSN, (b) a record above it, or above every reported
# watermark, trimmed from the log, (c) a record never applied at the end.
# Usage: check_bites.sh LSN_DEMO
set -eu
demo=$1
dir=$(mktemp -d "${TMPDIR:-/tmp}/lsn-bites-XXXXXX")
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
run() { "$demo" --db "$dir/db" --log "$dir/log" --report "$dir/report" \
    --progress 0 "$@"; }
must_fail() { # what, then the check's flags
    what=$1; shift
    if "$demo" --check --db "$dir/db" --log "$dir/log" --progress 0 "$@" \
        >"$dir/out" 2>&1; then
        cat "$dir/out" >&2
        fail "check passed despite $what"
    fi
    grep -q "FAILED" "$dir/out" || fail "no reason given for $what"
    echo "caught $what: $(sed -n 's/.*FAILED: //p' "$dir/out")"
}

# A clean run keeps the whole log (large segments): everything applied.
run --records 3000 --segment-records 1000000
cp -r "$dir/db" "$dir/db.old"
run --records 3000 --segment-records 1000000
# A restart recovers, and reports, the watermarks of the second run.
run --seconds 0 --segment-records 1000000
"$demo" --check --db "$dir/db" --log "$dir/log" --report "$dir/report" \
    --verify >/dev/null || fail "check failed on a sound state"

# (c) an older database with the newer log: records never applied.
rm -rf "$dir/db.new" && mv "$dir/db" "$dir/db.new" && cp -r "$dir/db.old" "$dir/db"
must_fail "unapplied records" --verify
# (a) the report says more was durable than the database holds.
must_fail "a watermark ahead of the database" --report "$dir/report"
rm -rf "$dir/db" && mv "$dir/db.new" "$dir/db"

# (b) a trimming run, then the database is lost: trimmed records are gone.
run --records 5000 --segment-records 100
# ... trimmed past every watermark in a report (here: an empty one).
: >"$dir/empty"
must_fail "records trimmed beyond the reported watermarks" --report "$dir/empty"
rm -rf "$dir/db"
must_fail "records trimmed above the applied LSN"
echo "check_bites: ok"
