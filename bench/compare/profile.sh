#!/usr/bin/env bash
# Where nmfkit's time goes on the benchmark matrices of bench/compare (for the gap analysis in
# docs/benchmarks.md): perf's software clock sampling (this VM exposes no hardware counters), flat
# profile by symbol, for the dense Frobenius default (hals) and the sparse KL default (cd), 2 threads.
# Usage: bash bench/compare/profile.sh [NMFKIT_BIN] [SCRATCH]   (run compare.py first: it writes
# the matrices to SCRATCH, default /tmp/nmfkit-compare)
set -euo pipefail
bin="${1:-build/cli/nmfkit}"
scratch="${2:-/tmp/nmfkit-compare}"
out="$scratch/profile"
mkdir -p "$out"
prof() {  # name, then nmfkit fit arguments
    local name="$1"; shift
    perf record -q -e cpu-clock -F 999 -o "$out/$name.data" -- "$bin" fit "$@" --tol 0 -q \
        --report "$out/$name.json" >/dev/null 2>&1
    echo "== $name: $* (fit $(/usr/bin/python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(f\"{r['timings']['fit']:.3f} s, {r['iterations']} iterations\")" "$out/$name.json"))"
    perf report -q -i "$out/$name.data" --no-children --sort symbol --percent-limit 2 2>/dev/null \
        | sed 's/[[:space:]]*$//' | head -20
}
prof dense_hals "$scratch/planted.npy" -k 20 --solver hals --max-iter 100 --threads 2 \
    --init-w "$scratch/planted_W0.npy" --init-h "$scratch/planted_H0.npy"
prof dense_hals_f32 "$scratch/planted.npy" -k 20 --solver hals --max-iter 100 --threads 2 \
    --dtype float32 --init-w "$scratch/planted_W0.npy" --init-h "$scratch/planted_H0.npy"
prof sparse_kl_cd "$scratch/docterm.mtx" -k 20 --loss kl --solver cd --max-iter 50 --threads 2 \
    --init-w "$scratch/docterm_W0.npy" --init-h "$scratch/docterm_H0.npy"
prof sparse_kl_mu "$scratch/docterm.mtx" -k 20 --loss kl --solver mu --max-iter 50 --threads 2 \
    --init-w "$scratch/docterm_W0.npy" --init-h "$scratch/docterm_H0.npy"
