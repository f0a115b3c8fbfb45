// Time-to-objective curves: every solver of a loss, from the same random start, on the dense
// planted matrix and the synthetic document-term matrix (bench/data.hpp). For each run it prints
// the objective reached at fixed times and the time each solver needs to come within 1%, 0.1%
// and 0.01% of the best objective any solver reached; with --csv FILE, every iteration as
// "data,loss,solver,scalar,iteration,seconds,objective" rows. The default solver of each loss
// (options.hpp) is the one that wins these curves (docs/benchmarks.md).
//
// Usage: nmfkit_bench_curves [--data dense|sparse|both] [--seconds S] [--rank K] [--threads P]
//                            [--scalar float64|float32|both] [--csv FILE] [--seed S]
//                            [--loss frobenius|kullback_leibler|both] [--cd-newton-steps N]

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <nmfkit/nmfkit.hpp>

#include "common.hpp"
#include "data.hpp"

namespace {

struct Args {
    std::string data = "both";
    double seconds = 10;
    int rank = 20, threads = 0;
    std::string scalar = "float64";
    std::string csv;
    std::string loss = "both";
    int cd_newton_steps = nmfkit::Options{}.cd_newton_steps;
    std::uint64_t seed = 1;
};

Args parse(int argc, char** argv) {
    Args a;
    nmfkit::bench::parse_flags(
        argc, argv,
        {
            {"--data", [&](const char* v) { a.data = v; }},
            {"--seconds", [&](const char* v) { a.seconds = std::atof(v); }},
            {"--rank", [&](const char* v) { a.rank = std::atoi(v); }},
            {"--threads", [&](const char* v) { a.threads = std::atoi(v); }},
            {"--scalar", [&](const char* v) { a.scalar = v; }},
            {"--csv", [&](const char* v) { a.csv = v; }},
            {"--loss", [&](const char* v) { a.loss = v; }},
            {"--cd-newton-steps", [&](const char* v) { a.cd_newton_steps = std::atoi(v); }},
            {"--seed", [&](const char* v) { a.seed = std::strtoull(v, nullptr, 10); }},
        });
    return a;
}

struct Curve {
    nmfkit::Solver solver;
    std::vector<nmfkit::IterationStats> history;
};

// Objective at time t: the last iteration finished by t (the start when none).
double objective_at(const Curve& c, double initial, double t) {
    double f = initial;
    for (const auto& s : c.history) {
        if (s.seconds > t) break;
        f = s.objective;
    }
    return f;
}

// First time the curve is within rel of target; -1 if never.
double time_to(const Curve& c, double target, double rel) {
    for (const auto& s : c.history)
        if (s.objective <= target * (1 + rel)) return s.seconds;
    return -1;
}

template <class T, class View>
void curves(const Args& a, const char* data, const View& V, nmfkit::Loss loss, std::ofstream* csv) {
    const int threads = a.threads > 0 ? a.threads : omp_get_num_procs();
    const char* scalar = std::is_same_v<T, double> ? "float64" : "float32";
    std::vector<Curve> runs;
    double initial = 0, best = 1e300;
    for (nmfkit::Solver s : nmfkit::solvers_for(loss)) {
        nmfkit::Options o;
        o.rank = a.rank;
        o.solver = s;
        o.loss = loss;
        o.max_iter = 1000000;
        o.tol = 0;
        o.time_limit = a.seconds;
        o.seed = a.seed;
        o.threads = threads;
        o.cd_newton_steps = a.cd_newton_steps;
        const nmfkit::Result<T> r = nmfkit::fit(V, o);
        initial = r.initial_objective;
        for (const auto& st : r.history) {
            best = std::min(best, st.objective);
            if (csv)
                *csv << data << ',' << nmfkit::to_string(loss) << ',' << nmfkit::to_string(s) << ','
                     << scalar << ',' << st.iteration << ',' << st.seconds << ',' << st.objective
                     << '\n';
        }
        runs.push_back({s, r.history});
    }
    std::printf(
        "\n%s, %s, %s, k = %d, %d threads, %.0f s per solver, cd_newton_steps %d; best objective "
        "%.8g\n\n",
        data, std::string(nmfkit::to_string(loss)).c_str(), scalar, a.rank, threads, a.seconds,
        a.cd_newton_steps, best);
    std::vector<double> checkpoints;
    for (double t : {0.1, 0.3, 1.0, 3.0, 10.0, 30.0})
        if (t <= a.seconds) checkpoints.push_back(t);
    std::printf("| solver | iterations | s/iter |");
    for (double t : checkpoints) std::printf(" f(%gs)/best - 1 |", t);
    std::printf(" to 1%% | to 0.1%% | to 0.01%% |\n|---|---|---|");
    for (std::size_t i = 0; i < checkpoints.size() + 3; ++i) std::printf("---|");
    std::printf("\n");
    for (const Curve& c : runs) {
        const double per_iter = c.history.empty() ? 0 : c.history.back().seconds / c.history.size();
        std::printf("| %s | %zu | %.4f |", std::string(nmfkit::to_string(c.solver)).c_str(),
                    c.history.size(), per_iter);
        for (double t : checkpoints) std::printf(" %.2e |", objective_at(c, initial, t) / best - 1);
        for (double rel : {1e-2, 1e-3, 1e-4}) {
            const double t = time_to(c, best, rel);
            if (t < 0)
                std::printf(" never |");
            else
                std::printf(" %.3g s |", t);
        }
        std::printf("\n");
        std::fflush(stdout);
    }
}

std::vector<nmfkit::Loss> losses(const Args& a) {
    if (a.loss == "both") return {nmfkit::Loss::frobenius, nmfkit::Loss::kullback_leibler};
    return {nmfkit::loss_from_string(a.loss)};
}

template <class T>
void run(const Args& a, std::ofstream* csv) {
    if (a.data == "dense" || a.data == "both") {
        const Eigen::Matrix<T, -1, -1> V =
            nmfkit::bench::planted(5000, 2000, a.rank, a.seed).cast<T>();
        std::printf("\ndense planted V: 5000 x 2000 (V = W0 H0 + 1%% noise, rank %d)\n", a.rank);
        for (nmfkit::Loss l : losses(a)) curves<T>(a, "dense", nmfkit::DenseView<T>(V), l, csv);
    }
    if (a.data == "sparse" || a.data == "both") {
        Eigen::SparseMatrix<T> V =
            nmfkit::bench::document_term(20000, 10000, 0.01, a.rank, a.seed).cast<T>();
        V.makeCompressed();
        std::printf("\nsparse document-term V: 20000 x 10000, %ld non-zeros\n",
                    static_cast<long>(V.nonZeros()));
        for (nmfkit::Loss l : losses(a)) curves<T>(a, "sparse", nmfkit::SparseView<T>(V), l, csv);
    }
}

}  // namespace

int main(int argc, char** argv) {
    const Args a = parse(argc, argv);
    const nmfkit::bench::Scalars scalars = nmfkit::bench::parse_scalars(a.scalar);
    std::ofstream file;
    if (!a.csv.empty()) {
        file.open(a.csv);
        file << "data,loss,solver,scalar,iteration,seconds,objective\n";
    }
    std::ofstream* csv = a.csv.empty() ? nullptr : &file;
    if (scalars.float64) run<double>(a, csv);
    if (scalars.float32) run<float>(a, csv);
    return 0;
}
