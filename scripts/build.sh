#!/usr/bin/env bash
# Configures and builds nmfkit. Usage: scripts/build.sh [BUILD_DIR] [extra CMake arguments...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
shift || true
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNMFKIT_WERROR=ON "$@" >/dev/null
cmake --build "$build" --parallel "$(nproc)"
