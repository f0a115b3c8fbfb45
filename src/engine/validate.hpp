#pragma once
// Validation of options and inputs; every failure throws InvalidInput naming the position.

#include <nmfkit/fit.hpp>
#include <nmfkit/mask.hpp>

namespace nmfkit::detail {

/// Checks rank, iteration/tolerance/time/thread fields and the solver/loss pair.
void validate_options(const Options& opt);

/// Checks that V is non-empty, addressable, and every entry is finite and ≥ 0. Reports the first
/// offending entry in reading order (smallest row, then smallest column), 0-based.
/// With allow_nan (Options::missing), NaN entries are missing values and pass.
/// Entries at the positions of `mask` (when given) are missing and not checked.
template <class T>
void validate_matrix(const DenseView<T>& V, bool allow_nan = false, const Mask* mask = nullptr);

/// Checks a sparse V: non-empty, arrays present, offsets start at 0 and never decrease, indices in
/// range, values finite and ≥ 0 (the first bad value reported in reading order, 0-based).
template <class T, class I>
void validate_sparse(const SparseView<T, I>& V, bool allow_nan = false, const Mask* mask = nullptr);

/// Checks Options::mask, when set, against V (m x n): its shape, and a well-formed pattern
/// (offsets from 0 that never decrease, rows in range and increasing within each column).
void validate_mask(const Options& opt, Eigen::Index m, Eigen::Index n);

/// For losses with β ≤ 0 (Itakura-Saito): every entry of V must be positive. Reports the first
/// zero in reading order; for sparse V, entries not stored are zeros.
template <class T>
void validate_positive(const DenseView<T>& V, const Options& opt);
template <class T, class I>
void validate_positive(const SparseView<T, I>& V, const Options& opt);

/// Checks custom factors: W is m x k, H is k x n, entries finite and ≥ 0.
template <class T>
void validate_factors(const InitialFactors<T>& start, Eigen::Index m, Eigen::Index n, int k);

}  // namespace nmfkit::detail
