// The objective nmfkit reports and the options that shape it: penalties (and scikit-learn's
// convention), the β-divergence family, the projected-gradient stopping rule, factor scaling,
// planted recovery by every solver, and the errors these options raise.

#include "helpers.hpp"
#include "pair_param.hpp"

namespace nmfkit::test {
namespace {

using M = Eigen::MatrixXd;

M positive_planted(unsigned seed) {
    return uniform<double>(40, 4, seed, 0.1, 1) * uniform<double>(4, 30, seed + 1, 0.1, 1) +
           uniform<double>(40, 30, seed + 2, 0.01, 0.2);
}

TEST(Penalties, ScikitLearnMappingGivesScikitLearnsObjective) {
    // Provenance: scikit-learn 1.2.1 (Debian python3-sklearn), for these V, W, H:
    //   est = NMF(n_components=2, alpha_W=0.1, alpha_H=0.2, l1_ratio=0.3)
    //   l1W, l1H, l2W, l2H = est._compute_regularization(V)   # 0.09, 0.24, 0.21, 0.56
    //   _beta_divergence(V, W, H, beta) + l1W*W.sum() + 0.5*l2W*(W**2).sum()
    //                                   + l1H*H.sum() + 0.5*l2H*(H**2).sum()
    // gives 9.74685 (beta 2), 8.85494742388582 (beta 1), 9.50873882424331 (beta 0.5).
    M V(4, 3), W(4, 2), H(2, 3);
    V << 1, 2, 0.5, 0, 3, 1, 2, 1, 4, 1.5, 0.25, 2;
    W << 0.5, 1, 1, 0.2, 0.3, 2, 1.2, 0.7;
    H << 1, 1.5, 0.2, 0.4, 0.3, 1.6;
    const Penalties p = from_sklearn(0.1, 0.2, 0.3, 4, 3);
    EXPECT_NEAR(p.w.l1, 0.09, 1e-15);
    EXPECT_NEAR(p.h.l1, 0.24, 1e-15);
    EXPECT_NEAR(p.w.l2, 0.21, 1e-15);
    EXPECT_NEAR(p.h.l2, 0.56, 1e-15);
    const std::vector<std::pair<Loss, double>> expected{{Loss::frobenius, 9.74685},
                                                        {Loss::kullback_leibler, 8.85494742388582},
                                                        {Loss::beta, 9.50873882424331}};
    for (auto [loss, value] : expected) {
        SCOPED_TRACE(std::string(to_string(loss)));
        Options o = options(default_solver(loss), loss, 2, 0, 0, 0);
        o.beta = 0.5;
        o.init = Init::custom;
        o.w = p.w;
        o.h = p.h;
        const Result<double> r = fit(DenseView<double>(V), o, InitialFactors<double>{W, H});
        EXPECT_NEAR(r.initial_objective, value, 1e-12 * value);
        EXPECT_NEAR(r.objective, value, 1e-12 * value);
    }
    EXPECT_EQ(message_of([] { from_sklearn(0.1, 0.1, 1.5, 4, 3); }),
              "l1_ratio must be in [0, 1], got 1.500000");
}

TEST(Penalties, LargerL1GivesMoreExactZeros) {
    const M V = positive_planted(3);
    const std::vector<std::pair<Solver, Loss>> pairs{{Solver::hals, Loss::frobenius},
                                                     {Solver::anls_bpp, Loss::frobenius},
                                                     {Solver::cd, Loss::kullback_leibler}};
    for (auto [s, l] : pairs) {
        SCOPED_TRACE(label(s, l));
        // NOTE: the count need not grow monotonically at large weights (measured for hals:
        // 186, 177, 107 zeros at l1 = 0.5, 2, 8), so each weight is compared with no penalty.
        long unpenalised = -1;
        for (double l1 : {0.0, 0.5, 2.0}) {
            Options o = options(s, l, 4, 300, 0, 1);
            o.w.l1 = o.h.l1 = l1;
            const Result<double> r = fit(DenseView<double>(V), o);
            const long zeros = (r.W.array() == 0).count() + (r.H.array() == 0).count();
            if (l1 == 0)
                unpenalised = zeros;
            else
                EXPECT_GT(zeros, unpenalised + 20) << "l1 = " << l1;
        }
    }
}

TEST(Penalties, LargerL2GivesSmallerNorms) {
    const M V = positive_planted(4);
    for (auto [s, l] : supported_pairs()) {
        SCOPED_TRACE(label(s, l));
        double previous = std::numeric_limits<double>::infinity();
        for (double l2 : {0.0, 1.0, 10.0}) {
            Options o = options(s, l, 4, 300, 0, 2);
            o.w.l2 = o.h.l2 = l2;
            const Result<double> r = fit(DenseView<double>(V), o);
            const double norms = r.W.squaredNorm() + r.H.squaredNorm();
            EXPECT_LT(norms, previous) << "l2 = " << l2;
            previous = norms;
        }
    }
}

TEST(Penalties, ObjectiveWithPenaltiesNeverIncreasesAndIsReportedExactly) {
    const M V = positive_planted(5);
    for (auto [s, l] : supported_pairs()) {
        if (!monotone(s, l)) continue;  // e.g. projected ALS has no descent guarantee
        SCOPED_TRACE(label(s, l));
        Options o = options(s, l, 4, 60, 0, 3);
        o.w = {0.3, 0.5};
        o.h = {0.1, 2.0};
        const Result<double> r = fit(DenseView<double>(V), o);
        double prev = r.initial_objective;
        for (const IterationStats& st : r.history) {
            EXPECT_LE(st.objective, prev * (1 + 1e-12)) << "iteration " << st.iteration;
            prev = st.objective;
        }
        // Reported objective = the loss at the final factors + the penalties, evaluated naively.
        const M WH = r.W * r.H;
        double loss = 0;
        const double beta = resolved_beta(o);
        for (Eigen::Index j = 0; j < V.cols(); ++j)
            for (Eigen::Index i = 0; i < V.rows(); ++i) {
                const double v = V(i, j), p = WH(i, j);
                loss += beta == 2   ? 0.5 * (v - p) * (v - p)
                        : beta == 1 ? v * std::log(v / p) - v + p
                        : beta == 0 ? v / p - std::log(v / p) - 1
                                    : (std::pow(v, beta) + (beta - 1) * std::pow(p, beta) -
                                       beta * v * std::pow(p, beta - 1)) /
                                          (beta * (beta - 1));
            }
        const double penalties =
            0.3 * r.W.sum() + 0.25 * r.W.squaredNorm() + 0.1 * r.H.sum() + 1.0 * r.H.squaredNorm();
        EXPECT_NEAR(r.objective, loss + penalties, 1e-9 * (loss + penalties));
    }
}

TEST(Beta, ObjectiveNeverIncreasesForEveryBeta) {
    const M V = positive_planted(6);
    for (double beta : {0.0, 0.5, 1.0, 1.5, 2.0, 3.0}) {
        SCOPED_TRACE("beta " + std::to_string(beta));
        Options o = options(Solver::mu, Loss::beta, 4, 200, 0, 4);
        o.beta = beta;
        const Result<double> r = fit(DenseView<double>(V), o);
        double prev = r.initial_objective;
        for (const IterationStats& st : r.history) {
            ASSERT_TRUE(std::isfinite(st.objective));
            EXPECT_LE(st.objective, prev * (1 + 1e-12)) << "iteration " << st.iteration;
            prev = st.objective;
        }
        EXPECT_LT(r.objective, 0.5 * r.initial_objective);
    }
}

TEST(Beta, AtOneAndTwoTheUpdatesAreTheKlAndFrobeniusMultiplicativeUpdates) {
    const M V = positive_planted(7);
    const InitialFactors<double> start{uniform<double>(40, 4, 1, 0.1, 1),
                                       uniform<double>(4, 30, 2, 0.1, 1)};
    for (auto [beta, loss] :
         {std::pair{1.0, Loss::kullback_leibler}, std::pair{2.0, Loss::frobenius}}) {
        SCOPED_TRACE("beta " + std::to_string(beta));
        Options o = options(Solver::mu, Loss::beta, 4, 25, 0, 0);
        o.init = Init::custom;
        o.beta = beta;
        const Result<double> b = fit(DenseView<double>(V), o, start);
        o.loss = loss;
        const Result<double> classic = fit(DenseView<double>(V), o, start);
        EXPECT_LE((b.W - classic.W).norm(), 1e-11 * classic.W.norm());
        EXPECT_LE((b.H - classic.H).norm(), 1e-11 * classic.H.norm());
        EXPECT_NEAR(b.history.back().objective, classic.history.back().objective,
                    1e-11 * classic.history.back().objective);
    }
}

TEST(Beta, ItakuraSaitoRejectsZerosWithThePosition) {
    M V = positive_planted(8);
    V(3, 5) = 0;
    Options o = options(Solver::mu, Loss::itakura_saito, 2, 5, 0, 0);
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(V), o); }),
              "zero entry in V at row 3, column 5 (0-based): loss itakura_saito (beta = 0) needs "
              "every entry of V to be positive (it divides by V and takes log V)");
    Eigen::SparseMatrix<double> S = V.sparseView();
    EXPECT_EQ(message_of([&] { fit(SparseView<double>(S), o); }),
              "zero entry in V at row 3, column 5 (0-based) (entries not stored are zeros): loss "
              "itakura_saito (beta = 0) needs every entry of V to be positive (it divides by V and "
              "takes log V)");
    o.loss = Loss::beta;
    o.beta = -0.5;
    EXPECT_NE(
        message_of([&] { fit(DenseView<double>(V), o); }).find("(beta = -0.5) needs every entry"),
        std::string::npos);
    o.beta = 0.5;  // β > 0 accepts zeros
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(V), o); }), "(no exception)");
}

