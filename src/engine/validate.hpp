#pragma once
// Validation of options and inputs; every failure throws InvalidInput naming the position.

#include <nmfkit/fit.hpp>
#include <nmfkit/mask.hpp>

namespace nmfkit::detail {

/// Checks rank, iteration/tolerance/time/thread fields and the solver/loss pair; for a CUDA
/// device also what the device path runs (device_supports) and that the device is there.
void validate_options(const Options& opt);

/// Throws InvalidInput when opt asks for a CUDA device for @p what, which runs on the CPU only
/// (online NMF, transform): never a silent run on the CPU.
void refuse_device(const Options& opt, const char* what);

/// The (solver, loss) pairs the CUDA device path runs (docs/design.md, "Device"): mu and hals with
/// frobenius, mu with kullback_leibler.
constexpr bool device_supports(Solver s, Loss l) {
    return (l == Loss::frobenius && (s == Solver::mu || s == Solver::hals)) ||
           (l == Loss::kullback_leibler && s == Solver::mu);
}

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
