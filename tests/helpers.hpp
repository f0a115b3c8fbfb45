#pragma once
// Shared test fixtures: planted problems, tolerances, the supported solver/loss pairs.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <nmfkit/nmfkit.hpp>

namespace nmfkit::test {

template <class T>
using Mat = Matrix<T>;

/// Every (solver, loss) pair the library's registry supports (src/engine/registry.cpp).
inline std::vector<std::pair<Solver, Loss>> supported_pairs() {
    std::vector<std::pair<Solver, Loss>> out;
    for (Loss l : all_losses())
        for (Solver s : solvers_for(l)) out.emplace_back(s, l);
    return out;
}

/// The supported pairs whose loss is defined at zero entries of V (β > 0: all but Itakura-Saito).
inline std::vector<std::pair<Solver, Loss>> pairs_accepting_zeros() {
    std::vector<std::pair<Solver, Loss>> out;
    for (auto [s, l] : supported_pairs())
        if (l != Loss::itakura_saito) out.emplace_back(s, l);
    return out;
}

/// True when the pair reads V by rows and by columns, which sparse low_memory mode refuses.
inline bool reads_both_orientations(Solver s, Loss l) { return solver_traits(s, l).entry_access; }

/// True when the registry says the pair's objective never increases (the tests check it).
inline bool monotone(Solver s, Loss l) { return solver_traits(s, l).monotone; }

inline std::string label(Solver s, Loss l) {
    return std::string(to_string(s)) + "/" + std::string(to_string(l));
}

/// Uniform [lo, hi) matrix from an explicit seed.
template <class T>
Mat<T> uniform(Eigen::Index rows, Eigen::Index cols, unsigned seed, double lo = 0, double hi = 1) {
    std::mt19937_64 gen(seed);
    std::uniform_real_distribution<double> u(lo, hi);
    Mat<T> X(rows, cols);
    for (Eigen::Index j = 0; j < cols; ++j)
        for (Eigen::Index i = 0; i < rows; ++i) X(i, j) = static_cast<T>(u(gen));
    return X;
}

/// A sparse non-negative factor (rows x k): the first k rows are a scaled identity (so the
/// planted factorization is separable, hence unique up to scaling and permutation), and each
/// further entry is zero with probability `zero_fraction`, else uniform in [0.5, 1.5).
template <class T>
Mat<T> sparse_factor(Eigen::Index rows, Eigen::Index k, unsigned seed, double zero_fraction) {
    std::mt19937_64 gen(seed);
    std::uniform_real_distribution<double> u(0, 1);
    Mat<T> X = Mat<T>::Zero(rows, k);
    for (Eigen::Index i = 0; i < rows; ++i)
        for (Eigen::Index l = 0; l < k; ++l) {
            if (i < k) {
                X(i, l) = i == l ? T(1) : T(0);
                continue;
            }
            X(i, l) = u(gen) < zero_fraction ? T(0) : static_cast<T>(0.5 + u(gen));
        }
    return X;
}

/// Options with explicit seed and iteration budget, and a random start (whose seed matters).
/// The message of the InvalidInput that f() throws, or "(no exception)".
template <class F>
std::string message_of(F&& f) {
    try {
        f();
    } catch (const InvalidInput& e) {
        return e.what();
    }
    return "(no exception)";
}

inline Options options(Solver s, Loss l, int k, int max_iter, double tol, std::uint64_t seed) {
    Options o;
    o.init = Init::random;
    o.rank = k;
    o.solver = s;
    o.loss = l;
    o.max_iter = max_iter;
    o.tol = tol;
    o.seed = seed;
    return o;
}

/// ‖V − WH‖_F / ‖V‖_F computed naively in double.
template <class T>
double naive_relative_error(const Mat<T>& V, const Mat<T>& W, const Mat<T>& H) {
    const Eigen::MatrixXd R =
        V.template cast<double>() - W.template cast<double>() * H.template cast<double>();
    return R.norm() / V.template cast<double>().norm();
}

/// Best mean cosine over permutations between the columns of X and Y (both rows x k, k ≤ 8):
/// returns the smallest cosine of the best matching.
inline double matched_min_cosine(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y) {
    const Eigen::Index k = X.cols();
    Eigen::MatrixXd C(k, k);
    for (Eigen::Index a = 0; a < k; ++a)
        for (Eigen::Index b = 0; b < k; ++b) {
            const double nx = X.col(a).norm(), ny = Y.col(b).norm();
            C(a, b) = nx > 0 && ny > 0 ? X.col(a).dot(Y.col(b)) / (nx * ny) : 0;
        }
    std::vector<int> perm(static_cast<std::size_t>(k));
    std::iota(perm.begin(), perm.end(), 0);
    double best_sum = -1, best_min = -1;
    do {
        double sum = 0, mn = 1;
        for (Eigen::Index a = 0; a < k; ++a) {
            sum += C(a, perm[static_cast<std::size_t>(a)]);
            mn = std::min(mn, C(a, perm[static_cast<std::size_t>(a)]));
        }
        if (sum > best_sum) {
            best_sum = sum;
            best_min = mn;
        }
    } while (std::next_permutation(perm.begin(), perm.end()));
    return best_min;
}

template <class T>
bool all_finite_nonnegative(const Mat<T>& X) {
    return X.allFinite() && (X.array() >= T(0)).all();
}

/// Tolerance that scales with the scalar's epsilon.
template <class T>
double eps() {
    return static_cast<double>(std::numeric_limits<T>::epsilon());
}

}  // namespace nmfkit::test
