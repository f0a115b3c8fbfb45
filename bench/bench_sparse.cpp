// End-to-end on a synthetic document-term-like sparse matrix: every solver x loss, float32 and
// float64, with seconds per iteration next to the machine's lower bound (bench/common.hpp), the
// error reached and peak memory. Markdown table on stdout.
//
// Usage: nmfkit_bench_sparse [--rows M] [--cols N] [--density D] [--rank K] [--iters T]
//                            [--threads P] [--low-memory 0|1] [--seed S] [--only SOLVER/LOSS]
//                            [--scalar float64|float32|both] [--extrapolation on|off|default]

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <nmfkit/nmfkit.hpp>

#include "common.hpp"
#include "extrapolation_flag.hpp"
#include "data.hpp"

namespace {

struct Args {
    Eigen::Index rows = 20000, cols = 10000;
    double density = 0.01;
    int rank = 20, iters = 50, threads = 0;
    bool low_memory = false;
    std::uint64_t seed = 1;
    std::optional<nmfkit::Extrapolation> extrapolation;  // --extrapolation; unset: the registry's
    std::string only;             // "solver/loss" (e.g. mu/frobenius): that row only
    std::string scalar = "both";  // float64 or float32: that table only
};

Args parse(int argc, char** argv) {
    Args a;
    nmfkit::bench::parse_flags(
        argc, argv,
        {
            {"--rows", [&](const char* v) { a.rows = std::atol(v); }},
            {"--cols", [&](const char* v) { a.cols = std::atol(v); }},
            {"--density", [&](const char* v) { a.density = std::atof(v); }},
            {"--rank", [&](const char* v) { a.rank = std::atoi(v); }},
            {"--iters", [&](const char* v) { a.iters = std::atoi(v); }},
            {"--threads", [&](const char* v) { a.threads = std::atoi(v); }},
            {"--low-memory", [&](const char* v) { a.low_memory = std::atoi(v) != 0; }},
            {"--seed", [&](const char* v) { a.seed = std::strtoull(v, nullptr, 10); }},
            {"--only", [&](const char* v) { a.only = v; }},
            {"--extrapolation",
             [&](const char* v) { a.extrapolation = nmfkit::bench::extrapolation_flag(v); }},
            {"--scalar", [&](const char* v) { a.scalar = v; }},
        });
    return a;
}

double peak_rss_mb() {
    rusage r{};
    getrusage(RUSAGE_SELF, &r);
    return static_cast<double>(r.ru_maxrss) / 1024.0;
}

template <class T>
void run(const Args& a, const Eigen::SparseMatrix<double>& Vd) {
    Eigen::SparseMatrix<T> V = Vd.cast<T>();
    V.makeCompressed();
    const int threads = a.threads > 0 ? a.threads : omp_get_num_procs();
    const auto lim = nmfkit::bench::probe<T>(threads);
    const double nnz = static_cast<double>(V.nonZeros());
    const double bytes =
        nnz * (sizeof(T) + sizeof(int)) + static_cast<double>(V.cols() + 1) * sizeof(int);
    const double bound = lim.iteration_bound(bytes, nnz, a.rank);
    const char* scalar = std::is_same_v<T, double> ? "float64" : "float32";
    // The factor rows the two products fetch: Ht's rows at the column index of each entry of a row
    // of V (A·Ht over the rows), W's rows at the row index of each entry of a column (Aᵀ·W).
    double reads = 0;
    {
        Eigen::SparseMatrix<T, Eigen::RowMajor> Vr = V;
        Vr.makeCompressed();
        reads = nmfkit::bench::factor_read_seconds<T>(Vr.outerIndexPtr(), Vr.innerIndexPtr(),
                                                      V.rows(), V.cols(), a.rank, threads) +
                nmfkit::bench::factor_read_seconds<T>(V.outerIndexPtr(), V.innerIndexPtr(),
                                                      V.cols(), V.rows(), a.rank, threads);
    }
    std::printf(
        "\n%s: probe (%s vectors) %.1f GB/s read, %.1f GFLOP/s GEMM, %d threads; bound %.4f "
        "s/iter; reading the factor rows both products fetch (no arithmetic) %.4f s\n\n",
        scalar, nmfkit::bench::probe_isa(), lim.read_bytes_per_s / 1e9, lim.flops_per_s / 1e9,
        threads, bound, reads);
    std::printf(
        "| solver | loss | scalar | threads | s/iter | x bound | x reads | relative error | "
        "objective | peak MB |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
    for (nmfkit::Loss l : nmfkit::all_losses())
        for (nmfkit::Solver s : nmfkit::solvers_for(l)) {
            // Itakura-Saito needs V > 0; the other β losses touch every entry of WH (O(mnk)).
            if (l == nmfkit::Loss::itakura_saito || l == nmfkit::Loss::beta) continue;
            if (!a.only.empty() && a.only != std::string(nmfkit::to_string(s)) + "/" +
                                                 std::string(nmfkit::to_string(l)))
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
            o.low_memory = a.low_memory;
            nmfkit::Result<T> r;
            try {
                r = nmfkit::fit(nmfkit::SparseView<T>(V), o);
            } catch (const nmfkit::InvalidInput& e) {  // e.g. a solver that low_memory refuses
                std::printf("| %s | %s | %s | %d | refused: %s ||||||\n",
                            std::string(nmfkit::to_string(s)).c_str(),
                            std::string(nmfkit::to_string(l)).c_str(), scalar, threads, e.what());
                continue;
            }
            const double per_iter = r.history.back().seconds / r.iterations;
            std::printf("| %s | %s | %s | %d | %.4f | %.2f | %.2f | %.6f | %.6g | %.0f |\n",
                        std::string(nmfkit::to_string(s)).c_str(),
                        std::string(nmfkit::to_string(l)).c_str(), scalar, r.threads, per_iter,
                        per_iter / bound, per_iter / reads, r.relative_error, r.objective,
                        peak_rss_mb());
            std::fflush(stdout);
        }
}

}  // namespace

int main(int argc, char** argv) {
    const Args a = parse(argc, argv);
    const nmfkit::bench::Scalars scalars = nmfkit::bench::parse_scalars(a.scalar);
    const Eigen::SparseMatrix<double> V =
        nmfkit::bench::document_term(a.rows, a.cols, a.density, a.rank, a.seed);
    std::printf(
        "document-term V: %ld x %ld, %ld non-zeros (%.2f%%), k = %d, %d iterations (tol = 0)%s\n",
        static_cast<long>(V.rows()), static_cast<long>(V.cols()), static_cast<long>(V.nonZeros()),
        100.0 * static_cast<double>(V.nonZeros()) /
            (static_cast<double>(V.rows()) * static_cast<double>(V.cols())),
        a.rank, a.iters, a.low_memory ? ", low_memory" : "");
    if (scalars.float64) run<double>(a, V);
    if (scalars.float32) run<float>(a, V);
    return 0;
}
