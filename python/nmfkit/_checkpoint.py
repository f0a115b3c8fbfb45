"""Checkpoints of :func:`nmfkit.fit` (``checkpoint=``, ``checkpoint_every=``, ``resume=``).

The library hands the fit's state to a callback as a dict of float64 arrays (the records of the
command line's checkpoint file, docs/design.md "Checkpoints"); this module saves it as an .npz
with a ``meta`` entry (JSON: the format, the options and a fingerprint of X), written to a
temporary file in the same folder, flushed to disk and renamed over the target, so that a reader
never sees half a checkpoint. Resuming checks the meta against the fit at hand and refuses,
naming the difference, a checkpoint of another X or other options (``max_iter``, ``time_limit``
and ``threads`` may differ).
"""

import hashlib
import json
import os
from typing import Any, Callable, Dict, Optional, Union

import numpy as np

from ._input import Dense, Sparse

FORMAT = "nmfkit-fit-checkpoint"
VERSION = 1
# Options that may differ between the interrupted fit and its continuation.
_FREE = ("max_iter", "time_limit", "threads")


def _digest(a: np.ndarray, h: "hashlib._Hash") -> None:
    if a.flags.c_contiguous or a.flags.f_contiguous:
        h.update(memoryview(a.reshape(-1, order="A")).cast("B"))
    else:
        h.update(a.tobytes())


def fingerprint(data: Union[Dense, Sparse]) -> Dict[str, Any]:
    """X's shape, dtype, storage and a SHA-256 of its values (and index arrays) as read."""
    h = hashlib.sha256()
    if isinstance(data, Sparse):
        for a in (data.indptr, data.indices, data.data):
            h.update(str(a.dtype).encode())
            _digest(a, h)
        storage = data.layout
    else:
        _digest(data.array, h)
        storage = "F" if data.array.flags.f_contiguous and not data.array.flags.c_contiguous else "C"
    return {
        "shape": list(data.shape),
        "dtype": str(data.dtype),
        "storage": storage,
        "sha256": h.hexdigest(),
    }


def _options_text(opts: Dict[str, Any]) -> Dict[str, Any]:
    return json.loads(json.dumps(opts, sort_keys=True, default=str))


def saver(path: Union[str, "os.PathLike[str]"], data: Union[Dense, Sparse],
          opts: Dict[str, Any]) -> Callable[[Dict[str, np.ndarray]], None]:
    """The on_checkpoint callback that writes each state to ``path`` atomically."""
    target = os.fspath(path)
    meta = json.dumps({"format": FORMAT, "version": VERSION, "input": fingerprint(data),
                       "options": _options_text(opts)}, sort_keys=True)

    def save(state: Dict[str, np.ndarray]) -> None:
        folder = os.path.dirname(os.path.abspath(target))
        temporary = os.path.join(folder, ".%s.%d.tmp" % (os.path.basename(target), os.getpid()))
        try:
            with open(temporary, "wb") as f:
                np.savez(f, meta=np.array(meta), **state)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, target)
        except BaseException:
            if os.path.exists(temporary):
                os.remove(temporary)
            raise

    return save


def load(path: Union[str, "os.PathLike[str]"], data: Union[Dense, Sparse],
         opts: Dict[str, Any]) -> Dict[str, np.ndarray]:
    """The state saved in ``path``, checked against this fit's X and options.

    Raises ValueError naming the difference (or a file that is not such a checkpoint)."""
    name = os.fspath(path)
    try:
        with np.load(name, allow_pickle=False) as z:
            state = {key: z[key] for key in z.files}
    except (OSError, ValueError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise ValueError(f"{name}: not an nmfkit checkpoint ({e})") from None
    try:
        meta = json.loads(str(state.pop("meta")))
        ok = meta["format"] == FORMAT
    except (KeyError, ValueError, TypeError):
        ok = False
    if not ok:
        raise ValueError(f"{name}: not an nmfkit checkpoint (no meta entry of {FORMAT})")
    if meta["version"] != VERSION:
        raise ValueError(f"{name}: checkpoint version {meta['version']}, this nmfkit reads {VERSION}")
    refuse = f"{name}: the checkpoint is not of this fit: "
    was, now = meta["input"], fingerprint(data)
    for key, what in (("shape", "X's shape"), ("dtype", "X's dtype"),
                      ("storage", "X's storage (layout)"), ("sha256", "X's values")):
        if was[key] != now[key]:
            detail = "" if key == "sha256" else f": {was[key]} then, {now[key]} now"
            raise ValueError(refuse + what + " differ" + detail)
    theirs, ours = meta["options"], _options_text(opts)
    for key in sorted(set(theirs) | set(ours)):
        if key in _FREE:
            continue
        if theirs.get(key) != ours.get(key):
            raise ValueError(refuse + f"option {key} is {ours.get(key)!r} here but was "
                             f"{theirs.get(key)!r}")
    return state


def hooks(data: Union[Dense, Sparse], opts: Dict[str, Any], checkpoint: Optional[Any],
          checkpoint_every: int, resume: Optional[Any]) -> Dict[str, Any]:
    """The keywords of _core.fit_dense / fit_sparse for these arguments."""
    if checkpoint_every < 0:
        raise ValueError(f"checkpoint_every must be >= 0, got {checkpoint_every}")
    if checkpoint_every > 0 and checkpoint is None:
        raise ValueError("checkpoint_every needs checkpoint=PATH")
    out: Dict[str, Any] = {}
    if checkpoint is None and resume is None:
        return out
    if opts.get("mask") is not None or opts.get("missing", "none") != "none":
        raise ValueError("checkpoint and resume are not available with missing or mask")
    if resume is not None:
        out["resume"] = load(resume, data, opts)
    if checkpoint is not None:
        out["on_checkpoint"] = saver(checkpoint, data, opts)
        out["checkpoint_every"] = checkpoint_every
    return out
