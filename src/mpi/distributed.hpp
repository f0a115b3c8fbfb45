#pragma once
// Axis 1 and 3 over MPI: DistributedData presents the global V (m x n) to the one alternating loop
// while this rank holds only its block A_ij (grid.hpp) and its own rows of W and Ht. Each product
// is HPC-NMF's (Kannan, Ballard & Park, PPoPP 2016, Algorithm 3):
//   A·Ht : all-gather Ht's rows C_j over the grid column, local A_ij·Ht_Cj (m_i x k),
//          reduce-scatter over the grid row → this rank's rows of A·Ht;
//   Aᵀ·W : all-gather W's rows R_i over the grid row, local A_ijᵀ·W_Ri (n_j x k),
//          reduce-scatter over the grid column → this rank's rows of Aᵀ·W;
// Gram matrices are local SYRKs summed by an all-reduce; scalars (objective parts, HALS's inner
// stop) are summed in rank order after an all-gather, so every rank holds the same bits and takes
// the same decisions. The sampled products need WH only inside A_ij, which W_Ri and Ht_Cj give.

#include <mpi.h>

#include <chrono>
#include <climits>
#include <string>
#include <vector>

#include <nmfkit/errors.hpp>

#include <nmfkit/mpi/fit.hpp>
#include <nmfkit/mpi/grid.hpp>

#include "linalg/gram.hpp"
#include "data/concepts.hpp"
#include "data/dense.hpp"
#include "data/sparse.hpp"
#include "data/transposed.hpp"
#include "loss/kl.hpp"

namespace nmfkit::mpi {

template <class T>
using Matrix = nmfkit::Matrix<T>;

template <class T>
MPI_Datatype mpi_type() {
    return std::is_same_v<T, double> ? MPI_DOUBLE : MPI_FLOAT;
}

/// Checks that a count fits MPI's int; the message names what was too large.
inline int mpi_count(double count, const char* what) {
    if (count > INT_MAX)
        throw InvalidInput(std::string("nmfkit-mpi: ") + what + " of " + std::to_string(count) +
                           " words exceeds MPI's 32-bit count; use more processes or a smaller k");
    return static_cast<int>(count);
}

template <class Local>
class DistributedData {
public:
    using Scalar = typename Local::Scalar;
    using BlockIndex = typename Local::BlockIndex;
    using T = Scalar;
    /// Axis 3: the factors are spread over the ranks; the members below make it a Reducer
    /// (linalg/reduce.hpp), which the reduction helpers check at compile time.
    static constexpr bool distributed = true;

    /// `block` is A_ij of `layout` on this rank of `grid`; `times` collects the phase costs.
    /// Collective (sums ‖A‖², ΣA and the product cost over the ranks).
    DistributedData(const Grid& grid, const Layout& layout, const Local& block, PhaseTimes& times)
        : grid_(grid), layout_(layout), block_(block), times_(times) {
        const int i = grid.i(), j = grid.j();
        for (int jj = 0; jj < grid.pc(); ++jj) w_pieces_.push_back(layout.w_rows(i, jj));
        for (int ii = 0; ii < grid.pr(); ++ii) h_pieces_.push_back(layout.h_rows(ii, j));
        squared_norm_ = all_sum(block.squared_norm());
        sum_ = all_sum(block.sum());
        flops_per_column_ = all_sum(block.product_flops(1));
        nonzero_count_ =
            static_cast<Eigen::Index>(all_sum(static_cast<double>(block.nonzero_count())));
    }

    Eigen::Index rows() const { return layout_.m; }
    Eigen::Index cols() const { return layout_.n; }
    double squared_norm() const { return squared_norm_; }
    double sum() const { return sum_; }
    /// A's entries ≠ 0 over all blocks: the serial fit's count, so HALS budgets its sweeps alike.
    Eigen::Index nonzero_count() const { return nonzero_count_; }
    double product_flops(Eigen::Index k) const {
        return flops_per_column_ * static_cast<double>(k);
    }
    /// This rank's rows of W and of Ht (global row numbers).
    Range w_rows() const { return w_pieces_[static_cast<std::size_t>(grid_.j())]; }
    Range h_rows() const { return h_pieces_[static_cast<std::size_t>(grid_.i())]; }

