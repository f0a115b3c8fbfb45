#!/usr/bin/python3
"""Side-by-side benchmark of nmfkit against scikit-learn, RcppML and R's NMF package (issue 9).

    /usr/bin/python3 bench/compare/compare.py --quick          # a few minutes on 2 cores
    /usr/bin/python3 bench/compare/compare.py                  # the full run (under an hour)

Steps (docs/benchmarks.md, "Side by side with other tools", describes the method and the output):

1. installs the peers from Debian if missing (python3-sklearn, r-base-core, r-cran-rcppml,
   r-cran-nmf) and records their versions and BLAS;
2. writes the matrices once under --scratch (dense .npy, sparse .mtx; every tool reads the same
   file) and one shared random start W0, H0 per matrix (.npy);
3. runs every tool on every matrix with the same k and iteration budget, interleaving the tools
   (A, B, C, A, B, C, ...) so that drift of the shared machine hits all alike;
4. scores every returned W, H here, in float64 (score.py), at the final iteration and at the
   checkpoints used for time to target;
5. writes a JSON file of everything and a Markdown report (--markdown; --append-docs appends it
   to docs/benchmarks-history.md; the summary in docs/benchmarks.md is edited by hand).

Fit times are measured inside each process around the fitting calls only (not reading, not
writing). Peak memory is the child's maximum resident set (wait4), including its interpreter and
the matrix it read.
"""

import argparse
import datetime
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time

import numpy as np
import scipy.io
import scipy.sparse as sp

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import score as scorer  # noqa: E402

PY = "/usr/bin/python3"
FRO, KL = "frobenius", "kullback_leibler"
ERR_KEY = {FRO: "relative_frobenius", KL: "kl_divergence"}
NMFKIT_SOLVERS = {FRO: ["mu", "als", "hals", "anls_bpp", "cd"], KL: ["mu", "cd"]}
DEFAULT_SOLVER = {FRO: "hals", KL: "cd"}
PEER_TOL = 1e-3  # "reaches the peer's error": within 0.1% of it


# --------------------------------------------------------------------------------------------
# 1. peers

def sh(cmd, **kw):
    return subprocess.run(cmd, shell=isinstance(cmd, str), capture_output=True, text=True, **kw)


def install_peers(log):
    pkgs = ["r-base-core", "r-cran-rcppml", "r-cran-nmf", "python3-sklearn"]
    missing = [p for p in pkgs if sh(["dpkg-query", "-W", "-f=${Status}", p]).stdout.find(
        "install ok installed") < 0]
    if not missing:
        return
    log(f"installing {' '.join(missing)} from Debian")
    if "Candidate: (none)" in sh(["apt-cache", "policy"] + missing).stdout or \
            not sh(["apt-cache", "show", missing[0]]).stdout:
        sh(["apt-get", "update"])
    for attempt in range(60):
        r = sh(["apt-get", "install", "-y", "--no-install-recommends"] + missing)
        if r.returncode == 0:
            return
        if "lock" in r.stderr.lower():
            log("dpkg is locked by another process; waiting 10 s")
            time.sleep(10)
            continue
        raise SystemExit(f"apt-get install failed:\n{r.stderr}")
    raise SystemExit("dpkg stayed locked for 10 minutes")


R_INFO = r'''
cat("R_VERSION=", R.version.string, "\n", sep = "")
for (p in c("RcppML", "NMF", "Matrix")) cat("PKG_", p, "=", as.character(packageVersion(p)), "\n", sep = "")
cat("LA_LIBRARY=", La_library(), "\n", sep = "")
e <- extSoftVersion(); cat("BLAS=", e[["BLAS"]], "\n", sep = "")
si <- sessionInfo(); cat("SESSION_BLAS=", si$BLAS, "\n", "SESSION_LAPACK=", si$LAPACK, "\n", sep = "")
'''


def tool_info(nmfkit_bin):
    info = {"machine": machine_description()}
    r = sh([nmfkit_bin, "info"])
    info["nmfkit_info"] = r.stdout.strip()
    r = sh([PY, "-c", "import sklearn, numpy, scipy, threadpoolctl, json;"
            "print(json.dumps({'sklearn': sklearn.__version__, 'numpy': numpy.__version__,"
            "'scipy': scipy.__version__, 'blas': [{k: d.get(k) for k in ('internal_api',"
            "'version','threading_layer','filepath')} for d in threadpoolctl.threadpool_info()]}))"])
    info["python"] = json.loads(r.stdout) if r.returncode == 0 else {"error": r.stderr}
    info["python"]["python"] = platform.python_version()
    r = sh(["Rscript", "-e", R_INFO])
    info["r"] = dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line) \
        if r.returncode == 0 else {"error": r.stderr}
    r = sh("update-alternatives --query libblas.so.3-x86_64-linux-gnu | grep '^Value'")
    info["r"]["libblas_alternative"] = r.stdout.strip()
    return info


def machine_description():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores of {cpu}, {mem:.0f} GiB, {platform.platform()}"


# --------------------------------------------------------------------------------------------
# 2. matrices

def planted(m, n, k, seed):
    rng = np.random.default_rng(seed)
    W0 = rng.random((m, k)) * (rng.random((m, k)) < 0.5)
    H0 = rng.random((k, n)) * (rng.random((k, n)) < 0.5)
    V = W0 @ H0
    V += 0.01 * V.mean() * rng.random((m, n))  # 1% (of the mean) uniform noise
    return V


