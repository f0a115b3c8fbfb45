// Missing values (Options::missing): masked objectives, prediction of hidden entries, the
// equivalence of the dense-NaN and sparse-stored representations, and the errors.

#include <numeric>

#include "helpers.hpp"

namespace nmfkit::test {
namespace {

using M = Eigen::MatrixXd;

// Planted rank-3 V (60 x 40) and a mask hiding `fraction` of its entries (true = hidden).
struct Masked {
    M V;
    Eigen::Matrix<bool, -1, -1> hidden;
    M with_nan() const {
        M X = V;
        for (Eigen::Index j = 0; j < V.cols(); ++j)
            for (Eigen::Index i = 0; i < V.rows(); ++i)
                if (hidden(i, j)) X(i, j) = std::numeric_limits<double>::quiet_NaN();
        return X;
    }
};

Masked planted_masked(double fraction, unsigned seed) {
    Masked m;
    m.V = uniform<double>(60, 3, seed, 0.1, 1) * uniform<double>(3, 40, seed + 1, 0.1, 1);
    std::mt19937_64 gen(seed + 2);
    std::uniform_real_distribution<double> u(0, 1);
    m.hidden.resize(60, 40);
    for (Eigen::Index j = 0; j < 40; ++j)
        for (Eigen::Index i = 0; i < 60; ++i) m.hidden(i, j) = u(gen) < fraction;
    return m;
}

TEST(Missing, HiddenEntriesArePredicted) {
    const Masked m = planted_masked(0.2, 1);
    const M X = m.with_nan();
    for (auto [s, l] : supported_pairs()) {
        if (!supports_missing(s, l)) continue;
        SCOPED_TRACE(label(s, l));
        Options o = options(s, l, 3, s == Solver::mu ? 3000 : 1000, 1e-14, 2);
        o.missing = Missing::nan;
        o.missing_weight = 0;  // observed entries only: exact recovery (the weight pulls towards 0)
        const Result<double> r = fit(DenseView<double>(X), o);
        EXPECT_TRUE(all_finite_nonnegative(r.W));
        const M WH = r.W * r.H;
        double err = 0, norm = 0;
        for (Eigen::Index j = 0; j < 40; ++j)
            for (Eigen::Index i = 0; i < 60; ++i)
                if (m.hidden(i, j)) {
                    err += (WH(i, j) - m.V(i, j)) * (WH(i, j) - m.V(i, j));
                    norm += m.V(i, j) * m.V(i, j);
                }
        // The observed fit is near exact; the hidden entries follow from the low rank.
        EXPECT_LT(r.relative_error, s == Solver::als ? 1e-2 : 1e-3);
        EXPECT_LT(std::sqrt(err / norm), s == Solver::als ? 5e-2 : 1e-2);
    }
}

TEST(Missing, DenseNanAndSparseStoredEntriesGiveTheSameBits) {
    // The observed entries, zeros included, stored in a sparse V with missing = zeros, and the
    // same V dense with NaN at the hidden entries: the same fit bit for bit. A stored NaN is
    // missing too, and the values behind the hidden entries never matter.
    Masked m = planted_masked(0.3, 3);
    m.V(5, 7) = 0;  // an observed zero
    m.hidden(5, 7) = false;
    const M X = m.with_nan();
    std::vector<Eigen::Triplet<double>> t, t_nan;
    for (Eigen::Index j = 0; j < 40; ++j)
        for (Eigen::Index i = 0; i < 60; ++i) {
            if (!m.hidden(i, j))
                t.emplace_back(static_cast<int>(i), static_cast<int>(j), m.V(i, j));
            t_nan.emplace_back(static_cast<int>(i), static_cast<int>(j), X(i, j));
        }
    Eigen::SparseMatrix<double> S(60, 40), S_nan(60, 40);
    S.setFromTriplets(t.begin(), t.end());
    S_nan.setFromTriplets(t_nan.begin(), t_nan.end());
    for (auto [s, l] : std::vector<std::pair<Solver, Loss>>{{Solver::hals, Loss::frobenius},
                                                            {Solver::anls_bpp, Loss::frobenius},
                                                            {Solver::cd, Loss::kullback_leibler}}) {
        SCOPED_TRACE(label(s, l));
        Options o = options(s, l, 3, 30, 0, 4);
        o.missing = Missing::nan;
        const Result<double> dense = fit(DenseView<double>(X), o);
        o.missing = Missing::zeros;
        const Result<double> sparse = fit(SparseView<double>(S), o);
        const Result<double> sparse_nan = fit(SparseView<double>(S_nan), o);
        EXPECT_EQ(dense.W, sparse.W);
        EXPECT_EQ(dense.H, sparse.H);
        EXPECT_EQ(dense.objective, sparse.objective);
        EXPECT_EQ(sparse_nan.W, sparse.W);
        // A different value behind a hidden entry: still NaN to the fit, so nothing changes.
        Masked changed = m;
        Eigen::Index hi = 0, hj = 0;
        while (!m.hidden(hi, hj)) hi = (hi + 1) % 60, hj = hi == 0 ? hj + 1 : hj;
        changed.V(hi, hj) += 100;
        o.missing = Missing::nan;
        EXPECT_EQ(fit(DenseView<double>(changed.with_nan()), o).W, dense.W);
    }
}

TEST(Missing, ObjectiveIsOverTheObservedEntriesAndNeverIncreases) {
    const Masked m = planted_masked(0.25, 5);
    const M X = m.with_nan() + M::Constant(60, 40, 0.0);
    M noisy = X;
    for (Eigen::Index j = 0; j < 40; ++j)
        for (Eigen::Index i = 0; i < 60; ++i)
            if (!m.hidden(i, j)) noisy(i, j) += 0.05 * ((i * 7 + j * 3) % 5);
    const InitialFactors<double> start{uniform<double>(60, 3, 6, 0.1, 1),
                                       uniform<double>(3, 40, 7, 0.1, 1)};
    const M WH = start.W * start.H;
    double fro = 0, kl = 0, observed_norm = 0;
    for (Eigen::Index j = 0; j < 40; ++j)
        for (Eigen::Index i = 0; i < 60; ++i) {
            if (m.hidden(i, j)) continue;
            const double v = noisy(i, j), p = WH(i, j);
            fro += 0.5 * (v - p) * (v - p);
            kl += (v > 0 ? v * std::log(v / p) : 0.0) - v + p;
            observed_norm += v * v;
        }
    for (auto [s, l] : supported_pairs()) {
        if (!supports_missing(s, l)) continue;
        SCOPED_TRACE(label(s, l));
        Options o = options(s, l, 3, 40, 0, 0);
        o.init = Init::custom;
        o.missing = Missing::nan;
        o.missing_weight = 0;  // the objective over the observed entries only, as computed above
        o.w = {0.01, 0.02};
        const Result<double> r = fit(DenseView<double>(noisy), o, start);
        const double penalty = 0.01 * start.W.sum() + 0.01 * start.W.squaredNorm();
        EXPECT_NEAR(r.initial_objective, (l == Loss::frobenius ? fro : kl) + penalty,
                    1e-10 * r.initial_objective);
        if (monotone(s, l)) {
            double prev = r.initial_objective;
            for (const IterationStats& st : r.history) {
                EXPECT_LE(st.objective, prev * (1 + 1e-12)) << "iteration " << st.iteration;
                prev = st.objective;
            }
        }
        // The relative error is over the observed entries.
        const M fitted = r.W * r.H;
        double res = 0;
        for (Eigen::Index j = 0; j < 40; ++j)
            for (Eigen::Index i = 0; i < 60; ++i)
                if (!m.hidden(i, j))
                    res += (noisy(i, j) - fitted(i, j)) * (noisy(i, j) - fitted(i, j));
        EXPECT_NEAR(r.relative_error, std::sqrt(res / observed_norm), 1e-10);
    }
}

TEST(Missing, UnsupportedCombinationsAreExplained) {
    const M X = planted_masked(0.2, 7).with_nan();
    Options o = options(Solver::mu, Loss::kullback_leibler, 2, 5, 0, 0);
    o.missing = Missing::nan;
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(X), o); }),
              "missing values (missing nan) are supported by every frobenius solver and by cd for "
              "kullback_leibler, not by solver mu with loss kullback_leibler");
    o = options(Solver::hals, Loss::frobenius, 2, 5, 0, 0);
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(X), o); }).substr(0, 9), "NaN entry");
    Eigen::SparseMatrix<double> S = planted_masked(0.2, 7).V.sparseView();
    o.missing = Missing::nan;
    EXPECT_EQ(message_of([&] { fit(SparseView<double>(S), o); }),
              "missing nan needs dense V; for sparse V use missing zeros (entries not stored are "
              "missing, and so are stored NaN)");
}

