#!/usr/bin/env bash
# Runs each fuzz harness for SECONDS (default 180), seeded from the corpus and the format fixtures.
# Usage: bash tests/fuzz/run.sh BUILD_DIR [SECONDS]
# New interesting inputs go to BUILD_DIR/fuzz-corpus/READER (not committed); crashes to
# BUILD_DIR/fuzz-crashes/READER: copy each into tests/data/bad/ as fuzz_READER_N.EXT and add a row
# under "# regressions" in tests/data/bad/expected.tsv.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$1"
seconds="${2:-180}"
data="$root/tests/data"
declare -A patterns=([csv]='*.csv *.tsv' [matrix_market]='*.mtx *.mtx.gz' [npy]='*.npy' [npz]='*.npz')
status=0
for reader in csv matrix_market npy npz; do
    seeds="$build/fuzz-seeds/$reader"
    corpus="$build/fuzz-corpus/$reader"
    crashes="$build/fuzz-crashes/$reader"
    mkdir -p "$seeds" "$corpus" "$crashes"
    for p in ${patterns[$reader]}; do
        find "$data" -name "$p" -type f -exec cp {} "$seeds/" \;
    done
    echo "fuzz: $reader for ${seconds}s ($(ls "$seeds" | wc -l) seeds)"
    if ! "$build/tests/fuzz/nmfkit_fuzz_$reader" "$corpus" "$seeds" -max_total_time="$seconds" \
        -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$crashes/" -print_final_stats=1 \
        > "$build/fuzz-$reader.log" 2>&1; then
        echo "fuzz: $reader FOUND A CRASH, see $build/fuzz-$reader.log and $crashes"
        status=1
    fi
    grep -E "^(stat::number_of_executed_units|stat::new_units_added|#[0-9]+ +DONE)" \
        "$build/fuzz-$reader.log" || true
done
exit $status