def doc_term(m, n, k, density, seed):
    """Words x documents Poisson counts from a planted topic model: each topic uses about 20% of
    the vocabulary, each document mixes two topics; the Poisson rate is scaled so that about
    `density` of the entries are non-zero."""
    rng = np.random.default_rng(seed)
    topics = rng.gamma(0.3, 1.0, (m, k)) * (rng.random((m, k)) < 0.2)
    topics /= topics.sum(axis=0, keepdims=True)
    mix = np.zeros((k, n))
    cols = np.arange(n)
    a = rng.integers(0, k, n)
    b = (a + 1 + rng.integers(0, k - 1, n)) % k
    w = rng.random(n)
    mix[a, cols] = w
    mix[b, cols] += 1 - w
    # Expected non-zeros: sum(1 - exp(-rate)). Pick the document length by bisection on a sample.
    sample = rng.choice(m, size=min(m, 2000), replace=False)
    rates = topics[sample] @ mix
    lo, hi = 1.0, 1e6
    for _ in range(60):
        mid = math.sqrt(lo * hi)
        frac = float(np.mean(1 - np.exp(-mid * rates)))
        lo, hi = (mid, hi) if frac < density else (lo, mid)
    length = math.sqrt(lo * hi)
    rows, cols_, vals = [], [], []
    for c0 in range(0, n, 1000):
        c1 = min(n, c0 + 1000)
        counts = rng.poisson(length * (topics @ mix[:, c0:c1]))
        r, c = np.nonzero(counts)
        rows.append(r)
        cols_.append(c + c0)
        vals.append(counts[r, c].astype(np.float64))
    V = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols_))),
                      shape=(m, n)).tocsc()
    # A word or document without counts is an all-zero row or column; keep the shape anyway.
    return V


def write_mtx(path, V):
    """Matrix Market coordinate real general, 1-based, column by column, integers as integers."""
    C = V.tocsc()
    C.sort_indices()
    colidx = np.repeat(np.arange(C.shape[1]), np.diff(C.indptr))
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%%MatrixMarket matrix coordinate real general\n")
        f.write(f"{C.shape[0]} {C.shape[1]} {C.nnz}\n")
        np.savetxt(f, np.column_stack([C.indices + 1, colidx + 1, C.data]), fmt="%d %d %.17g")
    os.replace(tmp, path)


def matrix_specs(quick):
    """name, generator, k, budgets per loss (None: loss not run), R NMF allowed, large flag."""
    specs = [
        dict(name="planted", desc="dense planted 5000 x 2000, rank 20 + 1% noise", k=20,
             budget={FRO: 400, KL: 30} if not quick else {FRO: 100, KL: 15},
             rnmf=not quick,
             # NMF (R)'s lee and brunet updates are O(m n k) C++ loops without BLAS: about 1 s
             # per iteration here, so it runs a smaller budget on this matrix.
             rnmf_budget={FRO: 100, KL: 30}),
        dict(name="docterm", desc="document-term 20000 x 10000, ~1% Poisson counts (sparse)", k=20,
             budget={FRO: 100, KL: 100} if not quick else {FRO: 30, KL: 20}, rnmf=False),
        dict(name="digits", desc="scikit-learn digits, 1797 x 64 (dense)", k=10,
             budget={FRO: 400, KL: 400} if not quick else {FRO: 200, KL: 100}, rnmf=True),
        dict(name="large", desc="large dense planted 20000 x 5000, rank 30 + 1% noise", k=30,
             budget={FRO: 50}, rnmf=False, full_only=True),
    ]
    return [s for s in specs if not (quick and s.get("full_only"))]


def make_matrix(spec, scratch, log):
    name = spec["name"]
    path = os.path.join(scratch, name + (".mtx" if name == "docterm" else ".npy"))
    w0 = os.path.join(scratch, f"{name}_W0.npy")
    h0 = os.path.join(scratch, f"{name}_H0.npy")
    if not os.path.exists(path):
        log(f"generating {path}")
        if name == "digits":
            from sklearn.datasets import load_digits
            V = np.ascontiguousarray(load_digits().data, dtype=np.float64)
        elif name == "planted":
            V = planted(5000, 2000, 20, seed=1)
        elif name == "large":
            V = planted(20000, 5000, 30, seed=2)
        else:
            V = doc_term(20000, 10000, 20, 0.01, seed=3)
        if sp.issparse(V):
            write_mtx(path, V)
        else:
            np.save(path + ".tmp.npy", V)
            os.replace(path + ".tmp.npy", path)
        for f in (w0, h0):
            if os.path.exists(f):
                os.remove(f)
    V = load_matrix(path)
    if not os.path.exists(w0):
        # scikit-learn's random start: |N(0, 1)| * sqrt(mean(V) / k), one seed for all tools.
        rng = np.random.default_rng(42)
        scale = math.sqrt(V.mean() / spec["k"])
        np.save(w0, np.abs(rng.standard_normal((V.shape[0], spec["k"]))) * scale)
        np.save(h0, np.abs(rng.standard_normal((spec["k"], V.shape[1]))) * scale)
    return path, w0, h0, V


def load_matrix(path):
    if path.endswith(".mtx"):
        return sp.csr_matrix(scipy.io.mmread(path), dtype=np.float64)
    return np.load(path)


# --------------------------------------------------------------------------------------------
# 3. runs

