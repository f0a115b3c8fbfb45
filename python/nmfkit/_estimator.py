"""nmfkit.NMF: a scikit-learn estimator with sklearn.decomposition.NMF's interface."""

from __future__ import annotations

import numbers
import os
import warnings
from typing import Any, Optional

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

try:  # public since scikit-learn 1.2
    from sklearn.base import ClassNamePrefixFeaturesOutMixin
except ImportError:  # pragma: no cover - scikit-learn 1.1
    from sklearn.base import _ClassNamePrefixFeaturesOutMixin as ClassNamePrefixFeaturesOutMixin

from . import _core
from ._api import fit as _fit
from ._api import loss_from_beta
from ._api import transform as _transform

__all__ = ["NMF"]

# How NMF offers each field of the library's option table (_core.option_names()); a test checks
# that every field is in one of these three, so that a new option is not forgotten here.
# Fields NMF takes under the table's own name and passes to nmfkit.fit as they are:
_BY_NAME = ("solver", "init", "max_iter", "tol", "stop", "time_limit", "low_memory", "hals_max_inner",
            "hals_alpha", "hals_epsilon", "cd_newton_steps", "normalize", "sort_components", "restarts",
            "missing", "missing_weight", "fixed_W_columns", "extrapolation")
# Fields NMF takes under scikit-learn's name (converted in fit_transform):
_SKLEARN_NAMES = {"rank": "n_components", "loss": "beta_loss", "beta": "beta_loss", "seed": "random_state",
                  "threads": "n_jobs", "l1_W": "alpha_W", "l2_W": "alpha_W", "l1_H": "alpha_H",
                  "l2_H": "alpha_H"}
# Fields NMF does not offer, and why:
_NOT_OFFERED = {
    "diagonal": "X ≈ W diag(d) H would break X ≈ W components_ (inverse_transform, transform)",
    "mask": "a mask is data of X's shape, not an estimator parameter; use nmfkit.fit",
    "device": "the CUDA path is experimental (not yet validated on a GPU); use nmfkit.fit(device=...)",
}


def _seed_from(random_state: Any) -> int:
    """A 64-bit seed for the library from scikit-learn's random_state.

    An int is used as the seed itself (so ``NMF(random_state=42)`` starts where
    ``nmfkit.fit(X, k, seed=42)`` and ``nmfkit fit --seed 42`` do); None draws 64 bits from
    NumPy's global RandomState, a RandomState instance draws them from that instance (advancing
    it), as scikit-learn's estimators do with ``check_random_state``.
    """
    if isinstance(random_state, (numbers.Integral, np.integer)) and not isinstance(random_state, bool):
        seed = int(random_state)
        if not 0 <= seed < 2**64:
            raise ValueError(f"random_state must be in [0, 2**64) when an int, got {seed}")
        return seed
    rs = check_random_state(random_state)
    hi, lo = (int(v) for v in rs.randint(0, 2**32, size=2, dtype=np.uint64))
    return (hi << 32) | lo


def _resume_seed(random_state: Any, resume: Any) -> int:
    """The seed of a fit: random_state's, or, when it is None (a fresh seed each fit) and the
    fit resumes a checkpoint, the seed that checkpoint's fit drew."""
    if random_state is None and resume is not None:
        from ._checkpoint import describe

        seed = describe(resume)["options"].get("seed", "")
        if seed.isdigit():
            return int(seed)
    return _seed_from(random_state)


def _threads(n_jobs: Optional[int]) -> int:
    """Library thread count for n_jobs: None or -1 → all cores (0), -2 → all but one, ..."""
    if n_jobs is None:
        return 0
    if not isinstance(n_jobs, (numbers.Integral, np.integer)) or isinstance(n_jobs, bool) or n_jobs == 0:
        raise ValueError(f"n_jobs must be None or a non-zero int, got {n_jobs!r}")
    if n_jobs > 0:
        return int(n_jobs)
    return max(1, (os.cpu_count() or 1) + 1 + int(n_jobs))


