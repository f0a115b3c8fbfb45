#pragma once
// Axis 1 for masked NMF: only the stored entries of A are observed; every other entry is missing
// (left out of the objective and of every update). ObservedData owns a compressed copy of the
// observed entries, explicit zeros included, built from a dense V (NaN entries missing, or zeros
// missing) or a sparse V (entries not stored missing, stored NaN too).

#include <algorithm>
#include <cmath>
#include <vector>

#include <nmfkit/views.hpp>

#include "data/sparse.hpp"

namespace nmfkit::detail {

/// The observed entries as owned CSC arrays (column pointers, row indices, values).
template <class T>
struct ObservedArrays {
    Eigen::Index rows = 0, cols = 0;
    std::vector<std::int64_t> col_ptr, row_index;
    std::vector<T> values;
};

/// Observed entries of a dense V: not NaN (nan_missing) or non-zero (zeros missing).
template <class T>
ObservedArrays<T> observed_entries(const DenseView<T>& V, bool nan_missing) {
    ObservedArrays<T> o;
    o.rows = V.rows;
    o.cols = V.cols;
    o.col_ptr.assign(1, 0);
    const Eigen::Index ld = V.leading_dimension();
    const bool row_major = V.layout == Layout::row_major;
    for (Eigen::Index j = 0; j < V.cols; ++j) {
        for (Eigen::Index i = 0; i < V.rows; ++i) {
            const T v = V.data[row_major ? i * ld + j : i + j * ld];
            if (nan_missing ? std::isnan(v) : v == T(0)) continue;
            o.row_index.push_back(i);
            o.values.push_back(v);
        }
        o.col_ptr.push_back(static_cast<std::int64_t>(o.values.size()));
    }
    return o;
}

/// Observed entries of a sparse V: the stored ones that are not NaN, as CSC.
template <class T, class I>
ObservedArrays<T> observed_entries(const SparseView<T, I>& V) {
    ObservedArrays<T> o;
    o.rows = V.rows;
    o.cols = V.cols;
    const bool csc = V.layout == SparseLayout::csc;
    const Eigen::Index outer = V.outer_size();
    // Count per column, then place (a CSR input is transposed by a counting sort).
    o.col_ptr.assign(static_cast<std::size_t>(V.cols) + 1, 0);
    for (Eigen::Index s = 0; s < outer; ++s)
        for (I p = V.outer[s]; p < V.outer[s + 1]; ++p)
            if (!std::isnan(V.values[p]))
                ++o.col_ptr[static_cast<std::size_t>(csc ? s : static_cast<Eigen::Index>(V.inner[p])) + 1];
    for (std::size_t j = 1; j < o.col_ptr.size(); ++j) o.col_ptr[j] += o.col_ptr[j - 1];
    o.row_index.resize(static_cast<std::size_t>(o.col_ptr.back()));
    o.values.resize(o.row_index.size());
    std::vector<std::int64_t> next(o.col_ptr.begin(), o.col_ptr.end() - 1);
    for (Eigen::Index s = 0; s < outer; ++s)
        for (I p = V.outer[s]; p < V.outer[s + 1]; ++p) {
            if (std::isnan(V.values[p])) continue;
            const Eigen::Index i = csc ? static_cast<Eigen::Index>(V.inner[p]) : s;
            const Eigen::Index j = csc ? s : static_cast<Eigen::Index>(V.inner[p]);
            const auto q = static_cast<std::size_t>(next[static_cast<std::size_t>(j)]++);
            o.row_index[q] = i;
            o.values[q] = V.values[p];
        }
    return o;
}

/// A (m x n) whose stored entries are the observed ones: the sparse adapter (both orientations
/// always built, since masked solvers read rows and columns), with the objective, error and mean
/// taken over the observed entries only.
template <class T>
class ObservedData : public SparseData<T, std::int64_t> {
public:
    explicit ObservedData(const ObservedArrays<T>& o)
        : SparseData<T, std::int64_t>(o.rows, o.cols, o.col_ptr.data(), o.row_index.data(),
                                      o.values.data(), true) {}

    /// Σ over observed entries of (A − W Htᵀ)², in double, row by row in order.
    double residual_squared_norm(const Matrix<T>& W, const Matrix<T>& Ht) const {
        RowScratch<T> scratch;
        double total = 0;
        const auto block = this->row_block(0, this->rows(), scratch);
        for (Eigen::Index i = 0; i < this->rows(); ++i) {
            double s = 0;
            for (auto p = block.ptr[i]; p < block.ptr[i + 1]; ++p) {
                const double d = static_cast<double>(block.values[p]) -
                                 W.row(i).template cast<double>().dot(
                                     Ht.row(static_cast<Eigen::Index>(block.index[p])).template cast<double>());
                s += d * d;
            }
            total += s;
        }
        return total;
    }

    /// Σ over observed entries of A log(A/WH) − A + WH (WH floored as in kl_floor), in double.
    double kl_divergence(const Matrix<T>& W, const Matrix<T>& Ht) const {
        RowScratch<T> scratch;
        const double floor = kl_floor<T>();
        double total = 0;
        const auto block = this->row_block(0, this->rows(), scratch);
        for (Eigen::Index i = 0; i < this->rows(); ++i)
            for (auto p = block.ptr[i]; p < block.ptr[i + 1]; ++p) {
                const double v = block.values[p];
                const double wh = std::max(floor, W.row(i).template cast<double>().dot(
                    Ht.row(static_cast<Eigen::Index>(block.index[p])).template cast<double>()));
                total += (v > 0 ? v * std::log(v / wh) - v : 0.0) + wh;
            }
        return total;
    }

    /// Mean of the observed entries (0 when none is observed).
    double observed_mean() const {
        return this->nonzeros() > 0 ? this->sum() / static_cast<double>(this->nonzeros()) : 0.0;
    }
};

}  // namespace nmfkit::detail
