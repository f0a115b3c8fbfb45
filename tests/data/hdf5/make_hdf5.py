#!/usr/bin/python3
"""Writes the HDF5 test files of nmfkit's io tests (tests/test_hdf5.cpp, tests/hdf5_cli.sh) into
the directory given as the only argument: AnnData .h5ad files written by anndata itself (CSR, CSC,
dense X, layers, gzip and none), 10x Genomics .h5 files in Cell Ranger's layout (written with
h5py), the same matrix as Matrix Market (reference.mtx), and layouts anndata does not write but a
reader must handle (unsorted and duplicate indices, small chunks, narrow integer dtypes).
Exit status 77 (and a line saying why) when h5py, anndata or scipy is missing: the tests then skip.
Run at test time, not committed: the files are rebuilt from this script on every run."""
import os
import sys
import warnings

try:
    import h5py
    import numpy as np
    import scipy.io
    import scipy.sparse as sp
    import pandas as pd
    import anndata
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"make_hdf5.py: skipped: {e} (Debian: apt-get install python3-h5py python3-anndata)")
    sys.exit(77)

warnings.filterwarnings("ignore")
out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def path(name):
    return os.path.join(out, name)


# The matrix A (7 x 5, cells x genes as AnnData stores it): values exact in float32, an empty row
# and an empty column, one explicit zero kept by scipy's constructors below.
A = np.array([[0, 1.5, 0, 2, 0],
              [3.25, 0, 0, 0, 0.125],
              [0, 0, 0, 0, 0],
              [4, 0.5, 0, 5.5, 0],
              [0, 0, 0, 9, 1],
              [6, 0, 0, 0, 0],
              [0, 7, 0, 0.75, 8]])
rows = [f"cell{i}" for i in range(A.shape[0])]
cols = [f"gene{j}" for j in range(A.shape[1])]
counts = np.rint(A * 4).astype(np.int64)  # the layer "counts": integers


def adata(X):
    a = anndata.AnnData(X=X, obs=pd.DataFrame(index=rows), var=pd.DataFrame(index=cols))
    a.layers["counts"] = sp.csr_matrix(counts)
    a.layers["dense"] = A * 2
    return a


adata(sp.csr_matrix(A.astype(np.float32))).write_h5ad(path("csr.h5ad"))
adata(sp.csr_matrix(A.astype(np.float32))).write_h5ad(path("csr_gzip.h5ad"), compression="gzip")
adata(sp.csc_matrix(A)).write_h5ad(path("csc.h5ad"))
adata(sp.csc_matrix(A)).write_h5ad(path("csc_gzip.h5ad"), compression="gzip")
adata(A.astype(np.float32)).write_h5ad(path("dense.h5ad"))
adata(A).write_h5ad(path("dense_gzip.h5ad"), compression="gzip")
a = adata(sp.csr_matrix(A))
del a.layers["dense"]
a.X = None
a.write_h5ad(path("no_x.h5ad"))
scipy.io.mmwrite(path("reference.mtx"), sp.coo_matrix(A))
scipy.io.mmwrite(path("counts.mtx"), sp.coo_matrix(counts.astype(np.float64)))
# For the online (streamed) fits: A with its entries grouped by column (reference.mtx is grouped
# by row, as coo_matrix orders a dense array's entries), and A as .npy in float64 and float32.
scipy.io.mmwrite(path("reference_csc.mtx"), sp.csc_matrix(A).tocoo())
np.save(path("reference.npy"), A)
np.save(path("reference32.npy"), A.astype(np.float32))


def tenx(name, M, dtype, compression=None, shuffle=False, v2=False, chunks=None):
    """M (genes x cells, CSC) in the layout of Cell Ranger 3 (group matrix, features/) or 2
    (group GRCh38, genes and gene_names)."""
    S = sp.csc_matrix(M)
    kw = dict(compression=compression, shuffle=shuffle, chunks=chunks)
    with h5py.File(path(name), "w") as f:
        g = f.create_group("GRCh38" if v2 else "matrix")
        g.create_dataset("data", data=S.data.astype(dtype), **kw)
        g.create_dataset("indices", data=S.indices.astype(np.int64), **kw)
        g.create_dataset("indptr", data=S.indptr.astype(np.int64), **kw)
        g.create_dataset("shape", data=np.array(S.shape, dtype=np.int32))
        ids = np.array([f"ENSG{j:05d}".encode() for j in range(S.shape[0])])
        names = np.array([c.encode() for c in cols])
        barcodes = np.array([r.encode() for r in rows])
        g.create_dataset("barcodes", data=barcodes, **kw)
        if v2:
            g.create_dataset("genes", data=ids)
            g.create_dataset("gene_names", data=names)
        else:
            feat = g.create_group("features")
            feat.create_dataset("id", data=ids)
            feat.create_dataset("name", data=names)
            feat.create_dataset("feature_type", data=np.array([b"Gene Expression"] * S.shape[0]))


tenx("tenx.h5", counts.T, np.int32, compression="gzip", shuffle=True, chunks=(4,))
tenx("tenx_plain.h5", counts.T, np.uint16)
tenx("tenx_v2.h5", counts.T, np.int32, v2=True)


def raw_csr(name, data, indices, indptr, shape, encoding="csr_matrix", chunks=None,
            compression=None):
    """An AnnData-like file written with h5py alone (layouts anndata does not write)."""
    with h5py.File(path(name), "w") as f:
        g = f.create_group("X")
        g.attrs["encoding-type"] = encoding
        g.attrs["encoding-version"] = "0.1.0"
        g.attrs["shape"] = np.array(shape)
        g.create_dataset("data", data=data, chunks=chunks, compression=compression)
        g.create_dataset("indices", data=indices, chunks=chunks, compression=compression)
        g.create_dataset("indptr", data=indptr)


