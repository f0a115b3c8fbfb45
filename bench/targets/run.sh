#!/bin/bash
# Issue 19's target grid (docs/benchmarks.md, "Issue 19's targets on both dispatch paths"): the
# dense Frobenius solvers at k = 10, 20, 50 and the sparse rows at k = 20, in both precisions,
# under each NMFKIT_ISA path the CPU has, ROUNDS alternated rounds (the VM's speed moves within
# the hour, so every path gets a run in every round). Prints the benchmarks' own rows under
# "## round R isa I ..." headers; bench/targets/table.py turns them into the docs' table.
#
#   bash bench/targets/run.sh [BENCH_DIR] [ROUNDS] [ISAS] > grid.txt
#
# Defaults: build/bench, 3 rounds, "avx512 avx2" (a path the CPU lacks is capped to what it has:
# `nmfkit info` tells). The probes measure the machine at its widest vectors whatever
# NMFKIT_ISA says, so every path is held to the same bound.
set -euo pipefail
dir=${1:-build/bench}
rounds=${2:-3}
isas=${3:-"avx512 avx2"}
dense_rows=mu/frobenius,als/frobenius,hals/frobenius,cd/frobenius,anls_bpp/frobenius
for round in $(seq 1 "$rounds"); do
    for isa in $isas; do
        for k in 10 20 50; do
            echo "## round $round isa $isa dense k=$k $(date -u +%T)"
            NMFKIT_ISA=$isa "$dir/nmfkit_bench_solvers" --threads 2 --iters 30 --scalar both \
                --rank "$k" --only "$dense_rows" 2>&1 | grep -E '^\| [a-z]|probe' | grep -v '^| solver'
        done
        for scalar in float64 float32; do
            for row in mu/frobenius hals/frobenius mu/kullback_leibler cd/kullback_leibler; do
                echo "## round $round isa $isa sparse $scalar $row $(date -u +%T)"
                NMFKIT_ISA=$isa "$dir/nmfkit_bench_sparse" --threads 2 --iters 10 \
                    --scalar "$scalar" --only "$row" 2>&1 | grep -E '^\| [a-z]|probe' | grep -v '^| solver'
            done
        done
    done
done
