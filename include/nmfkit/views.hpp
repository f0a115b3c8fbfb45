#pragma once
/// @file views.hpp
/// @brief Non-owning views of the input matrix V.

#include <Eigen/Core>
#include <cstddef>

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
    const T* data = nullptr;          ///< first entry
    Eigen::Index rows = 0;            ///< m
    Eigen::Index cols = 0;            ///< n
    Layout layout = Layout::col_major;
    Eigen::Index ld = 0;              ///< leading dimension (stride between columns, or rows); 0 = packed

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

}  // namespace nmfkit
