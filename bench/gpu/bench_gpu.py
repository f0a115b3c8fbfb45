#!/usr/bin/env python3
"""The device path against the CPU path and a few-line PyTorch implementation (issue 23's targets).

Run by scripts/gpu-check.sh with PYTHONPATH at a CUDA build's python/ directory. Writes a Markdown
table (one row per case) to --out, for docs/benchmarks.md. Every case runs the same number of
iterations from the same random start on each engine; times are per iteration, the median over the
iterations of each run (nmfkit: its iteration history; PyTorch: CUDA events around the loop).

Cases (issue 23):
  dense  20000 x 5000, k = 30, float32, Frobenius mu and hals: nmfkit CPU on --cpu-threads (2:
         the issue's "2-core CPU time"), nmfkit GPU, PyTorch MU / HALS on the same GPU;
  sparse 10^6 x 3*10^4 at 0.5 % (1.5*10^8 stored), k = 20, float32, KL mu: nmfkit GPU against the
         memory-bandwidth bound (each of the two sampled products per iteration reads V's values
         and indices and one gathered factor row of k floats per stored entry), and PyTorch; the CPU
         runs 2 iterations only (it takes seconds per iteration).
--small divides every size by 10 in each dimension; with --device cpu, a dry run without a GPU.
"""
import argparse
import statistics
import sys
import time

import numpy as np
import scipy.sparse as sp

import nmfkit


def per_iteration(info):
    """Median seconds per iteration from the fit's history (its clock starts after the upload)."""
    d = np.diff(np.concatenate([[0.0], np.asarray(info.history.seconds)]))
    return float(np.median(d)) if len(d) else float("nan")


def nmfkit_run(X, k, solver, loss, iters, device, threads):
    t = time.perf_counter()
    W, H, info = nmfkit.fit(X, k, solver=solver, loss=loss, max_iter=iters, tol=0, init="random",
                            seed=1, extrapolation="off", device=device, threads=threads)
    wall = time.perf_counter() - t
    return per_iteration(info), wall, info.relative_error


def torch_dense(X, k, solver, iters):
    import torch
    V = torch.from_numpy(np.asfortranarray(X).T.copy().T).cuda()
    g = torch.Generator(device="cuda").manual_seed(1)
    scale = float(np.sqrt(X.mean() / k))
    W = torch.rand(X.shape[0], k, device="cuda", generator=g) * scale
    H = torch.rand(k, X.shape[1], device="cuda", generator=g) * scale
    eps = torch.finfo(V.dtype).tiny
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    torch.cuda.synchronize()
    start.record()
    for _ in range(iters):
        if solver == "mu":
            W *= (V @ H.T) / (W @ (H @ H.T)).clamp_min(eps)
            H *= (W.T @ V) / ((W.T @ W) @ H).clamp_min(eps)
        else:  # one HALS sweep per half-step
            VHt, HHt = V @ H.T, H @ H.T
            for j in range(k):
                W[:, j] = (W[:, j] + (VHt[:, j] - W @ HHt[:, j]) / HHt[j, j]).clamp_min(0)
            WtV, WtW = W.T @ V, W.T @ W
            for j in range(k):
                H[j] = (H[j] + (WtV[j] - WtW[j] @ H) / WtW[j, j]).clamp_min(0)
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / 1000 / iters


def torch_sparse_kl(S, k, iters):
    import torch
    coo = S.tocoo()
    rows = torch.from_numpy(coo.row.astype(np.int64)).cuda()
    cols = torch.from_numpy(coo.col.astype(np.int64)).cuda()
    vals = torch.from_numpy(coo.data).cuda()
    m, n = S.shape
    g = torch.Generator(device="cuda").manual_seed(1)
    W = torch.rand(m, k, device="cuda", generator=g)
    H = torch.rand(n, k, device="cuda", generator=g)  # Ht
    floor = float(np.sqrt(np.finfo(np.float32).tiny))
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    torch.cuda.synchronize()
    start.record()
    for _ in range(iters):
        ratio = vals / (W[rows] * H[cols]).sum(1).clamp_min(floor)
        num = torch.zeros_like(W).index_add_(0, rows, ratio[:, None] * H[cols])
        W *= num / H.sum(0)
        ratio = vals / (W[rows] * H[cols]).sum(1).clamp_min(floor)
        num = torch.zeros_like(H).index_add_(0, cols, ratio[:, None] * W[rows])
        H *= num / W.sum(0)
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / 1000 / iters


