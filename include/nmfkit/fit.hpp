#pragma once
/// @file fit.hpp
/// @brief Factorize a non-negative matrix.
///
/// Example:
/// @code
/// #include <nmfkit/nmfkit.hpp>
/// Eigen::MatrixXd V(3, 3);
/// V << 5, 3, 0,
///      3, 7, 4,
///      6, 2, 5;
/// nmfkit::Options opt;
/// opt.rank = 2;                       // k
/// opt.solver = nmfkit::Solver::hals;  // or mu, als
/// opt.seed = 42;
/// nmfkit::Result<double> r = nmfkit::fit(nmfkit::DenseView<double>(V), opt);
/// // r.W is 3 x 2, r.H is 2 x 3, r.relative_error = ‖V − WH‖_F / ‖V‖_F
/// @endcode

#include <functional>

#include <nmfkit/errors.hpp>
#include <nmfkit/options.hpp>
#include <nmfkit/result.hpp>
#include <nmfkit/views.hpp>

namespace nmfkit {

/// Called after every iteration; return false to stop the fit (Status::stopped_by_callback).
struct Callbacks {
    std::function<bool(const IterationStats&)> on_iteration;  ///< empty = never stop
};

/// Starting factors for Init::custom: W (m x k) and H (k x n), non-negative and finite.
template <class T>
struct InitialFactors {
    Matrix<T> W;  ///< m x k
    Matrix<T> H;  ///< k x n
};

/// Checks @p opt alone (rank, iteration, tolerance, time and thread fields, the solver/loss pair),
/// as fit() does before it reads V, so callers can report bad options before loading data.
/// @throws InvalidInput naming the first bad field.
void validate(const Options& opt);

/// Factorize V ≈ W·H with W, H ≥ 0 by minimising opt.loss with opt.solver.
/// @throws InvalidInput for bad input (negative/NaN/infinite entry, empty V, rank < 1, bad options,
///         an unsupported solver/loss pair); the message names the first offending position.
template <class T>
Result<T> fit(const DenseView<T>& V, const Options& opt, const Callbacks& callbacks = {});

/// As above, starting from the caller's factors; opt.init must be Init::custom.
template <class T>
Result<T> fit(const DenseView<T>& V, const Options& opt, const InitialFactors<T>& start,
              const Callbacks& callbacks = {});

/// Factorize a sparse V; only stored entries are read (zeros are zeros, not missing), no dense
/// m x n array is formed. By default a transposed copy of the index structure and values is built
/// once so both products stream through memory; Options::low_memory keeps only the caller's arrays.
template <class T, class I>
Result<T> fit(const SparseView<T, I>& V, const Options& opt, const Callbacks& callbacks = {});

/// As above, starting from the caller's factors; opt.init must be Init::custom.
template <class T, class I>
Result<T> fit(const SparseView<T, I>& V, const Options& opt, const InitialFactors<T>& start,
              const Callbacks& callbacks = {});

/// Projection onto fixed components: W = argmin_{W ≥ 0} loss(V, W H) for V (m x n) and a fixed
/// H (k x n), with opt.loss (Frobenius: exact non-negative least squares, by coordinate descent
/// (Frobenius: exact non-negative least squares by block principal pivoting; KL: coordinate
/// descent; other β: multiplicative updates), with W's penalty opt.w.
/// opt.rank is taken from H. For the mirror (fixed W, solve H), project Vᵀ onto Wᵀ.
/// Returns W (m x k) in Result::W; Result::H is the given H.
template <class T>
Result<T> transform(const DenseView<T>& V, const Matrix<T>& H, const Options& opt);
template <class T, class I>
Result<T> transform(const SparseView<T, I>& V, const Matrix<T>& H, const Options& opt);

extern template Result<float> fit(const DenseView<float>&, const Options&, const Callbacks&);
extern template Result<double> fit(const DenseView<double>&, const Options&, const Callbacks&);
extern template Result<float> fit(const DenseView<float>&, const Options&,
                                  const InitialFactors<float>&, const Callbacks&);
extern template Result<double> fit(const DenseView<double>&, const Options&,
                                   const InitialFactors<double>&, const Callbacks&);
extern template Result<float> transform(const DenseView<float>&, const Matrix<float>&,
                                        const Options&);
extern template Result<double> transform(const DenseView<double>&, const Matrix<double>&,
                                         const Options&);

}  // namespace nmfkit
