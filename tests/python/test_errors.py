"""Bad input raises ValueError with the library's message (the same text as the C++ InvalidInput
and the CLI), through the functional API and through the estimator."""

import re

import numpy as np
import pytest

import nmfkit


def X_with(i, j, value, shape=(4, 3)):
    X = np.ones(shape)
    X[i, j] = value
    return X


def layouts(X):
    """The same matrix as Fortran order, C order and, when SciPy is there, CSR and CSC."""
    out = {"F": np.asfortranarray(X), "C": np.ascontiguousarray(X)}
    try:
        import scipy.sparse as sp
    except ImportError:
        return out
    out["csr"] = sp.csr_matrix(X)
    out["csc"] = sp.csc_matrix(X)
    return out


@pytest.mark.parametrize(
    "value, message",
    [
        (-1.0, "negative entry -1 in V at row 2, column 1 (0-based)"),
        (np.nan, "NaN entry in V at row 2, column 1 (0-based)"),
        (np.inf, "infinite entry inf in V at row 2, column 1 (0-based)"),
    ],
)
def test_bad_entries_name_the_position_in_every_layout(value, message):
    X = X_with(2, 1, value)
    X[3, 0] = value  # a later bad entry in reading order: the first one is reported
    for name, data in layouts(X).items():
        with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
            nmfkit.fit(data, 2)
        with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
            nmfkit.transform(data, np.ones((2, 3)))


