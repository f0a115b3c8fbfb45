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
    const M num_W = naive_product(V, H.transpose()),
            den_W = naive_product(W, naive_product(H, H.transpose()));
    for (Eigen::Index i = 0; i < W.rows(); ++i)
        for (Eigen::Index a = 0; a < W.cols(); ++a) W(i, a) *= num_W(i, a) / den_W(i, a);
    const M num_H = naive_product(W.transpose(), V),
            den_H = naive_product(naive_product(W.transpose(), W), H);
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

// Exact NNLS by enumeration: min_{x ≥ 0} ½ xᵀ S x − bᵀ x over every passive set (k ≤ 5): the
// unconstrained solution on the set, kept if feasible, the lowest objective wins.
Eigen::VectorXd naive_nnls(const M& S, const Eigen::VectorXd& b) {
    const Eigen::Index k = S.rows();
    Eigen::VectorXd best = Eigen::VectorXd::Zero(k);
    double best_f = 0;
    for (unsigned mask = 1; mask < (1u << k); ++mask) {
        std::vector<Eigen::Index> set;
        for (Eigen::Index a = 0; a < k; ++a)
            if (mask & (1u << a)) set.push_back(a);
        const auto p = static_cast<Eigen::Index>(set.size());
        M Sp(p, p);
        Eigen::VectorXd bp(p);
        for (Eigen::Index r = 0; r < p; ++r) {
            bp(r) = b(set[r]);
            for (Eigen::Index c = 0; c < p; ++c) Sp(r, c) = S(set[r], set[c]);
        }
        const Eigen::VectorXd xp = naive_solve(Sp, bp);
        if ((xp.array() < 0).any()) continue;
        Eigen::VectorXd x = Eigen::VectorXd::Zero(k);
        for (Eigen::Index r = 0; r < p; ++r) x(set[r]) = xp(r);
        const double f = 0.5 * x.dot(S * x) - b.dot(x);
        if (f < best_f) {
            best_f = f;
            best = x;
        }
    }
    return best;
}

// Alternating exact NNLS: each row of W solves min_{w ≥ 0} ‖v − w H‖², then each column of H.
void reference_anls(const M& V, M& W, M& H) {
    const M HHt = naive_product(H, H.transpose());
    for (Eigen::Index i = 0; i < W.rows(); ++i)
        W.row(i) = naive_nnls(HHt, naive_product(H, V.row(i).transpose())).transpose();
    const M WtW = naive_product(W.transpose(), W);
    for (Eigen::Index j = 0; j < H.cols(); ++j)
        H.col(j) = naive_nnls(WtW, naive_product(W.transpose(), V.col(j)));
}

// Coordinate descent for KL (Hsieh & Dhillon 2011), on the rows of X (rows x k) with F (cols x k)
// for V (rows x cols): for each row and coordinate r, up to `steps` projected Newton steps with
//   g = Σ_j F_jr (1 − V_ij/(XFᵀ)_ij),  h = Σ_j V_ij F_jr² / (XFᵀ)_ij²,
// a decreasing step δ halved until g δ + ½ h(x + δ) δ² ≤ 0, and stopping when |δ| ≤ 1e-6 · x or
// when a step's predicted decrease −(g δ + ½ h δ²) is at most 0.01 of the coordinate's first
// (docs/algorithms.md).
void reference_cd_kl_rows(const M& V, M& X, const M& F, int steps) {
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
        Eigen::VectorXd x = X.row(i).transpose();
        auto derivatives = [&](const Eigen::VectorXd& y, Eigen::Index r, double& g, double& h) {
            g = 0;
            h = 0;
            for (Eigen::Index j = 0; j < V.cols(); ++j) {
                double u = 0;
                for (Eigen::Index l = 0; l < X.cols(); ++l) u += y(l) * F(j, l);
                g += F(j, r) * (1 - V(i, j) / u);
                h += V(i, j) * F(j, r) * F(j, r) / (u * u);
            }
        };
        for (Eigen::Index r = 0; r < X.cols(); ++r) {
            double first_decrease = 0;
            for (int step = 0; step < steps; ++step) {
                double g, h;
                derivatives(x, r, g, h);
                double delta = std::max(0.0, x(r) - g / h) - x(r);
                const double decrease = -(g * delta + 0.5 * h * delta * delta);
                if (step == 0)
                    first_decrease = decrease;
                else if (decrease <= 0.01 * first_decrease)
                    break;
                for (int halving = 0; delta < 0; ++halving) {
                    Eigen::VectorXd y = x;
                    y(r) += delta;
                    double g_new, h_new;
                    derivatives(y, r, g_new, h_new);
                    if (g * delta + 0.5 * h_new * delta * delta <= 0) break;
                    delta = halving < 30 ? delta / 2 : 0;
                }
                if (delta == 0) break;
                x(r) += delta;
                if (std::abs(delta) <= 1e-6 * x(r)) break;
            }
        }
        X.row(i) = x.transpose();
    }
}

void reference_cd_kl(const M& V, M& W, M& H, int steps) {
    const M Ht = H.transpose();
    reference_cd_kl_rows(V, W, Ht, steps);
    M Htn = Ht;
    reference_cd_kl_rows(V.transpose(), Htn, W, steps);
    H = Htn.transpose();
}

