// The sparse kernels (src/linalg/sparse_kernels.hpp) against naive dense products written here, for
// every lane class (k at and around each multiple of the lane step, the largest blocked k and the
// generic loops beyond it), both scalar types, both orientations, empty slices; and the vector
// logarithm (src/linalg/vector_log.hpp) against glibc's; the dense streaming products
// (src/linalg/dense_kernels.hpp) against naive loops, at every tile remainder; and the HALS sweeps
// (src/updates/hals.hpp) against a serial loop written here, at 1 and 2 threads; and the update
// rules' elementwise kernels (src/linalg/update_kernels.hpp: MU, β entries, KL weights, the HALS
// block sweep, the KL coordinate-descent derivatives) against their formulas in double.
// The kernels run through the table of the active target (src/linalg/kernels.hpp): ctest runs this
// program once per target with NMFKIT_ISA set (tests/CMakeLists.txt), and a run whose target the
// CPU lacks is skipped, not passed. Every target must meet the same tolerances: they differ only
// by rounding (fused multiply-adds, vector widths), each entry's summation order being fixed by
// the shapes.

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <omp.h>

#include <Eigen/Sparse>

#include "data/dense.hpp"
#include "data/sparse.hpp"
#include "data/transposed.hpp"
#include "engine/any_data.hpp"
#include "linalg/gram.hpp"
#include "linalg/kernels.hpp"
#include "linalg/vector_exp.hpp"
#include "linalg/vector_log.hpp"
#include "loss/beta.hpp"
#include "loss/kl.hpp"
#include "updates/cd_kl.hpp"
#include "updates/hals.hpp"

#include "isa_environment.hpp"

namespace {

using nmfkit::Matrix;
using nmfkit::detail::Isa;

// The run tests the target it was asked for: NMFKIT_ISA selects it, and a target the CPU has is
// never replaced by another.
TEST(Dispatch, ActiveTargetIsTheRequestedOne) {
    const auto isa = nmfkit_test::requested_isa();
    if (!isa) GTEST_SKIP() << "NMFKIT_ISA names no target";
    EXPECT_EQ(nmfkit::detail::kernels().isa, *isa);
    EXPECT_NE(nmfkit::detail::kernels_for(*isa), nullptr);
    // The targets below the best are all available; those above it are not handed out.
    for (Isa other : {Isa::baseline, Isa::avx2, Isa::avx512})
        EXPECT_EQ(nmfkit::detail::kernels_for(other) != nullptr,
                  static_cast<int>(other) <= static_cast<int>(nmfkit::detail::best_isa()));
}
using nmfkit::detail::Columns;
using nmfkit::detail::Compressed;

/// A random m x n matrix with about `density` of its entries stored (explicit zeros included),
/// as CSC arrays, with some empty columns and rows; also dense.
template <class T>
struct Sparse {
    Eigen::Index m, n;
    std::vector<int> ptr, index;
    std::vector<T> values;
    Matrix<double> dense;

    Sparse(Eigen::Index rows, Eigen::Index cols, double density, unsigned seed)
        : m(rows), n(cols), dense(Matrix<double>::Zero(rows, cols)) {
        std::mt19937 gen(seed);
        std::uniform_real_distribution<double> u(0, 1);
        ptr.push_back(0);
        for (Eigen::Index j = 0; j < n; ++j) {
            for (Eigen::Index i = 0; i < m; ++i)
                if (j % 7 != 3 && i % 5 != 2 && u(gen) < density) {
                    const T v = u(gen) < 0.05 ? T(0) : static_cast<T>(0.1 + 3 * u(gen));
                    index.push_back(static_cast<int>(i));
                    values.push_back(v);
                    dense(i, j) = v;
                }
            ptr.push_back(static_cast<int>(index.size()));
        }
    }
    Compressed<T, int> csc() const { return {n, m, ptr.data(), index.data(), values.data()}; }
};

template <class T>
Matrix<T> positive(Eigen::Index rows, Eigen::Index cols, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<double> u(0.05, 1);
    Matrix<T> X(rows, cols);
    for (Eigen::Index j = 0; j < cols; ++j)
        for (Eigen::Index i = 0; i < rows; ++i) X(i, j) = static_cast<T>(u(gen));
    return X;
}

template <class T>
double tolerance() {
    return std::is_same_v<T, float> ? 2e-5 : 1e-12;
}

template <class T>
double relative(const Matrix<T>& got, const Matrix<double>& want) {
    return (got.template cast<double>() - want).norm() / std::max(want.norm(), 1e-300);
}

template <class T>
class Kernels : public ::testing::Test {};
using Scalars = ::testing::Types<float, double>;
TYPED_TEST_SUITE(Kernels, Scalars);

// k around every lane boundary for both types, the largest blocked k (64) and the generic loops.
const std::vector<Eigen::Index> ranks = {1, 3, 4, 5, 8, 9, 16, 20, 24, 33, 50, 64, 65, 70};

TYPED_TEST(Kernels, GatherAndScatterEqualDenseProducts) {
    using T = TypeParam;
    const Sparse<T> A(301, 203, 0.3, 1);  // enough entries for both threads
    for (Eigen::Index k : ranks) {
        SCOPED_TRACE("k = " + std::to_string(k));
        const Matrix<T> W = positive<T>(A.m, k, 2), H = positive<T>(A.n, k, 3);
        // Aᵀ W (n x k) by gathering over the columns; A H (m x k) by scattering from them.
        Matrix<T> AtW, AH;
        nmfkit::detail::gather(A.csc(), Columns<T>(W), AtW);
        nmfkit::detail::scatter(A.csc(), Columns<T>(H), AH);
        ASSERT_EQ(AtW.rows(), A.n);  // the gather writes the tall layout, the scatter k x m
        ASSERT_EQ(AtW.cols(), k);
        ASSERT_EQ(AH.rows(), k);
        ASSERT_EQ(AH.cols(), A.m);
        const Matrix<double> AtW_ref = A.dense.transpose() * W.template cast<double>();
        const Matrix<double> AH_ref = (A.dense * H.template cast<double>()).transpose();
        EXPECT_LT(relative(AtW, AtW_ref), tolerance<T>());
        EXPECT_LT(relative(AH, AH_ref), tolerance<T>());
        // An empty column of A (3) gives a zero row of AᵀW and an empty row (2) a zero column of
        // the scatter's k x m AH, not leftovers of the lanes.
        EXPECT_EQ(AtW.row(3).norm(), 0);
        EXPECT_EQ(AH.col(2).norm(), 0);
    }
}

TYPED_TEST(Kernels, KullbackLeiblerKernelsEqualNaiveRatiosAndDivergence) {
    using T = TypeParam;
    const Sparse<T> A(233, 157, 0.35, 4);
    const T floor = std::numeric_limits<T>::min();
    for (Eigen::Index k : ranks) {
        SCOPED_TRACE("k = " + std::to_string(k));
        const Matrix<T> W = positive<T>(A.m, k, 5), H = positive<T>(A.n, k, 6);
        const Matrix<double> WH = W.template cast<double>() * H.template cast<double>().transpose();
        // The ratio A ⊘ WH at the stored entries and Σ v log(v/wh) − v over them, naively.
        Matrix<double> R = Matrix<double>::Zero(A.m, A.n);
        double terms = 0;
        for (Eigen::Index j = 0; j < A.n; ++j)
            for (int p = A.ptr[static_cast<std::size_t>(j)];
                 p < A.ptr[static_cast<std::size_t>(j) + 1]; ++p) {
                const Eigen::Index i = A.index[static_cast<std::size_t>(p)];
                const double v = A.values[static_cast<std::size_t>(p)];
                R(i, j) = v / WH(i, j);
                if (v > 0) terms += v * std::log(v / WH(i, j)) - v;
            }
        const Matrix<double> RtW = R.transpose() * W.template cast<double>();   // n x k
        const Matrix<double> RH = (R * H.template cast<double>()).transpose();  // k x m
        for (bool divergence : {false, true}) {
            Matrix<T> out_h, out_w;
            // H's numerator by gathering over the columns (X = H), W's by scattering (X = W).
            const nmfkit::detail::KullbackLeibler<T> kl{floor};
            const double d_h = nmfkit::detail::sampled_gather(A.csc(), Columns<T>(H), Columns<T>(W),
                                                              kl, out_h, divergence);
            const double d_w = nmfkit::detail::sampled_scatter(
                A.csc(), Columns<T>(H), Columns<T>(W), kl, out_w, divergence);
            EXPECT_LT(relative(out_h, RtW), tolerance<T>() * 10);
            EXPECT_LT(relative(out_w, RH), tolerance<T>() * 10);
            const double want = divergence ? terms : 0.0;
            EXPECT_NEAR(d_h, want, tolerance<T>() * 10 * std::abs(terms));
            EXPECT_NEAR(d_w, want, tolerance<T>() * 10 * std::abs(terms));
            // float: the one-pass gather (k ≤ max_lanes) keeps each entry's wh, the same dot
            // product the scatter's two-pass form takes over the same slices, and the terms of
            // both come from double quotients of it: the divergences agree bit for bit.
            if constexpr (std::is_same_v<T, float>) {
                EXPECT_EQ(d_h, d_w);
            }
        }
        // Σ v·wh over the stored entries.
        const double cross = nmfkit::detail::sampled_cross(A.csc(), Columns<T>(H), Columns<T>(W));
        EXPECT_NEAR(cross, A.dense.cwiseProduct(WH).sum(), tolerance<T>() * 10 * std::abs(cross));
        // With double factors (float V's exact objective anchor, data/sparse.hpp): the products
        // and sums in double, so the naive double sum to double rounding, not float's.
        if constexpr (!std::is_same_v<T, double>) {
            const Matrix<double> Wd = W.template cast<double>(), Hd = H.template cast<double>();
            const double cross_d =
                nmfkit::detail::sampled_cross(A.csc(), Columns<double>(Hd), Columns<double>(Wd));
            EXPECT_NEAR(cross_d, A.dense.cwiseProduct(WH).sum(), 1e-12 * std::abs(cross_d));
        }
    }
}

// The dense kernels are tested on every target, though the adapters use them only where the
// target's streaming_max_k says so (AVX-512; AVX2 + FMA up to k = 32). Shapes: rows around the
// panel (AVX-512: 4 vectors, 32 doubles or 64 floats; AVX2: 2 vectors, 8 doubles or 16 floats)
// and past the prefetch distance, columns around the tile widths (6, 4, 3) and the column blocks
// (32 for k ≤ 24, 48 above), k around the column groups (6 and 4) and past a row block of Aᵀ·F
// (k = 50: 648 rows of doubles); a leading dimension larger than m.
TYPED_TEST(Kernels, DenseStreamingProductsEqualNaiveLoops) {
    using T = TypeParam;
    struct Shape {
        Eigen::Index m, n, k;
    };
    const std::vector<Shape> shapes = {{1, 1, 1},     {7, 5, 3},    {31, 6, 4},   {32, 7, 5},
                                       {33, 13, 6},   {64, 1, 7},   {65, 2, 12},  {100, 513, 13},
                                       {257, 40, 20}, {700, 9, 50}, {3, 600, 24}, {130, 100, 30},
                                       {47, 97, 11}};
    std::mt19937 gen(9);
    std::uniform_real_distribution<double> u(0, 1);
    for (const Shape& s : shapes) {
        SCOPED_TRACE("m = " + std::to_string(s.m) + ", n = " + std::to_string(s.n) +
                     ", k = " + std::to_string(s.k));
        const Eigen::Index ld = s.m + 3;
        std::vector<T> storage(static_cast<std::size_t>(ld * s.n),
                               T(-7));  // padding must not be read
        Matrix<double> A(s.m, s.n);
        for (Eigen::Index j = 0; j < s.n; ++j)
            for (Eigen::Index i = 0; i < s.m; ++i) {
                const T v = u(gen) < 0.3 ? T(0) : static_cast<T>(u(gen));
                storage[static_cast<std::size_t>(j * ld + i)] = v;
                A(i, j) = v;
            }
        const Matrix<T> H = positive<T>(s.n, s.k, 10), W = positive<T>(s.m, s.k, 11);
        Matrix<double> AH = Matrix<double>::Zero(s.m, s.k), AtW = Matrix<double>::Zero(s.n, s.k);
        for (Eigen::Index c = 0; c < s.k; ++c)
            for (Eigen::Index j = 0; j < s.n; ++j)
                for (Eigen::Index i = 0; i < s.m; ++i) {
                    AH(i, c) += A(i, j) * static_cast<double>(H(j, c));
                    AtW(j, c) += A(i, j) * static_cast<double>(W(i, c));
                }
        Matrix<T> got_AH, got_AtW, again_AH, again_AtW;
        omp_set_num_threads(2);
        nmfkit::detail::dense_times(storage.data(), s.m, s.n, ld, H, got_AH);
        nmfkit::detail::dense_transpose_times(storage.data(), s.m, s.n, ld, W, got_AtW);
        ASSERT_EQ(got_AH.rows(), s.m);
        ASSERT_EQ(got_AH.cols(), s.k);
        ASSERT_EQ(got_AtW.rows(), s.n);
        ASSERT_EQ(got_AtW.cols(), s.k);
        EXPECT_LT(relative(got_AH, AH), tolerance<T>());
        EXPECT_LT(relative(got_AtW, AtW), tolerance<T>());
        // The same bits with one thread: the summation order does not depend on the team.
        omp_set_num_threads(1);
        nmfkit::detail::dense_times(storage.data(), s.m, s.n, ld, H, again_AH);
        nmfkit::detail::dense_transpose_times(storage.data(), s.m, s.n, ld, W, again_AtW);
        omp_set_num_threads(2);
        EXPECT_TRUE(again_AH == got_AH);
        EXPECT_TRUE(again_AtW == got_AtW);
    }
}

// The Gram and MU's X·G for tall factors go through the same kernels where the target uses them
// (BLAS elsewhere):
// equal to naive sums, and the Gram exactly symmetric.
TYPED_TEST(Kernels, GramAndTallProductEqualNaiveSums) {
    using T = TypeParam;
    for (Eigen::Index rows : {1, 37, 1000, 5003})
        for (Eigen::Index k : {1, 5, 20, 33}) {
            SCOPED_TRACE("rows = " + std::to_string(rows) + ", k = " + std::to_string(k));
            const Matrix<T> F = positive<T>(rows, k, 12), G = positive<T>(k, k, 13);
            Matrix<double> FtF = Matrix<double>::Zero(k, k), FG = Matrix<double>::Zero(rows, k);
            for (Eigen::Index a = 0; a < k; ++a)
                for (Eigen::Index b = 0; b < k; ++b)
                    for (Eigen::Index i = 0; i < rows; ++i) {
                        FtF(a, b) += static_cast<double>(F(i, a)) * static_cast<double>(F(i, b));
                        FG(i, b) += static_cast<double>(F(i, a)) * static_cast<double>(G(a, b));
                    }
            Matrix<T> gram, product;
            nmfkit::detail::gram(F, gram);
            nmfkit::detail::tall_times(F, G, product);
            EXPECT_LT(relative(gram, FtF), tolerance<T>());
            EXPECT_TRUE(gram == gram.transpose());
            EXPECT_LT(relative(product, FG), tolerance<T>());
        }
}

/// |got − want| ≤ ulps · ε_T · max(|want|, smallest normal), entry by entry (an elementwise kernel
/// rounds each entry a few times; fused multiply-adds move a rounding).
template <class T>
::testing::AssertionResult close_entries(const std::vector<T>& got, const std::vector<double>& want,
                                         double ulps) {
    const double eps = std::numeric_limits<T>::epsilon();
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double bound =
            ulps * eps * std::max(std::abs(want[i]), double{std::numeric_limits<T>::min()});
        if (!(std::abs(static_cast<double>(got[i]) - want[i]) <= bound))
            return ::testing::AssertionFailure()
                   << "entry " << i << ": " << got[i] << " vs " << want[i];
    }
    return ::testing::AssertionSuccess();
}

