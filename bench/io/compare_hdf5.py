#!/usr/bin/python3
"""Reading AnnData .h5ad and 10x Genomics .h5 files: nmfkit (bench_hdf5_read) against h5py +
scipy.sparse building the same sparse matrix, both compressed (gzip) and uncompressed.

    /usr/bin/python3 bench/io/compare_hdf5.py BUILD_DIR [--nnz 10000000] [--dir /tmp] [--repeat 3]

Writes (once, reused afterwards) a random counts matrix of NNZ entries, cells x genes with 1000
genes per cell (cells = NNZ / 1000, genes = 30000; float32 values that are small integers, int32
indices, int64 indptr), into four files: an .h5ad with X as
csr_matrix and a 10x .h5 (genes x cells, CSC), each with gzip (level 4, Cell Ranger's choice;
chunks of 2^16 entries) and without compression. MB/s counts the bytes of the arrays as stored
uncompressed (data, indices, indptr). nmfkit reads as the command line's fits do (--as-stored: a
CSR file as the CSC of its transpose, float32 values kept float32: the same arrays scipy holds), on
all cores (OpenMP) and on one; h5py on one (it reads serially). The last column is nmfkit's
read_matrix default (the CSC of the matrix, float64 values), on all cores."""
import argparse
import os
import subprocess
import sys
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[var] = "1"
import h5py  # noqa: E402
import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

GENES = 30000
PER_CELL = 1000


def write_files(d, nnz):
    cells = nnz // PER_CELL
    names = {}
    for kind in ("h5ad", "h5"):
        for comp in ("gzip", "none"):
            names[(kind, comp)] = os.path.join(d, f"nmfkit_bench_{nnz}_{comp}.{kind}")
    if all(os.path.exists(p) for p in names.values()):
        return names, cells
    rng = np.random.default_rng(1)
    indptr = np.arange(cells + 1, dtype=np.int64) * PER_CELL
    indices = np.empty(cells * PER_CELL, np.int32)
    for c in range(cells):  # sorted distinct genes per cell
        indices[c * PER_CELL:(c + 1) * PER_CELL] = np.sort(rng.choice(GENES, PER_CELL, replace=False))
    data = rng.geometric(0.3, size=indices.size).astype(np.float32)
    for (kind, comp), p in names.items():
        def kw(n):
            return (dict(compression="gzip", compression_opts=4, chunks=(min(n, 1 << 16),))
                    if comp == "gzip" else {})
        with h5py.File(p, "w") as f:
            if kind == "h5ad":
                g = f.create_group("X")
                g.attrs["encoding-type"] = "csr_matrix"
                g.attrs["encoding-version"] = "0.1.0"
                g.attrs["shape"] = np.array([cells, GENES])
            else:  # 10x: genes x cells, CSC: the same arrays
                g = f.create_group("matrix")
                g.create_dataset("shape", data=np.array([GENES, cells], np.int32))
            g.create_dataset("data", data=data, **kw(data.size))
            g.create_dataset("indices", data=indices, **kw(indices.size))
            g.create_dataset("indptr", data=indptr, **kw(indptr.size))
    return names, cells


def h5py_scipy(path, kind, repeat):
    """h5py reads the three arrays and scipy builds the stored sparse matrix (CSR for .h5ad, CSC
    for 10x)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        with h5py.File(path, "r") as f:
            g = f["X"] if kind == "h5ad" else f["matrix"]
            data, indices, indptr = g["data"][:], g["indices"][:], g["indptr"][:]
            if kind == "h5ad":
                M = sp.csr_matrix((data, indices, indptr), shape=tuple(g.attrs["shape"]))
            else:
                M = sp.csc_matrix((data, indices, indptr), shape=tuple(g["shape"][:]))
        best = min(best, time.perf_counter() - t)
    return best, M.nnz, float(M.data.sum(dtype=np.float64))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--nnz", type=int, default=10_000_000)
    ap.add_argument("--dir", default="/tmp")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    names, cells = write_files(a.dir, a.nnz)
    tool = os.path.join(a.build, "bench", "io", "nmfkit_bench_hdf5_read")
    stored = a.nnz * (4 + 4) + (cells + 1) * 8
    print(f"{a.nnz} entries, {cells} cells x {GENES} genes; {stored / 1e6:.0f} MB as stored; "
          f"h5py {h5py.__version__}, HDF5 {h5py.version.hdf5_version}")
    print("| file | compression | size on disk (MB) | nmfkit (s) | MB/s | nmfkit 1 thread (s) "
          "| h5py + scipy (s) | MB/s | ratio | ratio, 1 thread | nmfkit CSC float64 (s) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    threads = dict(os.environ)
    threads.pop("OMP_NUM_THREADS", None)  # nmfkit on all cores; this process (h5py) on one

    def nmfkit(p, env, *extra):
        out = subprocess.run([tool, p, str(a.repeat), *extra], check=True, capture_output=True,
                             text=True, env=env).stdout.split()
        return float(out[0]), int(out[1]), float(out[2])

    for (kind, comp), p in names.items():
        ns, nnz, nsum = nmfkit(p, threads, "--as-stored")
        n1 = nmfkit(p, os.environ, "--as-stored")[0]
        ps, pnnz, psum = h5py_scipy(p, kind, a.repeat)
        if nnz != pnnz or abs(nsum - psum) > 1e-9 * abs(psum):
            sys.exit(f"{p}: nmfkit read {nnz} entries summing to {nsum}, h5py {pnnz} and {psum}")
        nd = nmfkit(p, threads)[0]
        size = os.path.getsize(p) / 1e6
        print(f"| {'10x .h5' if kind == 'h5' else '.h5ad'} | {comp} | {size:.0f} | {ns:.3f} | "
              f"{stored / 1e6 / ns:.0f} | {n1:.3f} | {ps:.3f} | {stored / 1e6 / ps:.0f} | "
              f"{ps / ns:.2f} | {ps / n1:.2f} | {nd:.3f} |")


main()
