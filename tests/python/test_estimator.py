"""nmfkit.NMF as a scikit-learn estimator: check_estimator, Pipeline, GridSearchCV, pickle,
dtypes, DataFrames, parameters and their mapping onto the library."""

import io
import pickle
import warnings
from contextlib import redirect_stdout

import numpy as np
import pytest

import nmfkit
from nmfkit import NMF

from conftest import document_term, planted

sklearn = pytest.importorskip("sklearn")
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402


def test_check_estimator():
    # max_iter=500 as scikit-learn's own test suite sets for NMF (_set_checking_parameters):
    # with 200 iterations from the nndsvda start, scikit-learn's NMF() itself fails the checks
    # that compare fit_transform with transform (atol 1e-2), and so does nmfkit's.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check_estimator(NMF(max_iter=500))
        # Kullback-Leibler with nmfkit's default solver for it (cd). NOTE: mu fails the checks
        # comparing fit_transform with transform (atol 1e-2) for any loss, as scikit-learn's own
        # NMF(solver='mu') does: both stop long before the fitted W is the projection's optimum.
        check_estimator(NMF(beta_loss="kullback-leibler"))
        check_estimator(NMF(solver="anls_bpp", n_jobs=1))


def test_import_is_lazy_and_module_exposes_the_estimator():
    assert "NMF" in dir(nmfkit)
    assert nmfkit.NMF is NMF
    with pytest.raises(AttributeError):
        nmfkit.not_there


def test_fit_attributes_and_methods(V):
    est = NMF(4, random_state=0, max_iter=400)
    W = est.fit_transform(V)
    assert W.shape == (60, 4) and est.components_.shape == (4, 40)
    assert est.n_components_ == 4 and est.n_features_in_ == 40
    assert est.n_iter_ == est.fit_info_.iterations >= 1
    assert est.fit_info_.solver == "cd" and est.fit_info_.loss == "frobenius"
    assert est.reconstruction_err_ == pytest.approx(np.linalg.norm(V - W @ est.components_), rel=1e-10)
    np.testing.assert_allclose(est.inverse_transform(W), W @ est.components_)
    # transform is the exact NNLS for the fitted components: close to the fitted W.
    np.testing.assert_allclose(est.transform(V), W, atol=1e-3 * W.max())
    assert list(est.get_feature_names_out()) == [f"nmf{i}" for i in range(4)]
    # fit returns self; n_components=None keeps all features, as scikit-learn.
    assert NMF(random_state=0).fit(V[:, :5]).n_components_ == 5


def test_transform_is_kkt_optimal(V):
    est = NMF(4, random_state=0).fit(V)
    H = est.components_
    Vn = planted(25, 40, 4, seed=9)
    W = est.transform(Vn)
    grad = W @ H @ H.T - Vn @ H.T  # ∇_W ½‖V − WH‖²
    assert np.all(W >= 0)
    np.testing.assert_allclose(np.minimum(W, grad), 0, atol=1e-8 * np.abs(Vn @ H.T).max())


def test_random_state_semantics(V):
    a = NMF(3, random_state=5).fit(V).components_
    b = NMF(3, random_state=5).fit(V).components_
    np.testing.assert_array_equal(a, b)
    # An int random_state is the library's seed itself (NMF's 'cd' runs plain: scikit-learn's
    # algorithm, docs/python.md).
    W, H, _ = nmfkit.fit(V, 3, solver="cd", seed=5, extrapolation="off")
    np.testing.assert_array_equal(a, H)
    # RandomState instances and None draw a seed; the same RandomState state gives the same seed.
    c = NMF(3, random_state=np.random.RandomState(1)).fit(V)
    d = NMF(3, random_state=np.random.RandomState(1)).fit(V)
    assert c.seed_ == d.seed_
    np.testing.assert_array_equal(c.components_, d.components_)
    np.random.seed(3)
    e = NMF(3).fit(V).seed_
    np.random.seed(3)
    assert NMF(3).fit(V).seed_ == e
    assert 0 <= e < 2**64


def test_float32_is_preserved(V):
    X = V.astype(np.float32)
    est = NMF(3, random_state=0)
    W = est.fit_transform(X)
    assert W.dtype == np.float32 and est.components_.dtype == np.float32
    assert est.transform(X).dtype == np.float32
    # A float64 X on a float32 model is transformed in float64.
    assert est.transform(V).dtype == np.float64


