#pragma once
// Non-negative least squares by block principal pivoting (Kim & Park, "Fast nonnegative matrix
// factorization: an active-set-like method and comparisons", SIAM J. Sci. Comput. 33(6), 2011,
// Algorithm 2, "BPP with multiple right-hand sides"), with the single-variable backup rule of
// Murty (1974) and Júdice & Pires (Comput. Oper. Res. 21(5), 1994) when the full exchange stalls.
// The passive-set systems are solved by Cholesky with diagonal pivoting (LAPACK xPSTRF; Higham,
// "Accuracy and Stability of Numerical Algorithms", 2nd ed., 2002, Section 10.3), which is the
// plain Cholesky factorization for a positive definite block and truncates a semi-definite one.
// Principal pivoting is guaranteed to terminate only for a positive definite G; a singular G,
// and a row on which pivoting stalls, go to the active-set method of Lawson & Hanson (1974).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <nmfkit/result.hpp>

#include "linalg/numeric.hpp"
#include "linalg/parallel.hpp"
#include "nnls/subproblem.hpp"

namespace nmfkit::detail {

/// Statistics of one bpp_nnls call.
struct NnlsStats {
    int iterations = 0;              ///< most pivoting steps any row group needed (singular
                                     ///< G: most Lawson-Hanson solves of a row)
    std::int64_t backup_steps = 0;   ///< single-variable (backup rule) exchanges made
    std::int64_t groups = 0;         ///< Cholesky factorizations (distinct passive sets solved)
    std::int64_t fallback_rows = 0;  ///< rows solved by Lawson-Hanson (all, for a singular G)
    std::int64_t capped_rows = 0;    ///< of those, rows stopped by its cap (left feasible)
};

/// Pivoting steps (passive-set solves) one row may take: 10·k + 50; also the cap on the outer
/// iterations of Lawson-Hanson. Kim & Park report a handful of steps (warm starts 1-2); Murty's
/// rule terminates for a positive definite G but may need exponentially many steps, and rounding
/// in a badly conditioned G can make it cycle, so the cap only guards.
inline int bpp_max_steps(Eigen::Index k) { return static_cast<int>(10 * k + 50); }

/// Backup-rule exchanges after which a row is deemed stalled and handed to Lawson-Hanson: k + 10.
/// With a well-conditioned G rows rarely need the backup rule at all (measured: none for
/// Gaussian F with 2k rows); with cond(G) ≥ 1e6 some rows cycle, and waiting for bpp_max_steps
/// would only burn steps.
inline int bpp_max_backups(Eigen::Index k) { return static_cast<int>(k + 10); }

/// Rows per task: a group of rows with the same passive set is cut into tasks of at most this
/// many rows, each factorizing the set once, so one large group still runs in parallel.
constexpr Eigen::Index bpp_rows_per_task = 256;

/// Cholesky with diagonal pivoting of S = D G_FF D, D = diag(1/√G_jj), for one passive set F:
/// P S Pᵀ ≈ L Lᵀ with L (rank x rank) lower triangular. Scaling to a unit diagonal makes the
/// truncation test invariant to the scale of each variable (a column of small norm is not a
/// dependent one).
/// NOTE: with S positive semi-definite and singular (G = FᵀF with F rank-deficient, duplicated
/// columns), a plain Cholesky (Eigen's LLT) meets a zero or round-off pivot and either fails or
/// divides by noise, and Eigen's LDLT inverts any pivot above the smallest normal number. Here
/// the pivot is the largest remaining diagonal of the Schur complement, and the factorization
/// stops once it is ≤ p·ε (the default tolerance of LAPACK xPSTRF, with ε of the type G was
/// formed in): the pivoted variables are a numerically independent subset, the rest are
/// linearly dependent on them and get x = 0 (the "basic" solution). When b_F is in the range of
/// G_FF (always, for b = Fᵀa and G = FᵀF) this is an exact minimiser of the passive subproblem,
/// and every minimiser gives the same F·x, hence the same gradient on the active set; the
/// solution stays bounded by the pivots kept, so nothing overflows. No BLAS is called, so the
/// bits do not depend on BLAS's thread count.
class BppFactor {
public:
    /// Factorizes the passive block of g (k x k, column-major, double) for the variables
    /// `passive` (each with g(j, j) > 0), d_j = 1/√g(j, j); pivots ≤ p·eps are dropped.
    void compute(const double* g, Eigen::Index k, const std::vector<double>& d,
                 const std::vector<Eigen::Index>& passive, double eps) {
        const auto p = static_cast<Eigen::Index>(passive.size());
        const auto sp = static_cast<std::size_t>(p);
        auto s = [&](Eigen::Index a, Eigen::Index b) {
            const Eigen::Index va = passive[static_cast<std::size_t>(a)];
            const Eigen::Index vb = passive[static_cast<std::size_t>(b)];
            return g[va + vb * k] * d[static_cast<std::size_t>(va)] *
                   d[static_cast<std::size_t>(vb)];
        };
        // Left-looking (as LAPACK xPSTF2): column j of L at the unpicked positions is
        // (S(:, q) − Σ_{l<j} L(:, l) L(q, l)) / L(q, j); lt_ holds L transposed, one column
        // per position of `passive`, so the sums are contiguous.
        lt_.assign(sp * sp, 0.0);
        diag_.resize(sp);
        picked_.assign(sp, 0);
        order_.clear();
        for (Eigen::Index a = 0; a < p; ++a) diag_[static_cast<std::size_t>(a)] = s(a, a);
        const double tol = static_cast<double>(p) * eps;
        Eigen::Index j = 0;
        for (; j < p; ++j) {
            Eigen::Index q = -1;
            for (Eigen::Index a = 0; a < p; ++a) {
                const auto sa = static_cast<std::size_t>(a);
                if (!picked_[sa] && (q < 0 || diag_[sa] > diag_[static_cast<std::size_t>(q)]))
                    q = a;
            }
            const double pivot = diag_[static_cast<std::size_t>(q)];
            if (!(pivot > tol)) break;
            picked_[static_cast<std::size_t>(q)] = 1;
            order_.push_back(q);
            const double ljj = std::sqrt(pivot);
            double* lq = lt_.data() + q * p;
            lq[j] = ljj;
            for (Eigen::Index a = 0; a < p; ++a) {
                if (picked_[static_cast<std::size_t>(a)]) continue;
                double* la = lt_.data() + a * p;
                double sum = s(a, q);
                for (Eigen::Index l = 0; l < j; ++l) sum -= la[l] * lq[l];
                la[j] = sum / ljj;
                diag_[static_cast<std::size_t>(a)] -= la[j] * la[j];
            }
        }
        rank_ = j;
        // The factor in pivot order: m_(t, c) = L(order[t], c), column-major rank x rank.
        const auto sr = static_cast<std::size_t>(rank_);
        m_.assign(sr * sr, 0.0);
        vars_.resize(sr);
        for (Eigen::Index t = 0; t < rank_; ++t) {
            const Eigen::Index pos = order_[static_cast<std::size_t>(t)];
            vars_[static_cast<std::size_t>(t)] = passive[static_cast<std::size_t>(pos)];
            for (Eigen::Index c = 0; c <= t; ++c)
                m_[static_cast<std::size_t>(t + c * rank_)] =
                    lt_[static_cast<std::size_t>(c + pos * p)];
        }
    }