class _NMFParams:
    """The checks of the parameters NMF and MiniBatchNMF share (scikit-learn's names): X, init,
    n_components, alpha_H and the dtype of custom starting factors."""

    def _validate_X(self, X: Any, reset: bool) -> Any:
        # Finiteness and signs are left to the library, so that NaN and negative entries raise
        # its messages (with the position). Other sparse formats become CSR, other dtypes float64.
        return self._validate_data(
            X,
            accept_sparse=("csr", "csc"),
            dtype=[np.float64, np.float32],
            force_all_finite=False,
            reset=reset,
        )

    def _check_init(self) -> None:
        if self.init is not None and not isinstance(self.init, str):
            raise ValueError(f"init must be None or a name, got {self.init!r}")
        if self.init is not None:
            _core.validate({"rank": 1, "init": self.init})  # unknown names: the library's message
        if self.solver == "mu" and self.init == "nndsvd":
            warnings.warn(
                "The multiplicative update ('mu') solver cannot update zeros present in the "
                "initialization, and so leads to poorer results when used jointly with "
                "init='nndsvd'. You may try init='nndsvda' or init='nndsvdar' instead.",
                UserWarning,
            )

    def _n_components_for(self, n_features: int) -> int:
        """k: n_components, or n_features when it is None (the library checks k >= 1)."""
        k = n_features if self.n_components is None else self.n_components
        if isinstance(k, bool) or not isinstance(k, (numbers.Integral, np.integer)):
            raise ValueError(f"n_components must be None or an int ≥ 1, got {self.n_components!r}")
        return int(k)

    def _alpha_H_value(self) -> float:
        """alpha_H, with 'same' meaning alpha_W."""
        alpha_H = self.alpha_W if isinstance(self.alpha_H, str) and self.alpha_H == "same" else self.alpha_H
        if isinstance(alpha_H, str):
            raise ValueError(f"alpha_H must be a float or 'same', got {self.alpha_H!r}")
        return float(alpha_H)

    @staticmethod
    def _check_start_dtype(X: Any, **starts: Any) -> None:
        """As scikit-learn: starting factors of another dtype than X are an error, not a cast."""
        dtypes = {name: np.asarray(v).dtype for name, v in starts.items() if v is not None}
        if any(d != X.dtype for d in dtypes.values()):
            names = " and ".join(dtypes)
            got = " and ".join(f"{name}.dtype = {d}" for name, d in dtypes.items())
            raise TypeError(f"{names} should have the same dtype as X ({X.dtype}). Got {got}.")


