#pragma once
// Frobenius updates for masked NMF: only the observed (stored) entries of A enter. Row i of X
// then has its own Gram G_i = Σ_{j observed in row i} F(j,:)ᵀ F(j,:) and cross product
// b_i = Σ_j A_ij F(j,:), and each solver's rule is applied row by row with them (as in the
// weighted / missing-data ALS of e.g. Kim & Park's and Gillis' surveys). Cost O(nnz · k²) for the
// Grams, plus the per-row solve.

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <nmfkit/options.hpp>
#include <nmfkit/result.hpp>

#include "core/numeric.hpp"
#include "core/parallel.hpp"
#include "data/rows.hpp"
#include "nnls/bpp.hpp"

namespace nmfkit::detail {

/// Rows of X per task of masked_frobenius_update().
constexpr Eigen::Index masked_rows_per_block = 32;

/// Updates every row x of X (rows x k) for min_{x ≥ 0} ½ Σ_{j observed} (A_ij − x·F(j,:))² +
/// l1 Σx + ½ l2 ‖x‖², with F (cols x k) fixed and A read by row_block() (its stored entries are
/// the observed ones). `solver`: mu (x ← x ⊙ b ⊘ (G x + l2 x + l1)), hals / cd (`sweeps` exact
/// coordinate sweeps), als (unconstrained solve, then max(0, ·)), anls_bpp (exact NNLS).
/// Returns Σ_i Σ_{j observed} (A_ij − x_i·F(j,:))² at the new X, in double, in row order.
template <class T, class D>
double masked_frobenius_update(const D& A, const Matrix<T>& F, Matrix<T>& X, const Penalty& p,
                               Solver solver, int sweeps) {
    const Eigen::Index rows = X.rows(), k = X.cols();
    const Eigen::Index blocks = (rows + masked_rows_per_block - 1) / masked_rows_per_block;
    std::vector<double> partial(static_cast<std::size_t>(blocks), 0.0);
#pragma omp parallel if (worth_parallel(rows * k * k))
    {
        RowScratch<T> scratch;
        Matrix<double> G(k, k), Gp(k, k), x1(1, k), b1(1, k);
        Eigen::VectorXd b(k), x(k), f(k);
#pragma omp for schedule(dynamic, 1)
        for (Eigen::Index blk = 0; blk < blocks; ++blk) {
            const Eigen::Index r0 = blk * masked_rows_per_block;
            const auto block = A.row_block(r0, std::min(masked_rows_per_block, rows - r0), scratch);
            double rss = 0;
            for (Eigen::Index t = 0; t < block.rows; ++t) {
                const Eigen::Index i = r0 + t;
                G.setZero();
                b.setZero();
                double vv = 0;
                for (auto q = block.ptr[t]; q < block.ptr[t + 1]; ++q) {
                    const double v = block.values[q];
                    f = F.row(static_cast<Eigen::Index>(block.index[q])).template cast<double>().transpose();
                    G.selfadjointView<Eigen::Lower>().rankUpdate(f);
                    b += v * f;
                    vv += v * v;
                }
                G.template triangularView<Eigen::StrictlyUpper>() = G.transpose();
                Gp = G;
                Gp.diagonal().array() += p.l2;
                x = X.row(i).template cast<double>().transpose();
                switch (solver) {
                    case Solver::mu: {
                        const Eigen::VectorXd den = Gp * x;
                        for (Eigen::Index l = 0; l < k; ++l)
                            x(l) *= b(l) / std::max(den(l) + p.l1, std::numeric_limits<double>::min());
                        break;
                    }
                    case Solver::als: {
                        // The row's Gram may be singular (few observed entries): a tiny ridge.
                        Gp.diagonal().array() += 1e-12 * std::max(1.0, Gp.diagonal().maxCoeff());
                        x = Gp.ldlt().solve((b.array() - p.l1).matrix()).cwiseMax(0.0);
                        break;
                    }
                    case Solver::anls_bpp: {
                        x1 = x.transpose();
                        b1 = (b.array() - p.l1).matrix().transpose();
                        bpp_nnls(Gp, b1, x1);
                        x = x1.transpose();
                        break;
                    }
                    case Solver::hals:
                    case Solver::cd:
                        for (int s = 0; s < sweeps; ++s)
                            for (Eigen::Index l = 0; l < k; ++l)
                                if (Gp(l, l) > 0)
                                    x(l) = std::max(0.0, x(l) + (b(l) - p.l1 - Gp.row(l).dot(x)) / Gp(l, l));
                        break;
                }
                for (Eigen::Index l = 0; l < k; ++l) X(i, l) = flush_subnormal(static_cast<T>(x(l)));
                x = X.row(i).template cast<double>().transpose();
                rss += std::max(0.0, vv - 2 * b.dot(x) + x.dot(G * x));
            }
            partial[static_cast<std::size_t>(blk)] = rss;
        }
    }
    double total = 0;
    for (double v : partial) total += v;
    return total;
}

}  // namespace nmfkit::detail
