#!/bin/sh
# nmfkit fit on AnnData .h5ad and 10x Genomics .h5 files, end to end (ctest cli.hdf5_end_to_end):
# labels from obs/var and features/barcodes into W.csv and H.csv, --transpose, --layer, the same
# fit from a layer as from the same matrix in Matrix Market, and exit 65 with the dataset named for
# a file nmfkit cannot read; --online streams the files block by block to the same factors, byte
# for byte, as the same matrix in Matrix Market or .npy, under a --max-memory that refuses the
# full-batch fit. The files are written by tests/data/hdf5/make_hdf5.py; exit 77 (ctest:
# skipped) when it cannot run (no h5py or anndata for /usr/bin/python3).
# Usage: hdf5_cli.sh NMFKIT TESTS_DIR WORK_DIR
set -u
nmfkit=$1
tests=$2
work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
/usr/bin/python3 "$tests/data/hdf5/make_hdf5.py" . > make.log 2>&1
status=$?
if [ $status -eq 77 ]; then
    cat make.log
    exit 77
fi
[ $status -eq 0 ] || { cat make.log; echo "make_hdf5.py failed"; exit 1; }
cp "$tests/data/bad/h5_negative.h5ad" . || exit 1

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
# expect RC STDERR_PATTERN COMMAND...: runs nmfkit COMMAND, checks the exit status and that stderr
# matches the (grep -E) pattern, or is empty for the pattern ""; stdout goes to out.txt.
expect() {
    rc=$1
    pattern=$2
    shift 2
    "$nmfkit" "$@" > out.txt 2> err.txt
    got=$?
    [ $got -eq "$rc" ] || fail "nmfkit $*: exit $got, expected $rc: $(cat err.txt)"
    if [ -z "$pattern" ]; then
        [ ! -s err.txt ] || fail "nmfkit $*: stderr \"$(cat err.txt)\", expected none"
        return
    fi
    grep -Eq "$pattern" err.txt || fail "nmfkit $*: stderr \"$(cat err.txt)\" does not match \"$pattern\""
}

# AnnData CSR (cells x genes): W's rows are the cells, H's columns the genes.
expect 0 '' fit csr.h5ad -k 2 --seed 1 -W W.csv -H H.csv -q
grep -Eq '^fit: 7 x 5, k = 2, ' out.txt || fail "csr.h5ad: summary $(cat out.txt)"
grep -q '^cell3,' W.csv || fail "W.csv has no row cell3: $(head -3 W.csv)"
head -1 H.csv | grep -q ',gene0,gene1,gene2,gene3,gene4$' || fail "H.csv header: $(head -1 H.csv)"
# 10x (genes x cells) and --transpose: the same 7 x 5 orientation.
expect 0 '' fit tenx.h5 --transpose -k 2 --seed 1 -W W10x.csv -q
grep -Eq '^fit: 7 x 5, k = 2, ' out.txt || fail "tenx.h5 --transpose: summary $(cat out.txt)"
grep -q '^cell6,' W10x.csv || fail "W10x.csv has no row cell6"
# A layer fits exactly as the same matrix in Matrix Market (both float64 here).
expect 0 '' fit csr.h5ad --layer counts -k 2 --seed 3 --threads 1 -q
layer=$(sed 's/, [0-9.e+-]* s, .*//' out.txt)
expect 0 '' fit counts.mtx -k 2 --seed 3 --threads 1 -q
mtx=$(sed 's/, [0-9.e+-]* s, .*//' out.txt)
[ "$layer" = "$mtx" ] || fail "--layer counts: \"$layer\", counts.mtx: \"$mtx\""
# A csr_matrix is fitted from its stored arrays (the CSC of its transpose, viewed as CSR; float32
# values kept float32): W and H byte for byte as the same matrix from Matrix Market, in float32 (the
# file's dtype), float64, --transpose, KL, and with unsorted and duplicate entries; read by the
# reader itself (30000 entries, gzip chunks or contiguous) or by HDF5 (big-endian).
for args in "" "--dtype float64" "--transpose" "--loss kl" "--solver mu --low-memory"; do
    dtype=--dtype=float32
    case "$args" in *float64*) dtype= ;; esac
    # shellcheck disable=SC2086
    expect 0 '' fit big.mtx -k 3 --seed 2 --max-iter 20 $dtype $args -W Wm.npy -H Hm.npy -q
    for f in big_plain_gzip_le big_plain_contiguous_le big_plain_gzip_be big_dup_gzip_le; do
        # shellcheck disable=SC2086
        expect 0 '' fit $f.h5ad -k 3 --seed 2 --max-iter 20 $args -W Wh.npy -H Hh.npy -q
        cmp -s Wm.npy Wh.npy && cmp -s Hm.npy Hh.npy ||
            fail "fit $f.h5ad $args: W, H differ from big.mtx $dtype $args"
    done
