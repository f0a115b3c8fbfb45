# Usage: OUT=/tmp/extrapolation /usr/bin/python3 bench/extrapolation/make_data.py, then
# OUT=... NMFKIT=build/cli/nmfkit /usr/bin/python3 bench/extrapolation/table.py "digits.npy 10 hals frobenius 300" ...
# (one quoted "matrix k solver loss iterations" per row); docs/benchmarks.md, "Extrapolation".
# Runs nmfkit fit with --extrapolate off/on and reports iterations and seconds to within
# 1.1x / 1.01x / 1.001x of the lowest error either run found (Frobenius: relative error from the
# history's objective; KL: the divergence).
import json, subprocess, sys, os, math
import numpy as np, scipy.io
NMF = os.environ.get("NMFKIT", "build/cli/nmfkit")
D = os.environ.get("OUT", "/tmp/extrapolation")
def norm2(path):
    if path.endswith(".npy"):
        V = np.load(path); return float((V * V).sum())
    V = scipy.io.mmread(path); return float(V.multiply(V).sum())
def run(path, k, solver, loss, iters, ex, threads=2):
    rep = f"{D}/r_{os.path.basename(path)}_{solver}_{loss}_{ex}.json"
    cmd = [NMF, "fit", path, "-k", str(k), "--solver", solver, "--loss", loss, "--max-iter", str(iters),
           "--tol", "0", "--report", rep, "--extrapolate", ex, "--threads", str(threads), "--seed", "1"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(rep) as f: r = json.load(f)
    return r
def series(r, loss, n2):
    h = r["history"]
    obj = h["objective"]; sec = h["seconds"]
    rst = sum(1 for x in h.get("restarted", []) if x)
    if loss == "frobenius":
        e = [math.sqrt(max(0.0, 2 * o) / n2) for o in obj]
    else:
        e = obj
    return e, sec, rst, r.get("relative_error"), r.get("seconds")
def first(e, sec, target):
    for i, x in enumerate(e):
        if x <= target: return i + 1, sec[i]
    return None, None
cases = [l.split() for l in sys.argv[1:]]
for spec in cases:
    path, k, solver, loss, iters = spec[0], int(spec[1]), spec[2], spec[3], int(spec[4])
    path = f"{D}/{path}"
    n2 = norm2(path)
    res = {}
    for ex in ("off", "on"):
        r = run(path, k, solver, loss, iters, ex)
        res[ex] = series(r, loss, n2)
    best = min(min(res["off"][0]), min(res["on"][0]))
    cells = []
    for f in (1.1, 1.01, 1.001):
        parts = []
        for ex in ("off", "on"):
            i, s = first(res[ex][0], res[ex][1], best * f)
            parts.append("never" if i is None else f"{i} ({s:.2f} s)")
        cells.append(" → ".join(parts))
    fin = f"{res['off'][0][-1]:.6g} / {res['on'][0][-1]:.6g}"
    spi = f"{res['off'][1][-1]/iters:.4f} / {res['on'][1][-1]/iters:.4f}"
    print(f"| {os.path.basename(path)}, `{solver}`{'' if loss=='frobenius' else ' KL'} ({iters}) | {best:.6g} | {fin} | " + " | ".join(cells) + f" | {res['on'][2]} | {spi} |", flush=True)
