#!/bin/sh
# Multi-step CLI tests (tests/cli_commands.cmake), run by run_cli.cmake in a fresh copy of the data:
#   cli_driver.sh NMFKIT MATRIX_SHAPE SCENARIO
# Each scenario prints what it checked; a failed check exits non-zero with a message.
set -eu
nmfkit=$1
shape=$2
scenario=$3
fail() { echo "FAILED: $*" >&2; exit 1; }

case $scenario in
sigint)
    # Ctrl-C during a long fit: the fit stops after the current iteration, W, H and the report
    # are written, the report says interrupted, the exit status is 130.
    awk 'BEGIN { srand(7); for (i = 0; i < 300; ++i) { line = "";
          for (j = 0; j < 200; ++j) line = line (j ? "," : "") int(rand() * 10);
          print line } }' > big.csv
    status=0
    # --foreground: SIGINT goes to nmfkit once, as a terminal's Ctrl-C does. Without it, timeout
    # also signals its process group, and a second SIGINT ends nmfkit at once (by design).
    timeout --foreground --preserve-status -s INT 2 "$nmfkit" fit big.csv -k 5 --max-iter 10000000 --tol 0 \
        -W W.csv -H H.npy --report run.json || status=$?
    echo "sigint: nmfkit exited with status $status" >&2
    [ "$status" = 130 ] || fail "exit status $status, expected 130"
    grep -q '"interrupted": true' run.json || fail "run.json does not say interrupted"
    grep -q '"status": "stopped_by_callback"' run.json || fail "run.json status"
    [ "$("$shape" W.csv)" = "300 x 5" ] || fail "W.csv shape"
    [ "$("$shape" H.npy)" = "5 x 200" ] || fail "H.npy shape"
    echo "sigint: exit 130, W and H written, report interrupted"
    ;;
checkpoint)
    # fit --checkpoint/--resume: a fit resumed from a checkpoint writes the bytes of W and H that
    # the uninterrupted fit writes (dense and sparse, float64 and float32, Frobenius and KL, with
    # the default extrapolation), and the checkpoint names its own iteration's state.
    for case in "good.csv float64 frobenius" "small.mtx float32 frobenius" "good.csv float32 kl" \
        "small.mtx float64 kl"; do
        set -- $case
        opts="-k 2 --seed 4 --tol 0 -q --dtype $2 --loss $3"
        "$nmfkit" fit "$1" $opts --max-iter 40 -W W0.npy -H H0.npy
        rm -f c.ckpt
        "$nmfkit" fit "$1" $opts --max-iter 23 --checkpoint c.ckpt --checkpoint-every 10
        # The run stopped at 23; its checkpoint is iteration 20's. Resume to 40 and keep writing.
        "$nmfkit" fit "$1" $opts --max-iter 40 --resume c.ckpt --checkpoint c.ckpt \
            --checkpoint-every 7 -W W1.npy -H H1.npy --report run.json
        cmp W0.npy W1.npy || fail "$case: W of the resumed fit differs"
        cmp H0.npy H1.npy || fail "$case: H of the resumed fit differs"
        grep -q '"iterations": 40' run.json || fail "$case: the resumed run did not end at 40"
        # c.ckpt is now iteration 35's: resuming it again gives the same result.
        "$nmfkit" fit "$1" $opts --max-iter 40 --resume c.ckpt -W W2.npy -H H2.npy
        cmp W0.npy W2.npy || fail "$case: W of the twice-resumed fit differs"
    done
    echo "checkpoint: resumed fits are bitwise the uninterrupted ones"
    ;;
