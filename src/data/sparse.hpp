#pragma once
// Axis 1, data: a sparse A (m x n) in compressed sparse columns, read in place. By default a
// compressed-rows copy is built once so that both A·F and Aᵀ·F are gathers that stream through
// memory; with low_memory, A·F scatters from the columns instead. A CSR input is the CSC of Aᵀ
// and is wrapped in Transposed<SparseData> by fit(), as a row-major dense input is.

#include <algorithm>
#include <numeric>
#include <type_traits>
#include <utility>
#include <vector>

#include "linalg/gram.hpp"
#include "data/dense.hpp"
#include "data/rows.hpp"
#include "linalg/kernels.hpp"

namespace nmfkit::detail {

template <class T, class I>
class SparseData {
public:
    using Scalar = T;
    using BlockIndex = I;                       // index type of row_block() / column_block()
    static constexpr bool distributed = false;  // axis 3: serial (linalg/reduce.hpp)

    /// A (m x n) from CSC arrays: col_ptr (n + 1), row_index and values (nnz). Validated before.
    /// Columns with repeated row indices are merged (summed) into an owned copy.
    SparseData(Eigen::Index m, Eigen::Index n, const I* col_ptr, const I* row_index,
               const T* values, bool build_rows)
        : m_(m), n_(n) {
        csc_ = Compressed<T, I>{n, m, col_ptr, row_index, values};
        if (has_duplicates()) merge_duplicates();
        if (build_rows) build_csr();
        // ‖A‖² and Σ A in double, one partial per column summed in order.
        // Stored zeros are not counted in nonzero_count().
        std::vector<double> sq(static_cast<std::size_t>(n)), sum(sq.size());
        std::vector<Eigen::Index> count(sq.size());
#pragma omp parallel for schedule(static) if (worth_parallel(csc_.nonzeros()))
        for (Eigen::Index j = 0; j < n; ++j) {
            double a = 0, b = 0;
            Eigen::Index c = 0;
            for (I p = csc_.outer[j]; p < csc_.outer[j + 1]; ++p) {
                const double v = csc_.values[p];
                a += v * v;
                b += v;
                c += v != 0 ? 1 : 0;
            }
            sq[static_cast<std::size_t>(j)] = a;
            sum[static_cast<std::size_t>(j)] = b;
            count[static_cast<std::size_t>(j)] = c;
        }
        for (std::size_t j = 0; j < sq.size(); ++j) {
            squared_norm_ += sq[j];
            sum_ += sum[j];
            nonzero_count_ += count[j];
        }
    }

    Eigen::Index rows() const { return m_; }
    Eigen::Index cols() const { return n_; }
    Eigen::Index nonzeros() const { return csc_.nonzeros(); }
    double squared_norm() const { return squared_norm_; }
    double sum() const { return sum_; }
    /// Entries A(i, j) ≠ 0 (stored zeros left out): what HALS's inner budget counts
    /// (nnls/subproblem.hpp), the same for every storage of A.
    Eigen::Index nonzero_count() const { return nonzero_count_; }
    /// Flops of one product with k columns as stored (thread scheduling): 2·nnz·k.
    double product_flops(Eigen::Index k) const {
        return 2.0 * static_cast<double>(nonzeros()) * static_cast<double>(k);
    }
    /// Bytes of the copies this adapter owns (the CSR copy, a merged CSC).
    std::size_t owned_bytes() const {
        return (row_ptr_.size() + col_index_.size() + merged_ptr_.size() + merged_index_.size()) *
                   sizeof(I) +
               (row_values_.size() + merged_values_.size()) * sizeof(T);
    }

    /// out = A F: out is m x k, F is n x k.
    void times(const Matrix<T>& F, Matrix<T>& out) const {
        const Columns<T> Ft(F);  // k x n
        if (has_rows()) {
            gather(csr_, Ft, out);
        } else {
            Matrix<T> outT;  // k x m
            scatter(csc_, Ft, outT);
            transpose_to(outT, out);
        }
    }

    /// out = Aᵀ F: out is n x k, F is m x k.
    void transpose_times(const Matrix<T>& F, Matrix<T>& out) const {
        const Columns<T> Ft(F);  // k x m
        gather(csc_, Ft, out);
    }

