// The NNLS solver by block principal pivoting (src/nnls/bpp.hpp), in float and double: exact
// answers against enumeration of all passive sets, KKT conditions, rank-deficient and
// ill-conditioned Grams (the Lawson-Hanson paths), warm starts, thread-count independence and
// degenerate inputs.

#include <omp.h>

#include <Eigen/Cholesky>
#include <cstring>

#include "helpers.hpp"
#include "nnls/bpp.hpp"
#include "reference_lapack.hpp"
#include "updates/nenmf.hpp"

namespace nmfkit::test {
namespace {

using detail::bpp_max_steps;
using detail::bpp_nnls;
using detail::NnlsStats;

template <class T>
class Bpp : public ::testing::Test {};
using Scalars = ::testing::Types<float, double>;
TYPED_TEST_SUITE(Bpp, Scalars);

/// Standard normal rows x cols matrix from an explicit seed.
Eigen::MatrixXd normal(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed) {
    std::mt19937_64 gen(seed);
    std::normal_distribution<double> n(0, 1);
    Eigen::MatrixXd X(rows, cols);
    for (Eigen::Index j = 0; j < cols; ++j)
        for (Eigen::Index i = 0; i < rows; ++i) X(i, j) = n(gen);
    return X;
}

/// An NNLS problem set: G = FᵀF (k x k) and B = A F (rows x k), i.e. row i of B is Fᵀa_i, formed
/// in double and rounded to T; the reference computations below use these rounded values.
template <class T>
struct Problem {
    Mat<T> G, B;
};

template <class T>
Problem<T> make_problem(const Eigen::MatrixXd& F, const Eigen::MatrixXd& A) {
    Problem<T> p;
    p.G = (F.transpose() * F).cast<T>();
    p.B = (A * F).cast<T>();
    return p;
}

/// A Gaussian m x k matrix (m ≥ k) with its singular values replaced by 1, ..., 10^−decades,
/// geometrically spaced: cond(FᵀF) = 10^(2·decades).
Eigen::MatrixXd conditioned(Eigen::Index m, Eigen::Index k, double decades, std::uint64_t seed) {
    const ReferenceSvd svd = reference_svd(normal(m, k, seed));
    Eigen::VectorXd s(k);
    for (Eigen::Index i = 0; i < k; ++i)
        s(i) = std::pow(10.0, -decades * static_cast<double>(i) / static_cast<double>(k - 1));
    return svd.U * s.asDiagonal() * svd.V.transpose();
}

/// ½ xᵀGx − bᵀx in double.
double objective(const Eigen::MatrixXd& G, const Eigen::VectorXd& b, const Eigen::VectorXd& x) {
    return 0.5 * x.dot(G * x) - b.dot(x);
}

/// The NNLS solution by enumeration: the minimiser is the solution of the unconstrained system
/// on its own support, so the best of the feasible subset solutions is the answer (k ≤ 5, G
/// positive definite).
Eigen::VectorXd brute_force(const Eigen::MatrixXd& G, const Eigen::VectorXd& b) {
    const Eigen::Index k = G.rows();
    Eigen::VectorXd best = Eigen::VectorXd::Zero(k);
    double best_f = 0;
    for (unsigned mask = 1; mask < (1u << k); ++mask) {
        std::vector<Eigen::Index> s;
        for (Eigen::Index j = 0; j < k; ++j)
            if (mask & (1u << j)) s.push_back(j);
        const auto p = static_cast<Eigen::Index>(s.size());
        Eigen::MatrixXd Gs(p, p);
        Eigen::VectorXd bs(p);
        for (Eigen::Index a = 0; a < p; ++a) {
            bs(a) = b(s[static_cast<std::size_t>(a)]);
            for (Eigen::Index c = 0; c < p; ++c)
                Gs(a, c) = G(s[static_cast<std::size_t>(a)], s[static_cast<std::size_t>(c)]);
        }
        const Eigen::VectorXd xs = Gs.llt().solve(bs);
        if ((xs.array() < 0).any()) continue;
        Eigen::VectorXd x = Eigen::VectorXd::Zero(k);
        for (Eigen::Index a = 0; a < p; ++a) x(s[static_cast<std::size_t>(a)]) = xs(a);
        const double f = objective(G, b, x);
        if (f < best_f) {
            best_f = f;
            best = x;
        }
    }
    return best;
}

/// Checks the KKT conditions of every row: x ≥ 0 and finite, g = Gx − b ≥ −tol, and g_j within
/// ±tol where x_j > 0 (so |x_j g_j| ≤ tol·x_j). tol = c·k·ε_T·(‖b‖_∞ + max_ij |G_ij|·‖x‖₁): the
/// rounding error of a length-k dot product at the scale of its terms, with ε of the type X is
/// stored in (a float x carries a relative error ε_f, which moves g by up to ‖G‖·ε_f·‖x‖₁).
/// Variables with G_jj = 0 are skipped (their gradient is −b_j, whatever x is).
template <class T>
void expect_kkt(const Mat<T>& G, const Mat<T>& B, const Mat<T>& X, double c) {
    const Eigen::MatrixXd g = G.template cast<double>();
    const Eigen::MatrixXd b = B.template cast<double>();
    const Eigen::MatrixXd x = X.template cast<double>();
    const Eigen::Index k = G.rows();
    const double g_max = g.cwiseAbs().maxCoeff();
    int failures = 0;
    for (Eigen::Index i = 0; i < X.rows() && failures < 5; ++i) {
        const Eigen::VectorXd xi = x.row(i).transpose(), bi = b.row(i).transpose();
        const Eigen::VectorXd grad = g * xi - bi;
        const double tol = c * static_cast<double>(k) * eps<T>() *
                           (bi.cwiseAbs().maxCoeff() + g_max * xi.cwiseAbs().sum());
        for (Eigen::Index j = 0; j < k; ++j) {
            bool ok = std::isfinite(xi(j)) && xi(j) >= 0;
            if (g(j, j) > 0) ok = ok && grad(j) >= -tol && (xi(j) == 0 || std::abs(grad(j)) <= tol);
            if (!ok) {
                ADD_FAILURE() << "row " << i << ", j = " << j << ": x = " << xi(j)
                              << ", gradient = " << grad(j) << ", tol = " << tol;
                ++failures;
            }
        }
    }
}

/// Naive projected coordinate descent (HALS), many sweeps from 0: a reference objective that
/// the exact solver must match or beat.
/// Plain loops over the arrays: the sanitizer build compiles the tests at -O0, where Eigen's
/// expression templates made this reference most of the test's time.
Eigen::VectorXd coordinate_descent(const Eigen::MatrixXd& G, const Eigen::VectorXd& b, int sweeps) {
    const Eigen::Index k = G.rows();
    Eigen::VectorXd x = Eigen::VectorXd::Zero(k);
    const double* g = G.data();  // column-major k x k
    double* xp = x.data();
    for (int s = 0; s < sweeps; ++s) {
        bool moved = false;
        for (Eigen::Index j = 0; j < k; ++j) {
            const double* gj = g + j * k;
            if (gj[j] <= 0) continue;
            double dot = 0;
            for (Eigen::Index i = 0; i < k; ++i) dot += gj[i] * xp[i];
            const double next = std::max(0.0, xp[j] - (dot - b(j)) / gj[j]);
            moved = moved || next != xp[j];
            xp[j] = next;
        }
        if (!moved) break;  // a fixed point: every further sweep is the same
    }
    return x;
}

/// Random warm start: each entry positive with probability ½.
template <class T>
Mat<T> random_pattern(Eigen::Index rows, Eigen::Index k, unsigned seed) {
    const Mat<T> u = uniform<T>(rows, k, seed);
    return (u.array() < T(0.5)).select(u, T(0));
}

// 1. Against enumeration of all 2^k passive sets, k = 1..5, cold and from random warm starts.
TYPED_TEST(Bpp, MatchesBruteForce) {
    using T = TypeParam;
    const double tol = std::is_same_v<T, double> ? 1e-10 : 1e-4;
    for (Eigen::Index k = 1; k <= 5; ++k)
        for (unsigned trial = 0; trial < 40; ++trial) {
            SCOPED_TRACE("k = " + std::to_string(k) + ", trial " + std::to_string(trial));
            const std::uint64_t seed = 1000 * static_cast<std::uint64_t>(k) + trial;
            const Problem<T> p =
                make_problem<T>(normal(2 * k + 3, k, seed), normal(25, 2 * k + 3, seed + 500000));
            const Eigen::MatrixXd g = p.G.template cast<double>();
            for (int warm = 0; warm < 2; ++warm) {
                Mat<T> X = warm ? random_pattern<T>(25, k, static_cast<unsigned>(seed))
                                : Mat<T>::Zero(25, k).eval();
                const NnlsStats stats = bpp_nnls(p.G, p.B, X);
                EXPECT_EQ(stats.capped_rows, 0);
                for (Eigen::Index i = 0; i < X.rows(); ++i) {
                    const Eigen::VectorXd want =
                        brute_force(g, p.B.row(i).transpose().template cast<double>());
                    const Eigen::VectorXd got = X.row(i).transpose().template cast<double>();
                    ASSERT_LE((got - want).cwiseAbs().maxCoeff(), tol * want.cwiseAbs().maxCoeff())
                        << "row " << i << ", warm " << warm << "\ngot  " << got.transpose()
                        << "\nwant " << want.transpose();
                }
            }
        }
}

// 2. KKT on larger problems: Gaussian F (well conditioned) and non-negative F with non-negative
// data (an NMF-like Gram: all entries positive, one dominant eigenvalue).
TYPED_TEST(Bpp, SatisfiesKktOnLargerProblems) {
    using T = TypeParam;
    for (Eigen::Index k : {10, 30, 60})
        for (int nmf_like = 0; nmf_like < 2; ++nmf_like) {
            SCOPED_TRACE("k = " + std::to_string(k) + (nmf_like ? ", non-negative" : ", Gaussian"));
            const Eigen::Index m = 3 * k, rows = 400;
            const auto seed = static_cast<unsigned>(7 * k + nmf_like);
            const Problem<T> p =
                nmf_like ? make_problem<T>(uniform<double>(m, k, seed),
                                           uniform<double>(rows, m, seed + 1))
                         : make_problem<T>(normal(m, k, seed), normal(rows, m, seed + 1));
            Mat<T> X = Mat<T>::Zero(rows, k);
            const NnlsStats stats = bpp_nnls(p.G, p.B, X);
            EXPECT_EQ(stats.fallback_rows, 0);  // pivoting alone
            EXPECT_GE(stats.iterations, 2);
            EXPECT_LT(stats.iterations, 30);
            EXPECT_GT(stats.groups, 0);
            expect_kkt(p.G, p.B, X, 10);
            // Some constraints bind and some do not, so the test exercises both sides.
            EXPECT_GT((X.array() == T(0)).count(), rows);
            EXPECT_GT((X.array() > T(0)).count(), rows);
        }
}

// 3. Rank-deficient and ill-conditioned Grams: finite, KKT, and at least as good as a long
// coordinate-descent run.
TYPED_TEST(Bpp, HandlesRankDeficientGrams) {
    using T = TypeParam;
    const double slack = std::is_same_v<T, double> ? 1e-10 : 1e-5;
    for (Eigen::Index k : {8, 20})
        for (int kind = 0; kind < 5; ++kind) {
            const char* names[] = {"fewer rows than k", "fewer rows than k, non-negative",
                                   "duplicated columns", "zero column", "nearly collinear"};
            SCOPED_TRACE("k = " + std::to_string(k) + ", " + names[kind]);
            const auto seed = static_cast<unsigned>(100 * k + kind);
            const Eigen::Index rows = 60;
            Eigen::MatrixXd F;
            if (kind == 0) F = normal(k / 2, k, seed);
            if (kind == 1) F = uniform<double>(k / 2, k, seed);
            if (kind >= 2) F = uniform<double>(2 * k, k, seed);
            if (kind == 2) {
                F.col(1) = F.col(0);
                F.col(4) = 3 * F.col(3);
                F.col(k - 1) = F.col(0);
            }
            if (kind == 3) {
                F.col(2).setZero();
                F.col(k - 1).setZero();
            }
            if (kind == 4) F.col(1) = F.col(0) + 1e-7 * normal(2 * k, 1, seed).col(0);
            const Eigen::MatrixXd A =
                kind == 1 || kind >= 2 ? Eigen::MatrixXd(uniform<double>(rows, F.rows(), seed + 1))
                                       : normal(rows, F.rows(), seed + 1);
            const Problem<T> p = make_problem<T>(F, A);
            Mat<T> X = Mat<T>::Zero(rows, k);
            const NnlsStats stats = bpp_nnls(p.G, p.B, X);
            EXPECT_EQ(stats.capped_rows, 0);
            // A singular G goes to Lawson-Hanson; zero columns alone leave the rest definite.
            if (kind <= 2) {
                EXPECT_EQ(stats.fallback_rows, rows);
            }
            if (kind == 3) {
                EXPECT_EQ(stats.fallback_rows, 0);
            }
            ASSERT_TRUE(all_finite_nonnegative(X));
            expect_kkt(p.G, p.B, X, 100);
            if (kind == 3) {
                EXPECT_TRUE((X.col(2).array() == T(0)).all());
                EXPECT_TRUE((X.col(k - 1).array() == T(0)).all());
            }
            const Eigen::MatrixXd g = p.G.template cast<double>();
            for (Eigen::Index i = 0; i < rows; ++i) {
                const Eigen::VectorXd b = p.B.row(i).transpose().template cast<double>();
                const double f_ref = objective(g, b, coordinate_descent(g, b, 3000));
                const double f = objective(g, b, X.row(i).transpose().template cast<double>());
                ASSERT_LE(f, f_ref + slack * std::abs(f_ref)) << "row " << i;
            }
        }
}

// 3b. Ill-conditioned but non-singular Grams (cond 1e6): some rows stall in the backup rule and
// are finished by Lawson-Hanson. Each right-hand side appears three times, so stalled rows sit in
// groups with others (which must not be disturbed); every row must be the exact answer, and
// repeated rows identical.
TYPED_TEST(Bpp, IllConditionedGramsMatchBruteForce) {
    using T = TypeParam;
    const double tol = std::is_same_v<T, double> ? 1e-8 : 1e-4;
    const Eigen::Index k = 8, distinct = 100, rows = 3 * distinct;
    std::int64_t fallbacks = 0;
    for (unsigned trial = 0; trial < 10; ++trial) {
        SCOPED_TRACE("trial " + std::to_string(trial));
        const Eigen::MatrixXd a = normal(distinct, 2 * k, 5000 + trial);
        Eigen::MatrixXd A(rows, 2 * k);
        for (Eigen::Index i = 0; i < rows; ++i) A.row(i) = a.row(i / 3);
        Problem<T> p = make_problem<T>(conditioned(2 * k, k, 3, 1000 + trial), A);
        // B = A F by a BLAS product gives equal rows of A equal rows of B only up to rounding
        // (OpenBLAS's AVX-512 kernels round a row by its position in the register tile): make
        // them bit-equal, so that the solver's own determinism is what the test checks.
        for (Eigen::Index i = 0; i < rows; ++i) p.B.row(i) = p.B.row(i - i % 3).eval();
        Mat<T> X = Mat<T>::Zero(rows, k);
        const NnlsStats stats = bpp_nnls(p.G, p.B, X);
        EXPECT_EQ(stats.capped_rows, 0);
        fallbacks += stats.fallback_rows;
        const Eigen::MatrixXd g = p.G.template cast<double>();
        Eigen::VectorXd want;
        for (Eigen::Index i = 0; i < rows; ++i) {
            // Once per distinct row (the enumeration is the test's cost under the sanitizers);
            // the copies must then equal their first row bit for bit.
            if (i % 3 == 0) want = brute_force(g, p.B.row(i).transpose().template cast<double>());
            const Eigen::VectorXd got = X.row(i).transpose().template cast<double>();
            ASSERT_LE((got - want).cwiseAbs().maxCoeff(), tol * want.cwiseAbs().maxCoeff())
                << "row " << i << "\ngot  " << got.transpose() << "\nwant " << want.transpose();
            ASSERT_TRUE(X.row(i) == X.row(i - i % 3)) << "row " << i;
        }
    }
    EXPECT_GT(fallbacks, 0);  // the test exercises the fallback inside a pivoting group
    EXPECT_LT(fallbacks, rows);
}

// 3c. cond(G) = 1e12: in double many rows stall and fall back (in float G is singular at its
// precision, and every row goes to Lawson-Hanson); KKT must hold in both.
TYPED_TEST(Bpp, SeverelyIllConditionedGramsSatisfyKkt) {
    using T = TypeParam;
    const Eigen::Index k = 8, rows = 200;
    for (unsigned trial = 0; trial < 10; ++trial) {
        SCOPED_TRACE("trial " + std::to_string(trial));
        const Problem<T> p = make_problem<T>(conditioned(2 * k, k, 6, 1000 + trial),
                                             normal(rows, 2 * k, 5000 + trial));
        Mat<T> X = Mat<T>::Zero(rows, k);
        const NnlsStats stats = bpp_nnls(p.G, p.B, X);
        EXPECT_EQ(stats.capped_rows, 0);
        EXPECT_GT(stats.fallback_rows, 0);
        expect_kkt(p.G, p.B, X, 100);
    }
}

// 4. Warm start: from the solution, one step and the same bits; from the solution of a nearby
// problem, the same answer as a cold start in no more steps.
TYPED_TEST(Bpp, WarmStartAgreesWithColdStartInFewerSteps) {
    using T = TypeParam;
    const Eigen::Index k = 20, rows = 500;
    const Eigen::MatrixXd F = uniform<double>(3 * k, k, 41), A = uniform<double>(rows, 3 * k, 42);
    const Problem<T> p = make_problem<T>(F, A);
    Mat<T> cold = Mat<T>::Zero(rows, k);
    const NnlsStats cold_stats = bpp_nnls(p.G, p.B, cold);
    Mat<T> again = cold;
    const NnlsStats again_stats = bpp_nnls(p.G, p.B, again);
    EXPECT_EQ(again_stats.iterations, 1);
    EXPECT_LT(again_stats.iterations, cold_stats.iterations);
    EXPECT_TRUE(again == cold);

    // A nearby problem: the data perturbed by 5%.
    const Problem<T> q =
        make_problem<T>(F, (A.array() * (1 + 0.05 * normal(rows, 3 * k, 43).array())).matrix());
    Mat<T> q_cold = Mat<T>::Zero(rows, k), q_warm = cold;
    const NnlsStats q_cold_stats = bpp_nnls(q.G, q.B, q_cold);
    const NnlsStats q_warm_stats = bpp_nnls(q.G, q.B, q_warm);
    EXPECT_LE(q_warm_stats.iterations, q_cold_stats.iterations);
    EXPECT_LT(q_warm_stats.groups, q_cold_stats.groups);
    const double tol = std::is_same_v<T, double> ? 1e-10 : 1e-4;
    EXPECT_LE((q_warm - q_cold).cwiseAbs().maxCoeff(), tol * q_cold.cwiseAbs().maxCoeff());
    expect_kkt(q.G, q.B, q_warm, 10);

    // A singular G (F with k/2 rows): Lawson-Hanson, warm-started from X's pattern.
    const Problem<T> s =
        make_problem<T>(uniform<double>(k / 2, k, 44), uniform<double>(rows, k / 2, 45));
    Mat<T> s_cold = Mat<T>::Zero(rows, k);
    const NnlsStats s_cold_stats = bpp_nnls(s.G, s.B, s_cold);
    EXPECT_EQ(s_cold_stats.fallback_rows, rows);
    Mat<T> s_again = s_cold;
    const NnlsStats s_again_stats = bpp_nnls(s.G, s.B, s_again);
    EXPECT_EQ(s_again_stats.iterations, 1);
    EXPECT_LT(s_again_stats.groups, s_cold_stats.groups);
    EXPECT_TRUE(s_again == s_cold);
}

// 4b. Warm starts inside alternating NNLS (ANLS): after a few outer iterations each call needs
// at most a couple of steps.
TYPED_TEST(Bpp, WarmStartsInAlternatingLeastSquaresTakeFewSteps) {
    using T = TypeParam;
    const Eigen::Index m = 120, n = 90, k = 6;
    const Mat<T> V =
        (uniform<T>(m, k, 51) * uniform<T>(k, n, 52) + uniform<T>(m, n, 53, 0, 0.01)).eval();
    Mat<T> W = uniform<T>(m, k, 54), Ht = uniform<T>(n, k, 55);
    int last_w = 0, last_h = 0;
    for (int it = 0; it < 30; ++it) {
        const Mat<T> HtH = Ht.transpose() * Ht, VHt = V * Ht;
        last_w = bpp_nnls(HtH, VHt, W).iterations;
        const Mat<T> WtW = W.transpose() * W, VtW = V.transpose() * W;
        last_h = bpp_nnls(WtW, VtW, Ht).iterations;
    }
    EXPECT_LE(last_w, 2);
    EXPECT_LE(last_h, 2);
    EXPECT_TRUE(all_finite_nonnegative(W));
    EXPECT_TRUE(all_finite_nonnegative(Ht));
}

// 5. One thread and two threads give the same bits (and the same statistics).
// Three problems: well conditioned (pivoting), cond 1e6 (pivoting and some fallbacks), singular
// (Lawson-Hanson for every row).
TYPED_TEST(Bpp, ResultDoesNotDependOnThreadCount) {
    using T = TypeParam;
    const Eigen::Index k = 25, rows = 3000;
    const int saved = omp_get_max_threads();
    for (int kind = 0; kind < 6; ++kind) {
        const int warm = kind % 2;
        SCOPED_TRACE("kind " + std::to_string(kind / 2) + (warm ? ", warm" : ", cold"));
        const Eigen::MatrixXd F = kind / 2 == 0   ? uniform<double>(2 * k, k, 61)
                                  : kind / 2 == 1 ? conditioned(2 * k, k, 3, 61)
                                                  : normal(k / 2, k, 61);
        const Problem<T> p = make_problem<T>(F, normal(rows, F.rows(), 62));
        const Mat<T> start = warm ? random_pattern<T>(rows, k, 63) : Mat<T>::Zero(rows, k).eval();
        Mat<T> X1 = start, X2 = start;
        omp_set_num_threads(1);
        const NnlsStats s1 = bpp_nnls(p.G, p.B, X1);
        omp_set_num_threads(2);
        const NnlsStats s2 = bpp_nnls(p.G, p.B, X2);
        omp_set_num_threads(saved);
        const auto bytes = sizeof(T) * static_cast<std::size_t>(X1.size());
        EXPECT_EQ(std::memcmp(X1.data(), X2.data(), bytes), 0);
        EXPECT_EQ(s1.iterations, s2.iterations);
        EXPECT_EQ(s1.groups, s2.groups);
        EXPECT_EQ(s1.backup_steps, s2.backup_steps);
        EXPECT_EQ(s1.fallback_rows, s2.fallback_rows);
        if (kind / 2 != 1) expect_kkt(p.G, p.B, X1, 100);
    }
}

// 6. Degenerate inputs.
TYPED_TEST(Bpp, NonPositiveRightHandSidesGiveZero) {
    using T = TypeParam;
    const Eigen::Index k = 7, rows = 50;
    const Problem<T> p = make_problem<T>(uniform<double>(20, k, 71), uniform<double>(rows, 20, 72));
    const Mat<T> B = (-p.B).eval();
    Mat<T> X = uniform<T>(rows, k, 73);  // a warm start that is entirely wrong
    const NnlsStats stats = bpp_nnls(p.G, B, X);
    EXPECT_TRUE((X.array() == T(0)).all());
    EXPECT_EQ(stats.capped_rows, 0);
    Mat<T> Z = Mat<T>::Zero(rows, k);
    EXPECT_EQ(bpp_nnls(p.G, B, Z).iterations, 1);  // cold: x = 0 is optimal at once
    EXPECT_TRUE((Z.array() == T(0)).all());
}

TYPED_TEST(Bpp, ZeroDiagonalVariableStaysZero) {
    using T = TypeParam;
    const Eigen::Index k = 6, rows = 40, dead = 3;
    Eigen::MatrixXd F = normal(15, k, 81);
    F.col(dead).setZero();
    Problem<T> p = make_problem<T>(F, normal(rows, 15, 82));
    p.B.col(dead).setConstant(T(5));  // b_j > 0 with G_jj = 0: unbounded in x_j, which must stay 0
    Mat<T> X = Mat<T>::Constant(rows, k, T(1));
    bpp_nnls(p.G, p.B, X);
    EXPECT_TRUE((X.col(dead).array() == T(0)).all());
    // The other variables solve the problem without the dead one.
    std::vector<Eigen::Index> keep;
    for (Eigen::Index j = 0; j < k; ++j)
        if (j != dead) keep.push_back(j);
    const Mat<T> G5 = p.G(keep, keep), B5 = p.B(Eigen::all, keep);
    Mat<T> X5 = Mat<T>::Zero(rows, k - 1);
    bpp_nnls(G5, B5, X5);
    const Mat<T> X_kept = X(Eigen::all, keep);
    const double tol = std::is_same_v<T, double> ? 1e-12 : 1e-5;
    EXPECT_LE((X_kept - X5).cwiseAbs().maxCoeff(), tol * X5.cwiseAbs().maxCoeff());
}

TYPED_TEST(Bpp, ZeroGramGivesZero) {
    using T = TypeParam;
    const Mat<T> G = Mat<T>::Zero(4, 4);
    Mat<T> X = Mat<T>::Constant(10, 4, T(2));
    const NnlsStats stats = bpp_nnls(G, uniform<T>(10, 4, 91), X);
    EXPECT_TRUE((X.array() == T(0)).all());
    EXPECT_EQ(stats.groups, 0);
}

TYPED_TEST(Bpp, NoRows) {
    using T = TypeParam;
    const Mat<T> G = Mat<T>::Identity(5, 5), B(0, 5);
    Mat<T> X(0, 5);
    const NnlsStats stats = bpp_nnls(G, B, X);
    EXPECT_EQ(stats.iterations, 0);
    EXPECT_EQ(stats.groups, 0);
    EXPECT_EQ(X.rows(), 0);
}

TYPED_TEST(Bpp, SingleVariableIsClampedQuotient) {
    using T = TypeParam;
    const Mat<T> G = Mat<T>::Constant(1, 1, T(2.5));
    const Eigen::Index rows = 101;
    Mat<T> B(rows, 1);
    for (Eigen::Index i = 0; i < rows; ++i)
        B(i, 0) = static_cast<T>(0.37 * static_cast<double>(i - 50));
    Mat<T> X = Mat<T>::Zero(rows, 1);
    bpp_nnls(G, B, X);
    for (Eigen::Index i = 0; i < rows; ++i) {
        const double want = std::max(0.0, static_cast<double>(B(i, 0)) / 2.5);
        EXPECT_NEAR(static_cast<double>(X(i, 0)), want, 2 * eps<T>() * want) << "row " << i;
    }
}

// The unpivoted factorization of the pivoting steps (BppFactor::compute_definite) solves the same
// systems as the pivoted one on positive definite blocks, and on a numerically singular block
// falls back to it (same rank, same kept variables).
TEST(BppFactor, DefiniteAgreesWithPivotedAndFallsBackOnSingularBlocks) {
    const Eigen::Index k = 12;
    for (std::uint64_t seed : {1u, 2u, 3u}) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        Eigen::MatrixXd F = normal(30, k, seed);
        Eigen::MatrixXd G = F.transpose() * F;
        std::vector<double> d(static_cast<std::size_t>(k));
        for (Eigen::Index j = 0; j < k; ++j)
            d[static_cast<std::size_t>(j)] = 1 / std::sqrt(G(j, j));
        const std::vector<Eigen::Index> passive{0, 2, 3, 5, 7, 8, 11};
        const auto p = static_cast<Eigen::Index>(passive.size());
        const double eps = std::numeric_limits<double>::epsilon();
        detail::BppFactor pivoted, definite;
        pivoted.compute(G.data(), k, d, passive, eps);
        definite.compute_definite(G.data(), k, d, passive, eps);
        ASSERT_EQ(pivoted.rank(), p);
        ASSERT_EQ(definite.rank(), p);
        EXPECT_EQ(definite.vars(), passive);  // no pivoting: the order of `passive`
        // Solve S z = r (r Gaussian) with each factor, in its own variable order: the same z.
        const Eigen::VectorXd r = normal(p, 1, seed + 10);
        auto solve_in = [&](const detail::BppFactor& f) {
            std::vector<double> z(static_cast<std::size_t>(p));
            for (Eigen::Index t = 0; t < p; ++t) {
                const auto pos = std::find(passive.begin(), passive.end(),
                                           f.vars()[static_cast<std::size_t>(t)]) -
                                 passive.begin();
                z[static_cast<std::size_t>(t)] = r(pos);
            }
            f.solve(z.data());
            Eigen::VectorXd out(p);
            for (Eigen::Index t = 0; t < p; ++t) {
                const auto pos = std::find(passive.begin(), passive.end(),
                                           f.vars()[static_cast<std::size_t>(t)]) -
                                 passive.begin();
                out(pos) = z[static_cast<std::size_t>(t)];
            }
            return out;
        };
        const Eigen::VectorXd zp = solve_in(pivoted), zd = solve_in(definite);
        EXPECT_LE((zp - zd).cwiseAbs().maxCoeff(), 1e-10 * zp.cwiseAbs().maxCoeff());

        // Variable 5 a copy of variable 2: S is singular; both keep 6 of the 7 variables.
        F.col(5) = F.col(2);
        G = F.transpose() * F;
        for (Eigen::Index j = 0; j < k; ++j)
            d[static_cast<std::size_t>(j)] = 1 / std::sqrt(G(j, j));
        pivoted.compute(G.data(), k, d, passive, eps);
        definite.compute_definite(G.data(), k, d, passive, eps);
        EXPECT_EQ(pivoted.rank(), p - 1);
        EXPECT_EQ(definite.rank(), p - 1);
        EXPECT_EQ(definite.vars(), pivoted.vars());
    }
}

// compute_definite factorizes in panels of 4 columns with a rank-4 update of the rest, and the
// solve's backward dot product runs in four partial sums: every passive-set size from 1 to 13
// (each remainder of both), against Eigen's Cholesky of the same scaled block; and a singular
// block whose zero pivot comes only after a panel's rank-4 update still falls back.
TEST(BppFactor, DefiniteSolvesEveryPanelRemainder) {
    const Eigen::Index k = 14;
    const Eigen::MatrixXd F = normal(40, k, 7);
    const Eigen::MatrixXd G = F.transpose() * F;
    std::vector<double> d(static_cast<std::size_t>(k));
    for (Eigen::Index j = 0; j < k; ++j) d[static_cast<std::size_t>(j)] = 1 / std::sqrt(G(j, j));
    const double eps = std::numeric_limits<double>::epsilon();
    for (Eigen::Index p = 1; p <= 13; ++p) {
        SCOPED_TRACE("p = " + std::to_string(p));
        std::vector<Eigen::Index> passive;  // every other variable first, then the rest
        for (Eigen::Index j = 0; j < k && static_cast<Eigen::Index>(passive.size()) < p; j += 2)
            passive.push_back(j);
        for (Eigen::Index j = 1; j < k && static_cast<Eigen::Index>(passive.size()) < p; j += 2)
            passive.push_back(j);
        std::sort(passive.begin(), passive.end());
        Eigen::MatrixXd S(p, p);
        for (Eigen::Index a = 0; a < p; ++a)
            for (Eigen::Index b = 0; b < p; ++b) {
                const auto va = static_cast<std::size_t>(passive[static_cast<std::size_t>(a)]);
                const auto vb = static_cast<std::size_t>(passive[static_cast<std::size_t>(b)]);
                S(a, b) =
                    G(static_cast<Eigen::Index>(va), static_cast<Eigen::Index>(vb)) * d[va] * d[vb];
            }
        detail::BppFactor definite;
        definite.compute_definite(G.data(), k, d, passive, eps);
        ASSERT_EQ(definite.rank(), p);
        const Eigen::VectorXd r = normal(p, 1, static_cast<std::uint64_t>(100 + p));
        std::vector<double> z(r.data(), r.data() + p);
        definite.solve(z.data());
        const Eigen::VectorXd expected = S.llt().solve(r);
        for (Eigen::Index t = 0; t < p; ++t)
            EXPECT_NEAR(z[static_cast<std::size_t>(t)], expected(t),
                        1e-10 * expected.cwiseAbs().maxCoeff())
                << "entry " << t;
    }
    // Variable 12 a copy of variable 1: over the passive set {0, 1, ..., 12} the zero pivot is
    // the last one, after two panels' rank-4 updates; the pivoted factorization keeps 12.
    Eigen::MatrixXd F2 = F;
    F2.col(12) = F2.col(1);
    const Eigen::MatrixXd G2 = F2.transpose() * F2;
    for (Eigen::Index j = 0; j < k; ++j) d[static_cast<std::size_t>(j)] = 1 / std::sqrt(G2(j, j));
    std::vector<Eigen::Index> passive(13);
    for (Eigen::Index j = 0; j < 13; ++j) passive[static_cast<std::size_t>(j)] = j;
    detail::BppFactor definite, pivoted;
    definite.compute_definite(G2.data(), k, d, passive, eps);
    pivoted.compute(G2.data(), k, d, passive, eps);
    EXPECT_EQ(definite.rank(), 12);
    EXPECT_EQ(definite.vars(), pivoted.vars());
}

TEST(BppSteps, CapIsLinearInK) {
    EXPECT_EQ(bpp_max_steps(1), 60);
    EXPECT_EQ(bpp_max_steps(20), 250);
}

// NeNMF's subproblem solver (src/updates/nenmf.hpp) against the exact NNLS solution.

// f(X) = ½ tr(X G Xᵀ) − tr(Bᵀ X), naively.
double subproblem_objective(const Eigen::MatrixXd& G, const Eigen::MatrixXd& B,
                            const Eigen::MatrixXd& X) {
    double f = 0;
    for (Eigen::Index i = 0; i < X.rows(); ++i)
        for (Eigen::Index a = 0; a < X.cols(); ++a) {
            double xg = 0;
            for (Eigen::Index b = 0; b < X.cols(); ++b) xg += X(i, b) * G(b, a);
            f += X(i, a) * (0.5 * xg - B(i, a));
        }
    return f;
}

TEST(Nenmf, LipschitzBoundIsAnUpperBoundAndTight) {
    for (std::uint64_t seed : {1u, 2u, 3u}) {
        const Eigen::MatrixXd F = uniform<double>(30, 6, static_cast<unsigned>(seed));
        const Eigen::MatrixXd G = F.transpose() * F;  // ≥ 0 entrywise
        const double lambda = symmetric_eigenvalues(G).maxCoeff();
        const double L = detail::lipschitz_bound(G);
        EXPECT_GE(L, lambda * (1 - 1e-14));
        EXPECT_LE(L, lambda * (1 + 1e-6));
    }
    // A Gram with an unused component (zero row and column) and mixed signs still gets a bound.
    Eigen::MatrixXd G = normal(8, 4, 5).transpose() * normal(8, 4, 5);
    G.row(2).setZero();
    G.col(2).setZero();
    const double lambda = symmetric_eigenvalues(G).maxCoeff();
    EXPECT_GE(detail::lipschitz_bound(G), lambda * (1 - 1e-14));
    EXPECT_EQ(detail::lipschitz_bound(Eigen::MatrixXd::Zero(3, 3)), 0.0);
}

TEST(Nenmf, ConvergesToTheExactNnlsSolutionAndItsKktPoint) {
    // B = A F − l1 with a large l1 so that many constraints are active at the solution.
    const Eigen::MatrixXd F = uniform<double>(40, 5, 11);
    const Eigen::MatrixXd A = uniform<double>(25, 40, 12);
    const Eigen::MatrixXd G = F.transpose() * F;
    const Eigen::MatrixXd B = (A * F).array() - 0.25 * (A * F).mean();
    Eigen::MatrixXd exact = uniform<double>(25, 5, 13);
    bpp_nnls(G, B, exact);
    ASSERT_GT((exact.array() == 0).count(), 5);  // active constraints
    Eigen::MatrixXd X = uniform<double>(25, 5, 14);
    detail::nenmf_update(G, B, X, 20000, 1e-12, [](double v) { return v; });
    EXPECT_LE((X - exact).norm(), 1e-6 * exact.norm());
    // KKT: X ≥ 0, ∇f = X G − B ≥ 0, X ⊙ ∇f = 0.
    const Eigen::MatrixXd grad = X * G - B;
    EXPECT_GE(X.minCoeff(), 0.0);
    EXPECT_LT(X.cwiseMin(grad).norm(), 1e-8 * grad.norm());
    EXPECT_GE(grad.minCoeff(), -1e-8 * grad.norm());
}

TEST(Nenmf, EveryInnerBudgetDecreasesTheSubproblemObjective) {
    const Eigen::MatrixXd F = uniform<double>(40, 6, 21);
    const Eigen::MatrixXd A = uniform<double>(30, 40, 22);
    const Eigen::MatrixXd G = F.transpose() * F, B = A * F;
    const Eigen::MatrixXd X0 = uniform<double>(30, 6, 23, 0, 3);
    double prev = subproblem_objective(G, B, X0);
    for (int inner = 1; inner <= 64; inner *= 2) {
        Eigen::MatrixXd X = X0;
        detail::nenmf_update(G, B, X, inner, 0.0, [](double v) { return v; });
        const double f = subproblem_objective(G, B, X);
        EXPECT_LE(f, prev + 1e-12 * std::abs(prev)) << inner << " inner iterations";
        EXPECT_GE(X.minCoeff(), 0.0);
        prev = f;
    }
}

// Near the solution in float32, ∇ᴾf stops falling at the rounding of X G and B in float, and the δ
// test (relative to a start at that level) never fires: without the rounding floor this call
// made all 200 inner iterations (a float32 fit: every iteration of its budget, docs/benchmarks.md).
TEST(Nenmf, FloatIterationsStopAtTheRoundingFloor) {
    const Eigen::Index rows = 2000, n = 300, k = 20;
    const Eigen::MatrixXd W = uniform<double>(rows, k, 31, 0.05, 1);
    const Eigen::MatrixXd F = uniform<double>(n, k, 32, 0.05, 1);
    const Eigen::MatrixXf Ff = F.cast<float>();
    const Eigen::MatrixXf G = Ff.transpose() * Ff;
    const Eigen::MatrixXf B = (W * F.transpose()).cast<float>() * Ff;
    const auto plain = [](double v) { return v; };
    Eigen::MatrixXf X = uniform<float>(rows, k, 33, 0.05, 1);
    // Far from the solution the floor does not decide: with δ = 0, 20 iterations are made.
    EXPECT_EQ(detail::nenmf_update(G, B, X, 20, 0.0, plain), 20);
    for (int call = 0; call < 40; ++call) detail::nenmf_update(G, B, X, 200, 0.1, plain);
    ASSERT_LE((X - W.cast<float>()).norm(), 1e-3 * W.norm());  // at the planted solution
    const Eigen::MatrixXf converged = X;
    EXPECT_LE(detail::nenmf_update(G, B, X, 200, 0.1, plain), 3);
    EXPECT_LE((X - converged).norm(), 1e-5 * converged.norm());
}

}  // namespace
}  // namespace nmfkit::test
