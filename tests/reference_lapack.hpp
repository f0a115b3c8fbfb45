#pragma once
// Reference decompositions for the tests, from LAPACK (the one in the OpenBLAS the library links):
// a full SVD and the eigenvalues of a symmetric matrix, in double. They stand in for Eigen's SVD
// and eigen solvers, whose templates are the most expensive code of the test programs to compile
// (docs/design.md, "Tests"); this file is compiled once and shared.

#include <Eigen/Core>

namespace nmfkit::test {

/// Thin SVD A = U diag(s) Vᵀ of an m x n matrix, r = min(m, n): U (m x r), s (r, descending),
/// V (n x r). Singular vectors are defined up to a common sign of each pair (u_j, v_j).
struct ReferenceSvd {
    Eigen::VectorXd s;
    Eigen::MatrixXd U, V;
};

/// The thin SVD of A (LAPACK dgesdd); throws std::runtime_error if LAPACK reports a failure.
ReferenceSvd reference_svd(const Eigen::MatrixXd& A);

/// The singular values of A, descending (dgesdd without vectors).
Eigen::VectorXd singular_values(const Eigen::MatrixXd& A);

/// The eigenvalues of the symmetric matrix G (its lower triangle is read), ascending (dsyevd).
Eigen::VectorXd symmetric_eigenvalues(const Eigen::MatrixXd& G);

}  // namespace nmfkit::test
