#!/usr/bin/env bash
# Runs tests/valgrind_fits.cpp under valgrind, whose virtual CPU has AVX2 but not AVX-512
# (valgrind 3.19): the dispatch (src/linalg/kernels.hpp) must pick the avx2 kernels there, and
# small dense and sparse fits, Frobenius and KL, must run without one instruction valgrind does
# not implement (an AVX-512 instruction ends the program with SIGILL) and without memory errors.
# All fits run in one process (valgrind_fits.cpp says which): each valgrind start costs seconds.
# Usage: valgrind_dispatch.sh VALGRIND_FITS
set -euo pipefail
fits="$1"
export OMP_WAIT_POLICY=passive
unset NMFKIT_ISA
# No CUDA plugin (a path that does not exist; build_info() then says why there is no device): this
# test is about the CPU kernels, and loading the plugin's CUDA libraries under valgrind took three
# quarters of the test's time.
export NMFKIT_CUDA_PLUGIN=/nonexistent/libnmfkit_cuda.so
# The suppressions: glibc's loader, not nmfkit (see the file; a CUDA build's device query).
valgrind -q --error-exitcode=99 "--suppressions=$(dirname "$0")/valgrind_ldso.supp" "$fits" avx2
