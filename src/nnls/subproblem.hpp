#pragma once
// The two shapes of the Frobenius half-step that every Frobenius solver takes (the registry,
// engine/registry.cpp, points at one update of each shape per solver):
//   whole factor: min_{X ≥ 0} ½ tr(X G Xᵀ) − tr(Bᵀ X), one G for all rows (GramSubproblem);
//   one row:      min_{x ≥ 0} ½ xᵀ G_i x − b_iᵀ x + l1 Σx + ½ l2 ‖x‖², each row its own G_i, as
//                 masked NMF needs (RowSubproblem, driven by updates/masked.hpp).

#include <Eigen/Core>
#include <functional>

#include <nmfkit/options.hpp>
#include <nmfkit/result.hpp>

namespace nmfkit::detail {

/// One half-step's problem for X (rows x k) with the other factor F fixed:
/// min_{X ≥ 0} ½ tr(X G Xᵀ) − tr(Bᵀ X), i.e. ½‖A − X Fᵀ‖² + l1 ΣX + ½ l2 ‖X‖² up to a constant.
template <class T>
struct GramSubproblem {
    const Matrix<T>& G;   ///< k x k: FᵀF + l2·I
    const Matrix<T>& B;   ///< rows x k: A·F − l1
    const Matrix<T>& AF;  ///< rows x k: A·F without the penalty (MU's numerator); B when l1 = 0
    double l1 = 0;        ///< the L1 weight (MU puts it in the denominator)
    const Options& opt;   ///< inner-loop options (hals_max_inner, hals_alpha, hals_epsilon)
    /// 2·nnz(A)·k: the flops of A·F counted over A's non-zero entries, for inner-iteration
    /// budgets. A function of (m, n, nnz, k) only, never of how A is stored, so dense and sparse
    /// storage of one A (and a distributed A) take the same sweeps and give the same iterates.
    double product_flops = 0;
    Eigen::Index rows_x = 0, rows_f = 0;  ///< rows of X and of F over all processes
    /// Σ of a per-process partial sum over the processes that share X's rows (linalg/reduce.hpp);
    /// the identity for a serial fit. Iterative solvers sum their stopping tests with it, so every
    /// process takes the same decisions.
    std::function<double(double)> sum = [](double x) { return x; };
    bool collective = false;  ///< `sum` is an MPI reduction: call it from one thread at a time
};

/// A whole-factor update: X (rows x k, non-negative on entry) ← the solver's step on the problem.
template <class T>
using GramUpdate = void (*)(const GramSubproblem<T>&, Matrix<T>&);

/// One row's problem, in double, with per-thread storage: min_{x ≥ 0} ½ xᵀ Gp x − (b − l1)ᵀ x.
/// The driver fills G (the row's Gram, k x k), Gp = G + l2·I, b (the row's cross product) and x
/// (the row on entry); the row update leaves the new row in x. `x1`, `b1` and `work` are scratch.
struct RowSubproblem {
    Matrix<double> G, Gp, x1, b1, work;
    Eigen::VectorXd b, x, f;
    double l1 = 0;    ///< L1 weight (not in b)
    int sweeps = 10;  ///< inner iterations of the iterative solvers (hals_max_inner, else 10)
    explicit RowSubproblem(Eigen::Index k)
        : G(k, k), Gp(k, k), x1(1, k), b1(1, k), work(k, 8), b(k), x(k), f(k) {}
};

/// A per-row update (masked NMF): s.x ← the solver's step on the row's problem.
using RowUpdate = void (*)(RowSubproblem&);

}  // namespace nmfkit::detail
