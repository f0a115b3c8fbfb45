#pragma once
// Transposed<D> presents Aᵀ of any adapter by swapping its products and the roles of W and Ht.
// It serves the H half-step (which sees Aᵀ) and inputs stored transposed: a row-major dense V and a
// CSR sparse V are, in memory, the column-major / CSC Vᵀ.

#include <nmfkit/result.hpp>

#include "linalg/reduce.hpp"
#include "linalg/sampled_loss.hpp"
#include "data/concepts.hpp"
#include "data/rows.hpp"

namespace nmfkit::detail {

/// Aᵀ of an adapter D: products swap, and the sampled products' (W, Ht) roles swap.
template <DataMatrix D>
class Transposed : public TransposedReductions<D> {
public:
    using Scalar = typename D::Scalar;
    using BlockIndex = typename D::BlockIndex;
    explicit Transposed(const D& a) : TransposedReductions<D>(a) {}

    Eigen::Index rows() const { return a_.cols(); }
    Eigen::Index cols() const { return a_.rows(); }
    double squared_norm() const { return a_.squared_norm(); }
    double sum() const { return a_.sum(); }
    Eigen::Index nonzero_count() const { return a_.nonzero_count(); }
    double product_flops(Eigen::Index k) const { return a_.product_flops(k); }
    void times(const Matrix<Scalar>& F, Matrix<Scalar>& out) const { a_.transpose_times(F, out); }
    void transpose_times(const Matrix<Scalar>& F, Matrix<Scalar>& out) const { a_.times(F, out); }
    /// The sampled products of Aᵀ = (W Htᵀ)ᵀ = Ht Wᵀ: D's with W and Ht swapped.
    template <SampledLoss<Scalar> Policy>
    double sampled_times(const Matrix<Scalar>& W, const Matrix<Scalar>& Ht, const Policy& policy,
                         Matrix<Scalar>& out, bool value) const {
        return a_.sampled_transpose_times(Ht, W, policy, out, value);
    }
    template <SampledLoss<Scalar> Policy>
    double sampled_transpose_times(const Matrix<Scalar>& W, const Matrix<Scalar>& Ht,
                                   const Policy& policy, Matrix<Scalar>& out, bool value) const {
        return a_.sampled_times(Ht, W, policy, out, value);
    }
    double residual_squared_norm(const Matrix<Scalar>& W, const Matrix<Scalar>& Ht) const {
        return a_.residual_squared_norm(Ht, W);
    }

    RowBlock<Scalar, BlockIndex> row_block(Eigen::Index r0, Eigen::Index b,
                                           RowScratch<Scalar>& scratch) const {
        return a_.column_block(r0, b, scratch);
    }
    RowBlock<Scalar, BlockIndex> column_block(Eigen::Index c0, Eigen::Index b,
                                              RowScratch<Scalar>& scratch) const {
        return a_.row_block(c0, b, scratch);
    }
    void dense_rows(Eigen::Index r0, Eigen::Index b, Scalar* out, Eigen::Index ld,
                    RowScratch<Scalar>& scratch) const {
        detail::dense_columns(a_, r0, b, out, ld, scratch);
    }
    void dense_columns(Eigen::Index c0, Eigen::Index b, Scalar* out, Eigen::Index ld,
                       RowScratch<Scalar>& scratch) const {
        detail::dense_rows(a_, c0, b, out, ld, scratch);
    }
    // Axis 3 (linalg/reduce.hpp): `distributed`, the sums and the Gram of a distributed A come
    // from TransposedReductions.

    /// Rows of Aᵀ are the columns of A; columns of Aᵀ are the rows of A.
    bool has_row_access() const { return a_.has_column_access(); }
    bool has_column_access() const { return a_.has_row_access(); }

private:
    using TransposedReductions<D>::a_;
};

}  // namespace nmfkit::detail
