#pragma once
/// @file result.hpp
/// @brief What a fit returns.

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include <nmfkit/options.hpp>

namespace nmfkit {

/// Column-major dense matrix used for factors.
template <class T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;

/// Statistics of one iteration (one update of W and one of H).
struct IterationStats {
    int iteration = 0;           ///< 1-based
    double objective = 0;        ///< objective after this iteration: loss + penalties
    double relative_change = 0;  ///< (f_prev − f) / f_prev; 0 when f_prev = 0
    double projected_gradient =
        -1;  ///< ‖∇ᴾf‖_F / ‖∇ᴾf(W₀, H₀)‖_F; −1 unless stop = projected_gradient
    double seconds = 0;  ///< wall time since the fit started
    /// Options::extrapolation: the weight β of this iteration's extrapolation (0: a plain
    /// iteration, or extrapolation off; docs/algorithms.md, "Extrapolation")
    double extrapolation = 0;
    /// Options::extrapolation: this iteration's point had a higher objective than the last one
    /// kept, so it was dropped and the fit restarted from the kept point (the objective repeats)
    bool restarted = false;
};

/// Factors and diagnostics of a fit: V (m x n) ≈ W (m x k) · H (k x n).
template <class T>
struct Result {
    Matrix<T> W;                               ///< m x k, non-negative
    Matrix<T> H;                               ///< k x n, non-negative
    Status status = Status::max_iter_reached;  ///< the rule that stopped the run
    int iterations = 0;                        ///< iterations run
    Solver solver = Solver::hals;              ///< the solver used
    Loss loss = Loss::frobenius;               ///< the loss minimised
    Init init = Init::random;                  ///< the start used (Options::init resolved)
    Eigen::Matrix<T, Eigen::Dynamic, 1>
        d;  ///< k scales with V ≈ W diag(d) H when Options::diagonal; else empty
    double initial_objective = 0;  ///< objective (loss + penalties) at the start
    double objective = 0;       ///< objective (loss + penalties) at the end, before normalisation
    double relative_error = 0;  ///< ‖V − WH‖_F / ‖V‖_F (‖WH‖_F when V = 0)
    double seconds = 0;         ///< wall time of the fit
    int threads = 1;            ///< threads used
    std::vector<IterationStats> history;  ///< one entry per iteration (of the kept run)
    std::vector<double>
        restart_objectives;  ///< final objective of every run (restarts > 1), by seed
    int best_restart = 0;    ///< index of the kept run: its seed is Options::seed + best_restart
    std::int64_t underobserved_rows =
        0;  ///< missing values: rows of V with fewer than k observed entries
    std::int64_t underobserved_cols =
        0;  ///< missing values: columns of V with fewer than k observed entries
};

}  // namespace nmfkit