// A ratings-like matrix: a planted rank-10 V (300 x 200, noisy ratings 1 to 5) of which row
// i shows 1 to 20 entries (so many rows and columns have fewer than k = 10), and 2 more entries
// per row held out to predict.
struct Ratings {
    M V;                                        // 300 x 200, every entry (the truth)
    Eigen::SparseMatrix<double> observed;       // the shown entries
    std::vector<std::pair<int, int>> held_out;  // (row, col), never shown
    double max_observed = 0;
};

Ratings ratings(unsigned seed) {
    Ratings r;
    const int m = 300, n = 200, k = 10;
    r.V = uniform<double>(m, k, seed, 0, 1) * uniform<double>(k, n, seed + 1, 0, 1);
    r.V = (1 + 4 * (r.V.array() - r.V.minCoeff()) / (r.V.maxCoeff() - r.V.minCoeff())).matrix();
    std::mt19937_64 gen(seed + 2);
    // Ratings: the planted value plus N(0, 0.5²) noise, rounded and clipped to 1..5.
    std::normal_distribution<double> noise(0, 0.5);
    for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index i = 0; i < m; ++i)
            r.V(i, j) = std::clamp(std::round(r.V(i, j) + noise(gen)), 1.0, 5.0);
    std::vector<Eigen::Triplet<double>> t;
    std::vector<int> cols(n);
    for (int i = 0; i < m; ++i) {
        std::iota(cols.begin(), cols.end(), 0);
        std::shuffle(cols.begin(), cols.end(), gen);
        const int shown = 1 + static_cast<int>(gen() % 20);
        for (int q = 0; q < shown; ++q) {
            t.emplace_back(i, cols[static_cast<std::size_t>(q)],
                           r.V(i, cols[static_cast<std::size_t>(q)]));
            r.max_observed = std::max(r.max_observed, r.V(i, cols[static_cast<std::size_t>(q)]));
        }
        for (int q = shown; q < shown + 2; ++q)
            r.held_out.emplace_back(i, cols[static_cast<std::size_t>(q)]);
    }
    r.observed.resize(m, n);
    r.observed.setFromTriplets(t.begin(), t.end());
    return r;
}

