"""nmfkit.MiniBatchNMF: online NMF with sklearn.decomposition.MiniBatchNMF's interface."""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any, Optional

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

try:  # public since scikit-learn 1.2
    from sklearn.base import ClassNamePrefixFeaturesOutMixin
except ImportError:  # pragma: no cover - scikit-learn 1.1
    from sklearn.base import _ClassNamePrefixFeaturesOutMixin as ClassNamePrefixFeaturesOutMixin

from . import _checkpoint, _core
from ._api import fit as _fit
from ._api import loss_from_beta
from ._estimator import _NMFParams, _resume_seed, _seed_from, _threads
from ._input import as_input, Dense

__all__ = ["MiniBatchNMF"]


def _check_int(name: str, value: Any, low: int, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)) or value < low:
        raise ValueError(f"{name} must be an int >= {low}{' or None' if allow_none else ''}, got {value!r}")


class MiniBatchNMF(_NMFParams, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    r"""Online (mini-batch) NMF with scikit-learn's ``MiniBatchNMF`` interface, computed by nmfkit.

    X (n_samples x n_features) ≈ W H with W ≥ 0 (n_samples x n_components) and the dictionary
    H = ``components_`` ≥ 0 (n_components x n_features), learnt from mini-batches of samples
    (rows): each batch's W rows are solved with H fixed, and H is updated from statistics of the
    batches seen, the older ones weighted down by ``forget_factor``. Frobenius follows Mairal,
    Bach, Ponce & Sapiro (2010): the batch rows by HALS or exact NNLS (``solver``), H from the
    sufficient statistics; Kullback-Leibler follows Lefèvre, Bach & Févotte (2011): the batch
    rows by Newton coordinate descent (``solver='cd'``) or multiplicative updates (``'mu'``), H
    from the accumulated numerator and denominator of its multiplicative update. scikit-learn
    uses multiplicative updates for all; so the same parameters do not give the same iterates.
    docs/python.md and docs/algorithms.md ("Online NMF") have the details.

    Parameters
    ----------
    n_components : int, default=None
        Number of components; None keeps all features.
    init : {None, 'random', 'nndsvd', 'nndsvda', 'nndsvdar', 'custom'}, default=None
        None: scikit-learn's rule, ``'nndsvda'`` if n_components <= min(n_samples, n_features),
        else ``'random'``. ``'random'``: the library's seeded uniform start of H, scaled by
        √(mean(batch)/k). ``'nndsvd*'``: H is that NNDSVD start (no iteration) of X (``fit``)
        or of the first batch (``partial_fit``). ``'custom'``: H given to
        ``fit``/``partial_fit`` (W is not needed: each batch's rows are solved).
    batch_size : int, default=1024
        Samples per mini-batch.
    beta_loss : {'frobenius', 'kullback-leibler'} or {2, 1}, default='frobenius'
    tol : float, default=1e-4
        Stop when ``||H_new - H_old||_F / ||H_new||_F <= tol`` between two batches (0: never).
    max_no_improvement : int or None, default=10
        Stop after this many batches without a new minimum of the smoothed batch cost.
    max_iter : int, default=200
        Passes over X at most.
    alpha_W, alpha_H, l1_ratio : as scikit-learn's MiniBatchNMF
        ``alpha_W`` is scaled by n_features, ``alpha_H`` by the batch size.
    forget_factor : float, default=0.7
        Weight of the past batches' statistics after one pass (ρ = forget_factor^(batch/n)).
    fresh_restarts : bool, default=False
        Solve every batch's rows from scratch (up to ``fresh_restarts_max_iter`` iterations)
        and W again after the fit; else a batch seen before starts from its last rows and makes
        one iteration (its first visit is always solved from scratch).
    fresh_restarts_max_iter : int, default=30
    transform_max_iter : int or None, default=None
        Iterations of ``transform``; None: ``max_iter``.
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0
    solver : {None, 'hals', 'anls_bpp', 'cd', 'mu'}, default=None
        nmfkit extra: the batch solver (None: hals for Frobenius, cd for Kullback-Leibler).
    revisit : bool, default=True
        nmfkit extra, Frobenius ``fit``: a batch met again in a later pass replaces its earlier
        terms in the dictionary's statistics instead of adding to them (Mairal et al. 2010,
        Section 3.4; docs/algorithms.md "Online NMF"), so the fit converges to the full
        objective's stationary point in a few passes, as the library's ``fit_online`` does by
        default. ``False``: the terms are added to, as scikit-learn accumulates.
    n_jobs : int, default=None
        nmfkit extra: threads (None or -1: all cores).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
    n_components_ : int
    reconstruction_err_ : float
        ``sqrt(2 * D_beta(X || W H))`` of the training data (after ``fit``).
    n_iter_ : int
        Passes started.
    n_steps_ : int
        Mini-batches processed.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
    """

    def __init__(
        self,
        n_components: Optional[int] = None,
        *,
        init: Optional[str] = None,
        batch_size: int = 1024,
        beta_loss: Any = "frobenius",
        tol: float = 1e-4,
        max_no_improvement: Optional[int] = 10,
        max_iter: int = 200,
        alpha_W: float = 0.0,
        alpha_H: Any = "same",
        l1_ratio: float = 0.0,
        forget_factor: float = 0.7,
        fresh_restarts: bool = False,
        fresh_restarts_max_iter: int = 30,
        transform_max_iter: Optional[int] = None,
        random_state: Any = None,
        verbose: int = 0,
        solver: Optional[str] = None,
        n_jobs: Optional[int] = None,
        revisit: bool = True,
    ) -> None:
        self.n_components = n_components
        self.init = init
        self.batch_size = batch_size
        self.beta_loss = beta_loss
        self.tol = tol
        self.max_no_improvement = max_no_improvement
        self.max_iter = max_iter
        self.alpha_W = alpha_W
        self.alpha_H = alpha_H
        self.l1_ratio = l1_ratio
        self.forget_factor = forget_factor
        self.fresh_restarts = fresh_restarts
        self.fresh_restarts_max_iter = fresh_restarts_max_iter
        self.transform_max_iter = transform_max_iter
        self.random_state = random_state
        self.verbose = verbose
        self.solver = solver
        self.n_jobs = n_jobs
        self.revisit = revisit

    # -- helpers -------------------------------------------------------------------------------

    def _check_params(self, n_features: int) -> int:
        """The shared checks (_NMFParams), then MiniBatchNMF's own parameters; returns k."""
        k = self._n_components_for(n_features)
        _check_int("n_components", k, 1)  # before _start_state's NNDSVD, which needs k >= 1
        self._check_init()
        self._alpha_H_value()
        _check_int("batch_size", self.batch_size, 1)
        _check_int("max_iter", self.max_iter, 1)
        _check_int("max_no_improvement", self.max_no_improvement, 1, allow_none=True)
        _check_int("fresh_restarts_max_iter", self.fresh_restarts_max_iter, 1)
        _check_int("transform_max_iter", self.transform_max_iter, 1, allow_none=True)
        if not isinstance(self.tol, numbers.Real) or self.tol < 0:
            raise ValueError(f"tol must be a float >= 0, got {self.tol!r}")
        if not isinstance(self.forget_factor, numbers.Real) or not 0 <= self.forget_factor <= 1:
            raise ValueError(f"forget_factor must be in [0, 1], got {self.forget_factor!r}")
        loss = self._loss()
        if loss not in ("frobenius", "kullback_leibler"):
            raise ValueError(
                "MiniBatchNMF supports beta_loss 'frobenius' (2) and 'kullback-leibler' (1), " f"got {self.beta_loss!r}"
            )
        return int(k)

    def _loss(self) -> str:
        return loss_from_beta(self.beta_loss)[0]

    def _penalties(self, batch: int, n_features: int) -> dict:
        alpha_H = self._alpha_H_value()
        # scikit-learn's convention for (W: batch x k, H: k x n_features); in the library's
        # orientation V = Xᵀ the coefficients are its H and the dictionary its W.
        p = _core.from_sklearn(float(self.alpha_W), alpha_H, float(self.l1_ratio), int(batch), int(n_features))
        return {"l1_H": p["l1_W"], "l2_H": p["l2_W"], "l1_W": p["l1_H"], "l2_W": p["l2_H"]}

    def _options(self, k: int, batch: int, n_features: int) -> dict:
        options = {
            "rank": k,
            "loss": self._loss(),
            "max_iter": int(self.max_iter),
            "tol": float(self.tol),
            "seed": self.seed_,
            "threads": _threads(self.n_jobs),
        }
        if self.solver is not None:
            options["solver"] = _core.parse_solver(self.solver)
        options.update(self._penalties(batch, n_features))
        return options

    def _online(self, samples: int) -> dict:
        return {
            "batch_size": int(self.batch_size),
            "forget_factor": float(self.forget_factor),
            "fresh_restarts": bool(self.fresh_restarts),
            "fresh_restarts_max_iter": int(self.fresh_restarts_max_iter),
            "max_no_improvement": 0 if self.max_no_improvement is None else int(self.max_no_improvement),
            "transform_max_iter": 0 if self.transform_max_iter is None else int(self.transform_max_iter),
            "samples": int(samples),
            "revisit": bool(self.revisit),
        }

    @staticmethod
    def _view(X: Any) -> Any:
        """V = Xᵀ (n_features x n_samples) for _core: a view of X's buffers, never a copy."""
        inp = as_input(X)
        if isinstance(inp, Dense):
            return inp.array.T
        layout = "csc" if inp.layout == "csr" else "csr"  # the CSR of X is the CSC of Xᵀ
        return ((inp.shape[1], inp.shape[0]), inp.indptr, inp.indices, inp.data, layout)

    def _start_state(self, X: Any, k: int, H: Any) -> Optional[dict]:
        """The state that starts the fit: None (the library's random start), or one whose
        dictionary is the given H (init='custom') or one nmfkit iteration from NNDSVD."""
        init = self.init
        if init is None:  # scikit-learn's rule (its _check_w_h), on X or the first batch
            init = "nndsvda" if k <= min(X.shape) else "random"
        if init == "random":
            if H is not None:
                raise ValueError(f"H is a starting dictionary for init='custom', but init={self.init!r}")
            return None
        if self.init == "custom":
            if H is None:
                raise ValueError("init='custom' needs H: fit(X, H=H) or partial_fit(X, H=H)")
            self._check_start_dtype(X, H=H)
            H = np.asarray(H)
            if H.shape != (k, X.shape[1]):
                raise ValueError(f"H must be of shape {(k, X.shape[1])}, got {H.shape}")
            start = np.array(H.T, dtype=X.dtype, order="F")
        else:
            # max_iter=0: the NNDSVD start itself, as scikit-learn's _initialize_nmf gives it.
            _, start_H, _ = _fit(X, k, loss=self._loss(), init=init, max_iter=0, seed=self.seed_,
                                 threads=_threads(self.n_jobs))
            start = np.array(start_H.T, dtype=X.dtype, order="F")
        m = X.shape[1]
        if self._loss() == "frobenius":
            A, B = np.zeros((k, k), X.dtype, order="F"), np.zeros((m, k), X.dtype, order="F")
        else:
            A, B = start.copy(order="F"), np.ones((m, k), X.dtype, order="F")
        return {"W": start, "A": A, "B": B, "steps": 0, "samples_seen": 0, "ewa_cost": -1.0,
                "ewa_cost_min": -1.0, "no_improvement": 0}

    # -- scikit-learn API ----------------------------------------------------------------------

    def fit(self, X: Any, y: Any = None, **params: Any) -> "MiniBatchNMF":
        """Learn the dictionary from X (n_samples x n_features); ``H`` for ``init='custom'``,
        and ``checkpoint``, ``checkpoint_every``, ``resume`` as :meth:`fit_transform`."""
        self.fit_transform(X, **params)
        return self

    def fit_transform(self, X: Any, y: Any = None, W: Any = None, H: Any = None, *,
                      checkpoint: Any = None, checkpoint_every: int = 0,
                      resume: Any = None) -> np.ndarray:
        """Learn the dictionary from X and return W (n_samples x n_components), X's dtype.

        ``W`` is accepted for scikit-learn's signature and not used (each batch's rows are
        solved); ``H`` is the starting dictionary for ``init='custom'``.

        ``checkpoint`` (a path): save the fit's state there (the command line's checkpoint
        file, replaced atomically: the dictionary, the statistics, the batches' coefficients and
        the place in the passes) every ``checkpoint_every`` mini-batches (0: only when the fit is
        stopped by Ctrl-C or the callback). ``resume`` (a path): continue the fit saved there,
        with the same X, parameters and start (``max_iter`` and ``n_jobs`` may differ), else
        ValueError naming the difference; the result is bit for bit the uninterrupted fit's
        (same ``n_jobs``). With ``random_state=None`` the seed is the checkpoint's.
        """
        X = self._validate_X(X, reset=True)
        n_samples, n_features = X.shape
        k = self._check_params(n_features)
        self.seed_ = _resume_seed(self.random_state, resume)
        batch = min(int(self.batch_size), n_samples)
        state = self._start_state(X, k, H)
        options = self._options(k, batch, n_features)
        online = self._online(n_samples)
        callback = None
        if self.verbose:

            def callback(s: Any) -> bool:
                print(f"Minibatch step {s.iteration}: smoothed batch cost {s.objective:.6e}", flush=True)
                return True

        # A given or NNDSVD start is the library's starting dictionary (its statistics start empty,
        # as after the random start); the coefficients are solved, so no starting W is passed.
        start = None if state is None else state["W"]
        # The resume checks the core's options and these: the online parameters and the start.
        record = sorted(online.items()) + [("estimator_init", self.init)]
        saving = _checkpoint.hooks(checkpoint, checkpoint_every, resume, record, matrix="Xᵀ")
        r = _core.fit_online(self._view(X), options, online, callback, W=start, checkpoints=saving)
        W_ = r["H"].T
        dictionary = r["W"]
        n_steps, n_iter, status = len(r["history"]["iteration"]), r["iterations"], r["status"]
        objective = r["objective"]
        self.components_ = np.ascontiguousarray(dictionary.T).astype(X.dtype, copy=False)
        self.n_components_ = k
        self.n_iter_ = int(n_iter)
        self.n_steps_ = int(n_steps)
        pen = self._penalties(batch, n_features)
        penalty = self._penalty(W_, self.components_, pen)
        self.reconstruction_err_ = float(math.sqrt(2.0 * max(objective - penalty, 0.0)))
        self._state = None  # statistics for a later partial_fit start afresh from components_
        if status == "max_iter_reached" and self.tol > 0:
            warnings.warn(f"Maximum number of iterations {self.max_iter} reached. Increase it to improve "
                          "convergence.", ConvergenceWarning)
        return np.ascontiguousarray(W_).astype(X.dtype, copy=False)

    @staticmethod
    def _penalty(W: np.ndarray, H: np.ndarray, pen: dict) -> float:
        """The penalties at (W, H) in sklearn's orientation (pen in the library's names)."""
        total = 0.0
        for X, l1, l2 in ((W, pen["l1_H"], pen["l2_H"]), (H, pen["l1_W"], pen["l2_W"])):
            X64 = X.astype(np.float64)
            if l1:
                total += l1 * X64.sum()
            if l2:
                total += 0.5 * l2 * np.square(X64).sum()
        return total

    def partial_fit(self, X: Any, y: Any = None, W: Any = None, H: Any = None) -> "MiniBatchNMF":
        """Update the dictionary with the mini-batch X (n_samples x n_features).

        The first call sets n_features_in_ and the start (``H`` for ``init='custom'``); the
        forgetting factor is ρ = forget_factor^(min(batch_size, b0)/b0) with b0 the first batch's
        size, as scikit-learn's partial_fit.
        """
        has_components = hasattr(self, "components_")
        X = self._validate_X(X, reset=not has_components)
        n_samples, n_features = X.shape
        if not has_components:
            k = self._check_params(n_features)
            self.seed_ = _seed_from(self.random_state)
            self._state = self._start_state(X, k, H)
            self._first_batch = n_samples
            self.n_steps_ = 0
        else:
            k = self.n_components_
            if getattr(self, "_state", None) is None:
                # After fit: continue from its dictionary with fresh statistics.
                self._state = self._start_state_from(self.components_, X.dtype)
        options = self._options(k, n_samples, n_features)
        online = self._online(getattr(self, "_first_batch", n_samples))
        state = self._state
        if state is not None and state["W"].dtype != X.dtype:
            state = {key: (v.astype(X.dtype) if isinstance(v, np.ndarray) else v) for key, v in state.items()}
        self._state, _ = _core.online_partial_fit(self._view(X), options, online, state)
        self.components_ = np.ascontiguousarray(self._state["W"].T)
        self.n_components_ = k
        self.n_steps_ += 1
        return self

    def _start_state_from(self, components: np.ndarray, dtype: Any) -> dict:
        k, m = components.shape
        start = np.array(components.T, dtype=dtype, order="F")
        if self._loss() == "frobenius":
            A, B = np.zeros((k, k), dtype, order="F"), np.zeros((m, k), dtype, order="F")
        else:
            A, B = start.copy(order="F"), np.ones((m, k), dtype, order="F")
        return {"W": start, "A": A, "B": B, "steps": 0, "samples_seen": 0, "ewa_cost": -1.0,
                "ewa_cost_min": -1.0, "no_improvement": 0}

    def transform(self, X: Any) -> np.ndarray:
        """W (n_samples x n_components) of X with the dictionary fixed, X's dtype: each row
        solved by the batch solver (``transform_max_iter`` iterations, stopped by ``tol``)."""
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        k = self.n_components_
        state = self._start_state_from(self.components_, X.dtype)
        options = self._options(k, min(int(self.batch_size), X.shape[0]), X.shape[1])
        H = _core.online_transform(self._view(X), options, self._online(X.shape[0]), state)
        return np.ascontiguousarray(H.T)

    def inverse_transform(self, W: Any) -> np.ndarray:
        """W @ components_."""
        check_is_fitted(self)
        return W @ self.components_

    @property
    def _n_features_out(self) -> int:
        return self.components_.shape[0]

    def _more_tags(self) -> dict:
        return {"requires_positive_X": True, "preserves_dtype": [np.float64, np.float32]}
