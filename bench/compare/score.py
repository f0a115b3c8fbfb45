"""The one scorer of bench/compare: every tool's W and H are scored here, the same way, in float64.

    relative_frobenius(V, W, H) = ||V - WH||_F / ||V||_F
    kl_divergence(V, W, H)      = sum_ij V_ij log(V_ij / (WH)_ij) - V_ij + (WH)_ij   (0 log 0 = 0)
    nonnegativity(W, H)         = smallest entry, count of negative and of non-finite entries

V is a dense numpy array or a scipy.sparse matrix; W is m x k, H is k x n. Dense V is scored in
blocks of rows (no m x n temporary beyond one block); sparse V only touches its stored entries
and the Grams of the factors, with the squared error split exactly as
||V - WH||^2 = sum_stored (V - WH)^2 + (||WH||^2 - sum_stored (WH)^2), ||WH||^2 = <W'W, HH'>,
and sum_ij (WH)_ij = (1'W)(H1) for the KL divergence. A (WH)_ij = 0 where V_ij > 0 makes the KL
divergence infinite, and that is what is reported.
"""

import numpy as np
import scipy.sparse as sp

_BLOCK_ENTRIES = 1 << 22  # about 32 MB of float64 per dense block
_SPARSE_CHUNK = 1 << 19


def _as64(a):
    return np.asarray(a, dtype=np.float64)


def _dense_blocks(V, W, H):
    m, n = V.shape
    rows = max(1, _BLOCK_ENTRIES // max(n, 1))
    for r0 in range(0, m, rows):
        r1 = min(m, r0 + rows)
        yield _as64(V[r0:r1]), W[r0:r1] @ H


def _sparse_wh_at_stored(V, W, H):
    """(row, col, value, (WH)_ij) at V's stored entries, in chunks."""
    C = V.tocoo()
    Ht = np.ascontiguousarray(H.T)
    for s in range(0, C.nnz, _SPARSE_CHUNK):
        r = C.row[s:s + _SPARSE_CHUNK]
        c = C.col[s:s + _SPARSE_CHUNK]
        v = _as64(C.data[s:s + _SPARSE_CHUNK])
        wh = np.einsum("ij,ij->i", W[r], Ht[c])
        yield v, wh


def score(V, W, H):
    """All three scores of one factorization, as a dict of plain floats."""
    W = _as64(W)
    H = _as64(H)
    if W.ndim != 2 or H.ndim != 2 or W.shape[0] != V.shape[0] or H.shape[1] != V.shape[1] \
            or W.shape[1] != H.shape[0]:
        raise ValueError(f"factor shapes W {W.shape}, H {H.shape} do not match V {V.shape}")
    out = nonnegativity(W, H)
    if out["nonfinite"] > 0:
        out.update(relative_frobenius=float("nan"), kl_divergence=float("nan"))
        return out
    out["relative_frobenius"] = relative_frobenius(V, W, H)
    out["kl_divergence"] = kl_divergence(V, W, H)
    return out


def nonnegativity(W, H):
    W = _as64(W)
    H = _as64(H)
    both = (W, H)
    finite = [x[np.isfinite(x)] for x in both]
    return {
        "min_entry": float(min((x.min() for x in finite if x.size), default=float("nan"))),
        "negative_entries": int(sum(int(np.count_nonzero(x < 0)) for x in both)),
        "nonfinite": int(sum(int(np.count_nonzero(~np.isfinite(x))) for x in both)),
    }


def relative_frobenius(V, W, H):
    W = _as64(W)
    H = _as64(H)
    if sp.issparse(V):
        stored_err2 = 0.0
        stored_wh2 = 0.0
        v2 = 0.0
        for v, wh in _sparse_wh_at_stored(V, W, H):
            stored_err2 += float(np.dot(v - wh, v - wh))
            stored_wh2 += float(np.dot(wh, wh))
            v2 += float(np.dot(v, v))
        wh2 = float(np.sum((W.T @ W) * (H @ H.T)))
        err2 = stored_err2 + max(wh2 - stored_wh2, 0.0)
        return float(np.sqrt(err2 / v2))
    err2 = 0.0
    v2 = 0.0
    for vb, wh in _dense_blocks(V, W, H):
        d = vb - wh
        err2 += float(np.einsum("ij,ij->", d, d))
        v2 += float(np.einsum("ij,ij->", vb, vb))
    return float(np.sqrt(err2 / v2))


def _kl_terms(v, wh):
    """sum v log(v / wh) - v + wh over the given entries (0 log 0 = 0)."""
    pos = v > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(pos, v * (np.log(np.where(pos, v, 1.0)) - np.log(np.where(pos, wh, 1.0))),
                        0.0)
    # A positive v with wh <= 0 gives +inf (log 0) or nan (log of a negative): the divergence is
    # undefined there; report +inf, not a finite number.
    bad = pos & ~(wh > 0)
    if np.any(bad):
        return float("inf")
    return float(np.sum(logs) - np.sum(v) + np.sum(wh))


def kl_divergence(V, W, H):
    W = _as64(W)
    H = _as64(H)
    if sp.issparse(V):
        total = 0.0
        for v, wh in _sparse_wh_at_stored(V, W, H):
            t = _kl_terms(v, wh)
            total += t - float(np.sum(wh))  # the stored entries' wh are counted in the total below
        total += float(W.sum(axis=0) @ H.sum(axis=1))
        return float(total)
    total = 0.0
    for vb, wh in _dense_blocks(V, W, H):
        total += _kl_terms(vb, wh)
    return float(total)
