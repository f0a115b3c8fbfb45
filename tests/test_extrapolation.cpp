// Extrapolation with restarts (Options::extrapolation, src/engine/extrapolation.hpp): the kept
// objective never increases where the plain solver's does not, restarts go back to the kept
// point, it reaches a planted problem's error in fewer iterations, storage does not change the
// iterates, and validation names the fits it does not apply to.

#include "helpers.hpp"
#include "data/dense.hpp"
#include "engine/loop.hpp"

namespace nmfkit::test {
namespace {

// The pairs whose registry row extrapolates.
std::vector<std::pair<Solver, Loss>> extrapolating_pairs() {
    std::vector<std::pair<Solver, Loss>> out;
    for (auto [s, l] : supported_pairs())
        if (solver_traits(s, l).extrapolation) out.emplace_back(s, l);
    return out;
}

Options with(Options o, Extrapolation e) {
    o.extrapolation = e;
    return o;
}

// V = W0 H0 + 1% (of the mean) uniform noise, m x n, planted rank k: the slow tail of the
// alternating solvers that extrapolation shortens.
template <class T>
Mat<T> planted(Eigen::Index m, Eigen::Index n, int k, unsigned seed) {
    const Mat<T> W0 = sparse_factor<T>(m, k, seed, 0.5);
    const Mat<T> H0 = sparse_factor<T>(n, k, seed + 1, 0.5).transpose();
    Mat<T> V = W0 * H0;
    const double mean = V.template cast<double>().mean();
    V += uniform<T>(m, n, seed + 2, 0, 0.01 * mean);
    return V;
}

// The first iteration whose objective is ≤ target, or max_iter + 1.
template <class T>
int iterations_to(const Result<T>& r, double target) {
    for (const IterationStats& s : r.history)
        if (s.objective <= target) return s.iteration;
    return static_cast<int>(r.history.size()) + 1;
}

template <class T>
class Extrapolated : public ::testing::Test {};
using Scalars = ::testing::Types<float, double>;
TYPED_TEST_SUITE(Extrapolated, Scalars);

TYPED_TEST(Extrapolated, KeptObjectiveNeverIncreasesAndRestartsGoBackToTheKeptPoint) {
    using T = TypeParam;
    const Mat<T> V = planted<T>(60, 40, 4, 11);
    const double slack = 200 * eps<T>();
    for (auto [s, l] : extrapolating_pairs()) {
        SCOPED_TRACE(label(s, l));
        const Result<T> r =
            fit(DenseView<T>(V), with(options(s, l, 4, 150, 0, 5), Extrapolation::on));
        ASSERT_EQ(r.history.size(), 150u);
        double prev = r.initial_objective;
        const double last = r.history.back().objective;
        int extrapolated = 0, restarts = 0;  // restarts: while the objective still falls
        for (std::size_t t = 0; t < r.history.size(); ++t) {
            const IterationStats& st = r.history[t];
            ASSERT_TRUE(std::isfinite(st.objective));
            if (monotone(s, l)) {
                EXPECT_LE(st.objective, prev + slack * r.initial_objective)
                    << "iteration " << st.iteration;
            }
            extrapolated += st.extrapolation > 0;
            if (st.restarted) {
                restarts += prev > (1 + 1e-6) * last;
                // A dropped point leaves the kept objective as it was; the next iteration is a
                // plain one from the kept point.
                EXPECT_EQ(st.objective, prev) << "iteration " << st.iteration;
                EXPECT_GT(st.extrapolation, 0);
                if (t + 1 < r.history.size()) {
                    EXPECT_EQ(r.history[t + 1].extrapolation, 0);
                    EXPECT_FALSE(r.history[t + 1].restarted);
                }
            }
            prev = st.objective;
        }
        // Where it is the default, few points are dropped while the objective still falls (in
        // double: float's objective is noisy near the fit, and a noisy rise is a restart; in the
        // flat tail every extrapolated point is dropped by the keep margin, engine/loop.hpp);
        // β grows above its start.
        EXPECT_GE(extrapolated, 75);
        if (std::is_same_v<T, double> && l == Loss::frobenius &&
            (s == Solver::hals || s == Solver::cd)) {
            EXPECT_LT(restarts, 150 / 4);
        }
        double largest = 0;
        for (const IterationStats& st : r.history) largest = std::max(largest, st.extrapolation);
        EXPECT_GT(largest, 0.5);
        // The result is the kept point: its objective, evaluated entry by entry, is the last one.
        EXPECT_NEAR(r.objective, r.history.back().objective,
                    (std::is_same_v<T, float> ? 1e-4 : 1e-9) * r.initial_objective);
        EXPECT_TRUE(all_finite_nonnegative(r.W));
        EXPECT_TRUE(all_finite_nonnegative(r.H));
    }
}

TYPED_TEST(Extrapolated, OffRunsThePlainSolver) {
    using T = TypeParam;
    const Mat<T> V = planted<T>(60, 40, 4, 11);
    for (auto [s, l] : extrapolating_pairs()) {
        SCOPED_TRACE(label(s, l));
        const Result<T> off =
            fit(DenseView<T>(V), with(options(s, l, 4, 30, 0, 5), Extrapolation::off));
        for (const IterationStats& st : off.history) {
            EXPECT_EQ(st.extrapolation, 0);
            EXPECT_FALSE(st.restarted);
        }
        // One extrapolated iteration from the same start moves elsewhere.
        const Result<T> on =
            fit(DenseView<T>(V), with(options(s, l, 4, 30, 0, 5), Extrapolation::on));
        EXPECT_GT((on.W - off.W).norm(), 1e-3 * off.W.norm());
    }
}

// Iterations to 1.001 times the lowest objective either run finds in 200 iterations, on a
// planted problem with noise: extrapolation needs fewer (Ang & Gillis report 2-3x fewer; the
// margin is generous), for HALS (hals, Frobenius cd).
TEST(Extrapolation, ReachesTheErrorInFewerIterations) {
    const Mat<double> V = planted<double>(120, 80, 6, 21);
    for (auto [s, l] : extrapolating_pairs()) {
        if (l != Loss::frobenius || (s != Solver::hals && s != Solver::cd)) continue;
        SCOPED_TRACE(label(s, l));
        const Result<double> off =
            fit(DenseView<double>(V), with(options(s, l, 6, 200, 0, 3), Extrapolation::off));
        const Result<double> on =
            fit(DenseView<double>(V), with(options(s, l, 6, 200, 0, 3), Extrapolation::on));
        const double best = std::min(off.history.back().objective, on.history.back().objective);
        const int plain = iterations_to(off, 1.001 * best),
                  extrapolated = iterations_to(on, 1.001 * best);
        EXPECT_GT(plain, 10);  // the problem has a slow tail to shorten
        EXPECT_LE(extrapolated, plain * 3 / 4) << "plain " << plain;
    }
}

// Storage does not enter extrapolation: dense and every sparse storage give the same iterates
// (the restarts included) up to rounding.
TEST(Extrapolation, DenseAndSparseGiveTheSameIterates) {
    std::mt19937_64 gen(4);
    std::uniform_real_distribution<double> u(0, 1);
    Mat<double> V = Mat<double>::Zero(70, 50);
    for (Eigen::Index j = 0; j < V.cols(); ++j)
        for (Eigen::Index i = 0; i < V.rows(); ++i)
            if (u(gen) < 0.2) V(i, j) = 0.1 + 3 * u(gen);
    Eigen::SparseMatrix<double> csc = V.sparseView();
    csc.makeCompressed();
    Eigen::SparseMatrix<double, Eigen::RowMajor> csr = V.sparseView();
    csr.makeCompressed();
    const InitialFactors<double> start{uniform<double>(70, 4, 5, 0.1, 1),
                                       uniform<double>(4, 50, 6, 0.1, 1)};
    for (auto [s, l] : extrapolating_pairs()) {
        SCOPED_TRACE(label(s, l));
        Options o = with(options(s, l, 4, 40, 0, 0), Extrapolation::on);
        o.init = Init::custom;
        o.hals_max_inner = 3;  // the same inner sweeps whatever the cost of a product
        const Result<double> dense = fit(DenseView<double>(V), o, start);
        for (const Result<double>& sparse :
             {fit(SparseView<double>(csc), o, start), fit(SparseView<double>(csr), o, start)}) {
            ASSERT_EQ(sparse.history.size(), dense.history.size());
            for (std::size_t t = 0; t < dense.history.size(); ++t) {
                EXPECT_EQ(sparse.history[t].restarted, dense.history[t].restarted) << t;
                EXPECT_NEAR(sparse.history[t].objective, dense.history[t].objective,
                            1e-10 * dense.history[t].objective);
            }
            EXPECT_LE((sparse.W - dense.W).norm(), 1e-9 * dense.W.norm());
            EXPECT_LE((sparse.H - dense.H).norm(), 1e-9 * dense.H.norm());
        }
    }
}

// A step whose objective falls to a level and then alternates between two values 6% apart, as a
// float objective at its rounding level does (an exact fit, docs/algorithms.md, "Stopping
// rules"): f_t = 2^-t for t ≤ 10, then a, b, a, b, ... W and Ht are left as they are.
struct RoundingLevelStep {
    int t = 0;
    double start(const Mat<double>&, const Mat<double>&) { return 1; }
    double iterate(Mat<double>&, Mat<double>&) {
        ++t;
        if (t <= 10) return std::ldexp(1.0, -t);
        return t % 2 ? 0.94e-3 : 1e-3;  // below 2^-10: the first rise is at t = 12
    }
    double penalty(const Mat<double>&, const Mat<double>&) const { return 0; }
};

// The relative-objective rule stops a solver that never raises its objective at the first rise
// (rounding: no later change can be resolved), and leaves a solver without that guarantee to
// its own rule.
TEST(StoppingRule, ARiseOfAMonotoneSolversObjectiveIsItsRoundingLevel) {
    const Mat<double> V = uniform<double>(6, 5, 1);
    const detail::DenseData<double> A(V.data(), V.rows(), V.cols(), V.rows());
    for (Solver s : {Solver::hals, Solver::als}) {
        SCOPED_TRACE(std::string(to_string(s)));
        Options o = options(s, Loss::frobenius, 2, 100, 1e-4, 0);
        o.extrapolation = Extrapolation::off;
        ASSERT_EQ(solver_traits(s, Loss::frobenius).monotone, s == Solver::hals);
        RoundingLevelStep step;
        const Result<double> r = detail::alternate<double>(A, step, Mat<double>::Ones(6, 2),
                                                           Mat<double>::Ones(5, 2), o, Callbacks{});
        if (s == Solver::hals) {
            EXPECT_EQ(r.status, Status::converged);
            EXPECT_EQ(r.iterations, 12);
        } else {
            EXPECT_EQ(r.status, Status::max_iter_reached);
            EXPECT_EQ(r.iterations, 100);
        }
    }
}

TEST(Extrapolation, DefaultFollowsTheRegistryWhereItApplies) {
    for (auto [s, l] : supported_pairs()) {
        SCOPED_TRACE(label(s, l));
        Options o = options(s, l, 2, 10, 0, 0);
        EXPECT_EQ(resolved_extrapolation(o), solver_traits(s, l).extrapolation_default);
        o.extrapolation = Extrapolation::off;
        EXPECT_FALSE(resolved_extrapolation(o));
        o.extrapolation.reset();
        o.missing = Missing::nan;
        EXPECT_FALSE(resolved_extrapolation(o));
    }
    Options o = options(Solver::hals, Loss::frobenius, 2, 10, 0, 0);
    o.stop = StopRule::projected_gradient;
    EXPECT_FALSE(resolved_extrapolation(o));
}

TEST(Extrapolation, OnIsRefusedWhereItDoesNotApply) {
    const Mat<double> V = planted<double>(20, 15, 2, 3);
    Options o = with(options(Solver::mu, Loss::itakura_saito, 2, 5, 0, 0), Extrapolation::on);
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(V), o); }),
              "extrapolation on: it is done by every frobenius solver and by cd for "
              "kullback_leibler, not by solver mu with loss itakura_saito; turn it off");
    o = with(options(Solver::hals, Loss::frobenius, 2, 5, 0, 0), Extrapolation::on);
    o.missing = Missing::nan;
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(V), o); }),
              "extrapolation on: fits with missing values or a mask do not extrapolate; turn it "
              "off");
    o.missing = Missing::none;
    o.stop = StopRule::projected_gradient;
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(V), o); }),
              "extrapolation on: the projected_gradient rule needs the gradient at the kept "
              "point, which extrapolation does not compute; use relative_objective or turn it "
              "off");
    o.extrapolation = Extrapolation::off;
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(V), o); }), "(no exception)");
}

}  // namespace
}  // namespace nmfkit::test
