#!/usr/bin/env python3
"""2 threads against 1 on a busy machine (docs/benchmarks.md, "A busy machine").

Runs `nmfkit fit` on two small matrices (--medium: three), each solver x loss at 1 and at 2 threads, while one
competing busy process per core (`yes > /dev/null`) runs, and prints a Markdown table of the
seconds per iteration and the ratio 2 threads / 1 thread. The goal: the ratio stays ≤ 1.2.

    /usr/bin/python3 bench/busy.py --nmfkit build/cli/nmfkit            # busy (the default)
    /usr/bin/python3 bench/busy.py --nmfkit build/cli/nmfkit --idle     # no competing processes
    /usr/bin/python3 bench/busy.py --nmfkit build/cli/nmfkit --env GOMP_SPINCOUNT=300000

The matrices are generated (seeded): "digits", 1797 x 64 (the shape of scikit-learn's digits:
integer pixel values 0..16 from a planted rank-10 non-negative product), and "golub", 38 x 5000
(the shape of the Golub leukemia samples x genes: a planted rank-3 product times log-normal
noise); with --medium also "planted", 3000 x 1000 (rank 20 plus 1% noise, k = 20), where every
region of an iteration is worth a team. Each fit runs a fixed number of iterations (--tol 0)
from the same seed; the time is the fit's own (the report's timings.fit, without reading the
file), the median of --repeats runs.
The busy processes are started here and killed by their process ids at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

# (matrix, k, solver, loss, dtype, iterations)
CASES = [
    ("digits", 10, "hals", "frobenius", "float32", 200),
    ("digits", 10, "hals", "frobenius", "float64", 200),
    ("digits", 10, "mu", "frobenius", "float64", 200),
    ("digits", 10, "als", "frobenius", "float64", 200),
    ("digits", 10, "anls_bpp", "frobenius", "float64", 100),
    ("digits", 10, "cd", "frobenius", "float64", 200),
    ("digits", 10, "cd", "kullback_leibler", "float64", 100),
    ("digits", 10, "mu", "kullback_leibler", "float64", 100),
    ("golub", 3, "hals", "frobenius", "float64", 200),
    ("golub", 3, "hals", "frobenius", "float32", 200),
    ("golub", 3, "mu", "frobenius", "float64", 200),
    ("golub", 3, "als", "frobenius", "float64", 200),
    ("golub", 3, "anls_bpp", "frobenius", "float64", 100),
    ("golub", 3, "cd", "kullback_leibler", "float64", 100),
    ("golub", 3, "mu", "kullback_leibler", "float64", 100),
]
# --medium: a matrix where every region of an iteration is worth a team (the idle-machine check)
MEDIUM = [
    ("planted", 20, "hals", "frobenius", "float64", 50),
    ("planted", 20, "hals", "frobenius", "float32", 50),
    ("planted", 20, "mu", "frobenius", "float64", 50),
    ("planted", 20, "cd", "kullback_leibler", "float64", 20),
]


def make_matrices(directory: str) -> dict[str, str]:
    """The matrices as .npy files in `directory`, generated unless they are there already."""
    names = ("digits", "golub", "planted")
    paths = {name: os.path.join(directory, name + ".npy") for name in names}
    if all(os.path.exists(p) for p in paths.values()):
        return paths
    import numpy as np

    rng = np.random.default_rng(1)
    # digits-like: 1797 x 64, entries 0..16
    W = rng.gamma(0.5, 1.0, size=(1797, 10))
    H = rng.gamma(0.5, 1.0, size=(10, 64))
    V = W @ H
    digits = np.clip(np.rint(16 * V / np.quantile(V, 0.99)), 0, 16)
    # Golub-like: 38 samples x 5000 genes, rank 3 times log-normal noise
    W = rng.gamma(1.0, 1.0, size=(38, 3))
    H = rng.gamma(0.3, 100.0, size=(3, 5000))
    golub = (W @ H) * rng.lognormal(0.0, 0.3, size=(38, 5000))
    # planted: 3000 x 1000, rank 20 plus 1% noise
    W = rng.random((3000, 20)) * (rng.random((3000, 20)) < 0.5)
    H = rng.random((20, 1000)) * (rng.random((20, 1000)) < 0.5)
    planted = W @ H
    planted += 0.01 * planted.mean() * rng.random(planted.shape)
    for name, X in (("digits", digits), ("golub", golub), ("planted", planted)):
        np.save(paths[name], X.astype(np.float64))
    return paths


def fit_seconds(nmfkit: str, path: str, k: int, solver: str, loss: str, dtype: str,
                iterations: int, threads: int, report: str, env: dict[str, str]) -> float:
    command = [nmfkit, "fit", path, "-k", str(k), "--solver", solver, "--loss", loss,
               "--dtype", dtype, "--max-iter", str(iterations), "--tol", "0", "--seed", "1",
               "--init", "random", "--threads", str(threads), "-q", "--report", report]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    with open(report) as f:
        run = json.load(f)
    return run["timings"]["fit"] / max(1, run["iterations"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nmfkit", default="build/cli/nmfkit")
    parser.add_argument("--idle", action="store_true", help="no competing busy processes")
    parser.add_argument("--busy", type=int, default=os.cpu_count() or 1,
                        help="competing busy processes (default: one per core)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--env", action="append", default=[],
                        help="NAME=VALUE for the fits' environment (e.g. OMP_WAIT_POLICY=passive)")
    parser.add_argument("--max-iter", type=int, default=0,
                        help="cap every case's iterations (for slow configurations)")
    parser.add_argument("--medium", action="store_true",
                        help="also a 3000 x 1000 matrix (k = 20), large enough for the threads")
    parser.add_argument("--data", default="", help="keep the generated matrices in this folder")
    parser.add_argument("--only", default="", help="run only cases whose matrix/solver contain this")
    args = parser.parse_args()

    env = dict(os.environ)
    for item in args.env:
        name, _, value = item.partition("=")
        env[name] = value
    info = subprocess.run([args.nmfkit, "info"], check=True, capture_output=True, text=True,
                          env=env).stdout
    for line in info.splitlines():
        if line.startswith(("BLAS kernels:", "threads:", "OpenMP wait:", "compiler:")):
            print(line)
    busy = []
    with tempfile.TemporaryDirectory() as work:
        if args.data:
            os.makedirs(args.data, exist_ok=True)
        paths = make_matrices(args.data or work)
        report = os.path.join(work, "run.json")
        try:
            if not args.idle:
                for _ in range(args.busy):
                    busy.append(subprocess.Popen(["yes"], stdout=subprocess.DEVNULL))
            print(f"{'idle' if args.idle else f'{len(busy)} busy processes'}, "
                  f"env {' '.join(args.env) or '(unchanged)'}, median of {args.repeats}\n")
            print("| matrix | k | solver | loss | dtype | s/iter 1 thread | s/iter 2 threads | 2t / 1t |")
            print("|---|---|---|---|---|---|---|---|")
            worst = 0.0
            for matrix, k, solver, loss, dtype, iterations in CASES + (MEDIUM if args.medium else []):
                if args.max_iter > 0:
                    iterations = min(iterations, args.max_iter)
                if args.only and args.only not in f"{matrix}/{solver}/{loss}/{dtype}":
                    continue
                t = {}
                for threads in (1, 2):
                    t[threads] = statistics.median(
                        fit_seconds(args.nmfkit, paths[matrix], k, solver, loss, dtype,
                                    iterations, threads, report, env)
                        for _ in range(args.repeats))
                ratio = t[2] / t[1]
                worst = max(worst, ratio)
                print(f"| {matrix} | {k} | {solver} | {loss} | {dtype} | {t[1]:.3g} | {t[2]:.3g} "
                      f"| {ratio:.2f} |", flush=True)
            print(f"\nlargest 2t / 1t: {worst:.2f} (goal ≤ 1.2)")
        finally:
            for p in busy:
                p.kill()
                p.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