checkpoint_online)
    # fit --online --checkpoint/--resume: the dictionary, the statistics and the place in the pass
    # are saved; a resumed fit writes the bytes of the uninterrupted one (checkpoints inside a
    # pass and at its end; .npy and .mtx, float64 and float32, Frobenius and KL).
    for case in "storage.npy float64 frobenius 4" "storage.mtx float32 kl 5" \
        "storage.npy float32 kl 3"; do
        set -- $case
        opts="-k 3 --online --batch-size 7 --max-no-improvement 0 --tol 0 -q --dtype $2 --loss $3"
        "$nmfkit" fit "$1" $opts --passes 3 -W W0.npy -H H0.npy
        rm -f c.ckpt
        "$nmfkit" fit "$1" $opts --passes 2 --checkpoint c.ckpt --checkpoint-every "$4"
        "$nmfkit" fit "$1" $opts --passes 3 --resume c.ckpt -W W1.npy -H H1.npy
        cmp W0.npy W1.npy || fail "$case: W of the resumed online fit differs"
        cmp H0.npy H1.npy || fail "$case: H of the resumed online fit differs"
    done
    # V's values are checked by the checksum of its blocks: after a whole pass (c.ckpt is of pass
    # 2) and within the first one (c1.ckpt: V read once, not fitted, then refused).
    /usr/bin/python3 -c "import numpy as np; a = np.load('storage.npy'); a.flat[0] += 1; np.save('other.npy', a)"
    opts="-k 3 --online --batch-size 7 --max-no-improvement 0 --tol 0 -q --dtype float32 --loss kl"
    "$nmfkit" fit storage.npy $opts --passes 1 --checkpoint c1.ckpt --checkpoint-every 2
    for file in c.ckpt c1.ckpt; do
        status=0
        "$nmfkit" fit other.npy $opts --passes 3 --resume $file 2> err.txt || status=$?
        [ "$status" = 65 ] || fail "$file: other values of V: exit $status"
        grep -q "V's entries differ (the checksum of its blocks does not match)" err.txt ||
            fail "$(cat err.txt)"
    done
    status=0
    "$nmfkit" fit storage.npy -k 3 --resume c.ckpt -q 2> err.txt || status=$?
    [ "$status" = 65 ] || fail "a full-batch resume of an online checkpoint: exit $status"
    grep -q "written by a fit --online, this one is full-batch" err.txt || fail "$(cat err.txt)"
    echo "checkpoint_online: resumed online fits are bitwise the uninterrupted ones"
    ;;
checkpoint_masked)
    # --mask and --missing: a resumed fit writes the bytes of W and H of the uninterrupted one
    # (the held-out step: --mask, Frobenius; the observed-entry steps: --mask with KL, --missing
    # zeros on a sparse V, --missing nan on a dense one), and the mask is part of what a resume
    # checks: another mask, or none, is refused (exit 65).
    printf '1.0,nan,3.1,0.5\n2.1,4.0,6.0,1.0\n0.5,0.1,nan,3.0\n1.0,0.2,2.1,6.0\n3.0,6.1,9.0,1.6\n0.0,0.3,1.0,2.9\n' > nan.csv
    for case in "small.mtx frobenius --mask mask.mtx" "small.mtx kl --mask mask.mtx" \
        "small.mtx frobenius --missing zeros" "nan.csv frobenius --missing nan"; do
        set -- $case
        opts="-k 2 --seed 4 --tol 0 -q --loss $2 $3 $4"
        "$nmfkit" fit "$1" $opts --max-iter 30 -W W0.npy -H H0.npy
        rm -f c.ckpt
        "$nmfkit" fit "$1" $opts --max-iter 17 --checkpoint c.ckpt --checkpoint-every 8
        "$nmfkit" fit "$1" $opts --max-iter 30 --resume c.ckpt -W W1.npy -H H1.npy
        cmp W0.npy W1.npy || fail "$case: W of the resumed fit differs"
        cmp H0.npy H1.npy || fail "$case: H of the resumed fit differs"
    done
    opts="-k 2 --seed 4 --tol 0 -q"
    "$nmfkit" fit small.mtx $opts --max-iter 17 --mask mask.mtx --checkpoint c.ckpt --checkpoint-every 8
    printf '%%%%MatrixMarket matrix coordinate pattern general\n5 4 3\n1 1\n3 2\n5 3\n' > mask2.mtx
    for other in "--mask mask2.mtx" ""; do
        status=0
        "$nmfkit" fit small.mtx $opts --max-iter 30 $other --resume c.ckpt 2> err.txt || status=$?
        [ "$status" = 65 ] || fail "resume with '$other': exit $status, expected 65"
        grep -q "it was written by a fit with a mask of 3 positions, this fit has" err.txt ||
            fail "resume with '$other': $(cat err.txt)"
    done
    echo "checkpoint_masked: resumed masked fits are bitwise the uninterrupted ones; another mask is refused"
    ;;
