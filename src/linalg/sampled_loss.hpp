#pragma once
// What the sampled product (docs/design.md, "The three axes") asks of a loss: the loss policies of
// src/loss/ (loss/kl.hpp) satisfy SampledLoss, and the adapters' sampled_times() and the sparse
// kernels' sampled_gather() / sampled_scatter() are templates over such a policy, so a loss whose
// update needs R·F with R_ij = weight(A_ij, (W Htᵀ)_ij) reaches every adapter without touching it.

#include <concepts>
#include <type_traits>

#include <Eigen/Core>

namespace nmfkit::detail {

/// The sampled kernels compiled per instruction set (linalg/kernels.hpp): a policy names the one
/// that computes its weights and terms. A new loss adds its kernel there.
enum class SampledKernel { kl };

/// A loss f(v, y) between an entry v of A and y = (W Htᵀ)_ij, split as f(v, y) = term(v, y) + c·y
/// with term(0, y) = 0 and weight(0, y) = 0, so that the entries an adapter does not store (the
/// zeros of a sparse A) contribute nothing to R and only c·y to the value; c is 1 when
/// adds_sum_of_product, else 0 (the adapter adds c · Σ_ij (W Htᵀ)_ij over all m·n entries).
///   weight(v, y):        R_ij for one entry (in T);
///   weights(v, y, n, value): y[q] ← weight(v[q], y[q]) for n entries, in place (a vector loop);
///                        with value, returns Σ_q term(v[q], y[q]) of the y before, in double
///                        (else 0): the two share their arithmetic (KL: one quotient per entry);
///   terms_of_weights(v, w, n): the same Σ from the weights w[q] = weight(v[q], y[q]) that a
///                        kernel kept (a loss whose term is a function of v and the weight; exact
///                        in double, the one-pass sampled kernels' case);
///   kernel, floor:       the sparse kernels' form of the same policy (SampledKernel) and its
///                        parameter.
template <class P, class T>
concept SampledLoss = requires(const P& p, T v, T y, const T* vs, T* ys, const T* cys,
                               Eigen::Index n) {
    { p.weight(v, y) } -> std::same_as<T>;
    { p.weights(vs, ys, n, true) } -> std::same_as<double>;
    { p.terms_of_weights(vs, cys, n) } -> std::same_as<double>;
    {std::bool_constant<P::adds_sum_of_product>{}};
    { P::kernel } -> std::convertible_to<SampledKernel>;
    { p.floor } -> std::convertible_to<T>;
};

}  // namespace nmfkit::detail
