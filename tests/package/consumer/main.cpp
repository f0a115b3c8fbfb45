// The consumer of an installed nmfkit (tests/package/consumer/CMakeLists.txt). Usage:
// consumer DOCS.mtx. Exits 0 when every check holds, else 1 with the failed check on stderr.
#include <cmath>
#include <cstdio>
#include <string>

#include <Eigen/Core>

#include <nmfkit/io/formats.hpp>
#include <nmfkit/nmfkit.hpp>

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
    if (!ok) {
        std::fprintf(stderr, "consumer: FAILED: %s\n", what.c_str());
        ++failures;
    }
}

// A factorization's shape, signs and fit: W (m x k) and H (k x n) non-negative, and the relative
// error the library reports equals ‖V − WH‖_F / ‖V‖_F recomputed here.
template <class Dense>
void check_result(const nmfkit::Result<double>& r, const Dense& V, int k, const std::string& name) {
    check(r.W.rows() == V.rows() && r.W.cols() == k, name + ": W is m x k");
    check(r.H.rows() == k && r.H.cols() == V.cols(), name + ": H is k x n");
    check(r.W.minCoeff() >= 0 && r.H.minCoeff() >= 0, name + ": W and H are non-negative");
    const double error = (V - r.W * r.H).norm() / V.norm();
    check(std::abs(error - r.relative_error) <= 1e-8,
          name + ": reported relative error " + std::to_string(r.relative_error) +
              " is ||V - WH|| / ||V|| = " + std::to_string(error));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: consumer DOCS.mtx\n");
        return 2;
    }
    // The package's version (nmfkitConfigVersion.cmake) is the headers' version.
    check(std::string(nmfkit::version) == CONSUMER_PACKAGE_VERSION,
          "nmfkit::version " + std::string(nmfkit::version) + " equals the package version " +
              CONSUMER_PACKAGE_VERSION);
    // The library came with its OpenMP OpenBLAS (nmfkit::openblas in a static package, the
    // library's RUNPATH in a shared one), not Debian's default pthread one.
    check(nmfkit::build_info().blas_follows_openmp, "BLAS is the OpenMP OpenBLAS");

    // V (20 x 15) = W0 H0 with non-negative rank-2 factors: a rank-2 fit recovers it closely.
    Eigen::MatrixXd W0(20, 2), H0(2, 15);
    for (int i = 0; i < 20; ++i) {
        W0(i, 0) = 1.0 + i % 5;
        W0(i, 1) = 0.5 + (i * 7) % 3;
    }
    for (int j = 0; j < 15; ++j) {
        H0(0, j) = 0.2 + (j * 3) % 4;
        H0(1, j) = 1.0 + j % 2;
    }
    const Eigen::MatrixXd V = W0 * H0;
    nmfkit::Options opt;
    opt.rank = 2;
    opt.seed = 7;
    opt.max_iter = 1000;
    opt.tol = 1e-10;
    opt.restarts = 3;
    const nmfkit::Result<double> r = nmfkit::fit(nmfkit::DenseView<double>(V), opt);
    check_result(r, V, 2, "dense fit");
    check(r.relative_error < 1e-3, "dense fit of an exact rank-2 V: relative error " +
                                       std::to_string(r.relative_error) + " < 1e-3");

    // Bad options throw nmfkit::InvalidInput, caught here by type across the library boundary.
    bool threw = false;
    try {
        nmfkit::Options bad;
        bad.rank = 0;
        (void)nmfkit::fit(nmfkit::DenseView<double>(V), bad);
    } catch (const nmfkit::InvalidInput& e) {
        threw = std::string(e.what()).find("rank") != std::string::npos;
    }
    check(threw, "rank 0 throws nmfkit::InvalidInput naming the rank");

    // nmfkit::io reads the bundled sparse example; the sparse fit works on it in place.
    const nmfkit::io::LoadedMatrix docs = nmfkit::io::read_matrix(argv[1]);
    check(docs.is_sparse && docs.rows() == 10 && docs.cols() == 12,
          "nmfkit::io reads docs.mtx as a sparse 10 x 12 matrix");
    if (docs.is_sparse) {
        nmfkit::Options topics;
        topics.rank = 3;
        topics.seed = 1;
        const nmfkit::Result<double> t =
            nmfkit::fit(nmfkit::SparseView<double>(docs.sparse), topics);
        check_result(t, Eigen::MatrixXd(docs.sparse), 3, "sparse fit of docs.mtx");
        check(t.relative_error < 1, "sparse fit of docs.mtx: relative error below 1");
    }

    if (failures == 0)
        std::printf("consumer: nmfkit %s: all checks passed\n", nmfkit::version.data());
    return failures == 0 ? 0 : 1;
}
