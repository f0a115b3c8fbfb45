#!/usr/bin/env bash
# Runs nmfkit under valgrind, whose virtual CPU has AVX2 but not AVX-512 (valgrind 3.19): the
# dispatch (src/linalg/kernels.hpp) must pick the avx2 kernels there, and small dense and sparse
# fits, Frobenius and KL, must run without one instruction valgrind does not implement (an
# AVX-512 instruction ends the program with SIGILL) and without memory errors.
# Usage: valgrind_dispatch.sh NMFKIT
set -euo pipefail
nmfkit="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# One process: with OMP_WAIT_POLICY set nmfkit does not re-execute itself (cli/omp_env.cpp).
export OMP_WAIT_POLICY=passive
unset NMFKIT_ISA
# No CUDA plugin (a path that does not exist; `info` then says why there is no device): this test
# is about the CPU kernels, and loading the plugin's CUDA libraries under valgrind took three
# quarters of the test's time (`info` 45 CPU s under memcheck, a fit 3-4 s).
export NMFKIT_CUDA_PLUGIN=/nonexistent/libnmfkit_cuda.so
# The suppressions: glibc's loader, not nmfkit (see the file; CUDA builds' `info`).
vg=(valgrind -q --error-exitcode=99 --trace-children=yes
    "--suppressions=$(dirname "$0")/valgrind_ldso.supp")

info="$("${vg[@]}" "$nmfkit" info)"
if ! grep -Eq "^kernels: +avx2 " <<<"$info"; then
    echo "valgrind_dispatch: expected the avx2 kernels under valgrind, got:"
    grep -E "^kernels:" <<<"$info" || echo "(no kernels line)"
    exit 1
fi

# A dense 60 x 40 matrix and a sparse 300 x 200 one with ~2400 entries, positive, deterministic.
awk 'BEGIN { for (i = 0; i < 60; ++i) { line = ""; for (j = 0; j < 40; ++j)
        line = line (j ? "," : "") (((i * 7 + j * 13) % 17) + 1) / 3; print line } }' \
    >"$work/dense.csv"
awk 'BEGIN { n = 0; for (j = 1; j <= 200; ++j) for (i = 1; i <= 300; ++i)
        if ((i * 31 + j * 17) % 25 == 0) { r[n] = i; c[n] = j; v[n] = ((i + j) % 9) + 1; ++n }
    print "%%MatrixMarket matrix coordinate real general"; print 300, 200, n
    for (q = 0; q < n; ++q) print r[q], c[q], v[q] }' >"$work/sparse.mtx"

# Frobenius by HALS and MU (Grams, X·FᵀF), KL by MU (the sampled kernels and the KL terms) and
# CD; float32 and float64; the sparse KL also in the low-memory mode (the sampled scatter).
fit() {
    echo "valgrind_dispatch: fit $*"
    "${vg[@]}" "$nmfkit" fit "$@" --seed 1 --threads 2 --max-iter 8 -q \
        -W "$work/W.csv" -H "$work/H.csv"
}
# k = 20 runs the kernels' vector bodies and their remainders; k = 3 (below the vector width)
# once per input. The tails of every kernel at every k are tested per target by the kernel tests;
# each valgrind process costs seconds of start-up, so this test keeps to one k per fit.
for input in dense.csv sparse.mtx; do
    fit "$work/$input" -k 3 --loss frobenius --solver hals
    fit "$work/$input" -k 20 --loss frobenius --solver hals
    fit "$work/$input" -k 20 --loss frobenius --solver mu --dtype float32
    fit "$work/$input" -k 20 --loss kullback_leibler --solver mu
    fit "$work/$input" -k 20 --loss kullback_leibler --solver mu --dtype float32
    fit "$work/$input" -k 20 --loss kullback_leibler --solver cd
    fit "$work/$input" -k 3 --loss kullback_leibler --solver cd
done
fit "$work/sparse.mtx" -k 20 --loss kullback_leibler --solver mu --low-memory
echo "valgrind_dispatch: avx2 kernels, every fit clean"