def test_nan_is_bad_input_unless_missing_nan():
    # With the default missing='none' NaN is bad input, also for the estimator.
    X = X_with(0, 2, np.nan)
    with pytest.raises(ValueError, match=re.escape("NaN entry in V at row 0, column 2 (0-based)")):
        nmfkit.NMF(2).fit(X)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(solver="foo"), 'unknown solver "foo"; expected one of: ' + ", ".join(nmfkit.solvers())),
        (dict(loss="foo"), 'unknown loss "foo"; expected one of: frobenius, kullback_leibler, '
                           "itakura_saito, beta (aliases: fro, kl, is)"),
        (dict(solver="hals", loss="kl"), "solver hals does not support loss kullback_leibler; "
                                         "solvers for kullback_leibler: mu, cd"),
        (dict(stop="foo"), 'unknown stopping rule "foo"; expected one of: relative_objective, '
                           "projected_gradient"),
        (dict(max_iter=-1), "max_iter must be at least 0, got -1"),
        (dict(normalize="l3"), 'unknown normalisation "l3"; expected one of: none, l1, l2'),
        (dict(W=np.ones((3, 2)), H=np.ones((2, 3))),
         "custom W has shape 3 x 2, expected 4 x 2 (rows of V x rank)"),
        (dict(W=np.ones((4, 2)), H=np.ones((2, 4))),
         "custom H has shape 2 x 4, expected 2 x 3 (rank x columns of V)"),
        (dict(W=np.ones((4, 2))), "custom initialisation needs both W and H"),
        (dict(seed=-1), "seed must be in [0, 2**64), got -1"),
    ],
)
def test_bad_options(kwargs, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        nmfkit.fit(np.ones((4, 3)), 2, **kwargs)


def test_bad_rank_and_shapes():
    with pytest.raises(ValueError, match=r"^rank must be at least 1, got 0$"):
        nmfkit.fit(np.ones((4, 3)), 0)
    with pytest.raises(ValueError, match=r"^V is empty \(0 x 3\); it needs at least one row"):
        nmfkit.fit(np.ones((0, 3)), 1)
    with pytest.raises(ValueError, match=r"^X must be a 2-D array"):
        nmfkit.fit(np.ones(4), 1)
    with pytest.raises(ValueError, match=r"^components H have 4 columns but V has 3; they must match$"):
        nmfkit.transform(np.ones((4, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="real numbers"):
        nmfkit.fit(np.ones((4, 3), dtype=complex), 1)
    with pytest.raises(TypeError, match="option max_iter: expected int, got float"):
        nmfkit.fit(np.ones((4, 3)), 2, max_iter=1.5)


def test_itakura_saito_needs_positive_entries():
    with pytest.raises(ValueError, match="row 1, column 2"):
        nmfkit.fit(X_with(1, 2, 0.0), 2, loss="itakura-saito")


def test_unknown_option_key_is_refused_by_the_core():
    with pytest.raises(ValueError, match='^unknown option "bogus"; expected one of: rank, solver'):
        nmfkit._core.fit_dense(np.ones((4, 3)), {"bogus": 1})


def test_sparse_structure_errors_come_from_the_library():
    sp = pytest.importorskip("scipy.sparse")
    X = sp.csr_matrix(np.eye(3))
    bad = sp.csr_matrix((X.data, X.indices.copy(), X.indptr), shape=(3, 3))
    bad.indices[1] = 7
    with pytest.raises(ValueError, match=r"^sparse V: entry 1 \(row 1\) has column index 7, outside 0\.\.2$"):
        nmfkit.fit(bad, 1)
    # Buffers shorter than indptr says are caught before the library reads them.
    with pytest.raises(ValueError, match=r"indptr\[-1\] = 3 but indices has 2"):
        nmfkit._core.fit_sparse((3, 3), X.indptr, X.indices[:2], X.data, "csr", {"rank": 1})


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(solver="foo"), 'unknown solver "foo"; expected one of: ' + ", ".join(nmfkit.solvers())),
        (dict(beta_loss="foo"), 'unknown loss "foo"'),
        (dict(solver="hals", beta_loss="kullback-leibler"),
         "solver hals does not support loss kullback_leibler"),
        (dict(init="svd"), 'unknown init "svd"; expected one of: random, nndsvd, nndsvda, nndsvdar, custom'),
        (dict(n_components=5, init="nndsvd"), "init nndsvd needs k ≤ min(m, n) = 3, got k = 5; use init random"),
        (dict(alpha_W=-1.0), "alpha_W and alpha_H must be finite numbers ≥ 0"),
        (dict(l1_ratio=2.0), "l1_ratio must be in [0, 1], got 2.000000"),
        (dict(n_components=0), "rank must be at least 1, got 0"),
        (dict(random_state=-3), "random_state must be in [0, 2**64) when an int, got -3"),
        (dict(n_jobs=0), "n_jobs must be None or a non-zero int, got 0"),
    ],
)
def test_estimator_bad_parameters(params, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        nmfkit.NMF(**{"n_components": 2, **params}).fit(np.ones((4, 3)))


def test_estimator_bad_data_messages():
    est = nmfkit.NMF(2, random_state=0)
    with pytest.raises(ValueError, match=re.escape("negative entry -1 in V at row 2, column 1 (0-based)")):
        est.fit(X_with(2, 1, -1.0))
    est.fit(np.ones((4, 3)))
    with pytest.raises(ValueError, match="X has 4 features, but NMF is expecting 3 features"):
        est.transform(np.ones((2, 4)))
    with pytest.raises(ValueError, match=re.escape("negative entry -2 in V at row 0, column 0 (0-based)")):
        est.transform(X_with(0, 0, -2.0, shape=(2, 3)))


@pytest.mark.parametrize("k", [2**31, 2**63, 2**70, -(2**63) - 1])
def test_rank_out_of_range_is_a_value_error_naming_it(k):
    # Beyond a C int (and beyond a long long) is out of range, not "expected int, got int".
    with pytest.raises(ValueError, match=rf"^option rank = {k} is out of range"):
        nmfkit.fit(np.ones((4, 3)), k)


@pytest.mark.parametrize("returned", ["stop", 0, 1.0, [False]])
def test_callback_returning_a_non_bool_is_a_type_error(returned):
    calls = []

    def callback(info):
        calls.append(info.iteration)
        return returned

    with pytest.raises(TypeError, match=r"^the callback must return None, True \(go on\) or False \(stop\), got "):
        nmfkit.fit(np.ones((4, 3)) + np.eye(4, 3), 2, callback=callback, max_iter=50, tol=0)
    assert calls == [1]  # stopped at the first bad answer


def test_callback_numpy_bool_is_accepted():
    calls = []

    def callback(info):
        calls.append(info.iteration)
        return np.bool_(info.iteration < 3)

    W, H, info = nmfkit.fit(np.ones((4, 3)) + np.eye(4, 3), 2, callback=callback, max_iter=50, tol=0)
    assert info.status == "stopped_by_callback" and calls == [1, 2, 3]


@pytest.mark.parametrize("solver", ["als", "hals", "mu"])
def test_extreme_scales_give_finite_factors_and_the_scale_one_error(solver):
    # The library scales V by a power of two around the fit (docs/algorithms.md, "Scaling of V"):
    # V near 1e300 used to give NaN (als) or inf factors reported as converged.
    rng = np.random.default_rng(0)
    X = rng.uniform(0.1, 1.0, size=(12, 10))
    W, H, info = nmfkit.fit(X, 3, solver=solver, seed=1, max_iter=30, tol=0)
    for j in (990, -990):
        Wc, Hc, infoc = nmfkit.fit(X * 2.0**j, 3, solver=solver, seed=1, max_iter=30, tol=0)
        assert np.isfinite(Wc).all() and np.isfinite(Hc).all()
        assert infoc.relative_error == info.relative_error
        np.testing.assert_array_equal(Wc, W * 2.0 ** (j // 2))
        np.testing.assert_array_equal(Hc, H * 2.0 ** (j // 2))


def test_all_missing_is_an_error():
    X = np.full((4, 3), np.nan)
    with pytest.raises(ValueError, match=re.escape("every entry of V (4 x 3) is missing: each is NaN")):
        nmfkit.fit(X, 2, missing="nan")
