// Runs around the solver: restarts, partially fixed W, and projection of the fitted data
// (transform reproduces the fitted W).

#include "helpers.hpp"

namespace nmfkit::test {
namespace {

using M = Eigen::MatrixXd;

M noisy(unsigned seed, Eigen::Index m = 60, Eigen::Index n = 40, int k = 4) {
    return uniform<double>(m, k, seed, 0, 1) * uniform<double>(k, n, seed + 1, 0, 1) +
           uniform<double>(m, n, seed + 2, 0, 0.3);
}

TEST(Restarts, KeepTheBestRunAndEachRunIsReproducibleAlone) {
    const M V = noisy(1);
    for (auto [s, l] : std::vector<std::pair<Solver, Loss>>{{Solver::hals, Loss::frobenius},
                                                            {Solver::cd, Loss::kullback_leibler}}) {
        SCOPED_TRACE(label(s, l));
        for (int threads : {1, 2}) {  // 2 threads: small fits run in parallel, one thread each
            Options o = options(s, l, 4, 30, 0, 10);
            o.restarts = 5;
            o.threads = threads;
            const Result<double> best = fit(DenseView<double>(V), o);
            ASSERT_EQ(best.restart_objectives.size(), 5u);
            const double lowest =
                *std::min_element(best.restart_objectives.begin(), best.restart_objectives.end());
            EXPECT_EQ(best.objective, lowest);
            EXPECT_EQ(best.restart_objectives[static_cast<std::size_t>(best.best_restart)], lowest);
            // Each run alone, one thread (as the parallel runs use): the same bits.
            for (int r = 0; r < 5; ++r) {
                Options one = o;
                one.restarts = 1;
                one.threads = 1;
                one.seed = o.seed + static_cast<std::uint64_t>(r);
                const Result<double> alone = fit(DenseView<double>(V), one);
                if (threads == 2)
                    EXPECT_EQ(alone.objective, best.restart_objectives[static_cast<std::size_t>(r)])
                        << "run " << r;
                else
                    EXPECT_NEAR(alone.objective,
                                best.restart_objectives[static_cast<std::size_t>(r)],
                                1e-12 * alone.objective);
                if (r == best.best_restart) {
                    EXPECT_LE((alone.W - best.W).norm(), 1e-12 * best.W.norm());
                }
            }
            // The runs start differently, so they end differently.
            EXPECT_NE(best.restart_objectives[0], best.restart_objectives[1]);
        }
    }
}

TEST(Restarts, ACallbackThatStopsEndsTheRemainingRuns) {
    const M V = noisy(2);
    Options o = options(Solver::hals, Loss::frobenius, 3, 50, 0, 1);
    o.restarts = 4;
    int calls = 0;
    Callbacks cb;
    cb.on_iteration = [&](const IterationStats&) { return ++calls < 60; };  // stops in run 2
    const Result<double> r = fit(DenseView<double>(V), o, cb);
    EXPECT_EQ(r.restart_objectives.size(), 2u);
    EXPECT_EQ(calls, 60);
}

TEST(Init, DefaultIsNndsvdaWhenTheRankAllowsItAndRandomOtherwise) {
    const M V = noisy(11, 30, 20, 3);
    Options o;
    o.rank = 3;
    o.max_iter = 5;
    EXPECT_EQ(fit(DenseView<double>(V), o).init, Init::nndsvda);
    o.rank = 25;  // > min(m, n) = 20
    EXPECT_EQ(fit(DenseView<double>(V), o).init, Init::random);
    o.rank = 3;
    o.restarts = 2;  // restarts need different starts
    EXPECT_EQ(fit(DenseView<double>(V), o).init, Init::random);
    Eigen::SparseMatrix<double> S = V.sparseView();
    o.restarts = 1;
    EXPECT_EQ(fit(SparseView<double>(S), o).init, Init::nndsvda);
    // NNDSVD starts nearer than a random start (its fills trade that for entries MU can move);
    // dense and sparse storage give the same start.
    for (Init init : {Init::nndsvd, Init::nndsvda, Init::nndsvdar}) {
        SCOPED_TRACE(std::string(to_string(init)));
        o.init = init;
        o.max_iter = 0;
        const Result<double> d = fit(DenseView<double>(V), o);
        EXPECT_TRUE(std::isfinite(d.initial_objective));
        if (init == Init::nndsvd) {
            o.init = Init::random;
            EXPECT_LT(d.initial_objective, fit(DenseView<double>(V), o).initial_objective);
            o.init = init;
        }
        EXPECT_NEAR(fit(SparseView<double>(S), o).initial_objective, d.initial_objective,
                    1e-10 * d.initial_objective);
        o.rank = 25;
        EXPECT_EQ(message_of([&] { fit(DenseView<double>(V), o); }),
                  "init " + std::string(to_string(init)) +
                      " needs k ≤ min(m, n) = 20, got k = 25; use init random");
        o.rank = 3;
    }
}

TEST(Restarts, NeedARandomStart) {
    Options o;
    o.rank = 2;
    o.restarts = 0;
    EXPECT_EQ(message_of([&] { validate(o); }), "restarts must be at least 1, got 0");
    o.restarts = 3;
    o.init = Init::custom;
    EXPECT_EQ(message_of([&] { validate(o); }),
              "restarts > 1 need a random start (random or nndsvdar); with init custom every run "
              "would be the same");
}

TEST(FixedColumns, StayExactlyAsGivenForEverySolver) {
    const M V = noisy(3);
    const InitialFactors<double> start{uniform<double>(60, 4, 5, 0.1, 1),
                                       uniform<double>(4, 40, 6, 0.1, 1)};
    for (auto [s, l] : supported_pairs()) {
        SCOPED_TRACE(label(s, l));
        Options o = options(s, l, 4, 40, 0, 0);
        o.init = Init::custom;
        o.fixed_w_columns = {1, 3};
        const Result<double> r = fit(DenseView<double>(V), o, start);
        EXPECT_EQ(r.W.col(1), start.W.col(1));
        EXPECT_EQ(r.W.col(3), start.W.col(3));
        EXPECT_GT((r.W.col(0) - start.W.col(0)).norm(), 1e-3);
        EXPECT_GT((r.H - start.H).norm(), 1e-3);
        if (monotone(s, l)) {  // these never increase the objective, fixed columns or not
            double prev = r.initial_objective;
            for (const IterationStats& st : r.history) {
                EXPECT_LE(st.objective, prev * (1 + 1e-12)) << "iteration " << st.iteration;
                prev = st.objective;
            }
        }
    }
}

TEST(FixedColumns, KnownSignaturesAreUsedAndTheRestLearned) {
    // V = W0 H0 exactly; fixing two true columns of W0, the others are learned back.
    const M W0 = sparse_factor<double>(80, 4, 7, 0.5),
            H0 = sparse_factor<double>(50, 4, 8, 0.5).transpose();
    const M V = W0 * H0;
    M W = uniform<double>(80, 4, 9, 0.1, 1);
    W.col(0) = W0.col(0);
    W.col(2) = W0.col(2);
    Options o = options(Solver::anls_bpp, Loss::frobenius, 4, 2000, 1e-14, 0);
    o.init = Init::custom;
    o.fixed_w_columns = {0, 2};
    const Result<double> r =
        fit(DenseView<double>(V), o, InitialFactors<double>{W, uniform<double>(4, 50, 10, 0.1, 1)});
    EXPECT_LT(r.relative_error, 1e-6);
    EXPECT_GT(matched_min_cosine(r.W, W0), 0.999);
}

TEST(FixedColumns, AreValidated) {
    Options o;
    o.rank = 3;
    o.fixed_w_columns = {0, 3};
    EXPECT_EQ(message_of([&] { validate(o); }), "fixed_w_columns: column 3 is outside 0..2");
    o.fixed_w_columns = {1, 1};
    EXPECT_EQ(message_of([&] { validate(o); }), "fixed_w_columns: column 1 is listed twice");
    o.fixed_w_columns = {1};
    const M V = noisy(4, 10, 8, 3);
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(V), o); }),
              "fixed_w_columns keep columns of the starting W; give it with init custom");
}

