#!/usr/bin/python3
"""Reading AnnData .h5ad and 10x Genomics .h5 files: nmfkit (bench_hdf5_read) against h5py +
scipy.sparse building the same sparse matrix, both compressed (gzip) and uncompressed.

    /usr/bin/python3 bench/io/compare_hdf5.py BUILD_DIR [--nnz 10000000] [--dir /tmp]
        [--rounds 3] [--compression none|gzip] [--baseline OLD_TOOL] [--no-default]

Writes (once, reused afterwards) a random counts matrix of NNZ entries, cells x genes with 1000
genes per cell (cells = NNZ / 1000, genes = 30000; float32 values that are small integers, int32
indices, int64 indptr), into six files: an .h5ad with X as csr_matrix, an .h5ad with X as
csc_matrix (the same cells x genes matrix stored by genes) and a 10x .h5 (genes x cells, CSC: the
CSR file's arrays), each with gzip (level 4, Cell Ranger's choice; chunks of 2^16 entries) and
without compression. MB/s counts the bytes of the arrays as stored uncompressed (data, indices,
indptr). nmfkit reads as the command line's fits do (--as-stored: a CSR file as the CSC of its
transpose, float32 values kept float32: the same arrays scipy holds), on all cores (OpenMP) with
OMP_WAIT_POLICY=passive, as the nmfkit executables and the Python package run, and with
libgomp's default wait policy ("spinning"), and on one core; h5py on one (it reads serially).
The last column is nmfkit's read_matrix default (the CSC of the matrix, float64 values), on all
cores, passive.

Each round reads every file once with each reader, one after the other (interleaved, so that a
change in the machine's load falls on all of them); the table shows the median over the rounds
of each time and of each ratio (h5py + scipy's time over nmfkit's in the same round). Every
nmfkit read is a fresh process, every h5py read fresh arrays (the last ones freed before the
clock starts): both write into memory that the kernel has not mapped yet. --baseline adds the
same columns for another build of nmfkit_bench_hdf5_read (before/after in the same rounds)."""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[var] = "1"
import h5py  # noqa: E402
import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

GENES = 30000
PER_CELL = 1000
KINDS = {"h5ad": ".h5ad (CSR)", "h5ad_csc": ".h5ad (CSC)", "h5": "10x .h5 (CSC)"}


def file_names(d, nnz):
    names = {}
    for comp in ("gzip", "none"):
        for kind in KINDS:
            suffix = "_csc.h5ad" if kind == "h5ad_csc" else "." + kind
            names[(kind, comp)] = os.path.join(d, f"nmfkit_bench_{nnz}_{comp}{suffix}")
    return names


def write_files(d, nnz):
    cells = nnz // PER_CELL
    names = file_names(d, nnz)
    if all(os.path.exists(p) for p in names.values()):
        return names, cells
    rng = np.random.default_rng(1)
    indptr = np.arange(cells + 1, dtype=np.int64) * PER_CELL
    indices = np.empty(cells * PER_CELL, np.int32)
    for c in range(cells):  # sorted distinct genes per cell
        indices[c * PER_CELL:(c + 1) * PER_CELL] = np.sort(rng.choice(GENES, PER_CELL, replace=False))
    data = rng.geometric(0.3, size=indices.size).astype(np.float32)
    by_genes = None
    for (kind, comp), p in names.items():
        if os.path.exists(p):
            continue

        def kw(n):
            return (dict(compression="gzip", compression_opts=4, chunks=(min(n, 1 << 16),))
                    if comp == "gzip" else {})
        arrays = (data, indices, indptr)
        if kind == "h5ad_csc":
            if by_genes is None:
                by_genes = sp.csr_matrix((data, indices, indptr), shape=(cells, GENES)).tocsc()
            arrays = (by_genes.data, by_genes.indices, by_genes.indptr.astype(np.int64))
        tmp = p + ".part"
        with h5py.File(tmp, "w") as f:
            if kind.startswith("h5ad"):
                g = f.create_group("X")
                g.attrs["encoding-type"] = "csc_matrix" if kind == "h5ad_csc" else "csr_matrix"
                g.attrs["encoding-version"] = "0.1.0"
                g.attrs["shape"] = np.array([cells, GENES])
            else:  # 10x: genes x cells, CSC: the same arrays
                g = f.create_group("matrix")
                g.create_dataset("shape", data=np.array([GENES, cells], np.int32))
            for name, a in zip(("data", "indices", "indptr"), arrays):
                g.create_dataset(name, data=a, **kw(a.size))
        os.replace(tmp, p)
    return names, cells