TEST(Stopping, ProjectedGradientRuleStopsAtTheRequestedRatio) {
    const M V = positive_planted(9);
    const InitialFactors<double> start{uniform<double>(40, 3, 1, 0.1, 1),
                                       uniform<double>(3, 30, 2, 0.1, 1)};
    // ‖∇ᴾf(W, H)‖_F written naively: ∇_W = W H Hᵀ − V Hᵀ + l1 + l2 W, kept where W > 0, its
    // negative part where W = 0; the same for H.
    auto naive_norm = [&](const M& W, const M& H, const Penalty& pw, const Penalty& ph) {
        const M gW =
            (W * H * H.transpose() - V * H.transpose()).array() + pw.l1 + pw.l2 * W.array();
        const M gH =
            (W.transpose() * W * H - W.transpose() * V).array() + ph.l1 + ph.l2 * H.array();
        double s = 0;
        for (Eigen::Index i = 0; i < gW.size(); ++i) {
            const double g = W.data()[i] > 0 ? gW.data()[i] : std::min(gW.data()[i], 0.0);
            s += g * g;
        }
        for (Eigen::Index i = 0; i < gH.size(); ++i) {
            const double g = H.data()[i] > 0 ? gH.data()[i] : std::min(gH.data()[i], 0.0);
            s += g * g;
        }
        return std::sqrt(s);
    };
    for (Solver s : solvers_for(Loss::frobenius)) {
        // MU converges too slowly for a tight gradient target; projected ALS need not converge.
        if (s == Solver::mu || s == Solver::als) continue;
        SCOPED_TRACE(std::string(to_string(s)));
        Options o = options(s, Loss::frobenius, 3, 5000, 3e-3, 0);
        o.init = Init::custom;
        o.stop = StopRule::projected_gradient;
        o.w = {0.01, 0.02};
        const Result<double> r = fit(DenseView<double>(V), o, start);
        ASSERT_EQ(r.status, Status::converged);
        const double ratio =
            naive_norm(r.W, r.H, o.w, o.h) / naive_norm(start.W, start.H, o.w, o.h);
        EXPECT_NEAR(r.history.back().projected_gradient, ratio, 1e-6 * ratio + 1e-12);
        EXPECT_LE(r.history.back().projected_gradient, 3e-3);
        if (r.history.size() > 1) {
            EXPECT_GT(r.history[r.history.size() - 2].projected_gradient, 3e-3);
        }
    }
    Options o = options(Solver::mu, Loss::kullback_leibler, 3, 10, 1e-4, 0);
    o.stop = StopRule::projected_gradient;
    EXPECT_EQ(message_of([&] { validate(o); }),
              "stopping rule projected_gradient is defined for the frobenius loss; use "
              "relative_objective with loss kullback_leibler");
    // Without the rule the statistic is not computed.
    o = options(Solver::hals, Loss::frobenius, 3, 3, 0, 0);
    EXPECT_EQ(fit(DenseView<double>(V), o).history.back().projected_gradient, -1);
}

