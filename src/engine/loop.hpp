#pragma once
// The one alternating loop: runs a step until a stopping rule fires, keeping the history.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <nmfkit/fit.hpp>

#include "engine/extrapolation.hpp"
#include "linalg/reduce.hpp"

namespace nmfkit::detail {

/// Runs step.iterate() on (W, Ht) until the stopping rule fires (relative_objective:
/// |f_prev − f| ≤ tol · f_prev, or f > f_prev for a monotone solver; projected_gradient:
/// ‖∇ᴾf‖ ≤ tol · ‖∇ᴾf(W₀, H₀)‖, for steps that provide it), max_iter, the time limit or the
/// callback stops it. W is m x k, Ht is n x k.
/// A step that can be continued from a checkpoint: start() puts every product it caches where
/// the end of iterate() leaves it, and save_state()/load_state() carry whatever else it keeps
/// between iterations (none: nothing else). Every fit() step has the flag; transform()'s
/// ProjectionStep, which never checkpoints, has not.
template <class Step>
constexpr bool checkpoints = requires {
    requires Step::checkpoints;
};

/// Throws InvalidInput when the state s cannot continue a fit of V (m x n) at rank k in T.
template <class T>
void check_resume_state(const FitState& s, Eigen::Index m, Eigen::Index n, Eigen::Index k,
                        const Options& opt) {
    auto shape = [](const Eigen::MatrixXd& X) {
        return std::to_string(X.rows()) + " x " + std::to_string(X.cols());
    };
    if (s.version != FitState::current_version)
        throw InvalidInput("the fit state has version " + std::to_string(s.version) +
                           ", this build reads version " +
                           std::to_string(FitState::current_version));
    if (s.single_precision != std::is_same_v<T, float>)
        throw InvalidInput(std::string("the fit state is of a ") +
                           (s.single_precision ? "float32" : "float64") + " fit, this fit is " +
                           (std::is_same_v<T, float> ? "float32" : "float64"));
    if (s.W.rows() != m || s.W.cols() != k || s.Ht.rows() != n || s.Ht.cols() != k)
        throw InvalidInput("the fit state holds W " + shape(s.W) + " and H " +
                           std::to_string(s.Ht.cols()) + " x " + std::to_string(s.Ht.rows()) +
                           ", this fit needs W " + std::to_string(m) + " x " + std::to_string(k) +
                           " and H " + std::to_string(k) + " x " + std::to_string(n));
    if (s.iteration < 0 || static_cast<std::size_t>(s.iteration) != s.history.size())
        throw InvalidInput("the fit state's iteration " + std::to_string(s.iteration) +
                           " does not match its history of " + std::to_string(s.history.size()) +
                           " entries");
    if (s.iteration >= opt.max_iter)
        throw InvalidInput("the fit state is at iteration " + std::to_string(s.iteration) +
                           ", max_iter " + std::to_string(opt.max_iter) + " leaves nothing to do");
}

template <class T, class D, class Step>
Result<T> alternate(const D& A, Step& step, Matrix<T> W, Matrix<T> Ht, const Options& opt,
                    const Callbacks& callbacks) {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    const FitState* resume = callbacks.resume.get();
    // A continued fit's clock goes on from the interrupted one's.
    const double seconds0 =
        resume != nullptr && !resume->history.empty() ? resume->history.back().seconds : 0.0;
    auto elapsed = [&] {
        return seconds0 + std::chrono::duration<double>(Clock::now() - t0).count();
    };
    const bool checkpointing =
        resume != nullptr || (callbacks.on_checkpoint && callbacks.checkpoint_every >= 0);
    if (checkpointing) {
        if constexpr (!checkpoints<Step>)
            throw InvalidInput("checkpoints are not supported by this step");
    }
    // A state holds the whole factors (every process of a distributed fit passes the same one,
    // and each takes its rows); a distributed fit's checkpoint gathers them to process 0.
    const Eigen::Index k = W.cols();
    auto own_w = [&](const Eigen::MatrixXd& X) {
        if (X.rows() != A.rows() || X.cols() != k)
            throw InvalidInput("the fit state's extrapolation points have the wrong shape");
        return own_rows<T>(A, X, true);
    };
    auto own_ht = [&](const Eigen::MatrixXd& X) {
        if (X.rows() != A.cols() || X.cols() != k)
            throw InvalidInput("the fit state's extrapolation points have the wrong shape");
        return own_rows<T>(A, X, false);
    };
    auto whole_w = [&](const Matrix<T>& X) { return whole_factor(A, X, true); };
    auto whole_ht = [&](const Matrix<T>& X) { return whole_factor(A, X, false); };
    if (resume != nullptr) {
        check_resume_state<T>(*resume, A.rows(), A.cols(), k, opt);
        W = own_rows<T>(A, resume->W, true);
        Ht = own_rows<T>(A, resume->Ht, false);
    }

    Result<T> r;
    r.solver = resolved_solver(opt);
    r.loss = opt.loss;
    r.status = Status::max_iter_reached;
    double f_prev = step.start(W, Ht);
    r.initial_objective = f_prev;
    // The projected-gradient rule needs a step that evaluates ∇ᴾf (validation allows it only then).
    constexpr bool has_gradient = requires(const Step& st) { st.projected_gradient_norm(W, Ht); };
    const bool by_gradient = opt.stop == StopRule::projected_gradient;
    double gradient0 = 0;
    if constexpr (has_gradient)
        if (by_gradient && resume == nullptr) gradient0 = step.projected_gradient_norm(W, Ht);
    // Extrapolation (engine/extrapolation.hpp) where the options resolve to it and the step
    // takes its hooks; the history then lists the kept points' objectives.
    constexpr bool can_extrapolate = requires(Step & st, Matrix<T> & X, Extrapolator<T> & x) {
        st.iterate(X, X, x);
        st.reset(X, X);
    };
    // An extrapolated point is kept when it lowers the objective by more than the objective's
    // rounding: ε‖A‖² for the Frobenius Gram formula (loss/frobenius.hpp), ε·f otherwise, with
    // a factor 10⁴ for the length of the sums. Near a minimum the change is at that level, and a
    // plain f_t ≤ f_{t−1} would follow the last bits of f, which differ between storages and
    // process grids: their runs would part (docs/algorithms.md, "Extrapolation").
    constexpr double keep_rounding = 1e4 * std::numeric_limits<double>::epsilon();
    [[maybe_unused]] const double norm2 = A.squared_norm();
    [[maybe_unused]] auto keep_margin = [&](double f_kept) {
        return keep_rounding * (opt.loss == Loss::frobenius ? norm2 : std::abs(f_kept));
    };
    std::optional<Extrapolator<T>> ex;
    if constexpr (can_extrapolate)
        if (resolved_extrapolation(opt)) ex.emplace(W, Ht);
    const bool monotone = solver_traits(r.solver, opt.loss).monotone;
    r.history.reserve(static_cast<std::size_t>(std::min(opt.max_iter, 1024)));
    int first = 1;
    if (resume != nullptr) {
        // The state of the loop at the end of iteration resume->iteration.
        f_prev = resume->objective;
        r.initial_objective = resume->initial_objective;
        gradient0 = resume->gradient0;
        r.history = resume->history;
        first = resume->iteration + 1;
        std::size_t at = 0, matrices = 0;
        if constexpr (checkpoints<Step>)
            if constexpr (requires { step.load_state(resume->scalars, at); })
                step.load_state(resume->scalars, at);
        if (ex) ex->load_state(resume->scalars, at, resume->matrices, matrices, own_w, own_ht);
        if (at != resume->scalars.size() || matrices != resume->matrices.size())
            throw InvalidInput("the fit state holds " + std::to_string(resume->scalars.size()) +
                               " numbers and " + std::to_string(resume->matrices.size()) +
                               " matrices of loop state, this fit's solver and options use " +
                               std::to_string(at) + " and " + std::to_string(matrices));
    }
    // The state the next iteration starts from, for Callbacks::on_checkpoint.
    auto save = [&](int it, double f_now) {
        FitState st;
        st.single_precision = std::is_same_v<T, float>;
        st.iteration = it;
        st.W = whole_w(W);
        st.Ht = whole_ht(Ht);
        st.objective = f_now;
        st.initial_objective = r.initial_objective;
        st.gradient0 = gradient0;
        st.history = r.history;
        if constexpr (checkpoints<Step>)
            if constexpr (requires { step.save_state(st.scalars); }) step.save_state(st.scalars);
        if (ex) ex->save_state(st.scalars, st.matrices, whole_w, whole_ht);
        callbacks.on_checkpoint(st);
    };
    double f = f_prev;
    for (int it = first; it <= opt.max_iter; ++it) {
        IterationStats s;
        if constexpr (can_extrapolate) {
            if (ex) {
                s.extrapolation = ex->beta();
                f = step.iterate(W, Ht, *ex);
                if (!ex->keep(f, f_prev - keep_margin(f_prev), W)) {
                    // A worse point: back to the kept one; its objective stands.
                    ex->restore(W, Ht);
                    step.reset(W, Ht);
                    f = f_prev;
                    s.restarted = true;
                }
            } else {
                f = step.iterate(W, Ht);
            }
        } else {
            f = step.iterate(W, Ht);
        }
        s.iteration = it;
        s.objective = f;
        s.relative_change = f_prev > 0 ? (f_prev - f) / f_prev : 0.0;
        // A restarted iteration repeats the objective: no evidence of convergence. Where the
        // plain iteration never raises the objective, a rise is its rounding error: the changes
        // are then below what the objective resolves, and no later one can meet the rule.
        bool converged = !by_gradient && !s.restarted && opt.tol > 0 &&
                         (std::abs(f_prev - f) <= opt.tol * f_prev || (monotone && f > f_prev));
        if constexpr (has_gradient)
            if (by_gradient) {
                const double g = step.projected_gradient_norm(W, Ht);
                s.projected_gradient = gradient0 > 0 ? g / gradient0 : 0.0;
                converged = opt.tol > 0 && g <= opt.tol * gradient0;
            }
        s.seconds = elapsed();
        r.history.push_back(s);
        r.iterations = it;
        // The callback sees every iteration, the last one included.
        const bool keep_going = !callbacks.on_iteration || callbacks.on_iteration(s);
        // Every process of a distributed fit stops at the same iteration for the same reason:
        // the objective is the same on all, the callback and the clock are not (linalg/reduce.hpp).
        enum : int { go_on, by_time, by_callback, by_convergence };
        const int stop = agree(A, converged     ? by_convergence
                                  : !keep_going ? by_callback
                                  : opt.time_limit > 0 && s.seconds >= opt.time_limit ? by_time
                                                                                      : go_on);
        if (callbacks.on_checkpoint && it < opt.max_iter &&
            ((stop == go_on && callbacks.checkpoint_every > 0 &&
              it % callbacks.checkpoint_every == 0) ||
             stop == by_callback || stop == by_time))
            save(it, f);
        if (stop != go_on) {
            r.status = stop == by_convergence ? Status::converged
                       : stop == by_callback  ? Status::stopped_by_callback
                                              : Status::time_limit_reached;
            break;
        }
        f_prev = f;
    }
    // A step that holds the factors elsewhere (the device step, engine/device_step.hpp) hands
    // them back here.
    if constexpr (requires { step.finish(W, Ht); }) step.finish(W, Ht);
    if (ex) ex->restore(W, Ht);  // the kept point, not the extrapolated Ht
    // The reported error is evaluated entry by entry once, so it stays exact near a perfect fit
    // where the Gram formula used per iteration cancels; the Frobenius objective follows it.
    const double residual = A.residual_squared_norm(W, Ht);
    double missing = 0;  // masked Frobenius steps: ½ w Σ_missing (WH)² (Options::missing_weight)
    if constexpr (requires { step.missing_term(W, Ht); }) missing = step.missing_term(W, Ht);
    r.objective = opt.loss == Loss::frobenius ? 0.5 * residual + missing + step.penalty(W, Ht) : f;
    const double normA = std::sqrt(A.squared_norm());
    r.relative_error = normA > 0 ? std::sqrt(residual) / normA : std::sqrt(residual);
    r.W = std::move(W);
    r.H = Ht.transpose();
    r.seconds = elapsed();
    return r;
}

}  // namespace nmfkit::detail
