#pragma once
// Axis 1, data: how the loop and the solvers see A. DenseData is a column-major dense matrix read
// in place. Every adapter has the members listed in docs/design.md ("The three axes").

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include <nmfkit/result.hpp>

#include "linalg/parallel.hpp"
#include "linalg/kernels.hpp"
#include "data/rows.hpp"
#include "linalg/sampled_loss.hpp"

namespace nmfkit::detail {

/// Column-major dense A (m x n) with leading dimension ld, not owned.
template <class T>
class DenseData {
public:
    using Scalar = T;
    using Map = Eigen::Map<const Matrix<T>, 0, Eigen::OuterStride<>>;
    using BlockIndex = Eigen::Index;            // index type of row_block() / column_block()
    static constexpr bool distributed = false;  // axis 3: serial (linalg/reduce.hpp)

    DenseData(const T* data, Eigen::Index m, Eigen::Index n, Eigen::Index ld)
        : A_(data, m, n, Eigen::OuterStride<>(ld)) {
        // ‖A‖² in double, one partial sum per column, summed in order (thread-count independent),
        // and the count of non-zero entries.
        std::vector<double> partial(static_cast<std::size_t>(n), 0.0);
        std::vector<Eigen::Index> count(partial.size(), 0);
#pragma omp parallel for schedule(static) if (worth_parallel(m * n))
        for (Eigen::Index j = 0; j < n; ++j) {
            partial[static_cast<std::size_t>(j)] = A_.col(j).template cast<double>().squaredNorm();
            count[static_cast<std::size_t>(j)] = (A_.col(j).array() != T(0)).count();
        }
        for (double p : partial) squared_norm_ += p;
        for (Eigen::Index c : count) nonzero_count_ += c;
    }

    Eigen::Index rows() const { return A_.rows(); }
    Eigen::Index cols() const { return A_.cols(); }
    /// ‖A‖²_F in double.
    double squared_norm() const { return squared_norm_; }
    /// Σ A(i, j) in double.
    double sum() const {
        double s = 0;
        for (Eigen::Index j = 0; j < A_.cols(); ++j) s += A_.col(j).template cast<double>().sum();
        return s;
    }
    /// Entries A(i, j) ≠ 0: what HALS's inner budget counts (nnls/subproblem.hpp), the same for
    /// every storage of A.
    Eigen::Index nonzero_count() const { return nonzero_count_; }
    /// Flops of one times() or transpose_times() with k columns, as stored (thread scheduling).
    double product_flops(Eigen::Index k) const {
        return 2.0 * static_cast<double>(rows()) * static_cast<double>(cols()) *
               static_cast<double>(k);
    }

    /// out = A F: out is m x k, F is n x k. The streaming kernel where the active target uses it
    /// (linalg/kernels.hpp), else BLAS.
    void times(const Matrix<T>& F, Matrix<T>& out) const {
        if (streaming_products(F.cols()))
            dense_times(A_.data(), rows(), cols(), A_.outerStride(), F, out);
        else
            out.noalias() = A_ * F;
    }
    /// out = Aᵀ F: out is n x k, F is m x k.
    void transpose_times(const Matrix<T>& F, Matrix<T>& out) const {
        if (streaming_products(F.cols()))
            dense_transpose_times(A_.data(), rows(), cols(), A_.outerStride(), F, out);
        else
            out.noalias() = A_.transpose() * F;
    }

    /// The sampled product (docs/design.md, "The three axes"): out = R Ht (m x k) for W (m x k),
    /// Ht (n x k), with R_ij = policy.weight(A_ij, (W Htᵀ)_ij) over all entries, by column blocks
    /// of A so that only an m x b slice of W Htᵀ exists at a time. With `value`, returns
    /// Σ_ij f(A_ij, (W Htᵀ)_ij) of the policy's loss f from the same slices (else 0).
    template <SampledLoss<T> Policy>
    double sampled_times(const Matrix<T>& W, const Matrix<T>& Ht, const Policy& policy,
                         Matrix<T>& out, bool value) const {
        out.setZero(rows(), W.cols());
        Matrix<T> R;
        double d = 0;
        for (Eigen::Index j0 = 0; j0 < cols(); j0 += block_cols()) {
            const Eigen::Index b = std::min(block_cols(), cols() - j0);
            d += weight_block(W, Ht, j0, b, policy, R, value);
            if (streaming_products(W.cols())) {
                const Matrix<T> Hb = Ht.middleRows(j0, b);  // b x k
                Matrix<T> RH;                               // m x k
                dense_times(R.data(), rows(), b, rows(), Hb, RH);
                out += RH;
            } else {
                out.noalias() += R * Ht.middleRows(j0, b);
            }
        }
        return d;
    }

