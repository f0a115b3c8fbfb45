// The rank survey, timed (docs/benchmarks.md, "Rank survey"): nmfkit's survey (k = 2..10, 20
// restarts, 3 cross-validation splits) on the synthetic sparse document-term matrix of
// bench/data.hpp, and on a small dense matrix that it also writes as CSV for R's NMF package
// (bench/rank/nmf_estimate_rank.R; bench/rank/run.sh runs both in one go). Markdown on stdout.
//
// Usage: nmfkit_bench_rank [--rows M] [--cols N] [--density D] [--topics K] [--dense-rows M]
//                          [--dense-cols N] [--restarts R] [--cv-splits S] [--threads P]
//                          [--dense-csv FILE]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <nmfkit/nmfkit.hpp>
#include <nmfkit/select.hpp>

#include "../common.hpp"
#include "../data.hpp"

namespace {

struct Args {
    Eigen::Index rows = 5000, cols = 2000;  // words x documents
    double density = 0.01;
    int topics = 6;
    Eigen::Index dense_rows = 300, dense_cols = 60;
    int restarts = 20, cv_splits = 3, threads = 0;
    std::string dense_csv = "rank_dense.csv";
};

Args parse(int argc, char** argv) {
    Args a;
    nmfkit::bench::parse_flags(
        argc, argv,
        {
            {"--rows", [&](const char* v) { a.rows = std::atol(v); }},
            {"--cols", [&](const char* v) { a.cols = std::atol(v); }},
            {"--density", [&](const char* v) { a.density = std::atof(v); }},
            {"--topics", [&](const char* v) { a.topics = std::atoi(v); }},
            {"--dense-rows", [&](const char* v) { a.dense_rows = std::atol(v); }},
            {"--dense-cols", [&](const char* v) { a.dense_cols = std::atol(v); }},
            {"--restarts", [&](const char* v) { a.restarts = std::atoi(v); }},
            {"--cv-splits", [&](const char* v) { a.cv_splits = std::atoi(v); }},
            {"--threads", [&](const char* v) { a.threads = std::atoi(v); }},
            {"--dense-csv", [&](const char* v) { a.dense_csv = v; }},
        });
    return a;
}

template <class View>
void survey_row(const char* data, const View& V, const Args& a, nmfkit::Solver solver,
                int cv_splits) {
    nmfkit::SurveyOptions s;
    for (int k = 2; k <= 10; ++k) s.ranks.push_back(k);
    s.restarts = a.restarts;
    s.cv_splits = cv_splits;
    s.fit.solver = solver;
    s.fit.seed = 1;
    s.fit.threads = a.threads;
    const nmfkit::Survey r = nmfkit::survey(V, s);
    std::string coph;
    for (const auto& st : r.ranks) {
        char value[16];
        std::snprintf(value, sizeof value, coph.empty() ? "%.3f" : " %.3f", st.cophenetic);
        coph += value;
    }
    std::printf("| %s | %s | %d | %.2f | %d (%s) | %s |\n", data,
                std::string(nmfkit::to_string(solver)).c_str(), cv_splits, r.seconds,
                r.suggested_rank, r.rule.c_str(), coph.c_str());
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    const Args a = parse(argc, argv);
    const Eigen::SparseMatrix<double> docs =
        nmfkit::bench::document_term(a.rows, a.cols, a.density, a.topics, 1);
    // The dense matrix: a document-term matrix small enough for R, stored dense, without its
    // empty rows (words never drawn), which R's NMF refuses.
    const Eigen::MatrixXd drawn =
        Eigen::MatrixXd(nmfkit::bench::document_term(a.dense_rows, a.dense_cols, 0.2, a.topics, 2));
    std::vector<Eigen::Index> used;
    for (Eigen::Index i = 0; i < drawn.rows(); ++i)
        if (drawn.row(i).sum() > 0) used.push_back(i);
    Eigen::MatrixXd small(static_cast<Eigen::Index>(used.size()), drawn.cols());
    for (std::size_t r = 0; r < used.size(); ++r)
        small.row(static_cast<Eigen::Index>(r)) = drawn.row(used[r]);
    {
        std::ofstream out(a.dense_csv);
        out.precision(17);
        for (Eigen::Index i = 0; i < small.rows(); ++i)
            for (Eigen::Index j = 0; j < small.cols(); ++j)
                out << small(i, j) << (j + 1 < small.cols() ? "," : "\n");
    }
    std::printf("k = 2..10, %d restarts per k, seeds 1.., max_iter 200, tol 1e-4, %d threads\n\n",
                a.restarts, a.threads > 0 ? a.threads : omp_get_num_procs());
    std::printf(
        "| data | solver | CV splits | seconds | suggested k (rule) | cophenetic, k = 2..10 |\n");
    std::printf("|---|---|---|---|---|---|\n");
    const std::string sparse_name =
        "document-term " + std::to_string(a.rows) + " x " + std::to_string(a.cols) + ", " +
        std::to_string(docs.nonZeros()) + " nnz (sparse), " + std::to_string(a.topics) + " topics";
    const std::string dense_name =
        "dense " + std::to_string(small.rows()) + " x " + std::to_string(small.cols());
    survey_row(sparse_name.c_str(), nmfkit::SparseView<double>(docs), a, nmfkit::Solver::hals,
               a.cv_splits);
    survey_row(sparse_name.c_str(), nmfkit::SparseView<double>(docs), a, nmfkit::Solver::hals, 0);
    survey_row(dense_name.c_str(), nmfkit::DenseView<double>(small), a, nmfkit::Solver::hals,
               a.cv_splits);
    survey_row(dense_name.c_str(), nmfkit::DenseView<double>(small), a, nmfkit::Solver::hals, 0);
    survey_row(dense_name.c_str(), nmfkit::DenseView<double>(small), a, nmfkit::Solver::mu, 0);
    return 0;
}
