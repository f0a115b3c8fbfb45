// Extreme scales (engine/data_scale.hpp, docs/algorithms.md "Scaling of V"): fit(2^j V) is exactly
// the fit of V with W and H scaled by 2^(j/2) each (j even), for every solver, loss and storage;
// data near the ends of the range gives finite factors and the right error; non-finite factors and
// fits with nothing observed are errors, never "converged".

#include "helpers.hpp"

namespace nmfkit::test {
namespace {

template <class T>
using Sparse = Eigen::SparseMatrix<T, Eigen::ColMajor, int>;

template <class T>
Mat<T> times_power(const Mat<T>& X, int p) {
    return X.unaryExpr([p](T x) { return std::ldexp(x, p); });
}

// Positive V (12 x 10, max 0.9375 in [1/2, 1): what the scaling maps 2^j V to, exactly) with a
// few zeros where the loss allows them, so that the sparse form skips entries. V itself is inside
// the safe range, so fit(V) is the unscaled fit.
template <class T>
Mat<T> data(Loss l) {
    Mat<T> V = uniform<T>(12, 10, 7, 0.1, 3.5);
    V(0, 0) = T(3.75);
    if (l != Loss::itakura_saito)
        for (Eigen::Index j = 0; j < V.cols(); j += 3)
            V(static_cast<Eigen::Index>((j * 5) % 12), j) = 0;
    return times_power(V, -2);
}

// fit() of dense or sparse V.
template <class T>
Result<T> fit_as(const Mat<T>& V, bool sparse, const Options& o) {
    if (!sparse) return fit(DenseView<T>(V), o);
    const Sparse<T> S = V.sparseView();
    return fit(SparseView<T, int>(S), o);
}

// The objective fc of 2^j V against f · 2^p: equal to rounding where that is a normal double, else
// the overflow (inf) or underflow (below the normal range) it is in V's units.
inline void expect_objective(double fc, double f, double p) {
    const double want = f * std::exp2(p);
    if (std::isnormal(want))
        EXPECT_NEAR(fc, want, 1e-14 * want);
    else if (std::isinf(want))
        EXPECT_TRUE(std::isinf(fc)) << fc;
    else
        EXPECT_LE(fc, std::numeric_limits<double>::min());
}

// fit(2^j V) against fit(V): the factors exactly 2^(j/2) times, the same iterations and relative
// error, the objective times 2^(βj).
template <class T>
void expect_equivariant(const Result<T>& r, const Result<T>& rc, int j, double beta) {
    EXPECT_EQ(rc.iterations, r.iterations);
    EXPECT_EQ(rc.status, r.status);
    EXPECT_EQ(rc.relative_error, r.relative_error);
    EXPECT_TRUE(rc.W == times_power(r.W, j / 2))
        << "max |W(cV) - c^½ W(V)| / c^½ = "
        << (times_power(rc.W, -j / 2) - r.W).cwiseAbs().maxCoeff();
    EXPECT_TRUE(rc.H == times_power(r.H, j / 2));
    expect_objective(rc.objective, r.objective, beta * j);
    ASSERT_EQ(rc.history.size(), r.history.size());
    for (std::size_t t = 0; t < r.history.size(); ++t)
        expect_objective(rc.history[t].objective, r.history[t].objective, beta * j);
    EXPECT_TRUE(all_finite_nonnegative(rc.W) && all_finite_nonnegative(rc.H));
}

template <class T>
void check_every_pair(std::initializer_list<int> exponents) {
    for (auto [s, l] : supported_pairs())
        for (bool sparse : {false, true})
            for (int j : exponents) {
                SCOPED_TRACE(label(s, l) + (sparse ? " sparse" : " dense") +
                             " j = " + std::to_string(j));
                Options o = options(s, l, 3, 6, 0, 3);
                o.threads = 1;
                const Mat<T> V = data<T>(l);
                const Result<T> r = fit_as(V, sparse, o);
                const Result<T> rc = fit_as(times_power(V, j), sparse, o);
                expect_equivariant(r, rc, j, resolved_beta(o));
            }
}

TEST(ExtremeScales, EveryPairIsExactlyEquivariantDouble) { check_every_pair<double>({500, -500}); }

TEST(ExtremeScales, EveryPairIsExactlyEquivariantFloat) { check_every_pair<float>({60, -60}); }

// Penalties are absolute, so 2^(2j) V is a different problem; it is the same one once the weights
// carry the scale: l1_W → l1_W 2^(2jβ − j), l2_W → l2_W 2^(2jβ − 2j) (H alike) for W, H → 2^j W, 2^j H.
TEST(ExtremeScales, PenaltiesTransformAsDerived) {
    const int j = 100;
    for (Loss l : {Loss::frobenius, Loss::kullback_leibler}) {
        SCOPED_TRACE(std::string(to_string(l)));
        Options o = options(l == Loss::frobenius ? Solver::hals : Solver::mu, l, 3, 8, 0, 5);
        o.w = {0.3, 0.2};
        o.h = {0.1, 0.4};
        const double beta = resolved_beta(o);
        const Mat<double> V = data<double>(l);
        const Result<double> r = fit(DenseView<double>(V), o);
        Options oc = o;
        oc.w = {std::exp2(2 * j * beta - j) * o.w.l1, std::exp2(2 * j * beta - 2 * j) * o.w.l2};
        oc.h = {std::exp2(2 * j * beta - j) * o.h.l1, std::exp2(2 * j * beta - 2 * j) * o.h.l2};
        const Mat<double> Vc = times_power(V, 2 * j);
        const Result<double> rc = fit(DenseView<double>(Vc), oc);
        expect_equivariant(r, rc, 2 * j, beta);
        // The penalties moved the solution: the unpenalised fit differs.
        Options none = o;
        none.w = none.h = {};
        EXPECT_FALSE(fit(DenseView<double>(V), none).W == r.W);
    }
}

// A custom start and fixed columns of W are scaled with V: the fixed column comes back exactly.
TEST(ExtremeScales, CustomStartAndFixedColumns) {
    const Mat<double> V = data<double>(Loss::frobenius);
    InitialFactors<double> start{uniform<double>(12, 3, 11, 0.1, 1),
                                 uniform<double>(3, 10, 12, 0.1, 1)};
    Options o = options(Solver::hals, Loss::frobenius, 3, 10, 0, 1);
    o.init = Init::custom;
    o.fixed_w_columns = {1};
    const int j = -600;
    const Result<double> r = fit(DenseView<double>(V), o, start);
    const InitialFactors<double> start_c{times_power(start.W, j / 2), times_power(start.H, j / 2)};
    const Result<double> rc = fit(DenseView<double>(times_power(V, j)), o, start_c);
    expect_equivariant(r, rc, j, 2);
    EXPECT_TRUE(rc.W.col(1) == start_c.W.col(1));
    EXPECT_TRUE(r.W.col(1) == start.W.col(1));
}

// transform(): H is fixed, so W carries the whole scale.
TEST(ExtremeScales, TransformScalesW) {
    for (Loss l : {Loss::frobenius, Loss::kullback_leibler})
        for (bool sparse : {false, true})
            for (int j : {501, -501}) {
                SCOPED_TRACE(std::string(to_string(l)) + (sparse ? " sparse" : " dense") +
                             std::to_string(j));
                const Mat<double> V = data<double>(l), H = uniform<double>(3, 10, 9, 0.1, 1);
                Options o;
                o.loss = l;
                o.max_iter = 20;
                const Mat<double> Vc = times_power(V, j);
                const Sparse<double> S = V.sparseView(), Sc = Vc.sparseView();
                const Result<double> r = sparse ? transform(SparseView<double, int>(S), H, o)
                                                : transform(DenseView<double>(V), H, o);
                const Result<double> rc = sparse ? transform(SparseView<double, int>(Sc), H, o)
                                                 : transform(DenseView<double>(Vc), H, o);
                EXPECT_TRUE(rc.W == times_power(r.W, j));
                EXPECT_TRUE(rc.H == H);
                EXPECT_EQ(rc.relative_error, r.relative_error);
                EXPECT_EQ(rc.iterations, r.iterations);
            }
}

// Missing values (dense NaN: the observed-entry path) and a mask on fully observed data (the
// held-out path) are scaled on their own copies.
TEST(ExtremeScales, MissingAndMaskedFits) {
    Mat<double> V = data<double>(Loss::kullback_leibler);
    V(3, 4) = V(7, 1) = std::numeric_limits<double>::quiet_NaN();
    const auto mask =
        std::make_shared<Mask>(Mask::from_positions(12, 10, {{2, 2}, {5, 9}, {11, 0}}));
    const int j = 800;
    for (Solver s : {Solver::hals, Solver::mu}) {
        SCOPED_TRACE(std::string(to_string(s)));
        Options o = options(s, Loss::frobenius, 3, 6, 0, 2);
        o.missing = Missing::nan;
        expect_equivariant(fit(DenseView<double>(V), o),
                           fit(DenseView<double>(times_power(V, j)), o), j, 2);
        Options om = options(s, Loss::frobenius, 3, 6, 0, 2);
        om.mask = mask;
        Mat<double> full = V;
        full(3, 4) = full(7, 1) = 0.5;  // max stays 0.9375: V is what 2^j V is scaled to
        expect_equivariant(fit(DenseView<double>(full), om),
                           fit(DenseView<double>(times_power(full, j)), om), j, 2);
        expect_equivariant(fit_as(full, true, om), fit_as(times_power(full, j), true, om), j, 2);
    }
}

// Sparse V with entries up to 1e308: finite factors, and the relative error of the same fit scaled
// down (which no overflow touches), checked against a naive evaluation there.
TEST(ExtremeScales, SparseNearTheTopOfTheRange) {
    Mat<double> V = data<double>(Loss::frobenius);
    V *= 1e308 / V.maxCoeff();
    const Sparse<double> S = V.sparseView();
    for (Solver s : solvers_for(Loss::frobenius)) {
        SCOPED_TRACE(std::string(to_string(s)));
        Options o = options(s, Loss::frobenius, 3, 200, 1e-6, 4);
        const Result<double> r = fit(SparseView<double, int>(S), o);
        EXPECT_TRUE(all_finite_nonnegative(r.W) && all_finite_nonnegative(r.H));
        EXPECT_TRUE(std::isfinite(r.relative_error));
        EXPECT_GT(r.relative_error, 0.05);  // a rank-3 fit of noise is far from exact
        EXPECT_LT(r.relative_error, 0.6);
        const Mat<double> Vs = times_power(V, -1000);
        EXPECT_NEAR(r.relative_error,
                    naive_relative_error(Vs, times_power(r.W, -500), times_power(r.H, -500)), 1e-7);
    }
}

// Data near 1e-160: the same iterations and relative error as at scale 1 (no early stop on a
// subnormal objective), with the default stopping rule.
TEST(ExtremeScales, TinyDataStopsWhereScaleOneStops) {
    for (auto [s, l] : pairs_accepting_zeros()) {
        SCOPED_TRACE(label(s, l));
        Options o = options(s, l, 3, 300, 1e-5, 6);
        const Mat<double> V = data<double>(l), tiny = times_power(V, -532);  // 2^-532 ≈ 1.1e-160
        const Result<double> r = fit(DenseView<double>(V), o), rt = fit(DenseView<double>(tiny), o);
        EXPECT_EQ(rt.iterations, r.iterations);
        EXPECT_EQ(rt.relative_error, r.relative_error);
        EXPECT_GT(r.iterations, 2);
    }
}

// ALS on V near 1e300 (dense and sparse): finite factors (it returned NaN before scaling).
TEST(ExtremeScales, AlsOnLargeInput) {
    Mat<double> V = data<double>(Loss::frobenius);
    V *= 1e300;
    for (bool sparse : {false, true}) {
        const Result<double> r =
            fit_as(V, sparse, options(Solver::als, Loss::frobenius, 3, 50, 1e-6, 1));
        EXPECT_TRUE(all_finite_nonnegative(r.W) && all_finite_nonnegative(r.H));
        EXPECT_LT(r.relative_error, 0.6);
    }
}

// float32 V near its largest value (3e38): W is not zero and the error is the one at scale 1.
TEST(ExtremeScales, FloatNearTheTopOfTheRange) {
    const Mat<float> V = data<float>(Loss::frobenius);
    const Mat<float> big = times_power(V, 128);  // max 0.9375 · 2^128 ≈ 3.2e38
    const Options o = options(Solver::hals, Loss::frobenius, 3, 50, 1e-6, 1);
    const Result<float> r = fit(DenseView<float>(V), o), rb = fit(DenseView<float>(big), o);
    EXPECT_GT(rb.W.maxCoeff(), 0.f);
    EXPECT_EQ(rb.relative_error, r.relative_error);
    EXPECT_TRUE(rb.W == times_power(r.W, 64));
}

// Nothing observed: an error naming why, not "converged, relative error 0".
TEST(ExtremeScales, AllMissingIsAnError) {
    const Mat<double> nan = Mat<double>::Constant(4, 3, std::numeric_limits<double>::quiet_NaN());
    Options o = options(Solver::hals, Loss::frobenius, 2, 10, 1e-4, 1);
    o.missing = Missing::nan;
    EXPECT_EQ(message_of([&] { fit(DenseView<double>(nan), o); }),
              "every entry of V (4 x 3) is missing: each is NaN, so there is nothing to fit");
    std::vector<std::pair<std::int64_t, std::int64_t>> all;
    for (std::int64_t j = 0; j < 3; ++j)
        for (std::int64_t i = 0; i < 4; ++i) all.emplace_back(i, j);
    const auto mask = std::make_shared<Mask>(Mask::from_positions(4, 3, all));
    const Mat<double> V = uniform<double>(4, 3, 1, 0.1, 1);
    for (Loss l : {Loss::frobenius, Loss::kullback_leibler})
        for (bool sparse : {false, true}) {
            SCOPED_TRACE(std::string(to_string(l)) + (sparse ? " sparse" : " dense"));
            Options om =
                options(l == Loss::frobenius ? Solver::hals : Solver::cd, l, 2, 10, 1e-4, 1);
            om.mask = mask;
            EXPECT_EQ(message_of([&] { fit_as(V, sparse, om); }),
                      "every entry of V (4 x 3) is missing: each is in the mask, so there is "
                      "nothing to fit");
        }
    const Sparse<double> empty(4, 3);
    Options oz = options(Solver::cd, Loss::kullback_leibler, 2, 10, 1e-4, 1);
    oz.missing = Missing::zeros;
    EXPECT_EQ(message_of([&] { fit(SparseView<double, int>(empty), oz); }),
              "every entry of V (4 x 3) is missing: each is zero (not stored) or NaN, so there is "
              "nothing "
              "to fit");
}

// A factor that cannot be represented is an error: float32 V = 3e38 everywhere with W's columns
// normalised puts H ≈ 3e38·√12 > FLT_MAX, which used to come back as inf, "converged".
TEST(ExtremeScales, NonFiniteFactorsAreAnError) {
    const Mat<float> V = Mat<float>::Constant(12, 10, 3e38f);
    Options o = options(Solver::hals, Loss::frobenius, 1, 20, 1e-6, 1);
    o.normalize = Normalize::l2;
    const std::string msg = message_of([&] { fit(DenseView<float>(V), o); });
    EXPECT_NE(msg.find("the fit produced a non-finite factor: H("), std::string::npos) << msg;
    // The same data scaled into range fits, and its H is finite.
    const Result<float> r = fit(DenseView<float>(times_power(V, -20)), o);
    EXPECT_TRUE(all_finite_nonnegative(r.H));
    // An exact rank-1 fit, to float precision, that converges: built by clang (the sanitizer
    // stage) its float objective alternates between two rounding states, ±6%, which the
    // relative-change rule alone never accepts; the first rise stops it (engine/loop.hpp).
    EXPECT_LT(r.relative_error, 1e-6);
    EXPECT_EQ(r.status, Status::converged);
}

}  // namespace
}  // namespace nmfkit::test
