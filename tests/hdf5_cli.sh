#!/bin/sh
# nmfkit fit on AnnData .h5ad and 10x Genomics .h5 files, end to end (ctest cli.hdf5_end_to_end):
# labels from obs/var and features/barcodes into W.csv and H.csv, --transpose, --layer, the same
# fit from a layer as from the same matrix in Matrix Market, and exit 65 with the dataset named for
# a file nmfkit cannot read. The files are written by tests/data/hdf5/make_hdf5.py; exit 77 (ctest:
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
# Errors: exit 65, the file and the dataset named.
expect 65 '^nmfkit: error: csr.h5ad: no layers/nope \(its layers: counts, dense\)$' fit csr.h5ad --layer nope -k 2
expect 65 '^nmfkit: error: lzf.h5ad: X/data: compressed with the HDF5 filter "lzf"' fit lzf.h5ad -k 2
expect 65 '^nmfkit: error: h5_negative.h5ad: row 1, column 4: negative entry -3$' fit h5_negative.h5ad -k 1
expect 65 '^nmfkit: error: tenx.h5: layer "x" asked for, but this is a 10x Genomics file' fit tenx.h5 --layer x -k 1

[ $failures -eq 0 ] || exit 1
echo "hdf5_cli: all checks passed"
