"""Checkpoints of nmfkit.fit: checkpoint=, checkpoint_every=, resume= (docs/python.md).

A fit continued from a checkpoint gives bit for bit the W, H and history of the uninterrupted
fit (same threads); a checkpoint of another X or other options is refused, naming the difference.
"""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import nmfkit

from conftest import document_term, planted


def stopper(at):
    """A callback that stops the fit after iteration `at` (as Ctrl-C would)."""
    return lambda s: s.iteration < at


@pytest.mark.parametrize("case", ["dense", "float32", "sparse", "kl", "restarts"])
def test_resumed_fit_is_bitwise_the_uninterrupted_one(tmp_path, case):
    X = planted(30, 24, 3, seed=1)
    kw = dict(tol=0, max_iter=30, seed=2, threads=1)
    if case == "float32":
        X = X.astype(np.float32)
    elif case == "sparse":
        X = document_term(40, 30, 0.3, seed=3)
    elif case == "kl":
        kw["loss"] = "kl"
    elif case == "restarts":
        kw.update(restarts=3, max_iter=12)
    W0, H0, info0 = nmfkit.fit(X, 3, **kw)
    path = tmp_path / "fit.ckpt"
    stop = 8 if case != "restarts" else None
    if stop is None:
        # Every 5 iterations; the file then holds run 3's iteration 10 with the best of runs 1, 2.
        nmfkit.fit(X, 3, checkpoint=path, checkpoint_every=5, **kw)
    else:
        _, _, stopped = nmfkit.fit(X, 3, callback=stopper(stop), checkpoint=path, **kw)
        assert stopped.status == "stopped_by_callback" and stopped.iterations == stop
    W1, H1, info1 = nmfkit.fit(X, 3, resume=path, checkpoint=path, checkpoint_every=7, **kw)
    assert W1.dtype == W0.dtype
    assert np.array_equal(W0, W1) and np.array_equal(H0, H1)
    assert info1.iterations == info0.iterations
    assert np.array_equal(info0.history.objective, info1.history.objective)
    if case == "restarts":
        assert len(info0.restart_objectives) == 3
        assert np.array_equal(info1.restart_objectives, info0.restart_objectives)
    assert info1.best_restart == info0.best_restart


def test_foreign_checkpoints_are_refused(tmp_path):
    X = planted(20, 15, 2, seed=4)
    path = tmp_path / "fit.ckpt"
    nmfkit.fit(X, 2, tol=0, max_iter=10, seed=1, checkpoint=path, checkpoint_every=4)
    with pytest.raises(ValueError, match="option seed is 2 here but was 1"):
        nmfkit.fit(X, 2, tol=0, max_iter=10, seed=2, resume=path)
    Y = X.copy()
    Y[0, 0] += 1
    with pytest.raises(ValueError, match="X's values differ"):
        nmfkit.fit(Y, 2, tol=0, max_iter=10, seed=1, resume=path)
    with pytest.raises(ValueError, match=r"X's shape differ: \[20, 15\] then, \[20, 14\] now"):
        nmfkit.fit(X[:, :14].copy(), 2, tol=0, max_iter=10, seed=1, resume=path)
    with pytest.raises(ValueError, match="nothing to do"):
        nmfkit.fit(X, 2, tol=0, max_iter=8, seed=1, resume=path)
    (tmp_path / "other.npz").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not an nmfkit checkpoint"):
        nmfkit.fit(X, 2, tol=0, max_iter=10, seed=1, resume=tmp_path / "other.npz")
    with pytest.raises(ValueError, match="not available with missing or mask"):
        nmfkit.fit(X, 2, missing="nan", checkpoint=path)
    with pytest.raises(ValueError, match="checkpoint_every needs checkpoint"):
        nmfkit.fit(X, 2, checkpoint_every=3)


def test_a_failing_checkpoint_stops_the_fit(tmp_path):
    X = planted(20, 15, 2, seed=5)
    with pytest.raises(OSError):
        nmfkit.fit(X, 2, tol=0, max_iter=10, checkpoint=tmp_path / "no" / "such" / "dir.ckpt",
                   checkpoint_every=3)


SCRIPT = textwrap.dedent(
    """
    import os, signal, sys, threading
    import numpy as np
    import nmfkit
    path = sys.argv[1]
    X = np.random.default_rng(0).random((300, 200))
    threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
    try:
        nmfkit.fit(X, 5, tol=0, max_iter=10**8, time_limit=60, threads=1, checkpoint=path)
        print("not interrupted")
    except KeyboardInterrupt:
        state = np.load(path)
        print("interrupted", int(state["state"][0, 3]))
    """
)


def test_ctrl_c_writes_a_checkpoint(tmp_path):
    path = str(tmp_path / "fit.ckpt")
    out = subprocess.run([sys.executable, "-c", SCRIPT, path], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    words = out.stdout.split()
    assert words[0] == "interrupted", out.stdout
    stopped = int(words[1])
    assert stopped >= 1
    # The checkpoint continues: one iteration more than the interrupted fit ran.
    X = np.random.default_rng(0).random((300, 200))
    _, _, info = nmfkit.fit(X, 5, tol=0, max_iter=stopped + 1, time_limit=60, threads=1,
                            resume=path)
    assert info.iterations == stopped + 1
    assert not any(name.endswith(".tmp") for name in os.listdir(tmp_path))
