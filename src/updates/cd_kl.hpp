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
/// NOTE (screening): most coordinates of a fitted factor are 0 and stay there (75-84 % of the
/// coordinate visits on the sparse benchmark), which a coordinate at s = 0 does exactly when
/// g ≥ 0, i.e. when its data part Σ a_j F(j, r) w_j (w_j = 1 / max(u_j, floor)) is at most
/// colsum(r) + l1 (with observed_only, colsum over the row's stored entries). Gathered rows sum
/// that part for every coordinate at the row's first u (and with observed_only those column
/// sums), in the same pass over the entries' rows of F that takes the coordinates not at 0 into
/// G (the only ones taken) and sums u from them (take_screen). A move of an earlier
/// coordinate changes every w_j by a factor at most ρ = max_j w'_j / w_j (cd_kl_trial_growth's
/// gh[2]), so the data part is at most the product of the moves' ρ times the screened one (the
/// terms are non-negative): where that bound, with its roundings' slack, is at most
/// colsum(r) + l1, the exact pass would find g ≥ 0 and leave the coordinate at 0, and it is
/// skipped; otherwise it takes F(idx, r) and the exact pass. So the sweep's result does not
/// change, bit for bit (tested against the unscreened row form).
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
    // k x cols: row i's entries of F, adjacent per entry, and zeros after them for the screen's
    // reads of four coordinates at a time (tiled: Eigen's plain transpose read k strided streams,
    // ~7 % of a sweep)
    const Columns<T> Ft(F);
    // A row that stores every column (idx = 0, 1, …, cols − 1: dense data without zeros) reads
    // its G, F(:, r)ᵀ in double padded to n16, from G_all, built once per sweep where at least
    // half of A is stored, instead of taking it into G row by row (a quarter of a dense KL `cd`
    // fit's time: docs/benchmarks.md, "Dense KL coordinate descent without its copies"). Such a
    // row does not screen; its result is the same either way.
    const Eigen::Index cols = F.rows();
    const Eigen::Index cols16 = (cols + 15) / 16 * 16;
    std::vector<double> G_all;
    if (cols * k <= row_gather_max && 2 * A.nonzero_count() >= rows * cols && cols > 0) {
        G_all.assign(static_cast<std::size_t>(k * cols16), 0.0);
        for (Eigen::Index r = 0; r < k; ++r)
            for (Eigen::Index j = 0; j < cols; ++j)
                G_all[static_cast<std::size_t>(r * cols16 + j)] = static_cast<double>(F(j, r));
    }
