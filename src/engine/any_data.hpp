#pragma once
// AnyData<T, I>: any serial adapter of data/ behind one type, so that the loop, the steps, the
// starts and the restarts (engine/run.hpp) are compiled once per (scalar type, block index type)
// rather than once per storage (dense, row-major dense, CSC and CSR of both index widths, held-out
// copies of those); AnyProducts<T>, its part without row access, is a distributed fit's local
// block (mpi/fit_distributed.cpp). Each member forwards to the adapter it was made from through one table of
// function pointers: an indirect call per product, Gram side or block of rows, against work of
// O(nnz·k) or O(rows·k) per call. The extents, ‖A‖² and the non-zero count are read once, at
// construction.
// docs/design.md, "Layers" (engine/ instantiates its templates on AnyData).

#include <concepts>

#include <nmfkit/result.hpp>

#include "data/concepts.hpp"
#include "data/rows.hpp"
#include "loss/kl.hpp"

namespace nmfkit::detail {

/// The adapter behind an AnyProducts or AnyData, of the type its table was made for.
template <class D>
const D& erased_as(const void* a) {
    return *static_cast<const D*>(a);
}

/// A serial DataMatrix whose sampled products take the loss policies of loss/ (today
/// KullbackLeibler<T>): what the Frobenius and KL multiplicative steps read, and what a distributed
/// fit needs of its local block (mpi/distributed.hpp).
template <class T>
class AnyProducts {
public:
    using Scalar = T;
    /// Names the row blocks Transposed<> declares; AnyProducts itself has no row access.
    using BlockIndex = Eigen::Index;
    static constexpr bool distributed = false;  // axis 3: serial (linalg/reduce.hpp)

    /// Refers to `a`, which must outlive this object.
    template <class D>
    requires(DataMatrix<D> && !D::distributed &&
             std::same_as<typename D::Scalar, T>) explicit AnyProducts(const D& a)
        : a_(&a),
          ops_(&ops_of<D>),
          rows_(a.rows()),
          cols_(a.cols()),
          squared_norm_(a.squared_norm()),
          nonzero_count_(a.nonzero_count()) {}

    Eigen::Index rows() const { return rows_; }
    Eigen::Index cols() const { return cols_; }
    double squared_norm() const { return squared_norm_; }
    double sum() const { return ops_->sum(a_); }  // a dense adapter sums on each call
    Eigen::Index nonzero_count() const { return nonzero_count_; }
    double product_flops(Eigen::Index k) const { return ops_->product_flops(a_, k); }
    void times(const Matrix<T>& F, Matrix<T>& out) const { ops_->times(a_, F, out); }
    void transpose_times(const Matrix<T>& F, Matrix<T>& out) const {
        ops_->transpose_times(a_, F, out);
    }
    double residual_squared_norm(const Matrix<T>& W, const Matrix<T>& Ht) const {
        return ops_->residual_squared_norm(a_, W, Ht);
    }

    /// The sampled products of the policies this class forwards (a new policy of loss/ adds one
    /// pair of table entries here; the static_assert names the place).
    template <SampledLoss<T> Policy>
    double sampled_times(const Matrix<T>& W, const Matrix<T>& Ht, const Policy& policy,
                         Matrix<T>& out, bool value) const {
        static_assert(std::same_as<Policy, KullbackLeibler<T>>,
                      "AnyProducts (engine/any_data.hpp) forwards KullbackLeibler only");
        return ops_->sampled_times_kl(a_, W, Ht, policy, out, value);
    }
    template <SampledLoss<T> Policy>
    double sampled_transpose_times(const Matrix<T>& W, const Matrix<T>& Ht, const Policy& policy,
                                   Matrix<T>& out, bool value) const {
        static_assert(std::same_as<Policy, KullbackLeibler<T>>,
                      "AnyProducts (engine/any_data.hpp) forwards KullbackLeibler only");
        return ops_->sampled_transpose_times_kl(a_, W, Ht, policy, out, value);
    }

protected:
    const void* a_;  // the adapter, of the type ops_ was made for

private:
    struct Ops {
        double (*sum)(const void*);
        double (*product_flops)(const void*, Eigen::Index);
        void (*times)(const void*, const Matrix<T>&, Matrix<T>&);
        void (*transpose_times)(const void*, const Matrix<T>&, Matrix<T>&);
        double (*residual_squared_norm)(const void*, const Matrix<T>&, const Matrix<T>&);
        double (*sampled_times_kl)(const void*, const Matrix<T>&, const Matrix<T>&,
                                   const KullbackLeibler<T>&, Matrix<T>&, bool);
        double (*sampled_transpose_times_kl)(const void*, const Matrix<T>&, const Matrix<T>&,
                                             const KullbackLeibler<T>&, Matrix<T>&, bool);
    };