def checkpoints(budget):
    fr = (0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
    return sorted({max(1, round(budget * f)) for f in fr})


def keep_variant(matrix, loss, solver, dtype, threads, quick):
    """Which nmfkit variants run. Every solver x dtype x threads on the small digits matrix and the
    sparse document-term matrix; fewer on the two dense ones, so that the full run fits in under
    an hour on 2 cores (docs/benchmarks.md lists what was left out)."""
    default = solver == DEFAULT_SOLVER[loss]
    if quick:
        return threads == 2 or default
    if matrix in ("digits", "docterm"):
        return True
    if matrix == "planted":
        if threads == 2:
            return True
        return solver in ("hals", "mu") if loss == FRO else (default and dtype == "float64")
    if matrix == "large":
        if threads == 1:
            return default and dtype == "float64"
        return solver in ("hals", "mu") or (solver == "als" and dtype == "float64")
    return True


def make_runs(spec, quick, paths):
    """Per tool, the list of runs for one matrix; the schedule interleaves the tools."""
    data, w0, h0 = paths
    k = spec["k"]
    per_tool = {"nmfkit": [], "scikit-learn": [], "RcppML": [], "NMF (R)": []}
    for loss, budget in spec["budget"].items():
        cps = checkpoints(budget)
        base = dict(matrix=spec["name"], loss=loss, budget=budget, k=k, data=data, w0=w0, h0=h0,
                    checkpoints=cps)
        for solver in NMFKIT_SOLVERS[loss]:
            for dtype in ("float64", "float32"):
                for threads in (2, 1):
                    if keep_variant(spec["name"], loss, solver, dtype, threads, quick):
                        per_tool["nmfkit"].append(dict(base, tool="nmfkit", method=solver,
                                                       dtype=dtype, threads=threads))
        for solver in ("cd", "mu") if loss == FRO else ("mu",):
            per_tool["scikit-learn"].append(dict(base, tool="scikit-learn", method=solver,
                                                 dtype="float64", threads=2))
        if loss == FRO:
            per_tool["RcppML"].append(dict(base, tool="RcppML", method="nmf", dtype="float64",
                                           threads=2))
        if spec["rnmf"]:
            per_tool["NMF (R)"].append(dict(base, tool="NMF (R)",
                                            method="lee" if loss == FRO else "brunet",
                                            dtype="float64", threads=2,
                                            tool_budget=spec.get("rnmf_budget", {}).get(loss)))
    # Interleave: one run of each tool in turn.
    order = []
    lists = [v for v in per_tool.values() if v]
    while any(lists):
        for lst in lists:
            if lst:
                order.append(lst.pop(0))
    return order




def run_child_rusage(cmd, env=None, cwd=None):
    """Runs cmd under /usr/bin/time; returns (rc, out, err, peak RSS in MB).

    The peak comes from /usr/bin/time (its child's ru_maxrss), not from this process's wait4:
    Linux carries the forking process's high-water mark into the child's ru_maxrss across exec,
    so a child of this (large) Python process would report at least this process's size."""
    import tempfile
    with tempfile.TemporaryFile("w+") as fo, tempfile.TemporaryFile("w+") as fe, \
            tempfile.NamedTemporaryFile("r", suffix=".time") as ft, \
            open(os.devnull, "rb") as devnull:
        p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", ft.name] + cmd, stdin=devnull,
                             stdout=fo, stderr=fe, env=env, cwd=cwd)
        p.wait()
        fo.seek(0)
        fe.seek(0)
        lines = [x for x in open(ft.name).read().split() if x.isdigit()]
        peak = int(lines[-1]) / 1024.0 if lines else float("nan")
        return p.returncode, fo.read(), fe.read(), peak


def run_one(run, outdir, nmfkit_bin):
    os.makedirs(outdir, exist_ok=True)
    env = dict(os.environ)
    threads = run["threads"]
    env["OMP_NUM_THREADS"] = str(threads)
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    cps = run["checkpoints"]
    if run["tool"] in ("RcppML", "NMF (R)"):
        # Separate fits per checkpoint (see the runners): N/4, N/2, N only.
        b = min(run["budget"], run.get("tool_budget") or run["budget"])
        cps = sorted({c for c in cps if c in {max(1, round(b / 4)), max(1, round(b / 2)), b}}
                     | {b})
    cps = ",".join(str(c) for c in cps)
    if run["tool"] == "nmfkit":
        report = os.path.join(outdir, "report.json")
        cmd = [nmfkit_bin, "fit", run["data"], "-k", str(run["k"]), "--loss", run["loss"],
               "--solver", run["method"], "--dtype", run["dtype"], "--threads", str(threads),
               "--max-iter", str(run["budget"]), "--tol", "0", "--init-w", run["w0"],
               "--init-h", run["h0"], "-W", os.path.join(outdir, f"W_{run['budget']}.npy"),
               "-H", os.path.join(outdir, f"H_{run['budget']}.npy"), "--report", report, "-q"]
    elif run["tool"] == "scikit-learn":
        cmd = [PY, os.path.join(HERE, "run_sklearn.py"), "--data", run["data"], "--k",
               str(run["k"]), "--solver", run["method"], "--loss", run["loss"], "--checkpoints",
               cps, "--threads", str(threads), "--init-w", run["w0"], "--init-h", run["h0"],
               "--out", outdir]
    else:
        script = "run_rcppml.R" if run["tool"] == "RcppML" else "run_rnmf.R"
        cmd = ["Rscript", "--vanilla", os.path.join(HERE, script), "--data", run["data"], "--k",
               str(run["k"]), "--method", run["method"], "--loss", run["loss"], "--checkpoints",
               cps, "--threads", str(threads), "--init-w", run["w0"], "--init-h", run["h0"],
               "--out", outdir, "--here", HERE]
    t0 = time.perf_counter()
    rc, out, err, peak_mb = run_child_rusage(cmd, env=env)
    wall = time.perf_counter() - t0
    res = dict(run, command=" ".join(cmd), returncode=rc, wall_seconds=wall, peak_rss_mb=peak_mb)
    if rc != 0:
        res["error"] = (err or out).strip()[-2000:]
        return res
    if run["tool"] == "nmfkit":
        with open(report) as f:
            rep = json.load(f)
        hist = rep.get("history", {})
        res.update(fit_seconds=rep["timings"]["fit"], iterations=rep["iterations"],
                   nmfkit_relative_error=rep.get("relative_error"),
                   nmfkit_objective=rep.get("objective"), status=rep.get("status"),
                   history_objective=hist.get("objective", []),
                   history_seconds=hist.get("seconds", []))
    else:
        with open(os.path.join(outdir, "result.json")) as f:
            rj = json.load(f)
        res.update(peer=rj, fit_seconds=rj["seconds"][-1], iterations=rj["checkpoints"][-1],
                   checkpoint_seconds=rj["seconds"], checkpoints=rj["checkpoints"])
    return res