/// close_entries for powers y^p (the β updates' beta_pow, src/linalg/vector_exp.hpp): each entry
/// may also be off by 4·|p·log y| ulp of double (what e^(p·log y) costs against glibc's pow, the
/// naive reference here; VectorPow below), on every target.
template <class T>
::testing::AssertionResult close_powers(const std::vector<T>& got, const std::vector<double>& want,
                                        double ulps, const std::vector<double>& p_log_y) {
    const double eps = std::numeric_limits<T>::epsilon(), eps64 = 0x1p-52;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double rel = ulps * eps + 4 * std::abs(p_log_y[i]) * eps64;
        const double bound =
            rel * std::max(std::abs(want[i]), double{std::numeric_limits<T>::min()});
        if (!(std::abs(static_cast<double>(got[i]) - want[i]) <= bound))
            return ::testing::AssertionFailure()
                   << "entry " << i << ": " << got[i] << " vs " << want[i];
    }
    return ::testing::AssertionSuccess();
}

// The elementwise update kernels of the active target (src/linalg/update_kernels.hpp) against the
// formulas of src/updates/mu.hpp evaluated in double here: lengths around every vector width, the
// floor under the denominator (zeros), entries that underflow to 0, and an L1/L2 penalty.
TYPED_TEST(Kernels, ElementwiseUpdatesEqualTheirFormulas) {
    using T = TypeParam;
    const auto& kern = nmfkit::detail::update_kernels<T>();
    const double tiny = std::numeric_limits<T>::min();
    std::mt19937 gen(31);
    std::uniform_real_distribution<double> u(0.01, 2);
    for (Eigen::Index n : {1, 3, 7, 8, 17, 64, 301}) {
        SCOPED_TRACE("n = " + std::to_string(n));
        const auto size = static_cast<std::size_t>(n);
        std::vector<T> x(size), a(size), d(size);
        for (std::size_t i = 0; i < size; ++i) {
            x[i] = static_cast<T>(u(gen));
            a[i] = i % 5 == 1 ? T(0) : static_cast<T>(u(gen));
            d[i] = i % 6 == 2 ? T(0) : static_cast<T>(u(gen));
            if (i % 9 == 4) x[i] = static_cast<T>(tiny * 1.5);  // x·a/d underflows: flushed
            if (d[i] == 0) x[i] = T(0.5);  // a / tiny stays below the overflow threshold
        }
        for (const double l1 : {0.0, 0.25}) {
            // Frobenius: x ⊙ a ⊘ max(d + l1, tiny)
            std::vector<T> got = x;
            kern.mu_frobenius(got.data(), a.data(), d.data(), n, static_cast<T>(l1));
            std::vector<double> want(size);
            for (std::size_t i = 0; i < size; ++i) {
                const double den =
                    std::max<double>(static_cast<T>(d[i] + static_cast<T>(l1)), tiny);
                want[i] = x[i] * (a[i] / den);
                if (std::abs(want[i]) < tiny) want[i] = 0;
            }
            EXPECT_TRUE(close_entries(got, want, 3)) << "mu_frobenius, l1 = " << l1;
            // KL: x ⊙ numerator ⊘ max(c + l2 x, tiny); c = 0 puts the floor under l2 x at
            // x = 1.5 tiny
            for (const double c : {0.0, 1.5}) {
                const double l2 = 0.5;
                got = x;
                kern.mu_kl(got.data(), a.data(), n, static_cast<T>(c), static_cast<T>(l2));
                for (std::size_t i = 0; i < size; ++i) {
                    want[i] = x[i] * (a[i] / std::max(c + l2 * x[i], tiny));
                    if (std::abs(want[i]) < tiny) want[i] = 0;
                }
                EXPECT_TRUE(close_entries(got, want, 4)) << "mu_kl, c = " << c;
            }
            // β: x ⊙ (a ⊘ max(d + l1 + l2 x, tiny))^γ, in double
            for (const double gamma : {1.0, 0.5, 2.0 / 3.0}) {
                got = x;
                kern.mu_beta(got.data(), a.data(), d.data(), n, l1, 2 * l1, gamma);
                std::vector<double> p_log_y(size);
                for (std::size_t i = 0; i < size; ++i) {
                    const double ratio = a[i] / std::max(d[i] + l1 + 2 * l1 * x[i], tiny);
                    want[i] = x[i] * std::pow(ratio, gamma);
                    if (std::abs(want[i]) < tiny) want[i] = 0;
                    p_log_y[i] = ratio > 0 ? gamma * std::log(ratio) : 0.0;
                }
                EXPECT_TRUE(close_powers(got, want, 4, p_log_y)) << "mu_beta, gamma = " << gamma;
            }
        }
        // The KL weights v ⊘ max(wh, floor), in place.
        const T floor = nmfkit::detail::kl_floor<T>();
        std::vector<T> wh = d;
        nmfkit::detail::kl_weights(a.data(), wh.data(), n, floor);
        std::vector<double> want(size);
        for (std::size_t i = 0; i < size; ++i) want[i] = a[i] / std::max<double>(d[i], floor);
        EXPECT_TRUE(close_entries(wh, want, 2)) << "kl_weights";
    }
}

