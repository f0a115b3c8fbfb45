#pragma once
// The adapters' interfaces as named concepts (docs/design.md, "The three axes"): what the loop and
// the solvers may ask of an A. tests/test_concepts.cpp checks every adapter against them.
//   DataMatrix     axis 1: extents, totals, the two products, the residual, and the explicit
//                  axis-3 flag `distributed` (a distributed one must be a Reducer, linalg/reduce.hpp);
//   SampledData    a DataMatrix with the sampled product of a loss policy P (linalg/sampled_loss.hpp);
//   EntrywiseData  a DataMatrix whose entries are read by blocks of rows and of columns (the
//                  row-wise solvers: KL coordinate descent, β updates, masked NMF).

#include <concepts>
#include <type_traits>

#include <nmfkit/result.hpp>

#include "linalg/reduce.hpp"
#include "linalg/sampled_loss.hpp"
#include "data/rows.hpp"

namespace nmfkit::detail {

/// A (m x n) as the loop sees it: rows(), cols(), ‖A‖² and ΣA in double, nonzero_count() (the
/// entries ≠ 0, whatever the storage), product_flops(k) (the flops of one product with k columns
/// as stored), times (A·F), transpose_times (Aᵀ·F), residual_squared_norm
/// (‖A − W Htᵀ‖²), and `static constexpr bool distributed` (axis 3), with Reducer's members when
/// it is true.
template <class D>
concept DataMatrix = requires(const D& a, const Matrix<typename D::Scalar>& F,
                              Matrix<typename D::Scalar>& out, Eigen::Index k) {
    {std::bool_constant<D::distributed>{}};
    { a.rows() } -> std::same_as<Eigen::Index>;
    { a.cols() } -> std::same_as<Eigen::Index>;
    { a.squared_norm() } -> std::same_as<double>;
    { a.sum() } -> std::same_as<double>;
    { a.nonzero_count() } -> std::same_as<Eigen::Index>;
    { a.product_flops(k) } -> std::same_as<double>;
    a.times(F, out);
    a.transpose_times(F, out);
    { a.residual_squared_norm(F, F) } -> std::same_as<double>;
}
&&(!D::distributed || Reducer<D>);

/// A DataMatrix with the sampled product of the loss policy P: sampled_times(W, Ht, p, out, value)
/// → out = R Ht, sampled_transpose_times → out = Rᵀ W, R_ij = p.weight(A_ij, (W Htᵀ)_ij) over the
/// entries the adapter stores; both return the loss Σ_ij f(A_ij, (W Htᵀ)_ij) when `value`, else 0.
template <class D, class P>
concept SampledData = DataMatrix<D> && SampledLoss<P, typename D::Scalar> &&
    requires(const D& a, const Matrix<typename D::Scalar>& W, const P& p,
             Matrix<typename D::Scalar>& out, bool value) {
    { a.sampled_times(W, W, p, out, value) } -> std::same_as<double>;
    { a.sampled_transpose_times(W, W, p, out, value) } -> std::same_as<double>;
};

/// A DataMatrix whose stored entries are read as RowBlocks: row_block(r0, b, scratch) (rows of A),
/// column_block(c0, b, scratch) (rows of Aᵀ), and whether each is available for this A
/// (has_row_access(), has_column_access(): a sparse A without its row copy has no rows).
template <class D>
concept EntrywiseData = DataMatrix<D> &&
    requires(const D& a, Eigen::Index r, RowScratch<typename D::Scalar>& scratch) {
    typename D::BlockIndex;
    {
        a.row_block(r, r, scratch)
        } -> std::same_as<RowBlock<typename D::Scalar, typename D::BlockIndex>>;
    {
        a.column_block(r, r, scratch)
        } -> std::same_as<RowBlock<typename D::Scalar, typename D::BlockIndex>>;
    { a.has_row_access() } -> std::same_as<bool>;
    { a.has_column_access() } -> std::same_as<bool>;
};

}  // namespace nmfkit::detail
