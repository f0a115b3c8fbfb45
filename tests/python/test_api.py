"""The functional API: nmfkit.fit / nmfkit.transform, their defaults, results and callbacks."""

import doctest
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nmfkit
from nmfkit import _core

from conftest import planted

ROOT = Path(__file__).resolve().parents[2]


def test_version_matches_the_library_and_the_package_metadata():
    header = (ROOT / "include" / "nmfkit" / "version.hpp").read_text()
    version = re.search(r'version = "([0-9.]+)"', header).group(1)
    assert nmfkit.__version__ == _core.version == version
    project = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^version = "([0-9.]+)"', project, re.M).group(1) == version


def test_python_defaults_are_the_librarys():
    lib = _core.default_options()
    for fn in (nmfkit.fit, nmfkit.transform):
        for name, p in inspect.signature(fn).parameters.items():
            if name in lib and p.default is not inspect.Parameter.empty and p.default is not None:
                assert p.default == lib[name], (fn.__name__, name)
    # Every library option is reachable from nmfkit.fit (rank is k, loss/beta by name).
    params = set(inspect.signature(nmfkit.fit).parameters)
    assert set(_core.option_names()) - params == {"rank"}


def test_every_option_field_is_a_keyword_of_fit_and_nmf():
    pytest.importorskip("sklearn")
    from nmfkit import _estimator

    names = _core.option_names()
    assert len(names) == len(set(names)) and "max_iter" in names and "mask" in names
    fit_params = inspect.signature(nmfkit.fit).parameters
    nmf_params = inspect.signature(nmfkit.NMF).parameters
    lib = _core.default_options()
    for name in names:
        # nmfkit.fit: under the table's name (rank is the positional k).
        assert name in fit_params or name == "rank", name
        # nmfkit.NMF: under the same name, under scikit-learn's, or refused with a reason.
        offered = [name in _estimator._BY_NAME, name in _estimator._SKLEARN_NAMES,
                   name in _estimator._NOT_OFFERED]
        assert sum(offered) == 1, (name, offered)
        if name in _estimator._BY_NAME:
            assert name in nmf_params, name
            default = nmf_params[name].default
            if default is not None and lib.get(name) is not None:
                assert default == lib[name], name
        if name in _estimator._SKLEARN_NAMES:
            assert _estimator._SKLEARN_NAMES[name] in nmf_params, name


def test_nmf_passes_its_option_fields_to_the_library(V):
    pytest.importorskip("sklearn")
    # Values other than the defaults reach the fit: restarts run, components come sorted and
    # normalised, inner sweeps are capped.
    model = nmfkit.NMF(2, init="random", random_state=0, restarts=3, normalize="l1",
                       sort_components=True, hals_max_inner=1, max_iter=20)
    W = model.fit_transform(V)
    assert len(model.fit_info_.restart_objectives) == 3
    np.testing.assert_allclose(W.sum(axis=0), 1.0, rtol=1e-6)  # l1-normalised columns of W
    with pytest.raises(ValueError, match=r'^unknown normalisation "l3"'):
        nmfkit.NMF(2, normalize="l3").fit(V)


def test_solver_loss_table():
    assert nmfkit.solvers() == ["mu", "als", "hals", "anls_bpp", "cd", "nenmf"]
    assert nmfkit.losses() == ["frobenius", "kullback_leibler", "itakura_saito", "beta"]
    assert nmfkit.solvers_for("kl") == ["mu", "cd"]
    assert nmfkit.default_solver("frobenius") == "hals"
    assert nmfkit.default_solver("kullback-leibler") == "cd"
    assert nmfkit.supports("cd", "kullback_leibler") and not nmfkit.supports("als", "kl")
    assert nmfkit.solver_traits("cd", "kl")["is_default"] and not nmfkit.solver_traits("als", "fro")["monotone"]
    assert not nmfkit.solver_traits("als", "kl")["supported"]


def test_blas_is_the_openmp_build_even_after_numpy():
    # numpy (imported first by conftest) loads Debian's pthread OpenBLAS; the module carries its
    # own OpenMP OpenBLAS so that per-call thread counts apply (python/CMakeLists.txt).
    info = nmfkit.build_info()
    assert info["blas_follows_openmp"], info["blas"]
    assert "USE_OPENMP" in info["blas"]


def test_build_info_says_whether_cuda_is_built_and_lists_the_devices():
    info = nmfkit.build_info()
    assert isinstance(info["cuda"], bool)
    assert isinstance(info["devices"], list)
    # No devices: the note says why; devices: no note.
    assert bool(info["devices"]) != bool(info["devices_note"])
    if not info["cuda"]:
        assert "NMFKIT_WITH_CUDA=OFF" in info["devices_note"] and info["devices"] == []