TEST(Scaling, NormalisedSortedComponentsKeepWH) {
    const M V = positive_planted(10);
    Options o = options(Solver::hals, Loss::frobenius, 4, 100, 0, 5);
    const Result<double> plain = fit(DenseView<double>(V), o);
    const M WH = plain.W * plain.H;
    for (Normalize n : {Normalize::l1, Normalize::l2})
        for (bool diagonal : {false, true}) {
            SCOPED_TRACE(std::string(to_string(n)) + (diagonal ? " diagonal" : ""));
            o.normalize = n;
            o.diagonal = diagonal;
            o.sort_components = true;
            const Result<double> r = fit(DenseView<double>(V), o);
            const M product = diagonal ? M(r.W * r.d.asDiagonal() * r.H) : M(r.W * r.H);
            EXPECT_LE((product - WH).norm(), 1e-12 * WH.norm());
            std::vector<double> weight;
            for (Eigen::Index l = 0; l < 4; ++l) {
                const double wn = n == Normalize::l1 ? r.W.col(l).sum() : r.W.col(l).norm();
                EXPECT_NEAR(wn, 1.0, 1e-12);
                if (diagonal) {
                    const double hn = n == Normalize::l1 ? r.H.row(l).sum() : r.H.row(l).norm();
                    EXPECT_NEAR(hn, 1.0, 1e-12);
                }
                weight.push_back(r.W.col(l).norm() * r.H.row(l).norm() * (diagonal ? r.d(l) : 1.0));
            }
            EXPECT_TRUE(std::is_sorted(weight.rbegin(), weight.rend()));
            EXPECT_EQ(r.d.size(), diagonal ? 4 : 0);
        }
    o.normalize = Normalize::none;
    o.diagonal = true;
    EXPECT_EQ(message_of([&] { validate(o); }),
              "diagonal needs a normalisation (normalize l1 or l2) to define the scales");
}

