// Kernel micro-benchmarks (Google Benchmark): sparse x dense in both orientations (gather over
// CSC and CSR, scatter for the low-memory mode) and the fused KL kernel, on a random sparse
// matrix; dense x skinny in both orientations against OpenBLAS; achieved GB/s (matrix bytes
// streamed) and GFLOP/s.
//
// Usage: nmfkit_bench_kernels [--benchmark_filter=...]   (k is the benchmark argument)

#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "linalg/kernels.hpp"
#include "loss/kl.hpp"

namespace {

using nmfkit::Matrix;
using nmfkit::detail::Compressed;

constexpr Eigen::Index kRows = 20000, kCols = 10000, kPerColumn = 200;  // 2M non-zeros, 1%

template <class T>
struct Fixture {
    std::vector<int> col_ptr, row_index, row_ptr, col_index;
    std::vector<T> values, row_values;
    Compressed<T, int> csc, csr;

    Fixture() {
        std::mt19937_64 gen(7);
        std::uniform_int_distribution<Eigen::Index> row(0, kRows - 1);
        col_ptr.resize(kCols + 1);
        for (Eigen::Index j = 0; j < kCols; ++j) {
            col_ptr[static_cast<std::size_t>(j)] = static_cast<int>(j * kPerColumn);
            const Eigen::Index start = row(gen);
            for (Eigen::Index t = 0; t < kPerColumn; ++t) {
                row_index.push_back(static_cast<int>((start + t * 7919) % kRows));
                values.push_back(static_cast<T>(1 + t % 3));
            }
        }
        col_ptr[kCols] = static_cast<int>(values.size());
        // CSR by counting sort.
        row_ptr.assign(kRows + 1, 0);
        for (int i : row_index) ++row_ptr[static_cast<std::size_t>(i) + 1];
        for (std::size_t i = 0; i < static_cast<std::size_t>(kRows); ++i)
            row_ptr[i + 1] += row_ptr[i];
        std::vector<int> next(row_ptr.begin(), row_ptr.end() - 1);
        col_index.resize(values.size());
        row_values.resize(values.size());
        for (Eigen::Index j = 0; j < kCols; ++j)
            for (int p = col_ptr[static_cast<std::size_t>(j)];
                 p < col_ptr[static_cast<std::size_t>(j) + 1]; ++p) {
                const int q =
                    next[static_cast<std::size_t>(row_index[static_cast<std::size_t>(p)])]++;
                col_index[static_cast<std::size_t>(q)] = static_cast<int>(j);
                row_values[static_cast<std::size_t>(q)] = values[static_cast<std::size_t>(p)];
            }
        csc = {kCols, kRows, col_ptr.data(), row_index.data(), values.data()};
        csr = {kRows, kCols, row_ptr.data(), col_index.data(), row_values.data()};
    }
    double matrix_bytes() const {
        return static_cast<double>(values.size()) * (sizeof(T) + sizeof(int));
    }
    double nnz() const { return static_cast<double>(values.size()); }
};

template <class T>
const Fixture<T>& fixture() {
    static const Fixture<T> f;
    return f;
}

template <class T>
void report(benchmark::State& state, double bytes, double flops) {
    state.counters["GFLOP/s"] =
        benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["GB/s"] =
        benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

// Aᵀ F over CSC: out (k x n) gathers F's rows (k x m).
template <class T>
void BM_gather_csc(benchmark::State& state) {
    const auto& f = fixture<T>();
    const Eigen::Index k = state.range(0);
    const nmfkit::detail::Columns<T> Ft(Matrix<T>(Matrix<T>::Random(kRows, k).cwiseAbs()));
    Matrix<T> out;
    for (auto _ : state) {
        nmfkit::detail::gather(f.csc, Ft, out);
        benchmark::DoNotOptimize(out.data());
    }
    report<T>(state, f.matrix_bytes(), 2 * f.nnz() * static_cast<double>(k));
}

// A F over CSR: out (k x m) gathers F's rows (k x n).
template <class T>
void BM_gather_csr(benchmark::State& state) {
    const auto& f = fixture<T>();
    const Eigen::Index k = state.range(0);
    const nmfkit::detail::Columns<T> Ft(Matrix<T>(Matrix<T>::Random(kCols, k).cwiseAbs()));
    Matrix<T> out;
    for (auto _ : state) {
        nmfkit::detail::gather(f.csr, Ft, out);
        benchmark::DoNotOptimize(out.data());
    }
    report<T>(state, f.matrix_bytes(), 2 * f.nnz() * static_cast<double>(k));
}

// A F from CSC (low-memory mode): scatter into per-thread buffers.
template <class T>
void BM_scatter_csc(benchmark::State& state) {
    const auto& f = fixture<T>();
    const Eigen::Index k = state.range(0);
    const nmfkit::detail::Columns<T> Ft(Matrix<T>(Matrix<T>::Random(kCols, k).cwiseAbs()));
    Matrix<T> out;
    for (auto _ : state) {
        nmfkit::detail::scatter(f.csc, Ft, out);
        benchmark::DoNotOptimize(out.data());
    }
    report<T>(state, f.matrix_bytes(), 2 * f.nnz() * static_cast<double>(k));
}

// The sampled gather with the KL policy for the H update: ratio at each stored entry, then
// multiply; with the second argument 1, also the divergence from the same WH (the objective pass
// of an iteration).
template <class T>
void BM_kl_gather_csc(benchmark::State& state) {
    const auto& f = fixture<T>();
    const Eigen::Index k = state.range(0);
    const nmfkit::detail::Columns<T> Wt(Matrix<T>(Matrix<T>::Random(kRows, k).cwiseAbs()));
    const nmfkit::detail::Columns<T> Htt(Matrix<T>(Matrix<T>::Random(kCols, k).cwiseAbs()));
    Matrix<T> out;
    for (auto _ : state) {
        benchmark::DoNotOptimize(nmfkit::detail::sampled_gather(
            f.csc, Htt, Wt, nmfkit::detail::KullbackLeibler<T>{T(1e-30)}, out,
            state.range(1) != 0));
        benchmark::DoNotOptimize(out.data());
    }
    report<T>(state, f.matrix_bytes(), 4 * f.nnz() * static_cast<double>(k));
}

// Dense products with a skinny factor on a 5000 x 2000 matrix (80 MB in double, more than the
// caches): the streaming kernels (linalg/dense_kernels.hpp, of the active target) and, with the second argument 1,
// OpenBLAS's GEMM through Eigen for the same product. GB/s counts A's bytes once.
constexpr Eigen::Index kDenseRows = 5000, kDenseCols = 2000;

template <class T>
const Matrix<T>& dense_matrix() {
    static const Matrix<T> A = Matrix<T>::Random(kDenseRows, kDenseCols).cwiseAbs();
    return A;
}

template <class T>
void dense_report(benchmark::State& state, Eigen::Index k) {
    report<T>(state, static_cast<double>(kDenseRows * kDenseCols * sizeof(T)),
              2.0 * kDenseRows * kDenseCols * static_cast<double>(k));
}

// A F (m x k) for F (n x k).
template <class T>
void BM_dense_times(benchmark::State& state) {
    const Matrix<T>& A = dense_matrix<T>();
    const Eigen::Index k = state.range(0);
    const Matrix<T> F = Matrix<T>::Random(kDenseCols, k).cwiseAbs();
    Matrix<T> out;
    for (auto _ : state) {
        if (state.range(1) != 0)
            out.noalias() = A * F;
        else
            nmfkit::detail::dense_times(A.data(), A.rows(), A.cols(), A.rows(), F, out);
        benchmark::DoNotOptimize(out.data());
    }
    dense_report<T>(state, k);
}

// Aᵀ F (n x k) for F (m x k).
template <class T>
void BM_dense_transpose_times(benchmark::State& state) {
    const Matrix<T>& A = dense_matrix<T>();
    const Eigen::Index k = state.range(0);
    const Matrix<T> F = Matrix<T>::Random(kDenseRows, k).cwiseAbs();
    Matrix<T> out;
    for (auto _ : state) {
        if (state.range(1) != 0)
            out.noalias() = A.transpose() * F;
        else
            nmfkit::detail::dense_transpose_times(A.data(), A.rows(), A.cols(), A.rows(), F, out);
        benchmark::DoNotOptimize(out.data());
    }
    dense_report<T>(state, k);
}

BENCHMARK_TEMPLATE(BM_gather_csc, double)->Arg(10)->Arg(20)->Arg(50)->UseRealTime();
BENCHMARK_TEMPLATE(BM_gather_csr, double)->Arg(10)->Arg(20)->Arg(50)->UseRealTime();
BENCHMARK_TEMPLATE(BM_scatter_csc, double)->Arg(20)->UseRealTime();
BENCHMARK_TEMPLATE(BM_kl_gather_csc, double)
    ->Args({10, 0})
    ->Args({20, 0})
    ->Args({50, 0})
    ->Args({20, 1})
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_gather_csc, float)->Arg(20)->UseRealTime();
BENCHMARK_TEMPLATE(BM_kl_gather_csc, float)->Args({20, 0})->Args({20, 1})->UseRealTime();
BENCHMARK_TEMPLATE(BM_dense_times, double)
    ->Args({10, 0})
    ->Args({10, 1})
    ->Args({20, 0})
    ->Args({20, 1})
    ->Args({50, 0})
    ->Args({50, 1})
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_dense_transpose_times, double)
    ->Args({10, 0})
    ->Args({10, 1})
    ->Args({20, 0})
    ->Args({20, 1})
    ->Args({50, 0})
    ->Args({50, 1})
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_dense_times, float)->Args({20, 0})->Args({20, 1})->UseRealTime();
BENCHMARK_TEMPLATE(BM_dense_transpose_times, float)->Args({20, 0})->Args({20, 1})->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