# --------------------------------------------------------------------------------------------
# 4. scoring

def score_run(res, V, outdir, v_norm):
    if "error" in res:
        return
    last = res["checkpoints"][-1]
    W = np.load(os.path.join(outdir, f"W_{last}.npy"))
    H = np.load(os.path.join(outdir, f"H_{last}.npy"))
    res["score"] = scorer.score(V, W, H)
    key = ERR_KEY[res["loss"]]
    trace = []  # (iteration, seconds, error of the run's loss)
    if res["tool"] == "nmfkit":
        obj = res["history_objective"]
        secs = res["history_seconds"]
        for i, (o, s) in enumerate(zip(obj, secs), start=1):
            e = math.sqrt(max(2.0 * o, 0.0)) / v_norm if res["loss"] == FRO else o
            trace.append((i, s, e))
        # nmfkit's own per-iteration objective against the scorer at the last iteration.
        if trace:
            res["trace_vs_scorer"] = trace[-1][2] / res["score"][key] - 1 \
                if res["score"][key] else None
    else:
        for c, s in zip(res["checkpoints"], res["checkpoint_seconds"]):
            if c == last:
                e = res["score"][key]
            else:
                Wc = np.load(os.path.join(outdir, f"W_{c}.npy"))
                Hc = np.load(os.path.join(outdir, f"H_{c}.npy"))
                e = scorer.relative_frobenius(V, Wc, Hc) if res["loss"] == FRO \
                    else scorer.kl_divergence(V, Wc, Hc)
            trace.append((c, s, e))
    res["trace"] = trace
    for f in os.listdir(outdir):
        if f.endswith(".npy"):
            os.remove(os.path.join(outdir, f))


def time_to(trace, target, grid=None):
    """First (seconds, iteration) at which the trace's error is <= target, on the grid of
    iteration counts if given (the same checkpoints the peers are scored at); None if never."""
    for it, s, e in trace:
        if grid is not None and it not in grid:
            continue
        if e <= target:
            return s, it
    return None


# --------------------------------------------------------------------------------------------
# 5. report

def label(r):
    if r["tool"] == "nmfkit":
        return f"nmfkit {r['method']} {r['dtype']} {r['threads']}t"
    if r["tool"] == "scikit-learn":
        return f"scikit-learn {r['method']}"
    if r["tool"] == "RcppML":
        return "RcppML nmf"
    return f"NMF (R) {r['method']}"


def fmt_s(x):
    if x is None:
        return "never"
    return f"{x:.3g} s" if x >= 0.001 else f"{x * 1e3:.2g} ms"


def target_ratio(p):
    if p.get("target_ratio") is not None:
        return fmt_ratio(p["target_ratio"])
    if p.get("target_ratio_at_least") is not None:
        return "> " + fmt_ratio(p["target_ratio_at_least"]) + " (peer never)"
    return "-"


def fmt_ratio(x):
    return "-" if x is None else (f"{x:.1f}x" if x >= 1 else f"{x:.2f}x")


def error_trace(r, results):
    """The run's trace, with float32 nmfkit errors taken from its float64 twin's history.

    nmfkit's per-iteration objective is the Gram formula ||V||^2 - 2<V'W, Ht> + <W'W, Ht'Ht>;
    in float32 it cancels near a close fit (on the planted matrix it read up to 7% low at a
    relative error of 0.0025), so it cannot say when a float32 run crossed a threshold. The
    float32 and float64 runs of a solver from the same start follow the same iterates to rounding
    (their scored final errors agree, checked here to 0.1%), so a float32 run is judged by the
    float64 history's error at each iteration and its own time. Without such a twin, or if the
    two disagree, only the float32 run's scored final error is used."""
    tr = r["trace"]
    if r["tool"] != "nmfkit" or r["dtype"] != "float32" or not tr:
        return tr
    key = ERR_KEY[r["loss"]]
    twins = [x for x in results if x["tool"] == "nmfkit" and x["dtype"] == "float64" and
             x["matrix"] == r["matrix"] and x["loss"] == r["loss"] and
             x["method"] == r["method"] and x.get("trace")]
    twin = next((x for x in twins if x["threads"] == r["threads"]), twins[0] if twins else None)
    if twin is not None and len(twin["trace"]) == len(tr) and \
            abs(twin["score"][key] / r["score"][key] - 1) <= 1e-3:
        r["trace_from"] = "float64 twin"
        return [(it, s, e64) for (it, s, _), (_, _, e64) in zip(tr, twin["trace"])]
    r["trace_from"] = "final score only"
    return [(it, s, (r["score"][key] if i == len(tr) - 1 else float("inf")))
            for i, (it, s, _) in enumerate(tr)]


