// Online (mini-batch) NMF (include/nmfkit/online.hpp): the objective falls over passes, planted
// factorizations are recovered, revisits take penalised components to exactly zero, dense and
// sparse blocks agree, float agrees with double, a seed fixes the result, partial_fit() over
// blocks is fit_online(), fit_online() from a given start is partial_fit() with warm starts, a
// saved state continues the fit, checkpoints resume bit for bit, and bad options and blocks are
// refused with messages.

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include <Eigen/SVD>
#include <Eigen/SparseCore>
#include <nmfkit/online.hpp>

#include "helpers.hpp"

namespace nmfkit::test {
namespace {

struct Planted {
    Eigen::MatrixXd W, H, V;
};

/// V = W H (m x n) with separable sparse factors of rank k.
Planted planted(Eigen::Index m, Eigen::Index n, Eigen::Index k, unsigned seed) {
    Planted p;
    p.W = sparse_factor<double>(m, k, seed, 0.5);
    p.H = sparse_factor<double>(n, k, seed + 1, 0.5).transpose();
    p.V = p.W * p.H;
    return p;
}

Options online_options(Loss loss, Solver solver, int k, int passes) {
    Options o;
    o.rank = k;
    o.loss = loss;
    o.solver = solver;
    o.max_iter = passes;
    o.tol = 0;  // run every pass: the tests compare pass counts
    o.seed = 7;
    return o;
}

OnlineOptions online(std::int64_t batch) {
    OnlineOptions o;
    o.batch_size = batch;
    o.max_no_improvement = 0;
    return o;
}

struct Pair {
    Loss loss;
    Solver solver;
};
const Pair pairs[] = {{Loss::frobenius, Solver::hals},
                      {Loss::frobenius, Solver::anls_bpp},
                      {Loss::kullback_leibler, Solver::cd},
                      {Loss::kullback_leibler, Solver::mu}};

std::string name_of(const Pair& p) {
    return std::string(to_string(p.solver)) + "/" + std::string(to_string(p.loss));
}

TEST(Online, ObjectiveFallsOverPasses) {
    const Planted p = planted(40, 300, 4, 11);
    for (const Pair& pair : pairs) {
        SCOPED_TRACE(name_of(pair));
        double previous = std::numeric_limits<double>::infinity();
        for (int passes : {1, 4, 16}) {
            const Result<double> r =
                fit_online(DenseView<double>(p.V),
                           online_options(pair.loss, pair.solver, 4, passes), online(50));
            EXPECT_EQ(r.iterations, passes);
            EXPECT_LT(r.objective, previous) << passes << " passes";
            previous = r.objective;
            EXPECT_TRUE(all_finite_nonnegative<double>(r.W));
            EXPECT_TRUE(all_finite_nonnegative<double>(r.H));
        }
    }
}

TEST(Online, RecoversAPlantedFactorization) {
    const Planted p = planted(50, 600, 4, 21);
    for (const Pair& pair : pairs) {
        SCOPED_TRACE(name_of(pair));
        const Result<double> r = fit_online(
            DenseView<double>(p.V), online_options(pair.loss, pair.solver, 4, 60), online(100));
        // Forgetting (0.7 after a pass) lets the statistics of the poor early coefficients fade.
        EXPECT_LT(r.relative_error, pair.loss == Loss::frobenius ? 1e-3 : 1e-2);
        EXPECT_NEAR(r.relative_error, naive_relative_error<double>(p.V, r.W, r.H), 1e-9);
        EXPECT_GT(matched_min_cosine(r.W, p.W), 0.99);
    }
}

TEST(Online, KlApproachesTheFullBatchObjectiveInAFewPasses) {
    // A block's dictionary update alternates coefficient and multiplicative steps on the block
    // until W settles (docs/algorithms.md, "Online NMF"); with one multiplicative step per block
    // the objective after 3 passes is about 50 times the full-batch one here.
    Planted p = planted(50, 2000, 5, 41);
    p.V.array() += 0.05 * Eigen::ArrayXXd::Random(p.V.rows(), p.V.cols()).abs();
    Options full = online_options(Loss::kullback_leibler, Solver::cd, 5, 1000);
    full.tol = 1e-8;
    const Result<double> reference = fit(DenseView<double>(p.V), full);
    for (const Solver solver : {Solver::cd, Solver::mu}) {
        SCOPED_TRACE(to_string(solver));
        const Result<double> r =
            fit_online(DenseView<double>(p.V), online_options(Loss::kullback_leibler, solver, 5, 3),
                       online(200));
        EXPECT_LT(r.objective, 1.5 * reference.objective);
    }
}

TEST(Online, FrobeniusRevisitsReachTheFullBatchObjective) {
    // From the second pass, a block's new coefficients replace its old ones in the statistics
    // (Mairal et al. 2010, Section 3.4) and a warm block makes the full-batch fit's budgeted
    // HALS iteration; from the third pass the surrogate is then the objective itself at the kept
    // coefficients, which each step lowers (block coordinate descent). With the old terms kept
    // (weighted down by the forgetting factor), 16 passes from the random start ended at about
    // 300 times the full-batch objective here.
    Planted p = planted(60, 3000, 5, 71);
    p.V.array() += 0.01 * Eigen::ArrayXXd::Random(p.V.rows(), p.V.cols()).abs();
    Options full = online_options(Loss::frobenius, Solver::hals, 5, 1000);
    full.tol = 1e-10;
    const Result<double> reference = fit(DenseView<double>(p.V), full);
    for (const Solver solver : {Solver::hals, Solver::anls_bpp}) {
        SCOPED_TRACE(to_string(solver));
        double previous = std::numeric_limits<double>::infinity();
        for (int passes : {3, 4, 6, 10, 16}) {
            const Result<double> r =
                fit_online(DenseView<double>(p.V),
                           online_options(Loss::frobenius, solver, 5, passes), online(300));
            EXPECT_LE(r.objective, previous * (1 + 1e-12)) << passes << " passes";
            previous = r.objective;
        }
        EXPECT_LT(previous, 1.05 * reference.objective);
    }
}

TEST(Online, RevisitsTakeComponentsThatPenaltiesShrinkToExactlyZero) {
    // L2 weights on W and H above V's largest singular value make W = 0, H = 0 the minimiser:
    // every pass shrinks the components by about (σ/λ)². A revisit takes a block's old terms out
    // of A = Σ H_b H_bᵀ and B = Σ V_b H_bᵀ, which leaves the rounding of the largest past terms
    // behind; measured against the current terms alone that residue was never taken as zero, and
    // W and H stalled at 1e-14 to 1e-18 (differently for dense and sparse blocks) instead of
    // reaching 0 (scikit-learn's test_nmf_sparse_input). A_mass, the scale of the terms that
    // went through A_ll, recognises it (src/online/online.cpp).
    const Planted p = planted(20, 60, 3, 23);
    const double sigma = Eigen::JacobiSVD<Eigen::MatrixXd>(p.V).singularValues()(0);
    Eigen::SparseMatrix<double, Eigen::ColMajor, int> S = p.V.sparseView();
    S.makeCompressed();
    const SparseView<double, int> csc(S.rows(), S.cols(), S.outerIndexPtr(), S.innerIndexPtr(),
                                      S.valuePtr(), SparseLayout::csc);
    for (const Solver solver : {Solver::hals, Solver::anls_bpp})
        for (const std::int64_t batch : {20, 60}) {  // three blocks, and one
            SCOPED_TRACE(std::string(to_string(solver)) + ", batch " + std::to_string(batch));
            Options o = online_options(Loss::frobenius, solver, 3, 60);
            o.w.l2 = o.h.l2 = 2 * sigma;
            ASSERT_TRUE(online(batch).revisit);
            const Result<double> d = fit_online(DenseView<double>(p.V), o, online(batch));
            const Result<double> s = fit_online(csc, o, online(batch));
            EXPECT_TRUE(d.W.isZero(0) && d.H.isZero(0))
                << d.W.cwiseAbs().maxCoeff() << " " << d.H.cwiseAbs().maxCoeff();
            EXPECT_TRUE(s.W.isZero(0) && s.H.isZero(0))
                << s.W.cwiseAbs().maxCoeff() << " " << s.H.cwiseAbs().maxCoeff();
        }
}

TEST(Online, DenseAndSparseBlocksAgree) {
    Planted p = planted(30, 200, 3, 31);
    for (Eigen::Index j = 0; j < p.V.cols(); j += 3) p.V.col(j).setZero();  // some empty columns
    Eigen::SparseMatrix<double, Eigen::ColMajor, int> S = p.V.sparseView();
    Eigen::SparseMatrix<double, Eigen::RowMajor, std::int64_t> R = p.V.sparseView();
    S.makeCompressed();
    R.makeCompressed();
    const SparseView<double, int> csc(S.rows(), S.cols(), S.outerIndexPtr(), S.innerIndexPtr(),
                                      S.valuePtr(), SparseLayout::csc);
    const SparseView<double, std::int64_t> csr(R.rows(), R.cols(), R.outerIndexPtr(),
                                               R.innerIndexPtr(), R.valuePtr(), SparseLayout::csr);
    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major = p.V;
    for (const Pair& pair : pairs) {
        SCOPED_TRACE(name_of(pair));
        const Options o = online_options(pair.loss, pair.solver, 3, 5);
        const Result<double> d = fit_online(DenseView<double>(p.V), o, online(32));
        const Result<double> s = fit_online(csc, o, online(32));
        const Result<double> t = fit_online(csr, o, online(32));
        const Result<double> rm = fit_online(DenseView<double>(row_major), o, online(32));
        for (const Result<double>* x : {&s, &t, &rm}) {
            EXPECT_LT((x->W - d.W).norm(), 1e-8 * d.W.norm());
            EXPECT_LT((x->H - d.H).norm(), 1e-8 * d.H.norm());
            EXPECT_NEAR(x->objective, d.objective, 1e-8 * d.objective);
        }
    }
}

TEST(Online, FloatAgreesWithDouble) {
    const Planted p = planted(40, 300, 4, 41);
    const Eigen::MatrixXf Vf = p.V.cast<float>();
    for (const Pair& pair : pairs) {
        SCOPED_TRACE(name_of(pair));
        const Options o = online_options(pair.loss, pair.solver, 4, 6);
        const Result<double> d = fit_online(DenseView<double>(p.V), o, online(64));
        const Result<float> f = fit_online(DenseView<float>(Vf), o, online(64));
        EXPECT_NEAR(f.objective, d.objective, 1e-3 * d.objective + 1e-6 * p.V.squaredNorm());
        EXPECT_LT((f.W.cast<double>() - d.W).norm(), 1e-2 * d.W.norm());
    }
}

TEST(Online, ASeedFixesTheResult) {
    const Planted p = planted(30, 200, 3, 51);
    for (const Pair& pair : pairs) {
        SCOPED_TRACE(name_of(pair));
        Options o = online_options(pair.loss, pair.solver, 3, 3);
        const Result<double> a = fit_online(DenseView<double>(p.V), o, online(40));
        const Result<double> b = fit_online(DenseView<double>(p.V), o, online(40));
        EXPECT_EQ(a.W, b.W);
        EXPECT_EQ(a.H, b.H);
        o.seed = 8;
        const Result<double> c = fit_online(DenseView<double>(p.V), o, online(40));
        EXPECT_NE(a.W, c.W);
    }
}

TEST(Online, PartialFitOverBlocksIsOnePass) {
    const Planted p = planted(30, 230, 3, 61);  // 230 = 4 blocks of 50 and one of 30
    for (const Pair& pair : pairs) {
        SCOPED_TRACE(name_of(pair));
        const Options o = online_options(pair.loss, pair.solver, 3, 1);
        OnlineOptions on = online(50);
        const Result<double> r = fit_online(DenseView<double>(p.V), o, on);
        on.samples = p.V.cols();
        OnlineNMF<double> model(p.V.rows(), o, on);
        for (Eigen::Index j0 = 0; j0 < p.V.cols(); j0 += 50) {
            const Eigen::MatrixXd block = p.V.middleCols(j0, std::min<Eigen::Index>(50, 230 - j0));
            model.partial_fit(DenseView<double>(block));
        }
        EXPECT_EQ(model.W(), r.W);
        EXPECT_EQ(model.state().steps, 5);
        EXPECT_EQ(model.state().samples_seen, 230);
    }
}

/// fit_online's passes made by hand: partial_fit over the blocks of `b` columns, a block's
/// coefficients kept (n x k) and passed back as its warm start from the pass `warm_from` on
/// (0: from the given H0t; 1: its first visit from scratch), `passes` passes, the visits after
/// the first by revisit() with the kept coefficients and their weight (1 after a revisit, else
/// the product of the steps' ρ since); the final H is the kept coefficients (k x n).
struct ByHand {
    Eigen::MatrixXd W, H;
};
ByHand by_hand(const Eigen::MatrixXd& V, OnlineNMF<double> model, Eigen::Index b, int passes,
               int warm_from, Eigen::MatrixXd Ht) {
    const Eigen::Index n = V.cols();
    std::vector<double> weight(static_cast<std::size_t>((n + b - 1) / b), 1.0);
    for (int pass = 0; pass < passes; ++pass)
        for (Eigen::Index j0 = 0; j0 < n; j0 += b) {
            const Eigen::Index c = std::min(b, n - j0);
            const Eigen::MatrixXd block = V.middleCols(j0, c);
            Eigen::MatrixXd Hb;
            if (pass >= warm_from) Hb = Ht.middleRows(j0, c);
            const auto q = static_cast<std::size_t>(j0 / b);
            const OnlineStep s =
                pass > 0 ? model.revisit(DenseView<double>(block), Hb,
                                         Eigen::MatrixXd(Ht.middleRows(j0, c)), weight[q])
                         : model.partial_fit(DenseView<double>(block), &Hb);
            for (double& w : weight) w *= s.rho;
            weight[q] = 1;
            Ht.middleRows(j0, c) = Hb;
        }
    return {model.W(), Ht.transpose()};
}

TEST(Online, FitFromAGivenStartIsPartialFitWithWarmStarts) {
    const Planted p = planted(30, 230, 3, 63);  // 4 blocks of 50 and one of 30
    const Eigen::MatrixXd W0 = sparse_factor<double>(30, 3, 64, 0.2).array() + 0.1;
    const Eigen::MatrixXd H0 = sparse_factor<double>(230, 3, 65, 0.2).transpose().array() + 0.1;
    for (const Pair& pair : pairs) {
        SCOPED_TRACE(name_of(pair));
        Options o = online_options(pair.loss, pair.solver, 3, 3);
        OnlineOptions on = online(50);
        on.samples = p.V.cols();
        const bool fro = pair.loss == Loss::frobenius;
        const OnlineState<double> state{
            W0, fro ? Eigen::MatrixXd::Zero(3, 3) : W0,
            fro ? Eigen::MatrixXd::Zero(30, 3) : Eigen::MatrixXd::Ones(30, 3)};
        const OnlineNMF<double> model(state, o, on);
        o.init = Init::custom;
        // W given: a block's first visit solved from scratch, later ones warm-started.
        const Result<double> r = fit_online(DenseView<double>(p.V), o, {W0, {}}, on);
        const ByHand w = by_hand(p.V, model, 50, 3, 1, Eigen::MatrixXd::Zero(230, 3));
        EXPECT_EQ(r.W, w.W);
        EXPECT_EQ(r.H, w.H);
        EXPECT_EQ(r.init, Init::custom);
        EXPECT_EQ(r.iterations, 3);
        EXPECT_NE(r.W, fit_online(DenseView<double>(p.V), o, {W0.array() + 0.5, {}}, on).W);
        // W and H given: every visit warm-started, the first from H.
        const Result<double> rh = fit_online(DenseView<double>(p.V), o, {W0, H0}, on);
        const ByHand wh = by_hand(p.V, model, 50, 3, 0, H0.transpose());
        EXPECT_EQ(rh.W, wh.W);
        EXPECT_EQ(rh.H, wh.H);
        if (pair.solver != Solver::anls_bpp) {  // BPP's solve is exact: its start does not matter
            EXPECT_NE(rh.W, r.W);
        }
    }
}

TEST(Online, ABlockNotVisitedGetsTransformsH) {
    // tol = 1 stops at the second block of the first pass; blocks 3 to 5 were never visited.
    const Planted p = planted(30, 230, 3, 67);
    Options o = online_options(Loss::frobenius, Solver::hals, 3, 5);
    o.tol = 1;
    OnlineOptions on = online(50);
    const Result<double> r = fit_online(DenseView<double>(p.V), o, on);
    ASSERT_EQ(r.history.size(), 2U);
    EXPECT_EQ(r.status, Status::converged);
    on.samples = p.V.cols();
    const OnlineNMF<double> model(
        OnlineState<double>{r.W, Eigen::MatrixXd::Zero(3, 3), Eigen::MatrixXd::Zero(30, 3)}, o, on);
    const Eigen::MatrixXd rest = p.V.rightCols(130);
    EXPECT_EQ(r.H.rightCols(130), model.transform(DenseView<double>(rest)));
    EXPECT_TRUE(r.H.allFinite());
}

TEST(Online, RefusesABadStart) {
    const Eigen::MatrixXd V = Eigen::MatrixXd::Ones(5, 6);
    Options o = online_options(Loss::frobenius, Solver::hals, 2, 3);
    const Eigen::MatrixXd W = Eigen::MatrixXd::Ones(5, 2), H = Eigen::MatrixXd::Ones(2, 6);
    auto fit_from = [&](const Options& opt, const Eigen::MatrixXd& W0, const Eigen::MatrixXd& H0) {
        return message_of([&] { fit_online(DenseView<double>(V), opt, {W0, H0}, online(3)); });
    };
    EXPECT_NE(fit_from(o, W, H).find("needs init custom"), std::string::npos);
    o.init = Init::custom;
    EXPECT_NE(fit_from(o, Eigen::MatrixXd::Ones(4, 2), H).find("starting W must be 5 x 2"),
              std::string::npos);
    EXPECT_NE(fit_from(o, W, Eigen::MatrixXd::Ones(2, 5)).find("starting H must be 2 x 6"),
              std::string::npos);
    EXPECT_NE(fit_from(o, -W, H).find("negative"), std::string::npos);
    EXPECT_NE(fit_from(o, W, -H).find("negative"), std::string::npos);
    EXPECT_EQ(fit_from(o, W, H), "(no exception)");
    EXPECT_EQ(fit_from(o, W, {}), "(no exception)");
}

TEST(Online, AnL1PenaltyZeroesUnusedComponents) {
    // An L1 weight on the coefficients larger than any VᵀW entry zeroes every block's H_b; the
    // dictionary's statistics then hold nothing, and with an L1 weight on W its minimiser is
    // W = 0 (scikit-learn's MiniBatchNMF goes there too), not the random start.
    const Planted p = planted(20, 60, 3, 17);
    for (const Solver solver : {Solver::hals, Solver::anls_bpp}) {
        SCOPED_TRACE(to_string(solver));
        Options o = online_options(Loss::frobenius, solver, 3, 2);
        o.h.l1 = 1e6;
        o.w.l1 = 0.5;
        const Result<double> r = fit_online(DenseView<double>(p.V), o, online(20));
        EXPECT_TRUE(r.H.isZero(0));
        EXPECT_TRUE(r.W.isZero(0)) << r.W;
        // Without the L1 weight on W any value is optimal: HALS leaves W's columns at the start.
        o.w.l1 = 0;
        if (solver == Solver::hals) {
            EXPECT_FALSE(fit_online(DenseView<double>(p.V), o, online(20)).W.isZero(0));
        }
    }
}

TEST(Online, AStateContinuesTheFit) {
    const Planted p = planted(30, 200, 3, 71);
    for (const Pair& pair : pairs) {
        SCOPED_TRACE(name_of(pair));
        const Options o = online_options(pair.loss, pair.solver, 3, 1);
        OnlineOptions on = online(50);
        on.samples = 200;
        OnlineNMF<double> whole(30, o, on);
        OnlineNMF<double> first(30, o, on);
        for (Eigen::Index j0 = 0; j0 < 200; j0 += 50) {
            const Eigen::MatrixXd block = p.V.middleCols(j0, 50);
            whole.partial_fit(DenseView<double>(block));
            if (j0 < 100) first.partial_fit(DenseView<double>(block));
        }
        OnlineNMF<double> second(first.state(), o, on);  // as a later process would
        for (Eigen::Index j0 = 100; j0 < 200; j0 += 50) {
            const Eigen::MatrixXd block = p.V.middleCols(j0, 50);
            second.partial_fit(DenseView<double>(block));
        }
        EXPECT_EQ(second.W(), whole.W());
        EXPECT_EQ(second.state().A, whole.state().A);
        EXPECT_EQ(second.state().ewa_cost, whole.state().ewa_cost);
    }
}

// Checkpoints (Callbacks::on_checkpoint, resume): every saved state (inside a pass and at its
// end), and the one a callback's stop saves, continued gives the uninterrupted W, H and history
// bit for bit: dense and CSR, float and double, every pair, warm starts and fresh restarts.
template <class T, class View>
void expect_online_resume_is_bitwise(const View& V, const Options& o, const OnlineOptions& on) {
    const Result<T> whole = fit_online(V, o, on);
    std::vector<FitState> states;
    Callbacks cb;
    cb.checkpoint_every = 3;
    cb.on_checkpoint = [&](const FitState& s) { states.push_back(s); };
    const Result<T> saving = fit_online(V, o, on, cb);
    EXPECT_TRUE(saving.W == whole.W && saving.H == whole.H);  // saving changes nothing
    Callbacks stop;
    stop.on_iteration = [](const IterationStats& s) { return s.iteration < 5; };
    stop.on_checkpoint = cb.on_checkpoint;
    ASSERT_EQ(fit_online(V, o, on, stop).status, Status::stopped_by_callback);
    // 4 blocks a pass, 3 passes: blocks 3, 6 and 9 of 12, and block 5 of the stopped fit.
    ASSERT_EQ(states.size(), 4u);
    for (const FitState& s : states) {
        SCOPED_TRACE("resumed after block " + std::to_string(s.iteration));
        Callbacks resume;
        resume.resume = std::make_shared<const FitState>(s);
        const Result<T> r = fit_online(V, o, on, resume);
        EXPECT_TRUE(r.W == whole.W);
        EXPECT_TRUE(r.H == whole.H);
        EXPECT_EQ(r.iterations, whole.iterations);
        EXPECT_EQ(r.objective, whole.objective);
        ASSERT_EQ(r.history.size(), whole.history.size());
        for (std::size_t i = 0; i < r.history.size(); ++i)
            EXPECT_EQ(r.history[i].objective, whole.history[i].objective) << "block " << i + 1;
    }
}

template <class T>
void expect_online_resume_is_bitwise_for_every_pair() {
    const Planted p = planted(20, 30, 3, 61);
    const Matrix<T> V = p.V.cast<T>();
    Eigen::SparseMatrix<T, Eigen::RowMajor, int> R = V.sparseView();
    R.makeCompressed();
    const SparseView<T, int> csr(R.rows(), R.cols(), R.outerIndexPtr(), R.innerIndexPtr(),
                                 R.valuePtr(), SparseLayout::csr);
    for (const Pair& pair : pairs)
        for (bool fresh : {false, true}) {
            SCOPED_TRACE(name_of(pair) + (fresh ? " fresh_restarts" : ""));
            const Options o = online_options(pair.loss, pair.solver, 3, 3);
            OnlineOptions on = online(8);  // 4 blocks: 8, 8, 8, 6 columns
            on.fresh_restarts = fresh;
            expect_online_resume_is_bitwise<T>(DenseView<T>(V), o, on);
            expect_online_resume_is_bitwise<T>(csr, o, on);
        }
}

TEST(Online, CheckpointsResumeToTheUninterruptedFitDouble) {
    expect_online_resume_is_bitwise_for_every_pair<double>();
}

TEST(Online, CheckpointsResumeToTheUninterruptedFitFloat) {
    expect_online_resume_is_bitwise_for_every_pair<float>();
}

TEST(Online, MismatchedCheckpointsAreRefused) {
    const Planted p = planted(20, 30, 3, 62);
    const Options o = online_options(Loss::frobenius, Solver::hals, 3, 3);
    FitState state;
    Callbacks cb;
    cb.checkpoint_every = 4;  // the last saved: block 8 of 12, the end of pass 2 of 3
    cb.on_checkpoint = [&](const FitState& s) { state = s; };
    fit_online(DenseView<double>(p.V), o, online(8), cb);
    ASSERT_EQ(state.iteration, 8);
    auto resume_with = [&](const FitState& s, const Options& opt) {
        Callbacks r;
        r.resume = std::make_shared<const FitState>(s);
        return message_of([&] { fit_online(DenseView<double>(p.V), opt, online(8), r); });
    };
    EXPECT_EQ(resume_with(state, o), "(no exception)");
    // Frobenius keeps A_mass (k x 1, the scale of A's rounding) as a fourth matrix; a state
    // written before it was kept (three) resumes, one of the wrong shape or sign is refused.
    ASSERT_EQ(state.matrices.size(), 4u);
    FitState older = state;
    older.matrices.pop_back();
    EXPECT_EQ(resume_with(older, o), "(no exception)");
    // The checkpoint's own message (not the later one of OnlineNMF's constructor) for each.
    FitState bad_mass = state;
    const std::string refused = "the fit state's A_mass must be k x 1 (k = 3)";
    bad_mass.matrices[3] = Eigen::MatrixXd::Ones(2, 1);
    EXPECT_NE(resume_with(bad_mass, o).find(refused), std::string::npos);
    bad_mass.matrices[3] = -Eigen::MatrixXd::Ones(3, 1);
    EXPECT_NE(resume_with(bad_mass, o).find(refused), std::string::npos);
    bad_mass.matrices[3] = Eigen::MatrixXd::Ones(3, 1);
    bad_mass.matrices[3](1) = std::numeric_limits<double>::quiet_NaN();
    EXPECT_NE(resume_with(bad_mass, o).find(refused), std::string::npos);
    Options two = o;  // the state is at the end of pass 2
    two.max_iter = 2;
    EXPECT_NE(resume_with(state, two).find("nothing to do"), std::string::npos);
    Options k4 = o;
    k4.rank = 4;
    EXPECT_NE(resume_with(state, k4).find("do not match V"), std::string::npos);
    FitState plain = state;  // a full-batch fit's state has no statistics
    plain.matrices.clear();
    EXPECT_NE(resume_with(plain, o).find("not of an online fit"), std::string::npos);
    FitState f32 = state;
    f32.single_precision = true;
    EXPECT_NE(resume_with(f32, o).find("float32 fit"), std::string::npos);
}

TEST(Online, TransformSolvesTheBlock) {
    const Planted p = planted(40, 300, 4, 81);
    Options o = online_options(Loss::frobenius, Solver::anls_bpp, 4, 30);
    OnlineOptions on = online(100);
    on.forget_factor = 1;
    const Result<double> r = fit_online(DenseView<double>(p.V), o, on);
    OnlineNMF<double> model(
        OnlineState<double>{r.W, Eigen::MatrixXd::Identity(4, 4), Eigen::MatrixXd::Zero(40, 4)}, o,
        on);
    const Eigen::MatrixXd block = p.V.leftCols(25);
    const Eigen::MatrixXd H = model.transform(DenseView<double>(block));
    ASSERT_EQ(H.rows(), 4);
    ASSERT_EQ(H.cols(), 25);
    // The exact NNLS solution fits the block at least as well as the fit's own H.
    const double own = (block - r.W * r.H.leftCols(25)).norm();
    EXPECT_LE((block - r.W * H).norm(), own * (1 + 1e-9) + 1e-12);
    EXPECT_NEAR(model.objective(DenseView<double>(block), H), 0.5 * (block - r.W * H).squaredNorm(),
                1e-9 * block.squaredNorm());
}

TEST(Online, StopsByItsRules) {
    const Planted p = planted(30, 400, 3, 91);
    Options o = online_options(Loss::frobenius, Solver::hals, 3, 200);
    o.tol = 1e-4;
    OnlineOptions on;
    on.batch_size = 40;
    const Result<double> r = fit_online(DenseView<double>(p.V), o, on);
    EXPECT_EQ(r.status, Status::converged);
    EXPECT_LT(r.iterations, 200);
    // One history entry per block: 10 blocks a pass, the last pass cut short by the stop.
    EXPECT_GT(static_cast<int>(r.history.size()), 10 * (r.iterations - 1));
    EXPECT_LE(static_cast<int>(r.history.size()), 10 * r.iterations);
}

TEST(Online, RefusesBadOptionsAndBlocks) {
    const Eigen::MatrixXd V = Eigen::MatrixXd::Ones(5, 6);
    const Options good = online_options(Loss::frobenius, Solver::hals, 2, 3);
    auto fit_with = [&](const Options& o, const OnlineOptions& on) {
        return message_of([&] { fit_online(DenseView<double>(V), o, on); });
    };
    OnlineOptions on;
    on.batch_size = 0;
    EXPECT_NE(fit_with(good, on).find("batch_size must be >= 1"), std::string::npos);
    on = {};
    on.forget_factor = 1.5;
    EXPECT_NE(fit_with(good, on).find("forget_factor must be in [0, 1]"), std::string::npos);
    on = {};
    on.fresh_restarts_max_iter = 0;
    EXPECT_NE(fit_with(good, on).find("fresh_restarts_max_iter"), std::string::npos);
    Options o = good;
    o.loss = Loss::itakura_saito;
    o.solver = Solver::mu;
    EXPECT_NE(fit_with(o, {}).find("supports loss frobenius and kullback_leibler"),
              std::string::npos);
    o = good;
    o.solver = Solver::mu;
    EXPECT_NE(fit_with(o, {}).find("supports solver hals or anls_bpp, not mu"), std::string::npos);
    OnlineNMF<double> model(5, good);
    const Eigen::MatrixXd wrong = Eigen::MatrixXd::Ones(4, 3);
    EXPECT_NE(message_of([&] {
                  model.partial_fit(DenseView<double>(wrong));
              }).find("block has 4 rows but the model has 5 features"),
              std::string::npos);
    Eigen::MatrixXd negative = V;
    negative(2, 3) = -1;
    EXPECT_NE(message_of([&] { model.partial_fit(DenseView<double>(negative)); }).find("negative"),
              std::string::npos);
    EXPECT_NE(message_of([&] {
                  model.transform(DenseView<double>(V));
              }).find("transform before any block was fitted"),
              std::string::npos);
    // A revisit's previous coefficients must be b x k and non-negative, its weight in [0, 1].
    Eigen::MatrixXd Hb;
    EXPECT_NE(message_of([&] {
                  model.revisit(DenseView<double>(V), Hb, Eigen::MatrixXd::Ones(2, 2), 1.0);
              }).find("previous coefficients of a revisited block must be"),
              std::string::npos);
    const Eigen::MatrixXd previous = Eigen::MatrixXd::Ones(V.cols(), good.rank);
    EXPECT_NE(message_of([&] {
                  model.revisit(DenseView<double>(V), Hb, -previous, 1.0);
              }).find("negative or non-finite"),
              std::string::npos);
    EXPECT_NE(message_of([&] {
                  model.revisit(DenseView<double>(V), Hb, previous, 1.5);
              }).find("must be in [0, 1], got 1.5"),
              std::string::npos);
}

}  // namespace
}  // namespace nmfkit::test
