// NNDSVD initialization and the randomized SVD behind it (src/init/nndsvd.hpp, src/init/svd.hpp),
// in float and double: singular values and subspaces against a full SVD, Table 1 of Boutsidis &
// Gallopoulos written out naively, the nndsvda/nndsvdar fills, the initial error on planted data,
// dense == sparse, A == (Aᵀ)ᵀ, determinism across runs and thread counts, degenerate inputs.

#include <omp.h>

#include <Eigen/QR>
#include <Eigen/SparseCore>
#include <cstring>

#include "data/dense.hpp"
#include "data/sparse.hpp"
#include "data/transposed.hpp"
#include "helpers.hpp"
#include "init/nndsvd.hpp"
#include "init/svd.hpp"
#include "reference_lapack.hpp"

namespace nmfkit::test {
namespace {

using detail::DenseData;
using detail::nndsvd_start;
using detail::NndsvdFill;
using detail::randomized_svd;
using detail::SparseData;
using detail::Transposed;
using detail::TruncatedSvd;

template <class T>
class Init : public ::testing::Test {};
using Scalars = ::testing::Types<float, double>;
TYPED_TEST_SUITE(Init, Scalars);

template <class T>
using Sparse = Eigen::SparseMatrix<T, Eigen::ColMajor, int>;

/// Standard normal rows x cols matrix from an explicit seed.
Eigen::MatrixXd normal(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed) {
    std::mt19937_64 gen(seed);
    std::normal_distribution<double> n(0, 1);
    Eigen::MatrixXd X(rows, cols);
    for (Eigen::Index j = 0; j < cols; ++j)
        for (Eigen::Index i = 0; i < rows; ++i) X(i, j) = n(gen);
    return X;
}

/// Q (rows x cols) with orthonormal columns, from the QR of a Gaussian matrix.
Eigen::MatrixXd orthonormal(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed) {
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(normal(rows, cols, seed));
    return qr.householderQ() * Eigen::MatrixXd::Identity(rows, cols);
}

/// U diag(2⁰, 2⁻¹, 2⁻², ...) Vᵀ (m x n) with random orthonormal U, V: a decaying spectrum.
Eigen::MatrixXd halving_spectrum(Eigen::Index m, Eigen::Index n, std::uint64_t seed) {
    const Eigen::Index r = std::min(m, n);
    Eigen::VectorXd s(r);
    for (Eigen::Index i = 0; i < r; ++i) s(i) = std::ldexp(1.0, -static_cast<int>(i));
    return orthonormal(m, r, seed) * s.asDiagonal() * orthonormal(n, r, seed + 1).transpose();
}

/// A sparse non-negative m x n matrix whose column j is 2⁻ʲ times a random column with about
/// `density` of its entries in [0.5, 1.5): a graded matrix, so its spectrum decays about as 2⁻ʲ.
template <class T>
Mat<T> graded_sparse(Eigen::Index m, Eigen::Index n, double density, unsigned seed) {
    std::mt19937_64 gen(seed);
    std::uniform_real_distribution<double> u(0, 1);
    Mat<T> A = Mat<T>::Zero(m, n);
    for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index i = 0; i < m; ++i)
            if (u(gen) < density)
                A(i, j) = static_cast<T>(std::ldexp(0.5 + u(gen), -static_cast<int>(j)));
    return A;
}

/// A sparse non-negative m x n matrix with about `density` of its entries in [0.1, 3.1).
template <class T>
Mat<T> random_sparse(Eigen::Index m, Eigen::Index n, double density, unsigned seed) {
    std::mt19937_64 gen(seed);
    std::uniform_real_distribution<double> u(0, 1);
    Mat<T> A = Mat<T>::Zero(m, n);
    for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index i = 0; i < m; ++i)
            if (u(gen) < density) A(i, j) = static_cast<T>(0.1 + 3 * u(gen));
    return A;
}

template <class T>
Sparse<T> to_sparse(const Mat<T>& A) {
    Sparse<T> S = A.sparseView();
    S.makeCompressed();
    return S;
}

template <class T>
DenseData<T> dense(const Mat<T>& A) {
    return DenseData<T>(A.data(), A.rows(), A.cols(), A.rows());
}