    template <class D>
    static constexpr Ops ops_of{
        [](const void* a) { return erased_as<D>(a).sum(); },
        [](const void* a, Eigen::Index k) { return erased_as<D>(a).product_flops(k); },
        [](const void* a, const Matrix<T>& F, Matrix<T>& out) { erased_as<D>(a).times(F, out); },
        [](const void* a, const Matrix<T>& F, Matrix<T>& out) {
            erased_as<D>(a).transpose_times(F, out);
        },
        [](const void* a, const Matrix<T>& W, const Matrix<T>& Ht) {
            return erased_as<D>(a).residual_squared_norm(W, Ht);
        },
        [](const void* a, const Matrix<T>& W, const Matrix<T>& Ht, const KullbackLeibler<T>& p,
           Matrix<T>& out,
           bool value) { return erased_as<D>(a).sampled_times(W, Ht, p, out, value); },
        [](const void* a, const Matrix<T>& W, const Matrix<T>& Ht, const KullbackLeibler<T>& p,
           Matrix<T>& out,
           bool value) { return erased_as<D>(a).sampled_transpose_times(W, Ht, p, out, value); },
    };

    const Ops* ops_;
    Eigen::Index rows_, cols_;
    double squared_norm_;
    Eigen::Index nonzero_count_;
};

/// AnyProducts and EntrywiseData: the row blocks that coordinate descent, the β updates and the
/// masked steps read. I is the BlockIndex of row_block(): Eigen::Index for dense data and 64-bit
/// sparse indices (the same type on LP64), int for 32-bit sparse indices.
template <class T, class I>
class AnyData : public AnyProducts<T> {
public:
    using BlockIndex = I;

    /// Refers to `a`, which must outlive this object.
    template <class D>
    requires(EntrywiseData<D> && !D::distributed && std::same_as<typename D::Scalar, T> &&
             std::same_as<typename D::BlockIndex, I>) explicit AnyData(const D& a)
        : AnyProducts<T>(a), rows_ops_(&rows_ops_of<D>) {}

    RowBlock<T, I> row_block(Eigen::Index r0, Eigen::Index b, RowScratch<T>& scratch) const {
        return rows_ops_->row_block(this->a_, r0, b, scratch);
    }
    RowBlock<T, I> column_block(Eigen::Index c0, Eigen::Index b, RowScratch<T>& scratch) const {
        return rows_ops_->column_block(this->a_, c0, b, scratch);
    }
    void dense_rows(Eigen::Index r0, Eigen::Index b, T* out, Eigen::Index ld,
                    RowScratch<T>& scratch) const {
        rows_ops_->dense_rows(this->a_, r0, b, out, ld, scratch);
    }
    void dense_columns(Eigen::Index c0, Eigen::Index b, T* out, Eigen::Index ld,
                       RowScratch<T>& scratch) const {
        rows_ops_->dense_columns(this->a_, c0, b, out, ld, scratch);
    }
    bool has_row_access() const { return rows_ops_->has_row_access(this->a_); }
    bool has_column_access() const { return rows_ops_->has_column_access(this->a_); }

private:
    struct RowOps {
        RowBlock<T, I> (*row_block)(const void*, Eigen::Index, Eigen::Index, RowScratch<T>&);
        RowBlock<T, I> (*column_block)(const void*, Eigen::Index, Eigen::Index, RowScratch<T>&);
        void (*dense_rows)(const void*, Eigen::Index, Eigen::Index, T*, Eigen::Index,
                           RowScratch<T>&);
        void (*dense_columns)(const void*, Eigen::Index, Eigen::Index, T*, Eigen::Index,
                              RowScratch<T>&);
        bool (*has_row_access)(const void*);
        bool (*has_column_access)(const void*);
    };

    template <class D>
    static constexpr RowOps rows_ops_of{
        [](const void* a, Eigen::Index r0, Eigen::Index b, RowScratch<T>& s) {
            return erased_as<D>(a).row_block(r0, b, s);
        },
        [](const void* a, Eigen::Index c0, Eigen::Index b, RowScratch<T>& s) {
            return erased_as<D>(a).column_block(c0, b, s);
        },
        [](const void* a, Eigen::Index r0, Eigen::Index b, T* out, Eigen::Index ld,
           RowScratch<T>& s) { detail::dense_rows(erased_as<D>(a), r0, b, out, ld, s); },
        [](const void* a, Eigen::Index c0, Eigen::Index b, T* out, Eigen::Index ld,
           RowScratch<T>& s) { detail::dense_columns(erased_as<D>(a), c0, b, out, ld, s); },
        [](const void* a) { return erased_as<D>(a).has_row_access(); },
        [](const void* a) { return erased_as<D>(a).has_column_access(); },
    };

    const RowOps* rows_ops_;
};

}  // namespace nmfkit::detail
