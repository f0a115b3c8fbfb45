"""The functional API: nmfkit.fit and nmfkit.transform (NumPy only; SciPy for sparse input)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional, Sequence, Tuple, Union

import numpy as np

from . import _checkpoint, _core
from ._input import Dense, Sparse, as_factor, as_input

__all__ = ["fit", "transform", "FitInfo", "History", "loss_from_beta"]


@dataclass(frozen=True)
class History:
    """Per-iteration statistics of a fit, one entry per iteration, as NumPy arrays.

    Attributes
    ----------
    iteration : ndarray of int64
        1, 2, ..., iterations.
    objective : ndarray of float64
        Objective (loss + penalties) after each iteration.
    relative_change : ndarray of float64
        ``(f_prev - f) / f_prev`` (0 when ``f_prev == 0``).
    projected_gradient : ndarray of float64
        ``||grad^P f|| / ||grad^P f(W0, H0)||`` with ``stop='projected_gradient'``, else -1.
    seconds : ndarray of float64
        Wall time since the fit started.
    extrapolation : ndarray of float64
        The extrapolation weight β of each iteration (0: a plain iteration, or extrapolation off;
        docs/algorithms.md, "Extrapolation").
    restarted : ndarray of bool
        With extrapolation: the iteration's point raised the objective and was dropped; the fit
        went back to the last kept point, whose objective the entry repeats.
    """

    iteration: np.ndarray
    objective: np.ndarray
    relative_change: np.ndarray
    projected_gradient: np.ndarray
    seconds: np.ndarray
    extrapolation: np.ndarray
    restarted: np.ndarray

    def __len__(self) -> int:
        return len(self.iteration)


@dataclass(frozen=True)
class FitInfo:
    """What a fit reports besides W and H.

    Attributes
    ----------
    status : str
        Why it stopped: ``'converged'``, ``'max_iter_reached'``, ``'time_limit_reached'`` or
        ``'stopped_by_callback'``.
    iterations : int
        Iterations run.
    solver, loss : str
        The solver used (the default one if none was given) and the loss minimised.
    init : str
        The start used: ``'random'``, ``'nndsvd'``, ``'nndsvda'``, ``'nndsvdar'`` or ``'custom'``.
    beta : float
        β of the loss (2 Frobenius, 1 Kullback-Leibler, 0 Itakura-Saito).
    initial_objective, objective : float
        Objective (loss + penalties) at the start and at the end (before ``normalize``).
    relative_error : float
        ``||X - WH||_F / ||X||_F`` (``||WH||_F`` when X = 0), for every loss.
    seconds : float
        Wall time of the fit in the library.
    threads : int
        Threads used.
    d : ndarray or None
        With ``diagonal=True``: the k scales, X ≈ W diag(d) H.
    history : History
        One entry per iteration.
    input_copied : bool
        True when X had to be converted before the library could read it (see docs/python.md).
    restart_objectives : ndarray or None
        With ``restarts > 1``: the final objective of every run, by seed (seed, seed + 1, ...).
    best_restart : int
        Index of the kept run (its seed is ``seed + best_restart``).
    """

    status: str
    iterations: int
    solver: str
    loss: str
    init: str
    beta: float
    initial_objective: float
    objective: float
    relative_error: float
    seconds: float
    threads: int
    d: Optional[np.ndarray]
    history: History = field(repr=False)
    input_copied: bool = False
    restart_objectives: Optional[np.ndarray] = None
    best_restart: int = 0


_BETA_OF_LOSS = {"frobenius": 2.0, "kullback_leibler": 1.0, "itakura_saito": 0.0}


def loss_from_beta(loss: Union[str, float, int], beta: Optional[float] = None) -> Tuple[str, Optional[float]]:
    """Library loss name and β for a loss given as a name or as β itself.

    A number is a β-divergence, mapped like scikit-learn's ``beta_loss``: 2 → ``'frobenius'``,
    1 → ``'kullback_leibler'``, 0 → ``'itakura_saito'``, any other β → ``'beta'`` with that β.
    A name goes through the library's table (``'frobenius'``, ``'kullback-leibler'``, ``'kl'``,
    ``'itakura-saito'``, ``'beta'``, ...); unknown names raise ValueError with its message.
    """
    if isinstance(loss, (bool, np.bool_)):
        raise TypeError(f"loss must be a name or a number (β), got {loss!r}")
    if isinstance(loss, (int, float, np.integer, np.floating)):
        b = float(loss)
        if not np.isfinite(b):
            raise ValueError(f"beta_loss must be a finite number, got {loss!r}")
        for name, value in _BETA_OF_LOSS.items():
            if b == value:
                return name, None
        return "beta", b
    if not isinstance(loss, str):
        raise TypeError(f"loss must be a name or a number (β), got {type(loss).__name__}")
    name = _core.parse_loss(loss)
    return name, (float(beta) if beta is not None else None)


def _mask_positions(mask: Any, shape: Tuple[int, int]) -> Tuple[int, int, np.ndarray, np.ndarray]:
    """(m, n, rows, cols): the 0-based positions of mask's non-zero entries (dense or sparse)."""
    if hasattr(mask, "tocoo"):  # scipy.sparse
        coo = mask.tocoo()
        keep = coo.data != 0
        rows, cols = coo.row[keep], coo.col[keep]
        m, n = coo.shape
    else:
        a = np.asarray(mask)
        if a.ndim != 2:
            raise ValueError(f"mask must be 2-D, got shape {a.shape}")
        rows, cols = np.nonzero(a != 0)
        m, n = a.shape
    if (int(m), int(n)) != tuple(int(s) for s in shape):
        raise ValueError(f"mask has shape {(int(m), int(n))} but X has shape {tuple(int(s) for s in shape)}; they must match")
    return int(m), int(n), np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)