template <class T>
SparseData<T, int> sparse(const Sparse<T>& S) {
    return SparseData<T, int>(S.rows(), S.cols(), S.outerIndexPtr(), S.innerIndexPtr(),
                              S.valuePtr(), true);
}

/// The start as a pair (W, Ht).
template <class T>
struct Start {
    Mat<T> W, Ht;
};

template <class T, class D>
Start<T> start_of(const D& A, int k, NndsvdFill fill, std::uint64_t seed) {
    Start<T> s;
    nndsvd_start(A, k, fill, seed, s.W, s.Ht);
    return s;
}

/// ‖X − Y‖_F / ‖Y‖_F in double (‖X − Y‖_F when Y = 0).
template <class T>
double relative_difference(const Mat<T>& X, const Mat<T>& Y) {
    const double d = (X.template cast<double>() - Y.template cast<double>()).norm();
    const double y = Y.template cast<double>().norm();
    return y > 0 ? d / y : d;
}

/// mean(A) as nndsvda fills it: the adapter's Σ A / (m n), in double, rounded to T.
template <class T, class D>
T mean_of(const D& A) {
    const double entries = static_cast<double>(A.rows()) * static_cast<double>(A.cols());
    return static_cast<T>(A.sum() / entries);
}

template <class T>
bool same_bits(const Mat<T>& X, const Mat<T>& Y) {
    return X.rows() == Y.rows() && X.cols() == Y.cols() &&
           std::memcmp(X.data(), Y.data(), sizeof(T) * static_cast<std::size_t>(X.size())) == 0;
}

/// Largest principal-angle sine between the column spans of X and Y (both orthonormal):
/// ‖(I − X Xᵀ) Y‖₂.
double subspace_distance(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y) {
    const Eigen::MatrixXd R = Y - X * (X.transpose() * Y);
    return singular_values(R)(0);
}

/// Table 1 of Boutsidis & Gallopoulos (Pattern Recognition 41(4), 2008) written out from a full
/// SVD, followed by nmfkit's relative truncation (entries ≤ 1e-6 of their column's largest are 0)
/// and its rule for negligible components (σⱼ ≤ cutoff · σ₁ gives zero columns).
Start<double> naive_nndsvd(const Eigen::MatrixXd& A, int k, double cutoff) {
    const ReferenceSvd svd = reference_svd(A);
    const Eigen::VectorXd& S = svd.s;
    const Eigen::MatrixXd &U = svd.U, &V = svd.V;
    Start<double> out{Eigen::MatrixXd::Zero(A.rows(), k), Eigen::MatrixXd::Zero(A.cols(), k)};
    for (int j = 0; j < k; ++j) {
        if (S(j) <= cutoff * S(0)) continue;
        Eigen::VectorXd xp = Eigen::VectorXd::Zero(A.rows()), xn = xp;
        Eigen::VectorXd yp = Eigen::VectorXd::Zero(A.cols()), yn = yp;
        for (Eigen::Index i = 0; i < A.rows(); ++i)
            (U(i, j) >= 0 ? xp(i) : xn(i)) = std::abs(U(i, j));
        for (Eigen::Index i = 0; i < A.cols(); ++i)
            (V(i, j) >= 0 ? yp(i) : yn(i)) = std::abs(V(i, j));
        if (j == 0) {
            out.W.col(0) = std::sqrt(S(0)) * (xp + xn);
            out.Ht.col(0) = std::sqrt(S(0)) * (yp + yn);
        } else {
            const double mp = xp.norm() * yp.norm(), mn = xn.norm() * yn.norm();
            if (mp > mn) {
                out.W.col(j) = std::sqrt(S(j) * mp) * xp / xp.norm();
                out.Ht.col(j) = std::sqrt(S(j) * mp) * yp / yp.norm();
            } else {
                out.W.col(j) = std::sqrt(S(j) * mn) * xn / xn.norm();
                out.Ht.col(j) = std::sqrt(S(j) * mn) * yn / yn.norm();
            }
        }
        for (Eigen::MatrixXd* X : {&out.W, &out.Ht}) {
            const double top = X->col(j).maxCoeff();
            for (Eigen::Index i = 0; i < X->rows(); ++i)
                if ((*X)(i, j) <= 1e-6 * top) (*X)(i, j) = 0;
        }
    }
    return out;
}