// The entrywise part of the β products (src/loss/beta.hpp) of the active target against
// beta_divergence_entry and the powers of y, for the vector loops (β = 0, 1, 2) and the pow loop:
// zeros of A (β > 0), y below the floor and y = 0.
TYPED_TEST(Kernels, BetaEntriesEqualTheDivergenceAndPowers) {
    using T = TypeParam;
    const auto& kern = nmfkit::detail::update_kernels<T>();
    std::mt19937 gen(33);
    std::uniform_real_distribution<double> u(0.01, 3);
    for (const double beta : {0.0, 1.0, 2.0, 0.5, 1.5, 3.0}) {
        const double floor = nmfkit::detail::beta_floor<T>(beta);
        for (Eigen::Index n : {1, 5, 8, 19, 300}) {
            SCOPED_TRACE("beta = " + std::to_string(beta) + ", n = " + std::to_string(n));
            const auto size = static_cast<std::size_t>(n);
            std::vector<T> x(size), y(size);
            for (std::size_t q = 0; q < size; ++q) {
                x[q] = beta > 0 && q % 4 == 1 ? T(0) : static_cast<T>(u(gen));
                y[q] = q % 7 == 3   ? T(0)
                       : q % 7 == 5 ? static_cast<T>(floor / 4)
                                    : static_cast<T>(u(gen));
            }
            double want_d = 0;
            std::vector<double> want_r(size), want_y(size), p_log_y(size);
            for (std::size_t q = 0; q < size; ++q) {
                const double xq = x[q], yq = std::max<double>(y[q], floor);
                want_d += nmfkit::detail::beta_divergence_entry(
                    xq, xq > 0 ? yq : std::max<double>(y[q], 0.0), beta);
                want_r[q] = xq * std::pow(yq, beta - 2);
                want_y[q] = std::pow(yq, beta - 1);
                p_log_y[q] = (beta - 2) * std::log(yq);
            }
            for (const bool divergence : {false, true}) {
                std::vector<T> r = x, w = y;
                const double d = kern.beta_entries(r.data(), w.data(), n, beta, floor, divergence);
                EXPECT_TRUE(close_powers(r, want_r, 4, p_log_y)) << "x y^(beta-2)";
                EXPECT_TRUE(close_powers(w, want_y, 4, p_log_y)) << "y^(beta-1)";
                // Float Itakura-Saito terms are taken in float from AVX2 up (linalg/
                // update_kernels.hpp, is_float_terms): each within 2⁻¹⁹·t + 2⁻⁴⁹ (the floor
                // rounded to float moves a floored term by 2⁻²⁴ of itself).
                const bool float_is = std::is_same_v<T, float> && beta == 0;
                EXPECT_NEAR(d, divergence ? want_d : 0.0,
                            float_is ? 0x1p-19 * want_d + static_cast<double>(n) * 0x1p-49
                                     : 1e-12 * want_d);
            }
        }
    }
}

// The KL coordinate-descent derivatives (src/updates/cd_kl.hpp) of the active target against
// plain sums: at v, and at the trial values max(0, u + δf), which must be stored too.
TYPED_TEST(Kernels, CoordinateDescentDerivativesEqualPlainSums) {
    using T = TypeParam;
    const auto& kern = nmfkit::detail::update_kernels<T>();
    std::mt19937 gen(32);
    std::uniform_real_distribution<double> u(0.01, 2);
    const double floor = 1e-3;
    for (Eigen::Index n : {0, 1, 5, 8, 16, 33, 64, 257}) {  // the kernels' lanes: 16
        SCOPED_TRACE("n = " + std::to_string(n));
        const auto size = static_cast<std::size_t>(n);
        std::vector<T> a(size);
        std::vector<double> f(size), v(size), trial(size, -1.0);
        for (std::size_t p = 0; p < size; ++p) {
            a[p] = p % 4 == 3 ? T(0) : static_cast<T>(u(gen));
            f[p] = u(gen);
            v[p] = p % 7 == 0 ? 1e-6 : u(gen);  // below the floor
        }
        const std::vector<double> ad(a.begin(), a.end());  // the kernels take a in double
        for (const double delta : {0.0, 0.3, -0.7}) {
            double g = 0, h = 0, growth = n % 16 == 0 ? 0.0 : 1.0;  // padded lanes: 1
            std::vector<double> at(size);
            for (std::size_t p = 0; p < size; ++p) {
                at[p] = delta == 0 ? v[p] : std::max(0.0, v[p] + delta * f[p]);
                const double q = f[p] / std::max(at[p], floor);
                g += a[p] * q;
                h += a[p] * q * q;
                growth = std::max(growth, std::max(v[p], floor) / std::max(at[p], floor));
            }
            double gh[3] = {-1, -1, -1};
            std::vector<double> w(size, -1.0);
            if (delta == 0) {
                kern.cd_kl_inverse(v.data(), n, floor, w.data());
                for (std::size_t p = 0; p < size; ++p)
                    EXPECT_EQ(w[p], 1.0 / std::max(v[p], floor)) << "p = " << p;
                kern.cd_kl_derivatives(ad.data(), f.data(), w.data(), n, gh);
            } else {
                kern.cd_kl_trial_growth(ad.data(), f.data(), v.data(), delta, n, floor,
                                        trial.data(), w.data(), gh);
                double plain[3] = {-1, -1, -1};  // the same without the growth
                std::vector<double> trial2(size), w2(size);
                kern.cd_kl_trial(ad.data(), f.data(), v.data(), delta, n, floor, trial2.data(),
                                 w2.data(), plain);
                EXPECT_EQ(plain[0], gh[0]);
                EXPECT_EQ(plain[1], gh[1]);
                EXPECT_EQ(plain[2], -1.0);
                EXPECT_TRUE(trial2 == trial && w2 == w);
                for (std::size_t p = 0; p < size; ++p) {  // a fused multiply-add may round once
                    const double dv = 1e-15 * (v[p] + std::abs(delta * f[p]));
                    EXPECT_NEAR(trial[p], at[p], dv);
                    // w's error: the trial value's (dv / m²) and its own rounding
                    const double m = std::max(at[p], floor);
                    EXPECT_NEAR(w[p], 1 / m, dv / (m * m) + 1e-15 / m);
                }
                // How much 1 / max(·, floor) grows from v to the trial values, at most (the
                // screening bound): two roundings of the quotient apart.
                EXPECT_NEAR(gh[2], growth, 1e-15 * growth) << "delta = " << delta;
            }
            // Positive terms: only the summation order (and a trial value's rounding) differ.
            const double rel = delta == 0 ? 1e-13 : 1e-11;
            EXPECT_NEAR(gh[0], g, rel * g) << "delta = " << delta;
            EXPECT_NEAR(gh[1], h, rel * h) << "delta = " << delta;
        }
    }
}

