#pragma once
// Lee & Seung multiplicative updates (Lee & Seung, NIPS 2000), for the Frobenius loss (from the
// Gram and the cross product) and for the generalized KL divergence (from the data adapter).

#include <algorithm>
#include <limits>

#include <cmath>

#include <nmfkit/options.hpp>
#include <nmfkit/result.hpp>

#include "linalg/numeric.hpp"
#include "linalg/parallel.hpp"
#include "linalg/reduce.hpp"
#include "linalg/kernels.hpp"
#include "nnls/subproblem.hpp"
#include "loss/kl.hpp"

namespace nmfkit::detail {

/// Rows per call of the elementwise MU kernels (linalg/update_kernels.hpp) and per task.
constexpr Eigen::Index mu_rows_per_block = 4096;

/// Frobenius MU on a tall factor: X ← X ⊙ AF ⊘ max(X FtF + l1, tiny).
/// FtF is k x k (Gram of the other factor F, plus l2·I for an L2 penalty), AF is rows x k (A·F),
/// X is rows x k; l1 is the L1 penalty's weight (Lee & Seung's rule with the penalty gradient in
/// the denominator, as scikit-learn's).
/// NOTE: the floor only acts where X FtF is below the smallest normal number; there the new entry
/// is smaller than the unfloored update X·AF/(X FtF) ≤ AF/FtF(j, j), so it stays finite.
template <class T>
void mu_update(const Matrix<T>& FtF, const Matrix<T>& AF, double l1, Matrix<T>& X) {
    Matrix<T> XFtF;  // rows x k
    tall_times(X, FtF, XFtF);
    const T penalty = l1 > 0 ? static_cast<T>(l1) : T(0);
    const Eigen::Index rows = X.rows(), k = X.cols();
    const auto update = update_kernels<T>().mu_frobenius;  // this CPU's target
    // Down the columns (contiguous), in blocks of rows for the threads.
#pragma omp parallel for collapse(2) schedule(static) if (worth_parallel(rows * k))
    for (Eigen::Index j = 0; j < k; ++j)
        for (Eigen::Index i0 = 0; i0 < rows; i0 += mu_rows_per_block) {
            const Eigen::Index n = std::min(mu_rows_per_block, rows - i0);
            update(X.col(j).data() + i0, AF.col(j).data() + i0, XFtF.col(j).data() + i0, n,
                   penalty);
        }
}

/// Frobenius MU as the registry calls it (engine/registry.cpp): the whole factor by mu_update(),
/// one row of masked NMF by x ← x ⊙ b ⊘ max(Gp x + l1, tiny).
struct MuFrobenius {
    template <class T>
    static void update(const GramSubproblem<T>& p, Matrix<T>& X) {
        mu_update(p.G, p.AF, p.l1, X);
    }
    static void row(RowSubproblem& s) {
        const Eigen::VectorXd den = s.Gp * s.x;
        for (Eigen::Index l = 0; l < s.x.size(); ++l)
            s.x(l) *= s.b(l) / std::max(den(l) + s.l1, std::numeric_limits<double>::min());
    }
};

/// KL MU on a tall factor from its numerator: X ← X ⊙ numerator ⊘ (1 · 1ᵀF + l1 + l2 X), where
/// numerator = (A ⊘ X Fᵀ) F (rows x k) was computed at the current X and F (cols x k), and A is
/// the adapter whose processes share F's rows (the column sums 1ᵀF are summed over them).
template <class T, class D>
void mu_kl_apply(const D& A, const Matrix<T>& numerator, const Matrix<T>& F, const Penalty& penalty,
                 Matrix<T>& X) {
    Eigen::Matrix<T, 1, Eigen::Dynamic> colsum = F.colwise().sum();  // 1 x k
    all_sum_in_place(A, colsum);
    const T l1 = static_cast<T>(penalty.l1), l2 = static_cast<T>(penalty.l2);
    const Eigen::Index rows = X.rows(), k = X.cols();
    const auto update = update_kernels<T>().mu_kl;  // this CPU's target
#pragma omp parallel for collapse(2) schedule(static) if (worth_parallel(rows * k))
    for (Eigen::Index j = 0; j < k; ++j)
        for (Eigen::Index i0 = 0; i0 < rows; i0 += mu_rows_per_block) {
            const Eigen::Index n = std::min(mu_rows_per_block, rows - i0);
            update(X.col(j).data() + i0, numerator.col(j).data() + i0, n, colsum(j) + l1, l2);
        }
}

/// The exponent γ(β) that makes the β multiplicative update monotone (Févotte & Idier 2011,
/// Section 4): 1/(2 − β) for β < 1, 1 for 1 ≤ β ≤ 2, 1/(β − 1) for β > 2.
inline double beta_exponent(double beta) {
    if (beta < 1) return 1 / (2 - beta);
    if (beta > 2) return 1 / (beta - 1);
    return 1;
}

/// β MU on a tall factor: X ← X ⊙ (numerator ⊘ (denominator + l1 + l2 X))^γ(β), with numerator
/// = (A ⊙ Y^(β−2)) F and denominator = Y^(β−1) F from beta_products() at the current X.
template <class T>
void mu_beta_apply(const Matrix<T>& numerator, const Matrix<T>& denominator, double beta,
                   const Penalty& penalty, Matrix<T>& X) {
    const double gamma = beta_exponent(beta);
    const Eigen::Index rows = X.rows(), k = X.cols();
    const auto update = update_kernels<T>().mu_beta;  // this CPU's target
#pragma omp parallel for collapse(2) schedule(static) if (worth_parallel(rows * k))
    for (Eigen::Index j = 0; j < k; ++j)
        for (Eigen::Index i0 = 0; i0 < rows; i0 += mu_rows_per_block) {
            const Eigen::Index n = std::min(mu_rows_per_block, rows - i0);
            update(X.col(j).data() + i0, numerator.col(j).data() + i0,
                   denominator.col(j).data() + i0, n, penalty.l1, penalty.l2, gamma);
        }
}

/// KL MU on a tall factor: X ← X ⊙ ((A ⊘ X Fᵀ) F) ⊘ (1 · 1ᵀF), i.e. for W (X = W, F = Ht)
/// W_il ← W_il Σ_j (V_ij / (WH)_ij) H_lj / Σ_j H_lj, and for Ht the same with Aᵀ.
/// A is rows x cols (an adapter), F is cols x k, X is rows x k.
template <class T, class D>
void mu_kl_update(const D& A, const Matrix<T>& F, const Penalty& penalty, Matrix<T>& X) {
    Matrix<T> numerator;  // rows x k
    A.sampled_times(X, F, KullbackLeibler<T>(), numerator, false);
    mu_kl_apply(A, numerator, F, penalty, X);
}

}  // namespace nmfkit::detail
