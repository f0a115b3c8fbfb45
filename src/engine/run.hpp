#pragma once
// The part of fit() and transform() shared by every storage kind: the start, the choice of step,
// and the loop. fit_dense.hpp and fit_sparse.hpp pick the adapter; the fit_any_*.cpp units
// instantiate these on AnyData (engine/fit_any.hpp), fit_distributed.cpp on DistributedData.

#include <nmfkit/fit.hpp>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <vector>

#include "engine/data_scale.hpp"
#include "engine/loop.hpp"
#include "engine/scaling.hpp"
#include "data/held_out.hpp"
#include "data/observed.hpp"
#include "engine/steps.hpp"
#include "linalg/reduce.hpp"
#include "linalg/threads.hpp"
#include "engine/validate.hpp"
#include "init/nndsvd.hpp"
#include "init/random.hpp"

namespace nmfkit::detail {

/// The random start, scaled so that E[(WH)_ij] = mean(V) (docs/algorithms.md).
/// Masked fits pass the mean of the observed entries.
template <class T>
void random_start(Eigen::Index m, Eigen::Index n, int k, std::uint64_t seed, double mean,
                  Matrix<T>& W, Matrix<T>& Ht) {
    const double scale = 2.0 * std::sqrt(mean / k);
    W.resize(m, k);
    Ht.resize(n, k);
    random_factor(W, seed, Stream::w, scale);
    random_factor(Ht, seed, Stream::h, scale);
}

/// The random start on the adapter A: the rows of W and Ht held here (linalg/reduce.hpp; serial:
/// all), each drawn by its global row number, so that every process count gives the same start.
template <class T, class D>
void random_start(const D& A, int k, std::uint64_t seed, Matrix<T>& W, Matrix<T>& Ht) {
    const double mean = A.sum() / (static_cast<double>(A.rows()) * static_cast<double>(A.cols()));
    const double scale = 2.0 * std::sqrt(mean / k);
    W.resize(local_rows(A), k);
    Ht.resize(local_cols(A), k);
    random_factor(W, seed, Stream::w, scale, first_row(A));
    random_factor(Ht, seed, Stream::h, scale, first_col(A));
}

/// The start `init` for A: the caller's factors, a random start, or NNDSVD (init/nndsvd.hpp);
/// on a distributed adapter, the rows held here.
template <class T, class D>
void initial_factors(const D& A, const Options& opt, Init init, const InitialFactors<T>* start,
                     Matrix<T>& W, Matrix<T>& Ht) {
    switch (init) {
        case Init::custom:
            W = start->W.middleRows(static_cast<Eigen::Index>(first_row(A)), local_rows(A));
            Ht = start->H.transpose().middleRows(static_cast<Eigen::Index>(first_col(A)),
                                                 local_cols(A));
            return;
        case Init::random: random_start(A, opt.rank, opt.seed, W, Ht); return;
        case Init::nndsvd: nndsvd_start(A, opt.rank, NndsvdFill::zeros, opt.seed, W, Ht); return;
        case Init::nndsvda: nndsvd_start(A, opt.rank, NndsvdFill::mean, opt.seed, W, Ht); return;
        case Init::nndsvdar: nndsvd_start(A, opt.rank, NndsvdFill::random, opt.seed, W, Ht); return;
    }
}

/// The start that opt resolves to on A (resolved_init), in W (m x k) and Ht (n x k); returns it.
template <class T, class D>
Init start_factors(const D& A, const Options& opt, const InitialFactors<T>* start, Matrix<T>& W,
                   Matrix<T>& Ht) {
    const Init init = resolved_init(opt, A.rows(), A.cols());
    initial_factors(A, opt, init, start, W, Ht);
    return init;
}

/// True when the solver for opt reads A by rows and by columns (row_block/column_block): the
/// registry's entry_access (coordinate descent for KL and the β multiplicative updates).
inline bool needs_entry_access(const Options& opt, Solver s) {
    return solver_traits(s, opt.loss).entry_access;
}

/// Checks that depend on the adapter: row and column access for the solvers that need both.
template <class D>
void check_access(const D& A, const Options& opt, Solver s) {
    if (needs_entry_access(opt, s) && !(A.has_row_access() && A.has_column_access()))
        throw InvalidInput("low_memory keeps one copy of sparse V, but solver " +
                           std::string(to_string(s)) + " with loss " +
                           std::string(to_string(opt.loss)) +
                           " reads V by rows and by columns; turn low_memory off or use " +
                           (opt.loss == Loss::kullback_leibler ? "solver mu" : "a dense V"));
}

/// One fit: the solver chosen by opt on the adapter A from `start` (or a random start), then
/// normalised and ordered as opt asks.
template <class T, class D>
Result<T> run_one(const D& A, const Options& opt, const InitialFactors<T>* start,
                  const Callbacks& callbacks) {
    const Solver solver = resolved_solver(opt);
    Matrix<T> W, Ht;  // m x k, n x k
    const Init init = start_factors(A, opt, start, W, Ht);
    auto run = [&](auto& step) {
        Result<T> r = alternate(A, step, std::move(W), std::move(Ht), opt, callbacks);
        r.init = init;
        scale_components(r, opt);
        return r;
    };
    switch (registry_row(solver, opt.loss).family) {
        case Family::gram: {
            FrobeniusStep<T, D> step(A, solver, opt);
            return run(step);
        }
        case Family::kl_cd: {
            KullbackLeiblerCdStep<T, D> step(A, opt);
            return run(step);
        }
        case Family::kl_mu: {
            KullbackLeiblerStep<T, D> step(A, opt);
            return run(step);
        }
        case Family::beta_mu: break;
    }
    BetaStep<T, D> step(A, opt);
    return run(step);
}

/// One masked fit (Options::missing): A's stored entries are the observed ones; the random start
/// is scaled by the mean of the observed entries.
template <class T>
Result<T> run_masked_one(const ObservedData<T>& A, const Options& opt,
                         const InitialFactors<T>* start, const Callbacks& callbacks) {
    // NNDSVD of the observed entries with the missing ones as zeros; random scaled by their mean.
    const Init init = resolved_init(opt, A.rows(), A.cols());
    Matrix<T> W, Ht;  // m x k, n x k
    if (init == Init::random) {
        random_start(A.rows(), A.cols(), opt.rank, opt.seed, A.observed_mean(), W, Ht);
    } else {
        initial_factors(A, opt, init, start, W, Ht);
    }
    Result<T> r;
    // Validation let only pairs with traits.missing through: Frobenius rows and KL cd.
    if (registry_row(resolved_solver(opt), opt.loss).family == Family::gram) {
        MaskedFrobeniusStep<T, ObservedData<T>> step(A, resolved_solver(opt), opt);
        r = alternate(A, step, std::move(W), std::move(Ht), opt, callbacks);
    } else {
        MaskedKullbackLeiblerStep<T, ObservedData<T>> step(A, opt);
        r = alternate(A, step, std::move(W), std::move(Ht), opt, callbacks);
    }
    r.init = init;
    r.underobserved_rows = rows_with_fewer_than(A, opt.rank);
    r.underobserved_cols = rows_with_fewer_than(Transposed<ObservedData<T>>(A), opt.rank);
    scale_components(r, opt);
    return r;
}

/// One fit of fully observed data with held-out entries (Options::mask, Missing::none), Frobenius:
/// A is HeldOutData; NNDSVD sees the held-out entries as zeros; random is scaled by the mean of
/// the observed entries.
template <class T, class D>
Result<T> run_held_out_one(const HeldOutData<D>& A, const Options& opt,
                           const InitialFactors<T>* start, const Callbacks& callbacks) {
    const Init init = resolved_init(opt, A.rows(), A.cols());
    Matrix<T> W, Ht;  // m x k, n x k
    if (init == Init::random) {
        const double mean =
            A.observed_count() > 0 ? std::max(0.0, A.sum()) / A.observed_count() : 0.0;
        random_start(A.rows(), A.cols(), opt.rank, opt.seed, mean, W, Ht);
    } else {
        initial_factors(A, opt, init, start, W, Ht);
    }
    HeldOutFrobeniusStep<T, HeldOutData<D>> step(A, resolved_solver(opt), opt);
    Result<T> r = alternate(A, step, std::move(W), std::move(Ht), opt, callbacks);
    r.init = init;
    r.underobserved_rows = HeldOutData<D>::fewer_than(A.held_out().by_row, A.cols(), opt.rank);
    r.underobserved_cols = HeldOutData<D>::fewer_than(A.held_out().by_col, A.rows(), opt.rank);
    scale_components(r, opt);
    return r;
}

/// @p r in the precision To with the factors @p W (m x k) and @p H (k x n) given: every other
/// field is copied, d converted (the kept run of the restarts in a checkpoint, and back).
template <class To, class From>
Result<To> result_with_factors(const Result<From>& r, Matrix<To> W, Matrix<To> H) {
    Result<To> s;
    s.W = std::move(W);
    s.H = std::move(H);
    s.status = r.status;
    s.iterations = r.iterations;
    s.solver = r.solver;
    s.loss = r.loss;
    s.init = r.init;
    s.d = r.d.template cast<To>();
    s.initial_objective = r.initial_objective;
    s.objective = r.objective;
    s.relative_error = r.relative_error;
    s.seconds = r.seconds;
    s.threads = r.threads;
    s.history = r.history;
    s.restart_objectives = r.restart_objectives;
    s.best_restart = r.best_restart;
    s.underobserved_rows = r.underobserved_rows;
    s.underobserved_cols = r.underobserved_cols;
    return s;
}

/// The kept run of the restarts as a checkpoint holds it: in double, W and Ht whole (gathered to
/// process 0 when A is distributed).
template <class T, class D>
Result<double> saved_result(const D& A, const Result<T>& r) {
    return result_with_factors<double>(
        r, whole_factor(A, r.W, true),
        whole_factor(A, Matrix<T>(r.H.transpose()), false).transpose());
}

/// The inverse of saved_result: the rows held here, in T. @throws InvalidInput for factors
/// that are not m x k and k x n.
template <class T, class D>
Result<T> restored_result(const D& A, const Result<double>& s, int k) {
    if (s.W.rows() != A.rows() || s.W.cols() != k || s.H.rows() != k || s.H.cols() != A.cols())
        throw InvalidInput("the fit state's best restart holds factors of the wrong shape");
    return result_with_factors<T>(
        s, own_rows<T>(A, s.W, true),
        Matrix<T>(own_rows<T>(A, Eigen::MatrixXd(s.H.transpose()), false).transpose()));
}

/// Restarts run in parallel, one thread each, when a single product with A costs less than this
/// many flops (a fit that small cannot keep both cores busy by itself), no callback is set, and A
/// is not spread over processes (their collectives must run in one order on every process).
constexpr double parallel_restart_flops = 1e8;

/// opt.restarts fits by `one(options, start, callbacks)` from seeds opt.seed, opt.seed + 1, ...;
/// returns the one with the lowest final objective (the first on ties) with every run's objective
/// in restart_objectives. A callback that stops a run also stops the remaining ones. The serial
/// fits and the distributed one (src/mpi/fit_distributed.cpp) both run their restarts here.
/// Checkpoints (Callbacks::on_checkpoint, resume) run the restarts one after the other; a state
/// holds the run in progress, the objectives of the runs before it and the best of them, so a
/// resumed fit skips the runs done and continues the one in progress.
template <class T, class D, class One>
Result<T> run_restarts(const D& A, const Options& opt, const InitialFactors<T>* start,
                       const Callbacks& callbacks, One one) {
    const FitState* resume = callbacks.resume.get();
    const int runs = std::max(1, opt.restarts);
    if (resume != nullptr) {
        const int r = resume->restart;
        if (r < 0 || r >= runs)
            throw InvalidInput("the fit state is of run " + std::to_string(r + 1) +
                               " of the restarts, this fit has restarts = " + std::to_string(runs));
        if (resume->restart_objectives.size() != static_cast<std::size_t>(r) ||
            resume->best_restart < (r > 0 ? 0 : -1) || resume->best_restart >= r)
            throw InvalidInput("the fit state's restarts before run " + std::to_string(r + 1) +
                               " are incomplete");
    }
    if (opt.restarts <= 1) return one(opt, start, callbacks);
    // Only the best run so far is kept (per thread, then merged), with every run's objective:
    // memory does not grow with the number of restarts. "Best" is what a scan r = 0, 1, ... with
    // `objective < best objective` picks: the first run of the lowest objective, NaN never
    // winning, and run 0 when its own objective is NaN.
    std::vector<double> objectives(static_cast<std::size_t>(runs),
                                   std::numeric_limits<double>::quiet_NaN());
    const auto better = [](double f, int r, double best_f, int best_r) {
        if (best_r < 0) return true;
        if (best_r == 0 && std::isnan(best_f)) return false;
        if (r == 0 && std::isnan(f)) return true;
        return f < best_f || (f == best_f && r < best_r);
    };
    Result<T> kept;
    int best = -1;
    int first = 0;  // the first run to fit (a resumed fit: the one in progress)
    if (resume != nullptr) {
        first = resume->restart;
        std::copy(resume->restart_objectives.begin(), resume->restart_objectives.end(),
                  objectives.begin());
        best = resume->best_restart;
        if (best >= 0) kept = restored_result<T>(A, resume->best, opt.rank);
    }
    const bool checkpointing = callbacks.on_checkpoint || resume != nullptr;
    auto run_seed = [&](int r, const Callbacks& cb) {
        Options o = opt;
        o.seed = opt.seed + static_cast<std::uint64_t>(r);
        o.init = resolved_init(opt, A.rows(), A.cols());  // as resolved for the restarts (random)
        o.restarts = 1;
        return one(o, start, cb);
    };
    int done = runs;
    if (!spread_over_processes<D> && !callbacks.on_iteration && !checkpointing &&
        A.product_flops(opt.rank) < parallel_restart_flops) {
        // NOTE: nested regions are inactive, so each run's loops and BLAS calls use one thread.
        std::exception_ptr failure;
#pragma omp parallel
        {
            Result<T> mine;
            int mine_r = -1;
#pragma omp for schedule(dynamic, 1)
            for (int r = 0; r < runs; ++r) {
                try {
                    Result<T> res = run_seed(r, callbacks);
                    objectives[static_cast<std::size_t>(r)] = res.objective;
                    if (better(res.objective, r, mine.objective, mine_r)) {
                        mine = std::move(res);
                        mine_r = r;
                    }
                } catch (...) {
#pragma omp critical(nmfkit_restart_failure)
                    if (!failure) failure = std::current_exception();
                }
            }
#pragma omp critical(nmfkit_restart_best)
            if (mine_r >= 0 && better(mine.objective, mine_r, kept.objective, best)) {
                kept = std::move(mine);
                best = mine_r;
            }
        }
        if (failure) std::rethrow_exception(failure);
    } else {
        for (int r = first; r < runs; ++r) {
            Callbacks cb = callbacks;
            cb.resume = r == first ? callbacks.resume : nullptr;
            if (callbacks.on_checkpoint)
                cb.on_checkpoint = [&, r](const FitState& s) {
                    FitState t = s;
                    t.restart = r;
                    t.restart_objectives.assign(objectives.begin(), objectives.begin() + r);
                    t.best_restart = best;
                    if (best >= 0) t.best = saved_result(A, kept);
                    callbacks.on_checkpoint(t);
                };
            Result<T> res = run_seed(r, cb);
            objectives[static_cast<std::size_t>(r)] = res.objective;
            const bool stopped = res.status == Status::stopped_by_callback;
            if (better(res.objective, r, kept.objective, best)) {
                kept = std::move(res);
                best = r;
            }
            if (stopped) {
                done = r + 1;
                break;
            }
        }
    }
    objectives.resize(static_cast<std::size_t>(done));
    kept.restart_objectives = std::move(objectives);
    kept.best_restart = best;
    return kept;
}

/// fit() on an adapter: the solver's access needs checked, then the restarts of run_one().
template <class T, class D>
Result<T> run_fit(const D& A, const Options& opt, const InitialFactors<T>* start,
                  const Callbacks& callbacks) {
    check_access(A, opt, resolved_solver(opt));
    return run_restarts(A, opt, start, callbacks,
                        [&](const Options& o, const InitialFactors<T>* s, const Callbacks& cb) {
                            return run_one<T>(A, o, s, cb);
                        });
}

/// fit() with missing values: the observed entries of V (data/observed.hpp), restarts included.
template <class T>
Result<T> run_masked(const ObservedArrays<T>& observed, const Options& opt,
                     const InitialFactors<T>* start, const Callbacks& callbacks) {
    const ObservedData<T> A(observed);
    return run_restarts(A, opt, start, callbacks,
                        [&](const Options& o, const InitialFactors<T>* s, const Callbacks& cb) {
                            return run_masked_one<T>(A, o, s, cb);
                        });
}

/// fit() with a mask on fully observed data, Frobenius: `base` is an adapter over V with the
/// mask's entries set to zero (data/held_out.hpp), restarts included.
template <class T, class D>
Result<T> run_held_out(const D& base, const Mask& mask, const Options& opt,
                       const InitialFactors<T>* start, const Callbacks& callbacks) {
    const HeldOut held(mask);
    const HeldOutData<D> A(base, held);
    return run_restarts(A, opt, start, callbacks,
                        [&](const Options& o, const InitialFactors<T>* s, const Callbacks& cb) {
                            return run_held_out_one<T>(A, o, s, cb);
                        });
}

/// Throws InvalidInput when a fit with missing values has no observed entry left (`observed`
/// of m x n): such a fit has nothing to fit, and would otherwise report error 0, "converged".
inline void require_observed(std::size_t observed, Eigen::Index m, Eigen::Index n,
                             const Options& opt) {
    if (observed > 0) return;
    std::string why;
    if (opt.missing == Missing::nan) why = "NaN";
    if (opt.missing == Missing::zeros) why = "zero (not stored) or NaN";
    if (opt.mask) why += std::string(why.empty() ? "" : " or ") + "in the mask";
    throw InvalidInput("every entry of V (" + std::to_string(m) + " x " + std::to_string(n) +
                       ") is missing: each is " + why + ", so there is nothing to fit");
}

/// The fit of V = 2^e V' (engine/data_scale.hpp) by `one_fit(options, start, callbacks)` on V':
/// the balanced split of the scale between W and H.
template <class T, class Run>
Result<T> fit_scaled(int e, const Options& opt, const InitialFactors<T>* start,
                     const Callbacks& callbacks, Run one_fit) {
    return run_scaled(DataScale::balanced(e), opt, start, callbacks, one_fit);
}

/// W = argmin_{W ≥ 0} loss(A, W H) + penalty(W) for the fixed H (k x n).
template <class T, class D>
Result<T> run_transform(const D& A, const Matrix<T>& H, const Options& opt) {
    check_access(A, opt, resolved_solver(opt));
    Matrix<T> W, Ht_random;
    random_start(A, static_cast<int>(H.rows()), opt.seed, W, Ht_random);
    ProjectionStep<T, D> step(A, opt);
    return alternate(A, step, std::move(W), Matrix<T>(H.transpose()), opt, Callbacks{});
}

/// transform() of V = 2^e V' on the adapter A of V': W carries the whole scale, H is the caller's.
template <class T, class D>
Result<T> run_transform_scaled(const D& A, int e, const Matrix<T>& H, const Options& opt) {
    Options o = opt;
    o.normalize = Normalize::none;  // transform() does not normalise; the scale goes to W
    o.diagonal = false;
    return run_scaled<T>(DataScale::on_w(e), o, nullptr, Callbacks{},
                         [&](const Options& so, const InitialFactors<T>*, const Callbacks&) {
                             return run_transform<T>(A, H, so);
                         });
}

/// Checks shared by transform() for every storage kind; returns the options with rank = k.
template <class T>
Options transform_options(const Options& opt, const Matrix<T>& H, Eigen::Index n) {
    refuse_device(opt, "transform");
    Options o = opt;
    o.rank = static_cast<int>(H.rows());
    o.init = Init::random;
    if (H.rows() < 1)
        throw InvalidInput("components H must have at least one row (component), got 0");
    if (H.cols() != n)
        throw InvalidInput("components H have " + std::to_string(H.cols()) + " columns but V has " +
                           std::to_string(n) + "; they must match");
    // The solver that ProjectionStep runs for the loss, so that Result::solver names it.
    o.solver = o.loss == Loss::frobenius          ? Solver::anls_bpp
               : o.loss == Loss::kullback_leibler ? Solver::cd
                                                  : Solver::mu;
    o.stop = StopRule::relative_objective;
    o.extrapolation.reset();  // one exact solve or one factor: nothing to extrapolate
    o.restarts = 1;
    o.fixed_w_columns.clear();
    validate_options(o);
    InitialFactors<T> probe;  // reuse the factor checks for H's entries
    probe.H = H;
    probe.W = Matrix<T>::Zero(1, H.rows());
    validate_factors(probe, 1, n, o.rank);
    return o;
}

/// Validation shared by fit() for every storage kind (after the matrix itself was checked).
template <class T>
void check_start(const Options& opt, const InitialFactors<T>* start, Eigen::Index m,
                 Eigen::Index n) {
    if (opt.init == Init::custom && start == nullptr)
        throw InvalidInput("init custom needs starting factors: call fit(V, options, {W, H})");
    if (opt.init != Init::custom && start != nullptr)
        throw InvalidInput(
            "starting factors were given but init is not custom; set init to custom");
    const Init init = resolved_init(opt, m, n);
    if ((init == Init::nndsvd || init == Init::nndsvda || init == Init::nndsvdar) &&
        opt.rank > std::min(m, n))
        throw InvalidInput("init " + std::string(to_string(init)) +
                           " needs k ≤ min(m, n) = " + std::to_string(std::min(m, n)) +
                           ", got k = " + std::to_string(opt.rank) + "; use init random");
    if (start != nullptr) validate_factors(*start, m, n, opt.rank);
}

}  // namespace nmfkit::detail
