// Reading time of nmfkit's HDF5 reader (read_matrix on an AnnData .h5ad or 10x .h5 file), for
// bench/io/compare_hdf5.py, which writes the files and times h5py + scipy.sparse beside it.
//
//   nmfkit_bench_hdf5_read FILE [REPEAT] [--as-stored]
//
// Prints one line: "SECONDS NNZ SUM CPU" (best of REPEAT reads; the stored entries and the sum of
// the values as read, so that the caller can check that both sides read the same matrix; the
// processor time, user + system of all threads, of that read). With
// --as-stored, a csr_matrix is read as the command line's fits read it: the CSC of its transpose,
// which is the stored arrays (ReadOptions::csr_transposed), and float32 values kept float32
// (ReadOptions::float32_values); without, as read_matrix's default: the CSC of the matrix, float64.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <sys/resource.h>

#include <nmfkit/io/formats.hpp>

namespace {

/// User + system processor seconds of this process so far, all threads.
double cpu_seconds() {
    rusage r{};
    getrusage(RUSAGE_SELF, &r);
    return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
           1e-6 * static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: nmfkit_bench_hdf5_read FILE [REPEAT] [--as-stored]\n");
        return 2;
    }
    const int repeat = argc > 2 ? std::atoi(argv[2]) : 3;
    nmfkit::io::ReadOptions opt;
    opt.csr_transposed = argc > 3 && std::string(argv[3]) == "--as-stored";
    opt.float32_values = opt.csr_transposed;
    double best = 1e300;
    double best_cpu = 0;
    long long nnz = 0;
    double sum = 0;
    for (int r = 0; r < repeat; ++r) {
        const double cpu = cpu_seconds();
        const auto start = std::chrono::steady_clock::now();
        const nmfkit::io::LoadedMatrix M = nmfkit::io::read_matrix(argv[1], opt);
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (s < best) best_cpu = cpu_seconds() - cpu;
        best = std::min(best, s);
        nnz = M.stored();
        sum = !M.is_sparse ? M.dense.sum()
              : M.float32  ? M.sparse32.cast<double>().sum()
                           : M.sparse.sum();
    }
    std::printf("%.6f %lld %.17g %.6f\n", best, nnz, sum, best_cpu);
    return 0;
}
