#pragma once
// NNDSVD initialization (Boutsidis & Gallopoulos, "SVD based initialization: A head start for
// nonnegative matrix factorization", Pattern Recognition 41(4), 2008, Table 1) from the randomized
// truncated SVD of src/init/svd.hpp, with the two variants of scikit-learn's _initialize_nmf:
// nndsvda fills the zeros with mean(A), nndsvdar with small random values.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <nmfkit/errors.hpp>
#include <nmfkit/result.hpp>

#include "linalg/parallel.hpp"
#include "linalg/reduce.hpp"
#include "init/random.hpp"
#include "init/svd.hpp"

namespace nmfkit::detail {

/// What replaces the zero entries of the NNDSVD start.
enum class NndsvdFill {
    zeros,   ///< nndsvd: nothing (sparse factors; a multiplicative update never moves a zero)
    mean,    ///< nndsvda: mean(A)
    random,  ///< nndsvdar: mean(A)/100 · u, u uniform in (0, 1) from the counter-based generator
};

/// An entry of a column of W or Ht at most this fraction of the column's largest entry is set to
/// 0. scikit-learn zeroes entries below an absolute 1e-6, which depends on the scale of A; relative
/// to the column, the start scales as NNDSVD(cA) = √c · NNDSVD(A), and entries that are zero in
/// exact arithmetic (e.g. the rows of W of an empty row of A) but carry rounding noise are zero,
/// so nndsvda fills them.
constexpr double nndsvd_truncation = 1e-6;

/// x (one column) with its entries ≤ nndsvd_truncation · max(x) set to 0; x ≥ 0. `largest` is
/// max(x) over all processes that hold parts of the column.
inline void truncate_small(Eigen::Ref<Eigen::VectorXd> x, double largest) {
    const double floor = nndsvd_truncation * largest;
    for (Eigen::Index i = 0; i < x.size(); ++i)
        if (x(i) <= floor) x(i) = 0;
}

/// The NNDSVD start of A (m x n): W (m x k) and Ht = Hᵀ (n x k), both ≥ 0 (Boutsidis &
/// Gallopoulos 2008, Table 1). From the leading singular triplets (σⱼ, uⱼ, vⱼ) of A
/// (randomized_svd with the default oversampling and power iterations, sketch keyed by `seed`):
///   W(:, 1) = √σ₁ |u₁|,  Ht(:, 1) = √σ₁ |v₁|  (a leading pair of A ≥ 0 can be taken ≥ 0);
///   for j ≥ 2, with x₊ = max(uⱼ, 0), x₋ = max(−uⱼ, 0) (y₊, y₋ from vⱼ),
///   m₊ = ‖x₊‖‖y₊‖, m₋ = ‖x₋‖‖y₋‖, and (x, y, μ) = (x₊, y₊, m₊) if m₊ > m₋ else (x₋, y₋, m₋):
///   W(:, j) = √(σⱼ μ) x/‖x‖,  Ht(:, j) = √(σⱼ μ) y/‖y‖.
/// uⱼ vⱼᵀ = (x₊ − x₋)(y₊ − y₋)ᵀ, and the kept term is the larger-norm one of its two non-negative
/// rank-one parts. Then entries ≤ nndsvd_truncation times their column's largest are set to 0,
/// and `fill` replaces the zeros (NndsvdFill). A component with σⱼ ≤ √ε σ₁ (ε of T) is left 0:
/// it changes ‖A − W Htᵀ‖² by less than ε‖A‖², below T's resolution, and its singular vectors are
/// rounding noise (this covers A = 0 and rank(A) < k, so no NaN is formed). nndsvdar draws
/// W(i, j) from u(seed, "W", i, j) and Ht(i, j) from u(seed, "H", i, j). Deterministic as
/// randomized_svd is. Costs 2q + 2 = 10 products with A of k + 10 columns (svd.hpp).
/// Requires 1 ≤ k ≤ min(m, n), else InvalidInput (callers validate first).
template <class T, class D>
void nndsvd_start(const D& A, int k, NndsvdFill fill, std::uint64_t seed, Matrix<T>& W,
                  Matrix<T>& Ht) {
    const Eigen::Index m = A.rows(), n = A.cols();
    if (k < 1 || k > std::min(m, n))
        throw InvalidInput(
            "NNDSVD initialization needs 1 ≤ k ≤ min(m, n) = " + std::to_string(std::min(m, n)) +
            ", got k = " + std::to_string(k) + "; use init random for a larger rank");
    const TruncatedSvd svd = randomized_svd(A, k, svd_oversampling, svd_power_iterations, seed);
    // Distributed: this process's rows of W and Ht; norms and maxima over all processes.
    Matrix<double> Wd = Matrix<double>::Zero(local_rows(A), k);  // m x k
    Matrix<double> Hd = Matrix<double>::Zero(local_cols(A), k);  // n x k
    auto norm = [&](const Eigen::VectorXd& x) { return std::sqrt(all_sum(A, x.squaredNorm())); };
    auto largest = [&](const Eigen::VectorXd& x) {
        return all_max(A, x.size() > 0 ? x.maxCoeff() : 0.0);
    };
    const double eps = std::numeric_limits<T>::epsilon();
    const double cutoff = std::sqrt(eps) * svd.s(0);
    for (Eigen::Index j = 0; j < k; ++j) {
        const double sigma = svd.s(j);
        if (!(sigma > cutoff)) continue;
        if (j == 0) {
            // The leading pair; |·| removes the sign (and rounding signs).
            Wd.col(0) = std::sqrt(sigma) * svd.U.col(0).cwiseAbs();
            Hd.col(0) = std::sqrt(sigma) * svd.V.col(0).cwiseAbs();
        } else {
            // Positive and negative parts, their masses, the larger pair (Table 1's loop body).
            const Eigen::VectorXd xp = svd.U.col(j).cwiseMax(0.0);
            const Eigen::VectorXd xn = (-svd.U.col(j)).cwiseMax(0.0);
            const Eigen::VectorXd yp = svd.V.col(j).cwiseMax(0.0);
            const Eigen::VectorXd yn = (-svd.V.col(j)).cwiseMax(0.0);
            const double xpn = norm(xp), xnn = norm(xn), ypn = norm(yp), ynn = norm(yn);
            const double mp = xpn * ypn, mn = xnn * ynn;
            const bool positive = mp > mn;
            const double mass = positive ? mp : mn;
            // NOTE: mass = 0 only if uⱼ and vⱼ have opposite signs throughout, so uⱼᵀ A vⱼ ≤ 0:
            // σⱼ = 0 to rounding.
            if (!(mass > 0)) continue;
            const double lambda = std::sqrt(sigma * mass);
            Wd.col(j) = positive ? ((lambda / xpn) * xp).eval() : ((lambda / xnn) * xn).eval();
            Hd.col(j) = positive ? ((lambda / ypn) * yp).eval() : ((lambda / ynn) * yn).eval();
        }
        truncate_small(Wd.col(j), largest(Wd.col(j)));
        truncate_small(Hd.col(j), largest(Hd.col(j)));
    }
    W = Wd.template cast<T>();
    Ht = Hd.template cast<T>();
    if (fill == NndsvdFill::zeros) return;
    // The fills replace exact zeros of the start in T, so they touch nothing else.
    const double mean = A.sum() / (static_cast<double>(m) * static_cast<double>(n));
    auto fill_zeros = [&](Matrix<T>& X, Stream stream, std::uint64_t row0) {
        const Eigen::Index rows = X.rows();
#pragma omp parallel for schedule(static) if (worth_parallel(rows * k * 16))
        for (Eigen::Index i = 0; i < rows; ++i)
            for (Eigen::Index l = 0; l < k; ++l) {
                if (X(i, l) != T(0)) continue;
                if (fill == NndsvdFill::mean) {
                    X(i, l) = static_cast<T>(mean);
                    continue;
                }
                const auto row = row0 + static_cast<std::uint64_t>(i),
                           col = static_cast<std::uint64_t>(l);
                X(i, l) = static_cast<T>(mean / 100 * uniform_open01(seed, stream, row, col));
            }
    };
    fill_zeros(W, Stream::w, first_row(A));
    fill_zeros(Ht, Stream::h, first_col(A));
}

}  // namespace nmfkit::detail
