"""Type stub of nmfkit._core, the pybind11 extension (python/src/module.cpp).

The package's functions (nmfkit.fit, nmfkit.transform, nmfkit.NMF) are the public API; these
are the conversions they call. Options dicts take the keys of option_names(); None values mean
the library's default.
"""

from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import numpy as np
import numpy.typing as npt

version: str

_Options = Dict[str, Any]
_Callback = Optional[Callable[["IterationStats"], Optional[bool]]]
_Shape = Tuple[int, int]

class IterationStats:
    """Statistics of one iteration, passed to a fit's callback."""

    @property
    def iteration(self) -> int: ...
    @property
    def objective(self) -> float: ...
    @property
    def relative_change(self) -> float: ...
    @property
    def projected_gradient(self) -> float: ...
    @property
    def seconds(self) -> float: ...

def fit_dense(
    X: npt.NDArray[Union[np.float32, np.float64]],
    options: _Options,
    W: Optional[npt.ArrayLike] = None,
    H: Optional[npt.ArrayLike] = None,
    callback: _Callback = None,
) -> Dict[str, Any]: ...
def fit_sparse(
    shape: _Shape,
    indptr: npt.NDArray[Union[np.int32, np.int64]],
    indices: npt.NDArray[Union[np.int32, np.int64]],
    data: npt.NDArray[Union[np.float32, np.float64]],
    layout: str,
    options: _Options,
    W: Optional[npt.ArrayLike] = None,
    H: Optional[npt.ArrayLike] = None,
    callback: _Callback = None,
) -> Dict[str, Any]: ...
def transform_dense(
    X: npt.NDArray[Union[np.float32, np.float64]], H: npt.ArrayLike, options: _Options
) -> Dict[str, Any]: ...
def transform_sparse(
    shape: _Shape,
    indptr: npt.NDArray[Union[np.int32, np.int64]],
    indices: npt.NDArray[Union[np.int32, np.int64]],
    data: npt.NDArray[Union[np.float32, np.float64]],
    layout: str,
    H: npt.ArrayLike,
    options: _Options,
) -> Dict[str, Any]: ...
def dense_view_info(X: np.ndarray) -> Optional[Dict[str, Any]]:
    """{'layout': 'col_major'|'row_major', 'ld': int, 'data': address}, or None if X must be
    converted before the library can read it."""
def sparse_view_info(
    shape: _Shape, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, layout: str
) -> Dict[str, Any]: ...
def default_options() -> _Options: ...
def option_names() -> List[str]: ...
def validate(options: _Options) -> None: ...
def solvers() -> List[str]: ...
def losses() -> List[str]: ...
def parse_solver(s: str) -> str: ...
def parse_loss(s: str) -> str: ...
def supports(solver: str, loss: str) -> bool: ...
def solvers_for(loss: str) -> List[str]: ...
def default_solver(loss: str) -> str: ...
def from_sklearn(
    alpha_W: float, alpha_H: float, l1_ratio: float, n_samples: int, n_features: int
) -> Dict[str, float]: ...
def build_info() -> Dict[str, Any]: ...
