#pragma once
/// @file mask.hpp
/// @brief Missing entries given apart from V (Options::mask): a pattern of positions of V that are
/// left out of the objective and of every update.
///
/// Example (hold out two entries of a 3 x 3 V):
/// @code
/// auto mask = std::make_shared<nmfkit::Mask>(nmfkit::Mask::from_positions(3, 3, {{0, 2}, {1, 1}}));
/// nmfkit::Options opt;
/// opt.rank = 2;
/// opt.mask = mask;   // V(0, 2) and V(1, 1) are not seen by the fit
/// @endcode

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nmfkit/errors.hpp>
#include <nmfkit/views.hpp>

namespace nmfkit {

/// The positions of the missing entries of an m x n matrix, as a compressed-column pattern:
/// the missing rows of column j are row_index[col_ptr[j] .. col_ptr[j + 1]), sorted and distinct.
/// A mask adds to Options::missing: an entry is observed when neither rule marks it missing.
struct Mask {
    std::int64_t rows = 0;                 ///< m
    std::int64_t cols = 0;                 ///< n
    std::vector<std::int64_t> col_ptr{0};  ///< size cols + 1
    std::vector<std::int64_t> row_index;   ///< missing rows, column by column, increasing

    /// Number of missing positions.
    std::int64_t size() const { return static_cast<std::int64_t>(row_index.size()); }

    /// True when V(i, j) is missing (binary search in column j).
    bool contains(std::int64_t i, std::int64_t j) const {
        const auto first = row_index.begin() + col_ptr[static_cast<std::size_t>(j)];
        const auto last = row_index.begin() + col_ptr[static_cast<std::size_t>(j) + 1];
        return std::binary_search(first, last, i);
    }

    /// Mask of the given (row, col) positions of an m x n matrix; repeats count once.
    /// @throws InvalidInput naming the first position outside the matrix.
    static Mask from_positions(std::int64_t m, std::int64_t n,
                               std::vector<std::pair<std::int64_t, std::int64_t>> positions) {
        check_shape(m, n);
        for (std::size_t p = 0; p < positions.size(); ++p) {
            const auto [i, j] = positions[p];
            if (i < 0 || i >= m || j < 0 || j >= n)
                throw InvalidInput("mask position " + std::to_string(p + 1) + " (row " +
                                   std::to_string(i + 1) + ", column " + std::to_string(j + 1) +
                                   ") is outside the " + std::to_string(m) + " x " +
                                   std::to_string(n) + " matrix");
        }
        std::sort(positions.begin(), positions.end(), [](const auto& a, const auto& b) {
            return a.second != b.second ? a.second < b.second : a.first < b.first;
        });
        positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
        Mask mask;
        mask.rows = m;
        mask.cols = n;
        mask.col_ptr.assign(static_cast<std::size_t>(n) + 1, 0);
        mask.row_index.reserve(positions.size());
        for (const auto& [i, j] : positions) {
            ++mask.col_ptr[static_cast<std::size_t>(j) + 1];
            mask.row_index.push_back(i);
        }
        for (std::size_t j = 1; j < mask.col_ptr.size(); ++j)
            mask.col_ptr[j] += mask.col_ptr[j - 1];
        return mask;
    }

    /// Mask of a dense matrix M (m x n): its non-zero entries (NaN included) are the missing ones.
    template <class T>
    static Mask from_dense(const DenseView<T>& M) {
        check_shape(M.rows, M.cols);
        Mask mask;
        mask.rows = M.rows;
        mask.cols = M.cols;
        mask.col_ptr.assign(1, 0);
        const Eigen::Index ld = M.leading_dimension();
        for (Eigen::Index j = 0; j < M.cols; ++j) {
            for (Eigen::Index i = 0; i < M.rows; ++i) {
                const T v = M.data[M.layout == Layout::row_major ? i * ld + j : i + j * ld];
                if (v != T(0)) mask.row_index.push_back(i);
            }
            mask.col_ptr.push_back(mask.size());
        }
        return mask;
    }

    /// Mask of a sparse matrix M (m x n): its stored non-zero entries (NaN included) are the
    /// missing ones; stored zeros are not.
    template <class T, class I>
    static Mask from_sparse(const SparseView<T, I>& M) {
        check_shape(M.rows, M.cols);
        std::vector<std::pair<std::int64_t, std::int64_t>> positions;
        positions.reserve(static_cast<std::size_t>(M.nonzeros()));
        const bool csc = M.layout == SparseLayout::csc;
        for (Eigen::Index s = 0; s < M.outer_size(); ++s)
            for (I p = M.outer[s]; p < M.outer[s + 1]; ++p) {
                if (M.values[p] == T(0)) continue;
                const std::int64_t inner = static_cast<std::int64_t>(M.inner[p]);
                positions.emplace_back(csc ? inner : s, csc ? s : inner);
            }
        return from_positions(M.rows, M.cols, std::move(positions));
    }

private:
    static void check_shape(std::int64_t m, std::int64_t n) {
        if (m < 0 || n < 0)
            throw InvalidInput("mask shape " + std::to_string(m) + " x " + std::to_string(n) +
                               " is negative");
    }
};

}  // namespace nmfkit
