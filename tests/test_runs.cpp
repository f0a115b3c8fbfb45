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

// Checkpoints (Callbacks::on_checkpoint, Callbacks::resume): a fit continued from the state of
// an iteration ends with the bits of the uninterrupted fit.
template <class T>
void expect_same_fit(const Result<T>& a, const Result<T>& b) {
    EXPECT_EQ(a.iterations, b.iterations);
    EXPECT_EQ(a.status, b.status);
    EXPECT_TRUE(a.W == b.W);
    EXPECT_TRUE(a.H == b.H);
    EXPECT_EQ(a.initial_objective, b.initial_objective);
    EXPECT_EQ(a.objective, b.objective);
    ASSERT_EQ(a.history.size(), b.history.size());
    for (std::size_t i = 0; i < a.history.size(); ++i) {
        EXPECT_EQ(a.history[i].objective, b.history[i].objective) << "iteration " << i + 1;
        EXPECT_EQ(a.history[i].relative_change, b.history[i].relative_change);
        EXPECT_EQ(a.history[i].extrapolation, b.history[i].extrapolation);
        EXPECT_EQ(a.history[i].restarted, b.history[i].restarted);
    }
}

// Fits V with checkpoints every 4 iterations and, separately, stopped by the callback at
// iteration 7 (as Ctrl-C stops the CLI); each saved state continued gives the uninterrupted fit.
template <class T, class View>
void expect_resume_is_bitwise(const View& V, const Options& o) {
    const Result<T> whole = fit(V, o);
    std::vector<FitState> states;
    Callbacks cb;
    cb.checkpoint_every = 4;
    cb.on_checkpoint = [&](const FitState& s) { states.push_back(s); };
    expect_same_fit(whole, fit(V, o, cb));  // saving changes nothing
    Callbacks stop;
    stop.on_iteration = [](const IterationStats& s) { return s.iteration < 7; };
    stop.on_checkpoint = cb.on_checkpoint;
    const Result<T> stopped = fit(V, o, stop);
    ASSERT_EQ(stopped.status, Status::stopped_by_callback);
    ASSERT_EQ(states.size(), 4u);  // 4, 8, 12 of 14, and 7
    for (const FitState& s : states) {
        SCOPED_TRACE("resumed after iteration " + std::to_string(s.iteration));
        Callbacks resume;
        resume.resume = std::make_shared<const FitState>(s);
        expect_same_fit(whole, fit(V, o, resume));
    }
}

template <class T>
void expect_resume_is_bitwise_for_every_pair() {
    // Nearly rank 3, so float Frobenius fits reach the tracked residual (engine/steps.hpp).
    const Mat<T> V = (uniform<double>(30, 3, 21, 0.1, 1) * uniform<double>(3, 20, 22, 0.1, 1) +
                      uniform<double>(30, 20, 23, 0, 0.01))
                         .template cast<T>();
    const Eigen::SparseMatrix<T> S = V.sparseView();
    for (auto [s, l] : supported_pairs()) {
        for (bool extrapolate : {false, true}) {
            if (extrapolate && !solver_traits(s, l).extrapolation) continue;
            SCOPED_TRACE(label(s, l) + (extrapolate ? " extrapolated" : ""));
            Options o = options(s, l, 3, 14, 0, 5);
            o.extrapolation = extrapolate ? Extrapolation::on : Extrapolation::off;
            expect_resume_is_bitwise<T>(DenseView<T>(V), o);
            expect_resume_is_bitwise<T>(SparseView<T>(S), o);
        }
    }
}

TEST(Checkpoint, ResumeGivesTheUninterruptedFitDouble) {
    expect_resume_is_bitwise_for_every_pair<double>();
}

TEST(Checkpoint, ResumeGivesTheUninterruptedFitFloat) {
    expect_resume_is_bitwise_for_every_pair<float>();
}

// Missing values and masks: the observed-entry steps (NaN in a dense V, entries not stored in a
// sparse V, a mask with KL) and the held-out step (a mask on fully observed V, Frobenius).
template <class T>
void expect_masked_resume_is_bitwise() {
    const Mat<T> V = (uniform<double>(30, 3, 31, 0.1, 1) * uniform<double>(3, 20, 32, 0.1, 1) +
                      uniform<double>(30, 20, 33, 0, 0.01))
                         .template cast<T>();
    std::vector<std::pair<std::int64_t, std::int64_t>> hidden;
    for (std::int64_t p = 0; p < 60; ++p) hidden.emplace_back((7 * p + 3) % 30, (11 * p) % 20);
    const auto mask = std::make_shared<const Mask>(Mask::from_positions(30, 20, hidden));
    Mat<T> with_nan = V, with_zeros = V;
    for (const auto& [i, j] : hidden) {
        with_nan(i, j) = std::numeric_limits<T>::quiet_NaN();
        with_zeros(i, j) = 0;
    }
    const Eigen::SparseMatrix<T> S = V.sparseView(), unstored = with_zeros.sparseView();
    for (auto [s, l] : supported_pairs()) {
        if (!supports_missing(s, l)) continue;
        SCOPED_TRACE(label(s, l));
        Options o = options(s, l, 3, 14, 0, 5);
        o.missing = Missing::nan;
        expect_resume_is_bitwise<T>(DenseView<T>(with_nan), o);
        o.missing = Missing::zeros;
        expect_resume_is_bitwise<T>(SparseView<T>(unstored), o);
        o.missing = Missing::none;
        o.mask = mask;
        expect_resume_is_bitwise<T>(DenseView<T>(V), o);
        expect_resume_is_bitwise<T>(SparseView<T>(S), o);
    }
}

TEST(Checkpoint, MissingValuesAndMasksResumeToTheUninterruptedFitDouble) {
    expect_masked_resume_is_bitwise<double>();
}

