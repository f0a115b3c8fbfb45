#pragma once
// Axis 1 for a mask on fully observed data (Options::mask with Missing::none): the held-out
// entries (the mask's positions) are missing, every other entry, zeros included, is observed.
// HeldOutData<D> presents A_obs, V with the held-out entries set to zero, through an adapter D
// over such a copy (dense: m x n; sparse: the stored entries less the held-out ones), so sparse
// data stays sparse. The masked Frobenius step (engine/steps.hpp, HeldOutFrobeniusStep) takes each
// row's Gram as the full Gram minus the held-out positions' outer products (the "Gram
// correction" form of masked NMF), O(|mask| · k²) on top of the unmasked iteration.

#include <algorithm>
#include <vector>

#include <nmfkit/mask.hpp>

#include <nmfkit/result.hpp>

#include "data/concepts.hpp"

namespace nmfkit::detail {

/// Held-out positions along one side: row r (of A, or of Aᵀ) holds index[p] for p in
/// [ptr[r], ptr[r + 1]), increasing.
struct HeldOutSide {
    std::vector<std::int64_t> ptr, index;
};

/// A mask's positions by rows and by columns.
struct HeldOut {
    HeldOutSide by_row;      ///< rows of A (m + 1 offsets), column indices
    HeldOutSide by_col;      ///< columns of A (n + 1 offsets), row indices
    std::int64_t count = 0;  ///< number of held-out positions

    /// The positions of `mask` (m x n).
    explicit HeldOut(const Mask& mask) : count(mask.size()) {
        by_col.ptr = mask.col_ptr;
        by_col.index = mask.row_index;
        // The rows: a counting transpose (columns increasing within each row).
        by_row.ptr.assign(static_cast<std::size_t>(mask.rows) + 1, 0);
        for (std::int64_t i : mask.row_index) ++by_row.ptr[static_cast<std::size_t>(i) + 1];
        for (std::size_t i = 1; i < by_row.ptr.size(); ++i) by_row.ptr[i] += by_row.ptr[i - 1];
        by_row.index.resize(mask.row_index.size());
        std::vector<std::int64_t> next(by_row.ptr.begin(), by_row.ptr.end() - 1);
        for (std::int64_t j = 0; j < mask.cols; ++j)
            for (auto p = mask.col_ptr[static_cast<std::size_t>(j)];
                 p < mask.col_ptr[static_cast<std::size_t>(j) + 1]; ++p)
                by_row.index[static_cast<std::size_t>(next[static_cast<std::size_t>(
                    mask.row_index[static_cast<std::size_t>(p)])]++)] = j;
    }
};

/// A_obs (m x n) with held-out positions: D is an adapter over a copy of V whose held-out entries
/// are zero (so products and totals are over the observed entries, and V's values at the held-out
/// positions are never read). The residual leaves the held-out positions out entirely: they are
/// neither fitted nor counted.
template <DataMatrix D>
class HeldOutData {
public:
    using Scalar = typename D::Scalar;
    using T = Scalar;
    using BlockIndex = typename D::BlockIndex;
    static_assert(!D::distributed, "held-out entries are a serial fit's");
    static constexpr bool distributed = false;  // axis 3: serial (linalg/reduce.hpp)

    HeldOutData(const D& A, const HeldOut& held) : A_(A), held_(held) {}

    Eigen::Index rows() const { return A_.rows(); }
    Eigen::Index cols() const { return A_.cols(); }
    /// ‖A_obs‖²_F and Σ A_obs, in double.
    double squared_norm() const { return A_.squared_norm(); }
    double sum() const { return A_.sum(); }
    /// Number of observed entries, m·n − |mask|.
    double observed_count() const {
        return static_cast<double>(rows()) * static_cast<double>(cols()) -
               static_cast<double>(held_.count);
    }
    /// A's non-zero entries, held-out ones included (HALS's inner budget, as for A unmasked).
    Eigen::Index nonzero_count() const { return A_.nonzero_count(); }
    double product_flops(Eigen::Index k) const { return A_.product_flops(k); }
    const HeldOut& held_out() const { return held_; }

    /// out = A_obs F (m x k), F is n x k.
    void times(const Matrix<T>& F, Matrix<T>& out) const { A_.times(F, out); }
    /// out = A_obsᵀ F (n x k), F is m x k.
    void transpose_times(const Matrix<T>& F, Matrix<T>& out) const { A_.transpose_times(F, out); }

    /// Σ over observed entries of (A − W Htᵀ)² = ‖A_obs − W Htᵀ‖² − Σ over held-out positions of
    /// (W Htᵀ)², in double.
    double residual_squared_norm(const Matrix<T>& W, const Matrix<T>& Ht) const {
        return std::max(0.0,
                        A_.residual_squared_norm(W, Ht) - held_out_product_squared_norm(W, Ht));
    }

    /// Σ over held-out positions of (W Htᵀ)², in double.
    double held_out_product_squared_norm(const Matrix<T>& W, const Matrix<T>& Ht) const {
        double held = 0;
        for (Eigen::Index j = 0; j < cols(); ++j)
            for (auto p = held_.by_col.ptr[static_cast<std::size_t>(j)];
                 p < held_.by_col.ptr[static_cast<std::size_t>(j) + 1]; ++p) {
                const auto i =
                    static_cast<Eigen::Index>(held_.by_col.index[static_cast<std::size_t>(p)]);
                const double wh =
                    W.row(i).template cast<double>().dot(Ht.row(j).template cast<double>());
                held += wh * wh;
            }
        return held;
    }

    /// Rows (side by_row) or columns (by_col) with fewer than k observed entries: those with
    /// more than (other extent − k) held-out positions.
    static std::int64_t fewer_than(const HeldOutSide& side, Eigen::Index other, Eigen::Index k) {
        std::int64_t count = 0;
        for (std::size_t r = 0; r + 1 < side.ptr.size(); ++r)
            count += other - (side.ptr[r + 1] - side.ptr[r]) < k;
        return count;
    }

private:
    const D& A_;
    const HeldOut& held_;
};

}  // namespace nmfkit::detail
