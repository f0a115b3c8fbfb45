"""Checkpoints of :func:`nmfkit.fit`, :meth:`nmfkit.NMF.fit` and :meth:`nmfkit.MiniBatchNMF.fit`
(``checkpoint=``, ``checkpoint_every=``, ``resume=``).

The file is the command line's checkpoint file (docs/design.md, "Checkpoints"): the core makes
and parses its bytes (cli/checkpoint_file.cpp, the parser the fuzz harness tests) with the fit's
state, a fingerprint of X (shape, dtype, storage, a checksum of its arrays, the mask) and the
options. This module writes the bytes to a temporary file in the same folder, flushes it to disk
and renames it over the target, so that a reader never sees half a checkpoint, and reads them
back for a resume; the core refuses, naming the difference, a checkpoint of another X, mask or
options (``max_iter``, ``time_limit`` and ``threads`` may differ).
"""

import os
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

from . import _core

# The .npz checkpoints of nmfkit.fit before it wrote the command line's file start as zip files.
_ZIP = b"PK\x03\x04"


def saver(path: Any) -> Callable[[bytes], None]:
    """The callback that writes each checkpoint's bytes to ``path`` atomically."""
    target = os.fspath(path)

    def save(data: bytes) -> None:
        folder = os.path.dirname(os.path.abspath(target))
        temporary = os.path.join(folder, ".%s.%d.tmp" % (os.path.basename(target), os.getpid()))
        try:
            with open(temporary, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, target)
        except BaseException:
            if os.path.exists(temporary):
                os.remove(temporary)
            raise

    return save


def read(path: Any) -> bytes:
    """The bytes of the checkpoint ``path``; ValueError for an .npz checkpoint of an earlier
    nmfkit (the core names any other file that is not a checkpoint)."""
    name = os.fspath(path)
    with open(name, "rb") as f:
        data = f.read()
    if data.startswith(_ZIP):
        raise ValueError(
            f"{name}: an .npz checkpoint of an earlier nmfkit; checkpoints are now the command "
            "line's checkpoint file (docs/python.md), and .npz ones are not read: start the fit "
            "again to write one")
    return data


def describe(path: Any) -> Dict[str, Any]:
    """What the checkpoint ``path`` holds: the iteration (blocks, for MiniBatchNMF) and restart
    it continues from, V's rows, cols, dtype, storage and mask, and the options record."""
    return _core.checkpoint_summary(read(path), os.fspath(path))


def hooks(checkpoint: Optional[Any], checkpoint_every: int, resume: Optional[Any],
          record: Sequence[Tuple[str, str]] = (), matrix: str = "X") -> Optional[Dict[str, Any]]:
    """The ``checkpoints`` argument of _core.fit_dense / fit_sparse / fit_online for these
    arguments: None without checkpoints. ``record`` adds (name, value) pairs to the options the
    resume checks (the estimators' parameters that the core's options do not hold); ``matrix``
    names V in the messages."""
    if isinstance(checkpoint_every, bool) or not isinstance(checkpoint_every, int):
        raise ValueError(f"checkpoint_every must be an int >= 0, got {checkpoint_every!r}")
    if checkpoint_every < 0:
        raise ValueError(f"checkpoint_every must be >= 0, got {checkpoint_every}")
    if checkpoint_every > 0 and checkpoint is None:
        raise ValueError("checkpoint_every needs checkpoint=PATH")
    if checkpoint is None and resume is None:
        return None
    return {
        "save": None if checkpoint is None else saver(checkpoint),
        "every": checkpoint_every,
        "resume": None if resume is None else read(resume),
        "path": "" if resume is None else os.fspath(resume),
        "record": [(str(k), str(v)) for k, v in record],
        "matrix": matrix,
    }
