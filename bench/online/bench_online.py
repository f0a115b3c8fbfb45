"""Online NMF benchmarks (docs/benchmarks.md, "Online NMF").

1. nmfkit.MiniBatchNMF against scikit-learn's MiniBatchNMF on the same data and batch size: the
   time scikit-learn takes to its own stop (default tol and max_no_improvement), and the time
   nmfkit takes to reach the same objective, sqrt(2 * loss) (reconstruction_err_), at the
   smallest number of passes that reaches it.
2. The crossover against full-batch nmfkit (BENCH_CROSSOVER="5000 20000 80000" samples x 200
   features, k = 10, batch 1024): the full-batch fit (HALS, or CD for KL, tol 0,
   BENCH_FULL_ITER = 300 iterations)
   sets the target, BENCH_CROSSOVER_FACTOR (1.5) x its final objective; its time to the target is read from its history
   (library time per iteration); the online fit's is the wall time of the smallest pass count
   (1, 2, 3, 5, 8, ...) whose final objective reaches it.
3. `nmfkit fit --online` on a .npy file larger than --max-memory: peak RSS by /usr/bin/time -v,
   against the full-batch fit of the same file.

BENCH_SKLEARN=0 and BENCH_STREAMING=0 leave out 1 and 3; BENCH_ROUNDS=R repeats 1 R times,
the two libraries interleaved; BENCH_REVISIT=0 runs 2's online fits with revisit=False (the
default, as of MiniBatchNMF's, is True).

Usage: PYTHONPATH=build/python-site /usr/bin/python3 bench/online/bench_online.py [NMFKIT] [DIR]
"""

import os
import subprocess
import sys
import time
import warnings

import numpy as np

import nmfkit
from sklearn.decomposition import MiniBatchNMF as SkMiniBatchNMF
from sklearn.exceptions import ConvergenceWarning

warnings.simplefilter("ignore", ConvergenceWarning)


