#!/usr/bin/env bash
# The prepared GPU check of the experimental CUDA path (issue 23; docs/design.md, "Device"), for a
# machine with an NVIDIA GPU and the CUDA toolkit: builds with CUDA for this GPU, runs the device
# tests (label gpu: the device against the CPU; and the selection tests), then the benchmark
# (bench/gpu/bench_gpu.py: nmfkit's GPU path against its CPU path on 2 threads and, if importable,
# a few-line PyTorch MU/HALS on the same GPU, at the issue's two target sizes). Sized for < 10 min
# on 16 cores, each phase under a timeout: build 270 s, tests 60 s, benchmark 240 s (dense first,
# then sparse; rows are logged as they finish, so a cut run still reports what ran).
# Usage: scripts/gpu-check.sh [OUT_DIR]   (default: $OUT, else ./gpu-check-out)
# Writes OUT_DIR/gpu-check.md (paste into docs/benchmarks.md), build.log, tests.log, bench.log.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-${OUT:-$root/gpu-check-out}}"
mkdir -p "$out"
build="$root/build-gpu"
export CUDA_HOME="${CUDA_HOME:-/usr/local/cuda}"
export PATH="$CUDA_HOME/bin:$PATH"
report="$out/gpu-check.md"
{
    echo "## GPU check ($(date -u '+%Y-%m-%d %H:%M UTC'))"
    echo
    echo '```'
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | head -4
    nvcc --version 2>&1 | tail -1
    echo "host: $(nproc) cores; $(uptime)"
    echo '```'
} > "$report"

t0=$(date +%s)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache
    -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
if ! { cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNMFKIT_WITH_CUDA=ON \
        -DCMAKE_CUDA_ARCHITECTURES=native -DNMFKIT_BUILD_PYTHON=ON \
        -DPython_EXECUTABLE="$(command -v /usr/bin/python3 || command -v python3)" \
        -DNMFKIT_BUILD_BENCH=OFF -DNMFKIT_WITH_MPI=OFF "${launcher[@]}" &&
       timeout 270 cmake --build "$build" --parallel "$(nproc)" \
           --target nmfkit_cuda nmfkit_device_tests nmfkit_cli nmfkit_python; } > "$out/build.log" 2>&1; then
    echo "BUILD FAILED (build.log):" >> "$report"
    tail -30 "$out/build.log" >> "$report"
    exit 1
fi
echo "build: $(( $(date +%s) - t0 )) s" >> "$report"
"$build/cli/nmfkit" info 2>&1 | grep -E '^(CUDA|devices):' >> "$report"

t1=$(date +%s)
# The device tests: gpu-labelled comparisons and the selection tests (ctest lists skipped ones).
timeout 60 ctest --test-dir "$build" -R 'Device' --output-on-failure > "$out/tests.log" 2>&1
rc=$?
{
    echo
    echo "device tests (ctest -R Device): exit $rc, $(( $(date +%s) - t1 )) s"
    echo '```'
    grep -E 'tests passed|Skipped|Failed|\*\*\*' "$out/tests.log" | head -30
    echo '```'
} >> "$report"

t2=$(date +%s)
# The benchmark: dense first (the 30x and 2x targets), then the sparse KL target.
PYTHONPATH="$build/python" timeout 240 /usr/bin/python3 "$root/bench/gpu/bench_gpu.py" \
    --out "$out/bench.md" > "$out/bench.log" 2>&1
brc=$?
{
    echo
    echo "benchmark: exit $brc, $(( $(date +%s) - t2 )) s (uptime: $(uptime | sed 's/.*load/load/'))"
    if [ -s "$out/bench.md" ]; then cat "$out/bench.md"; else tail -20 "$out/bench.log"; fi
} >> "$report"
cat "$report"