checkpoint_refused)
    # --resume refuses a checkpoint of another V or other options, and damaged files (exit 65).
    "$nmfkit" fit good.csv -k 2 --seed 4 --tol 0 -q --max-iter 20 --checkpoint c.ckpt \
        --checkpoint-every 10
    expect65() {
        status=0
        "$nmfkit" fit "$@" 2> err.txt || status=$?
        [ "$status" = 65 ] || fail "$*: exit status $status, expected 65"
    }
    expect65 small.mtx -k 2 --seed 4 --tol 0 -q --resume c.ckpt
    grep -q "c.ckpt: the checkpoint is not of this fit: it was written for V of 6 x 4, this V is 5 x 4" \
        err.txt || fail "other V: $(cat err.txt)"
    expect65 good.csv -k 2 --seed 5 --tol 0 -q --resume c.ckpt
    grep -q "option seed is 5 here but was 4" err.txt || fail "other seed: $(cat err.txt)"
    head -c 300 c.ckpt > truncated.ckpt
    expect65 good.csv -k 2 --seed 4 --tol 0 -q --resume truncated.ckpt
    grep -q "truncated.ckpt: damaged or truncated checkpoint" err.txt || fail "truncated: $(cat err.txt)"
    expect65 good.csv -k 2 --seed 4 --tol 0 -q --resume good.csv
    grep -q "good.csv: not an nmfkit checkpoint" err.txt || fail "not a checkpoint: $(cat err.txt)"
    # One byte changed in the middle: the checksum catches it.
    cp c.ckpt flipped.ckpt
    printf 'X' | dd of=flipped.ckpt bs=1 seek=200 conv=notrunc 2> /dev/null
    expect65 good.csv -k 2 --seed 4 --tol 0 -q --resume flipped.ckpt
    grep -q "damaged or truncated checkpoint" err.txt || fail "flipped byte: $(cat err.txt)"
    echo "checkpoint_refused: other V, other options, truncated, damaged and foreign files refused"
    ;;
checkpoint_restarts)
    # --restarts: the checkpoint names the run in progress and holds the objectives and the best
    # of the runs before it. The last checkpoint of a 3-run fit (run 3, iteration 10 of 12)
    # resumed: the uninterrupted W, H, kept run and run objectives.
    for dtype in float64 float32; do
        opts="-k 2 --seed 4 --tol 0 -q --restarts 3 --max-iter 12 --dtype $dtype"
        "$nmfkit" fit good.csv $opts -W W0.npy -H H0.npy --report r0.json
        rm -f c.ckpt
        "$nmfkit" fit good.csv $opts --checkpoint c.ckpt --checkpoint-every 5
        "$nmfkit" fit good.csv $opts --resume c.ckpt -W W1.npy -H H1.npy --report r1.json
        cmp W0.npy W1.npy || fail "$dtype: W of the resumed restarts differs"
        cmp H0.npy H1.npy || fail "$dtype: H of the resumed restarts differs"
        /usr/bin/python3 - <<'PY' || fail "$dtype: the reports' restarts differ"
import json
a, b = (json.load(open(f)) for f in ("r0.json", "r1.json"))
for key in ("restart_objectives", "best_restart", "objective", "history"):
    x, y = a[key], b[key]
    if key == "history":
        x, y = x["objective"], y["objective"]
    assert x == y, (key, x, y)
PY
    done
    echo "checkpoint_restarts: resumed restarts are bitwise the uninterrupted ones"
    ;;
checkpoint_sigint)
    # Ctrl-C with --checkpoint writes the state of the last iteration; resuming it ends with the
    # bytes of an uninterrupted fit of the same length.
    awk 'BEGIN { srand(7); for (i = 0; i < 300; ++i) { line = "";
          for (j = 0; j < 200; ++j) line = line (j ? "," : "") int(rand() * 10);
          print line } }' > big.csv
    "$nmfkit" fit big.csv -k 5 --max-iter 1 -q  # warm the page cache before the clock runs
    status=0
    timeout --foreground --preserve-status -s INT 2 "$nmfkit" fit big.csv -k 5 --max-iter 10000000 \
        --tol 0 -q --checkpoint c.ckpt --report run.json || status=$?
    [ "$status" = 130 ] || fail "exit status $status, expected 130"
    [ -s c.ckpt ] || fail "Ctrl-C wrote no checkpoint"
    done_it=$(sed -n 's/^ *"iterations": \([0-9]*\),*$/\1/p' run.json)
    [ -n "$done_it" ] || fail "run.json has no iterations"
    total=$((done_it + 3))
    "$nmfkit" fit big.csv -k 5 --max-iter $total --tol 0 -q -W W0.npy -H H0.npy
    "$nmfkit" fit big.csv -k 5 --max-iter $total --tol 0 -q --resume c.ckpt -W W1.npy -H H1.npy
    cmp W0.npy W1.npy || fail "W of the resumed fit differs"
    cmp H0.npy H1.npy || fail "H of the resumed fit differs"
    echo "checkpoint_sigint: Ctrl-C checkpoint resumed to the uninterrupted bytes"
    ;;