/// An adapter with only the members randomized_svd may use, counting its products.
template <class T>
class CountingProducts {
public:
    using Scalar = T;
    static constexpr bool distributed = false;
    explicit CountingProducts(const Mat<T>& A) : A_(A) {}
    Eigen::Index rows() const { return A_.rows(); }
    Eigen::Index cols() const { return A_.cols(); }
    void times(const Mat<T>& F, Mat<T>& out) const {
        ++times_calls;
        columns = std::max(columns, F.cols());
        out = A_ * F;
    }
    void transpose_times(const Mat<T>& F, Mat<T>& out) const {
        ++transpose_calls;
        columns = std::max(columns, F.cols());
        out = A_.transpose() * F;
    }
    mutable int times_calls = 0, transpose_calls = 0;
    mutable Eigen::Index columns = 0;

private:
    const Mat<T>& A_;
};

// Singular values to 1e-8 relative (double) of a full SVD on a halving spectrum, tall and wide,
// with a sketch much narrower than min(m, n); float to the precision of its products.
TYPED_TEST(Init, RandomizedSvdMatchesFullSvdOnDecayingSpectrum) {
    using T = TypeParam;
    for (auto [m, n] : {std::pair<Eigen::Index, Eigen::Index>{300, 120}, {120, 300}}) {
        SCOPED_TRACE(std::to_string(m) + " x " + std::to_string(n));
        const Mat<T> A = halving_spectrum(m, n, 11).template cast<T>();
        const Eigen::MatrixXd Ad = A.template cast<double>();
        const ReferenceSvd ref = reference_svd(Ad);
        const int k = 15;
        const TruncatedSvd svd = randomized_svd(dense(A), k, 10, 4, 5);
        ASSERT_EQ(svd.s.size(), k);
        ASSERT_EQ(svd.U.rows(), m);
        ASSERT_EQ(svd.V.rows(), n);
        const double s1 = ref.s(0);
        // Float products carry an error ~ ε‖A‖: singular values to 2ε·σ₁ absolute (measured
        // 0.2ε·σ₁).
        const double abs_tol = std::is_same_v<T, double> ? 0.0 : 2 * eps<T>() * s1;
        for (int j = 0; j < k; ++j) {
            const double want = ref.s(j);
            EXPECT_NEAR(svd.s(j), want, 1e-8 * want + abs_tol) << "j = " << j;
            if (j > 0) {
                EXPECT_LE(svd.s(j), svd.s(j - 1));
            }
        }
        EXPECT_LE((svd.U.transpose() * svd.U - Eigen::MatrixXd::Identity(k, k)).norm(), 1e-13);
        EXPECT_LE((svd.V.transpose() * svd.V - Eigen::MatrixXd::Identity(k, k)).norm(), 1e-13);
        if (std::is_same_v<T, double>) {
            // Singular vectors span the leading subspaces, and each matches its reference up to
            // sign (the gaps are σⱼ/2).
            EXPECT_LE(subspace_distance(svd.U, ref.U.leftCols(k)), 1e-8);
            EXPECT_LE(subspace_distance(svd.V, ref.V.leftCols(k)), 1e-8);
            for (int j = 0; j < k; ++j) {
                EXPECT_NEAR(std::abs(svd.U.col(j).dot(ref.U.col(j))), 1.0, 1e-8) << j;
                EXPECT_NEAR(std::abs(svd.V.col(j).dot(ref.V.col(j))), 1.0, 1e-8) << j;
            }
            // Eckart-Young: the rank-k truncation is optimal, ‖A − U S Vᵀ‖₂ = σ_{k+1}.
            const Eigen::MatrixXd E = Ad - svd.U * svd.s.asDiagonal() * svd.V.transpose();
            const double err = singular_values(E)(0);
            EXPECT_NEAR(err, ref.s(k), 1e-8 * ref.s(k));
        } else {
            EXPECT_LE(subspace_distance(svd.U, ref.U.leftCols(k / 2)), 1e-3);
        }
    }
}

