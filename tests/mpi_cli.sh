#!/usr/bin/env bash
# nmfkit-mpi as a user runs it (label `mpi`, tests/mpi.cmake). Usage:
#   mpi_cli.sh equals_serial NMFKIT NMFKIT_MPI   distributed W, H = serial W, H (1e-10) for P = 2, 4
#   mpi_cli.sh missing_file NMFKIT_MPI           every rank exits 74 at once, one message
#   mpi_cli.sh bad_entry NMFKIT_MPI              a bad line in the last rank's share: exit 65, FILE:LINE
#   mpi_cli.sh small_blocks NMFKIT_MPI           3 x 5 on 4 ranks (empty blocks): every solver runs,
#                                                no illegal BLAS call, finite factors
#   mpi_cli.sh sigint NMFKIT_MPI                 Ctrl-C to mpiexec: every rank stops at the same
#                                                iteration, W, H and the report (interrupted) written
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
        -W "$dir/W.csv" -H "$dir/H.csv" --report "$dir/run.json" 2> "$dir/err" &
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
    echo "sigint: W, H and the report written"
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