// The KL coordinate descent's indexed loops (src/updates/cd_kl.hpp) of the active target, for both
// index types, against plain loops: a factor column taken at a row's indices (exact), u += x·f at
// them (one rounding apart where a multiply-add is fused), and the row's KL terms against std::log.
template <class I, class T>
void expect_indexed_loops_equal_plain_ones() {
    const auto& kern = nmfkit::detail::update_kernels<T>();
    const auto& indexed = nmfkit::detail::indexed_kernels<I>(kern);
    std::mt19937 gen(33);
    std::uniform_real_distribution<double> u(0.01, 2);
    std::vector<T> f(1000);
    for (auto& x : f) x = static_cast<T>(u(gen));
    for (Eigen::Index n : {0, 1, 7, 64, 300}) {
        SCOPED_TRACE("n = " + std::to_string(n));
        const auto size = static_cast<std::size_t>(n);
        std::vector<I> idx(size);
        std::vector<T> a(size);
        std::vector<double> base(size);
        for (std::size_t p = 0; p < size; ++p) {
            idx[p] = static_cast<I>((p * 37 + 11) % f.size());  // scattered, increasing or not
            a[p] = p % 5 == 2 ? T(0) : static_cast<T>(u(gen));
            base[p] = p % 9 == 0 ? 1e-9 : u(gen);  // some below the floor
        }
        std::vector<double> taken(size, -1.0), added = base;
        indexed.take(idx.data(), f.data(), n, taken.data());
        // take_rows from f read as a k x (1000 / k) transpose: G(r, p) = f[(idx[p] % cols) · k + r],
        // for k below, at and past the four coordinates the kernel transposes at a time and with
        // each remainder of four; also take_screen. Both sum u as add_scaled does coordinate by
        // coordinate (bit for bit), take_rows over every coordinate, zeros among them.
        for (const Eigen::Index k : {1, 4, 7, 9, 16, 20, 27, 37}) {
            const auto cols = static_cast<std::size_t>(1000 / k);
            std::vector<I> idx_k(size);
            for (std::size_t p = 0; p < size; ++p) idx_k[p] = static_cast<I>(idx[p] % cols);
            const double floor_u = 0.5;  // some u below it
            // u and w as the coordinate-by-coordinate form makes them, over the coordinates
            // with x != 0 in order (add_scaled on a column of the transpose).
            const auto by_coordinate = [&](const std::vector<Eigen::Index>& coords,
                                           const std::vector<double>& xs) {
                std::vector<double> want_u(size, 0.0), want_w(size);
                std::vector<T> column(cols);
                for (std::size_t j = 0; j < coords.size(); ++j) {
                    if (xs[j] == 0) continue;
                    for (std::size_t c = 0; c < cols; ++c)
                        column[c] = f[c * static_cast<std::size_t>(k) +
                                      static_cast<std::size_t>(coords[j])];
                    indexed.add_scaled(idx_k.data(), column.data(), xs[j], n, want_u.data());
                }
                kern.cd_kl_inverse(want_u.data(), n, floor_u, want_w.data());
                return std::make_pair(want_u, want_w);
            };
            const std::size_t ld = size + 3;  // rows of G ld apart: the 3 between stay untouched
            std::vector<double> G(ld * static_cast<std::size_t>(k), -1.0), gu(size), gw(size);
            std::vector<Eigen::Index> all(static_cast<std::size_t>(k));
            std::vector<double> x_all(all.size());
            for (std::size_t r = 0; r < all.size(); ++r) {
                all[r] = static_cast<Eigen::Index>(r);
                x_all[r] = r % 3 == 1 ? 0.0 : u(gen);
            }
            nmfkit::detail::RowPass rows_pass;
            rows_pass.x = x_all.data();
            rows_pass.count = k;
            rows_pass.floor = floor_u;
            rows_pass.ld = static_cast<Eigen::Index>(ld);
            rows_pass.G = G.data();
            rows_pass.u = gu.data();
            rows_pass.w = gw.data();
            indexed.take_rows(idx_k.data(), f.data(), k, n, rows_pass);
            for (Eigen::Index r = 0; r < k; ++r) {
                for (std::size_t p = 0; p < size; ++p)
                    EXPECT_EQ(G[static_cast<std::size_t>(r) * ld + p],
                              static_cast<double>(f[static_cast<std::size_t>(idx_k[p] * k + r)]))
                        << "k = " << k << ", r = " << r << ", p = " << p;
                for (std::size_t p = size; p < ld; ++p)
                    EXPECT_EQ(G[static_cast<std::size_t>(r) * ld + p], -1.0) << "k = " << k;
            }
            const auto [all_u, all_w] = by_coordinate(all, x_all);
            for (std::size_t p = 0; p < size; ++p) {
                EXPECT_EQ(gu[p], all_u[p]) << "take_rows, k = " << k << ", p = " << p;
                EXPECT_EQ(gw[p], all_w[p]) << "take_rows, k = " << k << ", p = " << p;
            }
            // cd_kl_row_u from the G that take_rows filled: the same u and w, bit for bit (its
            // sixteen-entry blocks and the remainder both, n = 64 and 300).
            std::vector<double> ru(size, -1.0), rw(size, -1.0);
            kern.cd_kl_row_u(G.data(), static_cast<Eigen::Index>(ld), x_all.data(), k, n, floor_u,
                             ru.data(), rw.data());
            for (std::size_t p = 0; p < size; ++p) {
                EXPECT_EQ(ru[p], all_u[p]) << "cd_kl_row_u, k = " << k << ", p = " << p;
                EXPECT_EQ(rw[p], all_w[p]) << "cd_kl_row_u, k = " << k << ", p = " << p;
            }
            // take_screen for some coordinates (ascending, as the caller's), with values x,
            // on f and 3 zeros after it (the padding it may read past the last column): G as
            // take_rows', u and w as above, the screen against a plain sum.
            std::vector<T> padded(f);
            padded.resize(f.size() + 3, T(0));
            std::vector<Eigen::Index> some = {0, k / 2, k - 1};
            some.erase(std::unique(some.begin(), some.end()), some.end());
            const auto count = static_cast<Eigen::Index>(some.size());
            std::vector<double> x(some.size()), c(size);
            for (auto& v : x) v = u(gen);
            for (std::size_t p = 0; p < size; ++p) c[p] = p % 5 == 2 ? 0.0 : u(gen);
            std::vector<double> S(ld * some.size(), -1.0), su(size), sw(size);
            std::vector<double> screened(static_cast<std::size_t>((k + 3) / 4 * 4), -1.0);
            nmfkit::detail::RowPass row;
            row.rows = some.data();
            row.x = x.data();
            row.count = count;
            row.a = c.data();
            row.floor = floor_u;
            row.ld = static_cast<Eigen::Index>(ld);
            row.G = S.data();
            row.u = su.data();
            row.w = sw.data();
            row.screened = screened.data();
            indexed.take_screen(idx_k.data(), padded.data(), k, n, row);
            for (std::size_t j = 0; j < some.size(); ++j) {
                const auto r = static_cast<std::size_t>(some[j]);
                for (std::size_t p = 0; p < size; ++p)
                    EXPECT_EQ(S[j * ld + p], static_cast<double>(f[idx_k[p] * k + r]))
                        << "k = " << k << ", r = " << r << ", p = " << p;
                for (std::size_t p = size; p < ld; ++p) EXPECT_EQ(S[j * ld + p], -1.0);
            }
            const auto [want_u, want_w] = by_coordinate(some, x);
            for (std::size_t p = 0; p < size; ++p) {
                EXPECT_EQ(su[p], want_u[p]) << "k = " << k << ", p = " << p;
                EXPECT_EQ(sw[p], want_w[p]) << "k = " << k << ", p = " << p;
            }
            for (std::size_t r = 0; r < static_cast<std::size_t>(k); ++r) {
                double sum = 0;
                for (std::size_t p = 0; p < size; ++p)
                    sum += c[p] * want_w[p] * static_cast<double>(f[idx_k[p] * k + r]);
                EXPECT_NEAR(screened[r], sum, 1e-14 * sum) << "k = " << k << ", r = " << r;
            }
            // Again with the observed column sums (masked rows): the same outputs, and the sums.
            std::vector<double> observed(screened.size(), -1.0), again = screened;
            row.screened = again.data();
            row.observed = observed.data();
            indexed.take_screen(idx_k.data(), padded.data(), k, n, row);
            for (std::size_t r = 0; r < static_cast<std::size_t>(k); ++r) {
                EXPECT_EQ(again[r], screened[r]) << "k = " << k << ", r = " << r;
                double sum = 0;
                for (std::size_t p = 0; p < size; ++p)
                    sum += static_cast<double>(f[idx_k[p] * k + r]);
                EXPECT_NEAR(observed[r], sum, 1e-14 * sum) << "k = " << k << ", r = " << r;
            }
        }
        const double x = 0.37;
        indexed.add_scaled(idx.data(), f.data(), x, n, added.data());
        const double floor = 1e-6;
        double terms = 0, scale = 0;
        for (std::size_t p = 0; p < size; ++p) {
            const double fp = f[static_cast<std::size_t>(idx[p])];
            EXPECT_EQ(taken[p], fp) << "p = " << p;
            const double want = base[p] + x * fp;
            EXPECT_NEAR(added[p], want, 1e-15 * want) << "p = " << p;
            if (a[p] > 0) terms += a[p] * std::log(a[p] / std::max(base[p], floor)) - a[p];
            scale += std::abs(a[p] * 30);
        }
        EXPECT_NEAR(kern.cd_kl_terms(a.data(), base.data(), n, floor), terms, 1e-13 * scale);
    }
}

TYPED_TEST(Kernels, CoordinateDescentIndexedLoopsEqualPlainLoops) {
    expect_indexed_loops_equal_plain_ones<int, TypeParam>();
    expect_indexed_loops_equal_plain_ones<std::int64_t, TypeParam>();
}

