#!/usr/bin/env bash
# The rank-survey benchmark in one run (docs/benchmarks.md, "Rank survey"): nmfkit on the sparse
# document-term matrix and on a small dense one, then R's NMF package (nmfEstimateRank) on the
# same dense matrix. Usage: bench/rank/run.sh BUILD_DIR [extra nmfkit_bench_rank options]
set -euo pipefail
build="${1:?usage: run.sh BUILD_DIR}"
shift
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$build/bench/nmfkit_bench_rank" --dense-csv "$work/rank_dense.csv" "$@"
if command -v Rscript >/dev/null && Rscript -e 'library(NMF)' >/dev/null 2>&1; then
    Rscript "$here/nmf_estimate_rank.R" "$work/rank_dense.csv" 20 "$(nproc)" lee
else
    echo "R's NMF package not installed (apt-get install r-base-core r-cran-nmf): no R row"
fi
