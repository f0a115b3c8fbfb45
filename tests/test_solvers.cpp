// Properties of every supported solver x loss, in float and double: non-negativity, monotone
// objective, planted recovery, KKT conditions, the classic 3 x 3 example.

#include "helpers.hpp"
#include "isa_environment.hpp"

namespace nmfkit::test {
namespace {

template <class T>
class Solvers : public ::testing::Test {};
using Scalars = ::testing::Types<float, double>;
TYPED_TEST_SUITE(Solvers, Scalars);

// V = W0 H0 + small uniform noise, 60 x 40, k = 4.
template <class T>
Mat<T> noisy_planted() {
    const Mat<T> W0 = uniform<T>(60, 4, 11), H0 = uniform<T>(4, 40, 12);
    return (W0 * H0 + uniform<T>(60, 40, 13, 0, 0.05)).eval();
}

TYPED_TEST(Solvers, FactorsStayNonNegativeAndFinite) {
    using T = TypeParam;
    const Mat<T> V = noisy_planted<T>();
    for (auto [s, l] : supported_pairs()) {
        SCOPED_TRACE(label(s, l));
        const Result<T> r = fit(DenseView<T>(V), options(s, l, 4, 50, 0, 7));
        EXPECT_EQ(r.W.rows(), 60);
        EXPECT_EQ(r.W.cols(), 4);
        EXPECT_EQ(r.H.rows(), 4);
        EXPECT_EQ(r.H.cols(), 40);
        EXPECT_TRUE(all_finite_nonnegative(r.W));
        EXPECT_TRUE(all_finite_nonnegative(r.H));
        EXPECT_TRUE(std::isfinite(r.objective));
        EXPECT_EQ(r.iterations, 50);
        EXPECT_EQ(r.status, Status::max_iter_reached);
        EXPECT_EQ(r.solver, s);
        EXPECT_EQ(r.loss, l);
        // The reported error is the one a naive evaluation gives.
        EXPECT_NEAR(r.relative_error, naive_relative_error(V, r.W, r.H), 100 * eps<T>());
        EXPECT_LT(r.relative_error, 0.2);
    }
}

TYPED_TEST(Solvers, ZeroRowsColumnsAndAllZeroInputGiveNoNaN) {
    using T = TypeParam;
    Mat<T> with_zeros = noisy_planted<T>();
    with_zeros.row(3).setZero();
    with_zeros.col(7).setZero();
    const Mat<T> all_zero = Mat<T>::Zero(5, 4);
    for (auto [s, l] : pairs_accepting_zeros()) {
        SCOPED_TRACE(label(s, l));
        const Result<T> r = fit(DenseView<T>(with_zeros), options(s, l, 4, 30, 0, 3));
        EXPECT_TRUE(all_finite_nonnegative(r.W));
        EXPECT_TRUE(all_finite_nonnegative(r.H));
        EXPECT_TRUE(std::isfinite(r.objective));
        EXPECT_TRUE(std::isfinite(r.relative_error));
        // A zero row of V gets a zero row of WH for the multiplicative and exact solvers.
        EXPECT_LE((r.W.row(3) * r.H).norm(), 1e-2 * with_zeros.norm());

        const Result<T> z = fit(DenseView<T>(all_zero), options(s, l, 2, 10, 1e-4, 3));
        EXPECT_TRUE(all_finite_nonnegative(z.W));
        EXPECT_TRUE(all_finite_nonnegative(z.H));
        EXPECT_EQ(z.objective, 0.0);
        EXPECT_EQ(z.relative_error, 0.0);
        EXPECT_EQ(z.status, Status::converged);
    }
}

TYPED_TEST(Solvers, ObjectiveNeverIncreasesForEveryMonotoneSolver) {
    using T = TypeParam;
    const Mat<T> V = noisy_planted<T>();
    const double slack = 200 * eps<T>();
    for (auto [s, l] : supported_pairs()) {
        SCOPED_TRACE(label(s, l));
        const Result<T> r = fit(DenseView<T>(V), options(s, l, 4, 150, 0, 5));
        ASSERT_EQ(r.history.size(), 150u);
        double prev = r.initial_objective;
        for (const IterationStats& st : r.history) {
            ASSERT_TRUE(std::isfinite(st.objective));
            if (monotone(s, l)) {
                EXPECT_LE(st.objective, prev + slack * r.initial_objective)
                    << "iteration " << st.iteration;
            }
            prev = st.objective;
        }
        EXPECT_LT(r.history.back().objective, r.initial_objective);
    }
}

TYPED_TEST(Solvers, HalsRecoversAPlantedFactorization) {
    using T = TypeParam;
    const Mat<T> W0 = sparse_factor<T>(200, 5, 21, 0.6);
    const Mat<T> H0 = sparse_factor<T>(150, 5, 22, 0.6).transpose();
    const Mat<T> V = W0 * H0;
    Options o = options(Solver::hals, Loss::frobenius, 5, 3000, 0, 4);
    const Result<T> r = fit(DenseView<T>(V), o);
    // double reaches 1e-6; float is limited by its rounding (≈ 1e-7 per entry, times √(mn)).
    const double target = std::is_same_v<T, double> ? 1e-6 : 1e-3;
    EXPECT_LT(r.relative_error, target);
    EXPECT_GT(matched_min_cosine(r.W.template cast<double>(), W0.template cast<double>()), 0.99);
    EXPECT_GT(matched_min_cosine(r.H.transpose().template cast<double>(),
                                 H0.transpose().template cast<double>()),
              0.99);
}

TYPED_TEST(Solvers, ExactFrobeniusSolversSatisfyKktConditionsAtConvergence) {
    using T = TypeParam;
    // Sparse planted factors plus noise: the minimiser has exact zeros with a positive gradient
    // (active constraints), so the gradient's norm is not zero and the test has teeth.
    const Mat<T> W0 = sparse_factor<T>(60, 4, 11, 0.5);
    const Mat<T> H0 = sparse_factor<T>(40, 4, 12, 0.5).transpose();
    const Mat<T> V = W0 * H0 + uniform<T>(60, 40, 13, 0, 0.2);
    for (Solver s : {Solver::hals, Solver::anls_bpp, Solver::cd}) {
        SCOPED_TRACE(std::string(to_string(s)));
        const Result<T> r = fit(DenseView<T>(V), options(s, Loss::frobenius, 4, 3000, 0, 9));
        const Eigen::MatrixXd Vd = V.template cast<double>(), W = r.W.template cast<double>(),
                              H = r.H.template cast<double>();
        const Eigen::MatrixXd grad_W = W * (H * H.transpose()) - Vd * H.transpose();  // m x k
        const Eigen::MatrixXd grad_H = (W.transpose() * W) * H - W.transpose() * Vd;  // k x n
        ASSERT_GT((W.array() == 0).count(), 0);
        ASSERT_GT((H.array() == 0).count(), 0);
        // Stationarity: min(X, ∇_X f) = 0 entrywise, to the precision of the scalar type.
        const double tol = std::is_same_v<T, double> ? 1e-8 : 1e-2;
        EXPECT_LT(W.cwiseMin(grad_W).norm(), tol * grad_W.norm());
        EXPECT_LT(H.cwiseMin(grad_H).norm(), tol * grad_H.norm());
        // And the gradient is non-negative where the factor is zero (dual feasibility).
        EXPECT_GE(grad_W.minCoeff(), -tol * grad_W.norm());
        EXPECT_GE(grad_H.minCoeff(), -tol * grad_H.norm());
    }
}

TYPED_TEST(Solvers, ClassicThreeByThreeEverySolverReachesTheBestError) {
    using T = TypeParam;
    Mat<T> V(3, 3);
    V << 5, 3, 0, 3, 7, 4, 6, 2, 5;
    for (Loss l : all_losses()) {
        if (l == Loss::itakura_saito) continue;  // V has a zero
        SCOPED_TRACE(std::string(to_string(l)));
        double best = std::numeric_limits<double>::infinity();
        std::vector<std::pair<Solver, double>> per_solver;
        for (Solver s : solvers_for(l)) {
            double solver_best = std::numeric_limits<double>::infinity();
            for (std::uint64_t seed = 0; seed < 20; ++seed) {
                const Result<T> r = fit(DenseView<T>(V), options(s, l, 2, 5000, 1e-12, seed));
                const double e = l == Loss::frobenius ? r.relative_error : r.objective;
                solver_best = std::min(solver_best, e);
            }
            per_solver.emplace_back(s, solver_best);
            best = std::min(best, solver_best);
        }
        for (auto [s, e] : per_solver) EXPECT_LE(e, 1.01 * best) << to_string(s);
        // And a single default run (default start and solver) gets there too, for Frobenius. For
        // KL every NNDSVD variant (the default start) ends in a worse local minimum of this tiny
        // matrix (2.898 against 1.890, measured), and for β = 1.5 too; random seed 0 reaches it.
        if (l != Loss::frobenius) continue;
        Options o;
        o.rank = 2;
        o.loss = l;
        o.max_iter = 5000;
        o.tol = 1e-12;
        const Result<T> r = fit(DenseView<T>(V), o);
        EXPECT_LE(l == Loss::frobenius ? r.relative_error : r.objective, 1.01 * best);
    }
}

}  // namespace
}  // namespace nmfkit::test
