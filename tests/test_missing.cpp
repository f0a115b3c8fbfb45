// Missing values (Options::missing): masked objectives, prediction of hidden entries, the
// equivalence of the dense-NaN and sparse-stored representations, and the errors.

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
            if (!m.hidden(i, j)) t.emplace_back(static_cast<int>(i), static_cast<int>(j), m.V(i, j));
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
    const InitialFactors<double> start{uniform<double>(60, 3, 6, 0.1, 1), uniform<double>(3, 40, 7, 0.1, 1)};
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
        o.w = {0.01, 0.02};
        const Result<double> r = fit(DenseView<double>(noisy), o, start);
        const double penalty = 0.01 * start.W.sum() + 0.01 * start.W.squaredNorm();
        EXPECT_NEAR(r.initial_objective, (l == Loss::frobenius ? fro : kl) + penalty, 1e-10 * r.initial_objective);
        if (s != Solver::als) {
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
                if (!m.hidden(i, j)) res += (noisy(i, j) - fitted(i, j)) * (noisy(i, j) - fitted(i, j));
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

}  // namespace
}  // namespace nmfkit::test
