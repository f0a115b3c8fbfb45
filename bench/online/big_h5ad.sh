#!/bin/bash
# The out-of-core target of docs/benchmarks.md, "Online NMF": a sparse .h5ad much larger than
# --max-memory factorized online at k = 20 under /usr/bin/time -v, and its dictionary compared
# with a full-batch fit of a subset of the cells that fits in memory.
#
#   bash bench/online/big_h5ad.sh [NMFKIT] [DIR] [CELLS] [SUBSET_CELLS] [MAX_MEMORY] [PASSES]
#
# Defaults: build/cli/nmfkit, /tmp, 2000000 cells (x 30000 genes, about 2e8 stored entries,
# 1.6 GB), the first 200000 cells as the subset, --max-memory 192M (1/8 of the file's arrays,
# float32 data + int32 indices + int64 indptr), 3 passes. The comparison: W_online from the
# online fit of all cells; on the subset S, e_online = the relative error ||V_S - W_online H||_F
# / ||V_S||_F with H = argmin_{H >= 0} ||V_S - W_online H||_F (nmfkit transform), and e_full the
# relative error of a full-batch fit of V_S alone (HALS, 100 iterations, tol 0); the objective
# ratio is (e_online / e_full)^2, the same ||V_S||_F^2 cancelling. The files are deleted at the end.
set -euo pipefail
tool=${1:-build/cli/nmfkit}
dir=${2:-/tmp}
cells=${3:-2000000}
subset=${4:-200000}
limit=${5:-192M}
passes=${6:-3}
here=$(dirname "$0")
big="$dir/nmfkit-online-big-$$.h5ad"
sub="$dir/nmfkit-online-sub-$$.h5ad"
work=$(mktemp -d "$dir/nmfkit-online-XXXXXX")
trap 'rm -rf "$big" "$sub" "$work"' EXIT

uptime
/usr/bin/python3 "$here/make_h5ad.py" "$big" --cells "$cells" --per-cell 104 | tail -1
/usr/bin/python3 "$here/make_h5ad.py" "$sub" --cells "$subset" --per-cell 104 | tail -1

timed() {  # runs "$@" under /usr/bin/time -v; prints its stdout, peak RSS, wall time, exit status
    local rc=0
    /usr/bin/time -v "$@" > "$work/out" 2> "$work/err" || rc=$?
    cat "$work/out"
    grep -E "error:" "$work/err" || true
    grep -E "Maximum resident set size|Elapsed \(wall clock\)" "$work/err"
    echo "exit $rc"
}

echo "== full batch of all cells with --max-memory $limit (refused before reading)"
timed "$tool" fit "$big" --transpose -k 20 --max-memory "$limit" -q
echo "== online, all cells, --max-memory $limit"
timed "$tool" fit "$big" --online --transpose -k 20 --batch-size 4096 --passes "$passes" \
    --max-memory "$limit" --threads 2 --seed 0 -W "$work/W_online.npy"
echo "== full batch of the first $subset cells"
timed "$tool" fit "$sub" --transpose -k 20 --threads 2 --seed 0 --tol 0 --max-iter 100
echo "== the online W on the same cells"
timed "$tool" transform "$sub" --transpose --basis "$work/W_online.npy" -o "$work/H.npy" --threads 2
uptime