// NeNMF (Guan et al. 2012) on min_{X ≥ 0} f(X) = ½ tr(X G Xᵀ) − tr(Bᵀ X), `inner` iterations:
// L = max_l (|G| v)_l / v_l after 20 power iterations v ← |G| v / max(|G| v) from v = 1 (the
// smallest such bound seen); X_k = max(0, Y_k − (Y_k G − B)/L); an X_k with f(X_k) > f(X_{k−1})
// beyond 16 ε Σ |x| (½ |xg| + |b|) is rejected, α = 1 and Y = X_{k−1} (twice in a row: stop); else α' = (1 + √(4α² + 1))/2 and
// Y = X_k + ((α − 1)/α')(X_k − X_{k−1}).
void reference_nenmf_half(const M& G, const M& B, M& X, int inner) {
    const Eigen::Index k = G.rows();
    Eigen::VectorXd v = Eigen::VectorXd::Ones(k);
    double L = std::numeric_limits<double>::infinity();
    for (int it = 0; it <= 20; ++it) {
        Eigen::VectorXd w = Eigen::VectorXd::Zero(k);
        for (Eigen::Index a = 0; a < k; ++a)
            for (Eigen::Index b = 0; b < k; ++b) w(a) += std::abs(G(a, b)) * v(b);
        double ratio = 0, top = 0;
        for (Eigen::Index a = 0; a < k; ++a) {
            if (v(a) > 0) ratio = std::max(ratio, w(a) / v(a));
            top = std::max(top, w(a));
        }
        L = std::min(L, ratio);
        v = w / top;
    }
    // f and its rounding error 16 ε Σ |x| (½ |xg| + |b|).
    double err = 0;
    auto f = [&](const M& Z, double& e) {
        const M ZG = naive_product(Z, G);
        double s = 0, a_sum = 0;
        for (Eigen::Index i = 0; i < Z.rows(); ++i)
            for (Eigen::Index a = 0; a < k; ++a) {
                s += Z(i, a) * (0.5 * ZG(i, a) - B(i, a));
                a_sum += Z(i, a) * (0.5 * std::abs(ZG(i, a)) + std::abs(B(i, a)));
            }
        e = 16 * std::numeric_limits<double>::epsilon() * a_sum;
        return s;
    };
    M prev = X, Y = X;
    double fx = f(X, err), alpha = 1;
    bool rejected = false;
    for (int it = 0; it < inner; ++it) {
        const M YG = naive_product(Y, G);
        M next = Y;
        for (Eigen::Index i = 0; i < Y.rows(); ++i)
            for (Eigen::Index a = 0; a < k; ++a)
                next(i, a) = std::max(0.0, Y(i, a) - (YG(i, a) - B(i, a)) / L);
        double err_next = 0;
        const double fn = f(next, err_next);
        if (!(fn <= fx + std::max(err, err_next))) {
            if (rejected) break;
            rejected = true;
            alpha = 1;
            Y = X;
            continue;
        }
        rejected = false;
        prev = X;
        X = next;
        fx = fn;
        err = err_next;
        const double alpha_next = (1 + std::sqrt(4 * alpha * alpha + 1)) / 2;
        Y = X + ((alpha - 1) / alpha_next) * (X - prev);
        alpha = alpha_next;
    }
}

void reference_nenmf(const M& V, M& W, M& H, int inner) {
    reference_nenmf_half(naive_product(H, H.transpose()), naive_product(V, H.transpose()), W,
                         inner);
    M Ht = H.transpose();
    reference_nenmf_half(naive_product(W.transpose(), W), naive_product(V.transpose(), W), Ht,
                         inner);
    H = Ht.transpose();
}

// β multiplicative updates (Févotte & Idier 2011):
//   W ← W ⊙ [((V ⊙ (WH)^(β−2)) Hᵀ) ⊘ ((WH)^(β−1) Hᵀ)]^γ(β), then H by the mirror formula,
// γ = 1/(2−β) for β < 1, 1 for 1 ≤ β ≤ 2, 1/(β−1) for β > 2.
void reference_mu_beta(const M& V, M& W, M& H, double beta) {
    const double gamma = beta < 1 ? 1 / (2 - beta) : beta > 2 ? 1 / (beta - 1) : 1.0;
    M WH = naive_product(W, H);
    M P = WH, Q = WH;  // V ⊙ (WH)^(β−2), (WH)^(β−1)
    for (Eigen::Index j = 0; j < V.cols(); ++j)
        for (Eigen::Index i = 0; i < V.rows(); ++i) {
            P(i, j) = V(i, j) * std::pow(WH(i, j), beta - 2);
            Q(i, j) = std::pow(WH(i, j), beta - 1);
        }
    const M num_W = naive_product(P, H.transpose()), den_W = naive_product(Q, H.transpose());
    for (Eigen::Index i = 0; i < W.rows(); ++i)
        for (Eigen::Index a = 0; a < W.cols(); ++a)
            W(i, a) *= std::pow(num_W(i, a) / den_W(i, a), gamma);
    WH = naive_product(W, H);
    for (Eigen::Index j = 0; j < V.cols(); ++j)
        for (Eigen::Index i = 0; i < V.rows(); ++i) {
            P(i, j) = V(i, j) * std::pow(WH(i, j), beta - 2);
            Q(i, j) = std::pow(WH(i, j), beta - 1);
        }
    const M num_H = naive_product(W.transpose(), P), den_H = naive_product(W.transpose(), Q);
    for (Eigen::Index a = 0; a < H.rows(); ++a)
        for (Eigen::Index j = 0; j < H.cols(); ++j)
            H(a, j) *= std::pow(num_H(a, j) / den_H(a, j), gamma);
}