// Issue 24 item 7: rows and columns with fewer than k observed entries made the observed-only
// problem ill-posed, and held-out predictions ran to 1e9. The default missing_weight keeps them
// of the order of the data, for every Frobenius solver; the objective (which includes the weighted
// missing term) still never increases; and the under-observed rows and columns are counted.
TEST(Missing, FewObservationsPerRowStayBoundedAndAreCounted) {
    const Ratings r = ratings(5);
    const int k = 10;
    Eigen::Index rows_few = 0, cols_few = 0;
    const Eigen::SparseMatrix<double, Eigen::RowMajor> by_row = r.observed;
    for (Eigen::Index i = 0; i < by_row.outerSize(); ++i)
        rows_few += by_row.outerIndexPtr()[i + 1] - by_row.outerIndexPtr()[i] < k;
    for (Eigen::Index j = 0; j < r.observed.outerSize(); ++j)
        cols_few += r.observed.outerIndexPtr()[j + 1] - r.observed.outerIndexPtr()[j] < k;
    ASSERT_GT(rows_few, 50);
    ASSERT_GT(cols_few, 0);
    for (Solver s : {Solver::hals, Solver::anls_bpp, Solver::mu, Solver::als}) {
        SCOPED_TRACE(std::string(to_string(s)));
        Options o = options(s, Loss::frobenius, k, 200, 0, 1);
        o.missing = Missing::zeros;
        const auto res = fit(SparseView<double>(r.observed), o);
        EXPECT_EQ(res.underobserved_rows, rows_few);
        EXPECT_EQ(res.underobserved_cols, cols_few);
        double worst = 0;
        for (auto [i, j] : r.held_out) worst = std::max(worst, res.W.row(i).dot(res.H.col(j)));
        EXPECT_LE(worst, 10 * r.max_observed);
        // The reported objective is the weighted one the iterations minimise (exact at the end).
        EXPECT_NEAR(res.objective, res.history.back().objective, 1e-8 * res.objective);
        if (s == Solver::als) continue;  // ALS's max(0, ·) step is not monotone, masked or not
        for (std::size_t t = 1; t < res.history.size(); ++t) {
            EXPECT_LE(res.history[t].objective, res.history[t - 1].objective * (1 + 1e-12))
                << "iteration " << t;
        }
    }
}

