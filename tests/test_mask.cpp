// A mask given apart from V (Options::mask, include/nmfkit/mask.hpp): the masked entries are left
// out exactly as NaN entries with Missing::nan are, for dense and sparse V, every solver that
// supports missing values; the values behind the mask are never read; and bad masks are refused.

#include <nmfkit/mask.hpp>

#include "helpers.hpp"

namespace nmfkit::test {
namespace {

using M = Eigen::MatrixXd;
using S = Eigen::SparseMatrix<double>;

// A noisy planted rank-3 V (50 x 36) with about a third of its entries zero (so sparse storage
// matters), and a seeded mask hiding `fraction` of the entries.
struct Case {
    M V;
    std::vector<std::pair<std::int64_t, std::int64_t>> hidden;  // (row, col)
    std::shared_ptr<const Mask> mask;

    M with_nan() const {
        M X = V;
        for (auto [i, j] : hidden) X(i, j) = std::numeric_limits<double>::quiet_NaN();
        return X;
    }
    bool is_hidden(Eigen::Index i, Eigen::Index j) const { return mask->contains(i, j); }
};

Case make_case(double fraction, unsigned seed) {
    Case c;
    c.V = uniform<double>(50, 3, seed, 0, 1) * uniform<double>(3, 36, seed + 1, 0, 1);
    std::mt19937_64 gen(seed + 2);
    std::uniform_real_distribution<double> u(0, 1);
    for (Eigen::Index j = 0; j < c.V.cols(); ++j)
        for (Eigen::Index i = 0; i < c.V.rows(); ++i) {
            c.V(i, j) = u(gen) < 0.35 ? 0.0 : c.V(i, j) * (1 + 0.1 * (u(gen) - 0.5));
            if (u(gen) < fraction) c.hidden.emplace_back(i, j);
        }
    c.mask = std::make_shared<Mask>(Mask::from_positions(50, 36, c.hidden));
    return c;
}

Options masked_options(Solver s, Loss l, const Case& c, int iterations) {
    Options o = options(s, l, 3, iterations, 0, 0);
    o.init = Init::custom;
    o.mask = c.mask;
    return o;
}

const InitialFactors<double>& start() {
    static const InitialFactors<double> f{uniform<double>(50, 3, 11, 0.1, 1),
                                          uniform<double>(3, 36, 12, 0.1, 1)};
    return f;
}

TEST(Mask, BuildersAgree) {
    M D = M::Zero(4, 3);
    D(2, 0) = 1;
    D(0, 2) = std::numeric_limits<double>::quiet_NaN();  // NaN is non-zero: masked
    D(3, 2) = -2;
    std::vector<Eigen::Triplet<double>> t{{2, 0, 1.0}, {0, 2, 5.0}, {3, 2, -2.0}, {1, 1, 0.0}};
    S T(4, 3);
    T.setFromTriplets(t.begin(), t.end());
    const Mask a = Mask::from_dense(DenseView<double>(D));
    const Mask b = Mask::from_sparse(SparseView<double>(T));
    const Mask c = Mask::from_positions(4, 3, {{3, 2}, {2, 0}, {0, 2}, {2, 0}});
    for (const Mask* m : {&a, &b, &c}) {
        EXPECT_EQ(m->col_ptr, (std::vector<std::int64_t>{0, 1, 1, 3}));
        EXPECT_EQ(m->row_index, (std::vector<std::int64_t>{2, 0, 3}));
        EXPECT_TRUE(m->contains(3, 2));
        EXPECT_FALSE(m->contains(1, 1));  // a stored zero is not masked
    }
    EXPECT_EQ(message_of([] {
                  Mask::from_positions(4, 3, {{0, 0}, {4, 1}});
              }),
              "mask position 2 (row 5, column 2) is outside the 4 x 3 matrix");
}

TEST(Mask, FrobeniusMatchesNanMissingForEverySolver) {
    // The held-out form (full Gram minus the masked outer products, products with a zeroed copy)
    // solves the same per-row problems as the observed-entries form used for NaN: the same
    // iterates up to rounding, for dense and sparse V.
    const Case c = make_case(0.2, 1);
    const M X = c.with_nan();
    const S Vs = c.V.sparseView();
    for (Solver s : solvers_for(Loss::frobenius)) {
        SCOPED_TRACE(label(s, Loss::frobenius));
        Options o = masked_options(s, Loss::frobenius, c, 25);
        const Result<double> dense = fit(DenseView<double>(c.V), o, start());
        const Result<double> sparse = fit(SparseView<double>(Vs), o, start());
        o.mask.reset();
        o.missing = Missing::nan;
        const Result<double> nan = fit(DenseView<double>(X), o, start());
        const double tol = s == Solver::als ? 1e-6 : 1e-9;
        EXPECT_LT((dense.W * dense.H - nan.W * nan.H).norm(), tol * (nan.W * nan.H).norm());
        EXPECT_LT((sparse.W * sparse.H - dense.W * dense.H).norm(),
                  1e-10 * (dense.W * dense.H).norm());
        EXPECT_NEAR(dense.objective, nan.objective, tol * nan.objective);
        EXPECT_NEAR(dense.relative_error, nan.relative_error, tol);
        EXPECT_NEAR(sparse.relative_error, nan.relative_error, tol);
    }
}

TEST(Mask, LowMemoryCsrAndFloatAgree) {
    // The held-out form through every sparse adapter (CSC, CSR, CSC without the row copy) and in
    // float32: the same fit as dense double.
    const Case c = make_case(0.2, 8);
    const S Vs = c.V.sparseView();
    const Eigen::SparseMatrix<double, Eigen::RowMajor> Vr = Vs;
    Options o = masked_options(Solver::hals, Loss::frobenius, c, 20);
    const Result<double> dense = fit(DenseView<double>(c.V), o, start());
    const Result<double> csr = fit(SparseView<double>(Vr), o, start());
    o.low_memory = true;
    const Result<double> low = fit(SparseView<double>(Vs), o, start());
    const M WH = dense.W * dense.H;
    EXPECT_LT((csr.W * csr.H - WH).norm(), 1e-10 * WH.norm());
    EXPECT_LT((low.W * low.H - WH).norm(), 1e-10 * WH.norm());
    o.low_memory = false;
    const Eigen::MatrixXf Vf = c.V.cast<float>();
    const InitialFactors<float> start_f{start().W.cast<float>(), start().H.cast<float>()};
    const Result<float> single = fit(DenseView<float>(Vf), o, start_f);
    EXPECT_LT((single.W.cast<double>() * single.H.cast<double>() - WH).norm(), 1e-4 * WH.norm());
    EXPECT_NEAR(single.relative_error, dense.relative_error, 1e-4);
}

TEST(Mask, KullbackLeiblerMatchesNanMissingBitForBit) {
    // KL with a mask lists the observed entries (zeros included), as missing nan does.
    const Case c = make_case(0.2, 2);
    const S Vs = c.V.sparseView();
    Options o = masked_options(Solver::cd, Loss::kullback_leibler, c, 20);
    const Result<double> dense = fit(DenseView<double>(c.V), o, start());
    const Result<double> sparse = fit(SparseView<double>(Vs), o, start());
    o.mask.reset();
    o.missing = Missing::nan;
    const Result<double> nan = fit(DenseView<double>(c.with_nan()), o, start());
    EXPECT_EQ(dense.W, nan.W);
    EXPECT_EQ(dense.H, nan.H);
    EXPECT_EQ(sparse.W, nan.W);
    EXPECT_EQ(dense.objective, nan.objective);
}

TEST(Mask, ValuesBehindTheMaskAreNeverRead) {
    // Changing masked entries (to other values, NaN, negative, infinite) changes nothing, bit for
    // bit, dense and sparse, Frobenius and KL.
    const Case c = make_case(0.25, 3);
    M changed = c.V;
    int n = 0;
    for (auto [i, j] : c.hidden) {
        const double values[] = {1e3, std::numeric_limits<double>::quiet_NaN(), -4.0,
                                 std::numeric_limits<double>::infinity(), 0.0};
        changed(i, j) = values[n++ % 5];
    }
    const S Vs = c.V.sparseView(), Cs = changed.sparseView();
    for (auto [s, l] : std::vector<std::pair<Solver, Loss>>{{Solver::hals, Loss::frobenius},
                                                            {Solver::mu, Loss::frobenius},
                                                            {Solver::anls_bpp, Loss::frobenius},
                                                            {Solver::cd, Loss::kullback_leibler}}) {
        SCOPED_TRACE(label(s, l));
        Options o = options(s, l, 3, 15, 0, 5);
        o.init = Init::random;
        o.mask = c.mask;
        const Result<double> a = fit(DenseView<double>(c.V), o);
        const Result<double> b = fit(DenseView<double>(changed), o);
        EXPECT_EQ(a.W, b.W);
        EXPECT_EQ(a.H, b.H);
        EXPECT_EQ(a.relative_error, b.relative_error);
        const Result<double> as = fit(SparseView<double>(Vs), o);
        const Result<double> bs = fit(SparseView<double>(Cs), o);
        EXPECT_EQ(as.W, bs.W);
        EXPECT_EQ(as.H, bs.H);
    }
}

TEST(Mask, HiddenEntriesArePredictedAndTheObjectiveNeverIncreases) {
    // Planted rank 3 without noise or zeros, 20% masked: the observed fit is near exact and the
    // masked entries follow from the low rank; hals and mu never raise the objective.
    const M V = uniform<double>(60, 3, 21, 0.1, 1) * uniform<double>(3, 40, 22, 0.1, 1);
    std::mt19937_64 gen(23);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<std::pair<std::int64_t, std::int64_t>> hidden;
    for (Eigen::Index j = 0; j < 40; ++j)
        for (Eigen::Index i = 0; i < 60; ++i)
            if (u(gen) < 0.2) hidden.emplace_back(i, j);
    const auto mask = std::make_shared<Mask>(Mask::from_positions(60, 40, hidden));
    const S Vs = V.sparseView();
    for (Solver s : {Solver::hals, Solver::anls_bpp, Solver::mu}) {
        SCOPED_TRACE(label(s, Loss::frobenius));
        Options o = options(s, Loss::frobenius, 3, s == Solver::mu ? 3000 : 1000, 1e-14, 2);
        o.mask = mask;
        o.missing_weight = 0;  // observed entries only: exact recovery (the weight pulls towards 0)
        const Result<double> r = fit(SparseView<double>(Vs), o);
        EXPECT_TRUE(all_finite_nonnegative(r.W));
        EXPECT_TRUE(all_finite_nonnegative(r.H));
        const M WH = r.W * r.H;
        double err = 0, norm = 0;
        for (auto [i, j] : hidden) {
            err += (WH(i, j) - V(i, j)) * (WH(i, j) - V(i, j));
            norm += V(i, j) * V(i, j);
        }
        EXPECT_LT(r.relative_error, 1e-3);
        EXPECT_LT(std::sqrt(err / norm), 1e-2);
        double prev = r.initial_objective;
        for (const IterationStats& st : r.history) {
            EXPECT_LE(st.objective, prev * (1 + 1e-9) + 1e-12) << "iteration " << st.iteration;
            prev = st.objective;
        }
    }
}

TEST(Mask, AddsToMissingValues) {
    // A mask together with missing nan (dense) or missing zeros (sparse): an entry is observed
    // when neither rule hides it, so NaN + mask = NaN at the union.
    const Case c = make_case(0.15, 4);
    M X = c.V;
    X(0, 0) = std::numeric_limits<double>::quiet_NaN();
    X(7, 3) = std::numeric_limits<double>::quiet_NaN();
    Options o = masked_options(Solver::hals, Loss::frobenius, c, 10);
    o.missing = Missing::nan;
    const Result<double> both = fit(DenseView<double>(X), o, start());
    M union_nan = c.with_nan();
    union_nan(0, 0) = union_nan(7, 3) = std::numeric_limits<double>::quiet_NaN();
    o.mask.reset();
    const Result<double> nan = fit(DenseView<double>(union_nan), o, start());
    EXPECT_EQ(both.W, nan.W);
    EXPECT_EQ(both.H, nan.H);
}

TEST(Mask, RandomStartAndNndsvdIgnoreTheMaskedValues) {
    const Case c = make_case(0.2, 6);
    M changed = c.V;
    for (auto [i, j] : c.hidden) changed(i, j) += 7;
    for (Init init : {Init::random, Init::nndsvd, Init::nndsvda}) {
        SCOPED_TRACE(std::string(to_string(init)));
        Options o = options(Solver::hals, Loss::frobenius, 3, 0, 0, 8);
        o.init = init;
        o.mask = c.mask;
        const Result<double> a = fit(DenseView<double>(c.V), o);
        const Result<double> b = fit(DenseView<double>(changed), o);
        EXPECT_EQ(a.W, b.W);
        EXPECT_EQ(a.H, b.H);
        EXPECT_EQ(a.init, init);
    }
}

TEST(Mask, BadMasksAndCombinationsAreExplained) {
    const Case c = make_case(0.2, 7);
    Options o = options(Solver::hals, Loss::frobenius, 2, 5, 0, 0);
    o.mask = std::make_shared<Mask>(Mask::from_positions(50, 35, {}));
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(c.V), o); }),
              "the mask is 50 x 35 but V is 50 x 36; they must match");
    Mask bad = Mask::from_positions(50, 36, {{3, 1}, {5, 1}});
    std::swap(bad.row_index[0], bad.row_index[1]);
    o.mask = std::make_shared<Mask>(bad);
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(c.V), o); }),
              "the mask's column 2 lists row 4 out of range or out of increasing order");
    o = options(Solver::mu, Loss::kullback_leibler, 2, 5, 0, 0);
    o.mask = c.mask;
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(c.V), o); }),
              "missing values (a mask) are supported by every frobenius solver and by cd for "
              "kullback_leibler, not by solver mu with loss kullback_leibler");
    // A bad value outside the mask is still reported, with its position.
    M X = c.V;
    Eigen::Index i = 0, j = 0;
    while (c.is_hidden(i, j)) ++i;
    X(i, j) = -1;
    o = options(Solver::hals, Loss::frobenius, 2, 5, 0, 0);
    o.mask = c.mask;
    EXPECT_NE(message_of([&] { fit(DenseView<double>(X), o); }).find("negative"),
              std::string::npos);
}

}  // namespace
}  // namespace nmfkit::test