    /// out (own rows of A·Ht, m_own x k) for Ht's own rows (n_own x k).
    void times(const Matrix<T>& Ht, Matrix<T>& out) const {
        gather(Ht, grid_.col(), h_pieces_, Ht_block_);
        timed(times_.local_product, [&] { block_.times(Ht_block_, partial_); });
        reduce_scatter(partial_, grid_.row(), w_pieces_, out);
    }
    /// out (own rows of Aᵀ·W, n_own x k) for W's own rows (m_own x k).
    void transpose_times(const Matrix<T>& W, Matrix<T>& out) const {
        gather(W, grid_.row(), w_pieces_, W_block_);
        timed(times_.local_product, [&] { block_.transpose_times(W_block_, partial_); });
        reduce_scatter(partial_, grid_.col(), h_pieces_, out);
    }
    /// The sampled product (docs/design.md): out = own rows of R Ht, R_ij = policy.weight(A_ij,
    /// (W Htᵀ)_ij); with `value`, returns the policy's loss over all of A (each block's, summed).
    template <class Policy>
    double sampled_times(const Matrix<T>& W, const Matrix<T>& Ht, const Policy& policy,
                         Matrix<T>& out, bool value) const {
        gather(W, grid_.row(), w_pieces_, W_block_);
        gather(Ht, grid_.col(), h_pieces_, Ht_block_);
        double d = 0;
        timed(times_.local_product,
              [&] { d = block_.sampled_times(W_block_, Ht_block_, policy, partial_, value); });
        reduce_scatter(partial_, grid_.row(), w_pieces_, out);
        return value ? all_sum(d) : 0.0;
    }
    /// out = own rows of Rᵀ W; with `value`, returns the loss over all of A.
    template <class Policy>
    double sampled_transpose_times(const Matrix<T>& W, const Matrix<T>& Ht, const Policy& policy,
                                   Matrix<T>& out, bool value) const {
        gather(W, grid_.row(), w_pieces_, W_block_);
        gather(Ht, grid_.col(), h_pieces_, Ht_block_);
        double d = 0;
        timed(times_.local_product, [&] {
            d = block_.sampled_transpose_times(W_block_, Ht_block_, policy, partial_, value);
        });
        reduce_scatter(partial_, grid_.col(), h_pieces_, out);
        return value ? all_sum(d) : 0.0;
    }
    /// ‖A − W Htᵀ‖²_F: each block's, summed.
    double residual_squared_norm(const Matrix<T>& W, const Matrix<T>& Ht) const {
        gather(W, grid_.row(), w_pieces_, W_block_);
        gather(Ht, grid_.col(), h_pieces_, Ht_block_);
        double r = 0;
        timed(times_.local_product, [&] { r = block_.residual_squared_norm(W_block_, Ht_block_); });
        return all_sum(r);
    }
    /// The solvers that read A by single rows or columns (cd for KL, β updates) are not
    /// row-local over a grid.
    bool has_row_access() const { return false; }
    bool has_column_access() const { return false; }

    // Axis 3 (linalg/reduce.hpp).
    /// Σ over the ranks in rank order: the same bits on every rank, whatever MPI's reduction order.
    double all_sum(double x) const {
        const auto t0 = Clock::now();
        std::vector<double> all(static_cast<std::size_t>(grid_.size()));
        MPI_Allgather(&x, 1, MPI_DOUBLE, all.data(), 1, MPI_DOUBLE, grid_.world());
        double s = 0;
        for (double v : all) s += v;
        times_.all_reduce += seconds_since(t0);
        times_.words_all_reduce += 1;
        return s;
    }
    template <class S>
    void all_sum(S* x, Eigen::Index count) const {
        const auto t0 = Clock::now();
        MPI_Allreduce(MPI_IN_PLACE, x, mpi_count(static_cast<double>(count), "an all-reduce"),
                      mpi_type<S>(), MPI_SUM, grid_.world());
        times_.all_reduce += seconds_since(t0);
        times_.words_all_reduce += static_cast<double>(count);
    }
    double all_max(double x) const {
        double out = x;
        MPI_Allreduce(&x, &out, 1, MPI_DOUBLE, MPI_MAX, grid_.world());
        return out;
    }
    template <class S>
    void make_same(S* x, Eigen::Index count) const {
        MPI_Bcast(x, mpi_count(static_cast<double>(count), "a broadcast"), mpi_type<S>(), 0,
                  grid_.world());
    }
    /// Rows of W (and of A·F) and of Ht (an operand of A·F) held here, and their global first rows.
    Eigen::Index local_rows() const { return w_rows().size; }
    Eigen::Index local_cols() const { return h_rows().size; }
    std::uint64_t first_row() const { return static_cast<std::uint64_t>(w_rows().begin); }
    std::uint64_t first_col() const { return static_cast<std::uint64_t>(h_rows().begin); }
    int agree(int code) const {
        int out = code;
        MPI_Allreduce(&code, &out, 1, MPI_INT, MPI_MAX, grid_.world());
        return out;
    }
    /// G = FᵀF (k x k) over all ranks: local SYRK, then an all-reduce.
    void gram(const Matrix<T>& F, Matrix<T>& G) const {
        timed(times_.gram, [&] { detail::gram(F, G); });
        all_sum(G.data(), G.size());
    }

