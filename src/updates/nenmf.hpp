#pragma once
// NeNMF: each NNLS subproblem by Nesterov's optimal gradient method (Guan, Tao, Luo & Yuan,
// "NeNMF: An Optimal Gradient Method for Nonnegative Matrix Factorization", IEEE Trans. Signal
// Processing 60(6), 2012, Algorithm 1), with a function-value restart that keeps every inner
// iterate no worse than the one before (O'Donoghue & Candès, "Adaptive restart for accelerated
// gradient schemes", Found. Comput. Math. 15(3), 2015), so the NMF objective never increases.

#include <algorithm>
#include <cmath>
#include <limits>

#include <nmfkit/result.hpp>

#include "linalg/kernels.hpp"
#include "linalg/numeric.hpp"
#include "nnls/subproblem.hpp"
#include "updates/hals.hpp"

namespace nmfkit::detail {

/// An upper bound on the largest eigenvalue of a symmetric positive semi-definite G (k x k): the
/// Collatz-Wielandt bound max_l (|G| v)_l / v_l ≥ ρ(|G|) ≥ ρ(G) = λ_max(G), valid for every
/// positive v, after `iterations` power iterations v ← |G| v from v = 1 (which tighten it
/// towards ρ(|G|); ρ(|G|) = λ_max(G) when G ≥ 0 entrywise, as the Gram of a non-negative factor
/// is). A zero row of G (an unused component) is left out: its v_l stays 0 and it adds only the
/// eigenvalue 0. Unlike a plain power iteration, which approaches λ_max from below, this never
/// underestimates, so 1/L is a safe gradient step. O(iterations · k²).
inline double lipschitz_bound(const Matrix<double>& G, int iterations = 20) {
    const Eigen::Index k = G.rows();
    const Matrix<double> absG = G.cwiseAbs();
    Eigen::VectorXd v = Eigen::VectorXd::Ones(k), w(k);
    double bound = std::numeric_limits<double>::infinity();
    for (int it = 0; it <= iterations; ++it) {
        w.noalias() = absG * v;
        double ratio = 0, top = 0;
        for (Eigen::Index l = 0; l < k; ++l) {
            if (v(l) > 0) ratio = std::max(ratio, w(l) / v(l));
            top = std::max(top, w(l));
        }
        bound = std::min(bound, ratio);
        if (!(top > 0)) return 0;  // G = 0
        v = w / top;
    }
    return bound;
}

/// NeNMF on the subproblem min_{X ≥ 0} f(X) = ½ tr(X G Xᵀ) − tr(Bᵀ X), from X_0 = X:
///   X_k = max(0, Y_k − ∇f(Y_k)/L), ∇f(Y) = Y G − B, L ≥ λ_max(G) (lipschitz_bound),
///   α_{k+1} = (1 + √(4α_k² + 1))/2,  Y_{k+1} = X_k + ((α_k − 1)/α_{k+1}) (X_k − X_{k−1}),
/// with Y_1 = X_0, α_1 = 1. Stops when ‖∇ᴾf(X_k)‖_F ≤ δ ‖∇ᴾf(X_0)‖_F (the projected gradient of
/// Lin 2007, the paper's test, here relative to the subproblem's own start) or after max_inner
/// iterations. Restart: an X_k with f(X_k) > f(X_{k−1}) beyond the rounding error of f is rejected
/// and the momentum reset (α = 1, Y = X_{k−1}); the next step is then a projected gradient step
/// with step 1/L, which never increases f, and a second rejection in a row ends the loop.
/// X G is kept for X_k and X_{k−1}, so Y G = (1 + β) X_k G − β X_{k−1} G needs no product: one
/// product X G (rows·k² multiply-adds) per iteration gives f, ∇f at Y and ∇ᴾf at X_k.
/// `sum` adds the per-process parts of f and ‖∇ᴾf‖² (a distributed X), so all processes decide
/// alike. X is rows x k, G k x k, B rows x k; everything sums in double. It also stops once
/// ‖∇ᴾf(X_k)‖² is at its rounding floor (below), and returns the iterations made.
template <class T, class Sum>
int nenmf_update(const Matrix<T>& G, const Matrix<T>& B, Matrix<T>& X, int max_inner, double delta,
                 Sum sum) {
    const Eigen::Index rows = X.rows(), k = X.cols();
    const double L = lipschitz_bound(G.template cast<double>());
    if (!(L > 0) || max_inner < 1) return 0;  // G = 0: f is linear in X and G carries no scale
    const T step = static_cast<T>(1 / L);
    // f(X), ‖∇ᴾf(X)‖², the rounding error of f (XG is formed in T: about ε_T Σ|terms|) and the
    // rounding floor of ‖∇ᴾf‖² from X and XG; sums over the processes. The floor,
    // Σ (2u (|XG| + |B|))² over the entries ∇ᴾf counts (u the unit roundoff of T), is twice what
    // storing XG and B in T may change the gradient by: near a fixed point ∇ᴾf stops falling
    // there, the δ test (relative to a start at that level) never fires, and float32 fits made
    // every inner iteration of their budget (docs/algorithms.md, "nenmf").
    const double eps = 16 * static_cast<double>(std::numeric_limits<T>::epsilon());
    const double two_u = static_cast<double>(std::numeric_limits<T>::epsilon());
    auto measure = [&](const Matrix<T>& Xc, const Matrix<T>& XGc, double& f, double& pg,
                       double& err, double& pg_floor) {
        double fs = 0, ps = 0, as = 0, ns = 0;
        for (Eigen::Index j = 0; j < k; ++j)
            for (Eigen::Index i = 0; i < rows; ++i) {
                const double x = Xc(i, j), xg = XGc(i, j), b = B(i, j), g = xg - b;
                fs += x * (0.5 * xg - b);
                as += x * (0.5 * std::abs(xg) + std::abs(b));
                if (x > 0 || g < 0) {
                    ps += g * g;
                    const double scale = std::abs(xg) + std::abs(b);
                    ns += scale * scale;
                }
            }
        f = sum(fs);
        pg = sum(ps);
        err = eps * sum(as);
        pg_floor = two_u * two_u * sum(ns);
    };
    // X G: the streaming product for a tall X, Eigen's for a row or a few.
    auto times_G = [&](const Matrix<T>& Xc, Matrix<T>& out) {
        if (rows >= 64)
            tall_times(Xc, G, out);
        else
            out.noalias() = Xc * G;
    };
    Matrix<T> XG, Xprev, XGprev, Y, YG, Xnew, XGnew;  // all rows x k
    times_G(X, XG);
    double f = 0, pg0 = 0, err = 0, pg_floor0 = 0;
    measure(X, XG, f, pg0, err, pg_floor0);
    if (!(pg0 > pg_floor0)) return 0;  // X_0 is already a KKT point, up to rounding
    Xprev = X;
    XGprev = XG;
    Y = X;
    YG = XG;
    double alpha = 1;
    bool rejected = false;
    int it = 0;
    for (; it < max_inner; ++it) {
        Xnew = (Y - step * (YG - B)).cwiseMax(T(0));
        for (Eigen::Index q = 0; q < Xnew.size(); ++q)
            Xnew.data()[q] = flush_subnormal(Xnew.data()[q]);
        times_G(Xnew, XGnew);
        double f_new = 0, pg = 0, err_new = 0, pg_floor = 0;
        measure(Xnew, XGnew, f_new, pg, err_new, pg_floor);
        // An increase beyond rounding: near the minimiser f changes by less than its own rounding
        // error, and such steps are still progress (∇ᴾf keeps falling).
        if (!(f_new <= f + std::max(err, err_new))) {
            // Restart from X_{k−1}: a plain projected gradient step comes next.
            if (rejected) {
                ++it;
                break;
            }
            rejected = true;
            alpha = 1;
            Y = X;
            YG = XG;
            continue;
        }
        rejected = false;
        Xprev.swap(X);
        XGprev.swap(XG);
        X.swap(Xnew);
        XG.swap(XGnew);
        f = f_new;
        err = err_new;
        if (pg <= delta * delta * pg0 || pg <= pg_floor) {
            ++it;
            break;
        }
        const double alpha_next = (1 + std::sqrt(4 * alpha * alpha + 1)) / 2;
        const T beta = static_cast<T>((alpha - 1) / alpha_next);
        alpha = alpha_next;
        Y = X + beta * (X - Xprev);
        YG = XG + beta * (XG - XGprev);
    }
    return it;
}

/// NeNMF as the registry calls it (engine/registry.cpp). The whole factor: nenmf_update() with
/// HALS's inner-loop options, since an inner iteration costs what a HALS sweep costs (one
/// rows x k x k product): at most hals_max_inner iterations, else the Gillis-Glineur budget
/// (hals_budget), and δ = hals_epsilon. One row of masked NMF: the same iteration on the row's
/// k-vector with G = Gp, b − l1, for `sweeps` iterations at most, δ = 0.1.
struct Nenmf {
    template <class T>
    static void update(const GramSubproblem<T>& p, Matrix<T>& X) {
        const HalsBudget budget =
            hals_budget(p.product_flops, p.rows_x, p.rows_f, X.cols(), p.opt.hals_alpha,
                        p.opt.hals_epsilon, p.opt.hals_max_inner);
        nenmf_update(p.G, p.B, X, budget.max_inner, budget.epsilon, p.sum);
    }
    static void row(RowSubproblem& s) {
        // X is the 1 x k row; G and B of the row problem, in double.
        Matrix<double> x = s.x.transpose();
        const Matrix<double> b = (s.b.array() - s.l1).matrix().transpose();
        nenmf_update(s.Gp, b, x, s.sweeps, 0.1, [](double v) { return v; });
        s.x = x.transpose();
    }
};

}  // namespace nmfkit::detail
