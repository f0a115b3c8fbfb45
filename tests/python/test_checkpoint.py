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
    with pytest.raises(ValueError, match="X's entries differ"):
        nmfkit.fit(Y, 2, tol=0, max_iter=10, seed=1, resume=path)
    with pytest.raises(ValueError, match="it was written for X of 20 x 15, this X is 20 x 14"):
        nmfkit.fit(X[:, :14].copy(), 2, tol=0, max_iter=10, seed=1, resume=path)
    with pytest.raises(ValueError, match="X's storage differs: C then, F now"):
        nmfkit.fit(np.asfortranarray(X), 2, tol=0, max_iter=10, seed=1, resume=path)
    with pytest.raises(ValueError, match="nothing to do"):
        nmfkit.fit(X, 2, tol=0, max_iter=8, seed=1, resume=path)
    (tmp_path / "other.ckpt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not an nmfkit checkpoint"):
        nmfkit.fit(X, 2, tol=0, max_iter=10, seed=1, resume=tmp_path / "other.ckpt")
    # The .npz checkpoints of earlier versions are named as such, not read.
    np.savez(tmp_path / "old.npz", W=np.ones((20, 2)))
    with pytest.raises(ValueError, match="an .npz checkpoint of an earlier nmfkit"):
        nmfkit.fit(X, 2, tol=0, max_iter=10, seed=1, resume=tmp_path / "old.npz")
    # A checkpoint of the command line (tests/data/bad/ckpt_ok.ckpt, make_corpus.py) is named.
    cli = os.path.join(os.path.dirname(__file__), "..", "data", "bad", "ckpt_ok.ckpt")
    with pytest.raises(ValueError, match="written by the command-line nmfkit, this fit is the Python"):
        nmfkit.fit(np.ones((3, 4)), 2, tol=0, max_iter=10, seed=1, resume=cli)
    with pytest.raises(ValueError, match="checkpoint_every needs checkpoint"):
        nmfkit.fit(X, 2, checkpoint_every=3)


@pytest.mark.parametrize("case", ["nan", "mask", "mask_kl", "zeros_sparse"])
def test_missing_values_and_masks_resume_bitwise(tmp_path, case):
    X = planted(30, 24, 3, seed=6)
    hidden = np.zeros(X.shape)
    hidden[np.arange(0, 30, 2), (5 * np.arange(0, 30, 2)) % 24] = 1  # 15 positions
    kw = dict(tol=0, max_iter=30, seed=2, threads=1)
    if case == "nan":
        X[hidden != 0] = np.nan
        kw["missing"] = "nan"
    elif case == "zeros_sparse":
        X = document_term(40, 30, 0.3, seed=7)
        kw["missing"] = "zeros"
    else:
        kw["mask"] = hidden
        if case == "mask_kl":
            kw["loss"] = "kl"
    W0, H0, info0 = nmfkit.fit(X, 3, **kw)
    path = tmp_path / "fit.ckpt"
    nmfkit.fit(X, 3, checkpoint=path, checkpoint_every=6, **dict(kw, max_iter=20))
    W1, H1, info1 = nmfkit.fit(X, 3, resume=path, **kw)
    assert np.array_equal(W0, W1) and np.array_equal(H0, H1)
    assert np.array_equal(info0.history.objective, info1.history.objective)
    if case == "mask":
        # The mask's pattern is part of what a resume checks.
        fewer = hidden.copy()
        fewer[0, 0] = 0
        other = dict(kw, mask=fewer)
        with pytest.raises(ValueError, match="mask of 15 positions, this fit has a mask of 14"):
            nmfkit.fit(X, 3, resume=path, **other)
        with pytest.raises(ValueError, match="this fit has no mask"):
            nmfkit.fit(X, 3, resume=path, **{k: v for k, v in kw.items() if k != "mask"})


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
        from nmfkit._checkpoint import describe
        print("interrupted", describe(path)["iteration"])
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


