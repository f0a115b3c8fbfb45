#pragma once
// Axis 1 for masked NMF: only the stored entries of A are observed; every other entry is missing
// (left out of the objective and of every update). ObservedData owns a compressed copy of the
// observed entries, explicit zeros included, built from a dense V (NaN entries missing, or zeros
// missing) or a sparse V (entries not stored missing, stored NaN too).

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include <nmfkit/mask.hpp>
#include <nmfkit/options.hpp>
#include <nmfkit/result.hpp>
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

/// Walks the masked rows of one column in increasing order: masked(i) for i = 0, 1, ... in turn.
class MaskColumnCursor {
public:
    MaskColumnCursor(const Mask* mask, Eigen::Index j) {
        if (mask == nullptr) return;
        at_ = mask->row_index.data() + mask->col_ptr[static_cast<std::size_t>(j)];
        end_ = mask->row_index.data() + mask->col_ptr[static_cast<std::size_t>(j) + 1];
    }
    /// True when row i is masked; rows must be asked in increasing order.
    bool masked(Eigen::Index i) {
        while (at_ != end_ && *at_ < i) ++at_;
        return at_ != end_ && *at_ == i;
    }

private:
    const std::int64_t* at_ = nullptr;
    const std::int64_t* end_ = nullptr;
};

/// Observed entries of a dense V: those that `missing` does not mark missing (nan: NaN entries;
/// zeros: zero entries; none: no entry) and that are not in `mask` (when given, m x n).
template <class T>
ObservedArrays<T> observed_entries(const DenseView<T>& V, Missing missing, const Mask* mask) {
    ObservedArrays<T> o;
    o.rows = V.rows;
    o.cols = V.cols;
    o.col_ptr.assign(1, 0);
    const Eigen::Index ld = V.leading_dimension();
    const bool row_major = V.layout == Layout::row_major;
    for (Eigen::Index j = 0; j < V.cols; ++j) {
        MaskColumnCursor masked(mask, j);
        for (Eigen::Index i = 0; i < V.rows; ++i) {
            if (masked.masked(i)) continue;
            const T v = V.data[row_major ? i * ld + j : i + j * ld];
            if ((missing == Missing::nan && std::isnan(v)) ||
                (missing == Missing::zeros && v == T(0)))
                continue;
            o.row_index.push_back(i);
            o.values.push_back(v);
        }
        o.col_ptr.push_back(static_cast<std::int64_t>(o.values.size()));
    }
    return o;
}

/// V (m x n) as a column-major copy with the entries in `mask` set to zero: the data of a fit with
/// held-out entries (data/held_out.hpp), whose values there are then never read.
template <class T>
Matrix<T> zero_masked_copy(const DenseView<T>& V, const Mask& mask) {
    Matrix<T> A(V.rows, V.cols);
    const Eigen::Index ld = V.leading_dimension();
    const bool row_major = V.layout == Layout::row_major;
    for (Eigen::Index j = 0; j < V.cols; ++j) {
        MaskColumnCursor masked(&mask, j);
        for (Eigen::Index i = 0; i < V.rows; ++i)
            A(i, j) = masked.masked(i) ? T(0) : V.data[row_major ? i * ld + j : i + j * ld];
    }
    return A;
}