TEST(Transform, ReproducesTheFittedW) {
    // scikit-learn's transform of the training data does not return the fitted W (its issue
    // tracker has several reports); here it does, to the fit's tolerance.
    const M V = noisy(5, 80, 50, 5);
    for (auto [s, l] : std::vector<std::pair<Solver, Loss>>{{Solver::anls_bpp, Loss::frobenius},
                                                            {Solver::hals, Loss::frobenius},
                                                            {Solver::cd, Loss::kullback_leibler}}) {
        SCOPED_TRACE(label(s, l));
        // The fitted W solves its subproblem for the H of the previous iteration, so the two
        // agree as far as the last iterations still moved H: here ‖∇ᴾf‖ falls to about 1e-5 of
        // its start in 20000 iterations (NMF converges sublinearly), and W agrees to about 3e-5
        // (KL converges more slowly: about 1e-3 after 2000 iterations).
        const bool kl = l == Loss::kullback_leibler;
        Options o = options(s, l, 5, kl ? 2000 : 20000, 0, 3);
        o.w = {0.01, 0.1};  // the same penalty on W in both
        const Result<double> fitted = fit(DenseView<double>(V), o);
        Options t = o;
        t.stop = StopRule::relative_objective;
        t.max_iter = 1000;
        t.tol = 1e-15;
        const Result<double> projected = transform(DenseView<double>(V), fitted.H, t);
        EXPECT_LE((projected.W - fitted.W).norm(), (kl ? 2e-3 : 1e-4) * fitted.W.norm());
        // transform solves the subproblem exactly: never worse than the fitted W for the final H.
        InitialFactors<double> at_fit{fitted.W, fitted.H};
        Options zero = o;
        zero.init = Init::custom;
        zero.max_iter = 0;
        EXPECT_LE(projected.objective,
                  fit(DenseView<double>(V), zero, at_fit).objective * (1 + 1e-12));
        if (l == Loss::frobenius) {
            // KKT of the penalised NNLS: min(W, ∇W) = 0, ∇W = W (HHᵀ + l2 I) − V Hᵀ + l1.
            const M& H = fitted.H;
            const M grad =
                (projected.W * (H * H.transpose() + 0.1 * M::Identity(5, 5)) - V * H.transpose())
                    .array() +
                0.01;
            EXPECT_LT(projected.W.cwiseMin(grad).norm(), 1e-8 * grad.norm());
            EXPECT_GE(grad.minCoeff(), -1e-8 * grad.norm());
        }
    }
}

}  // namespace
}  // namespace nmfkit::test