TEST(Checkpoint, MissingValuesAndMasksResumeToTheUninterruptedFitFloat) {
    expect_masked_resume_is_bitwise<float>();
}

TEST(Checkpoint, StoppingRuleAndClockCarryOver) {
    // tol > 0: the resumed fit stops by the rule at the iteration the whole one did.
    const M V = noisy(3, 30, 20, 3);
    Options o = options(Solver::hals, Loss::frobenius, 3, 500, 1e-5, 2);
    const Result<double> whole = fit(DenseView<double>(V), o);
    ASSERT_EQ(whole.status, Status::converged);
    ASSERT_GT(whole.iterations, 3);
    std::vector<FitState> states;
    Callbacks cb;
    cb.checkpoint_every = 3;
    cb.on_checkpoint = [&](const FitState& s) { states.push_back(s); };
    fit(DenseView<double>(V), o, cb);
    ASSERT_FALSE(states.empty());
    Callbacks resume;
    resume.resume = std::make_shared<const FitState>(states.back());
    const Result<double> resumed = fit(DenseView<double>(V), o, resume);
    expect_same_fit(whole, resumed);
    EXPECT_GE(resumed.history.back().seconds, states.back().history.back().seconds);
}

// Restarts: a state names the run in progress and holds the objectives and the best of the runs
// before it; continued from any of them, the fit keeps the run, W, H and objectives the
// uninterrupted one keeps.
TEST(Checkpoint, RestartsResumeToTheUninterruptedFit) {
    const M V = noisy(5, 30, 20, 3);
    for (const Solver s : {Solver::hals, Solver::mu}) {
        SCOPED_TRACE(std::string(to_string(s)));
        Options o = options(s, Loss::frobenius, 3, 12, 0, 7);
        o.restarts = 3;
        o.threads = 1;  // the restarts without callbacks run in parallel, one thread each
        std::vector<FitState> states;
        Callbacks cb;
        cb.checkpoint_every = 5;
        cb.on_checkpoint = [&](const FitState& st) { states.push_back(st); };
        const Result<double> whole = fit(DenseView<double>(V), o, cb);
        expect_same_fit(whole, fit(DenseView<double>(V), o));  // the same with or without
        ASSERT_EQ(whole.restart_objectives.size(), 3u);
        ASSERT_EQ(states.size(), 6u);  // iterations 5 and 10 of each run
        for (const FitState& st : states) {
            SCOPED_TRACE("run " + std::to_string(st.restart) + ", iteration " +
                         std::to_string(st.iteration));
            ASSERT_EQ(st.restart_objectives.size(), static_cast<std::size_t>(st.restart));
            Callbacks r;
            r.resume = std::make_shared<const FitState>(st);
            const Result<double> resumed = fit(DenseView<double>(V), o, r);
            expect_same_fit(whole, resumed);
            EXPECT_EQ(resumed.best_restart, whole.best_restart);
            EXPECT_TRUE(resumed.restart_objectives == whole.restart_objectives);
        }
        // The run that stops the fit is saved with the runs before it.
        Callbacks stop;
        stop.on_iteration = [](const IterationStats& it) { return it.iteration < 3; };
        stop.on_checkpoint = cb.on_checkpoint;
        states.clear();
        fit(DenseView<double>(V), o, stop);
        ASSERT_EQ(states.size(), 1u);
        EXPECT_EQ(states[0].restart, 0);
    }
}

TEST(Checkpoint, MismatchedStatesAndUnsupportedFitsAreRefused) {
    const M V = noisy(4, 30, 20, 3);
    Options o = options(Solver::hals, Loss::frobenius, 3, 10, 0, 2);
    FitState state;
    Callbacks cb;
    cb.checkpoint_every = 5;
    cb.on_checkpoint = [&](const FitState& s) { state = s; };
    fit(DenseView<double>(V), o, cb);
    ASSERT_EQ(state.iteration, 5);
    auto resume_with = [&](const FitState& s, const Options& opt) {
        Callbacks r;
        r.resume = std::make_shared<const FitState>(s);
        return message_of([&] { fit(DenseView<double>(V), opt, r); });
    };
    EXPECT_EQ(resume_with(state, o), "(no exception)");
    Options k4 = o;
    k4.rank = 4;
    EXPECT_NE(resume_with(state, k4).find("needs W 30 x 4"), std::string::npos);
    FitState f32 = state;
    f32.single_precision = true;
    EXPECT_NE(resume_with(f32, o).find("float32 fit"), std::string::npos);
    FitState v0 = state;
    v0.version = 0;
    EXPECT_NE(resume_with(v0, o).find("version 0"), std::string::npos);
    FitState short_history = state;
    short_history.history.pop_back();
    EXPECT_NE(resume_with(short_history, o).find("history"), std::string::npos);
    Options mu = o;  // a step that carries no numbers
    mu.solver = Solver::mu;
    mu.loss = Loss::kullback_leibler;
    EXPECT_NE(resume_with(state, mu).find("numbers"), std::string::npos);
    Options done = o;
    done.max_iter = 5;
    EXPECT_NE(resume_with(state, done).find("nothing to do"), std::string::npos);
    FitState second_run = state;  // a state of run 2 of restarts, given to a fit of one run
    second_run.restart = 1;
    EXPECT_NE(resume_with(second_run, o).find("restarts = 1"), std::string::npos);
    Options restarts = o;
    restarts.restarts = 2;
    EXPECT_NE(resume_with(second_run, restarts).find("incomplete"), std::string::npos);
    Options missing = o;  // a masked step carries no numbers: a plain HALS state is refused
    missing.missing = Missing::nan;
    EXPECT_NE(resume_with(state, missing).find("numbers"), std::string::npos);
}

}  // namespace
}  // namespace nmfkit::test