// One case per pair (projected ALS is not a convergent method, so not among them).
class Recovery : public ::testing::TestWithParam<Pair> {};

TEST_P(Recovery, EverySolverRecoversAPlantedFactorization) {
    // Exact planted model V = W0 H0 with separable sparse factors (unique up to scale and
    // permutation); for Itakura-Saito, positive factors so V > 0.
    const M W0 = sparse_factor<double>(120, 4, 31, 0.5),
            H0 = sparse_factor<double>(90, 4, 32, 0.5).transpose();
    const M Wp = uniform<double>(120, 4, 33, 0.1, 1), Hp = uniform<double>(4, 90, 34, 0.1, 1);
    const auto [s, l] = GetParam();
    const bool positive = l == Loss::itakura_saito;
    const M V = positive ? M(Wp * Hp) : M(W0 * H0);
    const bool fast = s == Solver::hals || s == Solver::anls_bpp || s == Solver::cd;
    const Result<double> r = fit(DenseView<double>(V), options(s, l, 4, fast ? 2000 : 4000, 0, 6));
    EXPECT_LT(r.relative_error, fast ? 1e-4 : 2e-2);
    if (!positive && fast) {
        EXPECT_GT(matched_min_cosine(r.W, W0), 0.99);
    }
}

INSTANTIATE_TEST_SUITE_P(Pairs, Recovery,
                         ::testing::ValuesIn(pair_params(supported_pairs(), Solver::als)),
                         pair_name);

