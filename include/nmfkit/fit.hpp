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

/// Factorize V ≈ W·H with W, H ≥ 0 by minimising opt.loss with opt.solver.
/// @throws InvalidInput for bad input (negative/NaN/infinite entry, empty V, rank < 1, bad options,
///         an unsupported solver/loss pair); the message names the first offending position.
template <class T>
Result<T> fit(const DenseView<T>& V, const Options& opt, const Callbacks& callbacks = {});

/// As above, starting from the caller's factors; opt.init must be Init::custom.
template <class T>
Result<T> fit(const DenseView<T>& V, const Options& opt, const InitialFactors<T>& start,
              const Callbacks& callbacks = {});

extern template Result<float> fit(const DenseView<float>&, const Options&, const Callbacks&);
extern template Result<double> fit(const DenseView<double>&, const Options&, const Callbacks&);
extern template Result<float> fit(const DenseView<float>&, const Options&,
                                  const InitialFactors<float>&, const Callbacks&);
extern template Result<double> fit(const DenseView<double>&, const Options&,
                                   const InitialFactors<double>&, const Callbacks&);

}  // namespace nmfkit
