// Sparse input: the same answers as dense storage, objectives at the non-zeros equal to a naive
// dense evaluation, edge shapes, index types, CSR/CSC and the low-memory mode.

#include "helpers.hpp"
#include "pair_param.hpp"

namespace nmfkit::test {
namespace {

using SpD = Eigen::SparseMatrix<double, Eigen::ColMajor, int>;

// A sparse non-negative m x n matrix with about `density` of its entries stored, from a seed.
template <class T>
Mat<T> sparse_dense(Eigen::Index m, Eigen::Index n, double density, unsigned seed) {
    std::mt19937_64 gen(seed);
    std::uniform_real_distribution<double> u(0, 1);
    Mat<T> V = Mat<T>::Zero(m, n);
    for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index i = 0; i < m; ++i)
            if (u(gen) < density) V(i, j) = static_cast<T>(0.1 + 3 * u(gen));
    return V;
}

template <class T, int Order = Eigen::ColMajor, class I = int>
Eigen::SparseMatrix<T, Order, I> to_sparse(const Mat<T>& V) {
    Eigen::SparseMatrix<T, Order, I> S = V.sparseView();
    S.makeCompressed();
    return S;
}

// Starts that every storage kind shares.
InitialFactors<double> start_for(Eigen::Index m, Eigen::Index n, int k, unsigned seed) {
    return {uniform<double>(m, k, seed, 0.1, 1), uniform<double>(k, n, seed + 1, 0.1, 1)};
}

// HALS's inner budget counts V's non-zeros whatever the storage, so no cap is needed for the
// storage kinds to take the same sweeps (DefaultStorage below checks the default options).
Options custom(Solver s, Loss l, int k, int iterations) {
    Options o = options(s, l, k, iterations, 0, 0);
    o.init = Init::custom;
    return o;
}

void expect_same(const Result<double>& a, const Result<double>& b, double tol) {
    EXPECT_LE((a.W - b.W).norm(), tol * a.W.norm());
    EXPECT_LE((a.H - b.H).norm(), tol * a.H.norm());
    EXPECT_NEAR(a.objective, b.objective, tol * a.objective);
    EXPECT_NEAR(a.relative_error, b.relative_error, tol * a.relative_error + 1e-14);
    ASSERT_EQ(a.history.size(), b.history.size());
    for (std::size_t t = 0; t < a.history.size(); ++t)
        EXPECT_NEAR(a.history[t].objective, b.history[t].objective, tol * a.history[t].objective);
}

TEST(Sparse, EveryStorageGivesTheDenseResult) {
    const Mat<double> V = sparse_dense<double>(70, 50, 0.15, 1);
    const auto csc = to_sparse<double>(V);
    const auto csr = to_sparse<double, Eigen::RowMajor>(V);
    const auto csc64 = to_sparse<double, Eigen::ColMajor, std::int64_t>(V);
    const auto start = start_for(70, 50, 4, 2);
    for (auto [s, l] : pairs_accepting_zeros()) {
        SCOPED_TRACE(label(s, l));
        Options o = custom(s, l, 4, 15);
        const Result<double> dense = fit(DenseView<double>(V), o, start);
        expect_same(dense, fit(SparseView<double>(csc), o, start), 1e-10);
        expect_same(dense, fit(SparseView<double>(csr), o, start), 1e-10);
        expect_same(dense, fit(SparseView<double, std::int64_t>(csc64), o, start), 1e-10);
        if (reads_both_orientations(s, l)) continue;
        o.low_memory = true;
        expect_same(dense, fit(SparseView<double>(csc), o, start), 1e-10);
        expect_same(dense, fit(SparseView<double>(csr), o, start), 1e-10);
    }
}

// One case per pair whose loss accepts zeros.
class SparseThreads : public ::testing::TestWithParam<Pair> {};

TEST_P(SparseThreads, LargeEnoughForThreadsSameBitsAndThreadCountsAgree) {
    const Mat<double> V = sparse_dense<double>(3000, 800, 0.05, 3);
    const auto csc = to_sparse<double>(V);
    const auto [s, l] = GetParam();
    for (bool low_memory : {false, true}) {
        if (low_memory && reads_both_orientations(s, l)) continue;
        SCOPED_TRACE(low_memory ? "low_memory" : "default");
        Options o = options(s, l, 8, 8, 0, 5);
        o.low_memory = low_memory;
        o.hals_max_inner = 3;
        o.threads = 2;
        const Result<double> a = fit(SparseView<double>(csc), o);
        const Result<double> b = fit(SparseView<double>(csc), o);
        EXPECT_EQ(a.W, b.W);
        EXPECT_EQ(a.H, b.H);
        o.threads = 1;
        const Result<double> c = fit(SparseView<double>(csc), o);
        EXPECT_LE((a.W - c.W).norm(), 1e-10 * a.W.norm());
        EXPECT_LE((a.H - c.H).norm(), 1e-10 * a.H.norm());
        expect_same(a, fit(DenseView<double>(V), o), 1e-9);
    }
}

INSTANTIATE_TEST_SUITE_P(Pairs, SparseThreads,
                         ::testing::ValuesIn(pair_params(pairs_accepting_zeros())), pair_name);

// Default options (HALS's inner budget, the default start, every adaptive choice): the same V
// stored dense and sparse gives the same factors after 100 iterations, in float and double, for
// every pair. V has about 35 % zeros (so 2·m·n·k and 2·nnz·k differ), except for Itakura-Saito,
// which needs V > 0 (then every entry is stored).
class DefaultStorage : public ::testing::TestWithParam<Pair> {};

template <class T>
void expect_storage_independent(Solver s, Loss l, double tol) {
    const bool positive = l == Loss::itakura_saito;
    const Mat<T> V = positive ? uniform<T>(60, 45, 21, 0.1, 3) : sparse_dense<T>(60, 45, 0.65, 21);
    const auto S = to_sparse<T>(V);
    Options o;
    o.rank = 4;
    o.solver = s;
    o.loss = l;
    o.max_iter = 100;
    o.tol = 0;
    o.seed = 5;
    const Result<T> dense = fit(DenseView<T>(V), o);
    const Result<T> sparse = fit(SparseView<T>(S), o);
    EXPECT_EQ(dense.init, sparse.init);
    EXPECT_LE((dense.W - sparse.W).norm(), tol * dense.W.norm());
    EXPECT_LE((dense.H - sparse.H).norm(), tol * dense.H.norm());
    EXPECT_NEAR(dense.objective, sparse.objective, tol * dense.objective);
}

TEST_P(DefaultStorage, DenseAndSparseStorageGiveTheSameFactors) {
    const auto [s, l] = GetParam();
    {
        SCOPED_TRACE("double");
        expect_storage_independent<double>(s, l, 1e-9);
    }
    {
        SCOPED_TRACE("float");
        expect_storage_independent<float>(s, l, 1e-3);
    }
}

INSTANTIATE_TEST_SUITE_P(Pairs, DefaultStorage, ::testing::ValuesIn(pair_params(supported_pairs())),
                         pair_name);

TEST(Sparse, ObjectivesAtTheNonZerosEqualANaiveDenseEvaluation) {
    const Mat<double> V = sparse_dense<double>(40, 30, 0.2, 4);
    const auto csc = to_sparse<double>(V);
    const auto start = start_for(40, 30, 3, 6);
    const Mat<double> WH = start.W * start.H;
    const double beta = 1.5;
    double frobenius = 0, kl = 0, beta_div = 0;
    for (Eigen::Index j = 0; j < V.cols(); ++j)
        for (Eigen::Index i = 0; i < V.rows(); ++i) {
            const double v = V(i, j), p = WH(i, j);
            frobenius += 0.5 * (v - p) * (v - p);
            kl += (v > 0 ? v * std::log(v / p) : 0.0) - v + p;
            beta_div += (std::pow(v, beta) + (beta - 1) * std::pow(p, beta) -
                         beta * v * std::pow(p, beta - 1)) /
                        (beta * (beta - 1));
        }
    for (Loss l : all_losses()) {
        if (l == Loss::itakura_saito) continue;  // V has zeros
        SCOPED_TRACE(std::string(to_string(l)));
        Options o = custom(default_solver(l), l, 3, 0);
        o.beta = beta;
        const Result<double> r = fit(SparseView<double>(csc), o, start);
        const double expected = l == Loss::frobenius          ? frobenius
                                : l == Loss::kullback_leibler ? kl
                                                              : beta_div;
        EXPECT_NEAR(r.initial_objective, expected, 1e-12 * expected);
        EXPECT_NEAR(r.relative_error, std::sqrt(2 * frobenius) / V.norm(), 1e-12);
    }
}

TEST(Sparse, FloatFollowsDoubleFromTheSameStart) {
    const Mat<double> V = sparse_dense<double>(80, 60, 0.3, 7);
    const auto csc = to_sparse<double>(V);
    const Eigen::SparseMatrix<float> cscf = csc.cast<float>();
    const auto start = start_for(80, 60, 3, 8);
    const InitialFactors<float> startf{start.W.cast<float>(), start.H.cast<float>()};
    for (auto [s, l] : pairs_accepting_zeros()) {
        SCOPED_TRACE(label(s, l));
        const Options o = custom(s, l, 3, 3);
        const Result<double> d = fit(SparseView<double>(csc), o, start);
        const Result<float> f = fit(SparseView<float>(cscf), o, startf);
        EXPECT_LE((f.W.cast<double>() - d.W).norm(), 1e-4 * d.W.norm());
        EXPECT_LE((f.H.cast<double>() - d.H).norm(), 1e-4 * d.H.norm());
    }
}

TEST(Sparse, EmptyRowsColumnsASingleNonZeroAndOneRow) {
    Mat<double> V = sparse_dense<double>(30, 20, 0.3, 9);
    V.row(4).setZero();
    V.col(11).setZero();
    Mat<double> single = Mat<double>::Zero(6, 5);
    single(2, 3) = 4.0;
    const Mat<double> one_row = sparse_dense<double>(1, 40, 0.5, 10);
    for (const Mat<double>* M : std::vector<const Mat<double>*>{&V, &single, &one_row}) {
        const auto csc = to_sparse<double>(*M);
        for (auto [s, l] : pairs_accepting_zeros()) {
            SCOPED_TRACE(label(s, l) + " on " + std::to_string(M->rows()) + " x " +
                         std::to_string(M->cols()));
            const Result<double> r = fit(SparseView<double>(csc), options(s, l, 2, 40, 1e-6, 3));
            EXPECT_TRUE(all_finite_nonnegative(r.W));
            EXPECT_TRUE(all_finite_nonnegative(r.H));
            EXPECT_TRUE(std::isfinite(r.objective));
            // Sparse errors come from Grams in double: exact to about √ε ≈ 1.5e-8 near a perfect fit.
            EXPECT_NEAR(r.relative_error, naive_relative_error(*M, r.W, r.H), 1e-7);
        }
    }
    // A single non-zero is fitted exactly by rank 1 (ALS solves it in one step).
    const auto csc = to_sparse<double>(single);
    EXPECT_LT(fit(SparseView<double>(csc), options(Solver::als, Loss::frobenius, 1, 20, 0, 1))
                  .relative_error,
              1e-12);
}

TEST(Sparse, DuplicatesAreSummedAndUnsortedIndicesAccepted) {
    // Column 0 stores row 2 twice (1 + 2 = 3) and lists rows out of order.
    const std::vector<int> outer{0, 4, 5, 6};
    const std::vector<int> inner{2, 0, 2, 1, 1, 0};
    const std::vector<double> values{1, 5, 2, 4, 7, 6};
    Mat<double> dense(3, 3);
    dense << 5, 0, 6, 4, 7, 0, 3, 0, 0;
    const SparseView<double> V(3, 3, outer.data(), inner.data(), values.data());
    const auto start = start_for(3, 3, 2, 11);
    for (auto [s, l] : pairs_accepting_zeros()) {
        SCOPED_TRACE(label(s, l));
        const Options o = custom(s, l, 2, 10);
        expect_same(fit(DenseView<double>(dense), o, start), fit(V, o, start), 1e-12);
    }
}

TEST(Sparse, BadArraysAreRejectedWithThePosition) {
    Options o;
    o.rank = 1;
    const std::vector<double> values{1, -2, 3};
    const std::vector<int> inner{0, 1, 3};
    std::vector<int> outer{0, 1, 3};
    EXPECT_EQ(message_of([&] {
                  fit(SparseView<double>(3, 2, outer.data(), inner.data(), values.data()), o);
              }),
              "sparse V: entry 2 (column 1) has row index 3, outside 0..2");
    const std::vector<int> good_inner{0, 1, 2};
    EXPECT_EQ(message_of([&] {
                  fit(SparseView<double>(3, 2, outer.data(), good_inner.data(), values.data()), o);
              }),
              "negative entry -2 in V at row 1, column 1 (0-based)");
    EXPECT_EQ(message_of([&] {
                  fit(SparseView<double>(2, 3, outer.data(), good_inner.data(), values.data(),
                                         SparseLayout::csr),
                      o);
              }),
              "negative entry -2 in V at row 1, column 1 (0-based)");
    outer = {0, 3, 2};
    EXPECT_EQ(message_of([&] {
                  fit(SparseView<double>(3, 2, outer.data(), good_inner.data(), values.data()), o);
              }),
              "sparse V: indptr decreases at position 2 (2 after 3)");
    outer = {1, 2, 3};
    EXPECT_EQ(message_of([&] {
                  fit(SparseView<double>(3, 2, outer.data(), good_inner.data(), values.data()), o);
              }),
              "sparse V: indptr[0] is 1, expected 0");
    EXPECT_EQ(message_of([&] {
                  fit(SparseView<double>(0, 2, outer.data(), good_inner.data(), values.data()), o);
              }),
              "V is empty (0 x 2); it needs at least one row and one column");
}

TEST(Transform, RecoversThePlantedWExactlyForFrobenius) {
    const Mat<double> W0 = sparse_factor<double>(60, 4, 12, 0.4);
    const Mat<double> H0 = uniform<double>(4, 30, 13, 0.1, 1);
    const Mat<double> V = W0 * H0;
    Options o;
    o.tol = 1e-14;
    o.max_iter = 5000;
    const Result<double> dense = transform(DenseView<double>(V), H0, o);
    EXPECT_LT((dense.W - W0).norm(), 1e-6 * W0.norm());
    EXPECT_EQ(dense.H, H0);
    const auto csc = to_sparse<double>(V);
    const Result<double> sparse = transform(SparseView<double>(csc), H0, o);
    EXPECT_LE((sparse.W - dense.W).norm(), 1e-9 * dense.W.norm());
}

TEST(Transform, SolvesTheNnlsProblemToItsKktConditions) {
    // Noisy data: the NNLS solution has active constraints; check min(W, ∇W) = 0.
    const Mat<double> V = uniform<double>(50, 20, 14);
    const Mat<double> H = uniform<double>(5, 20, 15);
    Options o;
    o.tol = 0;  // the objective stalls (quadratically) long before W does; run the sweeps
    o.max_iter = 5000;
    const Result<double> r = transform(DenseView<double>(V), H, o);
    const Mat<double> grad = r.W * (H * H.transpose()) - V * H.transpose();
    ASSERT_GT((r.W.array() == 0).count(), 0);
    EXPECT_LT(r.W.cwiseMin(grad).norm(), 1e-8 * grad.norm());
    EXPECT_GE(grad.minCoeff(), -1e-8 * grad.norm());
}

TEST(Transform, RunsTheMethodOfItsLossAndSolvesFrobeniusInOneIteration) {
    // fit.hpp, docs/cli.md: Frobenius by block principal pivoting (exact, so one iteration
    // reaches the KKT point), KL by coordinate descent, other β by multiplicative updates,
    // whatever Options::solver says; Result::solver names the method that ran.
    const Mat<double> V = uniform<double>(50, 20, 14);
    const Mat<double> H = uniform<double>(5, 20, 15);
    Options o;
    o.solver = Solver::hals;
    o.max_iter = 1;
    o.tol = 0;
    const Result<double> r = transform(DenseView<double>(V), H, o);
    EXPECT_EQ(r.solver, Solver::anls_bpp);
    EXPECT_EQ(r.iterations, 1);
    const Mat<double> grad = r.W * (H * H.transpose()) - V * H.transpose();
    ASSERT_GT((r.W.array() == 0).count(), 0);
    EXPECT_LT(r.W.cwiseMin(grad).norm(), 1e-8 * grad.norm());
    EXPECT_GE(grad.minCoeff(), -1e-8 * grad.norm());
    const auto csc = to_sparse<double>(V);
    for (const auto& [loss, solver] :
         {std::pair{Loss::kullback_leibler, Solver::cd}, std::pair{Loss::beta, Solver::mu}}) {
        o.loss = loss;
        o.solver = Solver::mu == solver ? Solver::cd : Solver::mu;  // not the one that runs
        o.max_iter = 3;
        EXPECT_EQ(transform(DenseView<double>(V), H, o).solver, solver) << to_string(loss);
        EXPECT_EQ(transform(SparseView<double>(csc), H, o).solver, solver) << to_string(loss);
    }
}

TEST(Transform, KullbackLeiblerDecreasesAndMatchesAcrossStorage) {
    const Mat<double> V = sparse_dense<double>(40, 25, 0.4, 16);
    const Mat<double> H = uniform<double>(3, 25, 17, 0.1, 1);
    Options o;
    o.loss = Loss::kullback_leibler;
    o.max_iter = 200;
    o.tol = 0;
    const Result<double> d = transform(DenseView<double>(V), H, o);
    const auto csc = to_sparse<double>(V);
    const Result<double> s = transform(SparseView<double>(csc), H, o);
    EXPECT_LE((d.W - s.W).norm(), 1e-10 * d.W.norm());
    double prev = d.initial_objective;
    for (const IterationStats& st : d.history) {
        EXPECT_LE(st.objective, prev * (1 + 1e-12));
        prev = st.objective;
    }
}

TEST(Transform, BadComponentsAreRejected) {
    const Mat<double> V = uniform<double>(5, 4, 18);
    EXPECT_EQ(message_of([&] {
                  transform(DenseView<double>(V), Mat<double>(Mat<double>::Ones(2, 3)), Options{});
              }),
              "components H have 3 columns but V has 4; they must match");
    Mat<double> H = Mat<double>::Ones(2, 4);
    H(1, 2) = -1;
    EXPECT_EQ(message_of([&] { transform(DenseView<double>(V), H, Options{}); }),
              "negative entry -1 in custom H at row 1, column 2 (0-based)");
}

}  // namespace
}  // namespace nmfkit::test