def timed_trace(r, results=None):
    """The run's (iteration, seconds, error) trace on the scale of a fit of that many iterations.
    nmfkit's history times the iterations only; a fit of c iterations also pays the setup before
    the first one and the final exact evaluation after the last (timings.fit minus the history's
    last time), which is added to every point, as the peers' chunk and separate-fit times include
    their calls' overhead."""
    tr = error_trace(r, results or [])
    if r["tool"] != "nmfkit" or not tr:
        return tr
    off = max(r["fit_seconds"] - tr[-1][1], 0.0)
    return [(it, s + off, e) for it, s, e in tr]


def analyse(results, probes, specs):
    """Per matrix and loss: target, time to target, ratios. Adds fields to the results."""
    out = []
    for spec in specs:
        for loss in spec["budget"]:
            rs = [r for r in results if r["matrix"] == spec["name"] and r["loss"] == loss]
            ok = [r for r in rs if "trace" in r and r["trace"]]
            if not ok:
                continue
            # The best error: scored values (every final W, H; the peers' checkpoints) and
            # nmfkit's float64 histories (exact to about 1e-8 relative error); float32 histories
            # are not used (see error_trace).
            best = min(e for r in ok for (_, _, e) in error_trace(r, results))
            best_final = min(r["score"][ERR_KEY[loss]] for r in ok)
            target = best * 1.01
            grid = set(checkpoints(spec["budget"][loss]))  # the full grid (peers may use a subset)
            for r in ok:
                t = time_to(timed_trace(r, results), target, grid)
                r["time_to_target"] = t[0] if t else None
                r["iterations_to_target"] = t[1] if t else None
                r["s_per_iter"] = r["fit_seconds"] / max(r["iterations"], 1)
                pb = probes.get(r["threads"])
                if pb and r["tool"] == "nmfkit":
                    r["x_bound"] = r["s_per_iter"] / bound(spec, r, pb)
            ref = next((r for r in ok if r["tool"] == "nmfkit" and r["method"] ==
                        DEFAULT_SOLVER[loss] and r["dtype"] == "float64" and r["threads"] == 2),
                       None)
            peers = []
            for p in ok:
                if p["tool"] == "nmfkit":
                    continue
                # The peer's final error, with a 0.1% tolerance: near a noise floor the tools end
                # within a few 1e-5 of each other, and the 6th digit should not decide "never".
                e_p = p["score"][ERR_KEY[loss]] * (1 + PEER_TOL)
                row = dict(peer=label(p), peer_seconds=p["fit_seconds"],
                           peer_error=p["score"][ERR_KEY[loss]], threshold=e_p,
                           peer_s_per_iter=p["s_per_iter"], peer_time_to_target=p["time_to_target"])
                # nmfkit variants at 2 threads: time to the peer's own final error (full history).
                cands = []
                for r in ok:
                    if r["tool"] != "nmfkit" or r["threads"] != 2:
                        continue
                    t = time_to(timed_trace(r, results), e_p)
                    cands.append((t[0] if t else None, label(r), r))
                row["nmfkit_default"] = None
                # Symmetric: both to the same threshold, both judged on the checkpoint grid.
                tp = time_to(timed_trace(p, results), e_p, grid)
                row["peer_to_threshold"] = tp[0] if tp else None
                if ref is not None:
                    tr_ = time_to(timed_trace(ref, results), e_p, grid)
                    row["nmfkit_default_grid"] = tr_[0] if tr_ else None
                    if tp and tr_:
                        row["ratio_same_threshold"] = tp[0] / tr_[0]
                gcands = [(time_to(timed_trace(r, results), e_p, grid), label(r)) for r in ok
                          if r["tool"] == "nmfkit" and r["threads"] == 2]
                gcands = [(t[0], lb) for t, lb in gcands if t]
                if gcands and tp:
                    tb, lb = min(gcands)
                    row["ratio_same_threshold_best"] = tp[0] / tb
                    row["nmfkit_best_grid_label"] = lb
                if ref is not None:
                    t = time_to(timed_trace(ref, results), e_p)
                    row["nmfkit_default"] = t[0] if t else None
                    row["ratio_default"] = p["fit_seconds"] / t[0] if t else None
                    row["s_per_iter_ratio"] = p["s_per_iter"] / ref["s_per_iter"]
                    if p["time_to_target"] and ref["time_to_target"]:
                        row["target_ratio"] = p["time_to_target"] / ref["time_to_target"]
                    elif ref["time_to_target"]:
                        # The peer never reached the target: it is slower than its whole run.
                        row["target_ratio_at_least"] = p["fit_seconds"] / ref["time_to_target"]
                reach = [c for c in cands if c[0] is not None]
                if reach:
                    tb, lb, _ = min(reach, key=lambda c: c[0])
                    row["nmfkit_best"] = tb
                    row["nmfkit_best_label"] = lb
                    row["ratio_best"] = p["fit_seconds"] / tb
                peers.append(row)
            out.append(dict(matrix=spec["name"], desc=spec["desc"], k=spec["k"], loss=loss,
                            budget=spec["budget"][loss], best=best, best_final=best_final,
                            target=target, peers=peers))
    return out


