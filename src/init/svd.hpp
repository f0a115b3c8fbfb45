#pragma once
// Randomized truncated SVD (Halko, Martinsson & Tropp, "Finding structure with randomness:
// probabilistic algorithms for constructing approximate matrix decompositions", SIAM Review 53(2),
// 2011): Algorithm 4.4 (randomized subspace iteration) finds an orthonormal basis Q of the
// dominant range of A, Algorithm 5.1 (direct SVD) factorizes QᵀA. A is touched only through the
// adapter's two products, so a sparse A is never densified; the small dense factorizations (QR
// of tall blocks, SVD of an l x l triangle) go to LAPACK.

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Cholesky>

#include <nmfkit/errors.hpp>
#include <nmfkit/result.hpp>

#include "linalg/parallel.hpp"
#include "linalg/reduce.hpp"
#include "init/random.hpp"

// LAPACK's Fortran entry points (LP64: 32-bit INTEGER), as exported by OpenBLAS, which bundles
// LAPACK. No C header is installed for them (no lapacke.h), so they are declared here. Each
// CHARACTER argument is followed, after the declared arguments, by its hidden length (gfortran's
// convention, as LAPACKE passes it), since callees may rely on it.
extern "C" {
void dgeqrf_(const int* m, const int* n, double* a, const int* lda, double* tau, double* work,
             const int* lwork, int* info);
void dorgqr_(const int* m, const int* n, const int* k, double* a, const int* lda, const double* tau,
             double* work, const int* lwork, int* info);
void dgesvd_(const char* jobu, const char* jobvt, const int* m, const int* n, double* a,
             const int* lda, double* s, double* u, const int* ldu, double* vt, const int* ldvt,
             double* work, const int* lwork, int* info, std::size_t jobu_len,
             std::size_t jobvt_len);
}

