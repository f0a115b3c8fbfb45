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
/// opt.solver = nmfkit::Solver::hals;  // or mu, als, anls_bpp, cd; unset: default_solver(opt.loss)
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

/// Checks @p opt alone, as fit() does before it reads V, so callers can report bad options before
/// loading data: the ranges of rank, max_iter, tol, time_limit, threads, the HALS and cd fields,
/// missing_weight, beta, the penalties and restarts; the solver/loss pair (supports()); the
/// stopping rule, missing values and a mask against the solver and loss; restarts against init;
/// fixed_w_columns (in range, distinct, with init custom, without missing values); diagonal
/// without normalize. What needs V is checked by fit(): its entries (and positivity for β ≤ 0),
/// NNDSVD's k ≤ min(m, n), the mask's and custom factors' shapes, low_memory against solvers that
/// read V by rows and by columns.
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

/// Factorize a sparse V; only stored entries are read (entries not stored are zeros, or missing
/// with Options::missing = zeros), and no dense m x n array is formed. By default a transposed
/// copy of the index structure and values is built once so that both products stream through
/// memory; Options::low_memory keeps only the caller's arrays.
template <class T, class I>
Result<T> fit(const SparseView<T, I>& V, const Options& opt, const Callbacks& callbacks = {});

/// As above, starting from the caller's factors; opt.init must be Init::custom.
template <class T, class I>
Result<T> fit(const SparseView<T, I>& V, const Options& opt, const InitialFactors<T>& start,
              const Callbacks& callbacks = {});

/// Projection onto fixed components: W = argmin_{W ≥ 0} loss(V, W H) + W's penalty opt.w, for
/// V (m x n) and a fixed H (k x n). The method follows opt.loss, not opt.solver, and
/// Result::solver names it: Frobenius: exact non-negative least squares by block principal
/// pivoting (anls_bpp; one iteration solves it, the next confirms it); KL: coordinate descent
/// (cd); other β: multiplicative updates (mu). It starts from the seeded random W (opt.seed) and
/// stops by the relative-objective rule (opt.tol, opt.max_iter, opt.time_limit). opt.rank is
/// taken from H; opt.init, stop, restarts, fixed_w_columns, normalize, diagonal and
/// sort_components are not used, nor are opt.missing and opt.mask (a NaN in V is an error).
/// For the mirror (fixed W, solve H), project Vᵀ onto Wᵀ.
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
