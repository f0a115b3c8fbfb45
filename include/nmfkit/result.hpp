#pragma once
/// @file result.hpp
/// @brief What a fit returns.

#include <Eigen/Core>
#include <vector>

#include <nmfkit/options.hpp>

namespace nmfkit {

/// Column-major dense matrix used for factors.
template <class T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;

/// Statistics of one iteration (one update of W and one of H).
struct IterationStats {
    int iteration = 0;            ///< 1-based
    double objective = 0;         ///< loss after this iteration (½‖V − WH‖² or D(V‖WH))
    double relative_change = 0;   ///< (f_prev − f) / f_prev; 0 when f_prev = 0
    double seconds = 0;           ///< wall time since the fit started
};

/// Factors and diagnostics of a fit: V (m x n) ≈ W (m x k) · H (k x n).
template <class T>
struct Result {
    Matrix<T> W;                           ///< m x k, non-negative
    Matrix<T> H;                           ///< k x n, non-negative
    Status status = Status::max_iter_reached;  ///< the rule that stopped the run
    int iterations = 0;                    ///< iterations run
    Solver solver = Solver::hals;          ///< the solver used
    Loss loss = Loss::frobenius;           ///< the loss minimised
    double initial_objective = 0;          ///< loss at the start
    double objective = 0;                  ///< loss at the end
    double relative_error = 0;             ///< ‖V − WH‖_F / ‖V‖_F (‖WH‖_F when V = 0)
    double seconds = 0;                    ///< wall time of the fit
    int threads = 1;                       ///< threads used
    std::vector<IterationStats> history;   ///< one entry per iteration
};

}  // namespace nmfkit