/// Observed entries of a sparse V, as CSC: with `all_observed` false (Missing::zeros) the stored
/// entries that are not NaN; with it true (Missing::none) every entry, the unstored ones as
/// zeros (m · n entries: used only where a solver needs them listed); in both cases less the
/// entries in `mask` (when given, m x n). Repeated stored positions are summed.
template <class T, class I>
ObservedArrays<T> observed_entries(const SparseView<T, I>& V, bool all_observed, const Mask* mask) {
    ObservedArrays<T> o;
    o.rows = V.rows;
    o.cols = V.cols;
    const bool csc = V.layout == SparseLayout::csc;
    const Eigen::Index outer = V.outer_size();
    // Per column, the stored entries (row, value) in row order, built by a counting sort.
    std::vector<std::int64_t> ptr(static_cast<std::size_t>(V.cols) + 1, 0);
    for (Eigen::Index s = 0; s < outer; ++s)
        for (I p = V.outer[s]; p < V.outer[s + 1]; ++p)
            ++ptr[static_cast<std::size_t>(csc ? s : static_cast<Eigen::Index>(V.inner[p])) + 1];
    for (std::size_t j = 1; j < ptr.size(); ++j) ptr[j] += ptr[j - 1];
    std::vector<std::pair<std::int64_t, T>> entries(static_cast<std::size_t>(ptr.back()));
    std::vector<std::int64_t> next(ptr.begin(), ptr.end() - 1);
    for (Eigen::Index s = 0; s < outer; ++s)
        for (I p = V.outer[s]; p < V.outer[s + 1]; ++p) {
            const Eigen::Index i = csc ? static_cast<Eigen::Index>(V.inner[p]) : s;
            const Eigen::Index j = csc ? s : static_cast<Eigen::Index>(V.inner[p]);
            entries[static_cast<std::size_t>(next[static_cast<std::size_t>(j)]++)] = {i,
                                                                                      V.values[p]};
        }
    o.col_ptr.assign(1, 0);
    for (Eigen::Index j = 0; j < V.cols; ++j) {
        auto first = entries.begin() + ptr[static_cast<std::size_t>(j)];
        auto last = entries.begin() + ptr[static_cast<std::size_t>(j) + 1];
        std::stable_sort(first, last,
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        MaskColumnCursor masked(mask, j);
        auto emit = [&](std::int64_t i, T v) {
            if (masked.masked(i)) return;
            o.row_index.push_back(i);
            o.values.push_back(v);
        };
        Eigen::Index next_row = 0;  // all_observed: rows below it are emitted
        for (auto e = first; e != last;) {
            const std::int64_t i = e->first;
            T v = 0;
            bool nan = false;
            for (; e != last && e->first == i; ++e) {
                nan = nan || std::isnan(e->second);
                v += e->second;
            }
            if (all_observed)
                for (; next_row < i; ++next_row) emit(next_row, T(0));
            next_row = i + 1;
            if (!nan) emit(i, v);
        }
        if (all_observed)
            for (; next_row < V.rows; ++next_row) emit(next_row, T(0));
        o.col_ptr.push_back(static_cast<std::int64_t>(o.values.size()));
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

    /// Σ over the missing entries of (W Htᵀ)² = ‖W Htᵀ‖²_F − Σ over observed entries of (W Htᵀ)²,
    /// in double (the missing_weight term of the masked Frobenius objective).
    double missing_product_squared_norm(const Matrix<T>& W, const Matrix<T>& Ht) const {
        const Eigen::MatrixXd WtW =
            W.template cast<double>().transpose() * W.template cast<double>();
        const Eigen::MatrixXd HtH =
            Ht.template cast<double>().transpose() * Ht.template cast<double>();
        RowScratch<T> scratch;
        double observed = 0;
        const auto block = this->row_block(0, this->rows(), scratch);
        for (Eigen::Index i = 0; i < this->rows(); ++i)
            for (auto p = block.ptr[i]; p < block.ptr[i + 1]; ++p) {
                const double wh = W.row(i).template cast<double>().dot(
                    Ht.row(static_cast<Eigen::Index>(block.index[p])).template cast<double>());
                observed += wh * wh;
            }
        return std::max(0.0, WtW.cwiseProduct(HtH).sum() - observed);
    }

    /// Σ over observed entries of (A − W Htᵀ)², in double, row by row in order.
    double residual_squared_norm(const Matrix<T>& W, const Matrix<T>& Ht) const {
        RowScratch<T> scratch;
        double total = 0;
        const auto block = this->row_block(0, this->rows(), scratch);
        for (Eigen::Index i = 0; i < this->rows(); ++i) {
            double s = 0;
            for (auto p = block.ptr[i]; p < block.ptr[i + 1]; ++p) {
                const double d =
                    static_cast<double>(block.values[p]) -
                    W.row(i).template cast<double>().dot(
                        Ht.row(static_cast<Eigen::Index>(block.index[p])).template cast<double>());
                s += d * d;
            }
            total += s;
        }
        return total;
    }

    /// Mean of the observed entries (0 when none is observed).
    double observed_mean() const {
        return this->nonzeros() > 0 ? this->sum() / static_cast<double>(this->nonzeros()) : 0.0;
    }
};

/// Rows of A (ObservedData or its Transposed) with fewer than k stored (observed) entries.
template <class D>
std::int64_t rows_with_fewer_than(const D& A, Eigen::Index k) {
    RowScratch<typename D::Scalar> scratch;
    const auto block = A.row_block(0, A.rows(), scratch);
    std::int64_t count = 0;
    for (Eigen::Index i = 0; i < A.rows(); ++i) count += block.ptr[i + 1] - block.ptr[i] < k;
    return count;
}

}  // namespace nmfkit::detail