// With missing_weight = 0 the same data give the unbounded predictions the weight is for (so the
// test above can fail), and a missing = zeros fit of data without zeros, where no row or column
// misses an entry, gives the same bits with or without the weight.
TEST(Missing, MissingWeightOnlyActsOnRowsWithMissingEntries) {
    const Ratings r = ratings(5);
    Options o = options(Solver::hals, Loss::frobenius, 10, 200, 0, 1);
    o.missing = Missing::zeros;
    o.missing_weight = 0;
    const auto loose = fit(SparseView<double>(r.observed), o);
    double worst = 0;
    for (auto [i, j] : r.held_out) worst = std::max(worst, loose.W.row(i).dot(loose.H.col(j)));
    EXPECT_GT(worst, 10 * r.max_observed);

    const M V = uniform<double>(30, 4, 3, 0.1, 1) * uniform<double>(4, 20, 4, 0.1, 1);
    for (Solver s : {Solver::hals, Solver::anls_bpp}) {
        Options a = options(s, Loss::frobenius, 3, 30, 0, 2);
        a.missing = Missing::zeros;
        Options b = a;
        b.missing_weight = 0;
        const auto ra = fit(DenseView<double>(V), a), rb = fit(DenseView<double>(V), b);
        EXPECT_EQ(ra.W, rb.W);
        EXPECT_EQ(ra.H, rb.H);
        EXPECT_EQ(ra.objective, rb.objective);
    }
    Options bad = o;
    bad.missing_weight = 1;
    EXPECT_THROW(fit(SparseView<double>(r.observed), bad), InvalidInput);
}

// The rank survey's cross-validation on the 12 x 10 word counts of examples/docs.mtx (counts 1 to
// 3, mostly zeros): with held-out entries every fit must predict, and per-entry held-out errors
// ran to 10–100 (predictions near 30) at k ≥ 4 before the missing weight.
TEST(Missing, SurveyCrossValidationErrorsAreOfTheOrderOfTheData) {
    // (document, word, count), 1-based, as in examples/docs.mtx; V is words x documents.
    const int entries[34][3] = {
        {1, 1, 3},  {2, 1, 1},  {1, 2, 2},  {2, 2, 1},  {3, 2, 2},  {10, 2, 1}, {1, 3, 2},
        {2, 3, 3},  {3, 3, 1},  {1, 4, 1},  {3, 4, 3},  {4, 5, 1},  {5, 5, 2},  {6, 5, 2},
        {10, 5, 1}, {4, 6, 2},  {5, 6, 1},  {6, 6, 2},  {4, 7, 3},  {5, 7, 2},  {10, 7, 1},
        {5, 8, 3},  {6, 8, 1},  {7, 9, 1},  {8, 9, 2},  {9, 9, 1},  {10, 9, 1}, {8, 10, 3},
        {9, 10, 1}, {7, 11, 2}, {8, 11, 1}, {9, 11, 1}, {7, 12, 2}, {9, 12, 3}};
    M V = M::Zero(12, 10);
    for (const auto& e : entries) V(e[1] - 1, e[0] - 1) = e[2];
    SurveyOptions so;
    so.ranks = {2, 3, 4, 5, 6};
    so.restarts = 2;
    const Survey survey = nmfkit::survey(DenseView<double>(V), so);
    for (const RankStats& st : survey.ranks)
        for (double e : st.cv_errors) EXPECT_LE(e, 2.0) << "k = " << st.rank;  // ½(v − x)², v ≤ 3
}

}  // namespace
}  // namespace nmfkit::test