def bound(spec, r, probe):
    """The machine's lower bound on one iteration: max(2 bytes(V)/bandwidth, 4 nnz k/peak)."""
    size = 8 if r["dtype"] == "float64" else 4
    nnz = spec["nnz"]
    if spec["sparse"]:
        byts = nnz * (size + 4) + (spec["shape"][1] + 1) * 4
    else:
        byts = nnz * size
    peak = probe["gemm_flops_per_s_" + r["dtype"]]
    return max(2.0 * byts / probe["read_bytes_per_s"], 4.0 * nnz * spec["k"] / peak)


def targets(results, analysis):
    """The issue's targets, evaluated on this run: (text, met or None when not measured)."""
    out = []
    by = {(a["matrix"], a["loss"]): a for a in analysis}
    a = by.get(("planted", FRO))
    for peer in ("scikit-learn cd", "RcppML nmf"):
        p = next((p for p in a["peers"] if p["peer"] == peer), None) if a else None
        if p is None:
            out.append((f"dense Frobenius vs {peer}: not measured in this run", None))
            continue
        r = p.get("ratio_best")
        out.append((f"dense Frobenius (5000 x 2000, k = 20): nmfkit reaches {peer}'s "
                    f"{a['budget']}-iteration error + 0.1% ({p['peer_error']:.6g}, {p['peer_seconds']:.3g} s) in "
                    f"{fmt_s(p.get('nmfkit_best'))} ({p.get('nmfkit_best_label', 'no 2-thread variant')}), "
                    f"{fmt_ratio(r)} faster; default hals float64: {fmt_s(p.get('nmfkit_default'))}, "
                    f"{fmt_ratio(p.get('ratio_default'))} (target 8x; "
                    f"{'met' if (p.get('ratio_default') or 0) >= 8 else 'missed'} by the default)",
                    r is not None and r >= 8))
    a = by.get(("docterm", KL))
    p = next((p for p in a["peers"] if p["peer"] == "scikit-learn mu"), None) if a else None
    if p is None:
        out.append(("sparse KL vs scikit-learn mu: not measured in this run", None))
    else:
        r = p.get("ratio_same_threshold_best")
        out.append((f"sparse KL (document-term), to the same divergence (scikit-learn mu's "
                    f"{a['budget']}-iteration value + 0.1%, both judged at the same checkpoints): "
                    f"scikit-learn mu {fmt_s(p.get('peer_to_threshold'))}, nmfkit default cd float64 "
                    f"{fmt_s(p.get('nmfkit_default_grid'))} ({fmt_ratio(p.get('ratio_same_threshold'))}), "
                    f"fastest 2-thread variant ({p.get('nmfkit_best_grid_label')}) "
                    f"{fmt_ratio(r)}; against scikit-learn's whole run, "
                    f"nmfkit reaches scikit-learn mu's {a['budget']}-iteration "
                    f"divergence + 0.1% ({p['peer_error']:.6g}, {p['peer_seconds']:.3g} s, "
                    f"{p['peer_s_per_iter']:.3g} s/iter) in {fmt_s(p.get('nmfkit_best'))} "
                    f"({p.get('nmfkit_best_label', '-')}), {fmt_ratio(p.get('ratio_best'))}; default cd float64: "
                    f"{fmt_s(p.get('nmfkit_default'))}, {fmt_ratio(p.get('ratio_default'))} (target 20x "
                    f"to the same divergence; "
                    f"{'met' if (p.get('ratio_same_threshold') or 0) >= 20 else 'missed'} by the default)",
                    r is not None and r >= 20))
    xs = [r for r in results if r["tool"] == "nmfkit" and "x_bound" in r]
    for sparse_kl in (False, True):
        sel = [r for r in xs if (r["matrix"] == "docterm" and r["loss"] == KL) == sparse_kl]
        if not sel:
            continue
        lim = 3.0 if sparse_kl else 2.0
        worst = max(sel, key=lambda r: r["x_bound"])
        bestb = min(sel, key=lambda r: r["x_bound"])
        n_ok = sum(r["x_bound"] <= lim for r in sel)
        what = "sparse KL" if sparse_kl else "every other matrix and loss"
        out.append((f"iterations within {lim:g}x of the machine bound ({what}): {n_ok} of {len(sel)} "
                    f"runs; closest {bestb['x_bound']:.2f}x ({label(bestb)}, {bestb['matrix']}, "
                    f"{bestb['loss']}), farthest {worst['x_bound']:.1f}x ({label(worst)}, "
                    f"{worst['matrix']}, {worst['loss']})", n_ok == len(sel)))
    ratios = []
    for r in results:
        if r["tool"] != "nmfkit" or r["dtype"] != "float32" or r["matrix"] not in ("planted", "large")                 or "s_per_iter" not in r:
            continue
        twin = next((x for x in results if x["tool"] == "nmfkit" and x["dtype"] == "float64" and
                     x["matrix"] == r["matrix"] and x["loss"] == r["loss"] and
                     x["method"] == r["method"] and x["threads"] == r["threads"] and
                     "s_per_iter" in x), None)
        if twin:
            ratios.append((twin["s_per_iter"] / r["s_per_iter"], r))
    if ratios:
        lo = min(ratios, key=lambda t: t[0])
        hi = max(ratios, key=lambda t: t[0])
        fro = [t[0] for t in ratios if t[1]["loss"] == FRO]
        out.append((f"float32 against float64 per iteration on the dense matrices: "
                    f"{lo[0]:.2f}x ({label(lo[1])}, {lo[1]['matrix']}, {lo[1]['loss']}) to "
                    f"{hi[0]:.2f}x ({label(hi[1])}, {hi[1]['matrix']}, {hi[1]['loss']}); Frobenius "
                    f"median {sorted(fro)[len(fro) // 2]:.2f}x (target about 2x)" if fro else
                    "float32 against float64: no Frobenius pairs",
                    all(t[0] >= 1.8 for t in ratios)))
    return out