// A well-conditioned problem with a close fit: V = W0 H0 + noise of about 1 % (300 x 200, k = 4,
// separable sparse factors), relative error 0.2 %, where the float32 Gram formula's error
// (≈ ε_float‖V‖²) exceeds tol · f (docs/algorithms.md, "The Frobenius objective in float32").
// From the same start, float32 and float64 stop at the same iteration, their objectives agree
// along the way, and their factors to float precision. One thread: the cases are small, and serial
// runs keep them fast on a busy CI.
class Float32Objective : public ::testing::TestWithParam<Pair> {};

M close_fit_problem() {
    const M V =
        sparse_factor<double>(300, 4, 41, 0.6) * sparse_factor<double>(200, 4, 42, 0.6).transpose();
    return V + uniform<double>(300, 200, 43, 0, 0.01 * V.mean());
}

InitialFactors<double> close_fit_start() {
    return {uniform<double>(300, 4, 44, 0.1, 1), uniform<double>(4, 200, 45, 0.1, 1)};
}

// The float64 run's stop is not a near tie: the relative change crosses tol by at least 0.1 % (at
// the last iteration below 0.999 tol, at the one before above 1.001 tol), more than the float32
// run's rounding moves it.
void expect_clear_stop(const Result<double>& d, double tol) {
    const std::size_t t = d.history.size();
    ASSERT_GE(t, 2u);
    EXPECT_LE(std::abs(d.history[t - 1].relative_change), 0.999 * tol);
    EXPECT_GE(std::abs(d.history[t - 2].relative_change), 1.001 * tol);
}

Options close_fit_options(Solver s) {
    Options o = options(s, Loss::frobenius, 4, 3000, 1e-3, 0);
    o.init = Init::custom;
    o.threads = 1;
    return o;
}

TEST_P(Float32Objective, StopsWhereFloat64StopsAndAgreesToFloatPrecision) {
    const auto [s, l] = GetParam();
    const M V = close_fit_problem();
    const Eigen::MatrixXf Vf = V.cast<float>();
    const InitialFactors<double> start = close_fit_start();
    const InitialFactors<float> startf{start.W.cast<float>(), start.H.cast<float>()};
    const Options o = close_fit_options(s);
    const Result<double> d = fit(DenseView<double>(V), o, start);
    const Result<float> f = fit(DenseView<float>(Vf), o, startf);
    ASSERT_EQ(d.status, Status::converged);
    expect_clear_stop(d, o.tol);
    EXPECT_EQ(f.status, Status::converged);
    EXPECT_EQ(f.iterations, d.iterations);
    EXPECT_LT(d.relative_error, 0.003);  // a close fit: the regime the Gram formula misjudges
    double worst = 0;                    // the largest relative difference of the two histories
    for (std::size_t t = 0; t < std::min(f.history.size(), d.history.size()); ++t)
        worst = std::max(worst, std::abs(f.history[t].objective - d.history[t].objective) /
                                    d.history[t].objective);
    // The tracked float residual carries a drift of order ε_float‖V‖² from the steps' rounding:
    // a few 1e-4 of f at this close fit (the final objective is evaluated exactly).
    EXPECT_LE(worst, 2e-3);
    EXPECT_NEAR(f.relative_error, d.relative_error, 1e-4 * d.relative_error);
    EXPECT_LE((f.W.cast<double>() - d.W).norm(), 5e-4 * d.W.norm());
    EXPECT_LE((f.H.cast<double>() - d.H).norm(), 5e-4 * d.H.norm());
    // Where the solver guarantees descent, the float objective never increases, to a slack
    // relative to the objective itself (not to the start's).
    if (monotone(s, l)) {
        double prev = f.initial_objective;
        for (const IterationStats& st : f.history) {
            EXPECT_LE(st.objective, prev * (1 + 1e-6)) << "iteration " << st.iteration;
            prev = st.objective;
        }
    }
}

