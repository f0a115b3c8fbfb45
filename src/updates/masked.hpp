#pragma once
// Frobenius updates for masked NMF: only the observed (stored) entries of A enter. Row i of X
// then has its own Gram G_i = Σ_{j observed in row i} F(j,:)ᵀ F(j,:) and cross product
// b_i = Σ_j A_ij F(j,:), and each solver's rule is applied row by row with them (as in the
// weighted / missing-data ALS of e.g. Kim & Park's and Gillis' surveys). Cost O(nnz · k²) for the
// Grams, plus the per-row solve. This file is the shared per-row driver; each solver's row rule
// lives in its own file (RowUpdate, nnls/subproblem.hpp).

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <nmfkit/options.hpp>
#include <nmfkit/result.hpp>

#include "linalg/numeric.hpp"
#include "linalg/parallel.hpp"
#include "data/held_out.hpp"
#include "data/rows.hpp"
#include "nnls/subproblem.hpp"

namespace nmfkit::detail {

/// The weight of each missing entry, as a zero, in the masked Frobenius objective:
/// ε · min(1, |observed| / |missing|) with ε = Options::missing_weight, so that the missing entries
/// together weigh at most ε times the observed ones (docs/algorithms.md, "Rows and columns with few
/// observed entries"). 0 when nothing is missing.
inline double missing_entry_weight(double eps, double observed, double total) {
    const double missing = total - observed;
    if (!(eps > 0) || !(missing > 0)) return 0.0;
    return eps * std::min(1.0, observed / missing);
}

/// Rows of X per task of masked_frobenius_update() and held_out_frobenius_update().
constexpr Eigen::Index masked_rows_per_block = 32;

/// Solves row x (k) of X for min_{x ≥ 0} ½ xᵀ G x − bᵀ x + l1 Σx + ½ l2 ‖x‖², with the row's own
/// Gram G and cross product b in `s` (s.x holds x on entry and the new x on return), by the
/// solver's per-row rule (its `row`, e.g. Hals::row in updates/hals.hpp; the registry,
/// engine/registry.cpp, names it): Gp = G + l2·I and l1 are set here for it.
inline void masked_row_solve(RowSubproblem& s, const Penalty& p, RowUpdate rule, int sweeps) {
    s.Gp = s.G;
    s.Gp.diagonal().array() += p.l2;
    s.l1 = p.l1;
    s.sweeps = sweeps;
    rule(s);
}

/// Stores s.x into row i of X (subnormals flushed) and returns the row's xᵀ G x − 2 bᵀ x at it.
template <class T>
double masked_row_store(RowSubproblem& s, Matrix<T>& X, Eigen::Index i) {
    for (Eigen::Index l = 0; l < X.cols(); ++l) X(i, l) = flush_subnormal(static_cast<T>(s.x(l)));
    s.x = X.row(i).template cast<double>().transpose();
    return s.x.dot(s.G * s.x) - 2 * s.b.dot(s.x);
}

/// Updates every row x of X (rows x k) for min_{x ≥ 0} ½ Σ_{j observed} (A_ij − x·F(j,:))² +
/// l1 Σx + ½ l2 ‖x‖², with F (cols x k) fixed and A read by row_block() (its stored entries are
/// the observed ones), by masked_row_solve() (the solver's `rule`) with G_i = Σ_{j observed} F(j,:)ᵀ F(j,:) and
/// b_i = Σ_j A_ij F(j,:). With eps > 0 (Options::missing_weight) the missing entries of a row
/// enter as zeros with weight eps: G_i ← (1 − eps) G_i + eps FᵀF (FtF, k x k, the full Gram), i.e.
/// G_i + eps Σ_{j missing} F(j,:)ᵀ F(j,:); rows without missing entries are untouched. Returns
/// Σ_i [Σ_{j observed} (A_ij − x_i·F(j,:))² + eps Σ_{j missing} (x_i·F(j,:))²] at the new X, in
/// double, in row order.
template <class T, class D>
double masked_frobenius_update(const D& A, const Matrix<T>& F, Matrix<T>& X, const Penalty& p,
                               RowUpdate rule, int sweeps, const Matrix<double>& FtF, double eps) {
    const Eigen::Index rows = X.rows(), k = X.cols(), cols = F.rows();
    const Eigen::Index blocks = (rows + masked_rows_per_block - 1) / masked_rows_per_block;
    std::vector<double> partial(static_cast<std::size_t>(blocks), 0.0);
    // Work: each observed entry adds its row of F to G_i (k² multiply-adds), plus a k x k solve
    // per row.
    const auto work = static_cast<Eigen::Index>(A.product_flops(k) / 2) * k + rows * k * k;
#pragma omp parallel if (worth_parallel(work))
    {
        RowScratch<T> scratch;
        RowSubproblem s(k);
#pragma omp for schedule(dynamic, 1)
        for (Eigen::Index blk = 0; blk < blocks; ++blk) {
            const Eigen::Index r0 = blk * masked_rows_per_block;
            const auto block = A.row_block(r0, std::min(masked_rows_per_block, rows - r0), scratch);
            double rss = 0;
            for (Eigen::Index t = 0; t < block.rows; ++t) {
                const Eigen::Index i = r0 + t;
                s.G.setZero();
                s.b.setZero();
                double vv = 0;
                for (auto q = block.ptr[t]; q < block.ptr[t + 1]; ++q) {
                    const double v = block.values[q];
                    s.f = F.row(static_cast<Eigen::Index>(block.index[q]))
                              .template cast<double>()
                              .transpose();
                    s.G.selfadjointView<Eigen::Lower>().rankUpdate(s.f);
                    s.b += v * s.f;
                    vv += v * v;
                }
                s.G.template triangularView<Eigen::StrictlyUpper>() = s.G.transpose();
                if (eps > 0 && block.ptr[t + 1] - block.ptr[t] < cols)
                    s.G = (1 - eps) * s.G + eps * FtF;
                s.x = X.row(i).template cast<double>().transpose();
                masked_row_solve(s, p, rule, sweeps);
                rss += std::max(0.0, vv + masked_row_store(s, X, i));
            }
            partial[static_cast<std::size_t>(blk)] = rss;
        }
    }
    double total = 0;
    for (double v : partial) total += v;
    return total;
}

/// The same update when A is fully observed except for held-out entries (data/held_out.hpp):
/// row i's Gram is the full FtF (k x k) minus Σ_{j held out in row i} F(j,:)ᵀ F(j,:), and its
/// cross product is row i of AF = A_obs F (rows x k; held-out entries are zero in A_obs), so the
/// cost is one product with A plus O(|held out| · k²). `held` lists each row's held-out indices.
/// With eps > 0 (Options::missing_weight) the held-out outer products are subtracted with weight
/// 1 − eps (the held-out entries enter as zeros with weight eps, as in masked_frobenius_update()).
/// Returns Σ_i (x_iᵀ G_i x_i − 2 b_iᵀ x_i) at the new X, in double, in row order; adding
/// ‖A_obs‖² gives the observed residual (plus eps Σ_held out (x_i·F(j,:))²).
template <class T>
double held_out_frobenius_update(const Matrix<T>& FtF, const Matrix<T>& AF, const HeldOutSide& held,
                                 const Matrix<T>& F, Matrix<T>& X, const Penalty& p, RowUpdate rule,
                                 int sweeps, double eps) {
    const Eigen::Index rows = X.rows(), k = X.cols();
    const Eigen::Index blocks = (rows + masked_rows_per_block - 1) / masked_rows_per_block;
    // A reference: for T = double, FtF itself; for float, a converted temporary kept alive.
    const Matrix<double>& FtF_d = FtF.template cast<double>();
    std::vector<double> partial(static_cast<std::size_t>(blocks), 0.0);
#pragma omp parallel if (worth_parallel(rows * k * k))
    {
        RowSubproblem s(k);
#pragma omp for schedule(dynamic, 1)
        for (Eigen::Index blk = 0; blk < blocks; ++blk) {
            const Eigen::Index r0 = blk * masked_rows_per_block,
                               r1 = std::min(rows, r0 + masked_rows_per_block);
            double sum = 0;
            for (Eigen::Index i = r0; i < r1; ++i) {
                s.G = FtF_d;
                for (auto q = held.ptr[static_cast<std::size_t>(i)];
                     q < held.ptr[static_cast<std::size_t>(i) + 1]; ++q) {
                    s.f = F.row(static_cast<Eigen::Index>(held.index[static_cast<std::size_t>(q)]))
                              .template cast<double>()
                              .transpose();
                    s.G.noalias() -= (1 - eps) * (s.f * s.f.transpose());
                }
                s.b = AF.row(i).template cast<double>().transpose();
                // NOTE: a component whose F column lives only on held-out entries has G_ll = 0
                // up to cancellation; it has no data in this row, as in the observed form.
                for (Eigen::Index l = 0; l < k; ++l)
                    if (s.G(l, l) <= 1e-10 * FtF_d(l, l)) {
                        s.G.row(l).setZero();
                        s.G.col(l).setZero();
                        s.b(l) = 0;
                    }
                s.x = X.row(i).template cast<double>().transpose();
                masked_row_solve(s, p, rule, sweeps);
                sum += masked_row_store(s, X, i);
            }
            partial[static_cast<std::size_t>(blk)] = sum;
        }
    }
    double total = 0;
    for (double v : partial) total += v;
    return total;
}

}  // namespace nmfkit::detail