// The Frobenius objective's column sums of the active target (data/dense.hpp's residual,
// engine/steps.hpp's half-step change) against plain double sums: only the order differs.
TYPED_TEST(Kernels, ResidualAndChangeTermsEqualPlainSums) {
    using T = TypeParam;
    const auto& kern = nmfkit::detail::update_kernels<T>();
    std::mt19937 gen(35);
    std::uniform_real_distribution<double> u(0, 2);
    for (Eigen::Index n : {0, 1, 3, 17, 1000}) {
        SCOPED_TRACE("n = " + std::to_string(n));
        const auto size = static_cast<std::size_t>(n);
        std::vector<T> a(size), x0(size), x1(size), s(size), af(size);
        std::vector<double> p(size);
        for (std::size_t i = 0; i < size; ++i) {
            a[i] = static_cast<T>(u(gen));
            p[i] = u(gen);
            x0[i] = static_cast<T>(u(gen));
            x1[i] = i % 3 == 0 ? x0[i] : static_cast<T>(u(gen));
            s[i] = static_cast<T>(u(gen));
            af[i] = static_cast<T>(u(gen));
        }
        double squares = 0, change = 0, change_scale = 0;
        for (std::size_t i = 0; i < size; ++i) {
            const double d = static_cast<double>(a[i]) - p[i];
            squares += d * d;
            const double e = static_cast<double>(x1[i]) - static_cast<double>(x0[i]);
            const double t = static_cast<double>(s[i]) - 2.0 * static_cast<double>(af[i]);
            change += e * t;
            change_scale += std::abs(e * t);
        }
        EXPECT_NEAR(kern.squared_difference(a.data(), p.data(), n), squares, 1e-14 * squares);
        EXPECT_NEAR(kern.change_terms(x0.data(), x1.data(), s.data(), af.data(), n), change,
                    1e-14 * change_scale);
    }
}

// The KL coordinate descent (src/updates/cd_kl.hpp) gives the same bits whether a row takes all of
// F(idx, :) at once (the default below cd_row_gather_max) or coordinate by coordinate (what rows
// longer than that take): both sum u over r in the same order, with the same kernels. The first
// form also screens the coordinates at 0 (skips those whose derivative it can bound as ≥ 0),
// which must not change a bit either: X starts with half its entries 0, and several sweeps run,
// so that coordinates move down and up before screened ones are reached; masked (observed only),
// also with missing entries, where the screen takes each row's observed column sums of F.
TYPED_TEST(Kernels, CoordinateDescentRowFormsGiveTheSameBits) {
    using T = TypeParam;
    std::mt19937 gen(34);
    std::uniform_real_distribution<double> u(0, 1);
    const Eigen::Index m = 37, n = 203, k = 6;
    Matrix<T> V(m, n), F(n, k), X(m, k);
    for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index i = 0; i < m; ++i)
            V(i, j) = u(gen) < 0.4 ? T(0) : static_cast<T>(3 * u(gen));
    for (auto* M : {&F, &X})
        for (Eigen::Index e = 0; e < M->size(); ++e)
            M->data()[e] = u(gen) < (M == &X ? 0.5 : 0.1) ? T(0) : static_cast<T>(u(gen) + 0.05);
    const nmfkit::detail::DenseData<T> A(V.data(), m, n, m);
    // No entry 0: every row stores every column, so the first form reads G from its shared copy
    // of F (G_all) and does not screen.
    Matrix<T> V_full = V;
    for (Eigen::Index e = 0; e < V_full.size(); ++e)
        if (V_full.data()[e] == T(0)) V_full.data()[e] = static_cast<T>(0.5 * u(gen) + 0.01);
    const nmfkit::detail::DenseData<T> A_full(V_full.data(), m, n, m);
    // Masked: 70 % of the entries observed (stored, zeros among them), so that a row's observed
    // column sums of F differ from F's column sums.
    Eigen::SparseMatrix<T, Eigen::ColMajor, int> S(m, n);
    std::vector<Eigen::Triplet<T, int>> stored;
    for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index i = 0; i < m; ++i)
            if (u(gen) < 0.7)
                stored.emplace_back(static_cast<int>(i), static_cast<int>(j), V(i, j));
    S.setFromTriplets(stored.begin(), stored.end());
    S.makeCompressed();
    const nmfkit::detail::SparseData<T, int> masked(m, n, S.outerIndexPtr(), S.innerIndexPtr(),
                                                    S.valuePtr(), true);
    const nmfkit::Penalty penalty{0.01, 0.02};
    const auto sweeps = [&](const auto& data, bool observed_only) {
        Matrix<T> X_at_once = X, X_by_coordinate = X;
        for (int sweep = 0; sweep < 4; ++sweep) {
            SCOPED_TRACE("sweep " + std::to_string(sweep));
            const double at_once = nmfkit::detail::cd_kl_update(data, F, X_at_once, penalty, 4,
                                                                true, {}, observed_only);
            const double by_coordinate = nmfkit::detail::cd_kl_update(
                data, F, X_by_coordinate, penalty, 4, true, {}, observed_only, 0);
            EXPECT_EQ(at_once, by_coordinate);
            EXPECT_TRUE(X_at_once == X_by_coordinate);
        }
        EXPECT_FALSE(X_at_once == X);  // the sweeps moved X
    };
    {
        SCOPED_TRACE("all entries");
        sweeps(A, false);
    }
    {
        SCOPED_TRACE("observed only, every entry stored");
        sweeps(A, true);
    }
    {
        SCOPED_TRACE("every row full (no entry 0)");
        sweeps(A_full, false);
    }
    {
        SCOPED_TRACE("observed only, 70 % stored");
        sweeps(masked, true);
    }
}

// dense_rows and dense_columns (the β updates' blocks of every entry) against V itself: dense data
// (its own block copy, and its tiled transposition for columns) and sparse data (its row blocks
// scattered into a zeroed block), each directly, through Transposed (rows ↔ columns) and through
// the erased AnyData; blocks at the start, inside and at the end, with a leading dimension past
// the block whose extra rows must stay untouched.
TYPED_TEST(Kernels, DenseBlocksEqualTheMatrix) {
    using T = TypeParam;
    std::mt19937 gen(36);
    std::uniform_real_distribution<double> u(0, 1);
    const Eigen::Index m = 131, n = 70;  // m past the transposition's tile of 64
    Matrix<T> V(m, n);
    for (Eigen::Index e = 0; e < V.size(); ++e)
        V.data()[e] = u(gen) < 0.3 ? T(0) : static_cast<T>(u(gen) + 0.01);
    const Eigen::SparseMatrix<T, Eigen::ColMajor, int> S = V.sparseView();
    const nmfkit::detail::DenseData<T> dense(V.data(), m, n, m);
    const nmfkit::detail::SparseData<T, int> sparse(m, n, S.outerIndexPtr(), S.innerIndexPtr(),
                                                    S.valuePtr(), true);
    const nmfkit::detail::AnyData<T, Eigen::Index> any_dense(dense);
    const nmfkit::detail::AnyData<T, int> any_sparse(sparse);
    const auto check = [&](const auto& A, const Matrix<T>& want, const char* what) {
        SCOPED_TRACE(what);
        nmfkit::detail::RowScratch<T> scratch;
        const Eigen::Index rows = want.rows(), cols = want.cols();
        for (const auto& [r0, b] : std::vector<std::pair<Eigen::Index, Eigen::Index>>{
                 {0, 1}, {0, rows}, {5, 17}, {rows - 3, 3}}) {
            const Eigen::Index ld = b + 2;
            std::vector<T> out(static_cast<std::size_t>(ld * cols), T(-1));
            nmfkit::detail::dense_rows(A, r0, b, out.data(), ld, scratch);
            for (Eigen::Index j = 0; j < cols; ++j) {
                for (Eigen::Index t = 0; t < b; ++t)
                    ASSERT_EQ(out[static_cast<std::size_t>(j * ld + t)], want(r0 + t, j))
                        << "rows from " << r0 << ", t = " << t << ", j = " << j;
                for (Eigen::Index t = b; t < ld; ++t)
                    ASSERT_EQ(out[static_cast<std::size_t>(j * ld + t)], T(-1)) << "past b";
            }
        }
    };
    const Matrix<T> Vt = V.transpose();
    check(dense, V, "dense");
    check(sparse, V, "sparse");
    check(any_dense, V, "AnyData of dense");
    check(any_sparse, V, "AnyData of sparse");
    check(nmfkit::detail::Transposed(dense), Vt, "Transposed dense");
    check(nmfkit::detail::Transposed(sparse), Vt, "Transposed sparse");
    check(nmfkit::detail::Transposed(any_dense), Vt, "Transposed AnyData of dense");
    check(nmfkit::detail::Transposed(any_sparse), Vt, "Transposed AnyData of sparse");
}