    /// The same factorization without pivoting, for the pivoting steps of bpp_nnls, whose G is
    /// positive definite: S = L Lᵀ in the order of `passive`, right-looking in panels of 4 columns
    /// on a contiguous copy of S (column-major p x p, lower triangle), so the updates are
    /// unit-stride. If a pivot is ≤ p·eps (the block is numerically singular at the truncation
    /// level, or the order met a round-off pivot) it redoes the block with compute(), which
    /// truncates. Either way the solve is exact to rounding; the two orders differ only by
    /// rounding.
    void compute_definite(const double* g, Eigen::Index k, const std::vector<double>& d,
                          const std::vector<Eigen::Index>& passive, double eps) {
        const auto p = static_cast<Eigen::Index>(passive.size());
        const auto sp = static_cast<std::size_t>(p);
        m_.resize(sp * sp);
        double* a = m_.data();
        for (Eigen::Index c = 0; c < p; ++c) {
            const Eigen::Index vc = passive[static_cast<std::size_t>(c)];
            const double* gc = g + vc * k;
            const double dc = d[static_cast<std::size_t>(vc)];
            for (Eigen::Index t = c; t < p; ++t) {
                const Eigen::Index vt = passive[static_cast<std::size_t>(t)];
                a[t + c * p] = gc[vt] * d[static_cast<std::size_t>(vt)] * dc;
            }
        }
        const double tol = static_cast<double>(p) * eps;
        // In panels of up to 4 columns: each column of a panel first takes the updates of the
        // panel's earlier columns in one pass (left-looking), then the trailing lower triangle
        // takes the panel's rank-4 update in one pass, S(t, c) −= Σ_u L(t, j_u) L(c, j_u): a
        // quarter of the loads and stores of four rank-1 passes, which dominated the anls_bpp
        // time at k = 50 (docs/benchmarks.md, "anls_bpp: the passive-set Cholesky in panels").
        constexpr Eigen::Index panel = 4;
        for (Eigen::Index j0 = 0; j0 < p; j0 += panel) {
            const Eigen::Index j1 = std::min(p, j0 + panel);
            for (Eigen::Index j = j0; j < j1; ++j) {
                double* cj = a + j * p;
                const double* l0 = a + j0 * p;
                const double* l1 = l0 + p;
                const double* l2 = l1 + p;
                switch (j - j0) {
                    case 1:
                        for (Eigen::Index t = j; t < p; ++t) cj[t] -= l0[t] * l0[j];
                        break;
                    case 2:
                        for (Eigen::Index t = j; t < p; ++t) cj[t] -= l0[t] * l0[j] + l1[t] * l1[j];
                        break;
                    case 3:
                        for (Eigen::Index t = j; t < p; ++t)
                            cj[t] -= (l0[t] * l0[j] + l1[t] * l1[j]) + l2[t] * l2[j];
                        break;
                    default: break;
                }
                const double pivot = cj[j];
                if (!(pivot > tol)) {
                    compute(g, k, d, passive, eps);
                    return;
                }
                const double ljj = std::sqrt(pivot);
                cj[j] = ljj;
                const double inv = 1 / ljj;
                for (Eigen::Index t = j + 1; t < p; ++t) cj[t] *= inv;
            }
            // (A last panel of fewer than 4 columns ends the matrix: nothing trails it.)
            if (j1 - j0 == panel) {
                const double* l[panel] = {a + j0 * p, a + (j0 + 1) * p, a + (j0 + 2) * p,
                                          a + (j0 + 3) * p};
                for (Eigen::Index c = j1; c < p; ++c) {
                    double* cc = a + c * p;
                    const double l0 = l[0][c], l1 = l[1][c], l2 = l[2][c], l3 = l[3][c];
                    for (Eigen::Index t = c; t < p; ++t)
                        cc[t] -= (l[0][t] * l0 + l[1][t] * l1) + (l[2][t] * l2 + l[3][t] * l3);
                }
            }
        }
        // The strict upper triangle is never read (solve reads column c from row c down).
        rank_ = p;
        vars_.assign(passive.begin(), passive.end());
    }

