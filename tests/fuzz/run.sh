#!/usr/bin/env bash
# Runs each libFuzzer harness (tests/fuzz: csv, matrix_market, npy, npz and the checkpoint file of
# fit --checkpoint) for SECONDS, seeded from the files of tests/data (the bad-input corpus and the
# format fixtures), as many at a time as there are cores.
#
# Usage: bash tests/fuzz/run.sh [SECONDS [BUILD_DIR]]
#   SECONDS    fuzzing time per harness (default 180; five harnesses, so about 5 x SECONDS / cores
#              in all).
#              0 runs every seed once and stops: a quick regression check of the corpus.
#   BUILD_DIR  default build-fuzz (relative to the repository root). The harnesses are (re)built
#              there first with clang++, ASan, UBSan and libFuzzer; configured if it is empty.
#   The older form run.sh BUILD_DIR [SECONDS] is still accepted.
# Exit status 0 when no harness found a crash, leak, timeout (10 s an input) or RSS over 2 GiB; 1
# otherwise, with the input in BUILD_DIR/fuzz-crashes/READER and the log in BUILD_DIR/fuzz-READER.log:
# copy it into tests/data/bad/ as fuzz_READER_N.EXT and add a row under "# regressions" in
# tests/data/bad/expected.tsv. New interesting inputs go to BUILD_DIR/fuzz-corpus/READER (not
# committed; reused by the next run).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
seconds=180
build="$root/build-fuzz"
if [[ $# -ge 1 && ! "$1" =~ ^[0-9]+$ ]]; then  # run.sh BUILD_DIR [SECONDS]
    build="$1"
    seconds="${2:-180}"
elif [[ $# -ge 1 ]]; then
    seconds="$1"
    build="${2:-$build}"
fi
[[ "$build" = /* ]] || build="$root/$build"

# Build (incremental): the harnesses must test the current sources. ccache paths relative to the
# repository root, as scripts/build.sh.
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
if [[ ! -f "$build/CMakeCache.txt" ]]; then
    launcher=()
    if command -v ccache >/dev/null; then
        launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
    fi
    CXX=clang++ CC=clang cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DNMFKIT_BUILD_FUZZERS=ON -DNMFKIT_BUILD_BENCH=OFF -DNMFKIT_BUILD_PYTHON=OFF \
        "${launcher[@]}" \
        -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
        >/dev/null
fi
cmake --build "$build" --target nmfkit_fuzzers >/dev/null

data="$root/tests/data"
declare -A patterns=([csv]='*.csv *.tsv *.tab *.csv.gz *.tsv.gz'
                     [matrix_market]='*.mtx *.mm *.mtx.gz'
                     [npy]='*.npy *.npy.gz' [npz]='*.npz *.npz.gz' [checkpoint]='*.ckpt')
declare -A dicts=([csv]=csv.dict [matrix_market]=matrix_market.dict)
# The harnesses run side by side, as many at a time as there are cores (each is one process of
# one thread), each for SECONDS of wall time; the report follows in reader order.
parallel=$(nproc)
running=0
readers=(csv matrix_market npy npz checkpoint)
for reader in "${readers[@]}"; do
    seeds="$build/fuzz-seeds/$reader"
    corpus="$build/fuzz-corpus/$reader"
    crashes="$build/fuzz-crashes/$reader"
    rm -rf "$seeds" "$build/fuzz-$reader.status"
    mkdir -p "$seeds" "$corpus" "$crashes"
    for p in ${patterns[$reader]}; do
        # NOTE: prefixed with the directory, so that files of the same name do not overwrite.
        find "$data" -name "$p" -type f -print0 | while IFS= read -r -d '' f; do
            rel="${f#"$data"/}"
            cp "$f" "$seeds/${rel//\//_}"
        done
    done
    args=("$corpus" "$seeds" -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$crashes/"
          -print_final_stats=1)
    if [[ -n "${dicts[$reader]:-}" ]]; then
        args+=(-dict="$root/tests/fuzz/${dicts[$reader]}")
    fi
    if [[ "$seconds" -eq 0 ]]; then
        args+=(-runs=0)
    else
        args+=(-max_total_time="$seconds")
    fi
    echo "fuzz: $reader for ${seconds}s ($(ls "$seeds" | wc -l) seeds, $(ls "$corpus" | wc -l) saved)"
    if [[ $running -ge $parallel ]]; then
        wait -n || true
        running=$((running - 1))
    fi
    ( rc=0
      "$build/tests/fuzz/nmfkit_fuzz_$reader" "${args[@]}" > "$build/fuzz-$reader.log" 2>&1 || rc=$?
      echo "$rc" > "$build/fuzz-$reader.status" ) &
    running=$((running + 1))
done
wait
status=0
failed=0
for reader in "${readers[@]}"; do
    if [[ "$(cat "$build/fuzz-$reader.status" 2>/dev/null)" != 0 ]]; then
        echo "fuzz: $reader FOUND A CRASH, see $build/fuzz-$reader.log and $build/fuzz-crashes/$reader"
        status=1
        failed=$((failed + 1))
    fi
    echo "fuzz: $reader:"
    grep -E "^(stat::number_of_executed_units|stat::new_units_added|#[0-9]+ +DONE)" \
        "$build/fuzz-$reader.log" || true
done
echo "fuzz: $((${#readers[@]} - failed)) passed, $failed failed"
exit $status