// The screen at its boundary: one row, its first coordinate at 0 with g(0) = c + l1 − D just
// below 0 (l1 chosen from D and c computed here: D = Σ a F(:, 0) / u at the row's u, c = Σ F(:, 0)
// over the observed entries), so the exact pass moves it and the screen must not skip it. A
// screen that compared a bound 1.5x too loose, or took F's whole column sums for a masked row's
// observed ones, would skip it and the row forms would part.
TYPED_TEST(Kernels, CoordinateDescentScreenKeepsACoordinateThatMoves) {
    using T = TypeParam;
    std::mt19937 gen(35);
    std::uniform_real_distribution<double> u(0, 1);
    const Eigen::Index n = 60, k = 4;
    Matrix<T> V(1, n), F(n, k), X(1, k);
    for (Eigen::Index j = 0; j < n; ++j) V(0, j) = static_cast<T>(3 + 4 * u(gen));
    V(0, 7) = T(0);  // a row storing every column would not screen (it reads F from G_all)
    for (Eigen::Index e = 0; e < F.size(); ++e) F.data()[e] = static_cast<T>(u(gen) + 0.05);
    X << T(0), T(0), T(0.3), T(0.2);  // half at 0: the row screens
    Eigen::SparseMatrix<T, Eigen::ColMajor, int> S(1, n);
    std::vector<Eigen::Triplet<T, int>> stored;
    for (Eigen::Index j = 0; j < n; ++j)
        if (j % 3 != 1) stored.emplace_back(0, static_cast<int>(j), V(0, j));
    S.setFromTriplets(stored.begin(), stored.end());
    S.makeCompressed();
    const nmfkit::detail::DenseData<T> dense(V.data(), 1, n, 1);
    const nmfkit::detail::SparseData<T, int> masked(1, n, S.outerIndexPtr(), S.innerIndexPtr(),
                                                    S.valuePtr(), true);
    const auto check = [&](const auto& data, bool observed_only) {
        double D = 0, c = 0;
        for (Eigen::Index j = 0; j < n; ++j) {
            if (observed_only && j % 3 == 1) continue;
            const double f0 = F(j, 0);
            const double uj =
                X(0, 2) * static_cast<double>(F(j, 2)) + X(0, 3) * static_cast<double>(F(j, 3));
            D += static_cast<double>(V(0, j)) * f0 / uj;
            c += f0;
        }
        ASSERT_GT(D, c);  // else no l1 ≥ 0 makes g(0) negative
        const nmfkit::Penalty penalty{D - c - 1e-3 * (D - c), 0};  // g(0) = −10⁻³ (D − c)
        Matrix<T> X_at_once = X, X_by_coordinate = X;
        nmfkit::detail::cd_kl_update(data, F, X_at_once, penalty, 4, false, {}, observed_only);
        nmfkit::detail::cd_kl_update(data, F, X_by_coordinate, penalty, 4, false, {}, observed_only,
                                     0);
        EXPECT_GT(X_by_coordinate(0, 0), T(0));  // the coordinate moves
        EXPECT_TRUE(X_at_once == X_by_coordinate) << X_at_once << "\nagainst\n" << X_by_coordinate;
    };
    {
        SCOPED_TRACE("all entries");
        check(dense, false);
    }
    {
        SCOPED_TRACE("observed only, two thirds stored");
        check(masked, true);
    }
}

// The KL terms of the active target (vector_log where it has AVX2, and float terms in float,
// float_terms; glibc's log in baseline) against
// std::log, across magnitudes, with zeros and entries below the floor.
TEST(KullbackLeiblerTerms, EqualNaiveSumsInBothPrecisions) {
    std::mt19937 gen(14);
    std::uniform_real_distribution<double> u(-30, 30);
    for (Eigen::Index n : {0, 1, 7, 300, 1000}) {
        SCOPED_TRACE("n = " + std::to_string(n));
        std::vector<double> v(static_cast<std::size_t>(n)), wh(v.size());
        std::vector<float> vf(v.size()), whf(v.size());
        for (std::size_t q = 0; q < v.size(); ++q) {
            v[q] = q % 5 == 0 ? 0.0 : std::exp(u(gen));
            wh[q] = q % 7 == 0 ? 0.0 : std::exp(u(gen));
            vf[q] = static_cast<float>(v[q]);
            whf[q] = static_cast<float>(wh[q]);
        }
        const double floor = 1e-6;
        double want = 0, want_f = 0, bound_f = 0;
        for (std::size_t q = 0; q < v.size(); ++q) {
            if (v[q] > 0) want += v[q] * std::log(v[q] / std::max(wh[q], floor)) - v[q];
            const double a = vf[q], b = std::max<double>(whf[q], static_cast<float>(floor));
            if (a > 0) {
                want_f += a * std::log(a / b) - a;
                // float_terms' error where the target takes the terms in float (kl_kernels.hpp)
                bound_f += a * (std::abs(std::log(a / b)) * 0x1p-22 + 0x1p-46) + 1e-13 * a;
            }
        }
        const double got = nmfkit::detail::kl_terms(v.data(), wh.data(), n, floor);
        const double got_f =
            nmfkit::detail::kl_terms(vf.data(), whf.data(), n, static_cast<float>(floor));
        double scale = 0;
        for (double x : v) scale += std::abs(x * 60);
        EXPECT_NEAR(got, want, 1e-13 * scale);
        EXPECT_NEAR(got_f, want_f, bound_f);
    }
}

// kl_weights_terms (the weights with the terms of the same quotients, one division per entry) is
// kl_weights followed by kl_terms, bit for bit, in both precisions: for float because the float
// weight is the double quotient rounded (linalg/kl_kernels.hpp). kl_terms_of_weights gives
// kl_terms' sum from kept double weights exactly, and from float weights within their rounding.
template <class T>
void expect_weights_with_terms_equal_the_separate_kernels() {
    std::mt19937 gen(15);
    std::uniform_real_distribution<double> u(-30, 30);
    const T floor = T(1e-6);
    for (Eigen::Index n : {0, 1, 7, 255, 256, 257, 1000}) {
        SCOPED_TRACE("n = " + std::to_string(n));
        std::vector<T> v(static_cast<std::size_t>(n)), wh(v.size());
        for (std::size_t q = 0; q < v.size(); ++q) {
            v[q] = q % 5 == 0 ? T(0) : static_cast<T>(std::exp(u(gen)));
            wh[q] = q % 7 == 0 ? T(0) : q % 11 == 0 ? floor / 4 : static_cast<T>(std::exp(u(gen)));
        }
        const double want = nmfkit::detail::kl_terms(v.data(), wh.data(), n, floor);
        std::vector<T> separate = wh, fused = wh;
        nmfkit::detail::kl_weights(v.data(), separate.data(), n, floor);
        const double got = nmfkit::detail::kl_weights_terms(v.data(), fused.data(), n, floor);
        EXPECT_EQ(got, want);
        EXPECT_TRUE(fused == separate) << "the weights";
        const double kept = nmfkit::detail::kl_terms_of_weights(v.data(), separate.data(), n);
        if constexpr (std::is_same_v<T, double>) {
            EXPECT_EQ(kept, want);
        } else {  // log of a weight off by ≤ 2⁻²⁴ relative: each term off by ≤ v·2⁻²⁴ (+ rounding),
            // and want by float_terms' error where the target takes the terms in float
            double bound = 0;
            for (std::size_t q = 0; q < v.size(); ++q) {
                const double a = v[q], b = std::max(wh[q], floor);
                if (a > 0) bound += a * (0x1p-23 + std::abs(std::log(a / b)) * 0x1p-22);
            }
            EXPECT_NEAR(kept, want, bound);
            if (n > 7) {
                EXPECT_NE(kept, want);  // the rounding shows: the test can tell them apart
            }
        }
    }
}

TEST(KullbackLeiblerTerms, WeightsWithTermsEqualTheSeparateKernels) {
    expect_weights_with_terms_equal_the_separate_kernels<double>();
    expect_weights_with_terms_equal_the_separate_kernels<float>();
}

// The float terms near a close fit: wh = v (1 + δ) with |δ| ≤ 2·10⁻³, so each term
// v log(v/wh) − v + wh is about v δ²/2, and the objective Σ terms + Σ wh is under 10⁻⁶ of Σ v.
// Against a long double reference of the same float inputs, kl_terms' part must be within 10⁻⁶ of
// the objective on every target: float_terms rounds each bracket v·log w + ρ (about v·δ) once, an
// error of about v·|δ|·2⁻²⁴ of either sign, 2·10⁻⁷ of the objective summed here. Without its
// correction ρ (the log of the rounded weight alone) each term is off by up to v·2⁻²⁴, 3·10⁻⁵ of
// the objective summed here (measured): the test tells them apart.
TEST(KullbackLeiblerTerms, FloatTermsResolveACloseFit) {
    std::mt19937 gen(16);
    std::gamma_distribution<double> count(2.0, 1.0);
    std::uniform_real_distribution<double> delta(-2e-3, 2e-3);
    const Eigen::Index n = 100000;
    std::vector<float> v(static_cast<std::size_t>(n)), wh(v.size());
    for (std::size_t q = 0; q < v.size(); ++q) {
        const double x = count(gen) + 0.01;
        v[q] = static_cast<float>(x);
        wh[q] = static_cast<float>(x * (1 + delta(gen)));
    }
    const float floor = nmfkit::detail::kl_floor<float>();
    long double terms = 0, wh_sum = 0;
    for (std::size_t q = 0; q < v.size(); ++q) {
        const long double a = v[q], b = std::max(wh[q], floor);
        terms += a * std::log(a / b) - a;
        wh_sum += wh[q];
    }
    const long double objective = terms + wh_sum;
    ASSERT_GT(objective, 0);
    ASSERT_LT(objective, 1e-5L * wh_sum) << "not a close fit";
    const double got = nmfkit::detail::kl_terms(v.data(), wh.data(), n, floor);
    EXPECT_LT(std::abs(static_cast<long double>(got) - terms), 1e-6L * objective);
    std::vector<float> w = wh;
    EXPECT_EQ(nmfkit::detail::kl_weights_terms(v.data(), w.data(), n, floor), got);
}

