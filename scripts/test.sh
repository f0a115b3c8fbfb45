#!/usr/bin/env bash
# Sets up, builds, and runs every test (ctest: library, CLI). With --sanitize, builds into
# build-asan with AddressSanitizer + UndefinedBehaviorSanitizer and runs the same tests there.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/setup.sh"
if [ "${1:-}" = "--sanitize" ]; then
    build="$root/build-asan"
    bash "$root/scripts/build.sh" "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNMFKIT_SANITIZE=ON \
        -DNMFKIT_BUILD_BENCH=OFF
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
else
    build="$root/build"
    bash "$root/scripts/build.sh" "$build"
fi
ctest --test-dir "$build" --output-on-failure --parallel "$(nproc)"
