"""Shared fixtures of the Python tests. Which nmfkit is tested is printed in the header: the
installed copy (scripts/test.sh: pip install --target, PYTHONPATH) or a CMake build tree."""

import numpy as np
import pytest

import nmfkit


def pytest_report_header(config):
    info = nmfkit.build_info()
    return [f"nmfkit {nmfkit.__version__} from {nmfkit.__file__}",
            f"nmfkit BLAS: {info['blas']} (follows OpenMP: {info['blas_follows_openmp']}), "
            f"{info['max_threads']} threads"]


def planted(m, n, k, seed, noise=0.01):
    """V = W0 H0 + noise, W0 and H0 uniform with half their entries zero: V > 0 almost surely."""
    rng = np.random.default_rng(seed)
    W0 = rng.random((m, k)) * (rng.random((m, k)) < 0.5)
    H0 = rng.random((k, n)) * (rng.random((k, n)) < 0.5)
    V = W0 @ H0
    return V + noise * V.mean() * rng.random((m, n))


def document_term(m, n, density, seed):
    """A sparse count matrix (CSR, float64) with no empty rows or columns."""
    sp = pytest.importorskip("scipy.sparse")
    rng = np.random.default_rng(seed)
    X = sp.random(m, n, density=density, format="csr", random_state=seed,
                  data_rvs=lambda s: rng.integers(1, 6, size=s).astype(np.float64))
    X = X + sp.csr_matrix((np.ones(m), (np.arange(m), np.arange(m) % n)), shape=(m, n))
    X = X + sp.csr_matrix((np.ones(n), (np.arange(n) % m, np.arange(n))), shape=(m, n))
    X.sum_duplicates()
    return X.tocsr()


@pytest.fixture
def V():
    return planted(60, 40, 4, seed=1)
