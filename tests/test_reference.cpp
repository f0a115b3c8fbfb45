// Each update rule against a naive loop-based implementation of its formula, written here from
// docs/algorithms.md, for a few iterations from the same start.

#include "helpers.hpp"

namespace nmfkit::test {
namespace {

using M = Eigen::MatrixXd;

// Naive products with explicit loops, so the reference shares no code with the library.
M naive_product(const M& X, const M& Y) {
    M Z = M::Zero(X.rows(), Y.cols());
    for (Eigen::Index i = 0; i < X.rows(); ++i)
        for (Eigen::Index j = 0; j < Y.cols(); ++j)
            for (Eigen::Index l = 0; l < X.cols(); ++l) Z(i, j) += X(i, l) * Y(l, j);
    return Z;
}

// Solves S x = b for a symmetric positive definite S by Gaussian elimination (no pivoting).
Eigen::VectorXd naive_solve(M S, Eigen::VectorXd b) {
    const Eigen::Index k = S.rows();
    for (Eigen::Index p = 0; p < k; ++p)
        for (Eigen::Index r = p + 1; r < k; ++r) {
            const double f = S(r, p) / S(p, p);
            for (Eigen::Index c = p; c < k; ++c) S(r, c) -= f * S(p, c);
            b(r) -= f * b(p);
        }
    Eigen::VectorXd x(k);
    for (Eigen::Index p = k - 1; p >= 0; --p) {
        double s = b(p);
        for (Eigen::Index c = p + 1; c < k; ++c) s -= S(p, c) * x(c);
        x(p) = s / S(p, p);
    }
    return x;
}

// Lee & Seung, Frobenius: W ← W ⊙ (V Hᵀ) ⊘ (W H Hᵀ), then H ← H ⊙ (Wᵀ V) ⊘ (Wᵀ W H).
void reference_mu(const M& V, M& W, M& H) {
    const M num_W = naive_product(V, H.transpose()), den_W = naive_product(W, naive_product(H, H.transpose()));
    for (Eigen::Index i = 0; i < W.rows(); ++i)
        for (Eigen::Index a = 0; a < W.cols(); ++a) W(i, a) *= num_W(i, a) / den_W(i, a);
    const M num_H = naive_product(W.transpose(), V), den_H = naive_product(naive_product(W.transpose(), W), H);
    for (Eigen::Index a = 0; a < H.rows(); ++a)
        for (Eigen::Index j = 0; j < H.cols(); ++j) H(a, j) *= num_H(a, j) / den_H(a, j);
}

// Lee & Seung, KL: W_ia ← W_ia Σ_j H_aj V_ij/(WH)_ij / Σ_j H_aj, then the mirror for H.
void reference_mu_kl(const M& V, M& W, M& H) {
    M WH = naive_product(W, H);
    M W_new = W;
    for (Eigen::Index i = 0; i < W.rows(); ++i)
        for (Eigen::Index a = 0; a < W.cols(); ++a) {
            double num = 0, den = 0;
            for (Eigen::Index j = 0; j < V.cols(); ++j) {
                num += H(a, j) * V(i, j) / WH(i, j);
                den += H(a, j);
            }
            W_new(i, a) = W(i, a) * num / den;
        }
    W = W_new;
    WH = naive_product(W, H);
    M H_new = H;
    for (Eigen::Index a = 0; a < H.rows(); ++a)
        for (Eigen::Index j = 0; j < H.cols(); ++j) {
            double num = 0, den = 0;
            for (Eigen::Index i = 0; i < V.rows(); ++i) {
                num += W(i, a) * V(i, j) / WH(i, j);
                den += W(i, a);
            }
            H_new(a, j) = H(a, j) * num / den;
        }
    H = H_new;
}

// Projected ALS: each row of W solves (H Hᵀ) wᵀ = H vᵀ, negatives set to 0; then H's columns.
void reference_als(const M& V, M& W, M& H) {
    const M HHt = naive_product(H, H.transpose());
    for (Eigen::Index i = 0; i < W.rows(); ++i) {
        const Eigen::VectorXd rhs = naive_product(H, V.row(i).transpose());
        W.row(i) = naive_solve(HHt, rhs).cwiseMax(0.0).transpose();
    }
    const M WtW = naive_product(W.transpose(), W);
    for (Eigen::Index j = 0; j < H.cols(); ++j) {
        const Eigen::VectorXd rhs = naive_product(W.transpose(), V.col(j));
        H.col(j) = naive_solve(WtW, rhs).cwiseMax(0.0);
    }
}

// HALS with `sweeps` inner sweeps: W(:, a) ← max(0, W(:, a) + ((V Hᵀ)(:, a) − W (H Hᵀ)(:, a)) / (H Hᵀ)_aa).
void reference_hals(const M& V, M& W, M& H, int sweeps) {
    const M VHt = naive_product(V, H.transpose()), HHt = naive_product(H, H.transpose());
    for (int s = 0; s < sweeps; ++s)
        for (Eigen::Index a = 0; a < W.cols(); ++a)
            for (Eigen::Index i = 0; i < W.rows(); ++i) {
                double g = VHt(i, a);
                for (Eigen::Index l = 0; l < W.cols(); ++l) g -= W(i, l) * HHt(l, a);
                W(i, a) = std::max(0.0, W(i, a) + g / HHt(a, a));
            }
    const M WtV = naive_product(W.transpose(), V), WtW = naive_product(W.transpose(), W);
    for (int s = 0; s < sweeps; ++s)
        for (Eigen::Index a = 0; a < H.rows(); ++a)
            for (Eigen::Index j = 0; j < H.cols(); ++j) {
                double g = WtV(a, j);
                for (Eigen::Index l = 0; l < H.rows(); ++l) g -= WtW(a, l) * H(l, j);
                H(a, j) = std::max(0.0, H(a, j) + g / WtW(a, a));
            }
}

struct Case {
    Solver solver;
    Loss loss;
};

void PrintTo(const Case& c, std::ostream* os) { *os << label(c.solver, c.loss); }

class Reference : public ::testing::TestWithParam<Case> {};

TEST_P(Reference, LibraryMatchesTheNaiveFormula) {
    const auto [solver, loss] = GetParam();
    const M V = uniform<double>(13, 9, 31, 0, 2);
    M W = uniform<double>(13, 3, 32, 0.1, 1), H = uniform<double>(3, 9, 33, 0.1, 1);
    constexpr int iterations = 4, sweeps = 3;

    Options o = options(solver, loss, 3, iterations, 0, 0);
    o.init = Init::custom;
    o.hals_max_inner = sweeps;
    o.hals_epsilon = 0;  // exactly `sweeps` sweeps per half-step
    const Result<double> r = fit(DenseView<double>(V), o, InitialFactors<double>{W, H});

    for (int it = 0; it < iterations; ++it) {
        if (solver == Solver::mu && loss == Loss::frobenius) reference_mu(V, W, H);
        if (solver == Solver::mu && loss == Loss::kullback_leibler) reference_mu_kl(V, W, H);
        if (solver == Solver::als) reference_als(V, W, H);
        if (solver == Solver::hals) reference_hals(V, W, H, sweeps);
    }
    EXPECT_LE((r.W - W).norm(), 1e-10 * W.norm());
    EXPECT_LE((r.H - H).norm(), 1e-10 * H.norm());
    // The recorded objective is the loss of the returned factors.
    const M WH = naive_product(W, H);
    double expected = 0;
    for (Eigen::Index j = 0; j < V.cols(); ++j)
        for (Eigen::Index i = 0; i < V.rows(); ++i) {
            const double v = V(i, j), p = WH(i, j);
            expected += loss == Loss::frobenius ? 0.5 * (v - p) * (v - p)
                                                : (v > 0 ? v * std::log(v / p) : 0.0) - v + p;
        }
    EXPECT_NEAR(r.objective, expected, 1e-10 * expected);
    EXPECT_NEAR(r.history.back().objective, expected, 1e-9 * expected);
}

TEST(Reference, EveryTableEntryHasAReference) {
    // A new solver/loss pair must get a naive reference here.
    EXPECT_EQ(supported_pairs().size(), 4u);
}

INSTANTIATE_TEST_SUITE_P(AllSupportedPairs, Reference,
                         ::testing::Values(Case{Solver::mu, Loss::frobenius},
                                           Case{Solver::mu, Loss::kullback_leibler},
                                           Case{Solver::als, Loss::frobenius},
                                           Case{Solver::hals, Loss::frobenius}),
                         [](const auto& info) {
                             return std::string(to_string(info.param.solver)) + "_" +
                                    std::string(to_string(info.param.loss));
                         });

}  // namespace
}  // namespace nmfkit::test
