#pragma once
// Synthetic test matrices shared by the benchmark programs (fixed seeds, so runs compare).

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace nmfkit::bench {

// Planted V = W0 H0 + 1% uniform noise, W0 and H0 with half their entries zero (V > 0 almost
// surely, so Itakura-Saito applies).
inline Eigen::MatrixXd planted(Eigen::Index rows, Eigen::Index cols, int k, std::uint64_t seed) {
    std::mt19937_64 gen(seed);
    std::uniform_real_distribution<double> u(0, 1);
    auto factor = [&](Eigen::Index r, Eigen::Index c) {
        Eigen::MatrixXd X(r, c);
        for (Eigen::Index j = 0; j < c; ++j)
            for (Eigen::Index i = 0; i < r; ++i) X(i, j) = u(gen) < 0.5 ? 0.0 : u(gen);
        return X;
    };
    const Eigen::MatrixXd W0 = factor(rows, k), H0 = factor(k, cols);
    Eigen::MatrixXd V = W0 * H0;
    const double noise = 0.01 * V.mean();
    for (Eigen::Index j = 0; j < V.cols(); ++j)
        for (Eigen::Index i = 0; i < V.rows(); ++i) V(i, j) += noise * u(gen);
    return V;
}

// Documents (columns) of a planted topic model: word probabilities W0 (m x k, sparse topics) and
// topic weights H0 (k x n); each column gets about density·m stored entries, Poisson counts with
// mean ∝ (W0 H0)_ij at positions drawn from the same distribution.
inline Eigen::SparseMatrix<double> document_term(Eigen::Index rows, Eigen::Index cols,
                                                 double density, int k, std::uint64_t seed) {
    std::mt19937_64 gen(seed);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<std::vector<double>> topic_cdf(static_cast<std::size_t>(k));
    for (auto& cdf : topic_cdf) {
        cdf.resize(static_cast<std::size_t>(rows));
        double s = 0;
        for (auto& c : cdf) {
            s += u(gen) < 0.2 ? std::pow(u(gen), 4.0) : 0.0;  // each topic uses ~20% of the words
            c = s;
        }
        for (auto& c : cdf) c /= s;
    }
    const auto per_doc = static_cast<int>(density * static_cast<double>(rows));
    std::vector<Eigen::Triplet<double>> t;
    t.reserve(static_cast<std::size_t>(per_doc) * static_cast<std::size_t>(cols));
    for (Eigen::Index j = 0; j < cols; ++j) {
        const int topic_a = static_cast<int>(u(gen) * k), topic_b = static_cast<int>(u(gen) * k);
        for (int w = 0; w < per_doc; ++w) {
            const auto& cdf = topic_cdf[static_cast<std::size_t>(u(gen) < 0.7 ? topic_a : topic_b)];
            const auto i = std::lower_bound(cdf.begin(), cdf.end(), u(gen)) - cdf.begin();
            t.emplace_back(static_cast<int>(std::min<Eigen::Index>(i, rows - 1)),
                           static_cast<int>(j), 1.0);
        }
    }
    Eigen::SparseMatrix<double> V(rows, cols);
    V.setFromTriplets(t.begin(), t.end());  // repeated words add up to counts
    V.makeCompressed();
    return V;
}

// A stand-in for the leukemia microarray data of Brunet et al. (PNAS 2004; Golub et al. 1999),
// which is not shipped: 38 samples (columns) in the groups of the real data, ALL-B (19), ALL-T
// (8) and AML (11), and `genes` rows of log-normal expression, floored at 20 and capped at 16000
// as Brunet et al. prepared the real data. Per gene, a base level exp(N(6, 1.2)); 8% of the genes
// separate ALL from AML and 3% separate T from B within ALL (log fold change U(0.8, 1.6), up in
// either group); `programs` class-free programs (6% of the genes each) vary continuously across
// the samples (log fold change U(0.5, 1) times a per-sample activity U(0, 1)), so the data has
// more structure than its classes, as real expression data does; each entry has log-normal noise
// (sd 0.3) and each sample a scale exp(N(0, 0.15)). The literature's answer is k = 2 (ALL/AML)
// or 3 (with the B/T split), for clustering the samples; with many programs the factorization
// itself has more components than that. `classes`, when given, gets each sample's group: 0 B,
// 1 T, 2 AML.
inline Eigen::MatrixXd leukemia_standin(Eigen::Index genes, std::uint64_t seed, int programs = 2,
                                        std::vector<int>* classes = nullptr) {
    constexpr Eigen::Index n = 38, all_b = 19, all_t = 8;  // AML: the last 11
    constexpr double program_share = 0.06;
    std::mt19937_64 gen(seed);
    std::uniform_real_distribution<double> u(0, 1);
    std::normal_distribution<double> z(0, 1);
    std::vector<int> group(n);
    for (Eigen::Index j = 0; j < n; ++j)
        group[static_cast<std::size_t>(j)] = j < all_b ? 0 : j < all_b + all_t ? 1 : 2;
    if (classes != nullptr) *classes = group;
    Eigen::MatrixXd activity(std::max(programs, 1),
                             n);  // the class-free programs' activity per sample
    for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index p = 0; p < programs; ++p) activity(p, j) = u(gen);
    Eigen::VectorXd scale(n);
    for (Eigen::Index j = 0; j < n; ++j) scale(j) = 0.15 * z(gen);
    Eigen::MatrixXd V(genes, n);
    for (Eigen::Index i = 0; i < genes; ++i) {
        const double base = 6 + 1.2 * z(gen), kind = u(gen), fold = 0.8 + 0.8 * u(gen);
        const bool up = u(gen) < 0.5;
        const double program_fold = 0.5 + 0.5 * u(gen);
        const auto program =
            static_cast<Eigen::Index>((kind - 0.11) / program_share);  // for kind ≥ 0.11
        for (Eigen::Index j = 0; j < n; ++j) {
            const int g = group[static_cast<std::size_t>(j)];
            double log_v = base + scale(j) + 0.3 * z(gen);
            if (kind < 0.08)
                log_v += (up == (g == 2)) ? fold : 0.0;  // ALL vs AML
            else if (kind < 0.11)
                log_v += g != 2 && (up == (g == 1)) ? fold : 0.0;  // T vs B
            else if (program < programs)
                log_v += program_fold * activity(program, j);
            V(i, j) = std::clamp(std::exp(log_v), 20.0, 16000.0);
        }
    }
    return V;
}
}  // namespace nmfkit::bench
