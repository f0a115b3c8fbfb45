"""nmfkit: fast non-negative matrix factorization for NumPy, SciPy and scikit-learn.

X (m x n) ≥ 0 ≈ W (m x k) · H (k x n) with W, H ≥ 0, by a C++ library (OpenMP, OpenBLAS).

* :func:`fit` and :func:`transform`: the functional API (needs only NumPy; SciPy for sparse X).
* :func:`rank_survey`: choosing k by restarts, cross-validation and consensus clustering.
* :class:`NMF`: a scikit-learn estimator with ``sklearn.decomposition.NMF``'s parameter names
  (imported on first use, so ``import nmfkit`` does not import scikit-learn).
* :func:`solvers`, :func:`losses`, :func:`solvers_for`, :func:`default_solver`,
  :func:`supports`, :func:`solver_traits`: the library's solver registry.

See docs/python.md for installation, zero-copy rules, threads and Ctrl-C.
"""

from __future__ import annotations

import os as _os
from typing import Any, List


def _libgomp_loaded() -> bool:
    """True when this process has already loaded libgomp (Linux: read /proc/self/maps)."""
    try:
        with open("/proc/self/maps") as maps:
            return any("libgomp" in line for line in maps)
    except OSError:
        return False


def _set_wait_policy() -> str:
    """Sets OMP_WAIT_POLICY=passive for libgomp, which reads it once, when it is loaded (here, with
    the compiled extension), unless the user set OMP_WAIT_POLICY or GOMP_SPINCOUNT. The variable
    is taken out of os.environ again after the import, so child processes do not inherit it.
    Returns what nmfkit.omp_wait_policy() reports (docs/python.md, "Threads, BLAS and Ctrl-C")."""
    user = [f"{n}={_os.environ[n]}" for n in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT") if n in _os.environ]
    if user:
        return ", ".join(user) + " (from the environment)"
    if _libgomp_loaded():
        return "libgomp default (libgomp was loaded before nmfkit, by an earlier import)"
    _os.environ["OMP_WAIT_POLICY"] = "passive"
    return "OMP_WAIT_POLICY=passive (set by nmfkit)"


_wait_policy = _set_wait_policy()
try:
    from . import _core
finally:
    if _wait_policy.endswith("(set by nmfkit)"):
        del _os.environ["OMP_WAIT_POLICY"]
from ._api import FitInfo, History, fit, transform
from ._core import IterationStats
from ._select import RankSurvey, rank_survey

__version__: str = _core.version

__all__ = [
    "NMF",
    "MiniBatchNMF",
    "fit",
    "transform",
    "rank_survey",
    "RankSurvey",
    "FitInfo",
    "History",
    "IterationStats",
    "solvers",
    "losses",
    "solvers_for",
    "default_solver",
    "supports",
    "solver_traits",
    "build_info",
    "omp_wait_policy",
    "__version__",
]


def solvers() -> List[str]:
    """All solver names, from the library's registry: ``['mu', 'als', 'hals', 'anls_bpp', 'cd', 'nenmf']``."""
    return list(_core.solvers())


def losses() -> List[str]:
    """All loss names: ``['frobenius', 'kullback_leibler', 'itakura_saito', 'beta']``."""
    return list(_core.losses())


def solvers_for(loss: str) -> List[str]:
    """The solvers that minimise ``loss`` (the library's one solver/loss table)."""
    return list(_core.solvers_for(loss))


def default_solver(loss: str) -> str:
    """The solver a fit uses when none is given: hals (Frobenius), cd (KL), mu (other β)."""
    return str(_core.default_solver(loss))


def supports(solver: str, loss: str) -> bool:
    """True when ``solver`` minimises ``loss``."""
    return bool(_core.supports(solver, loss))


def solver_traits(solver: str, loss: str) -> dict:
    """The registry's row for a pair: ``supported``, ``is_default``, ``monotone`` (the objective
    never increases), ``entry_access`` (reads X by rows and columns; refused with sparse
    ``low_memory``), ``missing`` (fits with missing values and masks), ``distributed``."""
    return dict(_core.solver_traits(solver, loss))


def build_info() -> dict:
    """How the library was built: version, build type, compiler, BLAS and threads; ``isa``, the
    instruction set of the kernels in use (``baseline``, ``avx2`` or ``avx512``; the environment
    variable ``NMFKIT_ISA`` caps it), ``isa_best``, the CPU's best, and ``isa_built``, the targets
    the build has kernels for; ``cuda`` (built with the
    experimental CUDA path), ``cuda_runtime``, ``devices`` (the CUDA devices found) and
    ``devices_note`` (why there are none)."""
    return dict(_core.build_info())


def omp_wait_policy() -> str:
    """The OpenMP wait policy in effect for nmfkit's threads, as set when nmfkit was imported:
    ``'OMP_WAIT_POLICY=passive (set by nmfkit)'``, the user's own setting, or libgomp's default
    (spin 300000 times before sleeping) when libgomp was loaded before nmfkit."""
    return _wait_policy


def __getattr__(name: str) -> Any:
    # The estimator needs scikit-learn; import it only when asked for.
    if name == "NMF":
        from ._estimator import NMF

        return NMF
    if name == "MiniBatchNMF":
        from ._minibatch import MiniBatchNMF

        return MiniBatchNMF
    raise AttributeError(f"module 'nmfkit' has no attribute {name!r}")


def __dir__() -> List[str]:
    return sorted(list(globals()) + ["NMF", "MiniBatchNMF"])