# The estimators take checkpoint=, checkpoint_every= and resume= as fit keyword arguments
# (docs/python.md): a fit resumed from a checkpoint ends with the uninterrupted fit's bits.
@pytest.mark.parametrize("case", ["dense_frobenius", "sparse_kl"])
def test_nmf_estimator_resumes_bitwise(tmp_path, case):
    if case == "dense_frobenius":
        X = planted(30, 24, 3, seed=8)
        params = dict(solver="cd")
    else:
        X = document_term(40, 30, 0.3, seed=9)
        params = dict(beta_loss="kullback-leibler", solver="mu")
    make = lambda max_iter: nmfkit.NMF(3, init="random", random_state=3, tol=0, n_jobs=1,
                                       max_iter=max_iter, **params)
    whole = make(30)
    W0 = whole.fit_transform(X)
    path = tmp_path / "nmf.ckpt"
    make(17).fit(X, checkpoint=path, checkpoint_every=5)  # iteration 15's state
    assert nmfkit._checkpoint.describe(path)["iteration"] == 15
    resumed = make(30)
    W1 = resumed.fit_transform(X, checkpoint=path, resume=path)
    assert np.array_equal(W0, W1)
    assert np.array_equal(whole.components_, resumed.components_)
    assert resumed.n_iter_ == whole.n_iter_ == 30
    assert resumed.reconstruction_err_ == whole.reconstruction_err_
    # random_state=None: the resumed fit takes the checkpoint's seed.
    free = nmfkit.NMF(3, init="random", tol=0, n_jobs=1, max_iter=12, **params)
    free.fit(X, checkpoint=path, checkpoint_every=5)
    seeded = nmfkit.NMF(3, init="random", random_state=free.seed_, tol=0, n_jobs=1,
                        max_iter=12, **params).fit(X)
    again = nmfkit.NMF(3, init="random", tol=0, n_jobs=1, max_iter=12, **params)
    again.fit(X, resume=path)
    assert np.array_equal(again.components_, seeded.components_)
    # Another X, or other parameters, are refused.
    Y = X.copy()
    Y[0, 0] += 1
    with pytest.raises(ValueError, match="X's entries differ"):
        make(30).fit(Y, resume=path)
    with pytest.raises(ValueError, match="option seed is 4 here but was"):
        nmfkit.NMF(3, init="random", random_state=4, tol=0, n_jobs=1, max_iter=30,
                   **params).fit(X, resume=path)


@pytest.mark.parametrize("case", ["dense_frobenius", "sparse_kl"])
def test_minibatch_estimator_resumes_bitwise(tmp_path, case):
    if case == "dense_frobenius":
        X = planted(30, 24, 3, seed=10)
        params = dict()
    else:
        X = document_term(40, 30, 0.3, seed=11)
        params = dict(beta_loss="kullback-leibler")
    make = lambda max_iter: nmfkit.MiniBatchNMF(3, batch_size=8, random_state=5, tol=0,
                                                max_no_improvement=None, n_jobs=1,
                                                max_iter=max_iter, **params)
    blocks = -(-X.shape[0] // 8)
    whole = make(3)
    W0 = whole.fit_transform(X)
    path = tmp_path / "minibatch.ckpt"
    make(2).fit(X, checkpoint=path, checkpoint_every=3)
    saved = nmfkit._checkpoint.describe(path)["iteration"]
    assert saved == 3 * ((2 * blocks - 1) // 3)  # the last multiple of 3 before the end
    resumed = make(3)
    W1 = resumed.fit_transform(X, resume=path)
    assert np.array_equal(W0, W1)
    assert np.array_equal(whole.components_, resumed.components_)
    assert resumed.n_steps_ == whole.n_steps_ == 3 * blocks
    assert resumed.n_iter_ == whole.n_iter_
    assert resumed.reconstruction_err_ == whole.reconstruction_err_
    # Another X, other online parameters, or a full-batch checkpoint are refused.
    Y = X.copy()
    Y[1, 1] += 1
    with pytest.raises(ValueError, match="Xᵀ's entries differ"):
        make(3).fit(Y, resume=path)
    with pytest.raises(ValueError, match="option batch_size is 10 here but was 8"):
        nmfkit.MiniBatchNMF(3, batch_size=10, random_state=5, tol=0, max_no_improvement=None,
                            n_jobs=1, max_iter=3, **params).fit(X, resume=path)
    full = tmp_path / "full.ckpt"
    nmfkit.NMF(3, init="random", random_state=5, tol=0, max_iter=10, n_jobs=1).fit(
        X.T, checkpoint=full, checkpoint_every=4)
    with pytest.raises(ValueError, match="not of this fit"):
        make(3).fit(X, resume=full)
