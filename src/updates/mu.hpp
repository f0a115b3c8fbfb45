#pragma once
// Lee & Seung multiplicative updates (Lee & Seung, NIPS 2000), for the Frobenius loss (from the
// Gram and the cross product) and for the generalized KL divergence (from the data adapter).

#include <algorithm>
#include <limits>

#include <nmfkit/result.hpp>

#include "core/numeric.hpp"
#include "core/parallel.hpp"

namespace nmfkit::detail {

/// Frobenius MU on a tall factor: X ← X ⊙ AF ⊘ max(X FtF, tiny).
/// FtF is k x k (Gram of the other factor F), AF is rows x k (A·F), X is rows x k.
/// NOTE: the floor only acts where X FtF is below the smallest normal number; there the new entry
/// is smaller than the unfloored update X·AF/(X FtF) ≤ AF/FtF(j, j), so it stays finite.
template <class T>
void mu_update(const Matrix<T>& FtF, const Matrix<T>& AF, Matrix<T>& X) {
    const Matrix<T> XFtF = X * FtF;  // rows x k
    const T tiny = std::numeric_limits<T>::min();
    const Eigen::Index rows = X.rows(), k = X.cols();
#pragma omp parallel for schedule(static) if (worth_parallel(rows * k))
    for (Eigen::Index i = 0; i < rows; ++i)
        for (Eigen::Index j = 0; j < k; ++j)
            X(i, j) = flush_subnormal(X(i, j) * (AF(i, j) / std::max(XFtF(i, j), tiny)));
}

/// KL MU on a tall factor from its numerator: X ← X ⊙ numerator ⊘ (1 · 1ᵀF), where
/// numerator = (A ⊘ X Fᵀ) F (rows x k) was computed at the current X and F (cols x k).
template <class T>
void mu_kl_apply(const Matrix<T>& numerator, const Matrix<T>& F, Matrix<T>& X) {
    const Eigen::Matrix<T, 1, Eigen::Dynamic> denominator = F.colwise().sum();  // 1 x k
    const T tiny = std::numeric_limits<T>::min();
    const Eigen::Index rows = X.rows(), k = X.cols();
#pragma omp parallel for schedule(static) if (worth_parallel(rows * k))
    for (Eigen::Index i = 0; i < rows; ++i)
        for (Eigen::Index j = 0; j < k; ++j)
            X(i, j) = flush_subnormal(X(i, j) * (numerator(i, j) / std::max(denominator(j), tiny)));
}

/// KL MU on a tall factor: X ← X ⊙ ((A ⊘ X Fᵀ) F) ⊘ (1 · 1ᵀF), i.e. for W (X = W, F = Ht)
/// W_il ← W_il Σ_j (V_ij / (WH)_ij) H_lj / Σ_j H_lj, and for Ht the same with Aᵀ.
/// A is rows x cols (an adapter), F is cols x k, X is rows x k.
template <class T, class D>
void mu_kl_update(const D& A, const Matrix<T>& F, Matrix<T>& X) {
    Matrix<T> numerator;  // rows x k
    A.kl_ratio_times(X, F, numerator, false);
    mu_kl_apply(numerator, F, X);
}

}  // namespace nmfkit::detail
