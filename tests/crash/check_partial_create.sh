#!/bin/sh
# A kill during lsn-demo's first open can leave a database whose column
# families are not all created yet, beside a log that already has records.
# --check must see "nothing applied yet", not fail to open it.
# Usage: check_partial_create.sh LSN_DEMO LDB
set -eu
demo=$1
ldb=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/lsn-partial-XXXXXX")
trap 'rm -rf "$dir"' EXIT
# A log with records, made by a run against another database.
"$demo" --db "$dir/other" --log "$dir/log" --records 50 --variant atomic \
    --progress 0 >/dev/null
# A database with only the default column family, as a killed open leaves it.
"$ldb" --db="$dir/db" --create_if_missing put k v >/dev/null
"$ldb" --db="$dir/db" delete k >/dev/null
"$demo" --check --db "$dir/db" --log "$dir/log" --variant atomic