// The same on sparse storage (a graded non-negative matrix), through the sparse adapter.
TYPED_TEST(Init, RandomizedSvdOnSparseMatchesFullSvd) {
    using T = TypeParam;
    const Mat<T> A = graded_sparse<T>(250, 80, 0.3, 21);
    const Sparse<T> S = to_sparse(A);
    ASSERT_LT(S.nonZeros(), A.size() / 2);
    const ReferenceSvd ref = reference_svd(A.template cast<double>());
    const int k = 10;
    const TruncatedSvd svd = randomized_svd(sparse(S), k, 10, 4, 6);
    const double s1 = ref.s(0);
    ASSERT_LT(ref.s(k - 1), 1e-2 * s1);  // the spectrum does decay
    const double abs_tol = std::is_same_v<T, double> ? 0.0 : 2 * eps<T>() * s1;
    for (int j = 0; j < k; ++j) {
        const double want = ref.s(j);
        EXPECT_NEAR(svd.s(j), want, 1e-8 * want + abs_tol) << "j = " << j;
    }
    if (std::is_same_v<T, double>) {
        EXPECT_LE(subspace_distance(svd.U, ref.U.leftCols(k)), 1e-8);
        EXPECT_LE(subspace_distance(svd.V, ref.V.leftCols(k)), 1e-8);
    }
    // Dense storage of the same matrix gives the same triplets to rounding.
    const TruncatedSvd from_dense = randomized_svd(dense(A), k, 10, 4, 6);
    const double tol = std::is_same_v<T, double> ? 1e-12 : 1e-5;
    EXPECT_LE((svd.s - from_dense.s).norm(), tol * svd.s.norm());
}

// Cost and access: 2q + 2 products of l = k + p columns, and nothing but products (the adapter
// below has no other member); l is clamped to min(m, n), where the result is exact.
TEST(Init, RandomizedSvdCostsTwoProductsPerPowerIterationPlusTwo) {
    const Mat<double> A = uniform<double>(60, 40, 31);
    for (auto [k, p, q] : {std::tuple{5, 10, 4}, std::tuple{3, 2, 0}, std::tuple{8, 7, 1}}) {
        const CountingProducts<double> counted(A);
        randomized_svd(counted, k, p, q, 1);
        EXPECT_EQ(counted.times_calls, q + 1);
        EXPECT_EQ(counted.transpose_calls, q + 1);
        EXPECT_EQ(counted.columns, k + p);
    }
    const CountingProducts<double> tall(A);
    const TruncatedSvd svd = randomized_svd(tall, 38, 10, 0, 1);
    EXPECT_EQ(tall.columns, 40);
    const Eigen::VectorXd want = singular_values(A).head(38);
    EXPECT_LE((svd.s - want).norm(), 1e-12 * want.norm());
    const Mat<double> At = A.transpose();
    const CountingProducts<double> wide(At);
    randomized_svd(wide, 38, 10, 0, 1);
    EXPECT_EQ(wide.columns, 40);
}

// A wide matrix is factorized as its transpose: A and Aᵀ give the same triplets, U and V
// swapped, bit for bit (the same products in the same order).
TEST(Init, RandomizedSvdOfTransposeSwapsFactorsExactly) {
    const Mat<double> A = uniform<double>(70, 30, 41);
    const DenseData<double> D = dense(A);
    const Transposed<DenseData<double>> Dt(D);
    const TruncatedSvd a = randomized_svd(D, 6, 10, 2, 9), b = randomized_svd(Dt, 6, 10, 2, 9);
    EXPECT_TRUE(same_bits(a.U, b.V));
    EXPECT_TRUE(same_bits(a.V, b.U));
    EXPECT_EQ(std::memcmp(a.s.data(), b.s.data(), sizeof(double) * 6), 0);
}