# Options fields that fit() resolves itself before passing them on.
_RESOLVED_HERE = frozenset({"rank", "loss", "beta", "init", "mask"})


def _options(k: Optional[int], loss: Union[str, float], beta: Optional[float], given: Dict[str, Any]) -> Dict[str, Any]:
    name, b = loss_from_beta(loss, beta)
    opts = {key: value for key, value in given.items() if value is not None}
    opts["loss"] = name
    if b is not None:
        opts["beta"] = b
    if k is not None:
        opts["rank"] = k
    return opts


def _info(raw: Dict[str, Any], beta: float, copied: bool) -> FitInfo:
    h = raw["history"]
    return FitInfo(
        status=raw["status"],
        iterations=int(raw["iterations"]),
        solver=raw["solver"],
        loss=raw["loss"],
        init=raw["init"],
        beta=beta,
        initial_objective=float(raw["initial_objective"]),
        objective=float(raw["objective"]),
        relative_error=float(raw["relative_error"]),
        seconds=float(raw["seconds"]),
        threads=int(raw["threads"]),
        d=raw["d"],
        history=History(
            iteration=h["iteration"],
            objective=h["objective"],
            relative_change=h["relative_change"],
            projected_gradient=h["projected_gradient"],
            seconds=h["seconds"],
            extrapolation=h["extrapolation"],
            restarted=h["restarted"],
        ),
        input_copied=copied,
        restart_objectives=(np.asarray(raw["restart_objectives"], dtype=np.float64)
                            if len(raw["restart_objectives"]) > 0 else None),
        best_restart=int(raw["best_restart"]),
    )


def _beta_of(opts: Dict[str, Any]) -> float:
    return _BETA_OF_LOSS.get(opts["loss"], opts.get("beta", _core.default_options()["beta"]))