    /// The whole W-like (w_like: m x k) or Ht-like (n x k) factor on rank 0 from the rows @p own
    /// each rank owns (w_rows / h_rows by world rank); empty on the other ranks. Collective: for
    /// checkpoints (linalg/reduce.hpp, whole_factor).
    Matrix<T> gather_whole(const Matrix<T>& own, bool w_like) const {
        const Eigen::Index k = own.cols();
        std::vector<int> counts, displs;
        for (int q = 0; q < grid_.size(); ++q) {
            const Range p = w_like ? layout_.w_rows(q / grid_.pc(), q % grid_.pc())
                                   : layout_.h_rows(q / grid_.pc(), q % grid_.pc());
            counts.push_back(mpi_count(static_cast<double>(p.size * k), "gathering a factor"));
            displs.push_back(mpi_count(static_cast<double>(p.begin * k), "gathering a factor"));
        }
        const Matrix<T> send = own.transpose();  // k x own
        Matrix<T> packed;                        // k x (m or n) on rank 0
        if (grid_.rank() == 0) packed.resize(k, w_like ? layout_.m : layout_.n);
        MPI_Gatherv(send.data(), static_cast<int>(send.size()), mpi_type<T>(), packed.data(),
                    counts.data(), displs.data(), mpi_type<T>(), 0, grid_.world());
        return grid_.rank() == 0 ? Matrix<T>(packed.transpose()) : Matrix<T>();
    }

private:
    using Clock = std::chrono::steady_clock;
    static double seconds_since(Clock::time_point t0) {
        return std::chrono::duration<double>(Clock::now() - t0).count();
    }
    template <class F>
    static void timed(double& into, F&& f) {
        const auto t0 = Clock::now();
        f();
        into += seconds_since(t0);
    }

    // out (Σ pieces x k) ← the rows of F (own piece x k) of every rank of `comm`, in piece order
    // (a rank's place in comm is its piece's index). Rows travel packed: k x rows, column-major.
    void gather(const Matrix<T>& F, MPI_Comm comm, const std::vector<Range>& pieces,
                Matrix<T>& out) const {
        const auto t0 = Clock::now();
        const Eigen::Index k = F.cols();
        std::vector<int> counts, displs;
        double total = 0;
        for (const Range& p : pieces) {
            counts.push_back(mpi_count(static_cast<double>(p.size * k), "an all-gather piece"));
            displs.push_back(mpi_count(total, "an all-gather"));
            total += static_cast<double>(p.size * k);
        }
        send_ = F.transpose();  // k x own
        packed_.resize(
            k, static_cast<Eigen::Index>(total / std::max<double>(1, static_cast<double>(k))));
        MPI_Allgatherv(send_.data(), static_cast<int>(send_.size()), mpi_type<T>(), packed_.data(),
                       counts.data(), displs.data(), mpi_type<T>(), comm);
        out = packed_.transpose();
        times_.all_gather += seconds_since(t0);
        times_.words_all_gather += total - static_cast<double>(F.size());
    }

    // out (own piece x k) ← Σ over the ranks of `comm` of their partial (Σ pieces x k), rows of
    // this rank's piece.
    void reduce_scatter(const Matrix<T>& partial, MPI_Comm comm, const std::vector<Range>& pieces,
                        Matrix<T>& out) const {
        const auto t0 = Clock::now();
        const Eigen::Index k = partial.cols();
        int me = 0;
        MPI_Comm_rank(comm, &me);
        std::vector<int> counts;
        for (const Range& p : pieces)
            counts.push_back(mpi_count(static_cast<double>(p.size * k), "a reduce-scatter piece"));
        send_ = partial.transpose();  // k x Σ pieces
        packed_.resize(k, pieces[static_cast<std::size_t>(me)].size);
        MPI_Reduce_scatter(send_.data(), packed_.data(), counts.data(), mpi_type<T>(), MPI_SUM,
                           comm);
        out = packed_.transpose();
        times_.reduce_scatter += seconds_since(t0);
        times_.words_reduce_scatter += static_cast<double>(partial.size() - out.size());
    }

    const Grid& grid_;
    Layout layout_;
    const Local& block_;
    PhaseTimes& times_;
    std::vector<Range> w_pieces_;  // W's rows of R_i by grid column (this grid row's ranks)
    std::vector<Range> h_pieces_;  // Ht's rows of C_j by grid row (this grid column's ranks)
    double squared_norm_ = 0, sum_ = 0, flops_per_column_ = 0;
    Eigen::Index nonzero_count_ = 0;  // entries ≠ 0 over all ranks
    // Work space reused across products.
    mutable Matrix<T> W_block_, Ht_block_, partial_;  // m_i x k, n_j x k, m_i or n_j x k
    mutable Matrix<T> send_, packed_;                 // transposed (k x rows) send/receive buffers
};

// The distributed adapter over the blocks fit_distributed.cpp reads: a DataMatrix whose
// `distributed` makes it a Reducer (checked by the concept), with the sampled product.
static_assert(detail::SampledData<DistributedData<detail::DenseData<double>>,
                                  detail::KullbackLeibler<double>>);
static_assert(detail::SampledData<DistributedData<detail::SparseData<float, int>>,
                                  detail::KullbackLeibler<float>>);
static_assert(detail::Reducer<detail::Transposed<DistributedData<detail::DenseData<float>>>>);

}  // namespace nmfkit::mpi
