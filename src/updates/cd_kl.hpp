#pragma once
// Cyclic coordinate descent with Newton steps for the generalized KL divergence (Hsieh & Dhillon,
// "Fast coordinate descent methods with variable selection for non-negative matrix
// factorization", KDD 2011, Section 4; their greedy variable selection is not used: cyclic order).

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include <nmfkit/options.hpp>
#include <nmfkit/result.hpp>

#include "linalg/kernels.hpp"
#include "linalg/numeric.hpp"
#include "linalg/parallel.hpp"
#include "data/dense.hpp"
#include "data/rows.hpp"
#include "loss/kl.hpp"

namespace nmfkit::detail {

/// A coordinate's Newton steps stop once a step's predicted decrease −(g δ + ½ h δ²) falls to this
/// fraction of its first step's (docs/algorithms.md, "`cd`, KL"): later steps of a coordinate
/// that has nearly converged cost a pass over the row each and gain little.
constexpr double cd_newton_decrease_ratio = 0.01;

/// Rows of X per task of the coordinate-descent sweep (and per row_block() call).
constexpr Eigen::Index cd_rows_per_block = 32;

/// A row whose stored entries times k are at most this many takes all of F(idx, :) at once
/// (G, k x nnz doubles per thread: 8 MiB at most), from F's transpose where the k values of a
/// column index are adjacent; a longer row takes F(idx, r) coordinate by coordinate from F.
constexpr Eigen::Index cd_row_gather_max = Eigen::Index(1) << 20;

/// One sweep of coordinate descent on a tall factor X (rows x k) for
///   min_{X ≥ 0} Σ_ij [(X Fᵀ)_ij − A_ij log (X Fᵀ)_ij] + l1 · ΣX + ½ l2 · ‖X‖²,
/// F (cols x k) fixed, A (rows x cols) read row by row through row_block(). Rows are independent:
/// for row i with stored entries (j, a_j) and u_j = x · F(j, :), coordinate r takes projected
/// Newton steps s ← max(0, s − g/h) with
///   g = Σ_j F(j, r) + l1 + l2·s − Σ_{a_j > 0} a_j F(j, r) / u_j,   h = l2 + Σ_{a_j > 0} a_j F(j, r)² / u_j²;
/// zeros of A enter only through the column sums of F, so a Newton step costs O(nnz) and a sweep
/// O(nnz · k · steps). One pass per step evaluates u, g and h at the candidate s + δ. A
/// coordinate takes at most newton_steps steps, and stops early when a step's predicted decrease
/// −(g δ + ½ h δ²) is at most cd_newton_decrease_ratio times its first step's, or |δ| ≤ 1e-6 s.
/// NOTE (monotonicity): h(s) falls as s grows (every u_j grows with s), so a step that raises s
/// never passes the minimiser and always decreases the objective. A step that lowers s is
/// accepted only if g δ + ½ h(s + δ) δ² ≤ 0, which bounds the change from above by Taylor's
/// theorem (h(s + δ) is the largest curvature on [s + δ, s]); otherwise δ is halved. So no step
/// increases the objective, and no logarithm is needed to check it.
/// Coordinates r with skip[r] != 0 (when skip is not empty) are held fixed. With `observed_only`
/// (masked NMF) only the stored entries of A are observed: Σ_j F(j, r) runs over the row's stored
/// entries instead of all of F, and the returned sum adds Σ u_j over them instead of leaving
/// Σ XFᵀ to the caller.
/// Rows with nnz·k ≤ row_gather_max take F(idx, :) at once (tests pass 0 to check the other form).
/// With `objective`, returns Σ_i Σ_{a_j > 0} (a_j log(a_j / u_j) − a_j) at the new X (the data
/// part of D(A‖XFᵀ) without Σ XFᵀ), in double, summed over rows in order; else 0.
template <class T, class D>
double cd_kl_update(const D& A, const Matrix<T>& F, Matrix<T>& X, const Penalty& penalty,
                    int newton_steps, bool objective, const std::vector<char>& skip = {},
                    bool observed_only = false, Eigen::Index row_gather_max = cd_row_gather_max) {
    const Eigen::Index rows = X.rows(), k = X.cols();
    const Eigen::Matrix<double, Eigen::Dynamic, 1> colsum =
        F.template cast<double>().colwise().sum().transpose();  // k
    const double floor = kl_floor<T>();
    const Eigen::Index blocks = (rows + cd_rows_per_block - 1) / cd_rows_per_block;
    std::vector<double> partial(static_cast<std::size_t>(blocks), 0.0);
    // Work: per coordinate, a pass over the row's stored entries for the derivatives and one per
    // Newton step (2·nnz·k is product_flops).
    const auto work = static_cast<Eigen::Index>(A.product_flops(k)) * std::max(1, newton_steps);
    const auto& kern = update_kernels<T>();  // this CPU's target
    using I = typename decltype(A.row_block(0, 0, std::declval<RowScratch<T>&>()))::Index;
    const auto& indexed = indexed_kernels<I>(kern);
    Matrix<T> Ft;         // k x cols: row i's entries of F, adjacent per entry
    transpose_to(F, Ft);  // tiled: Eigen's plain transpose read k strided streams (~7 % of a sweep)
#pragma omp parallel if (worth_parallel(work))
    {
        RowScratch<T> scratch;
        // Per stored entry of the row, padded with zeros to n16 entries (a multiple of 16, the
        // derivative kernels' lanes: no partial block): a_j in double, u_j, u_j + δF(j, r), their
        // 1 / max(·, floor), F(j, r); and G, k x n16 row-major, F(idx, :)ᵀ (cd_row_gather_max).
        // In the padding a = F = u = 0: the terms there are 0 · (0 · 1/floor) = 0.
        std::vector<double> ad, u, trial, w, trial_w, fr, G;
#pragma omp for schedule(dynamic, 1)
        for (Eigen::Index b = 0; b < blocks; ++b) {
            const Eigen::Index r0 = b * cd_rows_per_block;
            const auto block = A.row_block(r0, std::min(cd_rows_per_block, rows - r0), scratch);
            double block_sum = 0;
            for (Eigen::Index t = 0; t < block.rows; ++t) {
                const Eigen::Index i = r0 + t;
                const auto p0 = static_cast<Eigen::Index>(block.ptr[t]);
                const auto nnz = static_cast<Eigen::Index>(block.ptr[t + 1]) - p0;
                const auto* idx = block.index + p0;
                const T* a = block.values + p0;
                const Eigen::Index n16 = (nnz + 15) / 16 * 16;
                const auto size = static_cast<std::size_t>(n16);
                ad.resize(size);
                std::copy_n(a, nnz, ad.data());  // converts float values
                std::fill_n(ad.data() + nnz, n16 - nnz, 0.0);
                u.assign(size, 0.0);
                trial.resize(size);
                w.resize(size);
                trial_w.resize(size);
                // u = X(i, :) F(idx, :)ᵀ, summed over r in order in either form.
                const bool gathered = nnz * k <= row_gather_max;
                if (gathered) {
                    G.resize(size * static_cast<std::size_t>(k));
                    indexed.take_rows(idx, Ft.data(), k, nnz, n16, G.data());
                    for (Eigen::Index r = 0; r < k; ++r)
                        std::fill_n(G.data() + r * n16 + nnz, n16 - nnz, 0.0);
                } else {
                    fr.resize(size);
                    std::fill_n(fr.data() + nnz, n16 - nnz, 0.0);  // take() fills the rest
                }
                for (Eigen::Index r = 0; r < k; ++r) {
                    const double x = X(i, r);
                    if (x == 0) continue;
                    if (gathered)
                        kern.axpy(x, G.data() + r * n16, nnz, u.data());
                    else
                        indexed.add_scaled(idx, F.col(r).data(), x, nnz, u.data());
                }
                kern.cd_kl_inverse(u.data(), n16, floor, w.data());
                for (Eigen::Index r = 0; r < k; ++r) {
                    if (!skip.empty() && skip[static_cast<std::size_t>(r)]) continue;
                    const double* f_r = fr.data();  // F(idx, r)
                    if (gathered)
                        f_r = G.data() + r * n16;
                    else
                        indexed.take(idx, F.col(r).data(), nnz, fr.data());
                    double observed_sum = 0;
                    if (observed_only)
                        for (Eigen::Index p = 0; p < nnz; ++p) observed_sum += f_r[p];
                    // g without the data and l2 terms
                    const double linear = (observed_only ? observed_sum : colsum(r)) + penalty.l1;
                    // Data parts of g and h at u: this CPU's kernel (linalg/update_kernels.hpp),
                    // a vector reduction (as one chain of dependent additions the loop ran at the
                    // adder's latency).
                    double gh[2];
                    kern.cd_kl_derivatives(ad.data(), f_r, w.data(), n16, gh);
                    double s = X(i, r), g_data = gh[0], h_data = gh[1];
                    double first_decrease = 0;
                    for (int step = 0; step < newton_steps; ++step) {
                        const double g = linear + penalty.l2 * s - g_data, h = penalty.l2 + h_data;
                        double delta;
                        if (h > 0)
                            delta = std::max(0.0, s - g / h) - s;
                        else
                            delta = g > 0 ? -s : 0.0;  // linear in s: g ≥ 0 here, so s = 0
                        // The quadratic model's decrease for this step, before any halving.
                        const double decrease = -(g * delta + 0.5 * h * delta * delta);
                        if (step == 0)
                            first_decrease = decrease;
                        else if (decrease <= cd_newton_decrease_ratio * first_decrease)
                            break;
                        delta = static_cast<double>(flush_subnormal(static_cast<T>(s + delta))) - s;
                        double g_trial = 0, h_trial = 0;
                        for (int halving = 0; delta != 0; ++halving) {
                            // trial = max(0, u + δ F(idx, r)) and the derivatives there
                            kern.cd_kl_trial(ad.data(), f_r, u.data(), delta, n16, floor,
                                             trial.data(), trial_w.data(), gh);
                            g_trial = gh[0];
                            h_trial = gh[1];
                            if (delta > 0 ||
                                g * delta + 0.5 * (penalty.l2 + h_trial) * delta * delta <= 0)
                                break;
                            delta = halving < 30
                                        ? static_cast<double>(static_cast<T>(s + 0.5 * delta)) - s
                                        : 0.0;
                        }
                        if (delta == 0) break;
                        u.swap(trial);
                        w.swap(trial_w);
                        s += delta;
                        g_data = g_trial;
                        h_data = h_trial;
                        if (std::abs(delta) <= 1e-6 * s) break;
                    }
                    X(i, r) = static_cast<T>(s);
                }
                if (objective) {
                    block_sum += kern.cd_kl_terms(a, u.data(), nnz, floor);
                    if (observed_only)
                        for (Eigen::Index p = 0; p < nnz; ++p) block_sum += u[p];
                }
            }
            partial[static_cast<std::size_t>(b)] = block_sum;
        }
    }
    double total = 0;
    for (double p : partial) total += p;
    return total;
}

}  // namespace nmfkit::detail
