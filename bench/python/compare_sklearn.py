#!/usr/bin/env python3
"""The same NMF fits through nmfkit.NMF and sklearn.decomposition.NMF, in one run.

For each matrix (a dense planted one and a sparse document-term one), scalar type (float64,
float32) and loss (Frobenius, Kullback-Leibler), both estimators start from the same W0, H0
(init='custom') and run the same number of iterations (tol=0), so the work is the same; then
each runs with its default stopping rule (tol=1e-4, max_iter=200), where they may stop at
different points. Reported: seconds of fit_transform (the drop-in path, validation included),
the error in scikit-learn's definition (reconstruction_err_ = sqrt(2·D_β(X‖WH)), computed by
scikit-learn's own _beta_divergence for both), the time ratio sklearn/nmfkit and the error ratio
nmfkit/sklearn (< 1: nmfkit's fit is better). A faster fit that stops at a worse error is not
faster: read both ratios.

    /usr/bin/python3 bench/python/compare_sklearn.py [--quick] [--repeat N] [--iters N] [--threads N]

Run it against an installed nmfkit, or PYTHONPATH=build/python for the CMake build tree.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.decomposition import NMF as SkNMF
from sklearn.decomposition._nmf import _beta_divergence
from sklearn.exceptions import ConvergenceWarning

import nmfkit


def planted(m, n, k, seed):
    """X = W0 H0 + 1% noise, half the entries of W0 and H0 zero (as bench/data.hpp)."""
    rng = np.random.default_rng(seed)
    W0 = rng.random((m, k)) * (rng.random((m, k)) < 0.5)
    H0 = rng.random((k, n)) * (rng.random((k, n)) < 0.5)
    X = W0 @ H0
    return X + 0.01 * X.mean() * rng.random((m, n))


def document_term(m, n, k, words_per_doc, seed):
    """CSR counts: each row (document) mixes two of k topics; each topic uses ~20% of the words."""
    rng = np.random.default_rng(seed)
    topics = rng.random((k, n)) ** 4 * (rng.random((k, n)) < 0.2)
    topics /= topics.sum(axis=1, keepdims=True)
    rows, cols = [], []
    for i in range(m):
        a, b = rng.integers(k, size=2)
        p = 0.7 * topics[a] + 0.3 * topics[b]
        words = rng.choice(n, size=words_per_doc, p=p)
        rows.append(np.full(words_per_doc, i))
        cols.append(words)
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    X = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(m, n))  # duplicates summed: counts
    X.sum_duplicates()
    return X


def start(m, n, k, X, seed):
    """Uniform start scaled so that mean(W0 H0) = mean(X) (what both libraries' random init do)."""
    rng = np.random.default_rng(seed)
    scale = np.sqrt(X.mean() / k)
    return 2 * scale * rng.random((m, k)), 2 * scale * rng.random((k, n))


def run(make, X, W0, H0, beta, repeat):
    best, W, H, it = np.inf, None, None, 0
    for _ in range(repeat):
        est = make()
        # Let the other library's idle BLAS/OpenMP workers stop spinning (OpenBLAS's pthread
        # workers busy-wait for a while after a call), so neither run pays for the previous one.
        time.sleep(0.3)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            W = est.fit_transform(X, W=W0.copy(), H=H0.copy())
        best = min(best, time.perf_counter() - t0)
        H, it = est.components_, est.n_iter_
    err = _beta_divergence(X, W, H, beta, square_root=True)
    return best, err, it


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small matrices, for a smoke test")
    ap.add_argument("--repeat", type=int, default=1, help="best of N timings (default 1)")
    ap.add_argument("--iters", type=int, default=100, help="fixed iteration count (default 100)")
    ap.add_argument("--threads", type=int, default=0,
                    help="threads for both: nmfkit's n_jobs and NumPy's BLAS through threadpoolctl "
                         "(scikit-learn's own loops are serial); 0 = all cores (default)")
    args = ap.parse_args()
    threads = args.threads or os.cpu_count() or 1
    if args.threads:
        from threadpoolctl import threadpool_limits  # NumPy's BLAS; nmfkit's is private

        threadpool_limits(limits=args.threads)

    info = nmfkit.build_info()
    print(f"nmfkit {nmfkit.__version__} ({info['blas_core']} OpenBLAS, OpenMP build, "
          f"{info['max_threads']} threads); scikit-learn {sklearn.__version__}, numpy {np.__version__}, "
          f"Python {platform.python_version()}; {os.cpu_count()} CPUs; {threads} threads for both")
    if args.quick:
        dense, sparse_shape, words, k = (300, 200), (1000, 800), 40, 10
    else:
        dense, sparse_shape, words, k = (2000, 1000), (20000, 5000), 60, 20
    matrices = {
        "dense planted": planted(*dense, k, seed=1),
        "sparse doc-term": document_term(*sparse_shape, k, words, seed=2),
    }
    for name, X in matrices.items():
        nnz = X.nnz if sp.issparse(X) else X.size
        print(f"\n{name}: {X.shape[0]} x {X.shape[1]}, {nnz} stored entries, k = {k}")
    print()
    it = args.iters
    # (label, loss, sklearn params, nmfkit params, fixed iterations?)
    cases = [
        ("frobenius", "frobenius", dict(solver="cd"), dict(solver="cd"), True),
        ("frobenius", "frobenius", dict(solver="cd"), dict(solver="cd", hals_inner_1=True), True),
        ("frobenius", "frobenius", dict(solver="mu"), dict(solver="mu"), True),
        ("kullback-leibler", "kullback-leibler", dict(solver="mu"), dict(solver="mu"), True),
        ("kullback-leibler", "kullback-leibler", dict(solver="mu"), dict(solver="cd"), True),
        ("frobenius", "frobenius", dict(solver="cd"), dict(solver="cd"), False),
        ("kullback-leibler", "kullback-leibler", dict(solver="mu"), dict(solver="cd"), False),
    ]
    print("| matrix | dtype | loss | iterations | sklearn | nmfkit | sklearn s | nmfkit s | "
          "time ratio | sklearn error | nmfkit error | error ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, X64 in matrices.items():
        for dtype in (np.float64, np.float32):
            X = X64.astype(dtype)
            W0, H0 = (a.astype(dtype) for a in start(*X.shape, k, X64, seed=3))
            for label, beta, skp, nkp, fixed in cases:
                nkp = dict(nkp)
                inner1 = nkp.pop("hals_inner_1", False)
                tol, max_iter = (0.0, it) if fixed else (1e-4, 200)
                sk_make = lambda: SkNMF(k, init="custom", beta_loss=beta, tol=tol, max_iter=max_iter, **skp)
                if inner1:
                    # nmfkit's cd with one inner sweep is scikit-learn's cd exactly; through
                    # the functional API (the estimator does not expose hals_max_inner).
                    class Inner1:
                        def fit_transform(self, X, W, H):
                            W, H, info = nmfkit.fit(X, k, solver="hals", hals_max_inner=1,
                                                    W=W, H=H, tol=tol, max_iter=max_iter,
                                                    threads=threads)
                            self.components_, self.n_iter_ = H, info.iterations
                            return W
                    nk_make = Inner1
                    nk_label = "hals, 1 inner sweep"
                else:
                    nk_make = lambda: nmfkit.NMF(k, init="custom", beta_loss=beta, tol=tol,
                                                 max_iter=max_iter, n_jobs=threads, **nkp)
                    nk_label = nkp["solver"]
                ts, es, its = run(sk_make, X, W0, H0, beta, args.repeat)
                tn, en, itn = run(nk_make, X, W0, H0, beta, args.repeat)
                iters = f"{it}" if fixed else f"{its} / {itn} (tol 1e-4)"
                print(f"| {name} | {np.dtype(dtype).name} | {label} | {iters} | {skp['solver']} | "
                      f"{nk_label} | {ts:.3f} | {tn:.3f} | {ts / tn:.1f}x | {es:.6g} | {en:.6g} | "
                      f"{en / es:.4f} |", flush=True)


if __name__ == "__main__":
    main()
