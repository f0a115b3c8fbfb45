#!/usr/bin/env bash
# Installs, with apt-get, every Debian package nmfkit needs to build and test. Idempotent: installs
# only what is missing, and does nothing (no network) when everything is there.
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config ccache
    libeigen3-dev libopenblas-openmp-dev
    libgtest-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev zlib1g-dev
    # AnnData .h5ad and 10x Genomics .h5 input (io/hdf5.cpp; optional: NMFKIT_WITH_HDF5), and the
    # Python modules that write its test files and run its benchmark
    libhdf5-dev python3-h5py python3-anndata
    # io fixtures (tests/data/*/make_*.py) and the Matrix Market benchmark against scipy
    python3-numpy python3-scipy
    # the Python module (python/, tests/python, docs/python.md): build, offline pip install, tests
    python3-dev pybind11-dev python3-pip python3-setuptools python3-wheel
    python3-sklearn python3-pytest python3-pandas
    # fuzz harnesses (tests/fuzz) and the sanitizer stage (scripts/test.sh --sanitize): clang with
    # libFuzzer, its sanitizer runtimes and its OpenMP
    clang libclang-rt-14-dev libomp-dev
    # style and static checks (.clang-format, .clang-tidy; scripts/check_format.sh, check_tidy.sh)
    clang-format clang-tidy
    # the distributed mode (src/mpi, nmfkit-mpi, ctest label mpi): Open MPI
    libopenmpi-dev openmpi-bin
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
