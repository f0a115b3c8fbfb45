"""Every input layout gives the canonical factorization, and the zero-copy paths do not copy.

Canonical: a Fortran-order array of the same dtype. The solver is mu with tol = 0, so every run
makes the same number of iterations from the same seeded start (the start depends only on the
seed, the row index and mean(X), never on the layout); hals's inner-sweep budget counts X's
non-zeros whatever the storage (docs/design.md), so it is compared with its default budget too.
"""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import nmfkit
from nmfkit import _core, _input

from conftest import document_term, planted

FIT = dict(solver="mu", tol=0.0, max_iter=25, seed=7, threads=1)


def fit(X, **kw):
    return nmfkit.fit(X, 3, **{**FIT, **kw})


def assert_same(a, b, rtol):
    Wa, Ha, _ = a
    Wb, Hb, _ = b
    np.testing.assert_allclose(Wa, Wb, rtol=rtol, atol=rtol * np.abs(Wb).max())
    np.testing.assert_allclose(Ha, Hb, rtol=rtol, atol=rtol * np.abs(Hb).max())


@pytest.fixture(scope="module")
def X64():
    return np.asfortranarray(planted(50, 36, 3, seed=3))


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_dense_layouts_match_fortran_order(X64, dtype, rtol):
    canonical = np.asfortranarray(X64, dtype=dtype)
    ref = fit(canonical)
    assert ref[0].dtype == dtype and ref[1].dtype == dtype
    assert not ref[2].input_copied

    big_c = np.zeros((60, 50), dtype=dtype)
    big_c[4:54, 7:43] = canonical
    big_f = np.asfortranarray(big_c)
    reversed_rows = np.ascontiguousarray(canonical[::-1])
    strided = np.zeros((100, 72), dtype=dtype)
    strided[::2, ::2] = canonical
    cases = {
        "C order": (np.ascontiguousarray(canonical), False),
        "row-major slice (ld > n)": (big_c[4:54, 7:43], False),
        "column-major slice (ld > m)": (big_f[4:54, 7:43], False),
        "strided both axes": (strided[::2, ::2], True),
        "negative stride": (reversed_rows[::-1], True),
        "list of lists": (canonical.tolist(), True),
    }
    for name, (X, copied) in cases.items():
        got = fit(X)
        assert got[2].input_copied == copied, name
        assert got[0].dtype == (dtype if name != "list of lists" else np.float64), name
        assert_same(got, ref, rtol if name != "list of lists" else 1e-5)


def test_read_only_array_is_used_in_place(X64):
    X = X64.copy(order="C")
    X.flags.writeable = False
    got = fit(X)
    assert not got[2].input_copied
    assert_same(got, fit(X64), 1e-12)


def test_float32_close_to_float64(X64):
    W64, H64, _ = fit(X64)
    W32, H32, _ = fit(X64.astype(np.float32))
    assert W32.dtype == np.float32
    np.testing.assert_allclose(W32 @ H32, W64 @ H64, rtol=1e-3, atol=1e-4 * np.abs(X64).max())


def test_other_dtypes_are_converted_to_float64():
    rng = np.random.default_rng(5)
    counts = rng.integers(0, 9, size=(30, 20))
    ref = fit(counts.astype(np.float64))
    for X in (counts, counts.astype(np.int32), counts.astype(np.uint8),
              counts.astype(">f8"), counts.astype(np.float16)):
        W, H, info = fit(X)
        assert info.input_copied
        expected = np.float32 if X.dtype == np.float16 else np.float64
        assert W.dtype == expected and H.dtype == expected
        assert_same((W, H, info), ref, 1e-12 if expected == np.float64 else 1e-3)


def test_sparse_formats_match_dense(X64):
    sp = pytest.importorskip("scipy.sparse")
    # Zero out about half the entries so the matrix is genuinely sparse.
    X = X64 * (np.random.default_rng(2).random(X64.shape) < 0.5)
    ref = fit(X)
    cases = {
        "csr": (sp.csr_matrix(X), False),
        "csc": (sp.csc_matrix(X), False),
        "csr_array": (sp.csr_array(X), False),
        "coo": (sp.coo_matrix(X), True),
        "lil": (sp.lil_matrix(X), True),
    }
    csr64 = sp.csr_matrix(X)
    csr64.indptr = csr64.indptr.astype(np.int64)
    csr64.indices = csr64.indices.astype(np.int64)
    cases["csr int64 indices"] = (csr64, False)
    mixed = sp.csr_matrix(X)
    mixed.indptr = mixed.indptr.astype(np.int64)
    cases["csr mixed index widths"] = (mixed, True)
    unsorted = sp.csc_matrix(X)
    for j in range(unsorted.shape[1]):  # reverse the row order inside every column
        a, b = unsorted.indptr[j], unsorted.indptr[j + 1]
        unsorted.indices[a:b] = unsorted.indices[a:b][::-1].copy()
        unsorted.data[a:b] = unsorted.data[a:b][::-1].copy()
    unsorted.has_sorted_indices = False
    cases["csc unsorted"] = (unsorted, False)
    for name, (S, copied) in cases.items():
        got = fit(S)
        assert got[2].input_copied == copied, name
        assert_same(got, ref, 1e-10)
    # hals too, with its default inner-sweep budget (the same for both storages).
    hals = dict(solver="hals")
    assert_same(fit(sp.csr_matrix(X), **hals), fit(X, **hals), 1e-9)
    # float32 sparse stays float32.
    W, H, _ = fit(sp.csr_matrix(X.astype(np.float32)))
    assert W.dtype == np.float32 and H.dtype == np.float32