    /// The sampled product: out = R Ht (m x k) with R_ij = policy.weight(A_ij, (W Htᵀ)_ij) at the
    /// stored entries (0 elsewhere: weight(0, ·) = 0), WH sampled there only: O(nnz·k). With
    /// `value`, returns Σ_ij f(A_ij, (W Htᵀ)_ij) from the same pass: the policy's terms at the
    /// stored entries (term(0, ·) = 0), plus Σ_ij (W Htᵀ)_ij where the policy adds it (else 0).
    template <SampledLoss<T> Policy>
    double sampled_times(const Matrix<T>& W, const Matrix<T>& Ht, const Policy& policy,
                         Matrix<T>& out, bool value) const {
        const Columns<T> Wt(W), Htt(Ht);  // k x m, k x n
        double sampled;
        if (has_rows()) {
            sampled = sampled_gather(csr_, Wt, Htt, policy, out, value);
        } else {
            Matrix<T> outT;  // k x m
            sampled = sampled_scatter(csc_, Htt, Wt, policy, outT, value);
            transpose_to(outT, out);
        }
        return value_of<Policy>(sampled, W, Ht, value);
    }

    /// out = Rᵀ W (n x k), R sampled at the stored entries; with `value`, returns the loss as
    /// sampled_times() does.
    template <SampledLoss<T> Policy>
    double sampled_transpose_times(const Matrix<T>& W, const Matrix<T>& Ht, const Policy& policy,
                                   Matrix<T>& out, bool value) const {
        const Columns<T> Wt(W), Htt(Ht);  // k x m, k x n
        const double sampled = sampled_gather(csc_, Htt, Wt, policy, out, value);
        return value_of<Policy>(sampled, W, Ht, value);
    }

    /// ‖A − W Htᵀ‖² = ‖A‖² − 2 Σ_nnz a·wh + ⟨WᵀW, HtᵀHt⟩, all in double (Grams of double copies;
    /// for T = float the products wh too, so that the float objective's anchor
    /// (engine/steps.hpp, FrobeniusStep) does not carry float rounding of order ε‖A‖²).
    double residual_squared_norm(const Matrix<T>& W, const Matrix<T>& Ht) const {
        if constexpr (std::is_same_v<T, double>) {
            return residual_from(sampled_cross(csc_, Columns<T>(Ht), Columns<T>(W)), W, Ht);
        } else {
            const Matrix<double> Wd = W.template cast<double>();    // m x k
            const Matrix<double> Htd = Ht.template cast<double>();  // n x k
            // The dispatched kernel with double factors (was an Eigen loop here, compiled for
            // baseline x86-64 in the portable build: docs/benchmarks.md, "Portable against
            // native by instruction counts").
            return residual_from(sampled_cross(csc_, Columns<double>(Htd), Columns<double>(Wd)), Wd,
                                 Htd);
        }
    }

    /// The stored entries of rows [r0, r0 + b): a view of the compressed-rows copy.
    /// NOTE: needs that copy (not built with low_memory); has_row_access() says whether it exists.
    RowBlock<T, I> row_block(Eigen::Index r0, Eigen::Index b, RowScratch<T>&) const {
        return {r0, b, csr_.outer + r0, csr_.inner, csr_.values};
    }

    /// The stored entries of columns [c0, c0 + b) as the rows of Aᵀ: a view of the columns.
    RowBlock<T, I> column_block(Eigen::Index c0, Eigen::Index b, RowScratch<T>&) const {
        return {c0, b, csc_.outer + c0, csc_.inner, csc_.values};
    }

    /// Whether row_block() can be used (the compressed-rows copy exists).
    bool has_row_access() const { return has_rows(); }
    /// True: column_block() reads the caller's columns.
    bool has_column_access() const { return true; }

private:
    bool has_rows() const { return !row_ptr_.empty(); }

    // ‖A‖² − 2·cross + ⟨WᵀW, HtᵀHt⟩ (W m x k, Ht n x k, in double), at least 0.
    double residual_from(double cross, const Matrix<double>& W, const Matrix<double>& Ht) const {
        Matrix<double> WtW, HtH;
        gram(W, WtW);
        gram(Ht, HtH);
        return std::max(0.0, squared_norm_ - 2.0 * cross + dot(WtW, HtH));
    }