// NNDSVD against Table 1 written out from a full SVD (the sketch covers min(m, n), so the
// randomized SVD is exact to rounding), every k up to min(m, n), tall and wide.
TYPED_TEST(Init, NndsvdMatchesTable1FromFullSvd) {
    using T = TypeParam;
    const double cutoff = std::sqrt(eps<T>());
    for (auto [m, n] : {std::pair<Eigen::Index, Eigen::Index>{12, 9}, {9, 14}}) {
        const Mat<T> A = uniform<T>(m, n, 51);
        for (int k = 1; k <= std::min(m, n); ++k) {
            SCOPED_TRACE(std::to_string(m) + " x " + std::to_string(n) +
                         ", k = " + std::to_string(k));
            const Start<T> got = start_of<T>(dense(A), k, NndsvdFill::zeros, 3);
            const Start<double> want = naive_nndsvd(A.template cast<double>(), k, cutoff);
            ASSERT_EQ(got.W.rows(), m);
            ASSERT_EQ(got.Ht.rows(), n);
            ASSERT_EQ(got.W.cols(), k);
            EXPECT_TRUE(all_finite_nonnegative(got.W));
            EXPECT_TRUE(all_finite_nonnegative(got.Ht));
            // Float: singular vectors from float products, to ε_f σ₁ / (gap to the next σ).
            const double tol = std::is_same_v<T, double> ? 1e-10 : 1e-5;
            EXPECT_LE(relative_difference<double>(got.W.template cast<double>(), want.W), tol);
            EXPECT_LE(relative_difference<double>(got.Ht.template cast<double>(), want.Ht), tol);
            // The zero pattern is the formula's (positive and negative parts), not an accident.
            if (std::is_same_v<T, double>) {
                EXPECT_TRUE(((got.W.array() == 0) == (want.W.array() == 0)).all());
                EXPECT_TRUE(((got.Ht.array() == 0) == (want.Ht.array() == 0)).all());
            }
            if (k >= 3) {
                EXPECT_GT((got.W.array() == 0).count(), 0);
            }
        }
    }
}

// nndsvda and nndsvdar change only the zeros of nndsvd: nndsvda to exactly mean(A), nndsvdar to
// values in (0, mean(A)/100] that depend on the seed.
TYPED_TEST(Init, FillsReplaceOnlyTheZeros) {
    using T = TypeParam;
    const Mat<T> A = random_sparse<T>(40, 30, 0.5, 61);
    const T mean = mean_of<T>(dense(A));
    const double mean_d = dense(A).sum() / static_cast<double>(A.size());
    const int k = 6;
    const Start<T> zeros = start_of<T>(dense(A), k, NndsvdFill::zeros, 7);
    const Start<T> a = start_of<T>(dense(A), k, NndsvdFill::mean, 7);
    const Start<T> ar = start_of<T>(dense(A), k, NndsvdFill::random, 7);
    const Start<T> ar_other_seed = start_of<T>(dense(A), k, NndsvdFill::random, 8);
    int zero_count = 0;
    std::vector<T> fills;
    auto check = [&](const Mat<T>& Z, const Mat<T>& Xa, const Mat<T>& Xar) {
        for (Eigen::Index i = 0; i < Z.rows(); ++i)
            for (Eigen::Index l = 0; l < k; ++l) {
                if (Z(i, l) != 0) {
                    EXPECT_EQ(Xa(i, l), Z(i, l));
                    EXPECT_EQ(Xar(i, l), Z(i, l));
                    continue;
                }
                ++zero_count;
                EXPECT_EQ(Xa(i, l), mean);
                EXPECT_GT(Xar(i, l), T(0));
                EXPECT_LE(static_cast<double>(Xar(i, l)), mean_d / 100 * (1 + eps<T>()));
                fills.push_back(Xar(i, l));
            }
    };
    check(zeros.W, a.W, ar.W);
    check(zeros.Ht, a.Ht, ar.Ht);
    EXPECT_GT(zero_count, 50);  // about half of the entries of components 2..k
    std::sort(fills.begin(), fills.end());
    EXPECT_EQ(std::unique(fills.begin(), fills.end()) - fills.begin(),
              static_cast<std::ptrdiff_t>(fills.size()));
    EXPECT_FALSE(same_bits(ar.W, ar_other_seed.W));
    EXPECT_TRUE(all_finite_nonnegative(ar.W) && all_finite_nonnegative(ar.Ht));
}

