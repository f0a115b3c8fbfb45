// Reading time of nmfkit's HDF5 reader (read_matrix on an AnnData .h5ad or 10x .h5 file), for
// bench/io/compare_hdf5.py, which writes the files and times h5py + scipy.sparse beside it.
//
//   nmfkit_bench_hdf5_read FILE [REPEAT]
//
// Prints one line: "SECONDS NNZ SUM" (best of REPEAT reads; the stored entries and the sum of the
// values as read, so that the caller can check that both sides read the same matrix).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nmfkit/io/formats.hpp>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: nmfkit_bench_hdf5_read FILE [REPEAT]\n");
        return 2;
    }
    const int repeat = argc > 2 ? std::atoi(argv[2]) : 3;
    double best = 1e300;
    long long nnz = 0;
    double sum = 0;
    for (int r = 0; r < repeat; ++r) {
        const auto start = std::chrono::steady_clock::now();
        const nmfkit::io::LoadedMatrix M = nmfkit::io::read_matrix(argv[1]);
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        best = std::min(best, s);
        nnz = M.stored();
        sum = M.is_sparse ? M.sparse.sum() : M.dense.sum();
    }
    std::printf("%.6f %lld %.17g\n", best, nnz, sum);
    return 0;
}
