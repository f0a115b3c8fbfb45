#pragma once
// Axis 3, reduction: sums over the processes that share the factors (docs/design.md). A serial
// adapter has none of the members below and every helper is the identity; the distributed adapter
// (src/mpi/distributed.hpp) provides all_sum(double), all_sum(T*, count), agree(int) and
// gram(F, G), and the steps and the loop call these helpers so that they run unchanged on it.

#include <Eigen/Core>

#include "core/gram.hpp"

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

/// G = FᵀF (k x k) of a factor whose rows are spread over the processes: the local Gram, summed.
template <class D, class T>
void reduced_gram(const D& A, const Matrix<T>& F, Matrix<T>& G) {
    if constexpr (requires { A.gram(F, G); })
        A.gram(F, G);
    else
        gram(F, G);
}

}  // namespace nmfkit::detail