// d_β(v | p) summed naively: β = 0 Itakura-Saito, 1 KL, 2 half squared error, else the general
// formula (v^β + (β−1) p^β − β v p^(β−1)) / (β(β−1)).
double naive_beta_divergence(const M& V, const M& WH, double beta) {
    double total = 0;
    for (Eigen::Index j = 0; j < V.cols(); ++j)
        for (Eigen::Index i = 0; i < V.rows(); ++i) {
            const double v = V(i, j), p = WH(i, j);
            if (beta == 2)
                total += 0.5 * (v - p) * (v - p);
            else if (beta == 1)
                total += (v > 0 ? v * std::log(v / p) : 0.0) - v + p;
            else if (beta == 0)
                total += v / p - std::log(v / p) - 1;
            else
                total += (std::pow(v, beta) + (beta - 1) * std::pow(p, beta) -
                          beta * v * std::pow(p, beta - 1)) /
                         (beta * (beta - 1));
        }
    return total;
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
    o.beta = 1.5;
    o.cd_newton_steps = 3;  // several Newton steps, so the halving safeguard is exercised
    o.init = Init::custom;
    o.hals_max_inner = sweeps;
    o.hals_epsilon = 0;                    // exactly `sweeps` sweeps per half-step
    o.extrapolation = Extrapolation::off;  // the plain update rules (test_extrapolation.cpp)
    const Result<double> r = fit(DenseView<double>(V), o, InitialFactors<double>{W, H});

    for (int it = 0; it < iterations; ++it) {
        if (solver == Solver::mu && loss == Loss::frobenius) reference_mu(V, W, H);
        if (solver == Solver::mu && loss == Loss::kullback_leibler) reference_mu_kl(V, W, H);
        if (solver == Solver::als) reference_als(V, W, H);
        if (solver == Solver::hals || (solver == Solver::cd && loss == Loss::frobenius))
            reference_hals(V, W, H, sweeps);
        if (solver == Solver::anls_bpp) reference_anls(V, W, H);
        if (solver == Solver::nenmf) reference_nenmf(V, W, H, sweeps);
        if (solver == Solver::cd && loss == Loss::kullback_leibler)
            reference_cd_kl(V, W, H, o.cd_newton_steps);
        if (loss == Loss::itakura_saito) reference_mu_beta(V, W, H, 0);
        if (loss == Loss::beta) reference_mu_beta(V, W, H, o.beta);
    }
    EXPECT_LE((r.W - W).norm(), 1e-10 * W.norm());
    EXPECT_LE((r.H - H).norm(), 1e-10 * H.norm());
    // The recorded objective is the loss of the returned factors.
    const M WH = naive_product(W, H);
    const double expected = naive_beta_divergence(V, WH, resolved_beta(o));
    EXPECT_NEAR(r.objective, expected, 1e-10 * expected);
    EXPECT_NEAR(r.history.back().objective, expected, 1e-9 * expected);
}

// One case per registry row; a new solver/loss pair must get a naive reference above.
const std::vector<Case> reference_cases{{Solver::mu, Loss::frobenius},
                                        {Solver::mu, Loss::kullback_leibler},
                                        {Solver::als, Loss::frobenius},
                                        {Solver::hals, Loss::frobenius},
                                        {Solver::anls_bpp, Loss::frobenius},
                                        {Solver::cd, Loss::frobenius},
                                        {Solver::cd, Loss::kullback_leibler},
                                        {Solver::mu, Loss::itakura_saito},
                                        {Solver::mu, Loss::beta},
                                        {Solver::nenmf, Loss::frobenius}};

TEST(Reference, EveryTableEntryHasAReference) {
    for (const auto& pair : supported_pairs()) {
        const auto [s, l] = pair;
        const bool listed = std::any_of(
            reference_cases.begin(), reference_cases.end(),
            [&](const Case& c) { return c.solver == pair.first && c.loss == pair.second; });
        EXPECT_TRUE(listed) << label(s, l) << " has no naive reference";
    }
    EXPECT_EQ(reference_cases.size(), supported_pairs().size());
}

INSTANTIATE_TEST_SUITE_P(AllSupportedPairs, Reference, ::testing::ValuesIn(reference_cases),
                         [](const auto& info) {
                             return std::string(to_string(info.param.solver)) + "_" +
                                    std::string(to_string(info.param.loss));
                         });

}  // namespace
}  // namespace nmfkit::test