def test_pickle_round_trip(V):
    est = NMF(3, solver="mu", random_state=0, max_iter=50).fit(V)
    clone = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(clone.components_, est.components_)
    np.testing.assert_array_equal(clone.transform(V), est.transform(V))
    assert clone.get_params() == est.get_params()
    assert clone.fit_info_.iterations == est.fit_info_.iterations
    np.testing.assert_array_equal(clone.fit_info_.history.objective, est.fit_info_.history.objective)
    # Unfitted estimators too.
    assert pickle.loads(pickle.dumps(NMF(2, alpha_W=0.1))).get_params()["alpha_W"] == 0.1


def test_pipeline_and_grid_search():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline

    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 30)
    centres = np.array([[5, 1, 1, 0.5], [1, 5, 0.5, 1]])
    X = np.hstack([centres[y] + rng.random((60, 4)), rng.random((60, 6))])
    pipe = make_pipeline(NMF(2, random_state=0, max_iter=300), LogisticRegression())
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.9
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(pipe, {"nmf__n_components": [1, 2, 3], "nmf__solver": ["cd", "mu"]}, cv=3)
        search.fit(X, y)
    assert search.best_params_["nmf__n_components"] in (2, 3)
    assert search.best_score_ > 0.9


def test_sparse_input_and_formats():
    sp = pytest.importorskip("scipy.sparse")
    X = document_term(80, 50, 0.1, seed=5)
    dense = X.toarray()
    for S in (X, X.tocsc(), X.tocoo()):
        est = NMF(4, random_state=0, solver="mu", tol=0, max_iter=20)
        W = est.fit_transform(S)
        ref = NMF(4, random_state=0, solver="mu", tol=0, max_iter=20)
        Wd = ref.fit_transform(dense)
        np.testing.assert_allclose(W, Wd, rtol=1e-9, atol=1e-12)
        assert est.reconstruction_err_ == pytest.approx(ref.reconstruction_err_, rel=1e-8)
        assert est.transform(S).shape == (80, 4)
    assert sp.issparse(X)


def test_dataframe_feature_names():
    pd = pytest.importorskip("pandas")
    V = planted(30, 5, 2, seed=4)
    df = pd.DataFrame(V, columns=list("abcde"))
    est = NMF(2, random_state=0).fit(df)
    assert list(est.feature_names_in_) == list("abcde")
    np.testing.assert_allclose(est.components_, NMF(2, random_state=0).fit(V).components_)
    with pytest.warns(UserWarning, match="feature names"):
        est.transform(V)


@pytest.mark.parametrize("solver", nmfkit.solvers_for("frobenius"))
def test_every_frobenius_solver_of_the_registry(V, solver):
    est = NMF(3, solver=solver, max_iter=200, random_state=0).fit(V)
    assert est.fit_info_.solver == solver
    # Within 10% of the default solver's error from the same start.
    assert est.reconstruction_err_ <= 1.1 * NMF(3, max_iter=200, random_state=0).fit(V).reconstruction_err_


def test_parameter_mapping_reaches_the_library(V):
    est = NMF(3, solver="hals", beta_loss=2, tol=0, max_iter=7, n_jobs=1, random_state=0).fit(V)
    info = est.fit_info_
    assert (info.solver, info.loss, info.iterations, info.threads) == ("hals", "frobenius", 7, 1)
    for beta_loss, loss, beta in [("kullback-leibler", "kullback_leibler", 1.0), (1, "kullback_leibler", 1.0),
                                  ("itakura-saito", "itakura_saito", 0.0), (0.0, "itakura_saito", 0.0),
                                  (1.5, "beta", 1.5), (-0.5, "beta", -0.5)]:
        est = NMF(3, solver="mu", beta_loss=beta_loss, max_iter=5, tol=0, random_state=0).fit(V)
        assert (est.fit_info_.loss, est.fit_info_.beta) == (loss, beta), beta_loss
    # cd also minimises KL in nmfkit (Newton coordinate descent); scikit-learn's cd refuses it.
    assert NMF(3, beta_loss="kullback-leibler", max_iter=5, random_state=0).fit(V).fit_info_.solver == "cd"
    # stop rule and time limit are passed through.
    est = NMF(3, stop="projected_gradient", tol=1e-3, max_iter=500, random_state=0).fit(V)
    assert est.fit_info_.history.projected_gradient[-1] <= 1e-3
    assert NMF(3, time_limit=1e-9, tol=0, max_iter=100, random_state=0).fit(V).fit_info_.status == "time_limit_reached"