def fit(
    X: Any,
    k: int,
    *,
    solver: Optional[str] = None,
    loss: Union[str, float] = "frobenius",
    beta: Optional[float] = None,
    init: Optional[str] = None,
    W: Optional[Any] = None,
    H: Optional[Any] = None,
    max_iter: int = 200,
    tol: float = 1e-4,
    stop: str = "relative_objective",
    time_limit: float = 0.0,
    seed: int = 0,
    threads: int = 0,
    l1_W: float = 0.0,
    l2_W: float = 0.0,
    l1_H: float = 0.0,
    l2_H: float = 0.0,
    low_memory: bool = False,
    normalize: str = "none",
    diagonal: bool = False,
    sort_components: bool = False,
    hals_max_inner: int = 0,
    hals_alpha: float = 0.5,
    hals_epsilon: float = 0.1,
    cd_newton_steps: int = 4,
    restarts: int = 1,
    fixed_W_columns: Optional[Sequence[int]] = None,
    missing: str = "none",
    missing_weight: float = 0.05,
    mask: Any = None,
    extrapolation: Optional[str] = None,
    device: str = "cpu",
    callback: Optional[Callable[[_core.IterationStats], Optional[bool]]] = None,
    checkpoint: Optional[Any] = None,
    checkpoint_every: int = 0,
    resume: Optional[Any] = None,
) -> Tuple[np.ndarray, np.ndarray, FitInfo]:
    r"""Factorize a non-negative matrix: X ≈ W H with W, H ≥ 0.

    Minimises, over W (m x k) ≥ 0 and H (k x n) ≥ 0,

    .. math::

        f(W, H) = D_\beta(X \,\|\, WH)
                  + l1_W \sum_{il} W_{il} + \tfrac12\, l2_W \|W\|_F^2
                  + l1_H \sum_{lj} H_{lj} + \tfrac12\, l2_H \|H\|_F^2

    where :math:`D_2(X\|Y) = \tfrac12 \|X - Y\|_F^2` (``'frobenius'``),
    :math:`D_1(X\|Y) = \sum_{ij} X_{ij} \log(X_{ij}/Y_{ij}) - X_{ij} + Y_{ij}`
    (``'kullback_leibler'``), :math:`D_0(X\|Y) = \sum_{ij} X_{ij}/Y_{ij} - \log(X_{ij}/Y_{ij}) - 1`
    (``'itakura_saito'``) and, for any other β,
    :math:`D_\beta(X\|Y) = \sum_{ij} (X_{ij}^\beta + (\beta-1) Y_{ij}^\beta - \beta X_{ij} Y_{ij}^{\beta-1}) / (\beta(\beta-1))`.
    The penalty weights are absolute (they do not scale with m or n); :class:`nmfkit.NMF` takes
    scikit-learn's size-scaled ``alpha_W``, ``alpha_H``, ``l1_ratio`` instead.

    Parameters
    ----------
    X : array-like or scipy.sparse matrix of shape (m, n)
        Non-negative data. float32 and float64 arrays contiguous along one axis (C or Fortran
        order, or such a slice) and CSR/CSC matrices are read in place, never copied; anything
        else is converted once (``info.input_copied``). Sparse entries that are not stored are
        zeros unless ``missing='zeros'``; NaN is rejected unless ``missing='nan'``.
    k : int
        Rank, the number of components (≥ 1).
    solver : {'mu', 'als', 'hals', 'anls_bpp', 'cd', 'nenmf'}, optional
        Update rule. Default: ``'hals'`` for Frobenius, ``'cd'`` for Kullback-Leibler, ``'mu'``
        for other β (see :func:`nmfkit.solvers_for`).
    loss : str or float, default='frobenius'
        ``'frobenius'``, ``'kullback_leibler'`` (alias ``'kullback-leibler'``, ``'kl'``),
        ``'itakura_saito'`` (``'itakura-saito'``, ``'is'``), ``'beta'`` (with ``beta``), or a
        number β mapped as scikit-learn's ``beta_loss`` (2, 1, 0 or any other β).
    beta : float, optional
        β for ``loss='beta'`` (default 1.5).
    init : {None, 'random', 'nndsvd', 'nndsvda', 'nndsvdar', 'custom'}, optional
        The start. None (default): ``'nndsvda'`` when k ≤ min(m, n) and ``restarts == 1``, else
        ``'random'`` (scikit-learn's rule). ``'random'``: seeded uniform entries scaled so that
        the mean of WH is the mean of X. ``'nndsvd'``: NNDSVD (Boutsidis & Gallopoulos 2008) from
        a randomized truncated SVD of X (seeded; X is never densified); ``'nndsvda'``: its zeros
        replaced by mean(X); ``'nndsvdar'``: by small seeded random values. ``'custom'``: ``W``
        and ``H``.
    W, H : array-like of shape (m, k) and (k, n), optional
        Custom starting factors (both or neither; giving them means ``init='custom'``),
        converted to X's dtype.
    max_iter : int, default=200
        Maximum number of iterations (0 returns the start).
    tol : float, default=1e-4
        Tolerance of the stopping rule ``stop`` (0: run ``max_iter`` iterations).
    stop : {'relative_objective', 'projected_gradient'}, default='relative_objective'
        ``|f_prev - f| <= tol * f_prev`` after each iteration, or (Frobenius only)
        ``||grad^P f|| <= tol * ||grad^P f(W0, H0)||``.
    time_limit : float, default=0
        Wall-time limit in seconds, checked after each iteration (0: none).
    seed : int, default=0
        Seed of the random start (0 ≤ seed < 2**64); same seed, same input, same thread count:
        same bits.
    threads : int, default=0
        Threads for this call (0: all cores). Applies to this call only.
    l1_W, l2_W, l1_H, l2_H : float, default=0
        Absolute L1 and L2 penalty weights (formula above).
    low_memory : bool, default=False
        Sparse X: read only the caller's CSR/CSC arrays (no transposed copy; slower for some
        products, refused by solvers that need both orientations).
    normalize : {'none', 'l1', 'l2'}, default='none'
        After the fit, scale W's columns to unit norm and move the scale into H.
    diagonal : bool, default=False
        With ``normalize``: also scale H's rows; the scales are returned in ``info.d``.
    sort_components : bool, default=False
        Order components by their contribution, largest first.
    hals_max_inner, hals_alpha, hals_epsilon : int, float, float
        HALS inner-sweep budget (0 = Gillis-Glineur rule), its α and ε: the sweeps stop once a
        sweep's change is at most ε times the first one's, or at its rounding floor.
    cd_newton_steps : int, default=4
        ``cd`` with Kullback-Leibler: Newton steps per coordinate at most (fewer once a step's
        predicted decrease is at most 1% of the coordinate's first).
    restarts : int, default=1
        Fit from seeds ``seed, seed + 1, ...`` and keep the lowest final objective
        (``info.restart_objectives``, ``info.best_restart``). The library runs small restarts in
        parallel only without a callback; from Python there always is one (for Ctrl-C), so they
        run one after another, each with ``threads`` threads.
    fixed_W_columns : sequence of int, optional
        Columns of W kept at their starting values (needs custom ``W`` and ``H``), e.g. known
        profiles; the other components are fitted around them.
    missing : {'none', 'nan', 'zeros'}, default='none'
        Entries left out of the objective and every update. ``'nan'``: the NaN entries of a dense
        X are missing (all others, zeros included, are observed). ``'zeros'``: only the stored
        entries of a sparse X (or the non-zero entries of a dense X) are observed, the
        recommender setting. The loss, ``objective`` and ``relative_error`` then run over the
        observed entries only. Frobenius (every solver) and Kullback-Leibler with ``cd``; the
        observed entries are copied once into a compressed matrix.
    missing_weight : float, default=0.05
        Frobenius with missing entries: each missing entry enters the objective (and
        ``objective``) as a zero with weight ``missing_weight * min(1, observed / missing)``,
        which keeps predictions bounded where rows or columns have few observed entries; 0 =
        observed entries only. In [0, 1). docs/algorithms.md, "Rows and columns with few observed
        entries".
    mask : array-like or scipy.sparse matrix of shape (m, n), optional
        More missing entries, given apart from X: the non-zero (True, NaN) entries of ``mask``
        are missing, in addition to ``missing``. X's values there are never read. With
        ``missing='none'`` and Frobenius, X stays sparse and each row's Gram is corrected for
        its masked entries (cross-validation by held-out entries costs little more than a fit).
    extrapolation : {'on', 'off'}, optional
        Extrapolate W and H after each update and drop any point that raises the objective
        (Ang & Gillis 2019; docs/algorithms.md, "Extrapolation"): the same objective in fewer
        iterations, never increasing where the plain solver's does not. Default (None): on where
        ``solver_traits(solver, loss)['extrapolation_default']`` says so (Frobenius
        ``hals``, ``cd``, ``anls_bpp``, ``nenmf``), for fits without missing values or a mask and with
        ``stop='relative_objective'``. ``'on'`` raises ValueError where it does not apply
        (``solver_traits(solver, loss)['extrapolation']`` is False, missing values, masks,
        ``stop='projected_gradient'``).
    device : {'cpu', 'cuda', 'cuda:N'}, default='cpu'
        Where the fit runs. EXPERIMENTAL: ``'cuda'`` needs a library built with CUDA
        (``build_info()['cuda']``) and has not yet been validated on a GPU; it runs ``mu`` and
        ``hals`` with Frobenius and ``mu`` with KL, dense or sparse X, without missing values,
        masks, fixed columns, extrapolation or checkpoints (docs/design.md, "Device"). A build
        without CUDA or a machine without the device raises ValueError saying which; the fit
        never falls back to the CPU. ``build_info()['devices']`` lists the devices.
    callback : callable, optional
        Called after every iteration with an :class:`nmfkit.IterationStats`; returning False
        stops the fit (``info.status == 'stopped_by_callback'``). An exception it raises stops
        the fit and propagates.
    checkpoint : path, optional
        Save the fit's state here (the command line's checkpoint file, replaced atomically)
        every ``checkpoint_every`` iterations and when the fit is stopped: by the callback, the
        time limit or Ctrl-C (KeyboardInterrupt is raised after the file is written). Restarts,
        ``missing`` and ``mask`` included.
    checkpoint_every : int, default=0
        Iterations between checkpoints (0: only when the fit is stopped).
    resume : path, optional
        Continue the fit saved by ``checkpoint``: same X (its shape, dtype, storage and a
        checksum of its arrays), mask and options (``max_iter``, ``time_limit``, ``threads`` may
        differ), else ValueError naming the difference. With the same threads, the result is bit
        for bit the uninterrupted fit's. ``resume`` and ``checkpoint`` may name the same file.

    Returns
    -------
    W : ndarray of shape (m, k)
        Non-negative, X's dtype (float32 stays float32).
    H : ndarray of shape (k, n)
        Non-negative, X's dtype.
    info : FitInfo
        Status, iterations, objective, relative error, history, ...

    Raises
    ------
    ValueError
        Bad input, with the library's message naming the first offending position (negative,
        infinite or, unless ``missing='nan'``, NaN entry, empty X, bad shape of W or H, unknown solver or loss, a solver that
        does not support the loss, ...).
    KeyboardInterrupt
        Ctrl-C during the fit stops it after the current iteration and raises here. The fit
        runs without the GIL, so other Python threads keep running.

    Examples
    --------
    >>> import numpy as np, nmfkit
    >>> X = np.array([[5., 3., 0.], [3., 7., 4.], [6., 2., 5.]])
    >>> W, H, info = nmfkit.fit(X, 2, seed=1)
    >>> W.shape, H.shape, info.status
    ((3, 2), (2, 3), 'converged')
    """
    # Every keyword named after a field of the library's option table (_core.option_names())
    # goes to the core as it is; rank, loss/beta, init and mask are resolved here first.
    given = locals()
    opts = _options(
        k,
        loss,
        beta,
        {name: given[name] for name in _core.option_names() if name not in _RESOLVED_HERE},
    )
    if (W is not None or H is not None) and init not in (None, "custom"):
        raise ValueError(f"W and H are a custom start, but init={init!r}; drop them or use init='custom'")
    if init == "custom" and (W is None or H is None):
        raise ValueError("init='custom' needs both W and H")
    if init is not None and init != "custom":
        opts["init"] = init
    data = as_input(X)
    if mask is not None:
        opts["mask"] = _mask_positions(mask, data.shape)
    W0 = as_factor(W, data.dtype, "W")
    H0 = as_factor(H, data.dtype, "H")
    saving = _checkpoint.hooks(checkpoint, checkpoint_every, resume)
    if isinstance(data, Sparse):
        raw = _core.fit_sparse(*data.buffers(), opts, W0, H0, callback, saving)
    else:
        raw = _core.fit_dense(data.array, opts, W0, H0, callback, saving)
    return raw["W"], raw["H"], _info(raw, _beta_of(opts), data.copied)