done
# Errors: exit 65, the file and the dataset named.
expect 65 '^nmfkit: error: csr.h5ad: no layers/nope \(its layers: counts, dense\)$' fit csr.h5ad --layer nope -k 2
expect 65 '^nmfkit: error: lzf.h5ad: X/data: compressed with the HDF5 filter "lzf"' fit lzf.h5ad -k 2
expect 65 '^nmfkit: error: h5_negative.h5ad: row 1, column 4: negative entry -3$' fit h5_negative.h5ad -k 1
expect 65 '^nmfkit: error: tenx.h5: layer "x" asked for, but this is a 10x Genomics file' fit tenx.h5 --layer x -k 1

# --online: the same blocks as the same matrix in Matrix Market or .npy give the same W and H
# (both fits in the same --dtype: anndata stores X as float32, so that is the default there).
# same_online H5 H5_OPTIONS -- REF REF_OPTIONS: both fits' W.npy and H.npy must be equal bytes.
same_online() {
    h5=$1
    h5opts=$2
    ref=$3
    refopts=$4
    # shellcheck disable=SC2086
    expect 0 '' fit "$h5" $h5opts --online -k 2 --batch-size 3 --passes 2 --seed 5 --threads 1 \
        -W on_a_W.npy -H on_a_H.npy -q
    # shellcheck disable=SC2086
    expect 0 '' fit "$ref" $refopts --online -k 2 --batch-size 3 --passes 2 --seed 5 --threads 1 \
        -W on_b_W.npy -H on_b_H.npy -q
    cmp -s on_a_W.npy on_b_W.npy && cmp -s on_a_H.npy on_b_H.npy ||
        fail "--online $h5 $h5opts and $ref $refopts: different factors"
}
same_online csr.h5ad "--transpose --dtype float32" reference.mtx "--transpose --dtype float32"
same_online csr.h5ad "--transpose --dtype float64" reference.mtx "--transpose"
same_online csc.h5ad "--dtype float64" reference_csc.mtx "--dtype float64"
same_online csc_gzip.h5ad "--dtype float32" reference_csc.mtx "--dtype float32"
same_online dense.h5ad "" reference32.npy ""
same_online dense_gzip.h5ad "--transpose --dtype float64" reference.npy "--transpose"
same_online tenx.h5 "--loss kl --solver cd" counts.mtx "--transpose --loss kl --solver cd"
same_online csr.h5ad "--layer counts --transpose" counts.mtx "--transpose"
grep -Eq '^fit --online: 5 x 7, k = 2, ' out.txt || fail "--online --layer counts: $(cat out.txt)"
# Cells in rows (AnnData CSR) stream only as V's columns, i.e. with --transpose: exit 65 naming X.
expect 65 '^nmfkit: error: csr.h5ad: X: a csr matrix is stored by rows, and --online reads' \
    fit csr.h5ad --online -k 2
expect 65 '^nmfkit: error: tenx.h5: matrix: a csc matrix is stored by columns' \
    fit tenx.h5 --online --transpose -k 2
expect 65 '^nmfkit: error: h5_negative.h5ad: X: row 4, column 1: negative entry -3 ' \
    fit h5_negative.h5ad --online --transpose -k 1
# Bounded memory: chunked.h5ad (300 x 200, 3000 entries) needs about 72 kB in a full-batch fit,
# more than --max-memory 20000 (refused, suggesting --online); streamed in blocks of 10 rows,
# each block read stays under the limit (the reader refuses any read over it).
expect 65 'more than --max-memory \(20000 bytes\); use --online' \
    fit chunked.h5ad --transpose -k 2 --max-memory 20000
expect 0 '' fit chunked.h5ad --transpose --online --batch-size 10 -k 2 --max-memory 20000 -q
grep -Eq '^fit --online: 200 x 300, k = 2, .*\(30 blocks of up to 10 columns\)' out.txt ||
    fail "chunked.h5ad --online: $(cat out.txt)"

[ $failures -eq 0 ] || exit 1
echo "hdf5_cli: all checks passed"
