#!/bin/sh
# Data-loss tests of the outputs (cli/outputs.hpp; docs/cli.md, "Outputs"), run by run_cli.cmake
# in a fresh copy of tests/data:  cli_outputs.sh NMFKIT SCENARIO
# Each scenario prints what it checked; a failed check exits non-zero with a message.
set -eu
nmfkit=$1
scenario=$2
fail() { echo "FAILED: $*" >&2; exit 1; }
# expect RC CMD...: runs nmfkit CMD..., checks its exit status, keeps its stderr in err.txt.
expect() {
    want=$1
    shift
    status=0
    "$nmfkit" "$@" > out.txt 2> err.txt || status=$?
    [ "$status" = "$want" ] || fail "nmfkit $* exited $status, expected $want: $(cat err.txt)"
}
# same A B: the two files have the same bytes.
same() { cmp -s "$1" "$2" || fail "$1 changed"; }
no_temp_files() {
    left=$(find . -name '.*.tmp-*' | head -n 1)
    [ -z "$left" ] || fail "temporary file left: $left"
}

case $scenario in
output_is_input)
    # Every output option named like a file the command reads: exit 2, the file intact, nothing
    # written. Compared as files: other spellings, a hard link and a symbolic link too.
    cp good.csv v.csv && cp good.csv keep.csv
    mkdir sub && ln v.csv hard.csv && ln -s v.csv soft.csv
    for out in "-W v.csv" "-H v.csv" "--report v.csv" "--assignments v.csv" "--log-json v.csv" \
               "-W ./v.csv" "-H sub/../v.csv" "-W $(pwd)/v.csv" "-W hard.csv" "-W soft.csv" \
               "--diagonal --normalize l1 --scales v.csv"; do
        # shellcheck disable=SC2086
        expect 2 fit v.csv -k 2 -q $out
        grep -q "an output must not replace an input" err.txt || fail "$out: $(cat err.txt)"
        same v.csv keep.csv
    done
    cp rows3.txt r.txt 2>/dev/null || true
    printf 'a\nb\nc\nd\ne\nf\n' > r.txt && cp r.txt r_keep.txt
    expect 2 fit v.csv -k 2 -q --row-labels r.txt -W W.npy --write-labels -H r.txt
    same r.txt r_keep.txt
    expect 2 fit v.csv -k 2 -q --row-labels W.rows.txt -W W.npy --write-labels
    cp mask.mtx m.mtx 2>/dev/null || true
    printf '%%%%MatrixMarket matrix coordinate real general\n6 4 1\n1 1 1\n' > m.mtx && cp m.mtx m_keep.mtx
    expect 2 fit v.csv -k 2 -q --mask m.mtx -H m.mtx
    same m.mtx m_keep.mtx
    "$nmfkit" fit v.csv -k 2 -q -W w0.csv -H h0.csv > /dev/null && cp h0.csv h0_keep.csv && cp w0.csv w0_keep.csv
    expect 2 fit v.csv -k 2 -q --init-w w0.csv --init-h h0.csv -W w0.csv
    same w0.csv w0_keep.csv
    expect 2 transform v.csv --components h0.csv -o h0.csv
    same h0.csv h0_keep.csv
    expect 2 transform h0.csv --components h0.csv -o ./h0.csv
    same h0.csv h0_keep.csv
    expect 2 transform v.csv --basis w0.csv -o v.csv
    same v.csv keep.csv
    mkdir survey && cp v.csv survey/survey.csv
    expect 2 rank survey/survey.csv -k 2:3 --restarts 2 --cv-splits 0 -o survey
    same survey/survey.csv keep.csv
    no_temp_files
    echo "output_is_input: every output naming an input refused, inputs intact"
    ;;
same_output)
    # Two outputs naming one file in different spellings, or a label file beside a .npy output.
    expect 2 fit good.csv -k 2 -q -W same.csv -H ./same.csv
    grep -q "are the same file" err.txt || fail "$(cat err.txt)"
    [ ! -e same.csv ] || fail "same.csv written"
    printf 'a\nb\nc\nd\ne\nf\n' > r6.txt
    expect 2 fit good.csv -k 2 -q --row-labels r6.txt -W a.npy --report a.rows.txt --write-labels
    grep -q "are the same file" err.txt || fail "$(cat err.txt)"
    echo "same_output: refused"
    ;;