def test_regularisation_follows_sklearns_convention(V):
    # The objective nmfkit reports equals scikit-learn's penalised objective at the same factors.
    from sklearn.decomposition._nmf import _beta_divergence

    est = NMF(3, alpha_W=0.01, alpha_H=0.02, l1_ratio=0.25, random_state=0, max_iter=50)
    W = est.fit_transform(V)
    H = est.components_
    m, n = V.shape
    expected = (_beta_divergence(V, W, H, 2)
                + 0.01 * 0.25 * n * W.sum() + 0.5 * 0.01 * 0.75 * n * (W**2).sum()
                + 0.02 * 0.25 * m * H.sum() + 0.5 * 0.02 * 0.75 * m * (H**2).sum())
    assert est.fit_info_.objective == pytest.approx(expected, rel=1e-10)
    # alpha_H='same' uses alpha_W for H.
    same = NMF(3, alpha_W=0.01, l1_ratio=0.25, random_state=0, max_iter=50).fit(V)
    both = NMF(3, alpha_W=0.01, alpha_H=0.01, l1_ratio=0.25, random_state=0, max_iter=50).fit(V)
    np.testing.assert_array_equal(same.components_, both.components_)


def test_init_choices(V):
    assert NMF(3, random_state=0, max_iter=5).fit(V).fit_info_.init == "nndsvda"  # k <= min(m, n)
    assert NMF(50, random_state=0, max_iter=5).fit(V).fit_info_.init == "random"  # k > min(m, n) = 40
    for init in ("random", "nndsvd", "nndsvda", "nndsvdar"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            assert NMF(3, init=init, random_state=0, max_iter=5).fit(V).fit_info_.init == init
    with pytest.warns(UserWarning, match="cannot update zeros"):
        NMF(3, solver="mu", init="nndsvd", max_iter=5, tol=0).fit(V)


def test_custom_init_and_its_checks(V):
    rng = np.random.default_rng(0)
    W0, H0 = rng.random((60, 3)), rng.random((3, 40))
    est = NMF(3, init="custom", solver="mu", tol=0, max_iter=3)
    W = est.fit_transform(V, W=W0, H=H0)
    W2, H2, _ = nmfkit.fit(V, 3, solver="mu", W=W0, H=H0, tol=0, max_iter=3)
    np.testing.assert_array_equal(W, W2)
    with pytest.raises(ValueError, match="init='custom' needs W and H"):
        NMF(3, init="custom").fit(V)
    with pytest.raises(ValueError, match="W and H are starting factors for init='custom'"):
        NMF(3, init="random").fit(V, W=W0, H=H0)


def test_convergence_warning_and_verbose(V):
    with pytest.warns(ConvergenceWarning, match="Maximum number of iterations 2 reached"):
        NMF(3, max_iter=2, random_state=0).fit(V)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        NMF(3, max_iter=2, tol=0, random_state=0).fit(V)  # tol = 0: as asked, no warning
    out = io.StringIO()
    with redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        NMF(3, max_iter=20, tol=0, verbose=1, random_state=0).fit(V)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("iteration 10: objective ") and lines[1].startswith("iteration 20: ")
    assert lines[-1].startswith("nmfkit: cd/frobenius, init nndsvda, 20 iterations, max_iter_reached")


def test_n_jobs_mapping(V):
    import os

    cores = os.cpu_count() or 1
    assert NMF(2, n_jobs=1, random_state=0).fit(V).fit_info_.threads == 1
    assert NMF(2, n_jobs=-1, random_state=0).fit(V).fit_info_.threads == nmfkit.build_info()["max_threads"]
    assert NMF(2, n_jobs=-cores - 5, random_state=0).fit(V).fit_info_.threads == 1


def test_missing_values_in_the_estimator(V):
    X = V.copy()
    X[np.random.default_rng(0).random(V.shape) < 0.2] = np.nan
    with pytest.raises(ValueError, match="NaN entry in V"):
        NMF(4, random_state=0).fit(X)
    est = NMF(4, random_state=0, missing="nan", max_iter=400)
    W = est.fit_transform(X)
    observed = ~np.isnan(X)
    expected = np.linalg.norm(np.where(observed, X - W @ est.components_, 0.0))
    assert est.reconstruction_err_ == pytest.approx(expected, rel=1e-8)
    with pytest.raises(ValueError, match="transform with missing='nan' is not available yet"):
        est.transform(X)