def transform(
    X: Any,
    H: Any,
    *,
    loss: Union[str, float] = "frobenius",
    beta: Optional[float] = None,
    max_iter: int = 200,
    tol: float = 1e-4,
    seed: int = 0,
    threads: int = 0,
    l1_W: float = 0.0,
    l2_W: float = 0.0,
    low_memory: bool = False,
) -> Tuple[np.ndarray, FitInfo]:
    r"""Project X onto fixed components H: the W ≥ 0 that minimises the loss for this H.

    .. math::

        W = \arg\min_{W \ge 0} D_\beta(X \,\|\, WH) + l1_W \sum_{il} W_{il} + \tfrac12\, l2_W \|W\|_F^2

    Frobenius: exact non-negative least squares per row (block principal pivoting); KL:
    coordinate descent; other β: multiplicative updates, from the seeded random start.

    Parameters
    ----------
    X : array-like or scipy.sparse matrix of shape (m, n)
        Non-negative data, read in place under the same rules as :func:`fit`.
    H : array-like of shape (k, n)
        Components (e.g. the H of a fit), converted to X's dtype.
    loss, beta, max_iter, tol, seed, threads, l1_W, l2_W, low_memory
        As in :func:`fit`.

    Returns
    -------
    W : ndarray of shape (m, k)
        X's dtype.
    info : FitInfo
        As for :func:`fit` (``history`` of the projection's iterations).

    Raises
    ------
    ValueError
        Bad input, with the library's message (e.g. H's column count differs from X's).
    """
    opts = _options(
        None, loss, beta,
        dict(max_iter=max_iter, tol=tol, seed=seed, threads=threads, l1_W=l1_W, l2_W=l2_W,
             low_memory=low_memory),
    )
    data = as_input(X)
    Hc = as_factor(H, data.dtype, "H")
    if isinstance(data, Sparse):
        raw = _core.transform_sparse(*data.buffers(), Hc, opts)
    else:
        raw = _core.transform_dense(data.array, Hc, opts)
    return raw["W"], _info(raw, _beta_of(opts), data.copied)