def h5py_scipy(path, kind):
    """h5py reads the three arrays and scipy builds the stored sparse matrix (CSR for a CSR .h5ad,
    CSC otherwise); seconds, stored entries, sum of the values, processor seconds."""
    cpu = cpu_seconds()
    t = time.perf_counter()
    with h5py.File(path, "r") as f:
        g = f["matrix"] if kind == "h5" else f["X"]
        data, indices, indptr = g["data"][:], g["indices"][:], g["indptr"][:]
        if kind == "h5ad":
            M = sp.csr_matrix((data, indices, indptr), shape=tuple(g.attrs["shape"]))
        elif kind == "h5ad_csc":
            M = sp.csc_matrix((data, indices, indptr), shape=tuple(g.attrs["shape"]))
        else:
            M = sp.csc_matrix((data, indices, indptr), shape=tuple(g["shape"][:]))
    s = time.perf_counter() - t
    return s, M.nnz, float(M.data.sum(dtype=np.float64)), cpu_seconds() - cpu


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--nnz", type=int, default=10_000_000)
    ap.add_argument("--dir", default="/tmp")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--compression", choices=("none", "gzip"), help="only these files")
    ap.add_argument("--baseline", help="another build's nmfkit_bench_hdf5_read, timed beside")
    ap.add_argument("--no-default", action="store_true", help="skip read_matrix's default read")
    a = ap.parse_args()
    names, cells = write_files(a.dir, a.nnz)
    if a.compression:
        names = {k: p for k, p in names.items() if k[1] == a.compression}
    tool = os.path.join(a.build, "bench", "io", "nmfkit_bench_hdf5_read")
    stored = a.nnz * (4 + 4)  # data and indices; + indptr, whose length depends on the file
    # nmfkit on all cores, this process (h5py) on one. OpenMP's wait policy as the nmfkit
    # executables and the Python package set it (passive, docs/design.md, "Wait policy"), and
    # libgomp's default (spinning first) in a column of its own.
    all_cores = dict(os.environ)
    all_cores.pop("OMP_NUM_THREADS", None)
    spinning = dict(all_cores)
    all_cores.setdefault("OMP_WAIT_POLICY", "passive")
    spinning.pop("OMP_WAIT_POLICY", None)

    def nmfkit(exe, p, env, *extra):
        out = subprocess.run([exe, p, "1", *extra], check=True, capture_output=True, text=True,
                             env=env).stdout.split()
        return (float(out[0]), int(out[1]), float(out[2]),
                float(out[3]) if len(out) > 3 else None)

    columns = [("nmfkit", tool, all_cores), ("nmfkit 1 thread", tool, os.environ),
               ("nmfkit, spinning", tool, spinning)]
    if a.baseline:
        columns += [("baseline", a.baseline, all_cores),
                    ("baseline 1 thread", a.baseline, os.environ),
                    ("baseline, spinning", a.baseline, spinning)]
    times = {k: {c[0]: [] for c in columns} | {"h5py": [], "default": []} for k in names}
    cpus = {k: {c[0]: [] for c in columns} | {"h5py": []} for k in names}
    print(f"{a.nnz} entries, {cells} cells x {GENES} genes; h5py {h5py.__version__}, "
          f"HDF5 {h5py.version.hdf5_version}, {os.cpu_count()} cores; "
          f"load average at the start {os.getloadavg()[0]:.1f}", flush=True)
    for _ in range(a.rounds):
        for (kind, comp), p in names.items():
            t = times[(kind, comp)]
            for label, exe, env in columns:
                s, nnz, nsum, cpu = nmfkit(exe, p, env, "--as-stored")
                t[label].append(s)
                if cpu is not None:
                    cpus[(kind, comp)][label].append(cpu)
            s, pnnz, psum, cpu = h5py_scipy(p, kind)
            t["h5py"].append(s)
            cpus[(kind, comp)]["h5py"].append(cpu)
            if nnz != pnnz or abs(nsum - psum) > 1e-9 * abs(psum):
                sys.exit(f"{p}: nmfkit read {nnz} entries summing to {nsum}, h5py {pnnz} and "
                         f"{psum}")
            if not a.no_default:
                t["default"].append(nmfkit(tool, p, all_cores)[0])
    print(f"load average at the end {os.getloadavg()[0]:.1f}; medians of {a.rounds} rounds")
    labels = [c[0] for c in columns]
    print("| file | compression | size on disk (MB) | "
          + " | ".join(f"{c} (s)" for c in labels) + " | h5py + scipy (s) | MB/s nmfkit | "
          "MB/s h5py | " + " | ".join(f"ratio, {c}" for c in labels) + " | nmfkit CSC float64 (s) |")
    print("|---" * (6 + 2 * len(labels)) + "|---|")
    for (kind, comp), p in names.items():
        t = times[(kind, comp)]
        mb = (stored + 8 * ((GENES if kind == "h5ad_csc" else cells) + 1)) / 1e6
        med = {c: statistics.median(v) for c, v in t.items() if v}
        ratios = [statistics.median(h / n for h, n in zip(t["h5py"], t[c])) for c in labels]
        default = f"{med['default']:.3f}" if "default" in med else "-"
        print(f"| {KINDS[kind]} | {comp} | {os.path.getsize(p) / 1e6:.0f} | "
              + " | ".join(f"{med[c]:.3f}" for c in labels)
              + f" | {med['h5py']:.3f} | {mb / med['nmfkit']:.0f} | {mb / med['h5py']:.0f} | "
              + " | ".join(f"{r:.2f}" for r in ratios) + f" | {default} |")
    print("\nProcessor time of the same reads (user + system, all threads), medians; ratio: "
          "h5py + scipy's over nmfkit's in the same round")
    print("| file | compression | " + " | ".join(f"{c} (s)" for c in labels if cpus_of(cpus, c))
          + " | h5py + scipy (s) | "
          + " | ".join(f"ratio, {c}" for c in labels if cpus_of(cpus, c)) + " |")
    shown = [c for c in labels if cpus_of(cpus, c)]
    print("|---" * (3 + 2 * len(shown)) + "|")
    for (kind, comp), c in cpus.items():
        print(f"| {KINDS[kind]} | {comp} | "
              + " | ".join(f"{statistics.median(c[x]):.3f}" for x in shown)
              + f" | {statistics.median(c['h5py']):.3f} | "
              + " | ".join(f"{statistics.median(h / n for h, n in zip(c['h5py'], c[x])):.2f}"
                           for x in shown) + " |")


def cpus_of(cpus, label):
    return all(c[label] for c in cpus.values())


main()
