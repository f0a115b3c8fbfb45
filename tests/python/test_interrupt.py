"""Ctrl-C: SIGINT during a long fit raises KeyboardInterrupt after the current iteration.

Each case runs in its own interpreter (so pytest's own SIGINT handling stays out of it): a
threading.Timer sends SIGINT to the process while the main thread is inside the fit, which runs
for minutes unless interrupted (tol = 0, a huge max_iter; time_limit as a backstop).
"""

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import os, signal, sys, threading, time
    import numpy as np
    import nmfkit
    kind = sys.argv[1]
    rng = np.random.default_rng(0)
    X = rng.random((600, 400))
    if kind == "sparse":
        import scipy.sparse as sp
        X = sp.random(3000, 2000, density=0.05, format="csr", random_state=0)
    options = dict(tol=0, max_iter=10**8, time_limit=60, threads=1)
    def run():
        if kind == "estimator":
            nmfkit.NMF(10, tol=0, max_iter=10**8, time_limit=60, n_jobs=1).fit(X)
        elif kind == "kl":
            nmfkit.fit(X, 10, loss="kl", **options)
        else:
            nmfkit.fit(X, 10, **options)
    delay = 0.5
    threading.Timer(delay, os.kill, (os.getpid(), signal.SIGINT)).start()
    t0 = time.perf_counter()
    try:
        run()
        print("not interrupted", time.perf_counter() - t0)
    except KeyboardInterrupt:
        late = time.perf_counter() - t0 - delay
        W, H, info = nmfkit.fit(rng.random((20, 10)), 2, max_iter=5)  # still usable
        print("interrupted", late, info.iterations)
    """
)


@pytest.mark.parametrize("kind", ["dense", "sparse", "kl", "estimator"])
def test_sigint_raises_keyboard_interrupt_promptly(kind):
    if kind in ("sparse", "estimator"):
        pytest.importorskip("scipy.sparse" if kind == "sparse" else "sklearn")
    out = subprocess.run([sys.executable, "-c", SCRIPT, kind], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    words = out.stdout.split()
    assert words[0] == "interrupted", out.stdout
    late, iterations = float(words[1]), int(words[2])
    # One iteration here takes milliseconds; allow for a loaded machine.
    assert late < 3.0, f"KeyboardInterrupt came {late:.2f} s after SIGINT"
    assert iterations == 5
