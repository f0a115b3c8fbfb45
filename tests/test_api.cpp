// The public API: names, defaults, stopping rules, history, layouts, seeds and threads.

#include <cblas.h>
#include <omp.h>

#include "helpers.hpp"
#include "pair_param.hpp"

namespace nmfkit::test {
namespace {

TEST(Names, EnumeratorTextRoundTripsAndAliasesParse) {
    for (Solver s : all_solvers()) EXPECT_EQ(solver_from_string(to_string(s)), s);
    for (Loss l : all_losses()) EXPECT_EQ(loss_from_string(to_string(l)), l);
    EXPECT_EQ(loss_from_string("kl"), Loss::kullback_leibler);
    EXPECT_EQ(loss_from_string("fro"), Loss::frobenius);
    EXPECT_EQ(to_string(Status::time_limit_reached), "time_limit_reached");
    EXPECT_EQ(init_from_string("custom"), Init::custom);
}

TEST(Names, SupportTableAndDefaults) {
    EXPECT_TRUE(supports(Solver::mu, Loss::kullback_leibler));
    EXPECT_FALSE(supports(Solver::hals, Loss::kullback_leibler));
    EXPECT_EQ(solvers_for(Loss::frobenius),
              (std::vector<Solver>{Solver::mu, Solver::als, Solver::hals, Solver::anls_bpp,
                                   Solver::cd, Solver::nenmf}));
    EXPECT_EQ(solvers_for(Loss::kullback_leibler), (std::vector<Solver>{Solver::mu, Solver::cd}));
    EXPECT_EQ(solvers_for(Loss::itakura_saito), (std::vector<Solver>{Solver::mu}));
    EXPECT_EQ(solvers_for(Loss::beta), (std::vector<Solver>{Solver::mu}));
    EXPECT_EQ(default_solver(Loss::frobenius), Solver::hals);
    EXPECT_EQ(default_solver(Loss::kullback_leibler), Solver::cd);
    EXPECT_EQ(default_solver(Loss::beta), Solver::mu);
    Options o;
    o.loss = Loss::kullback_leibler;
    EXPECT_EQ(resolved_solver(o), Solver::cd);
}

const Eigen::MatrixXd& planted() {
    static const Eigen::MatrixXd V =
        uniform<double>(50, 3, 1) * uniform<double>(3, 30, 2) + uniform<double>(50, 30, 3, 0, 0.1);
    return V;
}

TEST(Stopping, ToleranceOnTheRelativeDecrease) {
    Options o = options(Solver::hals, Loss::frobenius, 3, 1000, 1e-3, 1);
    const Result<double> r = fit(DenseView<double>(planted()), o);
    EXPECT_EQ(r.status, Status::converged);
    ASSERT_GE(r.history.size(), 2u);
    EXPECT_LE(std::abs(r.history.back().relative_change), 1e-3);
    // A restarted iteration (extrapolation) repeats the objective without counting as converged.
    for (std::size_t t = 0; t + 1 < r.history.size(); ++t)
        if (!r.history[t].restarted) {
            EXPECT_GT(std::abs(r.history[t].relative_change), 1e-3)
                << "should have stopped at " << t;
        }
    EXPECT_EQ(static_cast<std::size_t>(r.iterations), r.history.size());
}

TEST(Stopping, MaxIterZeroReturnsTheStart) {
    Options o = options(Solver::mu, Loss::frobenius, 3, 0, 1e-4, 1);
    const Result<double> r = fit(DenseView<double>(planted()), o);
    EXPECT_EQ(r.iterations, 0);
    EXPECT_TRUE(r.history.empty());
    EXPECT_EQ(r.status, Status::max_iter_reached);
    EXPECT_NEAR(r.objective, r.initial_objective, 1e-9 * r.initial_objective);
}

TEST(Stopping, CallbackStopsTheRunAndSeesEveryIteration) {
    Options o = options(Solver::mu, Loss::kullback_leibler, 3, 100, 0, 1);
    std::vector<int> seen;
    Callbacks cb;
    cb.on_iteration = [&](const IterationStats& s) {
        seen.push_back(s.iteration);
        return s.iteration < 7;
    };
    const Result<double> r = fit(DenseView<double>(planted()), o, cb);
    EXPECT_EQ(r.status, Status::stopped_by_callback);
    EXPECT_EQ(r.iterations, 7);
    EXPECT_EQ(seen, (std::vector<int>{1, 2, 3, 4, 5, 6, 7}));
}

TEST(Stopping, CallbackSeesTheConvergingIterationToo) {
    Options o = options(Solver::hals, Loss::frobenius, 3, 1000, 1e-3, 1);
    int calls = 0;
    Callbacks cb;
    cb.on_iteration = [&](const IterationStats&) {
        ++calls;
        return true;
    };
    const Result<double> r = fit(DenseView<double>(planted()), o, cb);
    EXPECT_EQ(r.status, Status::converged);
    EXPECT_EQ(calls, r.iterations);
}

TEST(Stopping, AHugeIterationBudgetAllocatesNothingUpFront) {
    Options o = options(Solver::hals, Loss::frobenius, 3, 2000000000, 1e-3, 1);
    const Result<double> r = fit(DenseView<double>(planted()), o);
    EXPECT_EQ(r.status, Status::converged);
    EXPECT_LT(r.history.capacity(), 100000u);
}

TEST(Stopping, TimeLimit) {
    const Eigen::MatrixXd V = uniform<double>(300, 200, 4);
    Options o = options(Solver::mu, Loss::kullback_leibler, 10, 1000000, 0, 1);
    o.time_limit = 0.05;
    const Result<double> r = fit(DenseView<double>(V), o);
    EXPECT_EQ(r.status, Status::time_limit_reached);
    EXPECT_GE(r.history.back().seconds, 0.05);
    EXPECT_LT(r.iterations, 1000000);
    // History seconds are cumulative.
    for (std::size_t t = 1; t < r.history.size(); ++t)
        EXPECT_GE(r.history[t].seconds, r.history[t - 1].seconds);
}

TEST(Init, RandomStartIsScaledToTheData) {
    // E[WH] = mean(V) for the random start: check on a constant matrix.
    const Eigen::MatrixXd V = Eigen::MatrixXd::Constant(400, 300, 4.0);
    const Result<double> r =
        fit(DenseView<double>(V), options(Solver::mu, Loss::frobenius, 5, 0, 0, 3));
    const double mean_WH = (r.W * r.H).mean();
    EXPECT_NEAR(mean_WH, 4.0, 0.4);
    EXPECT_GT(r.W.minCoeff(), 0.0);  // open interval: MU can move every entry
}

TEST(Init, CustomStartIsUsedAsGiven) {
    const Eigen::MatrixXd W0 = uniform<double>(50, 3, 8, 0.1, 1),
                          H0 = uniform<double>(3, 30, 9, 0.1, 1);
    Options o = options(Solver::hals, Loss::frobenius, 3, 0, 0, 0);
    o.init = Init::custom;
    const Result<double> r = fit(DenseView<double>(planted()), o, InitialFactors<double>{W0, H0});
    EXPECT_EQ(r.W, W0);
    EXPECT_EQ(r.H, H0);
}

TEST(Layouts, RowMajorInputGivesTheColumnMajorResult) {
    const Eigen::MatrixXd V = planted();
    const Eigen::Matrix<double, -1, -1, Eigen::RowMajor> Vr = V;
    for (auto [s, l] : supported_pairs()) {
        SCOPED_TRACE(label(s, l));
        const Options o = options(s, l, 3, 20, 0, 5);
        const Result<double> a = fit(DenseView<double>(V), o);
        const Result<double> b = fit(DenseView<double>(Vr), o);
        EXPECT_LE((a.W - b.W).norm(), 1e-9 * a.W.norm());
        EXPECT_LE((a.H - b.H).norm(), 1e-9 * a.H.norm());
        EXPECT_NEAR(a.objective, b.objective, 1e-9 * a.objective);
    }
}

TEST(Layouts, LeadingDimensionSelectsASubmatrixInPlace) {
    const Eigen::MatrixXd big = uniform<double>(60, 30, 6);
    const Eigen::MatrixXd top = big.topRows(50);
    const Options o = options(Solver::hals, Loss::frobenius, 3, 10, 0, 5);
    const Result<double> a = fit(DenseView<double>(top), o);
    const Result<double> b = fit(DenseView<double>(big.data(), 50, 30, Layout::col_major, 60), o);
    EXPECT_LE((a.W - b.W).norm(), 1e-12 * a.W.norm());
}

// One case per pair.
class Reproducibility : public ::testing::TestWithParam<Pair> {};

TEST_P(Reproducibility, SameSeedSameBitsAndThreadCountsAgree) {
    // Large enough that the products, Grams, W's HALS sweeps (4200·8² ≥ 2^18 multiply-adds) and
    // the NNLS solves run with a team of threads (the elementwise MU steps, rows·k < 2^18, and
    // H's sweeps stay serial: linalg/parallel.hpp).
    const Eigen::MatrixXd V = uniform<double>(4200, 300, 10);
    const auto [s, l] = GetParam();
    Options o = options(s, l, 8, 10, 0, 77);
    o.threads = 2;
    const Result<double> a = fit(DenseView<double>(V), o);
    const Result<double> b = fit(DenseView<double>(V), o);
    EXPECT_EQ(a.W, b.W);
    EXPECT_EQ(a.H, b.H);
    EXPECT_EQ(a.objective, b.objective);
    EXPECT_EQ(a.threads, 2);
    o.threads = 1;
    const Result<double> c = fit(DenseView<double>(V), o);
    EXPECT_EQ(c.threads, 1);
    EXPECT_LE((a.W - c.W).norm(), 1e-10 * a.W.norm());
    EXPECT_LE((a.H - c.H).norm(), 1e-10 * a.H.norm());
    // A different seed starts elsewhere.
    o.seed = 78;
    EXPECT_GT((fit(DenseView<double>(V), o).W - c.W).norm(), 1e-3 * c.W.norm());
}

INSTANTIATE_TEST_SUITE_P(Pairs, Reproducibility,
                         ::testing::ValuesIn(pair_params(supported_pairs())), pair_name);

TEST(Threads, OptionIsPerCallAndLeavesNoGlobalState) {
    const int before = omp_get_max_threads();
    Options o = options(Solver::hals, Loss::frobenius, 3, 3, 0, 1);
    o.threads = 1;
    fit(DenseView<double>(planted()), o);
    EXPECT_EQ(omp_get_max_threads(), before);
    // BLAS follows the calling thread's OpenMP count only in OpenBLAS's OpenMP build.
    EXPECT_EQ(openblas_get_parallel(), 2) << "linked OpenBLAS is not the OpenMP variant";
}

TEST(Scalars, FloatReachesTheErrorOfDoubleDenseAndSparse) {
    // Well conditioned: planted rank 3 plus 10% noise, so the error at convergence is far above
    // float's rounding. Accumulations in double keep float32 within 1e-4 relative of float64.
    const Eigen::MatrixXd V = planted();
    const Eigen::MatrixXf Vf = V.cast<float>();
    Eigen::SparseMatrix<double> S = V.sparseView();
    Eigen::SparseMatrix<float> Sf = Vf.sparseView();
    for (auto [s, l] : supported_pairs()) {
        SCOPED_TRACE(label(s, l));
        const Options o = options(s, l, 3, 500, 0, 2);
        const Result<double> d = fit(DenseView<double>(V), o);
        const Result<float> f = fit(DenseView<float>(Vf), o);
        EXPECT_NEAR(f.relative_error, d.relative_error, 1e-4 * d.relative_error);
        const Result<double> ds = fit(SparseView<double>(S), o);
        const Result<float> fs = fit(SparseView<float>(Sf), o);
        EXPECT_NEAR(fs.relative_error, ds.relative_error, 1e-4 * ds.relative_error);
        static_assert(std::is_same_v<decltype(fs.W), Matrix<float>>);
    }
}

}  // namespace
}  // namespace nmfkit::test

namespace nmfkit::test {
namespace {

TEST(BuildInfo, DescribesTheBuildAndItsBlas) {
    const BuildInfo b = build_info();
    EXPECT_EQ(b.version, std::string(version));
    EXPECT_NE(b.blas.find("OpenBLAS"), std::string::npos);
    EXPECT_TRUE(b.blas_follows_openmp);
    EXPECT_GE(b.max_threads, 1);
    EXPECT_FALSE(b.build_type.empty());
    EXPECT_EQ(b.scalars, (std::vector<std::string>{"float32", "float64"}));
}

}  // namespace
}  // namespace nmfkit::test
