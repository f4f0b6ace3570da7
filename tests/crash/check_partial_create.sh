#!/bin/sh
# A kill during lsn-demo's first open can leave a database whose column
# families are not all created yet, beside a log that already has records;
# so can a kill in the dropcf variant between dropping a column family and
# creating it again, beside families full of data. --check must finish the
# creation as the next start would, and check the rest as usual.
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

# dropcf: data in every group, then g1 dropped and not created again.
"$demo" --db "$dir/dropdb" --log "$dir/droplog" --records 20000 \
    --variant dropcf --partitions 6 --seed 1 --progress 0 >/dev/null
"$ldb" --db="$dir/dropdb" drop_column_family g1 >/dev/null
"$demo" --check --db "$dir/dropdb" --log "$dir/droplog" --variant dropcf
