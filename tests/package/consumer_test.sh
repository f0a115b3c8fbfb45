#!/usr/bin/env bash
# The C++ package as a user meets it: install nmfkit to a fresh prefix, then configure, build and
# run the project tests/package/consumer against it with find_package(nmfkit) and
# CMAKE_PREFIX_PATH only. Run by ctest (tests/CMakeLists.txt, tests package.*).
#
# Usage: consumer_test.sh MODE SOURCE_DIR BUILD_DIR WORK_DIR CXX_COMPILER [MPIEXEC]
#   static          install BUILD_DIR (a static build); the consumer links nmfkit::nmfkit and
#                   nmfkit::io and loads no libnmfkit at run time
#   shared          the same for a BUILD_SHARED_LIBS=ON build: the consumer loads the installed
#                   libnmfkit.so.0.x from the prefix
#   rebuild-shared  configure and build SOURCE_DIR again with BUILD_SHARED_LIBS=ON (the libraries
#                   only, in WORK_DIR/shared-build, kept between runs), then as `shared`
#   mpi             install BUILD_DIR; the MPI consumer links nmfkit::mpi and runs on 2 processes
# Extra CMake arguments for rebuild-shared come from NMFKIT_PACKAGE_CMAKE_ARGS.
set -euo pipefail
mode="$1" src="$2" build="$3" work="$4" cxx="$5" mpiexec="${6:-}"
mkdir -p "$work"
prefix="$work/prefix-$mode"
consumer="$work/consumer-$mode"
rm -rf "$prefix" "$consumer"

step() { echo "package.$mode: $*"; }

if [ "$mode" = rebuild-shared ]; then
    mode=shared
    shared_build="$work/shared-build"
    step "building the shared libraries in $shared_build"
    # shellcheck disable=SC2086
    cmake -S "$src" -B "$shared_build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
        -DBUILD_SHARED_LIBS=ON -DNMFKIT_BUILD_TESTS=OFF -DNMFKIT_BUILD_CLI=OFF \
        -DNMFKIT_BUILD_BENCH=OFF -DNMFKIT_BUILD_PYTHON=OFF -DNMFKIT_WITH_MPI=OFF \
        ${NMFKIT_PACKAGE_CMAKE_ARGS:-} >/dev/null
    cmake --build "$shared_build" >/dev/null
    build="$shared_build"
fi

step "installing $build to $prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null

step "configuring the consumer against $prefix"
args=(-S "$src/tests/package/consumer" -B "$consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release
      -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$prefix")
target=consumer
if [ "$mode" = mpi ]; then
    args+=(-DCONSUMER_MPI=ON)
    target=consumer_mpi
fi
# Quiet on success; on failure the tool's own output says why.
log="$work/$target-$mode.log"
cmake "${args[@]}" >"$log" 2>&1 || { cat "$log"; exit 1; }
step "building $target"
cmake --build "$consumer" --target "$target" >"$log" 2>&1 || { cat "$log"; exit 1; }

case "$mode" in
    static)
        # Nothing of nmfkit is loaded at run time: the static archives are in the program.
        if ldd "$consumer/consumer" | grep -q libnmfkit; then
            echo "package.static: the consumer needs a shared libnmfkit" >&2
            exit 1
        fi
        "$consumer/consumer" "$src/examples/docs.mtx"
        ;;
    shared)
        # The consumer loads the installed libnmfkit.so.MAJOR.MINOR (its soname) from the prefix.
        soname=$(ldd "$consumer/consumer" | awk '/libnmfkit\.so/ {print $1 " " $3}')
        echo "package.shared: $soname"
        case "$soname" in
            "libnmfkit.so.0."*" $prefix/"*) ;;
            *) echo "package.shared: the consumer does not load libnmfkit.so.0.x from $prefix" >&2
               exit 1 ;;
        esac
        "$consumer/consumer" "$src/examples/docs.mtx"
        ;;
    mpi)
        OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 \
            "$mpiexec" -n 2 --oversubscribe "$consumer/consumer_mpi"
        ;;
    *)
        echo "consumer_test.sh: unknown mode '$mode' (static, mpi or shared)" >&2
        exit 2
        ;;
esac
