#!/usr/bin/env bash
# nmfkit-mpi as a user runs it (label `mpi`, tests/mpi.cmake). Usage:
#   mpi_cli.sh equals_serial NMFKIT NMFKIT_MPI   distributed W, H = serial W, H (1e-10) for P = 2, 4
#   mpi_cli.sh missing_file NMFKIT_MPI           every rank exits 74 at once, one message
#   mpi_cli.sh bad_entry NMFKIT_MPI              a bad line in the last rank's share: exit 65, FILE:LINE
#   mpi_cli.sh small_blocks NMFKIT_MPI           3 x 5 on 4 ranks (empty blocks): every solver runs,
#                                                no illegal BLAS call, finite factors
#   mpi_cli.sh sigint NMFKIT_MPI                 Ctrl-C to mpiexec: every rank stops at the same
#                                                iteration, W, H and the report (interrupted) written
#   mpi_cli.sh checkpoint NMFKIT NMFKIT_MPI      --checkpoint/--resume: bitwise the uninterrupted fit
#                                                (same grid; restarts too), other grids refused (65)
#   mpi_cli.sh refusals NMFKIT_MPI               an output naming the input and an unsupported
#                                                solver/loss pair: exit 2, the input intact
set -euo pipefail
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mpi() { mpiexec --oversubscribe -n "$@"; }

case "$1" in
equals_serial)
    nmfkit=$2 nmfkit_mpi=$3
    /usr/bin/python3 - "$dir" <<'PY'
import sys, numpy as np, scipy.io, scipy.sparse as sp
d = sys.argv[1]
rng = np.random.default_rng(5)
V = rng.poisson(rng.random((61, 6)) @ rng.random((6, 47)) * 3).astype(float)
np.save(f"{d}/dense.npy", np.ascontiguousarray(V))  # C order
S = sp.random(83, 57, density=0.12, random_state=6, format="coo")
S.data = np.round(S.data * 9) + 1
scipy.io.mmwrite(f"{d}/sparse.mtx", S)
PY
    for input in dense.npy sparse.mtx; do
        # the default start (nndsvda: the distributed randomized SVD) and a random one
        for args in "--solver hals" "--loss kullback_leibler --solver mu --init random"; do
            # shellcheck disable=SC2086
            "$nmfkit" fit "$dir/$input" -k 4 --seed 3 --max-iter 20 --tol 0 $args \
                -W "$dir/Ws.csv" -H "$dir/Hs.csv" --quiet
            for run in "2 2x1" "4 2x2" "4 1x4"; do
                set -- $run
                # shellcheck disable=SC2086
                mpi "$1" "$nmfkit_mpi" fit "$dir/$input" -k 4 --seed 3 --max-iter 20 --tol 0 $args \
                    --grid "$2" -W "$dir/Wd.csv" -H "$dir/Hd.csv" --quiet
                /usr/bin/python3 - "$dir" "$input $args on $2" <<'PY'
import sys, numpy as np
d, what = sys.argv[1], sys.argv[2]
for f in "WH":
    s = np.loadtxt(f"{d}/{f}s.csv", delimiter=",")
    x = np.loadtxt(f"{d}/{f}d.csv", delimiter=",")
    rel = np.linalg.norm(x - s) / np.linalg.norm(s)
    if not rel <= 1e-10:
        sys.exit(f"{what}: {f} differs from the serial fit by {rel:.3g} (relative)")
PY
            done
        done
    done
    echo "distributed = serial for every input, solver and grid"
    ;;
missing_file)
    start=$(date +%s)
    status=0
    mpi 4 "$2" fit "$dir/none.mtx" -k 3 2>"$dir/err" || status=$?
    elapsed=$(( $(date +%s) - start ))
    cat "$dir/err"
    [ "$status" -ne 0 ] || { echo "exit status 0 for a missing file"; exit 1; }
    [ "$elapsed" -le 20 ] || { echo "took $elapsed s"; exit 1; }
    [ "$(grep -c "nmfkit-mpi: error: cannot open \"$dir/none.mtx\"" "$dir/err")" -eq 1 ] ||
        { echo "expected the message once"; exit 1; }
    ;;
bad_entry)
    { echo "%%MatrixMarket matrix coordinate real general"; echo "40 30 200"
      for i in $(seq 1 199); do echo "$(( i % 40 + 1 )) $(( i % 30 + 1 )) 1.5"; done
      echo "40 30 -2"; } > "$dir/bad.mtx"
    status=0
    mpi 4 "$2" fit "$dir/bad.mtx" -k 3 2>"$dir/err" || status=$?
    cat "$dir/err"
    [ "$status" -eq 65 ] || { echo "exit status $status, expected 65"; exit 1; }
    grep -q "bad.mtx:202" "$dir/err" || { echo "expected the line bad.mtx:202"; exit 1; }
    ;;
