#!/usr/bin/env bash
# Sets up, builds, and runs every test (ctest: library, CLI; then the Python module with pytest).
# With --sanitize, builds into build-asan with AddressSanitizer + UndefinedBehaviorSanitizer and
# runs the ctest tests there but those labelled `slow` (they run in the plain build; see
# docs/design.md, "Tests"), not the Python ones (an ASan library inside Python needs LD_PRELOAD).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/setup.sh"
start=$SECONDS
if [ "${1:-}" = "--sanitize" ]; then
    build="$root/build-asan"
    # NOTE: without the MPI mode: Open MPI's own allocations that live until exit read as leaks to
    # LeakSanitizer (the mpi tests run in the plain build). NMFKIT_NATIVE=OFF as in the plain
    # build: the kernels of each instruction set the CPU runs are compiled (below), and their
    # tests run once per target (docs/design.md, "Instruction set").
    # -O1 -g1 (line tables: file and line in the sanitizers' stack traces) rather than
    # RelWithDebInfo's -O2 -g: full debug information for Eigen's templates made this build take
    # 951 s of the CI's time on 2 cores. Compiled with clang (and its OpenMP, libomp), which builds
    # the instrumented code in about half GCC's time, and which makes CI compile everything with a
    # second compiler (docs/design.md, "Tests"). It also builds the libFuzzer harnesses of the
    # readers (tests/fuzz), which CI runs from this build (tests/fuzz/run.sh 6 build-asan).
    # The kernels only for the targets this CPU runs (NMFKIT_KERNEL_ISAS): instrumented code that
    # cannot run here checks nothing, and on a CPU without AVX-512 its kernel object was 60 of the
    # stage's CPU seconds; the first stage compiles all three. The flags as /proc/cpuinfo lists
    # them; the library's own test (__builtin_cpu_supports) then picks among those built.
    flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
    isas="baseline"
    if [[ "$flags" == *" avx2 "* && "$flags" == *" fma "* ]]; then
        isas+=";avx2"
        if [[ "$flags" == *" avx512f "* && "$flags" == *" avx512dq "* &&
              "$flags" == *" avx512bw "* && "$flags" == *" avx512vl "* ]]; then
            isas+=";avx512"
        fi
    fi
    echo "test: kernels for $isas"
    bash "$root/scripts/build.sh" "$build" -DCMAKE_CXX_COMPILER=clang++ \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" -DNMFKIT_SANITIZE=ON \
        -DNMFKIT_BUILD_BENCH=OFF -DNMFKIT_WITH_MPI=OFF -DNMFKIT_NATIVE=OFF -DNMFKIT_BUILD_FUZZERS=ON \
        -DNMFKIT_WITH_CUDA=OFF "-DNMFKIT_KERNEL_ISAS=$isas"
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
else
    build="$root/build"
    bash "$root/scripts/build.sh" "$build" -DNMFKIT_BUILD_PYTHON=ON -DPython_EXECUTABLE=/usr/bin/python3
fi
echo "test: build took $((SECONDS - start)) s"
start=$SECONDS
skip=()
if [ "${1:-}" = "--sanitize" ]; then skip=(--label-exclude slow); fi
ctest --test-dir "$build" --output-on-failure --parallel "$(nproc)" "${skip[@]}"
echo "test: ctest took $((SECONDS - start)) s"
if [ "${1:-}" != "--sanitize" ]; then
    # `pip install .` as a user would, offline, with Debian's pip/setuptools (no build isolation),
    # into a directory of the build tree: --target leaves the system's site-packages alone (and
    # so needs no --break-system-packages under PEP 668). setup.py reuses this CMake build.
    start=$SECONDS
    site="$build/python-site"
    rm -rf "$site"
    NMFKIT_CMAKE_BUILD_DIR="$build" /usr/bin/python3 -m pip install --quiet --no-index --no-deps \
        --no-build-isolation --root-user-action=ignore --target "$site" "$root"
    (cd "$root" && PYTHONPATH="$site" /usr/bin/python3 -m pytest tests/python -q -p no:cacheprovider)
    echo "test: pip install and pytest took $((SECONDS - start)) s"
fi
