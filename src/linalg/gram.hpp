#pragma once
// Gram matrices (the streaming Aᵀ·F kernel, or BLAS SYRK), and inner products accumulated in double.

#include <cblas.h>

#include <nmfkit/result.hpp>

#include "linalg/kernels.hpp"

namespace nmfkit::detail {

/// G = Fᵀ F (k x k, full symmetric) for F (rows x k): by the streaming Aᵀ·F kernel where the
/// active target uses it
/// (faster than SYRK for tall skinny F, and no OpenBLAS thread synchronization), else by SYRK on
/// the lower triangle. Either way the lower triangle is mirrored, so G is exactly symmetric.
template <class T>
void gram(const Matrix<T>& F, Matrix<T>& G) {
    const int rows = static_cast<int>(F.rows()), k = static_cast<int>(F.cols());
    G.resize(k, k);
    if (rows == 0 || k == 0) {
        G.setZero();
        return;
    }
    if (streaming_products(k))
        dense_transpose_times(F.data(), F.rows(), F.cols(), F.rows(), F, G);
    else if constexpr (std::is_same_v<T, double>)
        cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, k, rows, 1.0, F.data(), rows, 0.0,
                    G.data(), k);
    else
        cblas_ssyrk(CblasColMajor, CblasLower, CblasTrans, k, rows, 1.0f, F.data(), rows, 0.0f,
                    G.data(), k);
    G.template triangularView<Eigen::StrictlyUpper>() = G.transpose();
}

/// ⟨X, Y⟩ = Σ X(i, j) Y(i, j), accumulated in double column by column (deterministic).
template <class T>
double dot(const Matrix<T>& X, const Matrix<T>& Y) {
    double s = 0;
    for (Eigen::Index j = 0; j < X.cols(); ++j)
        s += X.col(j).template cast<double>().dot(Y.col(j).template cast<double>());
    return s;
}

}  // namespace nmfkit::detail