def markdown(results, analysis, info, probes, args, started, loads, specs):
    L = []
    L.append(f"\n## Side by side with other tools (issue 9){' -- quick mode' if args.quick else ''}\n")
    def load1(x):
        try:
            return float(x.split()[0])
        except (ValueError, IndexError):
            return 0.0
    shared = max(load1(loads[0]), load1(loads[1])) > 2.5
    L.append(f"Run {started} UTC on {info.get('machine')}; load average before / after: "
             f"{loads[0]} / {loads[1]} (1, 5, 15 min)"
             f"{'; the machine was shared with other work (load above its 2 cores)' if shared else ''}.")
    py = info.get("python", {})
    r = info.get("r", {})
    nbin = args.command_line.split("--nmfkit ")[1].split()[0] if "--nmfkit " in args.command_line \
        else "build/cli/nmfkit"
    L.append(f"Tools: nmfkit (CLI, `{nbin}`; " +
             "; ".join(" ".join(l.split()) for l in info["nmfkit_info"].splitlines()
                       if l.lower().startswith(("nmfkit", "blas:")))[:200] +
             f"), scikit-learn {py.get('sklearn')} (NumPy {py.get('numpy')}, Python "
             f"{py.get('python')}; BLAS "
             + ", ".join(f"{b.get('internal_api')} {b.get('version')} {b.get('threading_layer')}"
                         for b in py.get("blas", [])) +
             f"), RcppML {r.get('PKG_RcppML')} and NMF {r.get('PKG_NMF')} ({r.get('R_VERSION')}; "
             f"BLAS {r.get('SESSION_BLAS') or r.get('BLAS')}).")
    pr = "; ".join(f"{t} thread{'s' if t > 1 else ''}: {p['read_bytes_per_s'] / 1e9:.1f} GB/s read, "
                   f"{p['gemm_flops_per_s_float64'] / 1e9:.0f} / {p['gemm_flops_per_s_float32'] / 1e9:.0f}"
                   " GFLOP/s GEMM (float64 / float32)" for t, p in sorted(probes.items()))
    L.append(f"Machine probe (`nmfkit_bench_probe`): {pr}.\n")
    L.append("```sh")
    L.append(args.command_line)
    L.append("```\n")
    L.append("Targets of issue 9 in this run (not a test):\n")
    for text, met in targets(results, analysis):
        L.append(f"- **{'met' if met else ('not measured' if met is None else 'missed')}"
                 f"{' (by the fastest variant)' if met else ''}**: {text}" if "by the default" in text
                 else f"- **{'met' if met else ('not measured' if met is None else 'missed')}**: {text}")
    L.append("")
    for a in analysis:
        rs = [x for x in results if x["matrix"] == a["matrix"] and x["loss"] == a["loss"]]
        err_name = "relative error" if a["loss"] == FRO else "KL divergence"
        L.append(f"**{a['desc']}, k = {a['k']}, {a['loss']}, {a['budget']} iterations**; "
                 f"best {err_name} reached {a['best']:.6g}, target (+1%) {a['target']:.6g}\n")
        L.append("| tool | iterations | s/iter | x bound | fit s | relative error | KL divergence | "
                 "min entry | to target | peak MB |")
        L.append("|---|---|---|---|---|---|---|---|---|---|")
        for x in rs:
            if "error" in x:
                why = (x["error"].splitlines() or [f"exit status {x['returncode']}"])[-1][:120]
                L.append(f"| {label(x)} | failed: {why} | | | | | | | | |")
                continue
            sc = x["score"]
            tt = fmt_s(x["time_to_target"])
            if x["time_to_target"] is not None:
                tt += f" ({x['iterations_to_target']} it)"
            xb = f"{x['x_bound']:.2f}" if "x_bound" in x else "-"
            L.append(f"| {label(x)} | {x['iterations']} | {x['s_per_iter']:.4g} | {xb} | "
                     f"{x['fit_seconds']:.3g} | {sc['relative_frobenius']:.6g} | "
                     f"{sc['kl_divergence']:.6g} | {sc['min_entry']:.3g} | {tt} | "
                     f"{x['peak_rss_mb']:.0f} |")
        if a["peers"]:
            L.append("")
            L.append("| peer | peer s | peer error | nmfkit default to peer's error + 0.1% | ratio | "
                     "fastest nmfkit (2 threads) to it | ratio | peer to its error + 0.1% | "
                     "same-threshold ratio (default / fastest) | s/iter ratio | "
                     "time-to-target ratio |")
            L.append("|---|---|---|---|---|---|---|---|---|---|---|")
            for p in a["peers"]:
                best = (f"{fmt_s(p.get('nmfkit_best'))} ({p.get('nmfkit_best_label', '')})"
                        if p.get("nmfkit_best") is not None else "never")
                L.append(f"| {p['peer']} | {p['peer_seconds']:.3g} | {p['peer_error']:.6g} | "
                         f"{fmt_s(p.get('nmfkit_default'))} | {fmt_ratio(p.get('ratio_default'))} | "
                         f"{best} | {fmt_ratio(p.get('ratio_best'))} | "
                         f"{fmt_s(p.get('peer_to_threshold'))} | "
                         f"{fmt_ratio(p.get('ratio_same_threshold'))} / "
                         f"{fmt_ratio(p.get('ratio_same_threshold_best'))} | "
                         f"{fmt_ratio(p.get('s_per_iter_ratio'))} | "
                         f"{target_ratio(p)} |")
        L.append("")
    return "\n".join(L) + "\n"


