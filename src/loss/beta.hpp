#pragma once
// The β-divergence (Févotte & Idier, "Algorithms for nonnegative matrix factorization with the
// β-divergence", Neural Computation 23(9), 2011): its value and the two products its
// multiplicative update needs, evaluated by blocks of rows so no m x n array is formed.

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <nmfkit/result.hpp>

#include "linalg/kernels.hpp"
#include "linalg/parallel.hpp"
#include "data/rows.hpp"

namespace nmfkit::detail {

/// The floor under WH in the β terms: y^(β−2) at the floor stays below the overflow threshold
/// by a factor floor (β < 1), and β ≥ 1 uses the KL floor √(smallest normal).
template <class T>
inline double beta_floor(double beta) {
    const double tiny = std::numeric_limits<T>::min();
    return beta >= 1 ? std::sqrt(tiny) : std::pow(tiny, 1.0 / (3.0 - beta));
}

/// d_β(x | y) for one entry (x ≥ 0, y > 0):
///   β = 0: x/y − log(x/y) − 1;  β = 1: x log(x/y) − x + y;
///   otherwise (x^β + (β − 1) y^β − β x y^(β−1)) / (β (β − 1)).
/// At x = 0 (allowed for β > 0 only) this is y^β/β, finite also at y = 0.
inline double beta_divergence_entry(double x, double y, double beta) {
    if (x == 0) return beta == 1 ? y : beta == 2 ? 0.5 * y * y : std::pow(y, beta) / beta;
    if (beta == 1) return x * std::log(x / y) - x + y;
    if (beta == 0) return x / y - std::log(x / y) - 1;
    if (beta == 2) return 0.5 * (x - y) * (x - y);
    return (std::pow(x, beta) + (beta - 1) * std::pow(y, beta) - beta * x * std::pow(y, beta - 1)) /
           (beta * (beta - 1));
}

/// Rows of X per task of beta_products(): about 2^17 entries of X Fᵀ per block.
inline Eigen::Index beta_rows_per_block(Eigen::Index cols) {
    return std::clamp<Eigen::Index>((Eigen::Index{1} << 17) / std::max<Eigen::Index>(cols, 1), 1,
                                    256);
}

/// For a tall factor X (rows x k), F (cols x k) and A (rows x cols, read by dense_rows()), with
/// Y = max(X Fᵀ, floor):  numerator = (A ⊙ Y^(β−2)) F and denominator = Y^(β−1) F (rows x k),
/// the two halves of the β multiplicative update's ratio. With `divergence`, returns
/// D_β(A ‖ X Fᵀ) = Σ_ij d_β(A_ij | Y_ij) from the same blocks (else 0). A block of rows of Y is one
/// GEMM; every entry of Y is visited (zeros of A included: y^(β−1) ≠ 0 unless β = 1), so a pass
/// costs O(rows · cols · k) for dense and sparse A alike.
template <class T, class D>
double beta_products(const D& A, const Matrix<T>& X, const Matrix<T>& F, double beta,
                     Matrix<T>& numerator, Matrix<T>& denominator, bool divergence) {
    const Eigen::Index rows = X.rows(), cols = F.rows(), k = X.cols();
    numerator.resize(rows, k);
    denominator.resize(rows, k);
    const double floor = beta_floor<T>(beta);
    const Eigen::Index per_block = beta_rows_per_block(cols);
    const Eigen::Index blocks = (rows + per_block - 1) / per_block;
    std::vector<double> partial(static_cast<std::size_t>(blocks), 0.0);
    const auto entries = update_kernels<T>().beta_entries;  // this CPU's target
#pragma omp parallel if (worth_parallel(rows * cols * k))
    {
        RowScratch<T> scratch;
        Matrix<T> Y, R;  // b x cols: Y = X Fᵀ on the block, then Y^(β−1); R = A ⊙ Y^(β−2)
#pragma omp for schedule(dynamic, 1)
        for (Eigen::Index b = 0; b < blocks; ++b) {
            const Eigen::Index r0 = b * per_block, nb = std::min(per_block, rows - r0);
            Y.noalias() = X.middleRows(r0, nb) * F.transpose();
            R.resize(nb, cols);
            dense_rows(A, r0, nb, R.data(), nb, scratch);  // a copy for dense A
            // The entries, as one array of nb·cols (R and Y are both nb x cols, contiguous).
            const double d = entries(R.data(), Y.data(), nb * cols, beta, floor, divergence);
            numerator.middleRows(r0, nb).noalias() = R * F;
            denominator.middleRows(r0, nb).noalias() = Y * F;
            partial[static_cast<std::size_t>(b)] = d;
        }
    }
    double total = 0;
    for (double p : partial) total += p;
    return total;
}

}  // namespace nmfkit::detail