// Ratios outside the normal floats (v / wh over FLT_MAX, under FLT_MIN) and brackets v·log w over
// FLT_MAX: float_terms declines their chunk of 256 entries, which is taken in double. Each term is
// finite in double (as the ratios are), and the sums must equal the long double reference to a
// double's rounding: a float path would give inf or −inf, or lose the terms' size.
TEST(KullbackLeiblerTerms, RatiosOutsideTheFloatsAreTakenInDouble) {
    const float floor = nmfkit::detail::kl_floor<float>();
    std::vector<float> v(600, 1.0F), wh(600, 2.0F);
    v[3] = 1e30F;  // 1e30 / 1e-12 = 1e42 > FLT_MAX
    wh[3] = 1e-12F;
    v[300] = 1e-30F;  // 1e-30 / 1e20 = 1e-50 < FLT_MIN
    wh[300] = 1e20F;
    v[599] = 3e38F;  // w ≈ 7.5e37 normal, but v·log w ≈ 2.6e40 > FLT_MAX
    wh[599] = 4.0F;
    long double want = 0, scale = 0;
    for (std::size_t q = 0; q < v.size(); ++q) {
        const long double a = v[q], b = std::max(wh[q], floor);
        want += a * std::log(a / b) - a;
        scale += a * (std::abs(std::log(a / b)) + 1);
    }
    const Eigen::Index n = static_cast<Eigen::Index>(v.size());
    const double got = nmfkit::detail::kl_terms(v.data(), wh.data(), n, floor);
    ASSERT_TRUE(std::isfinite(got)) << got;
    EXPECT_LT(std::abs(static_cast<long double>(got) - want), 1e-14L * scale);
    std::vector<float> w = wh;
    EXPECT_EQ(nmfkit::detail::kl_weights_terms(v.data(), w.data(), n, floor), got);
    for (std::size_t q = 0; q < v.size(); ++q)
        EXPECT_EQ(w[q], v[q] / std::max(wh[q], floor)) << "weight " << q;
}

// The Itakura-Saito divergence of β = 0 (beta_entries with `divergence`) of the active target:
// Σ d_0(x | y) over n entries, r and y overwritten by the update's powers.
double is_divergence(std::vector<float> x, std::vector<float> y) {
    const auto& kern = nmfkit::detail::update_kernels<float>();
    const double floor = nmfkit::detail::beta_floor<float>(0);
    return kern.beta_entries(x.data(), y.data(), static_cast<Eigen::Index>(x.size()), 0, floor,
                             true);
}

// The float Itakura-Saito terms near a close fit: y = x (1 + δ) with |δ| ≤ 10⁻³, so each term
// q − 1 − log q (q = x / y) is about δ²/2. Against a long double reference of the same float
// inputs the sum must be within 2·10⁻⁸ of itself on every target (measured 2·10⁻⁹ on avx2 and
// avx512). The test tells apart each of is_float_terms' two safeguards (measured with each
// removed): without the remainder's correction 2·10⁻⁷, with t(w) taken as (w − 1) − log w near
// w = 1 −5·10⁻⁷.
TEST(ItakuraSaitoTerms, FloatTermsResolveACloseFit) {
    std::mt19937 gen(17);
    std::gamma_distribution<double> power(2.0, 1.0);
    std::uniform_real_distribution<double> delta(-1e-3, 1e-3);
    const std::size_t n = 100000;
    std::vector<float> x(n), y(n);
    for (std::size_t q = 0; q < n; ++q) {
        const double a = power(gen) + 0.01;
        x[q] = static_cast<float>(a);
        y[q] = static_cast<float>(a * (1 + delta(gen)));
    }
    long double want = 0;
    for (std::size_t q = 0; q < n; ++q) {
        const long double ratio = static_cast<long double>(x[q]) / y[q];
        want += ratio - std::log(ratio) - 1;
    }
    ASSERT_GT(want, 0);
    ASSERT_LT(want, 1e-6L * n) << "not a close fit";
    const double got = is_divergence(x, y);
    EXPECT_LT(std::abs(static_cast<long double>(got) - want), 2e-8L * want)
        << "relative error " << static_cast<double>((got - want) / want);
}

// Ratios outside the normal floats (x / y over FLT_MAX, under FLT_MIN): is_float_terms declines
// their chunk of 256 entries, which is taken in double, where each term is finite; the sum must
// equal the long double reference to a double's rounding (a float path gives inf or loses the
// term). A zero of x anywhere (in a full chunk or a padded tail) makes the divergence +∞, as
// beta_divergence_entry's d_0(0 | y).
TEST(ItakuraSaitoTerms, RatiosOutsideTheFloatsAreTakenInDouble) {
    std::vector<float> x(600, 1.0F), y(600, 2.0F);
    x[3] = 1e30F;  // 1e30 / 1e-12 = 1e42 > FLT_MAX
    y[3] = 1e-12F;
    x[300] = 1e-30F;  // 1e-30 / 1e20 = 1e-50 < FLT_MIN
    y[300] = 1e20F;
    long double want = 0;
    for (std::size_t q = 0; q < x.size(); ++q) {
        const long double ratio = static_cast<long double>(x[q]) / y[q];
        want += ratio - std::log(ratio) - 1;
    }
    const double got = is_divergence(x, y);
    ASSERT_TRUE(std::isfinite(got)) << got;
    EXPECT_LT(std::abs(static_cast<long double>(got) - want), 1e-14L * want);
    for (const std::size_t zero : {7, 599}) {
        std::vector<float> with_zero = x;
        with_zero[zero] = 0.0F;
        EXPECT_EQ(is_divergence(with_zero, y), std::numeric_limits<double>::infinity()) << zero;
    }
}

// vector_logf (the float KL terms' log) within 1 ulp of the correctly rounded log (std::log in
// double, rounded) on every 509th normal float and on floats near 1: measured under 1 ulp on
// all normal floats.
TEST(VectorLog, FloatWithinOneUlpOverTheNormalFloats) {
    auto check = [](float x) {
        const double want = std::log(static_cast<double>(x));
        const float rounded = static_cast<float>(want);
        const double ulp = static_cast<double>(std::nextafter(std::abs(rounded), HUGE_VALF)) -
                           static_cast<double>(std::abs(rounded));
        const double got = nmfkit::detail::vector_logf(x);
        ASSERT_LE(std::abs(got - want), ulp) << "x = " << x;
    };
    for (std::uint32_t b = 0x00800000U; b < 0x7f800000U; b += 509) check(std::bit_cast<float>(b));
    for (std::uint32_t b = 0x3f700000U; b < 0x3f880000U; b += 3) check(std::bit_cast<float>(b));
    EXPECT_EQ(nmfkit::detail::vector_logf(1.0F), 0.0F);
}

TEST(VectorLog, WithinFourUlpOfGlibcOverTheWholeRange) {
    std::mt19937_64 gen(11);
    std::uniform_real_distribution<double> exponent(-1074, 1023.9), near_one(-1e-3, 1e-3);
    for (int t = 0; t < 2000000; ++t) {
        const double x = t % 4 == 0 ? 1 + near_one(gen) : std::exp2(exponent(gen));
        const double want = std::log(x), got = nmfkit::detail::vector_log(x);
        const double ulp = std::nextafter(std::abs(want), HUGE_VAL) - std::abs(want);
        ASSERT_LE(std::abs(got - want), 4 * ulp) << "x = " << x;
    }
    EXPECT_EQ(nmfkit::detail::vector_log(1.0), 0.0);
    EXPECT_EQ(nmfkit::detail::vector_log(0.0), -HUGE_VAL);
    EXPECT_EQ(nmfkit::detail::vector_log(HUGE_VAL), HUGE_VAL);
    const double smallest = std::numeric_limits<double>::denorm_min();
    EXPECT_NEAR(nmfkit::detail::vector_log(smallest), std::log(smallest), 1e-12);
    EXPECT_NEAR(nmfkit::detail::vector_log(std::numeric_limits<double>::max()),
                std::log(std::numeric_limits<double>::max()), 1e-12);
}

// vector_log<true>, which the float KL terms take (linalg/kl_kernels.hpp): the same bits as the
// general one on positive normal finite doubles, −inf for 0, negatives and NaN; and the float
// ratios v / max(wh, kl_floor<float>) it is given, at their extremes, are such doubles.
TEST(VectorLog, NormalOnlyEqualsTheGeneralOneOnNormalInputs) {
    using nmfkit::detail::vector_log;
    std::mt19937_64 gen(13);
    std::uniform_real_distribution<double> exponent(-1022, 1023.9);
    for (int t = 0; t < 500000; ++t) {
        const double x = std::exp2(exponent(gen));
        ASSERT_EQ(std::bit_cast<std::uint64_t>(vector_log<true>(x)),
                  std::bit_cast<std::uint64_t>(vector_log(x)))
            << "x = " << x;
    }
    EXPECT_EQ(vector_log<true>(0.0), -HUGE_VAL);
    EXPECT_EQ(vector_log<true>(-1.0), -HUGE_VAL);
    EXPECT_EQ(vector_log<true>(std::nan("")), -HUGE_VAL);
    const double floor = nmfkit::detail::kl_floor<float>();
    const double smallest = static_cast<double>(std::numeric_limits<float>::denorm_min()) /
                            static_cast<double>(std::numeric_limits<float>::max());
    const double largest = static_cast<double>(std::numeric_limits<float>::max()) / floor;
    EXPECT_TRUE(std::isnormal(smallest)) << smallest;
    EXPECT_TRUE(std::isnormal(largest) && std::isfinite(largest)) << largest;
}

TEST(VectorExp, WithinFourUlpOfGlibcOverTheWholeRange) {
    std::mt19937_64 gen(12);
    std::uniform_real_distribution<double> wide(-745.2, 709.8), near_zero(-1e-3, 1e-3);
    const double denorm = std::numeric_limits<double>::denorm_min();
    for (int t = 0; t < 500000; ++t) {
        const double x = t % 4 == 0 ? near_zero(gen) : wide(gen);
        const double want = std::exp(x), got = nmfkit::detail::vector_exp(x);
        if (std::isinf(want)) {  // above log(DBL_MAX)
            ASSERT_EQ(got, HUGE_VAL) << "x = " << x;
        } else if (want >= std::numeric_limits<double>::min()) {
            const double ulp = std::nextafter(want, HUGE_VAL) - want;
            ASSERT_LE(std::abs(got - want), 4 * ulp) << "x = " << x;
        } else {  // subnormal or 0: the last rounding is to a multiple of the smallest subnormal
            ASSERT_LE(std::abs(got - want), 2 * denorm) << "x = " << x;
        }
    }
    EXPECT_EQ(nmfkit::detail::vector_exp(0.0), 1.0);
    EXPECT_EQ(nmfkit::detail::vector_exp(-HUGE_VAL), 0.0);
    EXPECT_EQ(nmfkit::detail::vector_exp(-746.0), 0.0);
    EXPECT_EQ(nmfkit::detail::vector_exp(HUGE_VAL), HUGE_VAL);
    EXPECT_EQ(nmfkit::detail::vector_exp(710.0), HUGE_VAL);
    EXPECT_NEAR(nmfkit::detail::vector_exp(709.7) / std::exp(709.7), 1.0, 1e-15);
}