small_blocks)
    printf '%%%%MatrixMarket matrix array real general\n3 5\n' > "$dir/small.mtx"
    for v in 1 2 3 4 5 6 7 8 9 1 2 3 4 5 6; do echo "$v"; done >> "$dir/small.mtx"
    for solver in hals mu als anls_bpp; do
        for init in nndsvda random; do
            status=0
            mpi 4 "$2" fit "$dir/small.mtx" -k 2 --solver "$solver" --init "$init" --max-iter 20 \
                --quiet -W "$dir/W.csv" -H "$dir/H.csv" > "$dir/out" 2> "$dir/err" || status=$?
            [ "$status" -eq 0 ] || { cat "$dir/err"; echo "$solver $init: exit $status"; exit 1; }
            if grep -qi "illegal\|parameter number" "$dir/err"; then
                cat "$dir/err"; echo "$solver $init: an illegal BLAS call"; exit 1
            fi
            if grep -qi "nan\|inf" "$dir/W.csv" "$dir/H.csv"; then
                echo "$solver $init: non-finite factors"; exit 1
            fi
        done
    done
    echo "small blocks: every solver, no illegal BLAS call"
    ;;
sigint)
    awk 'BEGIN { srand(7); print "%%MatrixMarket matrix array real general"; print "300 200";
          for (i = 0; i < 60000; ++i) print int(rand() * 10) }' > "$dir/big.mtx"
    # mpiexec itself in the background (not the mpi function's subshell), so that the signal
    # reaches it; it installs its own SIGINT handler.
    mpiexec --oversubscribe -n 2 "$2" fit "$dir/big.mtx" -k 5 --max-iter 100000000 --tol 0 --quiet \
        -W "$dir/W.csv" -H "$dir/H.csv" --report "$dir/run.json" --checkpoint "$dir/c.ckpt" \
        2> "$dir/err" &
    pid=$!
    sleep 3
    kill -INT "$pid"
    status=0
    wait "$pid" || status=$?
    cat "$dir/err"
    # mpiexec reports its own status after a Ctrl-C (1 with Open MPI 4.1); the ranks exit 130.
    [ "$status" -ne 0 ] || { echo "exit status 0 after Ctrl-C"; exit 1; }
    grep -q '"interrupted": true' "$dir/run.json" || { echo "the report does not say interrupted"; exit 1; }
    [ "$(wc -l < "$dir/W.csv")" -eq 300 ] || { echo "W.csv not written whole"; exit 1; }
    [ "$(wc -l < "$dir/H.csv")" -eq 5 ] || { echo "H.csv not written whole"; exit 1; }
    grep -q "nmfkit-mpi: interrupted; the result so far was written" "$dir/err" ||
        { echo "no interrupted message"; exit 1; }
    # The checkpoint of the iteration it stopped at continues (one iteration more).
    grep -q "checkpoint written to $dir/c.ckpt" "$dir/err" || { echo "no checkpoint message"; exit 1; }
    stopped=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["result"]["iterations"])' "$dir/run.json")
    mpi 2 "$2" fit "$dir/big.mtx" -k 5 --max-iter $(( stopped + 1 )) --tol 0 --quiet \
        --resume "$dir/c.ckpt" --report "$dir/resumed.json"
    grep -q "\"iterations\": $(( stopped + 1 ))" "$dir/resumed.json" ||
        { echo "the resumed fit did not run to iteration $(( stopped + 1 ))"; exit 1; }
    echo "sigint: W, H, the report and a checkpoint written"
    ;;
checkpoint)
    nmfkit=$2 nmfkit_mpi=$3
    cd "$dir"
    /usr/bin/python3 - <<'PY'