def test_sparse_duplicates_are_summed(X64):
    sp = pytest.importorskip("scipy.sparse")
    X = sp.coo_matrix(X64)
    doubled = sp.coo_matrix((np.concatenate([X.data / 2, X.data / 2]),
                             (np.concatenate([X.row, X.row]), np.concatenate([X.col, X.col]))),
                            shape=X.shape)
    raw = sp.csr_matrix((doubled.data, (doubled.row, doubled.col)), shape=X.shape)
    # csr_matrix from COO sums duplicates; rebuild with them kept to hand them to the library.
    order = np.lexsort((doubled.col, doubled.row))
    rows, cols, vals = doubled.row[order], doubled.col[order], doubled.data[order]
    indptr = np.searchsorted(rows, np.arange(X.shape[0] + 1)).astype(np.int32)
    dup = sp.csr_matrix((vals, cols.astype(np.int32), indptr), shape=X.shape)
    assert dup.nnz == 2 * raw.nnz
    assert_same(fit(dup), fit(X64), 1e-10)


def test_dataframe_matches_array(X64):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(X64, columns=[f"f{j}" for j in range(X64.shape[1])])
    assert_same(fit(df), fit(X64), 1e-12)
    assert_same(fit(df.astype(np.float32)), fit(X64.astype(np.float32)), 1e-5)


# --- zero copy, by pointer identity -------------------------------------------------------------

def test_dense_views_point_at_the_callers_buffer():
    big = np.zeros((30, 40))
    cases = {
        "F order": (np.zeros((30, 40), order="F"), "col_major", 30),
        "C order": (np.zeros((30, 40)), "row_major", 40),
        "row slice of C": (big[3:20], "row_major", 40),
        "column slice of C": (big[:, 5:25], "row_major", 40),
        "column slice of F": (np.asfortranarray(big)[2:28, 1:], "col_major", 30),
        "float32": (np.zeros((30, 40), dtype=np.float32), "row_major", 40),
        "one row, strided": (big[3:4, ::2], "col_major", 2),
    }
    for name, (X, layout, ld) in cases.items():
        prepared = _input.as_input(X)
        assert prepared.array is X or prepared.array.base is X.base, name
        info = _core.dense_view_info(prepared.array)
        assert info == {"layout": layout, "ld": ld, "data": X.ctypes.data}, name
    assert _core.dense_view_info(big[::2, ::2]) is None
    assert _core.dense_view_info(big[::-1]) is None
    assert _core.dense_view_info(np.zeros((3, 4), dtype=np.int64)) is None


def test_sparse_views_point_at_the_callers_buffers():
    sp = pytest.importorskip("scipy.sparse")
    for S in (document_term(40, 30, 0.1, seed=1), document_term(40, 30, 0.1, seed=1).tocsc()):
        prepared = _input.as_input(S)
        info = _core.sparse_view_info(*prepared.buffers())
        assert info["layout"] == S.format
        assert info["indptr"] == S.indptr.ctypes.data
        assert info["indices"] == S.indices.ctypes.data
        assert info["data"] == S.data.ctypes.data
        assert info["index_bits"] == 32
    assert _input.as_input(sp.coo_matrix(np.eye(3))).copied


# --- zero copy, by the process's peak memory ---------------------------------------------------

PEAK_SCRIPT = textwrap.dedent(
    """
    import resource, sys
    import numpy as np
    import nmfkit
    kind, rows, cols = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.default_rng(0)
    nmfkit.fit(rng.random((50, 40)), 2, max_iter=2, threads=1)  # warm up: BLAS buffers, imports
    options = dict(max_iter=2, tol=0, threads=1, init="random")  # NNDSVD would add its SVD workspace
    if kind in ("C", "F", "slice"):
        X = rng.random((rows, cols)) if kind != "F" else rng.random((cols, rows)).T
        if kind == "slice":
            X = X[:, 1:]
        nbytes = X.shape[0] * X.shape[1] * 8
    else:
        import scipy.sparse as sp
        per_row = 40
        nnz = rows * per_row
        indptr = np.arange(0, nnz + 1, per_row, dtype=np.int32)
        indices = np.empty(nnz, dtype=np.int32)
        step = cols // per_row
        for r0 in range(0, rows, 10000):  # distinct columns per row, built in small chunks
            r = np.arange(r0, min(r0 + 10000, rows))
            indices[r0 * per_row:r[-1] * per_row + per_row] = (
                (r[:, None] + step * np.arange(per_row)[None, :]) % cols).ravel()
        data = np.ones(nnz)
        X = sp.csr_matrix((data, indices, indptr), shape=(rows, cols), copy=False)
        assert np.shares_memory(X.data, data) and np.shares_memory(X.indices, indices)
        options["low_memory"] = True  # the default builds a transposed copy on purpose
        nbytes = data.nbytes + indices.nbytes
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    W, H, info = nmfkit.fit(X, 2, **options)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert not info.input_copied
    print((after - before) * 1024, nbytes, before * 1024)
    """
)


@pytest.mark.parametrize("kind", ["C", "F", "slice", "csr"])
def test_fit_does_not_grow_peak_memory_by_the_input_size(kind):
    pytest.importorskip("scipy.sparse")
    rows, cols = (5000, 4000) if kind != "csr" else (200000, 4000)  # 160 MB dense, 96 MB sparse
    out = subprocess.run([sys.executable, "-c", PEAK_SCRIPT, kind, str(rows), str(cols)],
                         capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert out.returncode == 0, out.stderr
    growth, nbytes, baseline = (int(v) for v in out.stdout.split())
    # A copy would add nbytes; the fit itself needs the factors and BLAS workspace only.
    assert growth < 0.2 * nbytes, f"peak grew by {growth / 1e6:.1f} MB for {nbytes / 1e6:.1f} MB of input"