# --------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small budgets, fewer variants, no 20000 x 5000")
    ap.add_argument("--scratch", default=os.environ.get("NMFKIT_COMPARE_SCRATCH",
                                                        "/tmp/nmfkit-compare"),
                    help="matrices and run outputs (not committed)")
    ap.add_argument("--nmfkit", default=os.path.join(ROOT, "build", "cli", "nmfkit"))
    ap.add_argument("--probe", default=None, help="nmfkit_bench_probe (default: next to --nmfkit)")
    ap.add_argument("--matrices", default=None, help="comma-separated subset: digits,planted,large,docterm")
    ap.add_argument("--json", default=None, help="results JSON (default: SCRATCH/results[-quick].json)")
    ap.add_argument("--markdown", default=None, help="write the Markdown section here")
    ap.add_argument("--append-docs", action="store_true", help="append it to docs/benchmarks-history.md")
    ap.add_argument("--no-install", action="store_true")
    ap.add_argument("--from-json", default=None,
                    help="no runs: rebuild the report from a (possibly partial) results JSON")
    args = ap.parse_args()
    args.command_line = "/usr/bin/python3 bench/compare/compare.py " + " ".join(sys.argv[1:])
    os.makedirs(args.scratch, exist_ok=True)
    started = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M")
    loads = [open("/proc/loadavg").read().split(" ", 3)[:3]]
    loads[0] = " ".join(loads[0])

    def log(msg):
        print(f"[{datetime.datetime.utcnow():%H:%M:%S}] {msg}", flush=True)

    if args.from_json:
        args.no_install = True
    if not args.no_install:
        install_peers(log)
    info = tool_info(args.nmfkit) if not args.from_json else {}
    probe_bin = args.probe or os.path.join(os.path.dirname(os.path.dirname(args.nmfkit)),
                                           "bench", "nmfkit_bench_probe")
    probes = {}
    for t in (() if args.from_json else (2, 1)):
        r = sh([probe_bin, "--threads", str(t)])
        if r.returncode == 0:
            probes[t] = json.loads(r.stdout)
        else:
            log(f"probe failed: {r.stderr.strip()}")
    log(f"probe: {probes}")

    js = args.json or os.path.join(args.scratch, "results-quick.json" if args.quick else "results.json")
    os.makedirs(os.path.dirname(os.path.abspath(js)), exist_ok=True)

    def save(results, specs_done, loads):
        slim = [{k: v for k, v in r.items() if k not in ("history_objective", "history_seconds")}
                for r in results]
        with open(js + ".tmp", "w") as f:
            json.dump(dict(started=started, command=args.command_line, quick=args.quick, info=info,
                           probes=probes, loads=loads, specs=specs_done, runs=slim), f, indent=1,
                      default=str)
        os.replace(js + ".tmp", js)

    if args.from_json:
        with open(args.from_json) as f:
            d = json.load(f)
        started, info, loads, specs, results = d["started"], d["info"], d["loads"], d["specs"], d["runs"]
        probes = {int(t): p for t, p in d["probes"].items()}
        args.command_line = d["command"]
        args.quick = d["quick"]
        if len(loads) < 2:
            loads.append("(run not finished)")
    else:
        specs = matrix_specs(args.quick)
        if args.matrices:
            keep = set(args.matrices.split(","))
            specs = [s for s in specs if s["name"] in keep]
        results = []
        specs_done = []
        for spec in specs:
            data, w0, h0, V = make_matrix(spec, args.scratch, log)
            spec["sparse"] = sp.issparse(V)
            spec["shape"] = list(V.shape)
            spec["nnz"] = int(V.nnz) if sp.issparse(V) else int(V.size)
            v_norm = float(sp.linalg.norm(V)) if sp.issparse(V) else float(np.linalg.norm(V))
            runs = make_runs(spec, args.quick, (data, w0, h0))
            log(f"{spec['name']}: {V.shape}, {spec['nnz']} entries, {len(runs)} runs")
            specs_done.append(spec)
            for i, run in enumerate(runs):
                outdir = os.path.join(args.scratch, "runs", f"{spec['name']}_{i:03d}")
                shutil.rmtree(outdir, ignore_errors=True)
                res = run_one(run, outdir, args.nmfkit)
                score_run(res, V, outdir, v_norm)
                res.pop("history_objective", None)
                res.pop("history_seconds", None)
                msg = res.get("error", "").splitlines()[-1:] if "error" in res else \
                    f"{res['fit_seconds']:.3f} s, {ERR_KEY[res['loss']]} " \
                    f"{res['score'][ERR_KEY[res['loss']]]:.6g}, {res['peak_rss_mb']:.0f} MB"
                log(f"  {label(res)} {res['loss']} {res['budget']} it: {msg}")
                results.append(res)
                save(results, specs_done, loads)
            del V
        loads.append(" ".join(open("/proc/loadavg").read().split(" ", 3)[:3]))
        save(results, specs_done, loads)
        log(f"wrote {js}")
        specs = specs_done
    analysis = analyse(results, probes, specs)
    md = markdown(results, analysis, info, probes, args, started, loads, specs)
    if not args.from_json or args.json:
        with open(args.from_json or js) as f:
            d = json.load(f)
        d["analysis"] = analysis
        with open(js, "w") as f:
            json.dump(d, f, indent=1, default=str)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(md)
    if args.append_docs:
        with open(os.path.join(ROOT, "docs", "benchmarks-history.md"), "a") as f:
            f.write(md)
    print(md)


if __name__ == "__main__":
    main()