    /// out = Rᵀ W (n x k) with R as in sampled_times(), by column blocks of A; with `value`,
    /// returns the loss from the same slices.
    template <SampledLoss<T> Policy>
    double sampled_transpose_times(const Matrix<T>& W, const Matrix<T>& Ht, const Policy& policy,
                                   Matrix<T>& out, bool value) const {
        out.resize(cols(), W.cols());
        Matrix<T> R;
        double d = 0;
        for (Eigen::Index j0 = 0; j0 < cols(); j0 += block_cols()) {
            const Eigen::Index b = std::min(block_cols(), cols() - j0);
            d += weight_block(W, Ht, j0, b, policy, R, value);
            if (streaming_products(W.cols())) {
                Matrix<T> RtW;  // b x k
                dense_transpose_times(R.data(), rows(), b, rows(), W, RtW);
                out.middleRows(j0, b) = RtW;
            } else {
                out.middleRows(j0, b).noalias() = R.transpose() * W;
            }
        }
        return d;
    }

    /// ‖A − W Htᵀ‖²_F evaluated entry by entry in double, by column blocks (O(mnk), exact to
    /// rounding, unlike the Gram formula whose cancellation limits it near an exact fit). For
    /// T = float the slices of WH are products in double too: a float WH would leave an error of
    /// about 2ε‖A‖‖A − WH‖, large against ‖A − WH‖² near a close fit.
    double residual_squared_norm(const Matrix<T>& W, const Matrix<T>& Ht) const {
        std::vector<double> partial(static_cast<std::size_t>(cols()), 0.0);
        using P_t = std::conditional_t<std::is_same_v<T, double>, Matrix<T>, Matrix<double>>;
        P_t P;   // m x b slice of WH
        P_t Wd;  // W in double (T = float only)
        if constexpr (!std::is_same_v<T, double>) Wd = W.template cast<double>();
        for (Eigen::Index j0 = 0; j0 < cols(); j0 += block_cols()) {
            const Eigen::Index b = std::min(block_cols(), cols() - j0);
            if constexpr (std::is_same_v<T, double>)
                slice_product(W, Ht, j0, b, P);
            else
                P.noalias() = Wd * Ht.middleRows(j0, b).transpose().template cast<double>();
            const auto& kern = update_kernels<T>();
#pragma omp parallel for schedule(static) if (worth_parallel(rows() * b))
            for (Eigen::Index c = 0; c < b; ++c)
                partial[static_cast<std::size_t>(j0 + c)] =
                    kern.squared_difference(A_.col(j0 + c).data(), P.col(c).data(), rows());
        }
        double total = 0;
        for (double p : partial) total += p;
        return total;
    }

    /// The non-zero entries of rows [r0, r0 + b), gathered into `scratch`: the block copied row by
    /// row (a column's b entries at a time, contiguous), then each row compacted in place.
    RowBlock<T, Eigen::Index> row_block(Eigen::Index r0, Eigen::Index b,
                                        RowScratch<T>& scratch) const {
        const Eigen::Index n = cols();
        scratch.values.resize(static_cast<std::size_t>(b * n));
        T* values = scratch.values.data();
        // The column segments lie a column apart (m entries), a stride the hardware prefetcher
        // does not follow: each is fetched `ahead` columns early, every cache line of it.
        constexpr Eigen::Index ahead = 8;
        constexpr Eigen::Index line = 64 / sizeof(T);
        for (Eigen::Index j = 0; j < n; ++j) {
            if (j + ahead < n)
                for (Eigen::Index t = 0; t < b; t += line)
                    __builtin_prefetch(A_.col(j + ahead).data() + r0 + t);
            const T* column = A_.col(j).data() + r0;
            for (Eigen::Index t = 0; t < b; ++t) values[t * n + j] = column[t];
        }
        return compact(r0, b, n, scratch);
    }

    /// The non-zero entries of columns [c0, c0 + b) as the rows of Aᵀ, gathered into `scratch`.
    RowBlock<T, Eigen::Index> column_block(Eigen::Index c0, Eigen::Index b,
                                           RowScratch<T>& scratch) const {
        const Eigen::Index m = rows();
        scratch.values.resize(static_cast<std::size_t>(b * m));
        std::copy_n(A_.col(c0).data(), b * m, scratch.values.data());  // columns are contiguous
        return compact(c0, b, m, scratch);
    }

    /// Rows [r0, r0 + b) as a dense b x cols block (leading dimension ld): a copy of the block.
    void dense_rows(Eigen::Index r0, Eigen::Index b, T* out, Eigen::Index ld,
                    RowScratch<T>&) const {
        for (Eigen::Index j = 0; j < cols(); ++j)
            std::copy_n(A_.col(j).data() + r0, b, out + j * ld);
    }