TEST(VectorPow, WithinTheErrorOfPTimesLogYOfGlibc) {
    // y^p = e^(p·log y): p·log y carries the log's few-ulp error times |p| as an absolute error
    // of the exponent; measured at most 3.02·|p·log y| ulp (|p·log y| > 1) and 2 ulp (≤ 1) over
    // 2·10^7 draws of these distributions (docs/algorithms.md).
    std::mt19937_64 gen(13);
    std::uniform_real_distribution<double> exponent(-1000, 1000), power(-2.5, 2.5);
    for (int t = 0; t < 200000; ++t) {
        const double y = std::exp2(exponent(gen)), p = power(gen);
        const double want = std::pow(y, p);
        if (want < std::numeric_limits<double>::min() || std::isinf(want)) continue;
        const double got = nmfkit::detail::vector_pow(y, p);
        const double ulp = std::nextafter(want, HUGE_VAL) - want;
        ASSERT_LE(std::abs(got - want), (4 + 4 * std::abs(p * std::log(y))) * ulp)
            << "y = " << y << ", p = " << p;
    }
    EXPECT_EQ(nmfkit::detail::vector_pow(0.0, 0.5), 0.0);
    EXPECT_EQ(nmfkit::detail::vector_pow(0.0, -0.5), HUGE_VAL);
    EXPECT_EQ(nmfkit::detail::vector_pow(1.0, 1.7), 1.0);
}

/// HALS sweeps as written in the paper (Cichocki & Phan 2009), serially over all rows:
/// X(:, j) ← max(0, X(:, j) + (AF(:, j) − X FtF(:, j)) / FtF(j, j)), repeated while the sweep's
/// squared change exceeds epsilon² times the first sweep's (Gillis & Glineur) and the rounding
/// floor (2 k u)² ‖X‖² (updates/hals.hpp), at most max_inner times. Returns the number of sweeps
/// made.
int reference_hals(const Matrix<double>& FtF, const Matrix<double>& AF, Matrix<double>& X,
                   int max_inner, double epsilon) {
    const double ku = static_cast<double>(X.cols()) * std::numeric_limits<double>::epsilon();
    const double floor = ku * ku * X.squaredNorm();
    double first = 0;
    for (int inner = 0; inner < max_inner; ++inner) {
        double total = 0;
        for (Eigen::Index j = 0; j < X.cols(); ++j) {
            const Eigen::VectorXd t = AF.col(j) - X * FtF.col(j);
            for (Eigen::Index i = 0; i < X.rows(); ++i) {
                const double updated = std::max(0.0, X(i, j) + t(i) / FtF(j, j));
                total += (updated - X(i, j)) * (updated - X(i, j));
                X(i, j) = updated;
            }
        }
        if (inner == 0) first = total;
        if (total <= floor || (inner > 0 && total <= epsilon * epsilon * first)) return inner + 1;
    }
    return max_inner;
}

// Near a fixed point in float32 a sweep's change stops falling: each entry is recomputed from a
// residual summed over k terms in float, so the sweeps keep moving X by its rounding error
// (here about (k u)² ‖X‖², u = 2⁻²⁴) and the ε rule (a fall to ε² of the first sweep's change)
// never fires: without the rounding floor this call made all 200 sweeps, and a float32 fit
// ~88 per half-step instead of ~8 (docs/benchmarks.md). The floor ends them.
TEST(Hals, FloatSweepsStopAtTheRoundingFloor) {
    const Eigen::Index rows = 2000, n = 300, k = 20;
    const Matrix<double> W = positive<double>(rows, k, 81), F = positive<double>(n, k, 82);
    const Matrix<float> Ff = F.cast<float>();
    const Matrix<float> FtF = Ff.transpose() * Ff, AF = (W * F.transpose()).cast<float>() * Ff;
    const Matrix<float> start = positive<float>(rows, k, 83);
    const nmfkit::detail::HalsBudget budget{200, 0.1};
    // Far from the fixed point the ε rule decides, after more than one sweep.
    Matrix<float> X = start;
    const int first_call = nmfkit::detail::hals_update(FtF, AF, X, budget);
    EXPECT_GT(first_call, 1);
    EXPECT_LT(first_call, budget.max_inner);
    for (int call = 0; call < 40; ++call) nmfkit::detail::hals_update(FtF, AF, X, budget);
    ASSERT_LE((X - W.cast<float>()).norm(), 1e-3 * W.norm());  // at the planted solution
    const Matrix<float> converged = X;
    const int sweeps = nmfkit::detail::hals_update(FtF, AF, X, budget);
    EXPECT_LE(sweeps, 3);
    EXPECT_LE((X - converged).norm(), 1e-5 * converged.norm());
}

TEST(Hals, SweepsInOneRegionMatchASerialLoopAndTheThreadCount) {
    // rows·k² = 3000·144 ≥ 2^18: the sweeps run with a team of 2 (12 blocks of 256 rows).
    const Eigen::Index rows = 3000, n = 40, k = 12;
    ASSERT_TRUE(nmfkit::detail::worth_parallel(rows * k * k));
    const Matrix<double> F = positive<double>(n, k, 71), A = positive<double>(rows, n, 72);
    const Matrix<double> FtF = F.transpose() * F, AF = A * F;
    const Matrix<double> start = positive<double>(rows, k, 73);
    const int saved = omp_get_max_threads();
    // epsilon 0: all max_inner sweeps; 0.5: the stopping rule ends the sweeps early.
    for (const double epsilon : {0.0, 0.5}) {
        SCOPED_TRACE(epsilon);
        const nmfkit::detail::HalsBudget budget{6, epsilon};
        Matrix<double> expected = start;
        const int sweeps = reference_hals(FtF, AF, expected, budget.max_inner, epsilon);
        if (epsilon > 0) {
            EXPECT_LT(sweeps, budget.max_inner);  // the rule was exercised
        }
        // One sweep fewer differs from the reference by far more than rounding.
        Matrix<double> one_fewer = start;
        reference_hals(FtF, AF, one_fewer, sweeps - 1, 0.0);
        ASSERT_GT((one_fewer - expected).norm(), 1e-6 * expected.norm());
        Matrix<double> X1 = start, X2 = start;
        omp_set_num_threads(1);
        nmfkit::detail::hals_update(FtF, AF, X1, budget);
        omp_set_num_threads(2);
        nmfkit::detail::hals_update(FtF, AF, X2, budget);
        omp_set_num_threads(saved);
        EXPECT_LE((X1 - expected).norm(), 1e-12 * expected.norm());
        EXPECT_TRUE(X1 == X2);  // rows are independent: the same bits for any team
    }
}

// One block sweep of the active target's HALS kernel (src/linalg/update_kernels.hpp) in float32
// and float64, on a block whose rows are no multiple of any vector width and start off the
// matrix's first row, with a column whose FtF(j, j) = 0 (left as it is): the block against the
// paper's sweep on those rows, the rows outside it untouched, and the returned squared change.
TYPED_TEST(Kernels, HalsBlockSweepEqualsTheSerialSweep) {
    using T = TypeParam;
    const Eigen::Index rows = 300, n = 30, k = 7, r0 = 37, r = 203;
    Matrix<double> F = positive<double>(n, k, 81);
    F.col(4).setZero();
    const Matrix<double> A = positive<double>(rows, n, 82);
    const Matrix<T> FtF = (F.transpose() * F).template cast<T>();
    const Matrix<T> AF = (A * F).template cast<T>();
    const Matrix<T> start = positive<T>(rows, k, 83);
    // The sweep as the paper writes it, on rows [r0, r0 + r), in double; column 4 skipped.
    Matrix<double> expected = start.template cast<double>().middleRows(r0, r);
    double change = 0;
    for (Eigen::Index j = 0; j < k; ++j) {
        const double g = FtF(j, j);
        if (!(g > 0)) continue;
        const Eigen::VectorXd t = AF.template cast<double>().col(j).segment(r0, r) -
                                  expected * FtF.template cast<double>().col(j);
        for (Eigen::Index i = 0; i < r; ++i) {
            const double updated = std::max(0.0, expected(i, j) + t(i) / g);
            change += (updated - expected(i, j)) * (updated - expected(i, j));
            expected(i, j) = updated;
        }
    }
    Matrix<T> X = start;
    std::vector<T> t(static_cast<std::size_t>(r));
    const double got_change = nmfkit::detail::update_kernels<T>().hals_block(
        FtF.data(), AF.data(), X.data(), rows, k, r0, r, t.data());
    EXPECT_LT(relative(Matrix<T>(X.middleRows(r0, r)), expected), tolerance<T>());
    EXPECT_NEAR(got_change, change, tolerance<T>() * 10 * change);
    EXPECT_TRUE(X.topRows(r0) == start.topRows(r0));
    EXPECT_TRUE(X.bottomRows(rows - r0 - r) == start.bottomRows(rows - r0 - r));
    EXPECT_TRUE(X.col(4) == start.col(4));
}

}  // namespace
