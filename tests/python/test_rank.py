"""nmfkit.rank_survey (python/nmfkit/_select.py): the library's survey with samples as rows."""

import numpy as np
import pytest

import nmfkit


def blocks(n_samples, n_features, k, seed, noise=0.05):
    """X = W0 H0 + noise with k planted groups: sample i and feature j load on group i mod k and
    j mod k only."""
    rng = np.random.default_rng(seed)
    W0 = np.zeros((n_samples, k))
    W0[np.arange(n_samples), np.arange(n_samples) % k] = rng.uniform(0.5, 1.5, n_samples)
    H0 = np.zeros((k, n_features))
    H0[np.arange(n_features) % k, np.arange(n_features)] = rng.uniform(0.5, 1.5, n_features)
    return W0 @ H0 + noise * rng.random((n_samples, n_features))


def test_rank_survey_finds_planted_groups_of_samples():
    X = blocks(36, 28, 3, seed=2)
    s = nmfkit.rank_survey(X, ranks=[2, 3, 4, 5], restarts=6, cv_splits=2, seed=5, max_iter=150, tol=1e-6)
    assert list(s.ranks) == [2, 3, 4, 5]
    assert s.suggested_rank == 3 and s.rule == "cv_one_se" and s.cv_rank == 3 and s.cv_minimum_rank == 3
    np.testing.assert_allclose(s.cv_error_se, s.cv_error_sd / np.sqrt(2), rtol=1e-12)
    i3 = list(s.ranks).index(3)
    assert s.cophenetic[i3] > 0.99 and s.dispersion[i3] > 0.99
    assert np.argmin(s.cv_error) == i3
    # scikit-learn's orientation: W is samples x k, H is k x features.
    assert s.W[3].shape == (36, 3) and s.H[3].shape == (3, 28)
    assert s.labels[3].shape == (6, 36)
    # The samples of a planted group share a component in every run.
    for run in s.labels[3]:
        for g in range(3):
            assert len(set(run[g::3])) == 1
    C = s.consensus(3)
    assert C.shape == (36, 36) and np.allclose(np.diag(C), 1)
    assert np.isclose(nmfkit._core.cophenetic_correlation(C), s.cophenetic[i3])
    assert set(s.table()) >= {"k", "cv_error", "cophenetic", "dispersion", "silhouette"}


def test_rank_survey_sparse_matches_dense_and_is_reproducible():
    sp = pytest.importorskip("scipy.sparse")
    X = blocks(24, 20, 3, seed=4)
    X[X < 0.03] = 0
    dense = nmfkit.rank_survey(X, ranks=[2, 3, 4], restarts=4, cv_splits=0, seed=1)
    again = nmfkit.rank_survey(X, ranks=[2, 3, 4], restarts=4, cv_splits=0, seed=1, threads=1)
    for k in (2, 3, 4):
        np.testing.assert_array_equal(dense.labels[k], again.labels[k])
    np.testing.assert_array_equal(dense.best_objective, again.best_objective)
    assert dense.rule == "dispersion_maximum" and dense.cv_rank is None and np.isnan(dense.cv_error).all()
    # mu: the same iterates for both storages (hals's inner budget depends on the storage).
    mu_dense = nmfkit.rank_survey(X, ranks=[2, 3, 4], restarts=4, cv_splits=0, seed=1, solver="mu")
    mu_sparse = nmfkit.rank_survey(sp.csr_matrix(X), ranks=[2, 3, 4], restarts=4, cv_splits=0, seed=1,
                                   solver="mu")
    for k in (2, 3, 4):
        np.testing.assert_array_equal(mu_dense.labels[k], mu_sparse.labels[k])
    np.testing.assert_allclose(mu_dense.best_objective, mu_sparse.best_objective, rtol=1e-8)
    np.testing.assert_allclose(mu_dense.cophenetic, mu_sparse.cophenetic, rtol=1e-12)


def test_rank_survey_bad_input_names_the_problem():
    X = blocks(10, 8, 2, seed=1)
    with pytest.raises(ValueError, match=r"survey: rank 0 \(entry 1 of ranks\) must be ≥ 1"):
        nmfkit.rank_survey(X, ranks=[0, 2])
    with pytest.raises(ValueError, match=r"survey: cv_fraction must be in \(0, 0.5\]"):
        nmfkit.rank_survey(X, ranks=[2], cv_fraction=0.8)
    with pytest.raises(ValueError, match="negative"):
        nmfkit.rank_survey(-X, ranks=[2], restarts=2)
    s = nmfkit.rank_survey(X, ranks=[2], restarts=2, cv_splits=0)
    with pytest.raises(ValueError, match=r"k = 5 was not surveyed"):
        s.consensus(5)
