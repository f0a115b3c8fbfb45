"""nmfkit.MiniBatchNMF: scikit-learn's check_estimator, recovery of a planted factorization,
dense = sparse, float32, partial_fit against fit, fit from a start against partial_fit steps,
determinism, pickling and bad parameters."""

import pickle
import warnings

import numpy as np
import pytest

import nmfkit

sklearn = pytest.importorskip("sklearn")
sp = pytest.importorskip("scipy.sparse")
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402

MiniBatchNMF = nmfkit.MiniBatchNMF


def planted(n=600, f=40, k=4, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.random((n, k)) * (rng.random((n, k)) < 0.6)
    H = rng.random((k, f)) * (rng.random((k, f)) < 0.6)
    W[:k] += np.eye(k)
    H[:, :k] += np.eye(k)
    return W @ H, W, H


def test_check_estimator():
    # max_iter=20, fresh_restarts=True: what scikit-learn's own test suite sets for its
    # MiniBatchNMF (_set_checking_parameters): without fresh restarts the W that fit_transform
    # keeps is not re-solved with the final dictionary, and the checks comparing it with
    # transform (atol 1e-2) fail, for scikit-learn's estimator as for this one.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for loss in ("frobenius", "kullback-leibler"):
            check_estimator(MiniBatchNMF(beta_loss=loss, batch_size=8, max_iter=20, fresh_restarts=True,
                                         random_state=0))


def test_module_exposes_the_estimator():
    assert "MiniBatchNMF" in dir(nmfkit)
    from nmfkit._minibatch import MiniBatchNMF as M

    assert nmfkit.MiniBatchNMF is M


@pytest.mark.parametrize("beta_loss,solver", [("frobenius", "hals"), ("frobenius", "anls_bpp"),
                                              ("kullback-leibler", "cd")])
def test_recovers_a_planted_factorization(beta_loss, solver):
    X, _, H0 = planted()
    # forget_factor 0.3: the statistics of the poor early coefficients fade within a few passes.
    model = MiniBatchNMF(4, batch_size=100, beta_loss=beta_loss, solver=solver, forget_factor=0.3,
                         max_iter=60, tol=0, max_no_improvement=None, random_state=0)
    W = model.fit_transform(X)
    assert W.shape == (600, 4) and model.components_.shape == (4, 40)
    assert np.linalg.norm(X - W @ model.components_) / np.linalg.norm(X) < 0.02
    assert model.n_iter_ == 60 and model.n_steps_ == 60 * 6
    # reconstruction_err_ is scikit-learn's sqrt(2 D(X || WH)); for Frobenius ||X - WH||_F.
    if beta_loss == "frobenius":
        assert model.reconstruction_err_ == pytest.approx(np.linalg.norm(X - W @ model.components_), rel=1e-6)


def test_revisits_reach_the_full_batch_objective_in_a_few_passes():
    # revisit=True: a batch met again replaces its earlier terms in the statistics (Mairal et al.
    # 2010, Section 3.4), so after 12 passes the objective is within 5% of the full-batch one;
    # with the terms stacked (revisit=False, scikit-learn's accumulation) it is still far above.
    rng = np.random.default_rng(71)
    W0 = rng.random((3000, 5)) * (rng.random((3000, 5)) < 0.5)
    H0 = rng.random((5, 60)) * (rng.random((5, 60)) < 0.5)
    X = W0 @ H0 + 0.01 * rng.random((3000, 60))
    _, _, info = nmfkit.fit(X, 5, loss="frobenius", solver="hals", tol=1e-10, max_iter=1000, seed=7)
    kw = dict(batch_size=300, init="random", random_state=7, max_iter=12, tol=0, max_no_improvement=None)
    on = MiniBatchNMF(5, **kw).fit(X)  # revisit=True is the default
    off = MiniBatchNMF(5, revisit=False, **kw).fit(X)
    assert on.reconstruction_err_ ** 2 / 2 < 1.05 * info.objective
    assert off.reconstruction_err_ ** 2 / 2 > 2 * info.objective


def test_revisits_take_components_that_penalties_shrink_to_exactly_zero():
    # scikit-learn's test_nmf_sparse_input with alpha_W = alpha_H = 1: the penalties make W = 0,
    # H = 0 the minimiser, and the fit shrinks every component geometrically. A revisit takes a
    # batch's old terms out of A = sum h h^T and B = sum x h^T, which leaves the rounding of the
    # largest past terms behind; without the floor relative to A_mass (src/online/online.cpp)
    # the components stalled near 1e-14 (1e-18 after more passes), differently for dense and
    # sparse input, instead of reaching 0.
    rng = np.random.mtrand.RandomState(42)
    X = np.abs(rng.randn(10, 10))
    X[:, 2 * np.arange(5)] = 0
    kw = dict(n_components=5, init="random", alpha_W=1.0, alpha_H=1.0, random_state=0, tol=0,
              max_iter=100, max_no_improvement=None)
    for data in (X, sp.csc_matrix(X), sp.csr_matrix(X)):
        model = MiniBatchNMF(**kw)
        assert model.revisit
        W = model.fit_transform(data)
        assert model.n_iter_ == 100
        assert not W.any() and not model.components_.any(), (np.abs(W).max(), np.abs(model.components_).max())


@pytest.mark.parametrize("beta_loss", ["frobenius", "kullback-leibler"])
def test_dense_csr_and_csc_agree(beta_loss):
    X, _, _ = planted(n=200, f=30, k=3, seed=1)
    X[::4] = 0  # empty samples
    kw = dict(n_components=3, batch_size=32, beta_loss=beta_loss, max_iter=5, tol=0, random_state=3)
    d = MiniBatchNMF(**kw).fit(X)
    r = MiniBatchNMF(**kw).fit(sp.csr_matrix(X))
    c = MiniBatchNMF(**kw).fit(sp.csc_matrix(X))
    for other in (r, c):
        np.testing.assert_allclose(other.components_, d.components_, rtol=1e-8, atol=1e-10)


def test_float32_stays_float32_and_agrees_with_float64():
    X, _, _ = planted(n=300, f=30, k=3, seed=2)
    kw = dict(n_components=3, batch_size=50, max_iter=5, tol=0, random_state=0)
    d = MiniBatchNMF(**kw).fit(X)
    f = MiniBatchNMF(**kw)
    W = f.fit_transform(X.astype(np.float32))
    assert W.dtype == np.float32 and f.components_.dtype == np.float32
    assert np.linalg.norm(f.components_ - d.components_) < 1e-2 * np.linalg.norm(d.components_)


def test_a_seed_fixes_the_result():
    X, _, _ = planted(n=200, f=20, k=3, seed=4)
    a = MiniBatchNMF(3, batch_size=40, random_state=5).fit(X)
    b = MiniBatchNMF(3, batch_size=40, random_state=5).fit(X)
    c = MiniBatchNMF(3, batch_size=40, random_state=6).fit(X)
    np.testing.assert_array_equal(a.components_, b.components_)
    assert not np.array_equal(a.components_, c.components_)


def test_partial_fit_over_batches_is_the_first_pass_of_fit():
    # forget_factor 1: fit's ρ = 1^(b/n) and partial_fit's ρ = 1 agree, and the first pass of fit
    # solves every batch from scratch, as partial_fit does. init='random': the same seeded start
    # (an NNDSVD start, the default here, is of X in fit and of the first batch in partial_fit).
    X, _, _ = planted(n=250, f=20, k=3, seed=6)
    kw = dict(n_components=3, init="random", batch_size=50, forget_factor=1.0, tol=0, max_no_improvement=None,
              random_state=1)
    fitted = MiniBatchNMF(max_iter=1, **kw).fit(X)
    online = MiniBatchNMF(**kw)
    for start in range(0, 250, 50):
        online.partial_fit(X[start:start + 50])
    assert online.n_steps_ == fitted.n_steps_ == 5
    np.testing.assert_array_equal(online.components_, fitted.components_)


def test_default_init_is_scikit_learns_rule():
    # init=None: NNDSVDa when n_components <= min(n_samples, n_features), else random, as
    # scikit-learn's MiniBatchNMF (its _check_w_h); partial_fit applies it to the first batch.
    X, _, _ = planted(n=120, f=6, k=2, seed=4)
    kw = dict(batch_size=40, max_iter=3, tol=0, max_no_improvement=None, random_state=5)
    for k, rule in ((3, "nndsvda"), (8, "random")):
        default = MiniBatchNMF(k, **kw).fit(X).components_
        np.testing.assert_array_equal(default, MiniBatchNMF(k, init=rule, **kw).fit(X).components_)
    other = MiniBatchNMF(3, init="random", **kw).fit(X).components_
    assert not np.array_equal(other, MiniBatchNMF(3, **kw).fit(X).components_)
    a, b = MiniBatchNMF(3, **kw), MiniBatchNMF(3, init="nndsvda", **kw)
    a.partial_fit(X[:40])
    b.partial_fit(X[:40])
    np.testing.assert_array_equal(a.components_, b.components_)


def test_partial_fit_pickles_and_continues():
    X, _, _ = planted(n=200, f=20, k=3, seed=7)
    a = MiniBatchNMF(3, random_state=2)
    b = MiniBatchNMF(3, random_state=2)
    for start in range(0, 100, 50):
        a.partial_fit(X[start:start + 50])
        b.partial_fit(X[start:start + 50])
    b = pickle.loads(pickle.dumps(b))
    for start in range(100, 200, 50):
        a.partial_fit(X[start:start + 50])
        b.partial_fit(X[start:start + 50])
    np.testing.assert_array_equal(a.components_, b.components_)


def test_transform_of_a_row_does_not_depend_on_its_batch():
    X, _, _ = planted(n=200, f=20, k=3, seed=8)
    model = MiniBatchNMF(3, batch_size=50, random_state=0, max_iter=20).fit(X)
    np.testing.assert_allclose(model.transform(X[:7]), model.transform(X)[:7], rtol=1e-9, atol=1e-12)


def test_custom_and_nndsvd_starts():
    X, _, _ = planted(n=200, f=20, k=3, seed=9)
    H0 = np.random.default_rng(0).random((3, 20))
    # As the library's fit_online: without fresh restarts, fit's W is each batch's rows as last
    # updated (warm-started, one iteration per later pass) and reconstruction_err_ is theirs; with
    # fresh restarts, W is re-solved with the final dictionary, as transform does.
    m = MiniBatchNMF(3, init="custom", batch_size=50, max_iter=30, random_state=0)
    W = m.fit_transform(X, H=H0)
    assert m.reconstruction_err_ == pytest.approx(np.linalg.norm(X - W @ m.components_), rel=1e-6)
    assert not np.allclose(W, m.transform(X))
    f = MiniBatchNMF(3, init="custom", batch_size=50, max_iter=30, fresh_restarts=True, random_state=0)
    W = f.fit_transform(X, H=H0)
    np.testing.assert_allclose(W, f.transform(X), rtol=1e-10, atol=1e-12)
    assert f.reconstruction_err_ == pytest.approx(np.linalg.norm(X - W @ f.components_), rel=1e-6)
    n = MiniBatchNMF(3, init="nndsvda", batch_size=50, max_iter=30, random_state=0).fit(X)
    assert np.linalg.norm(X - n.transform(X) @ n.components_) / np.linalg.norm(X) < 0.1


@pytest.mark.parametrize("params,match", [
    (dict(beta_loss="itakura-saito"), "supports beta_loss 'frobenius'"),
    (dict(batch_size=0), "batch_size must be an int >= 1"),
    (dict(forget_factor=1.5), r"forget_factor must be in \[0, 1\]"),
    (dict(solver="mu"), "supports solver hals or anls_bpp, not mu"),
    (dict(init="nope"), 'unknown init "nope"'),
])
def test_bad_parameters(params, match):
    X, _, _ = planted(n=50, f=10, k=2)
    with pytest.raises(ValueError, match=match):
        MiniBatchNMF(2, **params).fit(X)


def test_negative_entry_is_refused():
    X, _, _ = planted(n=50, f=10, k=2)
    X[3, 4] = -1
    with pytest.raises(ValueError, match="negative"):
        MiniBatchNMF(2).fit(X)


def _reference_fit(model, X, H=None):
    """fit from a given or NNDSVD start as partial_fit steps made from Python (what MiniBatchNMF
    did before the library's fit_online took a start): a batch's first visit, and every visit
    with fresh_restarts, solved from scratch, later visits warm-started from its rows and
    replacing their terms in the statistics (a revisit, with their weight: 1 after a revisit,
    else the product of the steps' rho since); a stop ends the passes; W is the kept rows, or
    (fresh_restarts, or a batch never visited) transform's.
    Returns (components_, W, n_steps, n_iter, reconstruction_err_)."""
    from nmfkit import _core

    n, f = X.shape
    k = model._check_params(f)
    model.seed_ = nmfkit._estimator._seed_from(model.random_state)
    batch = min(int(model.batch_size), n)
    state = model._start_state(X, k, H)
    options, online = model._options(k, batch, f), model._online(n)
    status, steps, passes, kept, weight = "max_iter_reached", 0, 0, {}, {}
    scratch = np.empty((0, 0), dtype=X.dtype)
    while passes < int(model.max_iter) and status != "converged":
        passes += 1
        for start in range(0, n, batch):
            Ht = scratch if model.fresh_restarts or start not in kept else kept[start]
            previous = kept.get(start) if online["revisit"] else None
            state, step = _core.online_partial_fit(model._view(X[start:start + batch]), options, online, state, Ht,
                                                   previous, weight.get(start, 1.0))
            for other in weight:
                weight[other] *= step["rho"]
            kept[start], weight[start] = step["Ht"], 1.0
            steps += 1
            if step["stop"]:
                status = "converged"
                break
    parts = []
    for start in range(0, n, batch):
        if model.fresh_restarts or start not in kept:
            parts.append(_core.online_transform(model._view(X[start:start + batch]), options, online, state).T)
        else:
            parts.append(kept[start])
    W, H = np.vstack(parts), np.asarray(state["W"]).T
    Xd = X.toarray() if sp.issparse(X) else X
    if model._loss() == "frobenius":
        err = np.linalg.norm(Xd - W @ H)
    else:
        WH = W @ H
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(Xd > 0, Xd * np.log(np.where(Xd > 0, Xd, 1.0) / WH) - Xd, 0.0)
        err = np.sqrt(2 * (terms.sum() + WH.sum()))
    return H, W, steps, passes, err


@pytest.mark.parametrize("case", [
    dict(),  # the default: nndsvda
    dict(init="nndsvd", fresh_restarts=True),
    dict(init="custom"),
    dict(beta_loss="kullback-leibler", solver="mu"),
    dict(beta_loss="kullback-leibler", init="nndsvda", sparse=True),
    dict(solver="anls_bpp", sparse=True, alpha_W=0.01, l1_ratio=0.5),
    dict(tol=0.5),  # a stop in the first pass: the batches not visited get transform's rows
    dict(revisit=True),  # later visits replace the batch's terms (OnlineNMF::revisit)
    dict(revisit=True, solver="anls_bpp", fresh_restarts=True),
])
def test_fit_from_a_start_is_partial_fit_steps(case):
    # The library's fit_online from a given dictionary makes the passes that partial_fit steps
    # with warm starts make, step for step.
    case = dict(case)
    X, _, _ = planted(n=230, f=20, k=3, seed=11)
    if case.pop("sparse", False):
        X = sp.csr_matrix(X * (np.random.default_rng(3).random(X.shape) < 0.5))
    H0 = np.random.default_rng(4).random((3, 20)) + 0.1
    kw = dict(n_components=3, batch_size=50, max_iter=4, tol=0, max_no_improvement=None, random_state=3)
    kw.update(case)
    custom = kw.get("init") == "custom"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m = MiniBatchNMF(**kw)
        W = m.fit_transform(X, H=H0 if custom else None)
    H_ref, W_ref, steps, passes, err = _reference_fit(MiniBatchNMF(**kw), X, H0 if custom else None)
    np.testing.assert_array_equal(m.components_, H_ref)
    np.testing.assert_array_equal(W, W_ref)
    assert (m.n_steps_, m.n_iter_) == (steps, passes)
    assert m.reconstruction_err_ == pytest.approx(err, rel=1e-7)
    if case.get("tol"):
        assert steps < 5  # stopped in the first pass