def planted(n, f, k, noise, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.random((n, k)) * (rng.random((n, k)) < 0.5)
    H = rng.random((k, f)) * (rng.random((k, f)) < 0.5)
    return W @ H + noise * rng.random((n, f))


def error(X, W, H):
    return float(np.linalg.norm(X - W @ H))


def _sklearn_fit(X, k, batch, loss):
    t = time.perf_counter()
    sk = SkMiniBatchNMF(k, batch_size=batch, beta_loss=loss, random_state=0, init="random")
    Wsk = sk.fit_transform(X)
    t_sk = time.perf_counter() - t
    target = error(X, Wsk, sk.components_) if loss == "frobenius" else sk.reconstruction_err_
    return sk, t_sk, target


def _nmfkit_fit(X, k, batch, loss, passes):
    t = time.perf_counter()
    m = nmfkit.MiniBatchNMF(k, batch_size=batch, beta_loss=loss, random_state=0, max_iter=passes,
                            tol=0, max_no_improvement=None)
    W = m.fit_transform(X)
    t_nk = time.perf_counter() - t
    got = error(X, W, m.components_) if loss == "frobenius" else m.reconstruction_err_
    return t_nk, got


def versus_sklearn(n, f, k, batch, loss, rounds=1):
    """Round 1: scikit-learn to its stop, then nmfkit's smallest pass count reaching its error.
    Rounds 2..rounds (BENCH_ROUNDS): both again at those settings, interleaved (the order
    alternating), each with the load average before it, so that every ratio is of two fits run
    back to back under the same load."""
    X = planted(n, f, k, 0.05)
    load = "%.1f" % os.getloadavg()[0]
    sk, t_sk, target = _sklearn_fit(X, k, batch, loss)
    row = None
    for passes in (1, 2, 3, 5, 8, 12, 20, 30, 50, 80, 120, 200):
        t_nk, got = _nmfkit_fit(X, k, batch, loss, passes)
        if got <= target:
            row = (passes, t_nk, got)
            break
    print(f"round 1 (load {load}) {n} x {f}, k = {k}, batch {batch}, {loss}: scikit-learn {sk.n_iter_} passes "
          f"({sk.n_steps_} steps) {t_sk:.3f} s to {target:.6g}; "
          + (f"nmfkit {row[0]} passes {row[1]:.3f} s to {row[2]:.6g}, {t_sk / row[1]:.1f}x"
             if row else "nmfkit did not reach it in 200 passes"), flush=True)
    if row is None:
        return
    for r in range(2, rounds + 1):
        order = ("nmfkit", "sklearn") if r % 2 == 0 else ("sklearn", "nmfkit")
        load = "%.1f" % os.getloadavg()[0]
        times = {}
        for who in order:
            if who == "sklearn":
                _, times[who], target = _sklearn_fit(X, k, batch, loss)
            else:
                times[who], got = _nmfkit_fit(X, k, batch, loss, row[0])
        print(f"round {r} (load {load}, {order[0]} first) {loss}: scikit-learn {times['sklearn']:.3f} s to "
              f"{target:.6g}; nmfkit {row[0]} passes {times['nmfkit']:.3f} s to {got:.6g}, "
              f"{times['sklearn'] / times['nmfkit']:.1f}x", flush=True)


def crossover(n, f, k, batch, loss):
    X = planted(n, f, k, 0.05)
    solver = "hals" if loss == "frobenius" else "cd"
    full_iter = int(os.environ.get("BENCH_FULL_ITER", "300"))
    W, H, info = nmfkit.fit(X, k, loss=loss, solver=solver, tol=0, max_iter=full_iter, seed=0)
    factor = float(os.environ.get("BENCH_CROSSOVER_FACTOR", "1.5"))
    target = factor * info.objective
    hist = info.history
    t_full = next(s for o, s in zip(hist.objective, hist.seconds) if o <= target)
    it_full = next(i for o, i in zip(hist.objective, hist.iteration) if o <= target)
    row = None
    for passes in (1, 2, 3, 5, 8, 12, 20, 30, 50):
        t = time.perf_counter()
        extra = {"revisit": False} if os.environ.get("BENCH_REVISIT", "1") == "0" else {}
        m = nmfkit.MiniBatchNMF(k, batch_size=batch, beta_loss=loss, random_state=0, max_iter=passes,
                                tol=0, max_no_improvement=None, **extra)
        m.fit_transform(X)
        t_on = time.perf_counter() - t
        if m.reconstruction_err_ ** 2 / 2 <= target:
            row = (passes, t_on)
            break
    print(f"crossover {n} x {f}, k = {k}, {loss}: full batch {it_full} iterations {t_full:.3f} s to "
          f"{target:.6g} ({factor} x {info.objective:.6g} after {full_iter}); "
          + (f"online {row[0]} passes {row[1]:.3f} s, full/online {t_full / row[1]:.2f}" if row
             else "online did not reach it in 50 passes")
          + "; load average %.1f %.1f %.1f" % os.getloadavg(), flush=True)


def peak_rss(cmd):
    out = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    rss = [line for line in out.stderr.splitlines() if "Maximum resident set size" in line]
    wall = [line for line in out.stderr.splitlines() if "Elapsed (wall clock)" in line]
    return out.returncode, int(rss[0].split()[-1]) if rss else -1, wall[0].split()[-1] if wall else "?", out


def streaming_rss(tool, directory, m, n, k):
    path = os.path.join(directory, "online_big.npy")
    if not os.path.exists(path):
        V = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(m, n), fortran_order=True)
        rng = np.random.default_rng(1)
        W = rng.random((m, k))
        for j0 in range(0, n, 8192):
            b = min(8192, n - j0)
            V[:, j0:j0 + b] = W @ rng.random((k, b)) + 0.01 * rng.random((m, b))
        V.flush()
        del V
    size = os.path.getsize(path) / 2**20
    print(f"{path}: {m} x {n} float64, {size:.0f} MiB", flush=True)
    rc, rss, wall, out = peak_rss([tool, "fit", path, "-k", str(k), "--max-memory", "100M", "-q"])
    print(f"full batch, --max-memory 100M: exit {rc}, peak RSS {rss / 1024:.0f} MiB: {out.stderr.splitlines()[0]}")
    for batch in (1024, 4096):
        rc, rss, wall, out = peak_rss([tool, "fit", path, "-k", str(k), "--online", "--batch-size", str(batch),
                                       "--passes", "2", "--max-memory", "100M", "-q", "--threads", "2"])
        print(f"--online --batch-size {batch} --passes 2 --max-memory 100M: exit {rc}, peak RSS "
              f"{rss / 1024:.0f} MiB, {wall} wall; {out.stdout.strip()}", flush=True)
    rc, rss, wall, out = peak_rss([tool, "fit", path, "-k", str(k), "-q", "--threads", "2", "--max-iter", "20"])
    print(f"full batch (no limit), 20 iterations: exit {rc}, peak RSS {rss / 1024:.0f} MiB, {wall} wall; "
          f"{out.stdout.strip()}", flush=True)


if __name__ == "__main__":
    tool = sys.argv[1] if len(sys.argv) > 1 else "build/cli/nmfkit"
    directory = sys.argv[2] if len(sys.argv) > 2 else "/tmp"
    print(f"nmfkit {nmfkit.__version__}, {os.cpu_count()} CPUs", flush=True)
    n = int(os.environ.get("BENCH_SAMPLES", "20000"))
    losses = os.environ.get("BENCH_LOSSES", "frobenius kullback-leibler").split()
    for loss in losses if os.environ.get("BENCH_SKLEARN", "1") != "0" else []:
        versus_sklearn(n, 200, 10, 1024, loss, int(os.environ.get("BENCH_ROUNDS", "1")))
    for size in os.environ.get("BENCH_CROSSOVER", "5000 20000 80000").split():
        for loss in losses:
            crossover(int(size), 200, 10, 1024, loss)
    if os.environ.get("BENCH_STREAMING", "1") == "0":
        sys.exit(0)
    streaming_rss(tool, directory, 500, int(os.environ.get("BENCH_COLUMNS", "200000")), 20)