def random_csr(m, n, density, seed):
    """A float32 CSR with about density·m·n entries, built row by row without scipy.sparse.random
    (which holds several int64 copies of 1.5e8 indices)."""
    rng = np.random.default_rng(seed)
    per_row = rng.binomial(n, density, size=m).astype(np.int64)
    indptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(per_row, out=indptr[1:])
    nnz = int(indptr[-1])
    indices = rng.integers(0, n, size=nnz, dtype=np.int32)  # repeats within a row are summed
    data = (rng.random(nnz, dtype=np.float32) * 4).astype(np.float32) + 1
    return sp.csr_matrix((data, indices, indptr.astype(np.int32)), shape=(m, n))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--cpu-threads", type=int, default=2)
    p.add_argument("--small", action="store_true")
    p.add_argument("--skip-sparse", action="store_true")
    p.add_argument("--device", default="cuda", help="the device engine (cpu: a dry run of this script)")
    a = p.parse_args()
    f = 10 if a.small else 1
    try:
        import torch
        have_torch = torch.cuda.is_available()
    except ImportError:
        have_torch = False
    lines = ["| case | engine | s / iteration | wall s (call) | relative error |",
             "|---|---|---|---|---|"]

    def row(case, engine, t, wall="", err=""):
        fmt = lambda x: f"{x:.4g}" if isinstance(x, float) else str(x)
        lines.append(f"| {case} | {engine} | {fmt(t)} | {fmt(wall)} | {fmt(err)} |")
        print(lines[-1], flush=True)

    m, n, k = 20000 // f, 5000 // f, 30
    rng = np.random.default_rng(0)
    X = (rng.random((m, k), dtype=np.float32) @ rng.random((k, n), dtype=np.float32)).astype(np.float32)
    X = np.asfortranarray(X)
    for solver in ("mu", "hals"):
        case = f"dense {m}x{n} k={k} float32 frobenius {solver}, 100 it"
        t, w, e = nmfkit_run(X, k, solver, "frobenius", 100, a.device, 0)
        row(case, f"nmfkit {a.device}", t, w, e)
        t, w, e = nmfkit_run(X, k, solver, "frobenius", 10, "cpu", a.cpu_threads)
        row(case, f"nmfkit cpu, {a.cpu_threads} threads (10 it)", t, w, e)
        if have_torch:
            row(case, "pytorch (same GPU)", torch_dense(X, k, solver, 100))
    if a.skip_sparse:
        return finish(a, lines)
    m, n, k = 10**6 // f, 3 * 10**4 // f, 20
    S = random_csr(m, n, 0.005, 2)
    case = f"sparse {m}x{n} nnz={S.nnz:.3g} k={k} float32 kl mu"
    t, w, e = nmfkit_run(S, k, "mu", "kullback_leibler", 10, a.device, 0)
    row(case, f"nmfkit {a.device} (10 it)", t, w, e)
    # Two sampled products per iteration, each reading values + column indices (8 bytes) and one
    # gathered factor row (4k bytes) per stored entry.
    bytes_per_it = 2 * S.nnz * (8 + 4 * k)
    row(case, "bound: bytes/iteration ÷ bandwidth", f"{bytes_per_it / 1e9:.3g} GB / device bandwidth")
    t, w, e = nmfkit_run(S, k, "mu", "kullback_leibler", 2, "cpu", a.cpu_threads)
    row(case, f"nmfkit cpu, {a.cpu_threads} threads (2 it)", t, w, e)
    if have_torch:
        row(case, "pytorch (same GPU, 10 it)", torch_sparse_kl(S, k, 10))
    finish(a, lines)


def finish(a, lines):
    info = nmfkit.build_info()
    head = [f"Device: {'; '.join(info['devices']) or info['devices_note']}",
            f"CUDA runtime {info['cuda_runtime']}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", ""]
    with open(a.out, "w") as fh:
        fh.write("\n".join(head + lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
