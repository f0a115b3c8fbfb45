#pragma once
// Axis 3, reduction: sums over the processes that share the factors (docs/design.md). Every
// adapter states whether its factors are spread over processes with a member
// `static constexpr bool distributed`; a serial one (false) has none of the members below and every
// helper is the identity; one that sets it (the distributed adapter, src/mpi/distributed.hpp) must
// satisfy Reducer, checked at compile time, and the steps, the loop and the NNDSVD start call these
// helpers so that they run unchanged on it. The opt-in is explicit so that a misspelt member is a
// compile error, not a silently serial run.

#include <concepts>
#include <cstdint>
#include <type_traits>

#include <Eigen/Core>

#include "linalg/gram.hpp"

namespace nmfkit::detail {

/// The members of axis 3: all_sum(double), all_sum(T*, count) (float and double), all_max(double),
/// make_same(T*, count), agree(int), gram(F, G) (FᵀF summed over the processes), and the local
/// extents of the factors with the global index of their first rows.
template <class D>
concept Reducer = requires(const D& a, double x, int code, double* xd, float* xf, Eigen::Index n,
                           const Matrix<typename D::Scalar>& F, Matrix<typename D::Scalar>& G) {
    { a.all_sum(x) } -> std::same_as<double>;
    a.all_sum(xd, n);
    a.all_sum(xf, n);
    { a.all_max(x) } -> std::same_as<double>;
    a.make_same(xd, n);
    a.make_same(xf, n);
    { a.agree(code) } -> std::same_as<int>;
    a.gram(F, G);
    { a.local_rows() } -> std::same_as<Eigen::Index>;
    { a.local_cols() } -> std::same_as<Eigen::Index>;
    { a.first_row() } -> std::same_as<std::uint64_t>;
    { a.first_col() } -> std::same_as<std::uint64_t>;
};

/// D::distributed, read only after checking that it is a constant bool and that a D which sets it
/// is a Reducer.
template <class D>
consteval bool distributed_flag() {
    static_assert(std::is_same_v<std::remove_cv_t<decltype(D::distributed)>, bool>,
                  "an adapter states `static constexpr bool distributed` (linalg/reduce.hpp)");
    if constexpr (D::distributed)
        static_assert(Reducer<D>,
                      "an adapter with distributed = true must have every member of "
                      "Reducer (linalg/reduce.hpp)");
    return D::distributed;
}

/// True when A's factors are spread over processes (its adapter sums over them).
template <class D>
inline constexpr bool spread_over_processes = distributed_flag<D>();

/// Σ over the processes of x, the same value on every process (serial: x).
template <class D>
double all_sum(const D& A, double x) {
    if constexpr (spread_over_processes<D>)
        return A.all_sum(x);
    else
        return x;
}

/// X ← Σ over the processes of X, element by element (serial: unchanged).
template <class D, class M>
void all_sum_in_place(const D& A, M& X) {
    if constexpr (spread_over_processes<D>) A.all_sum(X.data(), X.size());
}

/// The largest `code` over the processes, so that every process takes the same decision
/// (serial: code).
template <class D>
int agree(const D& A, int code) {
    if constexpr (spread_over_processes<D>)
        return A.agree(code);
    else
        return code;
}

/// X ← rank 0's X on every process (serial: unchanged): for small results that every process
/// computed from summed values and must then agree on to the bit (branches depend on them).
template <class D, class M>
void make_same(const D& A, M& X) {
    if constexpr (spread_over_processes<D>) A.make_same(X.data(), X.size());
}

/// The largest x over the processes (serial: x).
template <class D>
double all_max(const D& A, double x) {
    if constexpr (spread_over_processes<D>)
        return A.all_max(x);
    else
        return x;
}

/// Rows of A·F held here (of a W-like factor) and rows of an operand F of A·F held here (of an
/// Ht-like factor), with the global index of the first of each (serial: all of them, from 0).
template <class D>
Eigen::Index local_rows(const D& A) {
    if constexpr (spread_over_processes<D>)
        return A.local_rows();
    else
        return A.rows();
}
template <class D>
Eigen::Index local_cols(const D& A) {
    if constexpr (spread_over_processes<D>)
        return A.local_cols();
    else
        return A.cols();
}
template <class D>
std::uint64_t first_row(const D& A) {
    if constexpr (spread_over_processes<D>)
        return A.first_row();
    else
        return 0;
}
template <class D>
std::uint64_t first_col(const D& A) {
    if constexpr (spread_over_processes<D>)
        return A.first_col();
    else
        return 0;
}

/// The whole W-like (w_like: m x k) or Ht-like (n x k) factor on process 0, in double, from the
/// rows @p own held on each process; empty on the others (serial: @p own). Collective. For
/// checkpoints (engine/loop.hpp); a distributed adapter provides `gather_whole(own, w_like)`.
template <class D, class T>
Eigen::MatrixXd whole_factor(const D& A, const Matrix<T>& own, bool w_like) {
    if constexpr (spread_over_processes<D>) {
        static_assert(
            requires { A.gather_whole(own, w_like); },
            "a distributed adapter that checkpoints has gather_whole(own, w_like)");
        return A.gather_whole(own, w_like).template cast<double>();
    } else {
        return own.template cast<double>();
    }
}

/// The rows of the whole factor @p whole (m x k when w_like, n x k otherwise) held here, in T
/// (serial: all of them).
template <class T, class D>
Matrix<T> own_rows(const D& A, const Eigen::MatrixXd& whole, bool w_like) {
    if constexpr (spread_over_processes<D>)
        return whole
            .middleRows(static_cast<Eigen::Index>(w_like ? first_row(A) : first_col(A)),
                        w_like ? local_rows(A) : local_cols(A))
            .template cast<T>();
    else
        return whole.template cast<T>();
}

/// G = FᵀF (k x k) of a factor whose rows are spread over the processes: the local Gram, summed.
template <class D, class T>
void reduced_gram(const D& A, const Matrix<T>& F, Matrix<T>& G) {
    if constexpr (spread_over_processes<D>)
        A.gram(F, G);
    else
        gram(F, G);
}

/// What a wrapper that presents Aᵀ of an adapter D shares with D: whether it is distributed, its
/// sums over the processes and its Gram (members only when D is distributed), and its local
/// extents, swapped. Transposed (data/transposed.hpp) and the randomized SVD's TransposedProducts
/// (init/svd.hpp) derive from it.
template <class D>
class TransposedReductions {
public:
    static constexpr bool distributed = spread_over_processes<D>;
    explicit TransposedReductions(const D& a) : a_(a) {}

    double all_sum(double x) const requires distributed { return a_.all_sum(x); }
    template <class S>
    void all_sum(S* x, Eigen::Index count) const requires distributed {
        a_.all_sum(x, count);
    }
    double all_max(double x) const requires distributed { return a_.all_max(x); }
    template <class S>
    void make_same(S* x, Eigen::Index count) const requires distributed {
        a_.make_same(x, count);
    }
    int agree(int code) const requires distributed { return a_.agree(code); }
    /// G = FᵀF over the processes: Aᵀ's factors are A's, so D's Gram.
    template <class S>
    void gram(const Matrix<S>& F, Matrix<S>& G) const requires distributed {
        a_.gram(F, G);
    }
    Eigen::Index local_rows() const { return detail::local_cols(a_); }
    Eigen::Index local_cols() const { return detail::local_rows(a_); }
    std::uint64_t first_row() const { return detail::first_col(a_); }
    std::uint64_t first_col() const { return detail::first_row(a_); }

protected:
    const D& a_;
};

}  // namespace nmfkit::detail
