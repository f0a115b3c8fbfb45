// Bad input throws InvalidInput with a message naming the problem and the first position.

#include "helpers.hpp"

namespace nmfkit::test {
namespace {

Options rank2() {
    Options o;
    o.rank = 2;
    o.max_iter = 5;
    return o;
}

TEST(Validation, InvalidInputIsAnInvalidArgument) {
    static_assert(std::is_base_of_v<std::invalid_argument, InvalidInput>);
}

TEST(Validation, NegativeEntryNamesTheFirstPositionInReadingOrder) {
    Eigen::MatrixXd V = Eigen::MatrixXd::Ones(4, 5);
    V(3, 0) = -2;  // first in memory order (column-major) ...
    V(1, 4) = -1;  // ... but this one comes first reading row by row
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(V), rank2()); }),
              "negative entry -1 in V at row 1, column 4 (0-based)");
    const Eigen::Matrix<double, -1, -1, Eigen::RowMajor> Vr = V;
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(Vr), rank2()); }),
              "negative entry -1 in V at row 1, column 4 (0-based)");
}

TEST(Validation, NanAndInfinityAreRejected) {
    Eigen::MatrixXf V = Eigen::MatrixXf::Ones(3, 3);
    V(2, 1) = std::numeric_limits<float>::quiet_NaN();
    EXPECT_EQ(message_of([&] { fit(DenseView<float>(V), rank2()); }),
              "NaN entry in V at row 2, column 1 (0-based)");
    V(2, 1) = 1;
    V(0, 2) = std::numeric_limits<float>::infinity();
    EXPECT_EQ(message_of([&] { fit(DenseView<float>(V), rank2()); }),
              "infinite entry inf in V at row 0, column 2 (0-based)");
}

TEST(Validation, EmptyMatrixAndBadRank) {
    const Eigen::MatrixXd empty(0, 4);
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(empty), rank2()); }),
              "V is empty (0 x 4); it needs at least one row and one column");
    const Eigen::MatrixXd V = Eigen::MatrixXd::Ones(3, 3);
    Options o = rank2();
    o.rank = 0;
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(V), o); }), "rank must be at least 1, got 0");
    o.rank = -3;
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(V), o); }), "rank must be at least 1, got -3");
}

TEST(Validation, BadOptionValues) {
    const Eigen::MatrixXd V = Eigen::MatrixXd::Ones(3, 3);
    Options o = rank2();
    o.max_iter = -1;
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(V), o); }),
              "max_iter must be at least 0, got -1");
    o = rank2();
    o.tol = std::numeric_limits<double>::quiet_NaN();
    EXPECT_EQ(
        message_of([&] { fit(DenseView<double>(V), o); }).rfind("tol must be a finite number", 0),
        0u);
    o = rank2();
    o.threads = -1;
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(V), o); }),
              "threads must be ≥ 0 (0 = all cores), got -1");
    o = rank2();
    o.time_limit = -1;
    EXPECT_NE(message_of([&] { fit(DenseView<double>(V), o); }).find("time_limit"),
              std::string::npos);
}

TEST(Validation, UnsupportedSolverLossPairListsTheSupportedSolvers) {
    const Eigen::MatrixXd V = Eigen::MatrixXd::Ones(3, 3);
    Options o = rank2();
    o.solver = Solver::hals;
    o.loss = Loss::kullback_leibler;
    EXPECT_EQ(
        message_of([&] { fit(DenseView<double>(V), o); }),
        "solver hals does not support loss kullback_leibler; solvers for kullback_leibler: mu, cd");
    o.solver = Solver::als;
    EXPECT_EQ(
        message_of([&] { fit(DenseView<double>(V), o); }),
        "solver als does not support loss kullback_leibler; solvers for kullback_leibler: mu, cd");
}

TEST(Validation, CustomFactorsOfTheWrongShapeOrSign) {
    const Eigen::MatrixXd V = Eigen::MatrixXd::Ones(4, 3);
    Options o = rank2();
    o.init = Init::custom;
    InitialFactors<double> start{Eigen::MatrixXd::Ones(4, 3), Eigen::MatrixXd::Ones(2, 3)};
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(V), o, start); }),
              "custom W has shape 4 x 3, expected 4 x 2 (rows of V x rank)");
    start.W = Eigen::MatrixXd::Ones(4, 2);
    start.H = Eigen::MatrixXd::Ones(2, 4);
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(V), o, start); }),
              "custom H has shape 2 x 4, expected 2 x 3 (rank x columns of V)");
    start.H = Eigen::MatrixXd::Ones(2, 3);
    start.H(1, 2) = -0.5;
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(V), o, start); }),
              "negative entry -0.5 in custom H at row 1, column 2 (0-based)");
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(V), o); }),
              "init custom needs starting factors: call fit(V, options, {W, H})");
    start.H(1, 2) = 0.5;
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(V), rank2(), start); }),
              "starting factors were given but init is not custom; set init to custom");
}

TEST(Validation, OptionsAloneAreCheckedBeforeAnyData) {
    Options o = rank2();
    EXPECT_NO_THROW(validate(o));
    o.rank = 0;
    EXPECT_EQ(message_of([&] { validate(o); }), "rank must be at least 1, got 0");
    o = rank2();
    o.solver = Solver::als;
    o.loss = Loss::kullback_leibler;
    EXPECT_EQ(
        message_of([&] { validate(o); }),
        "solver als does not support loss kullback_leibler; solvers for kullback_leibler: mu, cd");
}

TEST(Validation, UnknownNamesListTheAcceptedOnes) {
    EXPECT_EQ(message_of([] { solver_from_string("newton"); }),
              "unknown solver \"newton\"; expected one of: mu, als, hals, anls_bpp, cd, nenmf");
    EXPECT_EQ(message_of([] { loss_from_string("l1"); }),
              "unknown loss \"l1\"; expected one of: frobenius, kullback_leibler, itakura_saito, "
              "beta (aliases: fro, kl, is)");
    EXPECT_EQ(message_of([] { init_from_string("svd"); }),
              "unknown init \"svd\"; expected one of: random, nndsvd, nndsvda, nndsvdar, custom");
}

}  // namespace
}  // namespace nmfkit::test