class NMF(_NMFParams, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    r"""Non-negative matrix factorization with scikit-learn's interface, computed by nmfkit.

    Finds W (n_samples x n_components) ≥ 0 and H (n_components x n_features) ≥ 0, with
    X ≈ WH, minimising

    .. math::

        L(W, H) &= D_\beta(X \,\|\, WH) \\
                &+ \alpha_W \rho\, n_\text{features} \|W\|_1
                 + \tfrac12\, \alpha_W (1 - \rho)\, n_\text{features} \|W\|_F^2 \\
                &+ \alpha_H \rho\, n_\text{samples} \|H\|_1
                 + \tfrac12\, \alpha_H (1 - \rho)\, n_\text{samples} \|H\|_F^2

    with ρ = ``l1_ratio``, :math:`\|A\|_1 = \sum_{ij} |A_{ij}|` and the β-divergence

    .. math::

        D_\beta(X \| Y) = \begin{cases}
            \tfrac12 \|X - Y\|_F^2 & \beta = 2 \text{ (frobenius)} \\
            \sum_{ij} X_{ij} \log\frac{X_{ij}}{Y_{ij}} - X_{ij} + Y_{ij}
                & \beta = 1 \text{ (kullback-leibler)} \\
            \sum_{ij} \frac{X_{ij}}{Y_{ij}} - \log\frac{X_{ij}}{Y_{ij}} - 1
                & \beta = 0 \text{ (itakura-saito)} \\
            \sum_{ij} \frac{X_{ij}^\beta + (\beta - 1) Y_{ij}^\beta
                - \beta X_{ij} Y_{ij}^{\beta - 1}}{\beta (\beta - 1)} & \text{otherwise}
        \end{cases}

    This is scikit-learn's objective (version ≥ 1.0) term by term, including its scaling of the
    penalties by the matrix size. Parameters with the same name mean the same as in
    ``sklearn.decomposition.NMF``, except where noted; docs/python.md has the full mapping.

    Parameters
    ----------
    n_components : int, default=None
        Number of components; None keeps all features (as scikit-learn).
    init : {None, 'random', 'nndsvd', 'nndsvda', 'nndsvdar', 'custom'}, default=None
        As scikit-learn: None means ``'nndsvda'`` if ``n_components <= min(n_samples,
        n_features)``, else ``'random'``. ``'random'``: nmfkit's seeded uniform start, scaled so
        that the mean of WH is the mean of X. ``'nndsvd'`` (Boutsidis & Gallopoulos 2008),
        ``'nndsvda'`` (zeros filled with mean(X)), ``'nndsvdar'`` (zeros filled with small
        random values): from a seeded randomized truncated SVD of X, never densifying a sparse
        X. ``'custom'``: W and H given to ``fit``/``fit_transform``.
    solver : {'cd', 'mu', 'hals', 'als', 'anls_bpp', 'nenmf'}, default='cd'
        ``'cd'``: coordinate descent (for Frobenius the same algorithm as ``'hals'``, with
        Gillis-Glineur inner sweeps; for Kullback-Leibler Newton coordinate descent, which
        scikit-learn does not have). ``'mu'``: multiplicative updates (any β).
        nmfkit's extras: ``'hals'``, ``'als'``, ``'anls_bpp'``, ``'nenmf'`` (Frobenius only;
        :func:`nmfkit.solvers_for` lists the library's registry).
    beta_loss : float or {'frobenius', 'kullback-leibler', 'itakura-saito'}, default='frobenius'
        β of the divergence (2 = ``'frobenius'``, 1 = ``'kullback-leibler'``, 0 =
        ``'itakura-saito'``). β ≤ 0 needs every entry of X positive.
    tol : float, default=1e-4
        Tolerance of the stopping rule ``stop``. Note that scikit-learn's ``tol`` measures
        something else (``cd``: the projected gradient; ``mu``: the change of the error every
        10 iterations), so the same ``tol`` does not stop at the same iteration.
    max_iter : int, default=200
        Maximum number of iterations.
    random_state : int, RandomState instance or None, default=None
        Seed of the random start. An int is the library's seed itself; None or a RandomState
        draws a 64-bit seed from NumPy (see docs/python.md). Fix it for reproducible results.
    alpha_W : float, default=0.0
        Regularisation of W (scaled by n_features, as scikit-learn).
    alpha_H : float or 'same', default='same'
        Regularisation of H (scaled by n_samples); ``'same'`` uses ``alpha_W``.
    l1_ratio : float, default=0.0
        Share of L1 in the regularisation, ρ in [0, 1].
    verbose : int, default=0
        1: print the objective every 10 iterations and a summary; 2: every iteration.
    n_jobs : int, default=None
        Threads (nmfkit extra). None or -1: all cores; -2: all but one; n > 0: n threads.
    stop : {'relative_objective', 'projected_gradient'}, default='relative_objective'
        nmfkit extra: the rule ``tol`` applies to, ``|f_prev - f| <= tol * f_prev`` after every
        iteration, or (Frobenius) ``||grad^P f|| <= tol * ||grad^P f(W0, H0)||``, close to
        scikit-learn's ``cd`` rule.
    time_limit : float, default=0
        nmfkit extra: wall-time limit of a fit in seconds (0: none).
    low_memory : bool, default=False
        nmfkit extra: sparse X is read only in its own orientation (no transposed copy).
    missing : {'none', 'nan', 'zeros'}, default='none'
        nmfkit extra: missing values. ``'nan'``: NaN entries of a dense X are left out of the
        fit; ``'zeros'``: only stored entries of a sparse X (non-zero entries of a dense X) are
        observed. Frobenius with any solver, Kullback-Leibler with ``cd``. The objective and
        ``reconstruction_err_`` then run over the observed entries. ``transform`` does not take
        missing values yet (it raises ValueError when ``missing`` is not ``'none'``).
    missing_weight, hals_max_inner, hals_alpha, hals_epsilon, cd_newton_steps, normalize, sort_components, restarts, fixed_W_columns, extrapolation
        nmfkit extras, as in :func:`nmfkit.fit` (same names, same defaults), except that
        ``extrapolation=None`` is ``'off'`` with scikit-learn's solvers ``'cd'`` and ``'mu'``,
        which then give scikit-learn's iterates.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        H, X's dtype.
    n_components_ : int
        Number of components.
    reconstruction_err_ : float
        scikit-learn's definition: ``sqrt(2 * D_beta(X || W H))`` for the training data, without
        the penalties; for Frobenius this is ``||X - WH||_F``.
    n_iter_ : int
        Iterations run.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of a DataFrame X (only then).
    fit_info_ : nmfkit.FitInfo
        nmfkit extra: status, objective, history, threads, ... of the last fit.
    seed_ : int
        nmfkit extra: the library seed used (also by ``transform``).

    Notes
    -----
    With the default ``missing='none'``, NaN in X raises ValueError naming its position.

    Examples
    --------
    >>> import numpy as np
    >>> from nmfkit import NMF
    >>> X = np.array([[1, 1], [2, 1], [3, 1.2], [4, 1], [5, 0.8], [6, 1]])
    >>> model = NMF(n_components=2, random_state=0)
    >>> W = model.fit_transform(X)
    >>> H = model.components_
    """

    def __init__(
        self,
        n_components: Optional[int] = None,
        *,
        init: Optional[str] = None,
        solver: str = "cd",
        beta_loss: Any = "frobenius",
        tol: float = 1e-4,
        max_iter: int = 200,
        random_state: Any = None,
        alpha_W: float = 0.0,
        alpha_H: Any = "same",
        l1_ratio: float = 0.0,
        verbose: int = 0,
        n_jobs: Optional[int] = None,
        stop: str = "relative_objective",
        time_limit: float = 0.0,
        low_memory: bool = False,
        missing: str = "none",
        missing_weight: float = 0.05,
        hals_max_inner: int = 0,
        hals_alpha: float = 0.5,
        hals_epsilon: float = 0.1,
        cd_newton_steps: int = 4,
        normalize: str = "none",
        sort_components: bool = False,
        restarts: int = 1,
        fixed_W_columns: Optional[Any] = None,
        extrapolation: Optional[str] = None,
    ):
        self.n_components = n_components
        self.init = init
        self.solver = solver
        self.beta_loss = beta_loss
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state
        self.alpha_W = alpha_W
        self.alpha_H = alpha_H
        self.l1_ratio = l1_ratio
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.stop = stop
        self.time_limit = time_limit
        self.low_memory = low_memory
        self.missing = missing
        self.missing_weight = missing_weight
        self.hals_max_inner = hals_max_inner
        self.hals_alpha = hals_alpha
        self.hals_epsilon = hals_epsilon
        self.cd_newton_steps = cd_newton_steps
        self.normalize = normalize
        self.sort_components = sort_components
        self.restarts = restarts
        self.fixed_W_columns = fixed_W_columns
        self.extrapolation = extrapolation

    # -- helpers -------------------------------------------------------------------------------

    def _loss(self) -> tuple:
        return loss_from_beta(self.beta_loss)

    def _penalties(self, n_samples: int, n_features: int) -> dict:
        return dict(_core.from_sklearn(float(self.alpha_W), self._alpha_H_value(), float(self.l1_ratio),
                                       int(n_samples), int(n_features)))

    def _callback(self):
        if not self.verbose:
            return None
        every = 1 if self.verbose > 1 else 10

        def report(s: _core.IterationStats) -> bool:
            if s.iteration % every == 0:
                print(f"iteration {s.iteration}: objective {s.objective:.6e}, "
                      f"change {s.relative_change:.2e}, {s.seconds:.3f} s", flush=True)
            return True

        return report

    # -- scikit-learn API ----------------------------------------------------------------------

    def fit(self, X: Any, y: Any = None, **params: Any) -> "NMF":
        """Learn an NMF model for the data X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Non-negative training data.
        y : Ignored
            Not used, present for API consistency by convention.
        **params : kwargs
            ``W`` and ``H`` for ``init='custom'``, and ``checkpoint``, ``checkpoint_every``,
            ``resume``, passed to :meth:`fit_transform`.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self.fit_transform(X, **params)
        return self

    def fit_transform(self, X: Any, y: Any = None, W: Any = None, H: Any = None, *,
                      checkpoint: Any = None, checkpoint_every: int = 0,
                      resume: Any = None) -> np.ndarray:
        """Learn an NMF model for the data X and return the transformed data W.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Non-negative training data. float32 stays float32.
        y : Ignored
            Not used, present for API consistency by convention.
        W : array-like of shape (n_samples, n_components), optional
            Starting W for ``init='custom'``, of X's dtype (else TypeError, as scikit-learn).
        H : array-like of shape (n_components, n_features), optional
            Starting H for ``init='custom'``, of X's dtype (else TypeError, as scikit-learn).
        checkpoint : path, optional
            Save the fit's state here (the command line's checkpoint file, replaced atomically)
            every ``checkpoint_every`` iterations and when the fit is stopped (Ctrl-C, the time
            limit), as :func:`nmfkit.fit` does.
        checkpoint_every : int, default=0
            Iterations between checkpoints (0: only when the fit is stopped).
        resume : path, optional
            Continue the fit saved by ``checkpoint``: the same X, parameters and starting W, H
            (``max_iter`` and ``n_jobs`` may differ), else ValueError naming the difference; the
            result is bit for bit the uninterrupted fit's (same ``n_jobs``). With
            ``random_state=None`` the seed is the checkpoint's. May name the ``checkpoint`` file.

        Returns
        -------
        W : ndarray of shape (n_samples, n_components)
            The fitted W, X's dtype.
        """
        X = self._validate_X(X, reset=True)
        self._check_init()
        n_samples, n_features = X.shape
        k = self._n_components_for(n_features)
        if self.init == "custom":
            if W is None or H is None:
                raise ValueError("init='custom' needs W and H: fit_transform(X, W=W, H=H)")
            self._check_start_dtype(X, H=H, W=W)
        elif W is not None or H is not None:
            raise ValueError(f"W and H are starting factors for init='custom', but init={self.init!r}")
        loss, beta = self._loss()
        seed = _resume_seed(self.random_state, resume)
        by_name = {name: getattr(self, name) for name in _BY_NAME}
        # scikit-learn's solvers 'cd' and 'mu' are its algorithms here, iterate for iterate
        # (tests/python/test_sklearn_parity.py): they extrapolate only when asked to.
        if self.extrapolation is None and self.solver in ("cd", "mu"):
            by_name["extrapolation"] = "off"
        if isinstance(self.solver, str):
            by_name["solver"] = _core.parse_solver(self.solver)
        W_, H_, info = _fit(
            X,
            int(k),
            loss=loss,
            beta=beta,
            W=W,
            H=H,
            seed=seed,
            threads=_threads(self.n_jobs),
            callback=self._callback(),
            checkpoint=checkpoint,
            checkpoint_every=checkpoint_every,
            resume=resume,
            **by_name,
            **self._penalties(n_samples, n_features),
        )
        if self.verbose:
            print(f"nmfkit: {info.solver}/{info.loss}, init {info.init}, {info.iterations} iterations, {info.status}, "
                  f"objective {info.objective:.6e}, {info.seconds:.3f} s", flush=True)
        if info.status == "max_iter_reached" and self.tol > 0:
            warnings.warn(
                f"Maximum number of iterations {self.max_iter} reached. Increase it to improve "
                "convergence.",
                ConvergenceWarning,
            )
        self.components_ = H_
        self.n_components_ = H_.shape[0]
        self.n_iter_ = info.iterations
        self.reconstruction_err_ = self._reconstruction_error(X, W_, H_, info)
        self.fit_info_ = info
        self.seed_ = seed
        return W_

    def transform(self, X: Any) -> np.ndarray:
        """Transform X with the fitted components: W ≥ 0 minimising the loss for fixed H.

        The problem is convex in W. Frobenius: the exact non-negative least-squares solution of
        every row (block principal pivoting). Kullback-Leibler: coordinate descent with Newton
        steps, run to a relative objective change of ``min(tol, 1e-12)`` (about 20 iterations),
        so that a row's result does not depend on the other rows it comes with. Other β:
        multiplicative updates with ``tol`` and ``max_iter`` as for the fit (they converge
        slowly), from the seeded random start, so rows agree across batches only to about ``tol``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Non-negative data.

        Returns
        -------
        W : ndarray of shape (n_samples, n_components)
            X's dtype.
        """
        check_is_fitted(self)
        if self.missing != "none":
            raise ValueError(
                f"transform with missing={self.missing!r} is not available yet: the library's "
                "projection has no missing-value mask; use fit_transform on the data instead"
            )
        X = self._validate_X(X, reset=False)
        loss, beta = self._loss()
        pen = self._penalties(X.shape[0], X.shape[1])
        W, _ = _transform(
            X,
            self.components_.astype(X.dtype, copy=False),
            loss=loss,
            beta=beta,
            max_iter=self.max_iter,
            tol=min(self.tol, 1e-12) if loss == "kullback_leibler" else self.tol,
            seed=self.seed_,
            threads=_threads(self.n_jobs),
            l1_W=pen["l1_W"],
            l2_W=pen["l2_W"],
            low_memory=self.low_memory,
        )
        return W

    def inverse_transform(self, W: Any) -> np.ndarray:
        """Transform data back to its original space: W @ components_.

        Parameters
        ----------
        W : {ndarray, sparse matrix} of shape (n_samples, n_components)
            Transformed data.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            The reconstruction W H.
        """
        check_is_fitted(self)
        return W @ self.components_

    @property
    def _n_features_out(self) -> int:
        return self.components_.shape[0]

    def _more_tags(self) -> dict:
        return {"requires_positive_X": True, "preserves_dtype": [np.float64, np.float32]}

    # -- reconstruction error ------------------------------------------------------------------

    def _reconstruction_error(self, X: Any, W: np.ndarray, H: np.ndarray, info: Any) -> float:
        """sqrt(2 · D_β(X ‖ WH)) as scikit-learn's ``_beta_divergence(..., square_root=True)``.

        The library's final objective is D_β(X ‖ WH) plus the penalties, evaluated in double at
        the returned factors (entry by entry for dense X; the estimator never rescales them), so
        D_β is that minus the penalty terms, computed here from W and H. X is not read again.
        With missing values, D_β runs over the observed entries (Frobenius: from relative_error).
        """
        if self.missing != "none" and self._loss()[0] == "frobenius":
            # The objective also holds the missing entries' weighted term (missing_weight), so the
            # observed residual is taken from relative_error and the observed entries' norm.
            values = X.data if hasattr(X, "data") and not isinstance(X, np.ndarray) else np.asarray(X)
            norm = float(np.sqrt(np.nansum(np.square(np.asarray(values, dtype=np.float64)))))
            return float(info.relative_error * norm) if norm > 0 else float(info.relative_error)
        pen = self._penalties(*X.shape)
        penalty = 0.0
        if any(pen.values()):
            W64, H64 = W.astype(np.float64), H.astype(np.float64)
            penalty = (pen["l1_W"] * W64.sum() + 0.5 * pen["l2_W"] * np.square(W64).sum()
                       + pen["l1_H"] * H64.sum() + 0.5 * pen["l2_H"] * np.square(H64).sum())
        return float(np.sqrt(2.0 * max(info.objective - penalty, 0.0)))
