#pragma once
// Axis 3, reduction: sums over the processes that share the factors (docs/design.md). A serial
// adapter has none of the members below and every helper is the identity; the distributed adapter
// (src/mpi/distributed.hpp) provides all_sum(double), all_sum(T*, count), all_max(double),
// agree(int), gram(F, G) and the local extents of the factors, and the steps, the loop and the
// NNDSVD start call these helpers so that they run unchanged on it.

#include <cstdint>

#include <Eigen/Core>

#include "linalg/gram.hpp"

namespace nmfkit::detail {

/// Σ over the processes of x, the same value on every process (serial: x).
template <class D>
double all_sum(const D& A, double x) {
    if constexpr (requires { A.all_sum(x); })
        return A.all_sum(x);
    else
        return x;
}

/// X ← Σ over the processes of X, element by element (serial: unchanged).
template <class D, class M>
void all_sum_in_place(const D& A, M& X) {
    if constexpr (requires { A.all_sum(X.data(), X.size()); }) A.all_sum(X.data(), X.size());
}

/// The largest `code` over the processes, so that every process takes the same decision
/// (serial: code).
template <class D>
int agree(const D& A, int code) {
    if constexpr (requires { A.agree(code); })
        return A.agree(code);
    else
        return code;
}

/// X ← rank 0's X on every process (serial: unchanged): for small results that every process
/// computed from summed values and must then agree on to the bit (branches depend on them).
template <class D, class M>
void make_same(const D& A, M& X) {
    if constexpr (requires { A.make_same(X.data(), X.size()); }) A.make_same(X.data(), X.size());
}

/// The largest x over the processes (serial: x).
template <class D>
double all_max(const D& A, double x) {
    if constexpr (requires { A.all_max(x); })
        return A.all_max(x);
    else
        return x;
}

/// True when A's factors are spread over processes (its adapter sums over them).
template <class D>
constexpr bool spread_over_processes = requires(const D& a, double x) { a.all_sum(x); };

/// Rows of A·F held here (of a W-like factor) and rows of an operand F of A·F held here (of an
/// Ht-like factor), with the global index of the first of each (serial: all of them, from 0).
template <class D>
Eigen::Index local_rows(const D& A) {
    if constexpr (requires { A.local_rows(); })
        return A.local_rows();
    else
        return A.rows();
}
template <class D>
Eigen::Index local_cols(const D& A) {
    if constexpr (requires { A.local_cols(); })
        return A.local_cols();
    else
        return A.cols();
}
template <class D>
std::uint64_t first_row(const D& A) {
    if constexpr (requires { A.first_row(); })
        return A.first_row();
    else
        return 0;
}
template <class D>
std::uint64_t first_col(const D& A) {
    if constexpr (requires { A.first_col(); })
        return A.first_col();
    else
        return 0;
}

/// G = FᵀF (k x k) of a factor whose rows are spread over the processes: the local Gram, summed.
template <class D, class T>
void reduced_gram(const D& A, const Matrix<T>& F, Matrix<T>& G) {
    if constexpr (requires { A.gram(F, G); })
        A.gram(F, G);
    else
        gram(F, G);
}

/// What a wrapper that presents Aᵀ of an adapter D shares with D: its sums over the processes
/// (each member exists when D has it) and its local extents, swapped. Transposed
/// (data/transposed.hpp) and the randomized SVD's TransposedProducts (init/svd.hpp) derive from it.
template <class D>
class TransposedReductions {
public:
    explicit TransposedReductions(const D& a) : a_(a) {}

    double all_sum(double x) const
        requires requires(const D& a) { a.all_sum(x); }
    {
        return a_.all_sum(x);
    }
    template <class S>
    void all_sum(S* x, Eigen::Index count) const
        requires requires(const D& a) { a.all_sum(x, count); }
    {
        a_.all_sum(x, count);
    }
    double all_max(double x) const
        requires requires(const D& a) { a.all_max(x); }
    {
        return a_.all_max(x);
    }
    template <class S>
    void make_same(S* x, Eigen::Index count) const
        requires requires(const D& a) { a.make_same(x, count); }
    {
        a_.make_same(x, count);
    }
    int agree(int code) const
        requires requires(const D& a) { a.agree(code); }
    {
        return a_.agree(code);
    }
    Eigen::Index local_rows() const { return detail::local_cols(a_); }
    Eigen::Index local_cols() const { return detail::local_rows(a_); }
    std::uint64_t first_row() const { return detail::first_col(a_); }
    std::uint64_t first_col() const { return detail::first_row(a_); }

protected:
    const D& a_;
};

}  // namespace nmfkit::detail
