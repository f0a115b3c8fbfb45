"""The scorer of bench/compare (bench/compare/score.py) against naive formulas on small matrices:
dense and sparse V, its blockwise and chunked paths forced by tiny block sizes. Independent of R
and of the nmfkit module (it scores any W, H)."""

import importlib.util
import os

import numpy as np
import pytest

sp = pytest.importorskip("scipy.sparse")

_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "bench", "compare", "score.py")
_spec = importlib.util.spec_from_file_location("compare_score", _PATH)
score = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(score)


def naive(V, W, H):
    Vd = V.toarray() if sp.issparse(V) else V
    WH = W @ H
    rel = np.sqrt(np.sum((Vd - WH) ** 2) / np.sum(Vd ** 2))
    kl = 0.0
    for v, wh in zip(Vd.ravel(), WH.ravel()):
        kl += (v * np.log(v / wh) if v > 0 else 0.0) - v + wh
    return rel, kl


@pytest.fixture(autouse=True)
def tiny_blocks(monkeypatch):
    monkeypatch.setattr(score, "_BLOCK_ENTRIES", 7)   # 1 row of 7 columns per dense block
    monkeypatch.setattr(score, "_SPARSE_CHUNK", 5)


@pytest.mark.parametrize("sparse", [False, True])
def test_errors_match_the_naive_formulas(sparse):
    rng = np.random.default_rng(0)
    V = rng.poisson(1.0, (9, 7)).astype(float)      # about a third zeros: 0 log 0 = 0 matters
    W = rng.random((9, 3)) + 0.01
    H = rng.random((3, 7)) + 0.01
    Vin = sp.csr_matrix(V) if sparse else V
    rel, kl = naive(V, W, H)
    s = score.score(Vin, W, H)
    assert s["relative_frobenius"] == pytest.approx(rel, rel=1e-12)
    assert s["kl_divergence"] == pytest.approx(kl, rel=1e-12)
    assert s["negative_entries"] == 0 and s["nonfinite"] == 0
    assert s["min_entry"] == pytest.approx(min(W.min(), H.min()))


@pytest.mark.parametrize("sparse", [False, True])
def test_an_exact_factorization_scores_zero(sparse):
    rng = np.random.default_rng(1)
    W = rng.random((6, 2))
    H = rng.random((2, 5))
    V = W @ H
    s = score.score(sp.csc_matrix(V) if sparse else V, W, H)
    assert s["relative_frobenius"] < 1e-7
    assert abs(s["kl_divergence"]) < 1e-10


def test_negative_and_nonfinite_entries_are_counted_and_kl_is_infinite_where_wh_is_zero():
    V = np.array([[1.0, 0.0], [2.0, 3.0]])
    W = np.array([[1.0, -0.5], [0.0, 1.0]])
    H = np.array([[0.0, 1.0], [2.0, 3.0]])
    s = score.score(V, W, H)
    assert s["negative_entries"] == 1 and s["min_entry"] == -0.5
    # (WH)_00 = -1 < 0 where V_00 = 1 > 0: the divergence is undefined, reported as +inf.
    assert s["kl_divergence"] == float("inf")
    s = score.score(V, np.array([[np.nan, 0.0], [0.0, 1.0]]), H)
    assert s["nonfinite"] == 1 and np.isnan(s["relative_frobenius"])
