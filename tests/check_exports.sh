#!/bin/sh
# The library must export lsn_tracker_* and nothing else, each declared in
# the public header and listed in the ABI table of support/lsn_abi.h, carry
# its SONAME, need the shared librocksdb and stay loaded (-z nodelete).
# Usage: check_exports.sh LIB HEADER ABI_TABLE
set -eu
lib=$1
header=$2
table=$3
fail=0
for f in $(nm -D --defined-only "$lib" | awk '$2 == "T" {print $3}'); do
    grep -q "[ *]$f(" "$header" || { echo "$f is not declared in $header"; fail=1; }
    grep -q "X([a-z_]*, $f)" "$table" || { echo "$f is not in the ABI table $table"; fail=1; }
done
bad=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[A-Z]$/ && $3 !~ /^lsn_tracker_/ {print $3}')
if [ -n "$bad" ]; then
    echo "exported symbols outside lsn_tracker_*:"; echo "$bad"; fail=1
fi
n=$(nm -D --defined-only "$lib" | awk '$3 ~ /^lsn_tracker_/' | wc -l)
[ "$n" -ge 15 ] || { echo "only $n lsn_tracker_* symbols exported"; fail=1; }
dyn=$(readelf -d "$lib")
echo "$dyn" | grep -q 'SONAME.*\[liblsn_tracker\.so\.0\]' || { echo "SONAME is not liblsn_tracker.so.0"; fail=1; }
echo "$dyn" | grep -q 'NEEDED.*\[librocksdb\.so' || { echo "librocksdb.so is not NEEDED"; fail=1; }
echo "$dyn" | grep -q 'FLAGS_1.*NODELETE' || { echo "not linked with -z nodelete"; fail=1; }
if nm "$lib" 2>/dev/null | grep -q ' T _ZN7rocksdb6DBImpl'; then
    echo "carries its own copy of RocksDB"; fail=1
fi
[ $fail -eq 0 ] && echo "exports: $n lsn_tracker_* symbols, nothing else"
exit $fail