transpose_dense|transpose_sparse|transpose_dense_float32|transpose_sparse_float32)
    # --transpose gives the same factors as fitting the transposed file.
    case $scenario in
    transpose_dense*) a=good.csv; b=good_t.csv ;;
    *) a=small.mtx; b=small_t.mtx ;;
    esac
    # In float32 the plain iteration: extrapolation's keep-or-restart decisions compare objectives
    # whose float32 rounding differs between the two layouts, and one decision taken differently
    # parts the runs (same error, other factors; docs/algorithms.md, "Extrapolation").
    case $scenario in
    *float32) dtype=float32; tol=1e-4; extra="--extrapolate off" ;;
    *) dtype=float64; tol=1e-9; extra="" ;;
    esac
    "$nmfkit" fit "$a" --transpose -k 2 --seed 3 --tol 0 --max-iter 50 -q --dtype $dtype $extra \
        -W W1.npy -H H1.npy
    "$nmfkit" fit "$b" -k 2 --seed 3 --tol 0 --max-iter 50 -q --dtype $dtype $extra \
        -W W2.npy -H H2.npy
    "$shape" W1.npy W2.npy $tol || fail "W differs"
    "$shape" H1.npy H2.npy $tol || fail "H differs"
    echo "$scenario: same W and H"
    ;;
storage_mtx_npy)
    # One matrix (35 % zeros) as sparse .mtx and as dense .npy: the same factors with default
    # options (HALS's inner budget counts the non-zeros whatever the storage), float64 and float32.
    for dtype in float64 float32; do
        case $dtype in float32) tol=1e-4 ;; *) tol=1e-9 ;; esac
        "$nmfkit" fit storage.mtx -k 3 --seed 2 --tol 0 --max-iter 200 -q --dtype $dtype -W W1.npy -H H1.npy
        "$nmfkit" fit storage.npy -k 3 --seed 2 --tol 0 --max-iter 200 -q --dtype $dtype -W W2.npy -H H2.npy
        "$shape" W1.npy W2.npy $tol || fail "$dtype: W differs"
        "$shape" H1.npy H2.npy $tol || fail "$dtype: H differs"
    done
    echo "storage_mtx_npy: same W and H from .mtx and .npy"
    ;;
log_json)
    # One JSON line per iteration, also when the fit converges.
    "$nmfkit" fit good.csv -k 2 --seed 1 -q --log-json it.jsonl --report run.json
    lines=$(wc -l < it.jsonl)
    grep -q "\"iterations\": $lines," run.json || fail "$lines lines, report: $(grep iterations run.json)"
    grep -q '"status": "converged"' run.json || fail "did not converge"
    echo "log_json: $lines lines = iterations"
    ;;
transform_roundtrip)
    # Fit, then project V onto the fitted H (and W): the projection is at least as good as the fit.
    "$nmfkit" fit good.csv -k 2 --seed 1 --tol 1e-8 --max-iter 500 -q -W W.npy -H H.npy > fit.txt
    "$nmfkit" transform good.csv --components H.npy -o W2.npy > t1.txt
    "$nmfkit" transform good.csv --basis W.npy -o H2.npy > t2.txt
    fit_err=$(sed 's/.*relative error \([^,]*\),.*/\1/' fit.txt)
    for t in t1.txt t2.txt; do
        err=$(sed 's/.*relative error \([^,]*\),.*/\1/' $t)
        awk -v a="$err" -v b="$fit_err" 'BEGIN { exit !(a <= b * 1.0001) }' ||
            fail "$t: relative error $err > fit's $fit_err"
    done
    [ "$("$shape" W2.npy)" = "6 x 2" ] || fail "W2 shape"
    [ "$("$shape" H2.npy)" = "2 x 4" ] || fail "H2 shape"
    echo "transform_roundtrip: errors <= $fit_err"
    ;;
*)
    fail "unknown scenario $scenario"
    ;;
esac