import numpy as np, scipy.io, scipy.sparse as sp
rng = np.random.default_rng(8)
np.save("dense.npy", rng.poisson(rng.random((41, 5)) @ rng.random((5, 33)) * 3).astype(float))
S = sp.random(53, 37, density=0.15, random_state=9, format="coo")
S.data = np.round(S.data * 9) + 1
scipy.io.mmwrite("sparse.mtx", S)
PY
    fail() { echo "$1"; exit 1; }
    # Interrupted at max-iter 17 (checkpoint of iteration 15), resumed to 30 while checkpointing
    # again: the bytes of W and H of the uninterrupted fit. hals extrapolates (its kept points
    # are gathered too); KL mu from a random start; float32; 3 restarts of 12 iterations (the
    # file then holds the last run's iteration 10 with the best of the earlier runs).
    for case in "4 2x2 sparse.mtx 30 17 --solver hals" \
        "3 3x1 dense.npy 30 17 --loss kl --init random" "2 1x2 sparse.mtx 30 17 --dtype float32" \
        "2 2x1 dense.npy 12 12 --restarts 3"; do
        set -- $case
        np=$1 grid=$2 input=$3 full=$4 stop=$5
        shift 5
        opts="$input -k 4 --seed 3 --tol 0 --grid $grid --quiet $*"
        # shellcheck disable=SC2086
        mpi "$np" "$nmfkit_mpi" fit $opts --max-iter $full -W W0.npy -H H0.npy
        rm -f c.ckpt
        # shellcheck disable=SC2086
        mpi "$np" "$nmfkit_mpi" fit $opts --max-iter $stop --checkpoint c.ckpt --checkpoint-every 5
        # shellcheck disable=SC2086
        mpi "$np" "$nmfkit_mpi" fit $opts --max-iter $full --resume c.ckpt --checkpoint c.ckpt \
            --checkpoint-every 7 -W W1.npy -H H1.npy
        cmp W0.npy W1.npy || fail "$case: W of the resumed fit differs"
        cmp H0.npy H1.npy || fail "$case: H of the resumed fit differs"
    done
    # Another process count or grid: W and H are redistributed and the fit goes on, not bit for
    # bit (the sums run in another order) but to the uninterrupted objective within rounding.
    mpi 4 "$nmfkit_mpi" fit sparse.mtx -k 4 --seed 3 --tol 0 --grid 2x2 --quiet --max-iter 30 \
        --report r0.json
    mpi 4 "$nmfkit_mpi" fit sparse.mtx -k 4 --seed 3 --tol 0 --grid 2x2 --quiet --max-iter 12 \
        --checkpoint c.ckpt --checkpoint-every 5
    for other in "2 1x2" "4 1x4" "3 3x1"; do
        set -- $other
        mpi "$1" "$nmfkit_mpi" fit sparse.mtx -k 4 --seed 3 --tol 0 --quiet --max-iter 30 \
            --grid "$2" --resume c.ckpt --report r1.json 2> err.txt ||
            fail "grid $2: $(cat err.txt)"
        grep -q "was written on grid 2x2, this fit runs on grid $2: W and H are redistributed" \
            err.txt || fail "grid $2: no note: $(cat err.txt)"
        /usr/bin/python3 - <<'PY' || fail "grid $2: the resumed objective is not the uninterrupted one"
import json
a, b = (json.load(open(f))["result"] for f in ("r0.json", "r1.json"))
assert a["iterations"] == b["iterations"] == 30, (a["iterations"], b["iterations"])
assert abs(a["objective"] - b["objective"]) <= 1e-9 * a["objective"], (a["objective"], b["objective"])
PY
    done
    # The serial tool, other options: refused with exit 65, saying why.
    expect65() {
        status=0
        "$@" 2> err.txt || status=$?
        [ "$status" = 65 ] || { cat err.txt; fail "$*: exit status $status, expected 65"; }
    }
    expect65 mpi 4 "$nmfkit_mpi" fit sparse.mtx -k 4 --seed 4 --tol 0 --quiet --max-iter 30 \
        --grid 2x2 --resume c.ckpt
    grep -q "option seed is 4 here but was 3" err.txt || fail "other seed: $(cat err.txt)"
    expect65 "$nmfkit" fit sparse.mtx -k 4 --seed 3 --tol 0 --quiet --max-iter 30 --resume c.ckpt
    grep -q "written by nmfkit-mpi on 4 processes (grid 2x2), this fit is nmfkit fit (serial)" \
        err.txt || fail "serial: $(cat err.txt)"
    head -c 200 c.ckpt > cut.ckpt
    expect65 mpi 2 "$nmfkit_mpi" fit sparse.mtx -k 4 --resume cut.ckpt
    grep -q "cut.ckpt: damaged or truncated checkpoint" err.txt || fail "truncated: $(cat err.txt)"
    echo "checkpoint: resumed distributed fits are bitwise the uninterrupted ones (same grid)"
    ;;
refusals)
    printf '%%%%MatrixMarket matrix array real general\n3 2\n1\n2\n3\n4\n5\n6\n' > "$dir/v.mtx"
    cp "$dir/v.mtx" "$dir/keep.mtx"
    status=0
    mpi 2 "$2" fit "$dir/v.mtx" -k 1 -W "$dir/./v.mtx" 2>"$dir/err" || status=$?
    cat "$dir/err"
    [ "$status" -eq 2 ] || { echo "output = input: exit $status, expected 2"; exit 1; }
    cmp -s "$dir/v.mtx" "$dir/keep.mtx" || { echo "the input changed"; exit 1; }
    status=0
    mpi 2 "$2" fit "$dir/v.mtx" -k 1 --solver cd --loss itakura_saito 2>"$dir/err" || status=$?
    cat "$dir/err"
    [ "$status" -eq 2 ] || { echo "unsupported pair: exit $status, expected 2"; exit 1; }
    ;;
*) echo "unknown case $1"; exit 2 ;;
esac
