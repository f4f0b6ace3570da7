#!/bin/sh
# The bench_plots test: bench/plots.sh over the raw results in the tree,
# then again with get.txt printed afresh by `bench_get --quick`, so that a
# change to what bench_get prints that the script no longer parses fails
# here rather than at the next full run. The other results come from runs
# too long for a test and are parsed as committed. Exits 77 (skipped)
# without gnuplot.
#
# Usage: bench/plots_check.sh BENCH_GET OUT_DIR
set -eu
[ $# -eq 2 ] || { echo "usage: $0 BENCH_GET OUT_DIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
command -v gnuplot >/dev/null || { echo "gnuplot not found (apt-get install gnuplot-nox)" >&2; exit 77; }
res=$(mktemp -d "${TMPDIR:-/tmp}/lsnb-plotcheck-XXXXXX")
trap 'rm -rf "$res"' EXIT INT TERM
sh "$here/plots.sh" "$here/results" "$2/committed"
cp "$here"/results/*.txt "$res"/
"$1" --quick >"$res/get.txt"
sh "$here/plots.sh" "$res" "$2/fresh"
