#!/usr/bin/env bash
# Sets up, builds, and factorizes the bundled classic 3 x 3 example with k = 2.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh" "$root/build"
"$root/build/cli/nmfkit" fit "$root/examples/classic3x3.csv" -k 2 --seed 1 --print --quiet
