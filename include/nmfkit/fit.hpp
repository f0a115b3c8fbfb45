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
#include <memory>
#include <vector>

#include <nmfkit/errors.hpp>
#include <nmfkit/options.hpp>
#include <nmfkit/result.hpp>
#include <nmfkit/views.hpp>

namespace nmfkit {

/// The alternating loop's state after an iteration: what it needs to go on exactly as it would
/// have without the interruption (docs/design.md, "Checkpoints"). Opaque apart from the fields
/// the caller checks; a serial fit continued from it gives bitwise the W, H, iterations and
/// history of the uninterrupted one (with the same threads and build). Factors are held in
/// double whatever the fit's type: float → double → float is exact.
struct FitState {
    /// The layout of this struct; a state of another version is refused.
    static constexpr int current_version = 1;
    int version = current_version;
    bool single_precision = false;  ///< the fit's entries are float
    int restart = 0;                ///< the run of Options::restarts in progress (0-based)
    int iteration = 0;              ///< iterations done
    Eigen::MatrixXd W;              ///< m x k, in the loop's frame (V scaled by a power of two)
    Eigen::MatrixXd Ht;             ///< n x k, ditto
    double objective = 0;           ///< after `iteration`: the next iteration compares with it
    double initial_objective = 0;   ///< at the start (loop's frame)
    double gradient0 = 0;           ///< stop = projected_gradient: ‖∇ᴾf(W₀, H₀)‖
    std::vector<IterationStats> history;    ///< `iteration` entries (loop's frame)
    std::vector<double> scalars;            ///< the step's and the extrapolation's numbers
    std::vector<Eigen::MatrixXd> matrices;  ///< the extrapolation's points (none without it)
    /// Options::restarts > 1: the final objectives of the runs before `restart` (by seed, loop's
    /// frame), and the best of them as the restarts keep it (best_restart = −1 before one ended;
    /// a distributed fit's best W and H are whole, as W and Ht above).
    std::vector<double> restart_objectives;
    int best_restart = -1;
    Result<double> best;
};

/// The caller's hooks into the loop.
struct Callbacks {
    /// Called after every iteration; return false to stop the fit (Status::stopped_by_callback).
    std::function<bool(const IterationStats&)> on_iteration;  ///< empty = never stop
    /// Called with the loop's state every checkpoint_every iterations (0: never) that the fit
    /// goes on after, and once when on_iteration or the time limit stops it (fits with missing
    /// values or a mask included). fit_online() (nmfkit/online.hpp) calls it every
    /// checkpoint_every blocks with its own state. A distributed fit (nmfkit/mpi/fit.hpp) calls it on
    /// every process at the same iterations (set it on all of them alike): the state's W and Ht
    /// are the whole factors on process 0 (gathered) and empty on the others.
    int checkpoint_every = 0;
    std::function<void(const FitState&)> on_checkpoint;
    /// Set: the fit continues from this state (its iteration + 1 on) instead of starting; V and
    /// the options must be those of the fit that wrote it (max_iter and time_limit may differ).
    /// A distributed fit takes the same whole state on every process.
    /// @throws InvalidInput for a state of another version, precision, shape or restart.
    std::shared_ptr<const FitState> resume;
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
