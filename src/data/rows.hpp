#pragma once
// Row-block access to an adapter: the stored entries of consecutive rows in compressed-row form.
// Solvers that work row by row on the entries of A (KL coordinate descent, β-divergence updates)
// read A through this, so they do not know dense from sparse or which orientation is stored.

#include <algorithm>
#include <vector>

#include <nmfkit/result.hpp>

namespace nmfkit::detail {

/// The entries of rows [r0, r0 + rows) of A: row r0 + t holds (index[p], values[p]) for p in
/// [ptr[t], ptr[t + 1]), column indices increasing. Not owned; ptr[0] need not be 0.
template <class T, class I>
struct RowBlock {
    using Index = I;
    Eigen::Index r0 = 0;
    Eigen::Index rows = 0;
    const I* ptr = nullptr;
    const I* index = nullptr;
    const T* values = nullptr;
};

/// Storage for a RowBlock that an adapter has to gather (dense A: its non-zero entries).
template <class T>
struct RowScratch {
    std::vector<Eigen::Index> ptr, index;
    std::vector<T> values;
};

/// The block's rows as a dense block.rows x length block (column-major, leading dimension ld):
/// zeros, then the stored entries.
template <class T, class I>
void scatter_rows(const RowBlock<T, I>& block, Eigen::Index length, T* out, Eigen::Index ld) {
    for (Eigen::Index j = 0; j < length; ++j) std::fill_n(out + j * ld, block.rows, T(0));
    for (Eigen::Index t = 0; t < block.rows; ++t)
        for (auto p = block.ptr[t]; p < block.ptr[t + 1]; ++p)
            out[static_cast<Eigen::Index>(block.index[p]) * ld + t] = block.values[p];
}

/// Rows [r0, r0 + b) of A as a dense b x cols block, column-major with leading dimension ld ≥ b,
/// 0 where A stores nothing: A's own dense_rows where it has one (dense data copies the block),
/// else its row_block scattered into the zeroed block. For the solvers that visit every entry of
/// a block of rows (the β updates).
template <class D, class T>
void dense_rows(const D& A, Eigen::Index r0, Eigen::Index b, T* out, Eigen::Index ld,
                RowScratch<T>& scratch) {
    if constexpr (requires { A.dense_rows(r0, b, out, ld, scratch); })
        A.dense_rows(r0, b, out, ld, scratch);
    else
        scatter_rows(A.row_block(r0, b, scratch), A.cols(), out, ld);
}

/// Columns [c0, c0 + b) of A as the rows of a dense b x rows block (the rows of Aᵀ), as
/// dense_rows: A's own dense_columns, else its column_block scattered.
template <class D, class T>
void dense_columns(const D& A, Eigen::Index c0, Eigen::Index b, T* out, Eigen::Index ld,
                   RowScratch<T>& scratch) {
    if constexpr (requires { A.dense_columns(c0, b, out, ld, scratch); })
        A.dense_columns(c0, b, out, ld, scratch);
    else
        scatter_rows(A.column_block(c0, b, scratch), A.rows(), out, ld);
}

}  // namespace nmfkit::detail