    // The loss from the stored entries' terms: + Σ_ij (W Htᵀ)_ij where the policy adds it.
    template <class Policy>
    static double value_of(double sampled, const Matrix<T>& W, const Matrix<T>& Ht, bool value) {
        if (!value) return 0.0;
        if constexpr (Policy::adds_sum_of_product)
            return sampled + total_of_product(W, Ht);
        else
            return sampled;
    }

    // Σ_ij (W Htᵀ)_ij = Σ_l (Σ_i W_il)(Σ_j Ht_jl), in double.
    static double total_of_product(const Matrix<T>& W, const Matrix<T>& Ht) {
        return W.template cast<double>().colwise().sum().dot(
            Ht.template cast<double>().colwise().sum());
    }

    bool has_duplicates() const {
        std::vector<Eigen::Index> last(static_cast<std::size_t>(m_), -1);
        for (Eigen::Index j = 0; j < n_; ++j)
            for (I p = csc_.outer[j]; p < csc_.outer[j + 1]; ++p) {
                auto& seen = last[static_cast<std::size_t>(csc_.inner[p])];
                if (seen == j) return true;
                seen = j;
            }
        return false;
    }

    // Owned CSC with each column sorted and repeated row indices summed.
    void merge_duplicates() {
        merged_ptr_.assign(static_cast<std::size_t>(n_) + 1, 0);
        merged_index_.reserve(static_cast<std::size_t>(csc_.nonzeros()));
        merged_values_.reserve(static_cast<std::size_t>(csc_.nonzeros()));
        std::vector<std::pair<I, T>> column;
        for (Eigen::Index j = 0; j < n_; ++j) {
            column.clear();
            for (I p = csc_.outer[j]; p < csc_.outer[j + 1]; ++p)
                column.emplace_back(csc_.inner[p], csc_.values[p]);
            std::sort(column.begin(), column.end(),
                      [](const auto& a, const auto& b) { return a.first < b.first; });
            for (std::size_t q = 0; q < column.size(); ++q) {
                if (q > 0 && column[q].first == column[q - 1].first)
                    merged_values_.back() += column[q].second;
                else {
                    merged_index_.push_back(column[q].first);
                    merged_values_.push_back(column[q].second);
                }
            }
            merged_ptr_[static_cast<std::size_t>(j) + 1] = static_cast<I>(merged_index_.size());
        }
        csc_ = Compressed<T, I>{n_, m_, merged_ptr_.data(), merged_index_.data(),
                                merged_values_.data()};
    }

    // The CSR copy by a counting sort over rows: O(nnz + m).
    void build_csr() {
        const std::size_t nnz = static_cast<std::size_t>(csc_.nonzeros());
        row_ptr_.assign(static_cast<std::size_t>(m_) + 1, 0);
        col_index_.resize(nnz);
        row_values_.resize(nnz);
        for (std::size_t p = 0; p < nnz; ++p)
            ++row_ptr_[static_cast<std::size_t>(csc_.inner[p]) + 1];
        std::partial_sum(row_ptr_.begin(), row_ptr_.end(), row_ptr_.begin());
        std::vector<I> next(row_ptr_.begin(), row_ptr_.end() - 1);
        for (Eigen::Index j = 0; j < n_; ++j)
            for (I p = csc_.outer[j]; p < csc_.outer[j + 1]; ++p) {
                const I q = next[static_cast<std::size_t>(csc_.inner[p])]++;
                col_index_[static_cast<std::size_t>(q)] = static_cast<I>(j);
                row_values_[static_cast<std::size_t>(q)] = csc_.values[p];
            }
        csr_ = Compressed<T, I>{m_, n_, row_ptr_.data(), col_index_.data(), row_values_.data()};
    }

    Eigen::Index m_, n_;
    Compressed<T, I> csc_;  // columns of A (the caller's arrays or merged_*)
    Compressed<T, I> csr_;  // rows of A (row_ptr_ ...), when built
    std::vector<I> merged_ptr_, merged_index_;
    std::vector<T> merged_values_;
    std::vector<I> row_ptr_, col_index_;
    std::vector<T> row_values_;
    double squared_norm_ = 0, sum_ = 0;
    Eigen::Index nonzero_count_ = 0;  // stored entries ≠ 0
};

}  // namespace nmfkit::detail
