// The fits of tests/valgrind_dispatch.sh, in one process: valgrind's virtual CPU (3.19) has AVX2
// but not AVX-512, so the dispatch (src/linalg/kernels.hpp) must pick the avx2 kernels there, and
// small dense and sparse fits, Frobenius and KL, float64 and float32, must run without one
// instruction valgrind does not implement (an AVX-512 instruction ends the program with SIGILL)
// and without memory errors (memcheck). One process, because each valgrind start costs seconds:
// as one `nmfkit fit` per case (16 processes) the test took 53 s of CI's time.
// Usage: nmfkit_valgrind_fits EXPECTED_ISA (exit 0 when every fit is finite and non-negative on
// that target; 1 otherwise, with the reason on stderr).

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <nmfkit/nmfkit.hpp>

namespace {

struct Case {
    int k;
    nmfkit::Loss loss;
    nmfkit::Solver solver;
    bool float32;
    bool low_memory;
};

template <class T>
bool good(const nmfkit::Result<T>& r) {
    return std::isfinite(r.relative_error) && r.iterations == 8 && r.W.allFinite() &&
           r.H.allFinite() && r.W.minCoeff() >= 0 && r.H.minCoeff() >= 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: nmfkit_valgrind_fits EXPECTED_ISA\n");
        return 2;
    }
    const std::string isa = nmfkit::build_info().isa;
    if (isa != argv[1]) {
        std::fprintf(stderr, "valgrind_fits: expected the %s kernels, got %s\n", argv[1],
                     isa.c_str());
        return 1;
    }

    // A dense 60 x 40 matrix and a sparse 300 x 200 one with 2400 entries, positive and
    // deterministic (the same as the script's files had).
    Eigen::MatrixXd dense(60, 40);
    for (int i = 0; i < 60; ++i)
        for (int j = 0; j < 40; ++j) dense(i, j) = (((i * 7 + j * 13) % 17) + 1) / 3.0;
    std::vector<Eigen::Triplet<double>> entries;
    for (int j = 1; j <= 200; ++j)
        for (int i = 1; i <= 300; ++i)
            if ((i * 31 + j * 17) % 25 == 0) entries.emplace_back(i - 1, j - 1, (i + j) % 9 + 1);
    Eigen::SparseMatrix<double> sparse(300, 200);
    sparse.setFromTriplets(entries.begin(), entries.end());
    sparse.makeCompressed();
    const Eigen::MatrixXf dense_f = dense.cast<float>();
    const Eigen::SparseMatrix<float> sparse_f = sparse.cast<float>();

    // Frobenius by HALS and MU (Grams, X·FᵀF), KL by MU (the sampled kernels and the KL terms) and
    // CD; float32 and float64; the sparse KL also in the low-memory mode (the sampled scatter).
    // k = 20 runs the kernels' vector bodies and their remainders; k = 3 (below the vector width)
    // once per input. The tails of every kernel at every k are tested per target by the kernel
    // tests.
    using nmfkit::Loss, nmfkit::Solver;
    const Loss frob = Loss::frobenius, kl = Loss::kullback_leibler;
    const std::vector<Case> cases = {
        {3, frob, Solver::hals, false, false}, {20, frob, Solver::hals, false, false},
        {20, frob, Solver::mu, true, false},   {20, kl, Solver::mu, false, false},
        {20, kl, Solver::mu, true, false},     {20, kl, Solver::cd, false, false},
        {3, kl, Solver::cd, false, false},
    };
    int failed = 0;
    auto check = [&](bool ok, const char* input, const Case& c) {
        const std::string loss(nmfkit::to_string(c.loss)), solver(nmfkit::to_string(c.solver));
        std::printf("valgrind_fits: %s k = %d, %s, %s%s%s: %s\n", input, c.k, loss.c_str(),
                    solver.c_str(), c.float32 ? ", float32" : "",
                    c.low_memory ? ", low memory" : "", ok ? "ok" : "NOT FINITE OR NEGATIVE");
        failed += ok ? 0 : 1;
    };
    auto options = [](const Case& c) {
        nmfkit::Options o;
        o.rank = c.k;
        o.loss = c.loss;
        o.solver = c.solver;
        o.max_iter = 8;
        o.tol = 0;
        o.seed = 1;
        o.threads = 2;
        o.low_memory = c.low_memory;
        return o;
    };
    for (const Case& c : cases) {
        const nmfkit::Options o = options(c);
        check(c.float32 ? good(nmfkit::fit(nmfkit::DenseView<float>(dense_f), o))
                        : good(nmfkit::fit(nmfkit::DenseView<double>(dense), o)),
              "dense", c);
    }
    std::vector<Case> sparse_cases = cases;
    sparse_cases.push_back({20, kl, Solver::mu, false, true});
    for (const Case& c : sparse_cases) {
        const nmfkit::Options o = options(c);
        check(c.float32 ? good(nmfkit::fit(nmfkit::SparseView<float>(sparse_f), o))
                        : good(nmfkit::fit(nmfkit::SparseView<double>(sparse), o)),
              "sparse", c);
    }
    std::printf("valgrind_fits: %s kernels, %d of %zu fits bad\n", isa.c_str(), failed,
                cases.size() + sparse_cases.size());
    return failed == 0 ? 0 : 1;
}
