"""bench/compare runner for scikit-learn's NMF (run by compare.py with /usr/bin/python3).

Reads V (.npy dense, .mtx sparse) and the shared start W0, H0 (.npy), then runs
sklearn.decomposition.non_negative_factorization(init='custom', tol=0) in chunks that end at the
requested checkpoints, continuing each chunk from the previous chunk's W, H. For 'cd' and 'mu'
(Frobenius and KL, no regularization) an iteration's only state is (W, H), so the chunks do the
same arithmetic as one long run; each chunk re-validates X (a finiteness and a sign pass over V),
which is counted in the fit time (it is what a caller of the function pays). Only the calls are
timed: reading the file and writing the checkpoints' W, H are not.

Writes OUT/W_<it>.npy, OUT/H_<it>.npy per checkpoint and OUT/result.json.
"""

import argparse
import json
import os
import resource
import time
import warnings

import numpy as np
import scipy.io
import scipy.sparse as sp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--k", type=int, required=True)
    ap.add_argument("--solver", choices=["cd", "mu"], required=True)
    ap.add_argument("--loss", choices=["frobenius", "kullback_leibler"], required=True)
    ap.add_argument("--checkpoints", required=True, help="comma-separated iteration counts")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--init-w", required=True)
    ap.add_argument("--init-h", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    from threadpoolctl import threadpool_limits, threadpool_info
    import sklearn
    from sklearn.decomposition import non_negative_factorization
    from sklearn.exceptions import ConvergenceWarning

    t0 = time.perf_counter()
    if a.data.endswith(".mtx"):
        V = sp.csr_matrix(scipy.io.mmread(a.data), dtype=np.float64)
    else:
        V = np.load(a.data)
    W = np.array(np.load(a.init_w), dtype=np.float64, order="C")
    H = np.array(np.load(a.init_h), dtype=np.float64, order="C")
    read_s = time.perf_counter() - t0

    checkpoints = sorted({int(c) for c in a.checkpoints.split(",")})
    beta = "frobenius" if a.loss == "frobenius" else "kullback-leibler"
    os.makedirs(a.out, exist_ok=True)
    done = 0
    fit_s = 0.0
    secs = []
    with threadpool_limits(limits=a.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        blas = [{k: d.get(k) for k in ("internal_api", "version", "threading_layer", "num_threads",
                                       "filepath")} for d in threadpool_info()]
        for c in checkpoints:
            t = time.perf_counter()
            W, H, n_iter = non_negative_factorization(
                V, W=W, H=H, n_components=a.k, init="custom", update_H=True, solver=a.solver,
                beta_loss=beta, tol=0.0, max_iter=c - done, alpha_W=0.0, alpha_H=0.0,
                random_state=0, verbose=0, shuffle=False)
            fit_s += time.perf_counter() - t
            if n_iter != c - done:
                raise RuntimeError(f"asked for {c - done} iterations, ran {n_iter}")
            done = c
            secs.append(fit_s)
            np.save(os.path.join(a.out, f"W_{c}.npy"), W)
            np.save(os.path.join(a.out, f"H_{c}.npy"), H)
    res = {
        "tool": "scikit-learn", "version": sklearn.__version__, "numpy": np.__version__,
        "method": a.solver, "loss": a.loss, "dtype": "float64", "threads": a.threads,
        "checkpoints": checkpoints, "seconds": secs, "read_seconds": read_s,
        "peak_rss_kb_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "blas": blas, "init": "W0, H0 (init='custom')",
    }
    with open(os.path.join(a.out, "result.json"), "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
