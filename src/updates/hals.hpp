#pragma once
// Hierarchical ALS / fast coordinate descent (Cichocki & Phan, IEICE Trans. Fundamentals 2009)
// with the accelerated inner loop of Gillis & Glineur (Neural Computation 24(4), 2012).

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include <nmfkit/result.hpp>

#include "linalg/kernels.hpp"
#include "linalg/numeric.hpp"
#include "linalg/parallel.hpp"
#include "nnls/subproblem.hpp"

namespace nmfkit::detail {

/// How many inner sweeps one HALS half-step may make.
struct HalsBudget {
    int max_inner = 1;     ///< sweeps at most
    double epsilon = 0.1;  ///< stop when ‖X_l − X_{l+1}‖_F ≤ epsilon · ‖X_0 − X_1‖_F
};

/// The Gillis-Glineur budget: 1 + ⌊alpha · ρ⌋ sweeps, ρ = (flops of A·F + flops of FᵀF) /
/// (flops of one sweep), i.e. repeat the cheap sweep while the expensive products stay valid.
/// rows_x and rows_f are the row counts of X and F; product_flops is the cost of A·F over A's
/// non-zeros, 2·nnz·k (GramSubproblem::product_flops), whatever A's storage.
inline HalsBudget hals_budget(double product_flops, Eigen::Index rows_x, Eigen::Index rows_f,
                              Eigen::Index k, double alpha, double epsilon, int cap) {
    const double kk = static_cast<double>(k) * static_cast<double>(k);
    const double sweep = std::max(1.0, 2.0 * static_cast<double>(rows_x) * kk);
    const double rho = (product_flops + static_cast<double>(rows_f) * kk) / sweep;
    HalsBudget b;
    b.max_inner = cap > 0 ? cap : 1 + static_cast<int>(std::min(1e6, std::floor(alpha * rho)));
    b.epsilon = epsilon;
    return b;
}

/// HALS on a tall factor: for each column j,
///   X(:, j) ← max(0, X(:, j) + (AF(:, j) − X FtF(:, j)) / FtF(j, j)),
/// the exact minimiser of ½‖A − X Fᵀ‖² over column j with the others fixed, so the objective
/// never increases. Sweeps repeat within the budget. FtF is k x k, AF and X are rows x k.
/// NOTE: rows are independent given FtF and AF, so row blocks run in parallel and the result does
/// not depend on the thread count. A column whose FtF(j, j) = 0 does not affect the objective and
/// is left as it is.
/// `sum` totals the sweep's change over the processes that share X's rows (linalg/reduce.hpp), so
/// a distributed X makes the same number of sweeps as a serial one; `collective` says that `sum`
/// is such a reduction (an MPI call, made by the master thread only).
/// All sweeps run in one parallel region (when the sweep is worth a team: rows·k² multiply-adds),
/// with one barrier per sweep (the loop's): every thread then sums the blocks' changes in the same
/// order and takes the same stop decision, so no second synchronization is needed. The changes
/// alternate between two buffers, so a thread still reading sweep s's never races with sweep
/// s + 1's writes (sweep s + 2 starts only after every thread passed sweep s + 1's barrier).
/// The sweeps stop after the budget's count, once a sweep's squared change is at most ε² times
/// the first's (Gillis & Glineur), or once it is at most the rounding floor below. Returns the
/// number of sweeps made.
template <class T, class Sum = double (*)(double)>
int hals_update(
    const Matrix<T>& FtF, const Matrix<T>& AF, Matrix<T>& X, const HalsBudget& budget,
    Sum sum = [](double x) { return x; }, bool collective = false) {
    const Eigen::Index rows = X.rows(), k = X.cols();
    constexpr Eigen::Index block = 256;
    const Eigen::Index blocks = (rows + block - 1) / block;
    std::vector<double> change(static_cast<std::size_t>(2 * blocks));  // two sweeps' block changes
    // One block's sweep: the kernel of this CPU's target (linalg/update_kernels.hpp), in the
    // register width of that target: each column's residual AF(:, j) − X FtF(:, j) is summed over
    // l in increasing order, in chunks of rows whose partial sums stay in registers.
    const auto sweep = update_kernels<T>().hals_block;
    // The rounding floor of a sweep's squared change: (2 k u)² ‖X‖², u the unit roundoff of T.
    // A sweep recomputes each entry from a residual summed over k terms in T, so once X has
    // converged to rounding the sweeps keep moving it by the residuals' rounding error, the
    // change stops falling, and the ε test never ends the loop (docs/algorithms.md, "hals").
    // ‖X‖² is X's at the start, summed like the changes (block by block in order, then over the
    // processes that share X's rows).
    double floor_change = 0;
    {
        const double u = std::numeric_limits<T>::epsilon() / 2;
        const double ku = 2 * static_cast<double>(k) * u;
        double x2 = 0;
        for (Eigen::Index b = 0; b < blocks; ++b) {
            const Eigen::Index r0 = b * block, r = std::min(block, rows - r0);
            x2 += X.middleRows(r0, r).template cast<double>().squaredNorm();
        }
        floor_change = ku * ku * sum(x2);
    }
    double collective_total = 0;  // sum(total) of the current sweep, written by the master
    int made = 0;                 // sweeps, written by the master
#pragma omp parallel if (worth_parallel(rows * k * k))
    {
        Eigen::Matrix<T, Eigen::Dynamic, 1> t(std::min(block, rows));  // AF(:, j) − X FtF(:, j)
        double first_change = 0;
        int inner = 0;
        for (; inner < budget.max_inner; ++inner) {
            double* sweep_change = change.data() + (inner % 2) * blocks;
#pragma omp for schedule(static)
            for (Eigen::Index b = 0; b < blocks; ++b) {
                const Eigen::Index r0 = b * block, r = std::min(block, rows - r0);
                sweep_change[b] = sweep(FtF.data(), AF.data(), X.data(), rows, k, r0, r, t.data());
            }  // implicit barrier: every block of this sweep is done
            double total = 0;
            for (Eigen::Index b = 0; b < blocks; ++b) total += sweep_change[b];
            if (collective) {
#pragma omp master
                collective_total = sum(total);
#pragma omp barrier
                total = collective_total;
            } else {
                total = sum(total);
            }
            if (inner == 0) first_change = total;
            if (total <= floor_change ||
                (inner > 0 && total <= budget.epsilon * budget.epsilon * first_change)) {
                ++inner;
                break;  // the same decision in every thread: same sums in the same order
            }
        }
#pragma omp master
        made = inner;
    }
    return made;
}

/// HALS (and cd for Frobenius) as the registry calls it (engine/registry.cpp): the whole factor
/// by hals_update() within the Gillis-Glineur budget, one row of masked NMF by `sweeps` exact
/// coordinate sweeps x_l ← max(0, x_l + (b_l − l1 − Gp(l, :) x) / Gp(l, l)).
struct Hals {
    template <class T>
    static void update(const GramSubproblem<T>& p, Matrix<T>& X) {
        hals_update(p.G, p.B, X,
                    hals_budget(p.product_flops, p.rows_x, p.rows_f, X.cols(), p.opt.hals_alpha,
                                p.opt.hals_epsilon, p.opt.hals_max_inner),
                    p.sum, p.collective);
    }
    static void row(RowSubproblem& s) {
        const Eigen::Index k = s.x.size();
        for (int sweep = 0; sweep < s.sweeps; ++sweep)
            for (Eigen::Index l = 0; l < k; ++l)
                if (s.Gp(l, l) > 0)
                    s.x(l) =
                        std::max(0.0, s.x(l) + (s.b(l) - s.l1 - s.Gp.row(l).dot(s.x)) / s.Gp(l, l));
    }
};

}  // namespace nmfkit::detail
