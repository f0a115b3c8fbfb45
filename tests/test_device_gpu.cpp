// The CUDA device path against the CPU (docs/design.md, "Device"), label `gpu`: from the same start,
// a few iterations of every pair the device runs give the CPU's factors to the rounding of the
// scalar type, dense (both layouts) and sparse (CSC and CSR), float and double, with an empty row
// and an empty column. Where no CUDA device is present each test is reported as skipped, with the
// reason (ctest: SKIP_REGULAR_EXPRESSION), never passed.

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <tuple>

#include <nmfkit/nmfkit.hpp>

namespace {

using nmfkit::Device;
using nmfkit::Loss;
using nmfkit::Matrix;
using nmfkit::Options;
using nmfkit::Solver;

// Skips the calling test where no device is present, saying why.
#define NMFKIT_REQUIRE_GPU()                                                         \
    do {                                                                             \
        const nmfkit::BuildInfo b = nmfkit::build_info();                            \
        if (b.devices.empty()) GTEST_SKIP() << "no CUDA device: " << b.devices_note; \
    } while (false)

// A non-negative m x n matrix of rank about k plus noise, with row 1 and column 2 all zero and
// about half the remaining entries zero (so sparse storage leaves them out).
template <class T>
Matrix<T> test_matrix(Eigen::Index m, Eigen::Index n, int k, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(0, 1);
    Matrix<double> W(m, k), H(k, n);
    for (double& x : W.reshaped()) x = u(rng);
    for (double& x : H.reshaped()) x = u(rng);
    Matrix<double> V = W * H;
    for (double& x : V.reshaped()) x = u(rng) < 0.5 ? 0.0 : x * (0.9 + 0.2 * u(rng));
    V.row(1).setZero();
    V.col(2).setZero();
    return V.cast<T>();
}

// ‖X − Y‖_F / ‖Y‖_F.
template <class T>
double relative_difference(const Matrix<T>& X, const Matrix<T>& Y) {
    const double d = (X.template cast<double>() - Y.template cast<double>()).norm();
    const double y = Y.template cast<double>().norm();
    return y > 0 ? d / y : d;
}

using Pair = std::tuple<Solver, Loss>;
class DeviceGpu : public ::testing::TestWithParam<Pair> {};

template <class T>
void agrees_with_the_cpu(Solver s, Loss l) {
    constexpr Eigen::Index m = 60, n = 45;
    constexpr int k = 5;
    const Matrix<T> V = test_matrix<T>(m, n, k, 7);
    Options o;
    o.rank = k;
    o.solver = s;
    o.loss = l;
    o.max_iter = 8;
    o.tol = 0;                                     // exactly max_iter iterations on both
    o.extrapolation = nmfkit::Extrapolation::off;  // the device does not extrapolate
    o.init = nmfkit::Init::random;
    o.seed = 3;
    // Float: a few iterations amplify rounding by the conditioning; 1e-3 is far below what a wrong
    // formula gives (an iteration changes the factors by ~1e-1 here).
    const double tol = std::is_same_v<T, float> ? 1e-3 : 1e-9;
    Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> Vrow = V;
    const Eigen::SparseMatrix<T> csc = V.sparseView();
    const Eigen::SparseMatrix<T, Eigen::RowMajor> csr = V.sparseView();
    auto fit_on = [&](const auto& view, Device d) {
        Options od = o;
        od.device = d;
        return nmfkit::fit(view, od);
    };
    const Device gpu{Device::Kind::cuda, 0};
    const auto cpu = fit_on(nmfkit::DenseView<T>(V), Device{});
    ASSERT_TRUE((cpu.W.row(1).array() == 0).all() && (cpu.H.col(2).array() == 0).all());
    for (const auto& [name, r] :
         {std::pair{"dense column-major", fit_on(nmfkit::DenseView<T>(V), gpu)},
          std::pair{"dense row-major", fit_on(nmfkit::DenseView<T>(Vrow), gpu)},
          std::pair{"sparse csc", fit_on(nmfkit::SparseView<T, int>(csc), gpu)},
          std::pair{"sparse csr", fit_on(nmfkit::SparseView<T, int>(csr), gpu)}}) {
        SCOPED_TRACE(name);
        EXPECT_EQ(r.iterations, cpu.iterations);
        EXPECT_LT(relative_difference(r.W, cpu.W), tol);
        EXPECT_LT(relative_difference(r.H, cpu.H), tol);
        EXPECT_NEAR(r.objective, cpu.objective, tol * cpu.objective);
        EXPECT_TRUE((r.W.array() >= 0).all() && (r.H.array() >= 0).all());
        // V's empty row 1 and column 2: every update multiplies (mu) or clips (hals) them to 0.
        EXPECT_TRUE((r.W.row(1).array() == 0).all());
        EXPECT_TRUE((r.H.col(2).array() == 0).all());
    }
}

TEST_P(DeviceGpu, FloatAgreesWithTheCpu) {
    NMFKIT_REQUIRE_GPU();
    agrees_with_the_cpu<float>(std::get<0>(GetParam()), std::get<1>(GetParam()));
}

TEST_P(DeviceGpu, DoubleAgreesWithTheCpu) {
    NMFKIT_REQUIRE_GPU();
    agrees_with_the_cpu<double>(std::get<0>(GetParam()), std::get<1>(GetParam()));
}

TEST_P(DeviceGpu, PenaltiesAgreeWithTheCpu) {
    NMFKIT_REQUIRE_GPU();
    const Matrix<double> V = test_matrix<double>(30, 20, 3, 11);
    Options o;
    o.rank = 3;
    o.solver = std::get<0>(GetParam());
    o.loss = std::get<1>(GetParam());
    o.max_iter = 5;
    o.tol = 0;
    o.extrapolation = nmfkit::Extrapolation::off;
    o.w = {0.1, 0.2};
    o.h = {0.05, 0.3};
    const auto cpu = nmfkit::fit(nmfkit::DenseView<double>(V), o);
    o.device = {Device::Kind::cuda, 0};
    const auto gpu = nmfkit::fit(nmfkit::DenseView<double>(V), o);
    EXPECT_LT(relative_difference(gpu.W, cpu.W), 1e-9);
    EXPECT_LT(relative_difference(gpu.H, cpu.H), 1e-9);
    for (std::size_t i = 0; i < cpu.history.size(); ++i)
        EXPECT_NEAR(gpu.history[i].objective, cpu.history[i].objective,
                    1e-9 * cpu.history[i].objective);
}

INSTANTIATE_TEST_SUITE_P(Pairs, DeviceGpu,
                         ::testing::Values(Pair{Solver::mu, Loss::frobenius},
                                           Pair{Solver::hals, Loss::frobenius},
                                           Pair{Solver::mu, Loss::kullback_leibler}),
                         [](const ::testing::TestParamInfo<Pair>& p) {
                             return std::string(nmfkit::to_string(std::get<0>(p.param))) + "_" +
                                    std::string(nmfkit::to_string(std::get<1>(p.param)));
                         });

}  // namespace