    /// Number of variables kept (the rest of the passive set is dependent and gets x = 0).
    Eigen::Index rank() const { return rank_; }
    /// The kept variables, in pivot order.
    const std::vector<Eigen::Index>& vars() const { return vars_; }

    /// Solves L Lᵀ z = rhs in place (rhs: rank entries, in pivot order).
    void solve(double* z) const {
        const Eigen::Index r = rank_;
        // Forward, column-oriented: L w = rhs.
        for (Eigen::Index c = 0; c < r; ++c) {
            const double* col = m_.data() + c * r;
            z[c] /= col[c];
            const double zc = z[c];
            for (Eigen::Index t = c + 1; t < r; ++t) z[t] -= col[t] * zc;
        }
        // Backward, row of Lᵀ = column of L: Lᵀ z = w. The dot product in four partial sums: as
        // one chain of dependent additions it waited on the adder's latency.
        for (Eigen::Index c = r - 1; c >= 0; --c) {
            const double* col = m_.data() + c * r;
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            Eigen::Index t = c + 1;
            for (; t + 4 <= r; t += 4) {
                s0 += col[t] * z[t];
                s1 += col[t + 1] * z[t + 1];
                s2 += col[t + 2] * z[t + 2];
                s3 += col[t + 3] * z[t + 3];
            }
            for (; t < r; ++t) s0 += col[t] * z[t];
            z[c] = (z[c] - ((s0 + s1) + (s2 + s3))) / col[c];
        }
    }

private:
    std::vector<double> lt_, diag_, m_;
    std::vector<char> picked_;
    std::vector<Eigen::Index> order_, vars_;
    Eigen::Index rank_ = 0;
};

/// What every row shares: G in double, the scaling, the tolerances.
struct BppShared {
    Matrix<double> g;       ///< G in double (k x k)
    std::vector<double> d;  ///< 1/√G_jj; 0 for a variable with G_jj ≤ 0, which stays 0
    double eps = 0;         ///< ε of the input type (truncation of the factorizations)
    double y_tol = 0;       ///< pivoting: relative tolerance of the sign test on the gradient
    double lh_tol = 0;      ///< Lawson-Hanson: the same, at the precision of the input type
};

/// Per-thread scratch of bpp_nnls.
struct BppScratch {
    BppFactor factor;     ///< the group's passive set
    BppFactor lh_factor;  ///< Lawson-Hanson's (a stalled row must not overwrite the group's)
    std::vector<Eigen::Index> passive, infeasible;
    Eigen::Matrix<double, Eigen::Dynamic, 1> b, x, z;  ///< the row's b, x, a trial x (k each)
    std::vector<double> rhs;                           ///< the solve in pivot order
    std::vector<char> skip;                            ///< Lawson-Hanson: variables not to add
};

/// out = the basic solution of G_FF out_F = b_F (b = w.b) for the set `factor` holds (0
/// elsewhere), computed as D S⁻¹ D b. Returns Σ_F √G_jj |out_j| (the x part of the rounding
/// scale of the gradient).
inline double bpp_passive_solve(const BppShared& sh, const BppFactor& factor, BppScratch& w,
                                Eigen::Matrix<double, Eigen::Dynamic, 1>& out) {
    const auto& vars = factor.vars();
    const Eigen::Index r = factor.rank();
    w.rhs.resize(static_cast<std::size_t>(r));
    for (Eigen::Index c = 0; c < r; ++c) {
        const auto v = static_cast<std::size_t>(vars[static_cast<std::size_t>(c)]);
        w.rhs[static_cast<std::size_t>(c)] = w.b(static_cast<Eigen::Index>(v)) * sh.d[v];
    }
    factor.solve(w.rhs.data());
    out.setZero();
    double scale = 0;
    for (Eigen::Index c = 0; c < r; ++c) {
        const auto v = static_cast<std::size_t>(vars[static_cast<std::size_t>(c)]);
        out(static_cast<Eigen::Index>(v)) = w.rhs[static_cast<std::size_t>(c)] * sh.d[v];
        scale += std::abs(w.rhs[static_cast<std::size_t>(c)]);
    }
    return scale;
}

/// Lawson & Hanson's active-set NNLS ("Solving Least Squares Problems", 1974, Chapter 23,
/// Algorithm NNLS) in the Gram form of Bro & de Jong (J. Chemometrics 11(5), 1997) for the row
/// in w.b, starting from x = 0 with the passive set in w.passive (sorted; empty for a cold
/// start), leaving the solution in w.x. Each outer iteration adds the variable with the most
/// negative scaled gradient; while the passive solve has entries ≤ 0, x steps toward it until
/// the first passive entry reaches 0, which leaves the set. The iterates stay feasible and each
/// outer iteration lowers the objective, so it terminates for any positive semi-definite G
/// (Lawson & Hanson, Theorem 23.13: the passive columns stay linearly independent). A variable
/// whose first solve is not positive (numerically dependent on the passive ones) is skipped
/// until x changes. b_max = max_j |b_j|/√G_jj. Adds the passive-set solves made to `solves`;
/// returns false if it stopped after max_outer iterations (w.x is then feasible, not optimal).
inline bool lawson_hanson_row(const BppShared& sh, BppScratch& w, double b_max, int max_outer,
                              int& solves) {
    const Eigen::Index k = sh.g.rows();
    auto& x = w.x;
    auto& z = w.z;
    x.setZero();
    w.skip.assign(static_cast<std::size_t>(k), 0);
    // Solve on the passive set after adding t (t < 0: the warm-start set, nothing added).
    auto solve_passive = [&](Eigen::Index t) {
        for (bool first = true;; first = false) {
            w.lh_factor.compute(sh.g.data(), k, sh.d, w.passive, sh.eps);
            ++solves;
            if (w.lh_factor.rank() < static_cast<Eigen::Index>(w.passive.size())) {
                // The monotone descent needs z to minimise over all of the passive set, so the
                // set must stay independent. Just after adding t, t is the dependent one.
                if (first && t >= 0) {
                    w.passive.erase(std::find(w.passive.begin(), w.passive.end(), t));
                    w.skip[static_cast<std::size_t>(t)] = 1;
                    return;
                }
                // A dependent warm-start set (or round-off): keep its independent part.
                const auto& kept = w.lh_factor.vars();
                for (Eigen::Index j : w.passive)
                    if (std::find(kept.begin(), kept.end(), j) == kept.end()) x(j) = 0;
                w.passive = kept;
                std::sort(w.passive.begin(), w.passive.end());
                w.lh_factor.compute(sh.g.data(), k, sh.d, w.passive, sh.eps);
                ++solves;
            }
            bpp_passive_solve(sh, w.lh_factor, w, z);
            if (first && t >= 0 && !(z(t) > 0)) {
                w.passive.erase(std::find(w.passive.begin(), w.passive.end(), t));
                w.skip[static_cast<std::size_t>(t)] = 1;
                return;
            }
            std::fill(w.skip.begin(), w.skip.end(), 0);
            // Step x + a(z − x) with the largest a ≤ 1 that keeps the passive entries ≥ 0 (a
            // warm-start entry still at 0 with z_j ≤ 0 allows no step: a = 0).
            double a = 1;
            Eigen::Index q = -1;
            for (Eigen::Index j : w.passive)
                if (z(j) <= 0) {
                    const double aj = x(j) > 0 ? x(j) / (x(j) - z(j)) : 0.0;
                    if (q < 0 || aj < a) {
                        a = aj;
                        q = j;
                    }
                }
            if (q < 0) {
                x = z;
                return;
            }
            for (Eigen::Index j : w.passive) x(j) += a * (z(j) - x(j));
            x(q) = 0;
            std::erase_if(w.passive, [&](Eigen::Index j) {
                if (x(j) > 0) return false;
                x(j) = 0;
                return true;
            });
        }
    };
    if (!w.passive.empty()) solve_passive(-1);
    for (int outer = 0; outer < max_outer; ++outer) {
        double x_scale = 0;
        for (Eigen::Index j : w.passive)
            x_scale += std::abs(x(j)) / sh.d[static_cast<std::size_t>(j)];
        // t: the most negative gradient y_t = (Gx − b)_t outside the passive set, scaled by d_t.
        Eigen::Index t = -1;
        double most = sh.lh_tol * (b_max + x_scale);
        for (Eigen::Index j = 0; j < k; ++j) {
            const auto sj = static_cast<std::size_t>(j);
            if (sh.d[sj] == 0 || w.skip[sj] || x(j) > 0) continue;
            const double descent = (w.b(j) - sh.g.col(j).dot(x)) * sh.d[sj];
            if (descent > most) {
                most = descent;
                t = j;
            }
        }
        if (t < 0) return true;
        w.passive.insert(std::upper_bound(w.passive.begin(), w.passive.end(), t), t);
        solve_passive(t);
    }
    return false;
}

/// Every row of X by lawson_hanson_row, warm-started from the positive pattern of X: the path
/// for a singular G (see bpp_nnls). Rows are independent, so row blocks run in parallel.
template <class T>
NnlsStats lawson_hanson_rows(const BppShared& sh, const Matrix<T>& B, Matrix<T>& X) {
    NnlsStats stats;
    const Eigen::Index rows = X.rows(), k = X.cols();
    const double x_max = static_cast<double>(std::numeric_limits<T>::max());
    const int max_outer = bpp_max_steps(k);
    const Eigen::Index blocks = (rows + bpp_rows_per_task - 1) / bpp_rows_per_task;
    std::int64_t solves_total = 0, capped = 0;
    int most = 0;
#pragma omp parallel if (worth_parallel(rows * k * k * k)) \
    reduction(+ : solves_total, capped) reduction(max : most)
    {
        BppScratch w;
        w.b.resize(k);
        w.x.resize(k);
        w.z.resize(k);
#pragma omp for schedule(dynamic, 1)
        for (Eigen::Index blk = 0; blk < blocks; ++blk) {
            const Eigen::Index r0 = blk * bpp_rows_per_task;
            const Eigen::Index r1 = std::min(rows, r0 + bpp_rows_per_task);
            for (Eigen::Index i = r0; i < r1; ++i) {
                double b_max = 0;
                w.passive.clear();
                for (Eigen::Index j = 0; j < k; ++j) {
                    const double dj = sh.d[static_cast<std::size_t>(j)];
                    w.b(j) = static_cast<double>(B(i, j));
                    b_max = std::max(b_max, std::abs(w.b(j)) * dj);
                    if (dj > 0 && X(i, j) > 0) w.passive.push_back(j);
                }
                int solves = 0;
                if (!lawson_hanson_row(sh, w, b_max, max_outer, solves)) ++capped;
                solves_total += solves;
                most = std::max(most, solves);
                for (Eigen::Index j = 0; j < k; ++j)
                    X(i, j) = flush_subnormal(static_cast<T>(std::min(w.x(j), x_max)));
            }
        }
    }
    stats.iterations = most;
    stats.groups = solves_total;
    stats.fallback_rows = rows;
    stats.capped_rows = capped;
    return stats;
}

/// For every row x of X (rows x k): x = argmin_{x ≥ 0} ½ xᵀ G x − bᵀ x, where b is the same row
/// of B.
/// G is k x k symmetric positive semi-definite (the Gram FᵀF of the other factor), B is rows x k
/// (the cross product A·F). On entry, the positive entries of X are the warm-start passive sets
/// (pass zeros for a cold start); on exit X holds the solutions.
/// Per row, with passive set F and active set 𝒢 = complement, a step solves
///   x_F = G_FF⁻¹ b_F, x_𝒢 = 0,   y_𝒢 = G_𝒢F x_F − b_𝒢 (the gradient), y_F = 0,
/// and stops when x_F ≥ 0 and y_𝒢 ≥ 0 (the KKT conditions). Otherwise the infeasible set
/// V = {j ∈ F : x_j < 0} ∪ {j ∈ 𝒢 : y_j < 0} is exchanged between F and 𝒢 (full exchange) while
/// |V| reaches new minima or for 3 steps without one; after that only the largest index in V
/// is exchanged (backup rule) until |V| reaches a new minimum.
/// Principal pivoting terminates for a positive definite G (a P-matrix), not for a singular one:
/// a G that the pivoted Cholesky of BppFactor finds numerically singular (over the variables
/// with G_jj > 0) sends every row to lawson_hanson_row, warm-started from X's pattern, and so
/// does, for one row, bpp_max_backups(k) backup exchanges or bpp_max_steps(k) steps.
/// NOTE: rows with the same passive set in a step are grouped and G_FF is factorized once per
/// group (Kim & Park's multiple right-hand sides); each row's arithmetic depends only on its
/// passive set and its b, so the result does not depend on the grouping or the thread count.
/// The factorizations and solves are in double for float input. A variable with G_jj = 0 (a zero
/// column of F) does not affect the objective and stays 0. y_j counts as negative below
/// −8(k+1)ε·s·√G_jj, s = max_l |b_l|/√G_ll + Σ_l √G_ll |x_l| (the rounding scale of y_j in the
/// unit-diagonal scaling; ε of double here, of T in Lawson-Hanson), so round-off does not keep a
/// degenerate row pivoting.
template <class T>
NnlsStats bpp_nnls(const Matrix<T>& G, const Matrix<T>& B, Matrix<T>& X) {
    NnlsStats stats;
    const Eigen::Index rows = X.rows(), k = X.cols();
    eigen_assert(G.rows() == k && G.cols() == k && B.rows() == rows && B.cols() == k);
    if (rows == 0 || k == 0) return stats;
    const auto sk = static_cast<std::size_t>(k);
    BppShared sh;
    sh.g = G.template cast<double>();
    // d_j = 1/√G_jj; variables with G_jj ≤ 0 are never passive.
    sh.d.assign(sk, 0.0);
    for (Eigen::Index j = 0; j < k; ++j)
        if (sh.g(j, j) > 0 && std::isfinite(sh.g(j, j)))
            sh.d[static_cast<std::size_t>(j)] = 1 / std::sqrt(sh.g(j, j));
    // G and B were formed in T: directions G resolves to less than ε_T are noise (a rank-deficient
    // float Gram is indefinite at the 1e-7 level), so the truncation uses ε of T, and so does the
    // gradient test of Lawson-Hanson, which serves the singular Grams. Pivoting sees only
    // non-singular ones, where the solves are accurate to double rounding; its sign test uses
    // ε of double, since a gradient ignored at ε_T would move x by up to ε_T·cond(G).
    sh.eps = static_cast<double>(std::numeric_limits<T>::epsilon());
    sh.y_tol = 8.0 * static_cast<double>(k + 1) * std::numeric_limits<double>::epsilon();
    sh.lh_tol = 8.0 * static_cast<double>(k + 1) * sh.eps;
    const double x_max = static_cast<double>(std::numeric_limits<T>::max());

    // Principal pivoting terminates for a P-matrix (G positive definite), not for a singular G:
    // measured with G = FᵀF, F 20 x 40, most rows cycle. Such a G (numerically singular over
    // the variables with G_jj > 0, by the same pivoted Cholesky) sends every row to
    // Lawson-Hanson, which keeps its passive block independent.
    std::vector<Eigen::Index> used;
    for (Eigen::Index j = 0; j < k; ++j)
        if (sh.d[static_cast<std::size_t>(j)] > 0) used.push_back(j);
    {
        BppFactor whole;
        whole.compute(sh.g.data(), k, sh.d, used, sh.eps);
        if (whole.rank() < static_cast<Eigen::Index>(used.size()))
            return lawson_hanson_rows(sh, B, X);
    }

    const Matrix<T> bt = B.transpose();  // k x rows: each row of B contiguous

    // Passive sets as bit sets, `words` 64-bit words per row.
    const Eigen::Index words = (k + 63) / 64;
    std::vector<std::uint64_t> sets(static_cast<std::size_t>(rows * words), 0);
    auto set_of = [&](Eigen::Index i) { return sets.data() + i * words; };
    auto in_set = [](const std::uint64_t* s, Eigen::Index j) {
        return (s[j / 64] >> (j % 64)) & 1u;
    };
    for (Eigen::Index j = 0; j < k; ++j) {
        if (sh.d[static_cast<std::size_t>(j)] == 0) continue;
        for (Eigen::Index i = 0; i < rows; ++i)
            if (X(i, j) > 0) set_of(i)[j / 64] |= std::uint64_t{1} << (j % 64);
    }

    // Per row: steps taken, backup exchanges made, the smallest |V| so far (β) and full exchanges
    // left (α), as in Kim & Park's Algorithm 2 (β = k + 1, α = 3 at the start).
    constexpr int full_exchanges = 3;
    const int max_steps = bpp_max_steps(k), max_backups = bpp_max_backups(k);
    std::vector<int> steps(static_cast<std::size_t>(rows), 0);
    std::vector<int> row_backups(static_cast<std::size_t>(rows), 0);
    std::vector<int> best(static_cast<std::size_t>(rows), static_cast<int>(k) + 1);
    std::vector<int> alpha(static_cast<std::size_t>(rows), full_exchanges);
    std::vector<char> finished(static_cast<std::size_t>(rows), 0);

    std::vector<Eigen::Index> active(static_cast<std::size_t>(rows));
    for (Eigen::Index i = 0; i < rows; ++i) active[static_cast<std::size_t>(i)] = i;
    std::vector<Eigen::Index> tasks;
    while (!active.empty()) {
        ++stats.iterations;
        // Equal passive sets become contiguous; ties by row index, so the order is deterministic.
        std::sort(active.begin(), active.end(), [&](Eigen::Index a, Eigen::Index b) {
            const std::uint64_t *sa = set_of(a), *sb = set_of(b);
            for (Eigen::Index w = 0; w < words; ++w)
                if (sa[w] != sb[w]) return sa[w] < sb[w];
            return a < b;
        });
        const auto n = static_cast<Eigen::Index>(active.size());
        tasks.clear();
        for (Eigen::Index t0 = 0; t0 < n;) {
            tasks.push_back(t0);
            const std::uint64_t* s0 = set_of(active[static_cast<std::size_t>(t0)]);
            Eigen::Index t1 = t0 + 1;
            while (t1 < n && t1 - t0 < bpp_rows_per_task &&
                   std::equal(s0, s0 + words, set_of(active[static_cast<std::size_t>(t1)])))
                ++t1;
            t0 = t1;
        }
        tasks.push_back(n);
        const auto task_count = static_cast<Eigen::Index>(tasks.size()) - 1;

        std::int64_t factorizations = 0, backups = 0, fallbacks = 0, capped = 0;
#pragma omp parallel if (worth_parallel(n * k * k)) \
    reduction(+ : factorizations, backups, fallbacks, capped)
        {
            BppScratch w;
            w.b.resize(k);
            w.x.resize(k);
            w.z.resize(k);
            std::vector<Eigen::Index> group;
#pragma omp for schedule(dynamic, 1)
            for (Eigen::Index task = 0; task < task_count; ++task) {
                const Eigen::Index t0 = tasks[static_cast<std::size_t>(task)];
                const Eigen::Index t1 = tasks[static_cast<std::size_t>(task) + 1];
                const std::uint64_t* group_set = set_of(active[static_cast<std::size_t>(t0)]);
                group.clear();
                for (Eigen::Index j = 0; j < k; ++j)
                    if (in_set(group_set, j)) group.push_back(j);
                // One factorization of G_FF per group (multiple right-hand sides).
                w.factor.compute_definite(sh.g.data(), k, sh.d, group, sh.eps);
                if (!group.empty()) ++factorizations;

                for (Eigen::Index t = t0; t < t1; ++t) {
                    const Eigen::Index i = active[static_cast<std::size_t>(t)];
                    const auto si = static_cast<std::size_t>(i);
                    std::uint64_t* row_set = set_of(i);
                    for (Eigen::Index j = 0; j < k; ++j) w.b(j) = static_cast<double>(bt(j, i));
                    const double x_scale = bpp_passive_solve(sh, w.factor, w, w.x);
                    double b_max = 0;
                    for (Eigen::Index j = 0; j < k; ++j)
                        b_max =
                            std::max(b_max, std::abs(w.b(j)) * sh.d[static_cast<std::size_t>(j)]);
                    const double threshold = sh.y_tol * (x_scale + b_max);
                    // V: passive variables with x_j < 0 and active ones with y_j < 0, where
                    // y_𝒢 = G_𝒢F x_F − b_𝒢.
                    w.infeasible.clear();
                    for (Eigen::Index j = 0; j < k; ++j) {
                        const double dj = sh.d[static_cast<std::size_t>(j)];
                        if (dj == 0) continue;
                        if (in_set(row_set, j)) {
                            if (w.x(j) < 0) w.infeasible.push_back(j);
                        } else {
                            const double y = sh.g.col(j).dot(w.x) - w.b(j);
                            if (y * dj < -threshold) w.infeasible.push_back(j);
                        }
                    }
                    const auto nv = static_cast<int>(w.infeasible.size());
                    ++steps[si];
                    const bool stalled =
                        nv > 0 && (steps[si] >= max_steps || row_backups[si] >= max_backups);
                    if (stalled) {
                        ++fallbacks;
                        w.passive.clear();
                        int solves = 0;
                        if (!lawson_hanson_row(sh, w, b_max, max_steps, solves)) ++capped;
                        factorizations += solves;
                    }
                    if (nv == 0 || stalled) {
                        // The bound keeps a float finite; flush_subnormal also maps −0 to 0.
                        for (Eigen::Index j = 0; j < k; ++j)
                            X(i, j) = flush_subnormal(static_cast<T>(std::min(w.x(j), x_max)));
                        finished[si] = 1;
                        continue;
                    }
                    // Full exchange while |V| decreases (or for up to 3 steps without a new
                    // minimum), else the backup rule: exchange only the largest index in V.
                    if (nv < best[si]) {
                        best[si] = nv;
                        alpha[si] = full_exchanges;
                    } else if (alpha[si] > 0) {
                        --alpha[si];
                    } else {
                        w.infeasible.erase(w.infeasible.begin(), w.infeasible.end() - 1);
                        ++row_backups[si];
                        ++backups;
                    }
                    for (Eigen::Index j : w.infeasible)
                        row_set[j / 64] ^= std::uint64_t{1} << (j % 64);
                }
            }
        }
        stats.groups += factorizations;
        stats.backup_steps += backups;
        stats.fallback_rows += fallbacks;
        stats.capped_rows += capped;
        std::erase_if(active,
                      [&](Eigen::Index i) { return finished[static_cast<std::size_t>(i)] != 0; });
    }
    return stats;
}

/// ANLS by block principal pivoting as the registry calls it (engine/registry.cpp): the exact
/// NNLS solution of the whole factor's problem, and of one row's (masked NMF).
struct AnlsBpp {
    template <class T>
    static void update(const GramSubproblem<T>& p, Matrix<T>& X) {
        bpp_nnls(p.G, p.B, X);
    }
    static void row(RowSubproblem& s) {
        s.x1 = s.x.transpose();
        s.b1 = (s.b.array() - s.l1).matrix().transpose();
        bpp_nnls(s.Gp, s.b1, s.x1);
        s.x = s.x1.transpose();
    }
};

}  // namespace nmfkit::detail