impossible_names)
    # Names that can never be written: exit 2 before the data is even read (negative.csv is bad
    # data, exit 65 once read).
    for out in "-W W.xlsx" "-H H.npz" "-W W.csv.gz" "-W /dev/full" "--report /dev/null" "-H ." \
               "-W W"; do
        # shellcheck disable=SC2086
        expect 2 fit negative.csv -k 2 -q $out
    done
    expect 2 transform negative.csv --components h.csv -o W.xlsx
    [ -c /dev/full ] || fail "/dev/full is gone"
    [ -c /dev/null ] || fail "/dev/null is gone"
    echo "impossible_names: exit 2 before reading"
    ;;
log_append)
    # --log-json appends; a failed run leaves what was there; it is never removed.
    printf 'earlier run\n' > it.jsonl
    "$nmfkit" fit good.csv -k 2 -q --max-iter 3 --tol 0 --log-json it.jsonl > /dev/null
    [ "$(head -n 1 it.jsonl)" = "earlier run" ] || fail "the earlier content is gone"
    [ "$(wc -l < it.jsonl)" = 4 ] || fail "expected 1 + 3 lines: $(cat it.jsonl)"
    cp it.jsonl keep.jsonl
    expect 65 fit negative.csv -k 2 -q --log-json it.jsonl
    same it.jsonl keep.jsonl
    expect 2 fit good.csv -k 0 -q --log-json it.jsonl
    same it.jsonl keep.jsonl
    echo "log_append: appended, never truncated or removed"
    ;;
set_atomic)
    # A file-size limit stops the write of H (large) after W (small) was staged: exit 74 (not
    # SIGXFSZ's 153), neither old output replaced, this run's W kept as W.new.csv, no temp file.
    awk 'BEGIN { srand(3); for (i = 0; i < 4; ++i) { line = "";
          for (j = 0; j < 3000; ++j) line = line (j ? "," : "") int(rand() * 10);
          print line } }' > wide.csv
    echo old W > W.csv && echo old H > H.csv && echo old report > run.json
    status=0
    (ulimit -f 64; "$nmfkit" fit wide.csv -k 2 -q --max-iter 5 -W W.csv -H H.csv --report run.json \
        > out.txt 2> err.txt) || status=$?
    [ "$status" = 74 ] || fail "exit status $status, expected 74: $(cat err.txt)"
    grep -q '^nmfkit: error: -H: cannot write "H.csv": File too large; no output was replaced' err.txt || fail "$(cat err.txt)"
    grep -q 'kept as: -W W.new.csv, --report run.new.json$' err.txt || fail "$(cat err.txt)"
    [ "$(cat W.csv)" = "old W" ] || fail "W.csv replaced"
    [ "$(cat H.csv)" = "old H" ] || fail "H.csv replaced"
    [ "$(cat run.json)" = "old report" ] || fail "run.json replaced"
    [ "$(wc -l < W.new.csv)" = 4 ] || fail "W.new.csv: $(cat err.txt)"
    grep -q '"rows": 4' run.new.json || fail "run.new.json"
    no_temp_files
    echo "set_atomic: exit 74, nothing replaced, W kept as W.new.csv"
    ;;
quoted_labels)
    # Labels holding commas and quotes (MovieLens titles) are quoted as RFC 4180 does in every
    # output, and read back: the fit writes W, H, the report and the assignments, exit 0.
    cat > ratings.csv <<'CSV'
user,"American President, The (1995)","Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb (1964)","""Great Performances"" Cats (1998)"
u1,5,3,1
u2,4,0,2
u3,1,1,5
u4,0,2,4
CSV
    expect 0 fit ratings.csv -k 2 -q -W W.csv -H H.csv --report run.json --assignments a.tsv
    head -n 1 H.csv | grep -q '^,"American President, The (1995)",Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb (1964),"""Great Performances"" Cats (1998)"$' ||
        fail "H.csv header: $(head -n 1 H.csv)"
    # H.csv reads back with the same column labels: top names them.
    "$nmfkit" top H.csv --transpose -n 3 > top.txt || fail "top H.csv: $(cat top.txt)"
    grep -q 'American President, The (1995)' top.txt || fail "top: $(cat top.txt)"
    grep -q '"Great Performances" Cats (1998)' top.txt || fail "top: $(cat top.txt)"
    grep -q 'American President, The (1995)' a.tsv || fail "assignments"
    [ -s run.json ] || fail "no report"
    echo "quoted_labels: written quoted, read back"
    ;;
*)
    fail "unknown scenario $scenario"
    ;;
esac