namespace nmfkit::detail {

/// Oversampling p: the sketch has l = k + p columns. Halko et al. (Section 4.2) find p = 5 or 10
/// enough with Gaussian test matrices; 10 is scikit-learn's default too.
constexpr int svd_oversampling = 10;

/// Power (subspace) iterations q. The expected error ‖A − QQᵀA‖ is at most C^(1/(2q+1)) σ_{k+1},
/// with C = 1 + √(k/(p−1)) + e√(k+p)/p · √(min(m, n) − k) (Halko et al., Corollary 10.10):
/// with q = 4, p = 10, k = 20 and min(m, n) = 10⁴, C ≈ 150 and C^(1/9) ≈ 1.75, so the basis is
/// nearly as good as the exact one even when the spectrum decays slowly, as it does for
/// non-negative data past the leading component. Each iteration costs two products with A.
constexpr int svd_power_iterations = 4;

/// The leading k singular triplets of A (m x n): A ≈ U diag(s) Vᵀ, in double for either scalar.
struct TruncatedSvd {
    Eigen::VectorXd s;  ///< k singular values, descending
    Matrix<double> U;   ///< m x k, orthonormal columns
    Matrix<double> V;   ///< n x k, orthonormal columns
};

/// LAPACK's dimensions are 32-bit; throws when n does not fit.
inline int lapack_int(Eigen::Index n) {
    if (n > INT_MAX)
        throw InvalidInput("randomized SVD: dimension " + std::to_string(n) +
                           " exceeds LAPACK's 32-bit index range");
    return static_cast<int>(n);
}

/// Q (rows x c, rows ≥ c) ← an orthonormal basis of its own range, by Householder QR (LAPACK
/// dgeqrf + dorgqr); with R, also the triangular factor (c x c) of Q_in = Q R. Columns that are
/// dependent (a rank-deficient or zero Q_in) still come out orthonormal.
inline void orthonormalize(Matrix<double>& Q, Matrix<double>* R = nullptr) {
    const int rows = lapack_int(Q.rows()), c = lapack_int(Q.cols());
    if (c == 0) return;
    std::vector<double> tau(static_cast<std::size_t>(c));
    // Workspace queries (lwork = −1) of both routines; one buffer serves both.
    int info = 0, query = -1;
    double size_qrf = 0, size_orgqr = 0;
    dgeqrf_(&rows, &c, Q.data(), &rows, tau.data(), &size_qrf, &query, &info);
    dorgqr_(&rows, &c, &c, Q.data(), &rows, tau.data(), &size_orgqr, &query, &info);
    int lwork = std::max({1, static_cast<int>(size_qrf), static_cast<int>(size_orgqr)});
    std::vector<double> work(static_cast<std::size_t>(lwork));
    dgeqrf_(&rows, &c, Q.data(), &rows, tau.data(), work.data(), &lwork, &info);
    if (info != 0)
        throw std::runtime_error("randomized SVD: dgeqrf failed, info " + std::to_string(info));
    if (R != nullptr) *R = Q.topRows(c).triangularView<Eigen::Upper>();
    dorgqr_(&rows, &c, &c, Q.data(), &rows, tau.data(), work.data(), &lwork, &info);
    if (info != 0)
        throw std::runtime_error("randomized SVD: dorgqr failed, info " + std::to_string(info));
}

/// R (c x c) = Ur diag(s) Vrᵀ by LAPACK dgesvd (bidiagonalization and implicit QR), s descending.
inline void small_svd(Matrix<double> R, Matrix<double>& Ur, Eigen::VectorXd& s,
                      Matrix<double>& Vr) {
    const int c = lapack_int(R.rows());
    Ur.resize(c, c);
    s.resize(c);
    Matrix<double> Vrt(c, c);
    const char job = 'A';
    int info = 0, query = -1;
    double size = 0;
    dgesvd_(&job, &job, &c, &c, R.data(), &c, s.data(), Ur.data(), &c, Vrt.data(), &c, &size,
            &query, &info, 1, 1);
    int lwork = std::max(1, static_cast<int>(size));
    std::vector<double> work(static_cast<std::size_t>(lwork));
    dgesvd_(&job, &job, &c, &c, R.data(), &c, s.data(), Ur.data(), &c, Vrt.data(), &c, work.data(),
            &lwork, &info, 1, 1);
    if (info != 0)
        throw std::runtime_error("randomized SVD: dgesvd did not converge, info " +
                                 std::to_string(info));
    Vr = Vrt.transpose();
}

/// Ω (rows x l), standard normal by the Box-Muller transform of the counter-based uniforms:
/// Ω(i, 2t) = r cos θ, Ω(i, 2t + 1) = r sin θ with r = √(−2 ln u₁), θ = 2π u₂,
/// u₁ = u(seed, sketch, i, 2t), u₂ = u(seed, sketch, i, 2t + 1). Each entry depends only on its
/// key (u is in the open interval (0, 1), so ln u₁ is finite), not on the thread count.
/// Rows are keyed by their global index row0 + i (a process holding rows row0, ... of Ω draws the
/// serial values).
template <class T>
Matrix<T> gaussian_sketch(Eigen::Index rows, Eigen::Index l, std::uint64_t seed,
                          std::uint64_t row0 = 0) {
    Matrix<T> omega(rows, l);
#pragma omp parallel for schedule(static) if (worth_parallel(rows * l * 32))
    for (Eigen::Index i = 0; i < rows; ++i)
        for (Eigen::Index c = 0; c < l; c += 2) {
            const auto row = row0 + static_cast<std::uint64_t>(i),
                       col = static_cast<std::uint64_t>(c);
            const double u1 = uniform_open01(seed, Stream::sketch, row, col);
            const double u2 = uniform_open01(seed, Stream::sketch, row, col + 1);
            const double r = std::sqrt(-2.0 * std::log(u1)), theta = 2.0 * std::numbers::pi * u2;
            omega(i, c) = static_cast<T>(r * std::cos(theta));
            if (c + 1 < l) omega(i, c + 1) = static_cast<T>(r * std::sin(theta));
        }
    return omega;
}

/// Aᵀ of an adapter, seen through its two products only (all randomized_svd needs).
template <class D>
class TransposedProducts : public TransposedReductions<D> {
public:
    using Scalar = typename D::Scalar;
    explicit TransposedProducts(const D& a) : TransposedReductions<D>(a) {}
    Eigen::Index rows() const { return a_.cols(); }
    Eigen::Index cols() const { return a_.rows(); }
    void times(const Matrix<Scalar>& F, Matrix<Scalar>& out) const { a_.transpose_times(F, out); }
    void transpose_times(const Matrix<Scalar>& F, Matrix<Scalar>& out) const { a_.times(F, out); }

private:
    using TransposedReductions<D>::a_;
};

/// Q (rows x c) ← an orthonormal basis of its range, with R (c x c) of Q_in = Q R, where Q's rows
/// are those of a factor of A: serially by Householder QR (orthonormalize); when the rows are
/// spread over processes, by Cholesky QR (Q ← Q R⁻¹ with RᵀR = QᵀQ, the Gram summed over the
/// processes) made three times, the first with a small shift so that a nearly singular Gram still
/// factorizes (shifted CholeskyQR3: Fukaya, Kannan, Nakatsukasa, Yamamoto & Yanagisawa, SIAM J.
/// Sci. Comput. 42(1), 2020). Both give the same Q up to the signs of its columns (R's diagonal is
/// positive here), which the SVD below absorbs. R is made the same on every process.
template <class D>
void orthonormalize_over(const D& A, Matrix<double>& Q, Matrix<double>* R = nullptr) {
    if constexpr (!spread_over_processes<D>) {
        orthonormalize(Q, R);
    } else {
        const Eigen::Index c = Q.cols();
        Matrix<double> total = Matrix<double>::Identity(c, c);
        for (int pass = 0; pass < 3; ++pass) {
            Matrix<double> G = Q.transpose() * Q;  // c x c
            all_sum_in_place(A, G);
            const double trace = G.trace();
            if (pass == 0) G.diagonal().array() += trace > 0 ? 1e-14 * trace : 1.0;
            Eigen::LLT<Matrix<double>> llt(G);
            Matrix<double> Rp = llt.matrixU();
            make_same(A, Rp);
            if (llt.info() != Eigen::Success || !Rp.allFinite()) break;  // a zero block: Q stays
            // An empty local block (more ranks than rows) has nothing to solve, and BLAS refuses
            // the call (trsm's LDB = 0 is illegal).
            if (Q.rows() > 0)
                Q = Rp.transpose()
                        .template triangularView<Eigen::Lower>()
                        .solve(Q.transpose())
                        .transpose();
            total = Rp * total;
        }
        if (R != nullptr) *R = total;
    }
}

/// The randomized SVD of a tall A (m x n, m ≥ n ≥ l) with a sketch of l columns and q power
/// iterations; see randomized_svd.
template <class D>
TruncatedSvd randomized_svd_tall(const D& A, Eigen::Index k, Eigen::Index l, int q,
                                 std::uint64_t seed) {
    using T = typename D::Scalar;
    // Products go through the adapter in T; bases and factorizations are kept in double.
    Matrix<T> F;     // operand of a product: n x l or m x l
    Matrix<T> Y, Z;  // A F (m x l), Aᵀ F (n x l)
    // Halko et al., Algorithm 4.4, steps 1-2: Y₀ = A Ω, Q₀ R₀ = Y₀. (Distributed: the rows of Ω,
    // Q and P held here.)
    A.times(gaussian_sketch<T>(local_cols(A), l, seed, first_col(A)), Y);
    Matrix<double> Q = Y.template cast<double>();  // m x l
    orthonormalize_over(A, Q);
    // Steps 3-6: Q̃ⱼ R̃ⱼ = Aᵀ Qⱼ₋₁, Qⱼ Rⱼ = A Q̃ⱼ; orthonormalizing after every product keeps the
    // small singular values, which (AAᵀ)^q A alone would round away, resolvable.
    Matrix<double> P;  // n x l
    for (int it = 0; it < q; ++it) {
        F = Q.template cast<T>();
        A.transpose_times(F, Z);
        P = Z.template cast<double>();
        orthonormalize_over(A, P);
        F = P.template cast<T>();
        A.times(F, Y);
        Q = Y.template cast<double>();
        orthonormalize_over(A, Q);
    }
    // Algorithm 5.1: B = Qᵀ A (l x n), formed as Bᵀ = Aᵀ Q (n x l) = P R, then the l x l
    // R = Ur Σ Vrᵀ. So B = Rᵀ Pᵀ = Vr Σ (P Ur)ᵀ and A ≈ Q B = (Q Vr) Σ (P Ur)ᵀ. Factorizing
    // Bᵀ rather than the Gram B Bᵀ keeps singular values down to ε·σ₁ (the Gram squares them).
    F = Q.template cast<T>();
    A.transpose_times(F, Z);
    P = Z.template cast<double>();
    Matrix<double> R, Ur, Vr;  // l x l
    orthonormalize_over(A, P, &R);
    TruncatedSvd out;
    Eigen::VectorXd s;
    small_svd(std::move(R), Ur, s, Vr);
    make_same(A, s);
    make_same(A, Ur);
    make_same(A, Vr);
    out.s = s.head(k);
    out.U.noalias() = Q * Vr.leftCols(k);
    out.V.noalias() = P * Ur.leftCols(k);
    return out;
}

/// The leading k singular triplets of the adapter A (m x n) by randomized subspace iteration
/// (Halko, Martinsson & Tropp 2011, Algorithms 4.4 and 5.1) with a sketch of
/// l = min(k + oversampling, min(m, n)) columns and `power_iterations` = q: 2q + 2 products with
/// A, each with l columns, in A's scalar type; the rest (QR of the m x l and n x l blocks, SVD of
/// an l x l triangle) in double through LAPACK, O((m + n) l²). When l = min(m, n) the sketch
/// spans the whole range and the result is exact to rounding. A wide A (m < n) is handled as
/// Aᵀ, so A and Aᵀ give the same triplets with U and V swapped, bit for bit. The Gaussian test
/// matrix comes from the counter-based generator keyed by `seed`: the same seed and thread count
/// give the same bits; other thread counts agree to rounding (BLAS inside the products and the
/// QRs may block differently).
/// Requires 1 ≤ k ≤ min(m, n), oversampling ≥ 0, power_iterations ≥ 0 (else InvalidInput).
template <class D>
TruncatedSvd randomized_svd(const D& A, int k, int oversampling = svd_oversampling,
                            int power_iterations = svd_power_iterations, std::uint64_t seed = 0) {
    const Eigen::Index m = A.rows(), n = A.cols(), short_side = std::min(m, n);
    if (k < 1 || k > short_side)
        throw InvalidInput("randomized SVD: rank k = " + std::to_string(k) +
                           " must be between 1 and min(m, n) = " + std::to_string(short_side));
    if (oversampling < 0 || power_iterations < 0)
        throw InvalidInput("randomized SVD: oversampling (" + std::to_string(oversampling) +
                           ") and power iterations (" + std::to_string(power_iterations) +
                           ") must be ≥ 0");
    lapack_int(std::max(m, n));
    const Eigen::Index l = std::min<Eigen::Index>(Eigen::Index{k} + oversampling, short_side);
    if (m >= n) return randomized_svd_tall(A, k, l, power_iterations, seed);
    TruncatedSvd out = randomized_svd_tall(TransposedProducts<D>(A), k, l, power_iterations, seed);
    std::swap(out.U, out.V);
    return out;
}

}  // namespace nmfkit::detail
