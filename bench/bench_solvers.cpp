// Runs every supported solver x loss on a synthetic planted dense matrix and prints, as a
// Markdown table, seconds per iteration, the error reached and the threads used, next to two
// references: the measured time of the A·F products the iteration needs, done by OpenBLAS (two
// for Frobenius, four for KL and β; nmfkit's own dense kernels beat it in AVX-512 builds, so
// this ratio can be below 1), and the machine-limit probe's bound
// max(2·bytes(V)/bandwidth, 4·m·n·k/peak) (bench/common.hpp), whose figures follow the table.
//
// Usage: nmfkit_bench_solvers [--rows M] [--cols N] [--rank K] [--iters T] [--threads P]
//                             [--scalar float64|float32|both] [--seed S]
//                             [--only SOLVER/LOSS[,SOLVER/LOSS...]]
//                             [--extrapolation on|off|default]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include <omp.h>

#include <nmfkit/nmfkit.hpp>

#include "common.hpp"
#include "extrapolation_flag.hpp"
#include "data.hpp"

namespace {

struct Args {
    Eigen::Index rows = 5000, cols = 2000;
    int rank = 20, iters = 100, threads = 0;
    std::string scalar = "both";
    std::uint64_t seed = 1;
    std::optional<nmfkit::Extrapolation> extrapolation;  // --extrapolation; unset: the registry's
    std::string only;  // "solver/loss,..." (e.g. mu/frobenius,hals/frobenius): those rows only
};

Args parse(int argc, char** argv) {
    Args a;
    nmfkit::bench::parse_flags(
        argc, argv,
        {
            {"--rows", [&](const char* v) { a.rows = std::atol(v); }},
            {"--cols", [&](const char* v) { a.cols = std::atol(v); }},
            {"--rank", [&](const char* v) { a.rank = std::atoi(v); }},
            {"--iters", [&](const char* v) { a.iters = std::atoi(v); }},
            {"--threads", [&](const char* v) { a.threads = std::atoi(v); }},
            {"--scalar", [&](const char* v) { a.scalar = v; }},
            {"--seed", [&](const char* v) { a.seed = std::strtoull(v, nullptr, 10); }},
            {"--only", [&](const char* v) { a.only = v; }},
            {"--extrapolation",
             [&](const char* v) { a.extrapolation = nmfkit::bench::extrapolation_flag(v); }},
        });
    return a;
}

// Seconds for out = A F with A (m x n) and F (n x k), the dominant product of an iteration.
template <class T>
double gemm_seconds(const Eigen::Matrix<T, -1, -1>& A, int k, int threads) {
    omp_set_num_threads(threads);
    const Eigen::Matrix<T, -1, -1> F = Eigen::Matrix<T, -1, -1>::Ones(A.cols(), k);
    Eigen::Matrix<T, -1, -1> out(A.rows(), k);
    double best = 1e300;
    for (int rep = 0; rep < 5; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        out.noalias() = A * F;
        best = std::min(
            best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return best;
}

/// Runs every solver and loss in T; returns the probe's line, printed after the table.
template <class T>
std::string run(const Args& a, const Eigen::MatrixXd& Vd) {
    const Eigen::Matrix<T, -1, -1> V = Vd.cast<T>();
    const int threads = a.threads > 0 ? a.threads : omp_get_num_procs();
    const char* scalar = std::is_same_v<T, double> ? "float64" : "float32";
    // Frobenius iterations need A·Ht and Aᵀ·W; a KL iteration needs four m x n x k products
    // (two passes over A, each forming a slice of WH and multiplying the ratio by a factor).
    const double t_product = gemm_seconds(V, a.rank, threads);
    const auto lim = nmfkit::bench::probe<T>(threads);
    const double nnz = static_cast<double>(V.size());
    const double probe_bound = lim.iteration_bound(nnz * sizeof(T), nnz, a.rank);
    for (nmfkit::Loss l : nmfkit::all_losses())
        for (nmfkit::Solver s : nmfkit::solvers_for(l)) {
            const std::string name =
                std::string(nmfkit::to_string(s)) + "/" + std::string(nmfkit::to_string(l));
            if (!a.only.empty() && ("," + a.only + ",").find("," + name + ",") == std::string::npos)
                continue;
            nmfkit::Options o;
            o.rank = a.rank;
            o.solver = s;
            o.loss = l;
            o.max_iter = a.iters;
            o.tol = 0;
            o.seed = a.seed;
            nmfkit::bench::apply_extrapolation(o, a.extrapolation);
            o.threads = threads;
            const nmfkit::Result<T> r = nmfkit::fit(nmfkit::DenseView<T>(V), o);
            const double per_iter = r.history.back().seconds / r.iterations;
            const double bound = (l == nmfkit::Loss::frobenius ? 2 : 4) * t_product;
            std::printf("| %s | %s | %s | %d | %d | %.4f | %.2f | %.2f | %.6f | %.6g |\n",
                        std::string(nmfkit::to_string(s)).c_str(),
                        std::string(nmfkit::to_string(l)).c_str(), scalar, r.threads, r.iterations,
                        per_iter, per_iter / bound, per_iter / probe_bound, r.relative_error,
                        r.objective);
            std::fflush(stdout);
        }
    char line[256];
    std::snprintf(line, sizeof line,
                  "%s: probe %.1f GB/s read (%s vectors), %.1f GFLOP/s GEMM, %d threads; machine "
                  "bound %.4f s/iter; OpenBLAS's A·F %.4f s\n",
                  scalar, lim.read_bytes_per_s / 1e9, nmfkit::bench::probe_isa(),
                  lim.flops_per_s / 1e9, threads, probe_bound, t_product);
    return line;
}

}  // namespace

int main(int argc, char** argv) {
    const Args a = parse(argc, argv);
    const nmfkit::bench::Scalars scalars = nmfkit::bench::parse_scalars(a.scalar);
    std::printf("planted dense V: %ld x %ld, k = %d, %d iterations (tol = 0), seed %llu\n\n",
                static_cast<long>(a.rows), static_cast<long>(a.cols), a.rank, a.iters,
                static_cast<unsigned long long>(a.seed));
    std::printf(
        "| solver | loss | scalar | threads | iterations | s/iter | x OpenBLAS products | "
        "x machine bound | relative error | objective |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
    const Eigen::MatrixXd V = nmfkit::bench::planted(a.rows, a.cols, a.rank, a.seed);
    std::string probes;
    if (scalars.float64) probes += run<double>(a, V);
    if (scalars.float32) probes += run<float>(a, V);
    std::printf("\n%s", probes.c_str());
    return 0;
}