#pragma omp parallel if (worth_parallel(work))
    {
        RowScratch<T> scratch;
        // Per stored entry of the row, padded with zeros to n16 entries (a multiple of 16, the
        // derivative kernels' lanes: no partial block): a_j in double, u_j, u_j + δF(j, r), their
        // 1 / max(·, floor), F(j, r); and G, k x n16 row-major, F(idx, :)ᵀ (cd_row_gather_max).
        // In the padding a = F = u = 0: the terms there are 0 · (0 · 1/floor) = 0.
        std::vector<double> ad, u, trial, w, trial_w, fr, G;
        // Screening (NOTE above): the coordinates a row takes into G (taken, with their values
        // x_taken; where[r] its row of G, or −1), every coordinate's Σ a w F(idx, r) at the
        // row's first u (screened) and, with observed_only, its Σ F(idx, r) (observed; both
        // 4⌈k/4⌉: take_screen's lanes).
        std::vector<Eigen::Index> taken, where(static_cast<std::size_t>(k));
        const auto lanes = static_cast<std::size_t>((k + 3) / 4 * 4);
        std::vector<double> x_taken, screened(lanes), observed(observed_only ? lanes : 0);
        Eigen::Index row_count = 0, decided = 0, undecided = 0;  // this thread's screens
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
                fr.resize(size);
                std::fill_n(fr.data() + nnz, n16 - nnz, 0.0);  // take() fills the rest
                // Gathered rows take F(idx, r) into G for every coordinate, or with screening
                // only for the coordinates not at 0 (the others are screened, and take F(idx, r)
                // into fr if the screen cannot decide).
                const bool gathered = nnz * k <= row_gather_max;
                const bool full = !G_all.empty() && nnz == cols;  // then n16 == cols16
                Eigen::Index zeros = 0;
                for (Eigen::Index r = 0; r < k; ++r) zeros += X(i, r) == 0;
                // Screening pays where it replaces many passes: half the coordinates at 0, and
                // the screen deciding most of them (this thread's rows so far in this sweep; every
                // 32nd row screens anyway, to notice a change). Where many coordinates at 0 sit
                // near g = 0, as on the dense benchmark's planted matrix (53-68 % of its screens
                // undecided), it costs more than it saves. Either way the result is the same.
                ++row_count;
                const bool screening = gathered && !full && 2 * zeros >= k &&
                                       (4 * undecided <= decided || row_count % 32 == 0);
                taken.clear();
                for (Eigen::Index r = 0; r < k; ++r) {
                    const bool take = gathered && (!screening || X(i, r) != 0);
                    where[static_cast<std::size_t>(r)] =
                        take ? static_cast<Eigen::Index>(taken.size()) : -1;
                    if (take) taken.push_back(r);
                }
                const auto count = static_cast<Eigen::Index>(taken.size());
                if (gathered && !full) G.resize(size * taken.size());
                const double* G_row = full ? G_all.data() : G.data();
                if (full) {
                    // u and w from G_all, summed as take_rows sums them (the same bits)
                    x_taken.resize(static_cast<std::size_t>(k));
                    for (Eigen::Index r = 0; r < k; ++r)
                        x_taken[static_cast<std::size_t>(r)] = X(i, r);
                    kern.cd_kl_row_u(G_all.data(), n16, x_taken.data(), k, n16, floor, u.data(),
                                     w.data());
                } else if (screening) {
                    // G, u, w and the screen in one pass over the entries' rows of F; u in the
                    // order of the loop below (so the same bits), its padding 0.
                    x_taken.resize(taken.size());
                    for (Eigen::Index j = 0; j < count; ++j)
                        x_taken[static_cast<std::size_t>(j)] =
                            X(i, taken[static_cast<std::size_t>(j)]);
                    RowPass row;
                    row.rows = taken.data();
                    row.x = x_taken.data();
                    row.count = count;
                    row.a = ad.data();
                    row.floor = floor;
                    row.ld = n16;
                    row.G = G.data();
                    row.u = u.data();
                    row.w = w.data();
                    row.screened = screened.data();
                    if (observed_only) row.observed = observed.data();
                    indexed.take_screen(idx, Ft.data(), k, nnz, row);
                    kern.cd_kl_inverse(u.data() + nnz, n16 - nnz, floor, w.data() + nnz);
                } else if (gathered) {
                    // G for every coordinate, u and w in the same pass (the same bits as the
                    // loop below).
                    x_taken.resize(static_cast<std::size_t>(k));
                    for (Eigen::Index r = 0; r < k; ++r)
                        x_taken[static_cast<std::size_t>(r)] = X(i, r);
                    RowPass row;
                    row.x = x_taken.data();
                    row.count = k;
                    row.floor = floor;
                    row.ld = n16;
                    row.G = G.data();
                    row.u = u.data();
                    row.w = w.data();
                    indexed.take_rows(idx, Ft.data(), k, nnz, row);
                    kern.cd_kl_inverse(u.data() + nnz, n16 - nnz, floor, w.data() + nnz);
                } else {
                    // u = X(i, :) F(idx, :)ᵀ coordinate by coordinate, summed over r in order.
                    for (Eigen::Index r = 0; r < k; ++r) {
                        const double x = X(i, r);
                        if (x != 0) indexed.add_scaled(idx, F.col(r).data(), x, nnz, u.data());
                    }
                    kern.cd_kl_inverse(u.data(), n16, floor, w.data());
                }
                if (gathered && !full)
                    for (Eigen::Index j = 0; j < count; ++j)
                        std::fill_n(G.data() + j * n16 + nnz, n16 - nnz, 0.0);
                // `growth` bounds how much any w_p has grown since `screened` was summed (the
                // product of the accepted trials' factors); `slack` the roundings of the bound,
                // 2^-53 relative per term: 1e-9 covers rows of up to ~10^6 entries, the n16
                // term longer ones. The observed sums below, summed in another order than the
                // exact pass's, count at 1 − (slack − 1) of their value.
                double growth = 1;
                const double slack = 1 + 1e-9 + 8.0 * static_cast<double>(n16) * 0x1p-53;
                for (Eigen::Index r = 0; r < k; ++r) {
                    if (!skip.empty() && skip[static_cast<std::size_t>(r)]) continue;
                    const Eigen::Index j = where[static_cast<std::size_t>(r)];
                    if (screening && j < 0) {
                        const auto l = static_cast<std::size_t>(r);
                        const double sum_f = observed_only ? observed[l] * (2 - slack) : colsum(r);
                        if ((sum_f + penalty.l1) >= growth * slack * screened[l]) {
                            ++decided;
                            continue;  // g ≥ 0 at s = 0: the coordinate stays at 0 (NOTE above)
                        }
                        ++undecided;
                    }
                    const double* f_r = fr.data();  // F(idx, r)
                    if (j >= 0)
                        f_r = G_row + j * n16;
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
                    double gh[3] = {0, 0, 1};  // gh[2]: 1 unless screening (growth)
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
                        double g_trial = 0, h_trial = 0, w_growth = 1;
                        for (int halving = 0; delta != 0; ++halving) {
                            // trial = max(0, u + δ F(idx, r)) and the derivatives there
                            (screening ? kern.cd_kl_trial_growth : kern.cd_kl_trial)(
                                ad.data(), f_r, u.data(), delta, n16, floor, trial.data(),
                                trial_w.data(), gh);
                            g_trial = gh[0];
                            h_trial = gh[1];
                            w_growth = gh[2];
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
                        growth *= w_growth * (1 + 1e-15);  // w_growth's own rounding
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