# Row 0 holds columns 3, 1, 3 (unsorted, and column 3 twice: summed to 2 + 0.5), row 1 column 0.
raw_csr("unsorted_dup.h5ad", np.array([2.0, 1.5, 0.5, 3.25]), np.array([3, 1, 3, 0], np.int8),
        np.array([0, 3, 4], np.uint8), (2, 5))
# A larger matrix in chunks of 64 entries (gzip): blocks of rows cross chunk boundaries.
rng = np.random.default_rng(7)
B = sp.random(300, 200, density=0.05, random_state=rng, format="csr", dtype=np.float64)
B.data = np.round(B.data * 100) / 4
raw_csr("chunked.h5ad", B.data.astype(np.float32), B.indices.astype(np.int32),
        B.indptr.astype(np.int64), B.shape, chunks=(64,), compression="gzip")
scipy.io.mmwrite(path("chunked.mtx"), B.tocoo())
# Larger arrays (about 30000 entries, more than the 4096 from which the reader reads a range
# itself, File::read_stored) in each storage that path takes: contiguous, chunks without a filter,
# gzip chunks (sizes that do not divide the arrays), float32, float64 and int32 values; and, as
# the references that HDF5 reads itself, the same arrays big-endian. "dup": every entry split in
# two (unsorted, duplicates); "index*": one index out of range late in the array; "corrupt": a
# gzip chunk of X/indices overwritten.
C = sp.random(2000, 300, density=0.05, random_state=rng, format="csr", dtype=np.float64)
C.data = rng.integers(1, 50, C.nnz).astype(np.float64) / 4
dup_indices = np.repeat(C.indices, 2)
dup_data = np.empty(2 * C.nnz)
dup_data[0::2] = C.data - 0.25
dup_data[1::2] = 0.25
for r in range(C.shape[0]):  # each row's entries in reverse order
    lo, hi = 2 * C.indptr[r], 2 * C.indptr[r + 1]
    dup_indices[lo:hi] = dup_indices[lo:hi][::-1].copy()
    dup_data[lo:hi] = dup_data[lo:hi][::-1].copy()
bad_indices = C.indices.copy()
bad_indices[C.nnz - 100] = 300
# An index out of range where its row still strictly increases: the last of a row (300, past the
# largest column) and the first of a row (-1); the reader checks such a row by its first and last
# entries, a row that does not increase by every entry.
late = [r for r in range(C.shape[0] - 40, C.shape[0]) if C.indptr[r + 1] - C.indptr[r] >= 3][0]
last_indices = C.indices.copy()
last_indices[C.indptr[late + 1] - 1] = 300
first_indices = C.indices.copy()
first_indices[C.indptr[late]] = -1
stored = {"plain": (C.data, C.indices, C.indptr), "dup": (dup_data, dup_indices, 2 * C.indptr),
          "index": (C.data, bad_indices, C.indptr), "index_last": (C.data, last_indices, C.indptr),
          "index_first": (C.data, first_indices, C.indptr)}
for order, sign in (("le", "<"), ("be", ">")):
    for name, values, kw in (("contiguous", "f4", {}), ("chunks", "f8", dict(chunks=(4999,))),
                             ("gzip", "f4", dict(chunks=(3001,), compression="gzip")),
                             ("gzip_i4", "i4", dict(chunks=(2048,), compression="gzip"))):
        for what in stored:
            data, indices, indptr = stored[what]
            if values == "i4":
                data = np.ceil(data)
            raw_csr(f"big_{what}_{name}_{order}.h5ad", data.astype(sign + values),
                    indices.astype(sign + "i4"), indptr.astype(np.int64), C.shape, **kw)
    corrupt = path(f"big_corrupt_{order}.h5ad")
    raw_csr(f"big_corrupt_{order}.h5ad", C.data.astype(sign + "f4"), C.indices.astype(sign + "i4"),
            C.indptr.astype(np.int64), C.shape, chunks=(3001,), compression="gzip")
    with h5py.File(corrupt, "r") as f:
        info = f["X/indices"].id.get_chunk_info(2)
    with open(corrupt, "r+b") as f:
        f.seek(info.byte_offset + info.size // 2)
        f.write(b"\xff" * 32)
scipy.io.mmwrite(path("big.mtx"), C.tocoo())
# The "dup" arrays (60000 entries) in gzip chunks of 97 entries: about 620 pieces per array for the
# reader's threads, which take them in no fixed order (run_pieces); and big-endian, read by HDF5.
for order, sign in (("le", "<"), ("be", ">")):
    raw_csr(f"many_chunks_{order}.h5ad", dup_data.astype(sign + "f4"),
            dup_indices.astype(sign + "i4"), (2 * C.indptr).astype(np.int64), C.shape,
            chunks=(97,), compression="gzip")
with h5py.File(path("lzf.h5ad"), "w") as f:
    g = f.create_group("X")
    g.attrs["encoding-type"] = "csr_matrix"
    g.attrs["shape"] = np.array([2, 5])
    g.create_dataset("data", data=np.array([1.0, 2.0]), compression="lzf")
    g.create_dataset("indices", data=np.array([0, 1], np.int32))
    g.create_dataset("indptr", data=np.array([0, 1, 2], np.int32))
print(f"make_hdf5.py: wrote the HDF5 test files to {out}")