// The initial error of NNDSVD beats the best constant, ‖A − mean(A)‖_F, on planted non-negative
// low-rank data, dense and sparse; so does nndsvdar, whose fills are small. (nndsvda's fill,
// mean(A) in both factors as in scikit-learn, adds about mean(A)·Σ H to W Hᵀ: no such bound.)
TYPED_TEST(Init, NndsvdErrorIsBelowTheMeanOnPlantedData) {
    using T = TypeParam;
    const int k = 5;
    for (double zero_fraction : {0.0, 0.8}) {
        SCOPED_TRACE("zero fraction " + std::to_string(zero_fraction));
        const Mat<double> W0 = sparse_factor<double>(150, k, 71, zero_fraction);
        const Mat<double> H0 = sparse_factor<double>(90, k, 72, zero_fraction).transpose();
        const Mat<T> A = (W0 * H0 + 0.01 * uniform<double>(150, 90, 73)).cast<T>();
        const Mat<T> As = (W0 * H0).cast<T>();  // exactly low rank, sparse for 0.8
        const Sparse<T> S = to_sparse(As);
        if (zero_fraction > 0) {
            ASSERT_LT(S.nonZeros(), As.size() / 2);
        }
        for (const Mat<T>* M : {&A, &As}) {
            const Eigen::MatrixXd Md = M->template cast<double>();
            const double baseline = (Md.array() - Md.mean()).matrix().norm();
            for (NndsvdFill fill : {NndsvdFill::zeros, NndsvdFill::random}) {
                const Start<T> s = M == &A ? start_of<T>(dense(A), k, fill, 1)
                                           : start_of<T>(sparse(S), k, fill, 1);
                const Eigen::MatrixXd WHt =
                    s.W.template cast<double>() * s.Ht.template cast<double>().transpose();
                const double err = (Md - WHt).norm();
                EXPECT_LT(err, baseline) << "fill " << static_cast<int>(fill);
                if (fill == NndsvdFill::zeros) {
                    EXPECT_LT(err, 0.7 * baseline);
                }
            }
        }
    }
}

// Same seed, same bits; one and two threads agree to rounding (dense: BLAS may block its
// products differently), for dense and sparse storage.
TYPED_TEST(Init, DeterministicAndThreadCountIndependent) {
    using T = TypeParam;
    const Mat<double> W0 = uniform<double>(1500, 6, 81, 0, 1);
    const Mat<double> H0 = uniform<double>(6, 500, 82, 0, 1);
    Eigen::VectorXd d(6);
    d << 1, 0.6, 0.35, 0.2, 0.12, 0.07;
    const Mat<T> A = (W0 * d.asDiagonal() * H0 + 0.05 * uniform<double>(1500, 500, 83)).cast<T>();
    const Mat<T> As = random_sparse<T>(3000, 800, 0.05, 84);
    const Sparse<T> S = to_sparse(As);
    const int saved = omp_get_max_threads();
    const double tol = std::is_same_v<T, double> ? 1e-12 : 1e-5;
    for (NndsvdFill fill : {NndsvdFill::zeros, NndsvdFill::mean, NndsvdFill::random}) {
        SCOPED_TRACE(static_cast<int>(fill));
        omp_set_num_threads(1);
        const Start<T> d1 = start_of<T>(dense(A), 6, fill, 5);
        const Start<T> s1 = start_of<T>(sparse(S), 8, fill, 5);
        omp_set_num_threads(2);
        const Start<T> d2 = start_of<T>(dense(A), 6, fill, 5);
        const Start<T> d2b = start_of<T>(dense(A), 6, fill, 5);
        const Start<T> s2 = start_of<T>(sparse(S), 8, fill, 5);
        const Start<T> s2b = start_of<T>(sparse(S), 8, fill, 5);
        omp_set_num_threads(saved);
        EXPECT_TRUE(same_bits(d2.W, d2b.W) && same_bits(d2.Ht, d2b.Ht));
        EXPECT_TRUE(same_bits(s2.W, s2b.W) && same_bits(s2.Ht, s2b.Ht));
        EXPECT_LE(relative_difference(d1.W, d2.W), tol);
        EXPECT_LE(relative_difference(d1.Ht, d2.Ht), tol);
        EXPECT_LE(relative_difference(s1.W, s2.W), tol);
        EXPECT_LE(relative_difference(s1.Ht, s2.Ht), tol);
    }
}

