#!/usr/bin/env bash
# clang-tidy (14, Debian 12) with .clang-tidy's checks (bugprone-*, the core/C++/dead-code static
# analyzers and a few misc/performance checks that find real bugs) over the library's, io's and the
# tools' own translation units, with the compile commands of BUILD_DIR's configuration. Fails on
# any finding. Usage: scripts/check_tidy.sh [BUILD_DIR] [--all [--record]] [FILE...]
# Without FILEs or --all, it checks the units that include a file changed since the commit named in
# .ci/tidy-clean, on which every unit passed (scripts/tidy_scope.py says how, and when it checks
# all of them instead). --all checks every unit; --record then writes HEAD's commit to
# .ci/tidy-clean (a clean working tree only: the record says that commit passed).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
shift || true
all=0
record=0
while [ $# -gt 0 ]; do
    case "$1" in
    --all) all=1 ;;
    --record) record=1 ;;
    *) break ;;
    esac
    shift
done
if [ $record -eq 1 ] && { [ $all -eq 0 ] || [ -n "$(git -C "$root" status --porcelain)" ]; }; then
    echo "check_tidy: --record needs --all and a clean working tree (the commit is what passed)" >&2
    exit 2
fi
cd "$root"
if [ ! -f "$build/CMakeCache.txt" ]; then
    echo "check_tidy: $build is not a configured build; build first (scripts/build.sh)" >&2
    exit 2
fi
# The build's unity batches (NMFKIT_UNITY_BUILD) list only the batch files in its
# compile_commands.json; clang-tidy reads one command per source file. So it takes them from a
# configuration of its own without unity batches (configured, never built), with the build's
# MPI choice (which decides what is compiled).
mpi="$(sed -n 's/^NMFKIT_WITH_MPI:BOOL=//p' "$build/CMakeCache.txt")"
db="$build/tidy-db"
cmake -S "$root" -B "$db" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNMFKIT_UNITY_BUILD=OFF \
    -DNMFKIT_WITH_MPI="${mpi:-OFF}" -DNMFKIT_BUILD_BENCH=OFF >/dev/null
built="$build"
build="$db"
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
    mapfile -t files < <(git ls-files 'src/*.cpp' 'io/*.cpp' 'cli/*.cpp' | while read -r f; do
        # Only what this build compiles (nmfkit-mpi and the MPI reader need an MPI build). The
        # float twins of the fit units instantiate the same templates as the double ones (the
        # checks read the template code, not the scalar type) and would double the longest part.
        case "$f" in src/engine/fit_*_float.cpp) continue ;; esac
        # The experimental CUDA plugin's host units (src/device/linalg.cpp,
        # engine/device_plugin.cpp) are left to the compiler's warnings: CI's time
        # (docs/design.md, "Device").
        case "$f" in src/device/linalg.cpp | src/engine/device_plugin.cpp) continue ;; esac
        if grep -q "\"file\": \"$root/$f\"" "$build/compile_commands.json"; then echo "$f"; fi
    done)
    # Only the units a change since the recorded clean commit can reach (the dependency log is the
    # built configuration's, given on the command line; tidy-db is never built).
    if [ $all -eq 0 ]; then
        mapfile -t files < <(printf '%s\n' "${files[@]}" |
            /usr/bin/python3 "$root/scripts/tidy_scope.py" "$root" "$built")
    fi
fi
# The longest units first, so that neither core waits alone at the end: the kernels (clang-tidy
# checks them once per compile command, i.e. once per instruction set: the longest by far), then
# the engine's, online and distributed fits; most others take a third of those (docs/design.md,
# "Tests").
long='^src/(linalg/kernels_isa|engine/fit_|online/|mpi/)'
mapfile -t files < <(printf '%s\n' "${files[@]}" | grep -E '^src/linalg/kernels_isa' || true
                     printf '%s\n' "${files[@]}" | grep -E "$long" | grep -v kernels_isa || true
                     printf '%s\n' "${files[@]}" | grep -vE "$long" || true)
mapfile -t files < <(printf '%s\n' "${files[@]}" | grep -v '^$' || true)
# The static analyzer's budget: at most 75000 explored nodes per top-level function (the
# analyzer's own "shallow" budget; "deep", its default, is 225000), inlining as deep as
# before. Most of tidy's time was the analyzer exhausting the deep budget in the functions that
# instantiate Eigen's expression templates: src/online/online.cpp 51 -> 21 CPU seconds,
# src/mpi/fit_distributed.cpp 54 -> 30 (docs/design.md, "Tests"). It is set on the command line:
# clang-tidy 14 does not pass .clang-tidy's CheckOptions to the analyzer's budgets.
analyzer=(--extra-arg=-Xclang --extra-arg=-analyzer-config --extra-arg=-Xclang
          --extra-arg=max-nodes=75000)
# GCC-only warning flags in the compile commands are unknown to clang: not a finding.
# Findings in the project's own headers count; the system's (Eigen, OpenBLAS) do not.
printf '%s\n' "${files[@]}" | xargs -r -P "$(nproc)" -n 1 clang-tidy -p "$build" --quiet \
    --header-filter="^$root/(src|io|cli|include|python)/" \
    --extra-arg=-Wno-unknown-warning-option "${analyzer[@]}" 2>/dev/null
echo "tidy: ${#files[@]} translation units, no findings"
if [ $record -eq 1 ]; then
    {
        echo "# The last commit on which scripts/check_tidy.sh --all found nothing (written by its --record)."
        git -C "$root" rev-parse HEAD
    } > "$root/.ci/tidy-clean"
    echo "tidy: recorded $(git -C "$root" rev-parse --short HEAD) in .ci/tidy-clean; commit it"
fi