// The Frobenius solvers but projected ALS (no descent guarantee; it may oscillate within tol) and
// MU (it converges so slowly that consecutive relative changes differ by less than 0.1 %: its stop
// is a near tie that any rounding, in float64 too, can move by an iteration).
std::vector<Pair> frobenius_pairs() {
    std::vector<Pair> out;
    for (Solver s : solvers_for(Loss::frobenius))
        if (s != Solver::als && s != Solver::mu) out.push_back({s, Loss::frobenius});
    return out;
}

INSTANTIATE_TEST_SUITE_P(Pairs, Float32Objective, ::testing::ValuesIn(frobenius_pairs()),
                         pair_name);

TEST(Float32Objective, SparseStorageStopsWhereFloat64Stops) {
    const M V = close_fit_problem();
    const Eigen::SparseMatrix<double> S = V.sparseView();
    const Eigen::SparseMatrix<float> Sf = S.cast<float>();
    const InitialFactors<double> start = close_fit_start();
    const InitialFactors<float> startf{start.W.cast<float>(), start.H.cast<float>()};
    const Options o = close_fit_options(Solver::hals);
    const Result<double> d = fit(SparseView<double>(S), o, start);
    const Result<float> f = fit(SparseView<float>(Sf), o, startf);
    ASSERT_EQ(d.status, Status::converged);
    expect_clear_stop(d, o.tol);
    EXPECT_EQ(f.iterations, d.iterations);
    EXPECT_NEAR(f.relative_error, d.relative_error, 1e-4 * d.relative_error);
    EXPECT_LE((f.W.cast<double>() - d.W).norm(), 5e-4 * d.W.norm());
}

TEST(LowMemory, SolversThatReadBothOrientationsExplainTheConflict) {
    const M V = positive_planted(11);
    Eigen::SparseMatrix<double> S = V.sparseView();
    Options o = options(Solver::cd, Loss::kullback_leibler, 3, 5, 0, 0);
    o.low_memory = true;
    EXPECT_EQ(
        message_of([&] { fit(SparseView<double>(S), o); }),
        "low_memory keeps one copy of sparse V, but solver cd with loss kullback_leibler reads V "
        "by rows and by columns; turn low_memory off or use solver mu");
    o.solver = Solver::mu;
    EXPECT_EQ(message_of([&] { fit(SparseView<double>(S), o); }), "(no exception)");
}

TEST(Validation, PenaltyAndBetaValuesAreChecked) {
    Options o;
    o.rank = 2;
    o.w.l1 = -1;
    EXPECT_EQ(message_of([&] { validate(o); }),
              "penalties on W must be finite numbers ≥ 0, got l1 = -1.000000, l2 = 0.000000");
    o.w.l1 = 0;
    o.loss = Loss::beta;
    o.beta = std::numeric_limits<double>::infinity();
    EXPECT_EQ(message_of([&] { validate(o); }), "beta must be a finite number, got inf");
    o.beta = 1.5;
    o.cd_newton_steps = 0;
    EXPECT_EQ(message_of([&] { validate(o); }), "cd_newton_steps must be at least 1, got 0");
}

}  // namespace
}  // namespace nmfkit::test
