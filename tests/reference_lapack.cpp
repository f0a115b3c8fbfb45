// LAPACK's dgesdd and dsyevd behind reference_lapack.hpp (Fortran calling convention: every
// argument by address, column-major arrays, the workspace sizes asked for with lwork = -1 first).

#include "reference_lapack.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" {
void dgesdd_(const char* jobz, const int* m, const int* n, double* a, const int* lda, double* s,
             double* u, const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork,
             int* iwork, int* info);
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
             double* work, const int* lwork, int* iwork, const int* liwork, int* info);
}

namespace nmfkit::test {
namespace {

void check(int info, const char* routine) {
    if (info != 0)
        throw std::runtime_error(std::string(routine) + ": info = " + std::to_string(info));
}

/// dgesdd with jobz 'S' (thin vectors) or 'N' (values only).
ReferenceSvd gesdd(const Eigen::MatrixXd& A, char jobz) {
    const int m = static_cast<int>(A.rows()), n = static_cast<int>(A.cols());
    const int r = std::min(m, n);
    Eigen::MatrixXd a = A;  // dgesdd overwrites its input
    ReferenceSvd out;
    out.s.resize(r);
    Eigen::MatrixXd Vt;
    if (jobz == 'S') {
        out.U.resize(m, r);
        Vt.resize(r, n);
    }
    const int lda = std::max(1, m), ldu = std::max(1, m), ldvt = std::max(1, r);
    std::vector<int> iwork(static_cast<std::size_t>(8 * std::max(1, r)));
    double query = 0;
    int lwork = -1, info = 0;
    dgesdd_(&jobz, &m, &n, a.data(), &lda, out.s.data(), out.U.data(), &ldu, Vt.data(), &ldvt,
            &query, &lwork, iwork.data(), &info);
    check(info, "dgesdd (workspace query)");
    lwork = static_cast<int>(query);
    std::vector<double> work(static_cast<std::size_t>(std::max(1, lwork)));
    dgesdd_(&jobz, &m, &n, a.data(), &lda, out.s.data(), out.U.data(), &ldu, Vt.data(), &ldvt,
            work.data(), &lwork, iwork.data(), &info);
    check(info, "dgesdd");
    if (jobz == 'S') out.V = Vt.transpose();
    return out;
}

}  // namespace

ReferenceSvd reference_svd(const Eigen::MatrixXd& A) { return gesdd(A, 'S'); }

Eigen::VectorXd singular_values(const Eigen::MatrixXd& A) { return gesdd(A, 'N').s; }

Eigen::VectorXd symmetric_eigenvalues(const Eigen::MatrixXd& G) {
    const int n = static_cast<int>(G.rows());
    Eigen::MatrixXd a = G;
    Eigen::VectorXd w(n);
    const char jobz = 'N', uplo = 'L';
    const int lda = std::max(1, n);
    double query = 0;
    int iquery = 0, lwork = -1, liwork = -1, info = 0;
    dsyevd_(&jobz, &uplo, &n, a.data(), &lda, w.data(), &query, &lwork, &iquery, &liwork, &info);
    check(info, "dsyevd (workspace query)");
    lwork = static_cast<int>(query);
    liwork = std::max(1, iquery);
    std::vector<double> work(static_cast<std::size_t>(std::max(1, lwork)));
    std::vector<int> iwork(static_cast<std::size_t>(liwork));
    dsyevd_(&jobz, &uplo, &n, a.data(), &lda, w.data(), work.data(), &lwork, iwork.data(), &liwork,
            &info);
    check(info, "dsyevd");
    return w;
}

}  // namespace nmfkit::test
