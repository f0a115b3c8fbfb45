#!/usr/bin/python3
"""Strong scaling of nmfkit-mpi next to the serial library (docs/benchmarks.md, "Distributed").

For the synthetic document-term matrix (20000 x 10000, ~1% Poisson counts, k = 20) and a dense
planted matrix (5000 x 2000, k = 20), runs `nmfkit-mpi fit` with P = 1, 2 and 4 processes (4
oversubscribes a 2-core machine: marked as such) and the serial `nmfkit fit` with 1 and 2 threads,
the same seed, random start and iteration count; prints seconds per iteration, the error reached,
the per-phase costs (max over ranks, per iteration) and the words moved per iteration against
HPC-NMF's model, then projects one iteration on 64 and 1024 ranks for a 10^9-non-zero matrix.

    /usr/bin/python3 bench/mpi/scaling.py [--build build] [--iters 30] [--out results.json]
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "compare"))
from compare import doc_term, planted, write_mtx  # noqa: E402  (the comparison's generators)

ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMP_NUM_THREADS="1")
PHASES = ["local_product", "gram", "all_gather", "reduce_scatter", "all_reduce"]


def run_mpi(build, path, P, k, iters, solver, loss, out):
    report = os.path.join(out, f"mpi_{P}.json")
    cmd = ["mpiexec", "--oversubscribe", "-n", str(P), f"{build}/cli/nmfkit-mpi", "fit", path,
           "-k", str(k), "--max-iter", str(iters), "--tol", "0", "--seed", "1", "--init", "random",
           "--solver", solver, "--loss", loss, "--report", report, "--quiet"]
    subprocess.run(cmd, check=True, env=ENV)
    return json.load(open(report))


def run_serial(build, path, threads, k, iters, solver, loss, out):
    report = os.path.join(out, f"serial_{threads}.json")
    cmd = [f"{build}/cli/nmfkit", "fit", path, "-k", str(k), "--max-iter", str(iters), "--tol", "0",
           "--seed", "1", "--init", "random", "--solver", solver, "--loss", loss,
           "--threads", str(threads), "--report", report, "--quiet"]
    subprocess.run(cmd, check=True, env=dict(ENV, OMP_NUM_THREADS=str(threads)))
    return json.load(open(report))


def scaling(build, name, path, k, iters, solver, loss, out):
    rows = []
    for threads in (1, 2):
        r = run_serial(build, path, threads, k, iters, solver, loss, out)
        rows.append(dict(run=f"serial, {threads} thread{'s' if threads > 1 else ''}",
                         per_iter=r["seconds"] / r["iterations"], error=r["relative_error"]))
    mpi = {}
    for P in (1, 2, 4):
        r = run_mpi(build, path, P, k, iters, solver, loss, out)
        mpi[P] = r
        rows.append(dict(run=f"nmfkit-mpi P = {P} ({r['grid']['pr']}x{r['grid']['pc']})"
                         + (", oversubscribed" if P > os.cpu_count() else ""),
                         per_iter=r["seconds"]["per_iteration"], error=r["result"]["relative_error"],
                         phases={p: r["phases"][p]["max_seconds_per_iteration"] for p in PHASES},
                         words=r["words_per_iteration_all_ranks"]))
    return dict(name=name, k=k, iters=iters, solver=solver, loss=loss, rows=rows, reports=mpi)


def markdown(res):
    lines = [f"**{res['name']}**, k = {res['k']}, {res['solver']}/{res['loss']}, "
             f"{res['iters']} iterations from the same random start:", "",
             "| run | s / iteration | speed-up vs serial 1 thread | relative error | "
             + " | ".join(p.replace("_", " ") for p in PHASES) + " | words / iteration (measured / model) |",
             "|---|---|---|---|" + "---|" * len(PHASES) + "---|"]
    base = res["rows"][0]["per_iter"]
    for r in res["rows"]:
        ph = " | ".join(f"{r['phases'][p] * 1e3:.2f} ms" for p in PHASES) if "phases" in r else \
            " | ".join("" for _ in PHASES)
        words = ""
        if "words" in r:
            w = r["words"]
            measured = sum(v["measured"] for v in w.values())
            model = sum(v["model"] for v in w.values())
            words = f"{measured:.3g} / {model:.3g}"
        lines.append(f"| {r['run']} | {r['per_iter']:.4f} | {base / r['per_iter']:.2f}x | "
                     f"{r['error']:.6f} | {ph} | {words} |")
    return "\n".join(lines)


def projection(res, m, n, nnz, k, ranks_list, bandwidth, latency):
    """One iteration on P ranks: local work scaled from the P = 1 run's per-phase rates, words from
    the model over a network of `bandwidth` bytes/s per rank and `latency` s per message stage."""
    r1 = res["reports"][1]
    nnz1, k1 = r1["input"]["stored"], r1["options"]["rank"]
    m1, n1 = r1["input"]["rows"], r1["input"]["cols"]
    product_rate = 4 * nnz1 * k1 / max(1e-12, r1["phases"]["local_product"]["max_seconds_per_iteration"])
    gram_rate = 2 * (m1 + n1) * k1 * k1 / max(1e-12, r1["phases"]["gram"]["max_seconds_per_iteration"])
    per_iter_1 = r1["seconds"]["per_iteration"]
    other_rate = (m1 + n1) * k1 * k1 / max(1e-12, per_iter_1 - sum(
        r1["phases"][p]["max_seconds_per_iteration"] for p in PHASES))
    out = []
    for P in ranks_list:
        # the grid nmfkit-mpi chooses (include/nmfkit/mpi/grid.hpp, choose_grid): fewest words of the model
        pr = min((r for r in range(1, P + 1) if P % r == 0),
                 key=lambda r: (m * (P // r - 1) + n * (r - 1), r))
        pc = P // pr
        t_product = 4 * nnz * k / P / product_rate
        t_gram = 2 * (m + n) / P * k * k / gram_rate
        t_update = (m + n) / P * k * k / other_rate
        words = k * (m / pr * (pc - 1) / pc + n / pc * (pr - 1) / pr)  # per rank, per collective pair
        t_comm = 2 * words * 8 / bandwidth + 2 * (math.log2(pc) + math.log2(pr)) * latency \
            + 2 * math.log2(P) * latency + 2 * k * k * 8 / bandwidth
        out.append(dict(P=P, grid=f"{pr}x{pc}", product=t_product, gram=t_gram, update=t_update,
                        comm=t_comm, total=t_product + t_gram + t_update + t_comm))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--iters", type=int, default=30)
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="nmfkit-mpi-bench-")
    print(f"machine: {os.cpu_count()} cores; load before: {os.getloadavg()}", flush=True)
    docterm = os.path.join(tmp, "docterm.mtx")
    write_mtx(docterm, doc_term(20000, 10000, 20, 0.01, seed=3))
    dense = os.path.join(tmp, "planted.npy")
    np.save(dense, np.asfortranarray(planted(5000, 2000, 20, seed=1)))
    results = [scaling(a.build, "document-term 20000 x 10000 (sparse, ~1%)", docterm, 20, a.iters,
                       "hals", "frobenius", tmp),
               scaling(a.build, "document-term 20000 x 10000 (sparse, ~1%)", docterm, 20, a.iters,
                       "mu", "kullback_leibler", tmp),
               scaling(a.build, "dense planted 5000 x 2000", dense, 20, a.iters, "hals", "frobenius", tmp)]
    for res in results:
        print(markdown(res), "\n", flush=True)
    # 10^9 non-zeros: 10^7 x 10^6 at 1e-4 density (a large single-cell or text corpus), k = 20.
    proj = projection(results[0], 1e7, 1e6, 1e9, 20, [64, 1024], bandwidth=12.5e9, latency=2e-6)
    print("projection, 10^9 non-zeros (10^7 x 10^6), k = 20, hals/frobenius, 12.5 GB/s and 2 us "
          "per message stage per rank:")
    print("| ranks | grid | local product | Gram | update | communication | s / iteration |")
    print("|---|---|---|---|---|---|---|")
    for p in proj:
        print(f"| {p['P']} | {p['grid']} | {p['product']:.3f} | {p['gram']:.4f} | {p['update']:.4f} | "
              f"{p['comm']:.4f} | {p['total']:.3f} |")
    print(f"load after: {os.getloadavg()}")
    if a.out:
        with open(a.out, "w") as f:
            json.dump(dict(results=[{k: v for k, v in r.items() if k != "reports"} for r in results],
                           projection=proj), f, indent=1)


if __name__ == "__main__":
    main()
