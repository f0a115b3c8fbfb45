#!/usr/bin/python3
"""Times scipy.io.mmread on FILE (best of REPEAT runs) for bench_mtx_read.cpp.
Prints one line: "seconds NNZ SUM", where NNZ and SUM are those of the matrix after converting to
CSC (duplicates summed), so the caller can check that both readers read the same matrix."""
import os
import sys
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"
import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.io  # noqa: E402


def main():
    path = sys.argv[1]
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        m = scipy.io.mmread(path)
        best = min(best, time.perf_counter() - start)
    c = m.tocsc()
    c.sum_duplicates()
    print("%.6f %d %.17g %s" % (best, c.nnz, float(np.sum(c.data)), scipy.__version__))


main()
