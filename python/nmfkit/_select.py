"""Choosing k: the rank survey (docs/python.md, "Choosing k").

X (n_samples x n_features) is factorized for every k of ``ranks`` from ``restarts`` seeded random
starts; each k is cross-validated on held-out entries and its runs are compared by consensus
clustering of the samples (the rows of X, each assigned to its largest component). The C++
library does the work on V = Xᵀ (its samples are columns), read in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional

import numpy as np

from . import _core
from ._input import Sparse, as_input

_METRICS = (
    "best_objective",
    "mean_objective",
    "relative_error",
    "mean_relative_error",
    "explained_variance",
    "cv_error",
    "cv_error_sd",
    "cv_error_se",
    "cophenetic",
    "dispersion",
    "silhouette",
    "sparseness_W",
    "sparseness_H",
)


@dataclass(frozen=True)
class RankSurvey:
    """What :func:`rank_survey` measured, one entry per k (arrays in the order of ``ranks``).

    Attributes
    ----------
    ranks : ndarray of int
        The k surveyed.
    best_objective, mean_objective : ndarray
        Lowest and mean final objective over the restarts.
    relative_error, mean_relative_error : ndarray
        ‖X − WH‖_F / ‖X‖_F of the best run, and its mean over the restarts.
    explained_variance : ndarray
        1 − RSS / Σ x² of the best run.
    cv_error, cv_error_sd, cv_error_se : ndarray
        Mean held-out loss per held-out entry over the splits, its standard deviation and its
        standard error (sd / √splits; NaN when ``cv_splits=0``).
    cophenetic, dispersion, silhouette : ndarray
        Consensus measures of the restarts (Brunet et al. 2004; Kim & Park 2007; the average
        silhouette of the consensus clustering cut into k groups).
    sparseness_W, sparseness_H : ndarray
        Mean Hoyer (2004) sparseness of the best run's W columns and H rows.
    suggested_rank : int or None
        The suggested k, chosen by ``rule``: ``"cv_one_se"`` (``cv_rank``) or, without
        cross-validation, ``"dispersion_maximum"`` (``dispersion_rank``); None with rule
        ``"none"`` (no cross-validation and no consensus measures).
    cv_rank : int or None
        The smallest k whose cv_error is within one standard error (cv_error_se) of the lowest
        (the one-standard-error rule; None without cross-validation).
    cv_minimum_rank : int or None
        k of the lowest cv_error (None without cross-validation).
    dispersion_rank : int or None
        The largest k whose dispersion is within 0.001 of the highest (Kim & Park 2007; None
        when consensus was not measured).
    cophenetic_rank : int or None
        The last k before the cophenetic coefficient first falls by more than 0.02 (Brunet et
        al. 2004); None when it never does.
    labels : dict of int to ndarray of shape (restarts, n_samples)
        Component of each sample (argmax of its row of W; -1 for a zero row) in every run.
    W : dict of int to ndarray of shape (n_samples, k)
        The best run's W for each k (scikit-learn's orientation: X ≈ W H).
    H : dict of int to ndarray of shape (k, n_features)
        The best run's H for each k.
    seconds : float
        Wall time of the survey.
    """

    ranks: np.ndarray
    best_objective: np.ndarray
    mean_objective: np.ndarray
    relative_error: np.ndarray
    mean_relative_error: np.ndarray
    explained_variance: np.ndarray
    cv_error: np.ndarray
    cv_error_sd: np.ndarray
    cv_error_se: np.ndarray
    cophenetic: np.ndarray
    dispersion: np.ndarray
    silhouette: np.ndarray
    sparseness_W: np.ndarray
    sparseness_H: np.ndarray
    suggested_rank: Optional[int]
    rule: str
    cv_rank: Optional[int]
    cv_minimum_rank: Optional[int]
    dispersion_rank: Optional[int]
    cophenetic_rank: Optional[int]
    labels: Dict[int, np.ndarray] = field(repr=False)
    W: Dict[int, np.ndarray] = field(repr=False)
    H: Dict[int, np.ndarray] = field(repr=False)
    seconds: float = 0.0

    def table(self) -> Dict[str, np.ndarray]:
        """The per-k numbers as a dict of columns (``pandas.DataFrame(survey.table())``)."""
        out: Dict[str, np.ndarray] = {"k": self.ranks}
        for name in _METRICS:
            out[name] = getattr(self, name)
        return out

    def consensus(self, k: int) -> np.ndarray:
        """Consensus matrix (n_samples x n_samples) of the restarts at ``k``: the fraction of runs
        that put each pair of samples in the same component."""
        if k not in self.labels:
            raise ValueError(f"k = {k} was not surveyed; surveyed: {list(self.ranks)}")
        return np.asarray(_core.consensus_matrix(self.labels[k].tolist()))


def rank_survey(
    X: Any,
    ranks: Iterable[int] = range(2, 13),
    *,
    restarts: int = 20,
    cv_splits: int = 5,
    cv_fraction: float = 0.1,
    loss: str = "frobenius",
    beta: Optional[float] = None,
    solver: Optional[str] = None,
    max_iter: int = 200,
    tol: float = 1e-4,
    seed: int = 0,
    threads: int = 0,
) -> RankSurvey:
    """Survey the number of components k of X ≈ W H (docs/python.md, "Choosing k").

    For every k: ``restarts`` fits from seeds ``seed, seed + 1, ...`` (small fits run one per
    thread, so the result does not depend on ``threads``), ``cv_splits`` fits with a seeded
    random ``cv_fraction`` of the entries held out (the held-out loss measures how well k
    predicts unseen entries), and the consensus clustering of the samples over the restarts.

    Parameters
    ----------
    X : array-like or scipy.sparse matrix of shape (n_samples, n_features)
        Non-negative data; the samples (rows) are what the consensus clusters.
    ranks : iterable of int
        The k to survey, each ≥ 1.
    restarts : int
        Fits per k (≥ 1).
    cv_splits : int
        Cross-validation splits per k (0 = none; the suggestion then uses the dispersion rule).
    cv_fraction : float
        Fraction of the entries held out per split, in (0, 0.5].
    loss, beta, solver, max_iter, tol, seed, threads
        As in :func:`nmfkit.fit`.

    Returns
    -------
    RankSurvey

    Raises
    ------
    ValueError
        Bad input or options, with the library's message (e.g. ``survey: rank 0 (entry 1 of
        ranks) must be ≥ 1``).

    Examples
    --------
    >>> import numpy as np, nmfkit
    >>> rng = np.random.default_rng(0)
    >>> X = rng.random((30, 3)) @ rng.random((3, 20))
    >>> s = nmfkit.rank_survey(X, ranks=[2, 3, 4], restarts=4, seed=1)
    >>> s.suggested_rank in (2, 3, 4)
    True
    """
    ks = [int(k) for k in ranks]
    name = _core.parse_loss(loss)
    fit: Dict[str, Any] = dict(loss=name, solver=solver, beta=beta, max_iter=int(max_iter), tol=float(tol),
                               seed=int(seed), threads=int(threads))
    data = as_input(X)
    if isinstance(data, Sparse):
        # The CSR arrays of X are the CSC arrays of V = Xᵀ (and the other way round).
        m, n = data.shape
        layout = "csc" if data.layout == "csr" else "csr"
        raw = _core.survey_sparse((n, m), data.indptr, data.indices, data.data, layout, ks,
                                  int(restarts), int(cv_splits), float(cv_fraction), fit)
    else:
        raw = _core.survey_dense(data.array.T, ks, int(restarts), int(cv_splits), float(cv_fraction), fit)
    dtype = data.dtype
    ranks_out = [int(k) for k in raw["ranks"]]
    metrics = {name: np.asarray(raw[name], dtype=np.float64) for name in _METRICS}
    return RankSurvey(
        ranks=np.asarray(ranks_out, dtype=np.int64),
        suggested_rank=int(raw["suggested_rank"]) or None,
        rule=str(raw["rule"]),
        cv_rank=int(raw["cv_rank"]) or None,
        cv_minimum_rank=int(raw["cv_minimum_rank"]) or None,
        dispersion_rank=int(raw["dispersion_rank"]) or None,
        cophenetic_rank=int(raw["cophenetic_rank"]) or None,
        labels={k: np.asarray(L) for k, L in zip(ranks_out, raw["labels"])},
        # V = Xᵀ ≈ W_v H_v, so X ≈ H_vᵀ W_vᵀ: scikit-learn's W is H_vᵀ and its H is W_vᵀ.
        W={k: np.ascontiguousarray(np.asarray(Hv).T, dtype=dtype) for k, Hv in zip(ranks_out, raw["H"])},
        H={k: np.ascontiguousarray(np.asarray(Wv).T, dtype=dtype) for k, Wv in zip(ranks_out, raw["W"])},
        seconds=float(raw["seconds"]),
        **metrics,
    )


__all__: List[str] = ["RankSurvey", "rank_survey"]
