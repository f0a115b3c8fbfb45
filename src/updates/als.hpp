#pragma once
// Alternating least squares with projection (Paatero & Tapper 1994; Berry et al., CSDA 2007):
// solve the unconstrained normal equations for one factor, then set negative entries to zero.

#include <Eigen/Cholesky>
#include <algorithm>
#include <limits>

#include <nmfkit/result.hpp>

#include "nnls/subproblem.hpp"

namespace nmfkit::detail {

/// X ← max(0, AF · (FtF + λI)⁻¹). FtF is k x k, AF is rows x k, X is rows x k.
/// λ = 0 when FtF is well conditioned; a rank-deficient FtF gets the smallest ridge
/// λ = 10^p · eps · trace(FtF)/k (p = 1, 2, ...) whose Cholesky factor has rcond ≥ 10·eps.
template <class T>
void als_update(const Matrix<T>& FtF, const Matrix<T>& AF, Matrix<T>& X) {
    const Eigen::Index k = FtF.rows();
    if (AF.rows() == 0) {  // an empty block (a distributed rank without rows): BLAS refuses LDB = 0
        X.resize(0, k);
        return;
    }
    const T eps = std::numeric_limits<T>::epsilon();
    const T mean_diagonal = FtF.trace() / static_cast<T>(k);
    if (!(mean_diagonal > 0)) {
        // F = 0: every column of A·F is zero and any X is optimal; zero is the minimum-norm one.
        X.setZero();
        return;
    }
    Matrix<T> G = FtF;
    Eigen::LLT<Matrix<T>> llt(G);
    T ridge = 10 * eps * mean_diagonal;
    for (int attempt = 0; attempt < 30 && (llt.info() != Eigen::Success || llt.rcond() < 10 * eps);
         ++attempt, ridge *= 10) {
        G = FtF;
        G.diagonal().array() += ridge;
        llt.compute(G);
    }
    // X Gᵀ = AF with G symmetric: Xᵀ = G⁻¹ AFᵀ.
    X.noalias() = llt.solve(AF.transpose()).transpose();
    X = X.cwiseMax(T(0));
}

/// ALS as the registry calls it (engine/registry.cpp): the whole factor by als_update(), one row
/// of masked NMF by x ← max(0, (Gp + ridge)⁻¹ (b − l1)).
struct Als {
    template <class T>
    static void update(const GramSubproblem<T>& p, Matrix<T>& X) {
        als_update(p.G, p.B, X);
    }
    static void row(RowSubproblem& s) {
        // The row's Gram may be singular (few observed entries): a tiny ridge.
        s.Gp.diagonal().array() += 1e-12 * std::max(1.0, s.Gp.diagonal().maxCoeff());
        s.x = s.Gp.ldlt().solve((s.b.array() - s.l1).matrix()).cwiseMax(0.0);
    }
};

}  // namespace nmfkit::detail
