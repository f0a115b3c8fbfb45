#!/usr/bin/python3
"""Writes the format fixtures of tests/test_formats.cpp with real numpy/scipy (run once, by hand:
/usr/bin/python3 tests/data/formats/make_fixtures.py; the outputs are committed, so the tests do not
need Python). The expected values are in `reference.mtx` (written here with repr precision, exact)."""
import gzip, os, shutil
import numpy as np
import scipy.io, scipy.sparse

os.chdir(os.path.dirname(os.path.abspath(__file__)))
rng = np.random.default_rng(7)
# A 5 x 4 dense matrix with exact binary fractions, zeros, and non-trivial doubles.
A = np.array([[0.0, 1.5, 0.1, 2.0],
              [3.25, 0.0, 0.0, 1e-300],
              [0.0, 0.0, 7.0, 0.0],
              [4.0, 1.0 / 3.0, 0.0, 5.5],
              [0.0, 2.0 ** 40, 9.0, 0.0]])
scipy.io.mmwrite("reference.mtx", scipy.sparse.coo_matrix(A), precision=17)

np.save("f8_c.npy", A)
np.save("f8_f.npy", np.asfortranarray(A))
np.save("f4_c.npy", A.astype(np.float32))
np.save("i8_c.npy", np.round(A * 4).astype(np.int64))
np.save("i4_f.npy", np.asfortranarray(np.round(A[:, [0, 2, 3]] * 4).astype(np.int32)))
np.save("u1_c.npy", (np.round(A) % 256).astype(np.uint8))
np.save("u8_c.npy", np.round(A * 4).astype(np.uint64))
np.save("bool_c.npy", A != 0)
with open("f8_v2.npy", "wb") as f:
    np.lib.format.write_array(f, A, version=(2, 0))
with open("f8_v3.npy", "wb") as f:
    np.lib.format.write_array(f, A, version=(3, 0))

S = scipy.sparse.csr_matrix(A)
scipy.sparse.save_npz("csr.npz", S, compressed=False)
scipy.sparse.save_npz("csr_compressed.npz", S, compressed=True)
scipy.sparse.save_npz("csc.npz", S.tocsc(), compressed=True)
scipy.sparse.save_npz("coo.npz", S.tocoo(), compressed=False)
# CSR with int64 index arrays, float32 data, unsorted indices and a duplicate (summed on read).
indptr = np.array([0, 3, 3, 4, 4, 4], dtype=np.int64)
indices = np.array([2, 0, 2, 1], dtype=np.int64)
data = np.array([1.0, 2.0, 0.5, 4.0], dtype=np.float32)
D = scipy.sparse.csr_matrix((data, indices, indptr), shape=(5, 3))
scipy.sparse.save_npz("csr_dup_i64.npz", D, compressed=True)

scipy.io.mmwrite("coord_real.mtx", scipy.sparse.coo_matrix(A), precision=17)
scipy.io.mmwrite("array_real.mtx", A, precision=17)
scipy.io.mmwrite("coord_int.mtx", scipy.sparse.coo_matrix(np.round(A * 4).astype(np.int64)))
Sym = np.array([[2.0, 1.0, 0.0], [1.0, 0.0, 3.5], [0.0, 3.5, 4.0]])
scipy.io.mmwrite("sym_coord.mtx", scipy.sparse.coo_matrix(Sym), symmetry="symmetric")
scipy.io.mmwrite("sym_array.mtx", Sym, symmetry="symmetric")
with open("coord_real.mtx", "rb") as src, gzip.open("coord_real.mtx.gz", "wb") as dst:
    shutil.copyfileobj(src, dst)
with open("labeled.csv", "w") as f:
    f.write(",s1,s2,s3,s4\n")
    for i, row in enumerate(A):
        f.write("g%d," % (i + 1) + ",".join(repr(float(x)) for x in row) + "\n")
print("wrote fixtures")
