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
inline Eigen::SparseMatrix<double> document_term(Eigen::Index rows, Eigen::Index cols, double density,
                                                 int k, std::uint64_t seed) {
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
            t.emplace_back(static_cast<int>(std::min<Eigen::Index>(i, rows - 1)), static_cast<int>(j), 1.0);
        }
    }
    Eigen::SparseMatrix<double> V(rows, cols);
    V.setFromTriplets(t.begin(), t.end());  // repeated words add up to counts
    V.makeCompressed();
    return V;
}

}  // namespace nmfkit::bench
