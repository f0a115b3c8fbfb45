#pragma once
// The one alternating loop: runs a step until a stopping rule fires, keeping the history.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>

#include <nmfkit/fit.hpp>

#include "engine/extrapolation.hpp"
#include "linalg/reduce.hpp"

namespace nmfkit::detail {

/// Runs step.iterate() on (W, Ht) until the stopping rule fires (relative_objective:
/// |f_prev − f| ≤ tol · f_prev, or f > f_prev for a monotone solver; projected_gradient:
/// ‖∇ᴾf‖ ≤ tol · ‖∇ᴾf(W₀, H₀)‖, for steps that provide it), max_iter, the time limit or the
/// callback stops it. W is m x k, Ht is n x k.
template <class T, class D, class Step>
Result<T> alternate(const D& A, Step& step, Matrix<T> W, Matrix<T> Ht, const Options& opt,
                    const Callbacks& callbacks) {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };

    Result<T> r;
    r.solver = resolved_solver(opt);
    r.loss = opt.loss;
    r.status = Status::max_iter_reached;
    double f_prev = step.start(W, Ht);
    r.initial_objective = f_prev;
    double f = f_prev;
    // The projected-gradient rule needs a step that evaluates ∇ᴾf (validation allows it only then).
    constexpr bool has_gradient = requires(const Step& st) { st.projected_gradient_norm(W, Ht); };
    const bool by_gradient = opt.stop == StopRule::projected_gradient;
    double gradient0 = 0;
    if constexpr (has_gradient)
        if (by_gradient) gradient0 = step.projected_gradient_norm(W, Ht);
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
    for (int it = 1; it <= opt.max_iter; ++it) {
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
        if (stop != go_on) {
            r.status = stop == by_convergence ? Status::converged
                       : stop == by_callback  ? Status::stopped_by_callback
                                              : Status::time_limit_reached;
            break;
        }
        f_prev = f;
    }
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
