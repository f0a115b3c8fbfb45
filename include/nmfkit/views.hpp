#pragma once
/// @file views.hpp
/// @brief Non-owning views of the input matrix V.

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <cstddef>
#include <cstdint>

namespace nmfkit {

/// Memory order of a dense view.
enum class Layout {
    col_major,  ///< V(i, j) at data[i + j · ld]
    row_major,  ///< V(i, j) at data[i · ld + j]
};

/// Dense matrix V (rows x cols) owned by the caller; nmfkit reads it in place and never copies it.
/// A row-major view is factorized as the column-major Vᵀ with the roles of W and H swapped.
template <class T>
struct DenseView {
    const T* data = nullptr;  ///< first entry
    Eigen::Index rows = 0;    ///< m
    Eigen::Index cols = 0;    ///< n
    Layout layout = Layout::col_major;
    Eigen::Index ld = 0;  ///< leading dimension (stride between columns, or rows); 0 = packed

    DenseView() = default;
    DenseView(const T* d, Eigen::Index m, Eigen::Index n, Layout lay = Layout::col_major,
              Eigen::Index lead = 0)
        : data(d), rows(m), cols(n), layout(lay), ld(lead) {}
    /// View of a column-major Eigen matrix (no copy).
    DenseView(const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>& V)
        : data(V.data()), rows(V.rows()), cols(V.cols()), layout(Layout::col_major), ld(V.rows()) {}
    /// View of a row-major Eigen matrix (no copy).
    DenseView(const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& V)
        : data(V.data()), rows(V.rows()), cols(V.cols()), layout(Layout::row_major), ld(V.cols()) {}

    /// Stride between consecutive columns (col-major) or rows (row-major).
    Eigen::Index leading_dimension() const {
        if (ld != 0) return ld;
        return layout == Layout::col_major ? rows : cols;
    }
};

/// Compressed storage order of a sparse view.
enum class SparseLayout {
    csc,  ///< compressed columns: outer has cols + 1 offsets, inner holds row indices
    csr,  ///< compressed rows: outer has rows + 1 offsets, inner holds column indices
};

/// Sparse matrix V (rows x cols) in CSC or CSR form over the caller's arrays (scipy's
/// indptr/indices/data), never copied by the view. I is the index type (int32 or int64).
/// Indices within an outer slice need not be sorted; duplicates are summed.
template <class T, class I = int>
struct SparseView {
    Eigen::Index rows = 0;      ///< m
    Eigen::Index cols = 0;      ///< n
    const I* outer = nullptr;   ///< offsets, size (cols or rows) + 1; outer[0] = 0
    const I* inner = nullptr;   ///< row (CSC) or column (CSR) index of each entry
    const T* values = nullptr;  ///< value of each entry, size outer[last]
    SparseLayout layout = SparseLayout::csc;

    SparseView() = default;
    SparseView(Eigen::Index m, Eigen::Index n, const I* outer_, const I* inner_, const T* values_,
               SparseLayout lay = SparseLayout::csc)
        : rows(m), cols(n), outer(outer_), inner(inner_), values(values_), layout(lay) {}
    /// View of a compressed column-major Eigen sparse matrix (call makeCompressed() first).
    SparseView(const Eigen::SparseMatrix<T, Eigen::ColMajor, I>& V)
        : rows(V.rows()),
          cols(V.cols()),
          outer(V.outerIndexPtr()),
          inner(V.innerIndexPtr()),
          values(V.valuePtr()),
          layout(SparseLayout::csc) {}
    /// View of a compressed row-major Eigen sparse matrix (call makeCompressed() first).
    SparseView(const Eigen::SparseMatrix<T, Eigen::RowMajor, I>& V)
        : rows(V.rows()),
          cols(V.cols()),
          outer(V.outerIndexPtr()),
          inner(V.innerIndexPtr()),
          values(V.valuePtr()),
          layout(SparseLayout::csr) {}

    /// Number of outer slices: cols for CSC, rows for CSR.
    Eigen::Index outer_size() const { return layout == SparseLayout::csc ? cols : rows; }
    /// Number of stored entries (outer[outer_size()]).
    Eigen::Index nonzeros() const {
        return outer == nullptr ? 0 : static_cast<Eigen::Index>(outer[outer_size()]);
    }
};

}  // namespace nmfkit
