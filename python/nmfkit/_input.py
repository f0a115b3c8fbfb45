"""Turning user input into what nmfkit._core reads in place.

The rules (docs/python.md, "Which inputs are copied"):

* a float32 or float64 NumPy array whose entries are contiguous along one axis (C order,
  Fortran order, or a slice that keeps one axis contiguous, e.g. ``X[:, 10:20]``) is read in
  place: column-major or row-major with a leading dimension, never copied;
* a ``scipy.sparse`` CSR or CSC matrix (or array) with float32/float64 data and int32/int64
  indices is read in place through its ``indptr``, ``indices`` and ``data`` buffers;
* everything else is converted once: float16 and non-native float32 to float32, other dtypes
  (integers, bool, non-native float64) to float64, arrays strided along both axes or with negative strides to C order,
  other sparse formats (COO, DOK, LIL, BSR, DIA) to CSR, sparse indices of mixed widths to int64.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Optional, Tuple

import numpy as np

from . import _core

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_INDICES = (np.dtype(np.int32), np.dtype(np.int64))


@dataclass(frozen=True)
class Dense:
    """A dense matrix as nmfkit._core reads it (``array`` is viewed in place)."""

    array: np.ndarray
    copied: bool

    @property
    def shape(self) -> Tuple[int, int]:
        return self.array.shape  # type: ignore[return-value]

    @property
    def dtype(self) -> np.dtype:
        return self.array.dtype


@dataclass(frozen=True)
class Sparse:
    """A CSC or CSR matrix as nmfkit._core reads it: its three buffers, read in place."""

    shape: Tuple[int, int]
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    layout: str  # "csc" or "csr"
    copied: bool

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def buffers(self) -> Tuple[Any, ...]:
        return (self.shape, self.indptr, self.indices, self.data, self.layout)


def is_sparse(X: Any) -> bool:
    """True for a scipy.sparse matrix or array. SciPy is only consulted when already imported:
    if it was never imported, X cannot be one of its matrices."""
    sp = sys.modules.get("scipy.sparse")
    return sp is not None and sp.issparse(X)


def _float_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype nmfkit computes in for input of dtype: float32/float64 kept (native byte order),
    everything else float64."""
    if dtype.kind == "f" and dtype.itemsize <= 4:  # float16, big-endian float32
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def as_dense(X: Any) -> Dense:
    """A 2-D float32/float64 array that _core can view, copying only when it must."""
    arr = np.asarray(X)
    # A new array that owns its memory was built from X (a list, say); a view of X's buffer
    # (a DataFrame's block, an object exporting the buffer protocol) was not copied.
    copied = arr is not X and not isinstance(X, np.ndarray) and arr.base is None
    if arr.ndim != 2:
        raise ValueError(
            f"X must be a 2-D array (n_samples x n_features), got {arr.ndim}-D of shape {arr.shape}"
        )
    if arr.dtype not in _FLOATS:
        if arr.dtype.kind not in "biuf":
            raise ValueError(f"X must hold real numbers, got dtype {arr.dtype}")
        arr = arr.astype(_float_dtype(arr.dtype))
        copied = True
    if _core.dense_view_info(arr) is None:  # strided along both axes, negative strides, unaligned
        arr = np.ascontiguousarray(arr)
        copied = True
    return Dense(arr, copied)


def as_sparse(X: Any) -> Sparse:
    """CSC/CSR buffers that _core can read, copying only when it must."""
    copied = False
    if X.format not in ("csr", "csc"):
        X = X.tocsr()
        copied = True
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got shape {X.shape}")
    data = X.data
    if data.dtype not in _FLOATS:
        if data.dtype.kind not in "biuf":
            raise ValueError(f"X must hold real numbers, got dtype {data.dtype}")
        data = data.astype(_float_dtype(data.dtype))
        copied = True
    indptr, indices = X.indptr, X.indices
    if indptr.dtype != indices.dtype or indptr.dtype not in _INDICES:
        indptr, indices = indptr.astype(np.int64), indices.astype(np.int64)
        copied = True
    # scipy keeps these contiguous; a user-built matrix might not.
    indptr, indices, data = (np.ascontiguousarray(a) for a in (indptr, indices, data))
    return Sparse(tuple(int(s) for s in X.shape), indptr, indices, data, X.format, copied)  # type: ignore[arg-type]


def as_input(X: Any) -> "Dense | Sparse":
    """Dense or Sparse for any array-like X (pandas DataFrames go through np.asarray)."""
    if is_sparse(X):
        return as_sparse(X)
    return as_dense(X)


def as_factor(A: Optional[Any], dtype: np.dtype, name: str) -> Optional[np.ndarray]:
    """A custom starting factor or fixed components as a Fortran-order array of dtype."""
    if A is None:
        return None
    if is_sparse(A):
        A = A.toarray()
    arr = np.asarray(A)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array, got shape {arr.shape}")
    return np.asfortranarray(arr, dtype=dtype)