def test_an_absent_device_is_an_error_never_a_cpu_fit():
    # cuda:99 is absent on every machine: a build without CUDA, no GPU, or fewer devices.
    X = np.array([[1.0, 2.0, 0.0], [3.0, 1.0, 1.0], [0.0, 2.0, 4.0]])
    with pytest.raises(ValueError, match="device cuda:99: "):
        nmfkit.fit(X, 2, device="cuda:99")
    with pytest.raises(ValueError, match='unknown device "gpu"'):
        nmfkit.fit(X, 2, device="gpu")
    with pytest.raises(ValueError, match="solver anls_bpp with loss frobenius runs on the CPU only"):
        nmfkit.fit(X, 2, solver="anls_bpp", device="cuda")
    W, H, info = nmfkit.fit(X, 2, device="cpu", seed=1)
    assert W.shape == (3, 2)


def test_cuda_libraries_load_only_when_a_device_is_listed():
    # The CUDA code is a plugin dlopened on first use (docs/design.md, "Device"): importing nmfkit
    # and fitting on the CPU map no CUDA library; build_info() of a CUDA build loads the plugin
    # from beside the module (a fresh interpreter, /proc/self/maps).
    code = (
        "import numpy as np, nmfkit\n"
        "def mapped():\n"
        "    names = {l.split()[-1] for l in open('/proc/self/maps') if '/' in l}\n"
        "    return sorted(n for n in names if '/libcu' in n or 'nmfkit_cuda' in n)\n"
        "nmfkit.fit(np.ones((3, 3)), 1, seed=1)\n"
        "print(mapped())\n"
        "info = nmfkit.build_info()\n"
        "print(info['cuda'], repr(info['devices_note']))\n"
        "print([n for n in mapped() if 'nmfkit_cuda' in n])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, built, plugin = out.stdout.splitlines()
    assert before == "[]"
    if built.startswith("True") and "the CUDA plugin" not in built:
        assert plugin == repr([str(Path(nmfkit.__file__).parent / "libnmfkit_cuda.so")])


def test_build_info_names_the_kernels_instruction_set():
    # The active target never exceeds the CPU's best; NMFKIT_ISA caps it (read at first use, so
    # in a fresh interpreter).
    order = ["baseline", "avx2", "avx512"]
    info = nmfkit.build_info()
    assert order.index(info["isa"]) <= order.index(info["isa_best"])
    # The targets built are baseline and the ones after it in order (NMFKIT_KERNEL_ISAS); the one
    # in use is the best of them the CPU has (unless NMFKIT_ISA caps it).
    built = info["isa_built"]
    assert built == order[:len(built)] and len(built) >= 1
    if not os.environ.get("NMFKIT_ISA"):
        assert info["isa"] == order[min(order.index(info["isa_best"]), len(built) - 1)]
    code = "import nmfkit; print(nmfkit.build_info()['isa'])"
    env = dict(os.environ, NMFKIT_ISA="baseline")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "baseline" and out.stderr == ""


def test_fit_result(V):
    W, H, info = nmfkit.fit(V, 4, seed=3, max_iter=500)
    assert W.shape == (60, 4) and H.shape == (4, 40)
    assert np.all(W >= 0) and np.all(H >= 0)
    assert info.status == "converged" and info.solver == "hals" and info.loss == "frobenius"
    assert info.beta == 2.0 and info.d is None and not info.input_copied
    assert len(info.history) == info.iterations
    h = info.history
    np.testing.assert_array_equal(h.iteration, np.arange(1, info.iterations + 1))
    assert np.all(np.diff(h.objective) <= 1e-12 * h.objective[0])  # hals: monotone
    assert np.all(h.projected_gradient == -1) and np.all(np.diff(h.seconds) >= 0)
    resid = np.linalg.norm(V - W @ H)
    assert info.relative_error == pytest.approx(resid / np.linalg.norm(V), rel=1e-10)
    assert info.objective == pytest.approx(0.5 * resid**2, rel=1e-10)
    assert info.initial_objective > info.objective
    # The planted rank-4 matrix (1% noise) is recovered to the noise level.
    assert info.relative_error < 0.01


def test_same_seed_same_bits_and_threads(V):
    a = nmfkit.fit(V, 3, seed=11, threads=1)
    b = nmfkit.fit(V, 3, seed=11, threads=1)
    np.testing.assert_array_equal(a[0], b[0])
    c = nmfkit.fit(V, 3, seed=11, threads=2, max_iter=a[2].iterations, tol=0)
    assert c[2].threads == 2 and a[2].threads == 1
    np.testing.assert_allclose(c[0] @ c[1], a[0] @ a[1], rtol=1e-8)
    d = nmfkit.fit(V, 3, seed=12, threads=1)
    assert not np.array_equal(a[0], d[0])


# Every pair of the library's registry (loss beta as the number 1.5).
@pytest.mark.parametrize("loss, solver", [(1.5 if l == "beta" else l, s)
                                          for l in nmfkit.losses() for s in nmfkit.solvers_for(l)])
def test_every_solver_loss_pair(V, loss, solver):
    W, H, info = nmfkit.fit(V, 4, loss=loss, solver=solver, seed=1, max_iter=30)
    assert np.all(W >= 0) and np.all(H >= 0) and np.isfinite(info.objective)
    assert info.solver == solver
    if nmfkit.solver_traits(solver, "beta" if loss == 1.5 else loss)["monotone"]:  # by theory
        obj = info.history.objective
        assert np.all(np.diff(obj) <= 1e-9 * obj[0]), obj


def test_beta_loss_as_number():
    X = planted(30, 20, 3, seed=2)
    for number, name in ((2, "frobenius"), (1.0, "kullback_leibler"), (0, "itakura_saito")):
        a = nmfkit.fit(X, 3, loss=number, solver="mu", seed=0, max_iter=5, tol=0)
        b = nmfkit.fit(X, 3, loss=name, solver="mu", seed=0, max_iter=5, tol=0)
        assert a[2].loss == name
        np.testing.assert_array_equal(a[0], b[0])
    _, _, info = nmfkit.fit(X, 3, loss=0.5, seed=0, max_iter=5)
    assert (info.loss, info.beta, info.solver) == ("beta", 0.5, "mu")
    _, _, info = nmfkit.fit(X, 3, loss="beta", beta=3.0, seed=0, max_iter=5)
    assert (info.loss, info.beta) == ("beta", 3.0)


def test_normalize_diagonal_sort(V):
    W, H, info = nmfkit.fit(V, 4, seed=1, normalize="l1", diagonal=True, sort_components=True)
    d = info.d
    assert d.shape == (4,)
    # Sorted by the Frobenius norm of each rank-one term, largest first.
    contribution = np.linalg.norm(W, axis=0) * np.linalg.norm(H, axis=1) * d
    assert np.all(np.diff(contribution) <= 0)
    np.testing.assert_allclose(W.sum(axis=0), 1, rtol=1e-12)
    np.testing.assert_allclose(H.sum(axis=1), 1, rtol=1e-12)  # the same norm (l1) for H's rows
    W0, H0, _ = nmfkit.fit(V, 4, seed=1)
    np.testing.assert_allclose(W @ np.diag(d) @ H, W0 @ H0, rtol=1e-10, atol=1e-12)


def test_penalties_are_absolute(V):
    _, _, plain = nmfkit.fit(V, 3, seed=0, max_iter=5, tol=0, solver="mu")
    W, H, info = nmfkit.fit(V, 3, seed=0, max_iter=5, tol=0, solver="mu", l1_W=0.5, l2_H=2.0)
    expected = 0.5 * np.linalg.norm(V - W @ H) ** 2 + 0.5 * W.sum() + 0.5 * 2.0 * (H**2).sum()
    assert info.objective == pytest.approx(expected, rel=1e-10)
    assert info.objective != plain.objective


def test_callback_sees_every_iteration_and_can_stop(V):
    seen, first = [], []

    def callback(stats):
        if not first:
            first.append(stats)
        seen.append((stats.iteration, stats.objective))
        return stats.iteration < 4

    W, H, info = nmfkit.fit(V, 3, seed=0, tol=0, max_iter=50, callback=callback)
    assert info.status == "stopped_by_callback" and info.iterations == 4
    assert [i for i, _ in seen] == [1, 2, 3, 4]
    np.testing.assert_array_equal([f for _, f in seen], info.history.objective)
    assert repr(first[0]).startswith("IterationStats(iteration=1, objective=")
    # None (no return value) means "keep going".
    _, _, info = nmfkit.fit(V, 3, seed=0, tol=0, max_iter=6, callback=lambda s: None)
    assert info.status == "max_iter_reached"


def test_callback_exception_propagates(V):
    class Boom(Exception):
        pass

    def callback(stats):
        if stats.iteration == 3:
            raise Boom("from the callback")
        return True

    with pytest.raises(Boom, match="from the callback"):
        nmfkit.fit(V, 3, seed=0, tol=0, max_iter=50, callback=callback)
    # The module is still usable afterwards.
    assert nmfkit.fit(V, 3, seed=0, max_iter=3)[2].iterations == 3


def test_transform_projects_onto_fixed_components(V):
    W, H, _ = nmfkit.fit(V, 4, seed=0, max_iter=500)
    Wt, info = nmfkit.transform(V, H)
    assert Wt.shape == (60, 4) and info.loss == "frobenius" and info.solver == "anls_bpp"
    grad = Wt @ H @ H.T - V @ H.T
    np.testing.assert_allclose(np.minimum(Wt, grad), 0, atol=1e-9 * np.abs(V @ H.T).max())
    np.testing.assert_allclose(info.history.objective[-1],
                               0.5 * np.linalg.norm(V - Wt @ H) ** 2, rtol=1e-8)
    Wk, info = nmfkit.transform(V, H, loss="kl", tol=1e-12)
    assert info.loss == "kullback_leibler" and info.solver == "cd" and np.all(Wk >= 0)
    W32, _ = nmfkit.transform(V.astype(np.float32), H)
    assert W32.dtype == np.float32


def test_gil_is_released_during_a_fit():
    # A Python thread makes progress while the main thread is inside a long fit.
    import threading
    import time

    X = planted(400, 300, 10, seed=1)
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    thread = threading.Thread(target=ticker)
    thread.start()
    try:
        t0 = time.perf_counter()
        _, _, info = nmfkit.fit(X, 10, solver="mu", tol=0, max_iter=1500, threads=1)
        t1 = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    during = [t for t in ticks if t0 < t < t1]
    assert t1 - t0 > 0.05, "fit too short to tell"
    # Holding the GIL, the fit would leave the ticker no chance at all until it returns (a
    # loaded machine slows the ticker down, hence a small count).
    assert len(during) >= 5, (len(during), t1 - t0)


def test_docstring_examples():
    import nmfkit._api
    import nmfkit._estimator

    for module in (nmfkit._api, nmfkit._estimator):
        failures, tried = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert tried > 0 and failures == 0, module.__name__


def test_restarts_keep_the_best_run(V):
    W, H, info = nmfkit.fit(V, 3, seed=5, restarts=3, max_iter=40, threads=1)
    # Restarts start at random (the default init of a single run is nndsvda, the same for every seed).
    runs = [nmfkit.fit(V, 3, seed=5 + r, init="random", max_iter=40, threads=1) for r in range(3)]
    np.testing.assert_allclose(info.restart_objectives, [r[2].objective for r in runs], rtol=1e-12)
    best = int(np.argmin(info.restart_objectives))
    assert info.best_restart == best
    np.testing.assert_array_equal(W, runs[best][0])
    _, _, single = nmfkit.fit(V, 3, seed=5, max_iter=40)
    assert single.restart_objectives is None and single.best_restart == 0


def test_fixed_W_columns_stay_at_their_start(V):
    rng = np.random.default_rng(1)
    W0, H0 = rng.random((60, 3)), rng.random((3, 40))
    W, H, info = nmfkit.fit(V, 3, W=W0, H=H0, fixed_W_columns=[1], max_iter=50)
    np.testing.assert_array_equal(W[:, 1], W0[:, 1])
    assert not np.array_equal(W[:, 0], W0[:, 0])
    with pytest.raises(ValueError, match="fixed_w_columns keep columns of the starting W"):
        nmfkit.fit(V, 3, fixed_W_columns=[0])
    with pytest.raises(TypeError, match="fixed_W_columns"):
        nmfkit.fit(V, 3, W=W0, H=H0, fixed_W_columns="0")


def test_missing_values(V):
    sp = pytest.importorskip("scipy.sparse")
    rng = np.random.default_rng(4)
    holes = rng.random(V.shape) < 0.3
    X = V.copy()
    X[holes] = np.nan
    with pytest.raises(ValueError, match=r"^NaN entry in V at row"):
        nmfkit.fit(X, 4, seed=0)  # missing='none' (the default): NaN is bad input
    # missing_weight=0: the objective over the observed entries only, and exact recovery.
    W, H, info = nmfkit.fit(X, 4, seed=0, missing="nan", max_iter=300, missing_weight=0)
    observed = ~holes
    resid = np.where(observed, V - W @ H, 0.0)
    assert info.objective == pytest.approx(0.5 * (resid**2).sum(), rel=1e-9)
    assert info.relative_error == pytest.approx(np.linalg.norm(resid) / np.linalg.norm(V[observed]), rel=1e-9)
    # The planted low-rank matrix is recovered on the held-out entries too.
    assert np.linalg.norm((V - W @ H)[holes]) / np.linalg.norm(V[holes]) < 0.05
    # The same observed set given as stored entries of a sparse matrix: the same fit.
    S = sp.csr_matrix((V[observed], np.nonzero(observed)), shape=V.shape)
    Ws, Hs, _ = nmfkit.fit(S, 4, seed=0, missing="zeros", max_iter=300, missing_weight=0)
    np.testing.assert_allclose(Ws, W, rtol=1e-12, atol=1e-14)
    # The default weight (0.05, 30% missing: w = 0.05) adds ½ w Σ_missing (WH)² to the objective.
    W, H, info = nmfkit.fit(X, 4, seed=0, missing="nan", max_iter=300)
    resid = np.where(observed, V - W @ H, 0.0)
    assert info.objective == pytest.approx(
        0.5 * (resid**2).sum() + 0.5 * 0.05 * ((W @ H)[holes] ** 2).sum(), rel=1e-9)
    with pytest.raises(ValueError, match='unknown missing-value mode "maybe"'):
        nmfkit.fit(V, 4, missing="maybe")


def test_mask_leaves_entries_out(V):
    sp = pytest.importorskip("scipy.sparse")
    rng = np.random.default_rng(5)
    holes = rng.random(V.shape) < 0.2
    X = V.copy()
    X[holes] = np.nan
    W0 = rng.random((V.shape[0], 4)) + 0.1
    H0 = rng.random((4, V.shape[1])) + 0.1
    # The reference: the same entries as NaN with missing='nan'.
    Wn, Hn, info_n = nmfkit.fit(X, 4, W=W0, H=H0, missing="nan", max_iter=30, tol=0)
    changed = V.copy()
    changed[holes] = -1.0  # never read: masked
    for mask in (holes, holes.astype(np.float32), sp.csr_matrix(holes), sp.coo_matrix(holes.astype(float))):
        for data in (changed, np.ascontiguousarray(changed), sp.csc_matrix(np.where(holes, 0.0, V))):
            W, H, info = nmfkit.fit(data, 4, W=W0, H=H0, mask=mask, max_iter=30, tol=0)
            np.testing.assert_allclose(W @ H, Wn @ Hn, rtol=1e-8, atol=1e-10)
            assert info.relative_error == pytest.approx(info_n.relative_error, rel=1e-8)
    with pytest.raises(ValueError, match=r"mask has shape \(2, 2\) but X has shape"):
        nmfkit.fit(V, 4, mask=np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"a mask\) are supported by every frobenius solver"):
        nmfkit.fit(V, 4, mask=holes, loss="kl", solver="mu")


def test_extrapolation_option_reaches_the_library(V):
    # The registry says where it applies and where it is on by default (hals: on, mu: off).
    assert nmfkit.solver_traits("hals", "fro")["extrapolation"]
    assert nmfkit.solver_traits("hals", "fro")["extrapolation_default"]
    assert not nmfkit.solver_traits("mu", "fro")["extrapolation_default"]
    assert not nmfkit.solver_traits("mu", "kl")["extrapolation"]
    _, _, on = nmfkit.fit(V, 4, seed=3, max_iter=60, tol=0)
    _, _, off = nmfkit.fit(V, 4, seed=3, max_iter=60, tol=0, extrapolation="off")
    h = on.history
    assert h.extrapolation.dtype == np.float64 and h.restarted.dtype == np.bool_
    assert np.any(h.extrapolation > 0) and np.all(off.history.extrapolation == 0)
    assert not np.any(off.history.restarted)
    # Kept objectives never increase; a restart repeats the previous one.
    assert np.all(np.diff(h.objective) <= 1e-12 * on.initial_objective)
    for t in np.nonzero(h.restarted)[0]:
        assert t == 0 or h.objective[t] == h.objective[t - 1]
    with pytest.raises(ValueError, match="extrapolation on: it is done by"):
        nmfkit.fit(V, 4, loss="is", extrapolation="on")
    with pytest.raises(ValueError, match='unknown extrapolation "maybe"'):
        nmfkit.fit(V, 4, extrapolation="maybe")


def test_nmf_takes_extrapolation(V):
    pytest.importorskip("sklearn")
    m = nmfkit.NMF(4, random_state=0, max_iter=30, tol=0, extrapolation="on").fit(V)
    assert np.any(m.fit_info_.history.extrapolation > 0)
    assert m.get_params()["extrapolation"] == "on"
