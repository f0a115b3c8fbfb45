#!/usr/bin/env bash
# Configures and builds nmfkit. Usage: scripts/build.sh [BUILD_DIR] [extra CMake arguments...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
shift || true
# ccache (installed by setup.sh) when present: a rebuild of an unchanged file, in this clone or
# another one (paths are taken relative to the repository root), is a cache hit.
launcher=()
if command -v ccache >/dev/null; then
    export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache
        -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNMFKIT_WERROR=ON \
    "${launcher[@]}" "$@" >/dev/null
cmake --build "$build" --parallel "$(nproc)"