    /// Columns [c0, c0 + b) as the rows of a dense b x rows block: the columns transposed, a
    /// tile of columns at a time so that both the reads and the writes stay in cache lines.
    void dense_columns(Eigen::Index c0, Eigen::Index b, T* out, Eigen::Index ld,
                       RowScratch<T>&) const {
        constexpr Eigen::Index tile = 64;
        for (Eigen::Index i0 = 0; i0 < rows(); i0 += tile) {
            const Eigen::Index i1 = std::min(rows(), i0 + tile);
            for (Eigen::Index t = 0; t < b; ++t) {
                const T* column = A_.col(c0 + t).data();
                for (Eigen::Index i = i0; i < i1; ++i) out[i * ld + t] = column[i];
            }
        }
    }

    /// True: every entry can be read by row_block() and column_block().
    bool has_row_access() const { return true; }
    bool has_column_access() const { return true; }

private:
    // Columns per block: about 2^20 entries of WH at a time.
    Eigen::Index block_cols() const {
        return std::max<Eigen::Index>(
            1, std::min<Eigen::Index>(cols(),
                                      (Eigen::Index{1} << 20) / std::max<Eigen::Index>(1, rows())));
    }

    // P (m x b) = W Ht(j0:j0+b, :)ᵀ. With the streaming kernels where the target uses them: their threads are
    // an OpenMP team under the wait policy, while OpenBLAS synchronizes its GEMM threads by
    // spinning with sched_yield, which on a busy machine made 2-thread KL MU fits much slower
    // than 1-thread ones (docs/benchmarks.md, "A busy machine"). Else BLAS.
    void slice_product(const Matrix<T>& W, const Matrix<T>& Ht, Eigen::Index j0, Eigen::Index b,
                       Matrix<T>& P) const {
        if (streaming_products(b)) {
            const Matrix<T> Hb = Ht.middleRows(j0, b).transpose();  // k x b
            dense_times(W.data(), W.rows(), W.cols(), W.rows(), Hb, P);
        } else {
            P.noalias() = W * Ht.middleRows(j0, b).transpose();
        }
    }

    // R (m x b) = policy.weight(A(:, j0:j0+b), W Ht(j0:j0+b, :)ᵀ); with `value`, returns
    // Σ over the slice of policy.term(A, WH) (+ WH where the policy adds the sum of the product) in
    // double, one partial per column, summed in order.
    template <class Policy>
    double weight_block(const Matrix<T>& W, const Matrix<T>& Ht, Eigen::Index j0, Eigen::Index b,
                        const Policy& policy, Matrix<T>& R, bool value) const {
        slice_product(W, Ht, j0, b, R);
        std::vector<double> partial(static_cast<std::size_t>(value ? b : 0), 0.0);
#pragma omp parallel for schedule(static) if (worth_parallel(rows() * b))
        for (Eigen::Index c = 0; c < b; ++c) {
            const T* a = A_.col(j0 + c).data();
            T* r = R.col(c).data();
            const Eigen::Index m = rows();
            double s = 0;  // Σ wh (before r becomes the weights), then + Σ term(v, wh)
            if constexpr (Policy::adds_sum_of_product) {
                if (value) {
#pragma omp simd reduction(+ : s)
                    for (Eigen::Index i = 0; i < m; ++i) s += static_cast<double>(r[i]);
                }
            }
            s += policy.weights(a, r, m, value);
            if (value) partial[static_cast<std::size_t>(c)] = s;
        }
        double total = 0;
        for (double p : partial) total += p;
        return total;
    }

    // scratch.values holds b rows of `length` entries each, one after the other: keeps each row's
    // entries ≠ 0 with their positions in `index`, in order. In place, without a branch per entry:
    // every entry is written at the row's next free position, which advances past it only where
    // it is not 0 (a write never passes the read it follows).
    static RowBlock<T, Eigen::Index> compact(Eigen::Index first, Eigen::Index b,
                                             Eigen::Index length, RowScratch<T>& scratch) {
        scratch.ptr.resize(static_cast<std::size_t>(b) + 1);
        scratch.index.resize(static_cast<std::size_t>(b * length));
        T* values = scratch.values.data();
        Eigen::Index* index = scratch.index.data();
        Eigen::Index q = 0;
        for (Eigen::Index t = 0; t < b; ++t) {
            scratch.ptr[static_cast<std::size_t>(t)] = q;
            const T* row = values + t * length;
            for (Eigen::Index j = 0; j < length; ++j) {
                const T v = row[j];
                values[q] = v;
                index[q] = j;
                q += v != T(0) ? 1 : 0;
            }
        }
        scratch.ptr[static_cast<std::size_t>(b)] = q;
        return {first, b, scratch.ptr.data(), scratch.index.data(), scratch.values.data()};
    }

    Map A_;
    double squared_norm_ = 0;
    Eigen::Index nonzero_count_ = 0;  // entries ≠ 0
};

}  // namespace nmfkit::detail