// Dense and sparse storage of the same matrix, with empty rows and columns (whose factor rows
// are zero: exactly, after truncation, so nndsvda fills them in both), give the same start.
TYPED_TEST(Init, DenseAndSparseGiveTheSameStart) {
    using T = TypeParam;
    Mat<T> A = random_sparse<T>(300, 200, 0.1, 91);
    for (Eigen::Index i : {0, 3, 150}) A.row(i).setZero();
    for (Eigen::Index j : {1, 7}) A.col(j).setZero();
    const Sparse<T> S = to_sparse(A);
    const double tol = std::is_same_v<T, double> ? 1e-10 : 5e-5;
    for (NndsvdFill fill : {NndsvdFill::zeros, NndsvdFill::mean, NndsvdFill::random}) {
        SCOPED_TRACE(static_cast<int>(fill));
        const Start<T> d = start_of<T>(dense(A), 6, fill, 2);
        const Start<T> s = start_of<T>(sparse(S), 6, fill, 2);
        EXPECT_LE(relative_difference(s.W, d.W), tol);
        EXPECT_LE(relative_difference(s.Ht, d.Ht), tol);
        if (fill == NndsvdFill::random) continue;
        // The rows of W of the empty rows of A: exactly 0 (nndsvd) or the mean (nndsvda).
        const T zero_d = fill == NndsvdFill::mean ? mean_of<T>(dense(A)) : T(0);
        const T zero_s = fill == NndsvdFill::mean ? mean_of<T>(sparse(S)) : T(0);
        for (Eigen::Index i : {0, 3, 150}) {
            EXPECT_TRUE((d.W.row(i).array() == zero_d).all()) << "row " << i;
            EXPECT_TRUE((s.W.row(i).array() == zero_s).all()) << "row " << i;
        }
        for (Eigen::Index j : {1, 7}) {
            EXPECT_TRUE((d.Ht.row(j).array() == zero_d).all()) << "column " << j;
            EXPECT_TRUE((s.Ht.row(j).array() == zero_s).all()) << "column " << j;
        }
    }
}

// float and double give the same start to float precision.
TEST(Init, FloatMatchesDouble) {
    const Mat<double> A = random_sparse<double>(80, 60, 0.4, 95);
    const Mat<float> Af = A.cast<float>();
    const Start<double> d = start_of<double>(dense(A), 5, NndsvdFill::mean, 4);
    const Start<float> f = start_of<float>(dense(Af), 5, NndsvdFill::mean, 4);
    EXPECT_LE(relative_difference<double>(f.W.cast<double>(), d.W), 1e-4);
    EXPECT_LE(relative_difference<double>(f.Ht.cast<double>(), d.Ht), 1e-4);
}

// NNDSVD(cA) = √c NNDSVD(A): the truncation is relative, so the zero pattern does not depend
// on the scale of A (c = 4: the scaling is exact in binary).
TEST(Init, NndsvdScalesWithTheSquareRootOfA) {
    const Mat<double> A = random_sparse<double>(50, 40, 0.3, 97);
    const Mat<double> A4 = 4 * A, Atiny = 1e-12 * A;
    const Start<double> s = start_of<double>(dense(A), 5, NndsvdFill::zeros, 1);
    const Start<double> s4 = start_of<double>(dense(A4), 5, NndsvdFill::zeros, 1);
    const Start<double> st = start_of<double>(dense(Atiny), 5, NndsvdFill::zeros, 1);
    EXPECT_LE(relative_difference<double>(s4.W, 2 * s.W), 1e-12);
    EXPECT_LE(relative_difference<double>(s4.Ht, 2 * s.Ht), 1e-12);
    EXPECT_TRUE(((st.W.array() == 0) == (s.W.array() == 0)).all());
    EXPECT_LE(relative_difference<double>(st.W, 1e-6 * s.W), 1e-10);
}

// A = 0 gives zero factors (no NaN) for every fill and every k up to min(m, n); its SVD is
// zero with orthonormal (arbitrary) vectors.
TYPED_TEST(Init, ZeroMatrixGivesZeroFactors) {
    using T = TypeParam;
    const Mat<T> A = Mat<T>::Zero(7, 5);
    const Sparse<T> S = to_sparse(A);
    for (int k = 1; k <= 5; ++k)
        for (NndsvdFill fill : {NndsvdFill::zeros, NndsvdFill::mean, NndsvdFill::random}) {
            for (const Start<T>& s :
                 {start_of<T>(dense(A), k, fill, 1), start_of<T>(sparse(S), k, fill, 1)}) {
                EXPECT_TRUE(s.W.allFinite() && s.Ht.allFinite());
                EXPECT_EQ(s.W.cols(), k);
                EXPECT_TRUE((s.W.array() == 0).all());
                EXPECT_TRUE((s.Ht.array() == 0).all());
            }
        }
    const TruncatedSvd svd = randomized_svd(dense(A), 3, 10, 4, 1);
    EXPECT_TRUE((svd.s.array() == 0).all());
    EXPECT_LE((svd.U.transpose() * svd.U - Eigen::MatrixXd::Identity(3, 3)).norm(), 1e-14);
}

