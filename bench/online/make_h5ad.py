#!/usr/bin/python3
"""Writes a large sparse single-cell-like counts matrix as an AnnData .h5ad (X a csr_matrix, cells
x genes: float32 counts, int32 indices, int64 indptr), chunk by chunk, so that this script holds
only one chunk of cells in memory however large the file (docs/benchmarks.md, "Online NMF").

    /usr/bin/python3 bench/online/make_h5ad.py OUT.h5ad [--cells 2000000] [--genes 30000]
        [--per-cell 102] [--topics 20] [--chunk 50000] [--seed 0] [--compression none|lzf]

The model (a topic model, whose counts an NMF of rank --topics fits well but not exactly):
--topics gene programmes, each a Gamma(0.5)-weighted distribution over its own random 5% of the
genes; every cell mixes 3 programmes (Dirichlet(1, 1, 1) weights) and takes --per-cell draws,
90% from its mixture and 10% uniform over all genes; X[c, g] is how often gene g was drawn in
cell c, so a cell has a little under --per-cell stored entries (repeated genes merge).

The cells of chunk q are drawn from the generator seeded with (seed, q): the first N cells are
the same whatever --cells, as long as N is a multiple of --chunk and --chunk and --seed are the
same, which is how the subset file of the comparison is made (`--cells N`)."""
import argparse
import sys
import time

import h5py
import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--cells", type=int, default=2_000_000)
    p.add_argument("--genes", type=int, default=30_000)
    p.add_argument("--per-cell", type=int, default=102)
    p.add_argument("--topics", type=int, default=20)
    p.add_argument("--chunk", type=int, default=50_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--compression", choices=("none", "lzf"), default="none")
    a = p.parse_args()
    G, K, L = a.genes, a.topics, a.per_cell

    # The programmes (K x G cumulative distributions) depend on the seed alone.
    rng = np.random.default_rng([a.seed, 1 << 30])
    cdf = np.empty((K, G))
    for t in range(K):
        w = np.zeros(G)
        support = rng.choice(G, max(1, G // 20), replace=False)
        w[support] = rng.gamma(0.5, size=support.size)
        cdf[t] = np.cumsum(w) / w.sum()
    cdf[:, -1] = 1.0

    comp = dict(compression="lzf") if a.compression == "lzf" else {}
    t0 = time.time()
    with h5py.File(a.out, "w") as f:
        f.attrs["encoding-type"] = "anndata"
        f.attrs["encoding-version"] = "0.1.0"
        X = f.create_group("X")
        X.attrs["encoding-type"] = "csr_matrix"
        X.attrs["encoding-version"] = "0.1.0"
        X.attrs["shape"] = np.array([a.cells, G], np.int64)
        chunks = (1 << 20,)
        data = X.create_dataset("data", shape=(0,), maxshape=(None,), dtype=np.float32,
                                chunks=chunks, **comp)
        indices = X.create_dataset("indices", shape=(0,), maxshape=(None,), dtype=np.int32,
                                   chunks=chunks, **comp)
        indptr = X.create_dataset("indptr", shape=(a.cells + 1,), dtype=np.int64)
        indptr[0] = 0
        nnz = 0
        for q, c0 in enumerate(range(0, a.cells, a.chunk)):
            C = min(a.chunk, a.cells - c0)
            r = np.random.default_rng([a.seed, q])
            progs = np.stack([r.choice(K, 3, replace=False) for _ in range(C)])  # C x 3
            weights = np.cumsum(r.dirichlet(np.ones(3), size=C), axis=1)  # C x 3
            u = r.random((C, L))
            which = (u[:, :, None] > weights[:, None, :]).sum(axis=2).clip(max=2)  # C x L
            topic = np.take_along_axis(progs, which, axis=1).ravel()
            gene = np.empty(C * L, np.int64)
            v = r.random(C * L)
            for t in range(K):
                sel = topic == t
                gene[sel] = np.searchsorted(cdf[t], v[sel], side="right")
            noise = r.random(C * L) < 0.1
            gene[noise] = r.integers(0, G, size=int(noise.sum()))
            np.minimum(gene, G - 1, out=gene)
            cell = np.repeat(np.arange(C, dtype=np.int64), L)
            key, count = np.unique(cell * G + gene, return_counts=True)  # sorted by (cell, gene)
            rows = key // G
            per_row = np.bincount(rows, minlength=C)
            n = key.size
            data.resize((nnz + n,))
            indices.resize((nnz + n,))
            data[nnz:nnz + n] = count.astype(np.float32)
            indices[nnz:nnz + n] = (key % G).astype(np.int32)
            indptr[c0 + 1:c0 + C + 1] = nnz + np.cumsum(per_row)
            nnz += n
            print(f"{c0 + C} cells, {nnz} stored entries, {time.time() - t0:.0f} s", flush=True)
    size = 4 * nnz + 4 * nnz + 8 * (a.cells + 1)
    print(f"{a.out}: {a.cells} x {G}, {nnz} stored entries, arrays {size / 2**20:.0f} MiB "
          f"(float32 data, int32 indices, int64 indptr), {time.time() - t0:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