// Rank-deficient A with k = min(m, n): components past the rank have σ at rounding level and are
// left zero (nndsvda fills them with the mean); nothing is NaN.
TYPED_TEST(Init, RankDeficientWithFullK) {
    using T = TypeParam;
    const Mat<T> A = (uniform<double>(10, 3, 101) * uniform<double>(3, 8, 102)).cast<T>();
    const Start<T> s = start_of<T>(dense(A), 8, NndsvdFill::zeros, 1);
    EXPECT_TRUE(all_finite_nonnegative(s.W) && all_finite_nonnegative(s.Ht));
    EXPECT_TRUE((s.W.leftCols(3).colwise().norm().array() > 0).all());
    EXPECT_TRUE((s.W.rightCols(5).array() == 0).all());
    EXPECT_TRUE((s.Ht.rightCols(5).array() == 0).all());
    const Start<T> a = start_of<T>(dense(A), 8, NndsvdFill::mean, 1);
    const T mean = mean_of<T>(dense(A));
    EXPECT_TRUE((a.Ht.rightCols(5).array() == mean).all());
}

// The transposed adapter gives the transposed start: (W, Ht) of Aᵀ are (Ht, W) of A, exactly
// (nndsvd, nndsvda); dense and sparse.
TYPED_TEST(Init, TransposedAdapterGivesTheTransposedStart) {
    using T = TypeParam;
    const Mat<T> A = random_sparse<T>(45, 70, 0.3, 111);
    const Sparse<T> S = to_sparse(A);
    const DenseData<T> D = dense(A);
    const SparseData<T, int> Sp = sparse(S);
    for (NndsvdFill fill : {NndsvdFill::zeros, NndsvdFill::mean}) {
        const Start<T> s = start_of<T>(D, 7, fill, 3);
        const Start<T> t = start_of<T>(Transposed<DenseData<T>>(D), 7, fill, 3);
        EXPECT_TRUE(same_bits(s.W, t.Ht) && same_bits(s.Ht, t.W));
        const Start<T> ss = start_of<T>(Sp, 7, fill, 3);
        const Start<T> st = start_of<T>(Transposed<SparseData<T, int>>(Sp), 7, fill, 3);
        EXPECT_TRUE(same_bits(ss.W, st.Ht) && same_bits(ss.Ht, st.W));
    }
}

TEST(Init, RankOutsideOneToMinMNIsRefusedWithAMessage) {
    const Mat<double> A = uniform<double>(6, 4, 121);
    Mat<double> W, Ht;
    EXPECT_EQ(message_of([&] { nndsvd_start(dense(A), 5, NndsvdFill::mean, 0, W, Ht); }),
              "NNDSVD initialization needs 1 ≤ k ≤ min(m, n) = 4, got k = 5; use init random for a "
              "larger rank");
    EXPECT_EQ(message_of([&] { nndsvd_start(dense(A), 0, NndsvdFill::mean, 0, W, Ht); }),
              "NNDSVD initialization needs 1 ≤ k ≤ min(m, n) = 4, got k = 0; use init random for a "
              "larger rank");
    EXPECT_EQ(message_of([&] { randomized_svd(dense(A), 5); }),
              "randomized SVD: rank k = 5 must be between 1 and min(m, n) = 4");
    EXPECT_EQ(message_of([&] { randomized_svd(dense(A), 2, -1, 4); }),
              "randomized SVD: oversampling (-1) and power iterations (4) must be ≥ 0");
    EXPECT_THROW(nndsvd_start(dense(A), 5, NndsvdFill::mean, 0, W, Ht), std::invalid_argument);
}

}  // namespace
}  // namespace nmfkit::test
