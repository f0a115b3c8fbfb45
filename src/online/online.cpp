// Online (mini-batch) NMF, include/nmfkit/online.hpp; the algorithm and its references are in
// docs/algorithms.md, "Online NMF". One translation unit with explicit instantiations (float and
// double, int32 and int64 indices), so that the solvers' templates are compiled once more here
// and nowhere else.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include <nmfkit/online.hpp>

#include "linalg/gram.hpp"
#include "linalg/numeric.hpp"
#include "linalg/threads.hpp"
#include "init/random.hpp"
#include "data/dense.hpp"
#include "data/sparse.hpp"
#include "data/transposed.hpp"
#include "loss/kl.hpp"
#include "nnls/bpp.hpp"
#include "updates/cd_kl.hpp"
#include "updates/hals.hpp"
#include "updates/mu.hpp"
#include "engine/any_data.hpp"
#include "engine/validate.hpp"

namespace nmfkit {

void validate(const OnlineOptions& o) {
    auto bad = [](const std::string& what) { throw InvalidInput(what); };
    if (o.batch_size < 1) bad("batch_size must be >= 1, got " + std::to_string(o.batch_size));
    if (!(o.forget_factor >= 0 && o.forget_factor <= 1))
        bad("forget_factor must be in [0, 1], got " + std::to_string(o.forget_factor));
    if (o.fresh_restarts_max_iter < 1)
        bad("fresh_restarts_max_iter must be >= 1, got " +
            std::to_string(o.fresh_restarts_max_iter));
    if (o.max_no_improvement < 0)
        bad("max_no_improvement must be >= 0 (0: off), got " +
            std::to_string(o.max_no_improvement));
    if (o.transform_max_iter < 0)
        bad("transform_max_iter must be >= 0 (0: max_iter), got " +
            std::to_string(o.transform_max_iter));
    if (o.samples < 0) bad("samples must be >= 0 (0: unknown), got " + std::to_string(o.samples));
}

namespace {

using detail::DenseData;
using detail::SparseData;
using detail::Transposed;

// Calls f(A) with the adapter presenting the block (m x b), as AnyData (engine/any_data.hpp:
// the steps below are compiled once per scalar and index type, not once per storage):
// DenseData over a column-major block, Transposed<DenseData> over a row-major one; SparseData
// over CSC (no row copy: every product the online steps make is a gather or a scatter over the
// columns), Transposed over CSR (whose row copy is then built, since the coefficient solve of KL
// reads the block's columns).
template <class T, class F>
auto with_block(const DenseView<T>& V, F&& f) {
    using Any = detail::AnyData<T, Eigen::Index>;
    if (V.layout == Layout::col_major) {
        const DenseData<T> A(V.data, V.rows, V.cols, V.ld);
        return f(Any(A));
    }
    const DenseData<T> At(V.data, V.cols, V.rows, V.ld);
    const Transposed<DenseData<T>> A(At);
    return f(Any(A));
}
template <class T, class I, class F>
auto with_block(const SparseView<T, I>& V, F&& f) {
    using Any = detail::AnyData<T, I>;
    if (V.layout == SparseLayout::csc) {
        const SparseData<T, I> A(V.rows, V.cols, V.outer, V.inner, V.values, false);
        return f(Any(A));
    }
    const SparseData<T, I> At(V.cols, V.rows, V.outer, V.inner, V.values, true);
    const Transposed<SparseData<T, I>> A(At);
    return f(Any(A));
}

template <class T>
void check_block(const DenseView<T>& V, Eigen::Index m) {
    if (V.rows != m)
        throw InvalidInput("block has " + std::to_string(V.rows) + " rows but the model has " +
                           std::to_string(m) + " features");
    detail::validate_matrix(V);
}
template <class T, class I>
void check_block(const SparseView<T, I>& V, Eigen::Index m) {
    if (V.rows != m)
        throw InvalidInput("block has " + std::to_string(V.rows) + " rows but the model has " +
                           std::to_string(m) + " features");
    detail::validate_sparse(V);
}

/// KL dictionary update: the most rounds (coefficient iteration + multiplicative step on the
/// block's statistics retaken at the current W) per block, and the relative change of W that ends
/// them earlier.
constexpr int kl_block_rounds = 100;
constexpr double kl_block_tol = 1e-3;

template <class T>
double penalty_of(const Matrix<T>& X, const Penalty& p) {
    if (p.l1 == 0 && p.l2 == 0) return 0;
    const auto& Xd = X.template cast<double>();
    return p.l1 * Xd.sum() + 0.5 * p.l2 * Xd.squaredNorm();
}

/// Zeroes the columns of X (rows x k) whose component is unused: Gp(l, l) = 0 (the other factor's
/// column l is zero, and no L2 term). The loss does not depend on such a column, so its penalised
/// objective is l1·Σ X(:, l), minimised at 0 when l1 > 0; HALS and BPP skip a zero-curvature
/// column and would leave it as it was (after an L1 penalty zeroed a batch's coefficients, the
/// dictionary would keep its start; scikit-learn's multiplicative update takes it to 0).
template <class T>
void zero_unused_components(const Matrix<T>& Gp, double l1, Matrix<T>& X) {
    if (l1 <= 0) return;
    for (Eigen::Index l = 0; l < X.cols(); ++l)
        if (Gp(l, l) <= 0) X.col(l).setZero();
}

/// Σ_ij (X Yᵀ)_ij = Σ_l (Σ_i X_il)(Σ_j Y_jl), in double.
template <class T>
double total_of_product(const Matrix<T>& X, const Matrix<T>& Y) {
    return X.template cast<double>().colwise().sum().dot(Y.template cast<double>().colwise().sum());
}

template <class T>
double relative_change(const Matrix<T>& before, const Matrix<T>& after) {
    const double norm = after.template cast<double>().norm();
    const double diff = (after.template cast<double>() - before.template cast<double>()).norm();
    return norm > 0 ? diff / norm : (diff > 0 ? 1.0 : 0.0);
}

/// The start of a block's coefficients from scratch: row j of Ht (b x k) constant, c_j =
/// Σ_i A_ij / Σ_il W_il, so that Σ_i (W Htᵀ)_ij = Σ_i A_ij (the best constant row for KL). A
/// column's start depends only on that column, not on the block it comes in.
template <class T, class D>
void column_start(const D& A, const Matrix<T>& W, Matrix<T>& Ht) {
    const Matrix<T> ones = Matrix<T>::Ones(A.rows(), 1);
    Matrix<T> colsum;  // b x 1
    A.transpose_times(ones, colsum);
    const double total = W.template cast<double>().sum();
    Ht.resize(A.cols(), W.cols());
    for (Eigen::Index j = 0; j < A.cols(); ++j)
        Ht.row(j).setConstant(static_cast<T>(total > 0 ? colsum(j) / total : 0.0));
}

/// Ht (b x k) ← argmin over Ht ≥ 0 of loss(A, W Htᵀ) + H's penalty with W (m x k) fixed, by up to
/// `iterations` iterations of the block solver from Ht's value, stopped when the relative change
/// of Ht falls to tol. A Frobenius `hals` iteration is one sweep, or (`budget` > 0) the
/// full-batch fit's HALS iteration: sweeps within the Gillis-Glineur budget of the block's
/// products, counted as dense (so that a dense and a sparse block make the same sweeps), at most
/// `budget`. Returns the block's loss + H's penalty at the final Ht.
template <class T, class D>
double solve_coefficients(const D& A, const Matrix<T>& W, Matrix<T>& Ht, const Options& opt,
                          Solver solver, int iterations, int budget = 0) {
    if (opt.loss == Loss::frobenius) {
        Matrix<T> G;
        detail::gram(W, G);  // k x k
        Matrix<T> AtW;       // b x k
        A.transpose_times(W, AtW);
        Matrix<T> Gp = G;
        Gp.diagonal().array() += static_cast<T>(opt.h.l2);
        Matrix<T> Bp = AtW.array() - static_cast<T>(opt.h.l1);
        if (solver == Solver::anls_bpp) {
            detail::bpp_nnls(Gp, Bp, Ht);  // exact: one solve
        } else {
            detail::HalsBudget sweeps{1, 0.0};
            if (budget > 0) {
                const double flops = 2.0 * static_cast<double>(A.rows()) *
                                     static_cast<double>(A.cols()) * static_cast<double>(W.cols());
                sweeps = detail::hals_budget(flops, A.cols(), A.rows(), W.cols(), opt.hals_alpha,
                                             opt.hals_epsilon, opt.hals_max_inner);
                sweeps.max_inner = std::min(sweeps.max_inner, budget);
            }
            Matrix<T> old;
            for (int it = 0; it < iterations; ++it) {
                old = Ht;
                detail::hals_update(Gp, Bp, Ht, sweeps);
                if (relative_change(old, Ht) <= opt.tol) break;
            }
        }
        zero_unused_components(Gp, opt.h.l1, Ht);
        // ½‖A − W Htᵀ‖² from the Grams (a cost for the stopping heuristic, not the final error).
        Matrix<T> HtH;
        detail::gram(Ht, HtH);
        const double cross =
            (AtW.template cast<double>().array() * Ht.template cast<double>().array()).sum();
        const double quad =
            (G.template cast<double>().array() * HtH.template cast<double>().array()).sum();
        return 0.5 * std::max(0.0, A.squared_norm() - 2 * cross + quad) + penalty_of(Ht, opt.h);
    }
    // Kullback-Leibler: Aᵀ (b x m) against Ht Wᵀ, the rows of Ht being the samples.
    const Transposed<D> At(A);
    double loss = 0;
    Matrix<T> old;
    for (int it = 0; it < iterations; ++it) {
        old = Ht;
        if (solver == Solver::mu) {
            detail::mu_kl_update(At, W, opt.h, Ht);
        } else {
            loss = detail::cd_kl_update(At, W, Ht, opt.h, opt.cd_newton_steps, true);
            loss += total_of_product(Ht, W);
        }
        if (relative_change(old, Ht) <= opt.tol) break;
    }
    if (solver == Solver::mu || iterations == 0) {
        Matrix<T> unused;
        loss = A.sampled_times(W, Ht, detail::KullbackLeibler<T>(), unused, true);
    }
    return loss + penalty_of(Ht, opt.h);
}

/// One KL coefficient iteration of Ht (b x k) with W (m x k) fixed, without the loss (the
/// dictionary rounds of step() do not read it).
template <class T, class D>
void kl_coefficient_iteration(const D& A, const Matrix<T>& W, Matrix<T>& Ht, const Options& opt,
                              Solver solver) {
    const Transposed<D> At(A);
    if (solver == Solver::mu)
        detail::mu_kl_update(At, W, opt.h, Ht);
    else
        detail::cd_kl_update(At, W, Ht, opt.h, opt.cd_newton_steps, false);
}

}  // namespace

template <class T>
OnlineNMF<T>::OnlineNMF(Eigen::Index features, const Options& opt, const OnlineOptions& online)
    : opt_(opt), online_(online), m_(features) {
    detail::refuse_device(opt, "online NMF");
    detail::validate_options(opt);
    validate(online);
    if (opt.loss != Loss::frobenius && opt.loss != Loss::kullback_leibler)
        throw InvalidInput("online NMF supports loss frobenius and kullback_leibler, not " +
                           std::string(to_string(opt.loss)));
    solver_ = opt.solver.value_or(default_solver(opt.loss));
    const bool ok = opt.loss == Loss::frobenius
                        ? (solver_ == Solver::hals || solver_ == Solver::anls_bpp)
                        : (solver_ == Solver::cd || solver_ == Solver::mu);
    if (!ok)
        throw InvalidInput("online NMF with loss " + std::string(to_string(opt.loss)) +
                           " supports solver " +
                           (opt.loss == Loss::frobenius ? "hals or anls_bpp" : "cd or mu") +
                           ", not " + std::string(to_string(solver_)));
    if (opt.mask || opt.missing != Missing::none || opt.init == Init::custom ||
        !opt.fixed_w_columns.empty())
        throw InvalidInput(
            "online NMF takes no mask, missing values, fixed W columns or custom start "
            "(continue from an OnlineState instead)");
    if (features < 1)
        throw InvalidInput("online NMF needs at least one feature (row), got " +
                           std::to_string(features));
}

template <class T>
OnlineNMF<T>::OnlineNMF(OnlineState<T> state, const Options& opt, const OnlineOptions& online)
    : OnlineNMF(state.W.rows() > 0 ? state.W.rows() : 1, opt, online) {
    const Eigen::Index m = state.W.rows(), k = opt.rank;
    const bool fro = opt.loss == Loss::frobenius;
    if (m < 1 || state.W.cols() != k || state.A.rows() != (fro ? k : m) || state.A.cols() != k ||
        state.B.rows() != m || state.B.cols() != k)
        throw InvalidInput("online state does not match: W must be m x k with k = rank, A " +
                           std::string(fro ? "k x k" : "m x k") + " and B m x k");
    if (!state.W.allFinite() || !state.A.allFinite() || !state.B.allFinite() ||
        (state.W.array() < 0).any())
        throw InvalidInput("online state has a non-finite entry or a negative entry of W");
    if (state.A_mass.size() > 0 && (!fro || state.A_mass.rows() != k || state.A_mass.cols() != 1 ||
                                    !state.A_mass.allFinite() || (state.A_mass.array() < 0).any()))
        throw InvalidInput(
            "online state's A_mass must be empty or, for frobenius, k x 1, finite and "
            "non-negative");
    state_ = std::move(state);
}

template <class T>
template <class V>
OnlineStep OnlineNMF<T>::step(const V& block, Matrix<T>* Ht, const Matrix<T>* previous,
                              double previous_weight) {
    check_block(block, m_);
    const detail::ThreadScope threads(opt_.threads);
    const Eigen::Index k = opt_.rank, b = block.cols;
    return with_block(block, [&](const auto& A) {
        const double mean = A.sum() / (static_cast<double>(m_) * static_cast<double>(b));
        const double avg = std::sqrt(std::max(mean, 0.0) / static_cast<double>(k));
        if (state_.W.size() == 0) {
            // scikit-learn's random start: uniform, scaled by √(mean(V)/k), from the first block.
            state_.W.resize(m_, k);
            detail::random_factor(state_.W, opt_.seed, detail::Stream::w, avg > 0 ? avg : 1.0);
            if (opt_.loss == Loss::frobenius) {
                state_.A.setZero(k, k);
                state_.B.setZero(m_, k);
            } else {  // scikit-learn's numerator W and denominator 1: W = A ⊘ B at the start
                state_.A = state_.W;
                state_.B.setOnes(m_, k);
            }
        }
        Matrix<T>& W = state_.W;
        Matrix<T> local;
        const bool warm = Ht != nullptr && Ht->rows() == b && Ht->cols() == k;
        Matrix<T>& H = Ht != nullptr ? *Ht : local;  // b x k
        if (!warm) column_start(A, W, H);
        if (warm && ((H.array() < 0).any() || !H.allFinite()))
            throw InvalidInput("warm-start coefficients must be finite and non-negative");
        // A warm start makes one iteration, for `hals` the full-batch fit's (budgeted sweeps, at
        // most as many as a solve from scratch makes).
        const bool one = warm && !online_.fresh_restarts;
        const int iterations = one ? 1 : online_.fresh_restarts_max_iter;
        const double loss = solve_coefficients(A, W, H, opt_, solver_, iterations,
                                               one ? online_.fresh_restarts_max_iter : 0);
        OnlineStep s;
        s.cost = (loss + penalty_of(W, opt_.w)) / static_cast<double>(b);

        // A Frobenius revisit replaces the block's earlier terms and does not forget.
        const bool replace = previous != nullptr && opt_.loss == Loss::frobenius;
        const double rho =
            replace ? 1.0
            : online_.samples > 0
                ? std::pow(online_.forget_factor,
                           static_cast<double>(std::min(online_.batch_size, online_.samples)) /
                               static_cast<double>(online_.samples))
                : online_.forget_factor;
        s.rho = rho;
        const Matrix<T> W_old = W;
        if (opt_.loss == Loss::frobenius) {
            // Mairal et al.: A ← ρA + HtᵀHt (k x k), B ← ρB + A_b Ht (m x k); W minimises
            // ½tr(Wᵀ W A) − tr(Wᵀ B) + W's penalty. A revisit (their Section 3.4, a data set of
            // fixed size) takes the block's terms of its last visit, weight w, out:
            // A ← A + HtᵀHt − w H0ᵀH0, B ← B + A_b (Ht − w H0), H0 = *previous (b x k).
            Matrix<T> HtH, AH;
            detail::gram(H, HtH);
            // A_ll's scale of rounding error (OnlineState::A_mass): the terms that entered and
            // left the diagonal, weighted as they are in A.
            Matrix<T>& mass = state_.A_mass;
            if (mass.size() != k) mass = state_.A.diagonal().cwiseAbs();
            if (replace) {
                const auto w = static_cast<T>(previous_weight);
                Matrix<T> H0H0;
                detail::gram(*previous, H0H0);
                A.times(Matrix<T>(H - w * *previous), AH);
                state_.A += HtH - w * H0H0;
                state_.B += AH;
                mass += HtH.diagonal() + w * H0H0.diagonal();
                // The difference keeps the rounding error of every term that went through A_ll
                // (up to a few units of roundoff times mass_l), however small A_ll becomes: a
                // component whose coefficients fall towards zero (penalties, or no block using
                // it any more) leaves a residue at the scale of its largest past terms, which
                // HALS would divide by and which dense and sparse input leave differently. At
                // or below 16·k·ε·mass_l, A_ll is indistinguishable from zero and taken as zero,
                // with its row and column (and B's column): the component no longer enters the
                // surrogate. The scale of the current terms alone would not do: after the
                // component decayed they are far below the residue of the earlier ones.
                const T floor = 16 * static_cast<T>(k) * std::numeric_limits<T>::epsilon();
                for (Eigen::Index l = 0; l < k; ++l)
                    if (state_.A(l, l) <= floor * mass(l)) {
                        state_.A.row(l).setZero();
                        state_.A.col(l).setZero();
                        state_.B.col(l).setZero();
                    }
            } else {
                // Sums of non-negative terms: no cancellation, no residue to remove.
                A.times(H, AH);
                state_.A = static_cast<T>(rho) * state_.A + HtH;
                state_.B = static_cast<T>(rho) * state_.B + AH;
                mass = static_cast<T>(rho) * mass + HtH.diagonal();
            }
            Matrix<T> G = state_.A;
            G.diagonal().array() += static_cast<T>(opt_.w.l2);
            const Matrix<T> Bp = state_.B.array() - static_cast<T>(opt_.w.l1);
            if (solver_ == Solver::anls_bpp)
                detail::bpp_nnls(G, Bp, W);
            else
                detail::hals_update(G, Bp, W, detail::HalsBudget{10, 0.1});
            zero_unused_components(G, opt_.w.l1, W);
        } else {
            // Lefèvre et al.: the numerator W ⊙ ((A_b ⊘ W Htᵀ) Ht) and the denominator
            // 1 (1ᵀHt) + l1 + l2 W of W's multiplicative update, accumulated with ρ; W = num ⊘ den.
            // The block's own terms are taken again at the W they produced, alternating with one
            // coefficient iteration, up to kl_block_rounds times: a majorization-minimization of
            // the past blocks' surrogates (frozen) plus the block's exact loss, whose
            // coefficients and dictionary then fit each other instead of W moving by one
            // multiplicative step per block (docs/algorithms.md, "Online NMF").
            const Matrix<T> A_past = static_cast<T>(rho) * state_.A;  // m x k
            const Matrix<T> B_past = static_cast<T>(rho) * state_.B;  // m x k
            const T tiny = std::numeric_limits<T>::min();
            Matrix<T> RH, num, den, before;  // m x k each
            for (int round = 0; round < kl_block_rounds; ++round) {
                if (round > 0) kl_coefficient_iteration(A, W, H, opt_, solver_);
                A.sampled_times(W, H, detail::KullbackLeibler<T>(), RH, false);
                const Eigen::Matrix<T, 1, Eigen::Dynamic> colsum = H.colwise().sum();  // 1 x k
                den = colsum.replicate(m_, 1);
                den.array() += static_cast<T>(opt_.w.l1);
                if (opt_.w.l2 > 0) den += static_cast<T>(opt_.w.l2) * W;
                num = W.cwiseProduct(RH);
                before = W;
                for (Eigen::Index l = 0; l < k; ++l)
                    for (Eigen::Index i = 0; i < m_; ++i) {
                        const T d = B_past(i, l) + den(i, l);
                        if (d > tiny)
                            W(i, l) = detail::flush_subnormal((A_past(i, l) + num(i, l)) / d);
                    }
                if (relative_change(before, W) <= kl_block_tol) break;
            }
            state_.A = A_past + num;
            state_.B = B_past + den;
        }
        s.w_change = relative_change(W_old, W);

        // scikit-learn's stopping rules, from the second block.
        state_.steps += 1;
        state_.samples_seen += b;
        if (state_.steps > 1) {
            const double n =
                static_cast<double>(online_.samples > 0 ? online_.samples : state_.samples_seen);
            const double alpha = std::min(1.0, static_cast<double>(b) / (n + 1));
            state_.ewa_cost =
                state_.ewa_cost < 0 ? s.cost : state_.ewa_cost * (1 - alpha) + s.cost * alpha;
            if (opt_.tol > 0 && s.w_change <= opt_.tol) s.stop = "tol";
            if (state_.ewa_cost_min < 0 || state_.ewa_cost < state_.ewa_cost_min) {
                state_.no_improvement = 0;
                state_.ewa_cost_min = state_.ewa_cost;
            } else {
                state_.no_improvement += 1;
            }
            if (s.stop.empty() && online_.max_no_improvement > 0 &&
                state_.no_improvement >= online_.max_no_improvement)
                s.stop = "max_no_improvement";
        }
        s.smoothed_cost = state_.ewa_cost < 0 ? s.cost : state_.ewa_cost;
        return s;
    });
}

template <class T>
OnlineStep OnlineNMF<T>::partial_fit(const DenseView<T>& block, Matrix<T>* Ht) {
    return step(block, Ht, nullptr, 0);
}
template <class T>
template <class I>
OnlineStep OnlineNMF<T>::partial_fit(const SparseView<T, I>& block, Matrix<T>* Ht) {
    return step(block, Ht, nullptr, 0);
}

namespace {
template <class T>
void check_previous(const Matrix<T>& previous, Eigen::Index b, Eigen::Index k, double weight) {
    if (previous.rows() != b || previous.cols() != k)
        throw InvalidInput("the previous coefficients of a revisited block must be " +
                           std::to_string(b) + " x " + std::to_string(k) + ", got " +
                           std::to_string(previous.rows()) + " x " +
                           std::to_string(previous.cols()));
    if (!previous.allFinite() || (previous.array() < 0).any())
        throw InvalidInput(
            "the previous coefficients of a revisited block have a negative or "
            "non-finite entry");
    if (!(weight >= 0 && weight <= 1))
        throw InvalidInput(
            "the weight of a revisited block's previous terms must be in [0, 1], "
            "got " +
            std::to_string(weight));
}
}  // namespace

template <class T>
OnlineStep OnlineNMF<T>::revisit(const DenseView<T>& block, Matrix<T>& Ht,
                                 const Matrix<T>& previous_Ht, double previous_weight) {
    check_previous(previous_Ht, block.cols, opt_.rank, previous_weight);
    return step(block, &Ht, &previous_Ht, previous_weight);
}
template <class T>
template <class I>
OnlineStep OnlineNMF<T>::revisit(const SparseView<T, I>& block, Matrix<T>& Ht,
                                 const Matrix<T>& previous_Ht, double previous_weight) {
    check_previous(previous_Ht, block.cols, opt_.rank, previous_weight);
    return step(block, &Ht, &previous_Ht, previous_weight);
}

namespace {
template <class T, class V>
Matrix<T> transform_block(const OnlineNMF<T>& model, const V& block, const Options& opt,
                          const OnlineOptions& online) {
    if (model.W().size() == 0) throw InvalidInput("transform before any block was fitted");
    check_block(block, model.features());
    const detail::ThreadScope threads(opt.threads);
    const int iterations = online.transform_max_iter > 0 ? online.transform_max_iter : opt.max_iter;
    return with_block(block, [&](const auto& A) {
        Matrix<T> Ht;
        column_start(A, model.W(), Ht);
        // Frobenius: the exact NNLS solution of every column (block principal pivoting), so a
        // column's coefficients do not depend on the block it comes in.
        // KL: every iteration runs (tol = 0: no early stop, which would depend on the other
        // columns), so likewise.
        const Solver solver = opt.loss == Loss::frobenius ? Solver::anls_bpp : model.solver();
        Options fixed = opt;
        fixed.tol = 0;
        solve_coefficients(A, model.W(), Ht, fixed, solver, iterations);
        return Matrix<T>(Ht.transpose());
    });
}
template <class T, class V>
double block_objective(const OnlineNMF<T>& model, const V& block, const Matrix<T>& H,
                       const Options& opt) {
    check_block(block, model.features());
    if (H.rows() != opt.rank || H.cols() != block.cols) throw InvalidInput("H must be k x b");
    const detail::ThreadScope threads(opt.threads);
    return with_block(block, [&](const auto& A) {
        const Matrix<T> Ht = H.transpose();
        double loss = 0;
        if (opt.loss == Loss::frobenius) {
            loss = 0.5 * A.residual_squared_norm(model.W(), Ht);
        } else {
            Matrix<T> unused;
            loss = A.sampled_times(model.W(), Ht, detail::KullbackLeibler<T>(), unused, true);
        }
        return loss + penalty_of(Ht, opt.h);
    });
}
}  // namespace

template <class T>
Matrix<T> OnlineNMF<T>::transform(const DenseView<T>& block) const {
    return transform_block(*this, block, opt_, online_);
}
template <class T>
template <class I>
Matrix<T> OnlineNMF<T>::transform(const SparseView<T, I>& block) const {
    return transform_block(*this, block, opt_, online_);
}
template <class T>
double OnlineNMF<T>::objective(const DenseView<T>& block, const Matrix<T>& H) const {
    return block_objective(*this, block, H, opt_);
}
template <class T>
template <class I>
double OnlineNMF<T>::objective(const SparseView<T, I>& block, const Matrix<T>& H) const {
    return block_objective(*this, block, H, opt_);
}

namespace {

/// Columns [j0, j0 + b) of V as a view of the same storage (CSC: offsets rebased into `ptr`).
template <class T>
DenseView<T> columns(const DenseView<T>& V, Eigen::Index j0, Eigen::Index b, std::vector<int>&) {
    if (V.layout == Layout::col_major)
        return DenseView<T>(V.data + j0 * V.ld, V.rows, b, Layout::col_major, V.ld);
    return DenseView<T>(V.data + j0, V.rows, b, Layout::row_major, V.ld);
}
template <class T, class I>
SparseView<T, I> columns(const SparseView<T, I>& V, Eigen::Index j0, Eigen::Index b,
                         std::vector<I>& ptr) {
    const I base = V.outer[j0];
    ptr.resize(static_cast<std::size_t>(b + 1));
    for (Eigen::Index j = 0; j <= b; ++j) ptr[static_cast<std::size_t>(j)] = V.outer[j0 + j] - base;
    return SparseView<T, I>(V.rows, b, ptr.data(), V.inner + base, V.values + base,
                            SparseLayout::csc);
}

/// CSC copy of a CSR V (counting sort by column), so that blocks of columns are contiguous.
template <class T, class I>
struct CscCopy {
    std::vector<I> outer, inner;
    std::vector<T> values;
};
template <class T, class I>
CscCopy<T, I> csc_of(const SparseView<T, I>& V) {
    CscCopy<T, I> c;
    const auto nnz = static_cast<std::size_t>(V.outer[V.rows]);
    c.outer.assign(static_cast<std::size_t>(V.cols + 1), 0);
    c.inner.resize(nnz);
    c.values.resize(nnz);
    for (std::size_t p = 0; p < nnz; ++p) c.outer[static_cast<std::size_t>(V.inner[p]) + 1] += 1;
    for (Eigen::Index j = 0; j < V.cols; ++j)
        c.outer[static_cast<std::size_t>(j + 1)] += c.outer[static_cast<std::size_t>(j)];
    std::vector<I> next(c.outer.begin(), c.outer.end() - 1);
    for (Eigen::Index i = 0; i < V.rows; ++i)
        for (I p = V.outer[i]; p < V.outer[i + 1]; ++p) {
            const auto q = static_cast<std::size_t>(next[static_cast<std::size_t>(V.inner[p])]++);
            c.inner[q] = static_cast<I>(i);
            c.values[q] = V.values[p];
        }
    return c;
}

/// The model fit_online() starts from: the random start at the first block, or (start given) an
/// OnlineState with start->W and the statistics as the random start leaves them.
template <class T>
OnlineNMF<T> start_model(Eigen::Index m, const Options& opt, const OnlineOptions& online,
                         const InitialFactors<T>* start) {
    if (start == nullptr) return OnlineNMF<T>(m, opt, online);
    if (opt.init != Init::custom)
        throw InvalidInput("fit_online from given factors needs init custom");
    Options model_opt = opt;
    model_opt.init.reset();
    const Eigen::Index k = opt.rank;
    if (start->W.rows() != m || start->W.cols() != k)
        throw InvalidInput("starting W must be " + std::to_string(m) + " x " + std::to_string(k) +
                           ", got " + std::to_string(start->W.rows()) + " x " +
                           std::to_string(start->W.cols()));
    OnlineState<T> state;
    state.W = start->W;
    if (opt.loss == Loss::frobenius) {
        state.A.setZero(k, k);
        state.B.setZero(m, k);
    } else {
        state.A = start->W;
        state.B.setOnes(m, k);
    }
    return OnlineNMF<T>(std::move(state), model_opt, online);
}

/// fit_online()'s checkpoints (Callbacks::on_checkpoint, resume) hold the state after a block in
/// a FitState: W the dictionary (m x k), Ht the coefficients kept for warm starts (n x k),
/// iteration the blocks done (one history entry each), matrices {A, B, block weights, A_mass}
/// (the statistics, the weight of each block's terms in them, A's rounding scale), and these
/// scalars: the pass, the blocks done in it, then OnlineState's steps, samples_seen, ewa_cost,
/// ewa_cost_min and no_improvement.
constexpr std::size_t online_scalars = 7;

/// Throws InvalidInput when @p s cannot continue fit_online() of V (m x n) in blocks of b
/// columns (`blocks` of them) at rank k in T.
template <class T>
void check_online_state(const FitState& s, Eigen::Index m, Eigen::Index n, Eigen::Index k,
                        Eigen::Index blocks, const Options& opt) {
    const bool fro = opt.loss == Loss::frobenius;
    if (s.version != FitState::current_version)
        throw InvalidInput("the fit state has version " + std::to_string(s.version) +
                           ", this build reads version " +
                           std::to_string(FitState::current_version));
    // The matrices: the statistics A and B, and the weight of each block's terms in them
    // (blocks x 1, in [0, 1]; revisits replace a block's terms by that weight).
    // A fourth, A_mass (k x 1, Frobenius; OnlineState), is absent from checkpoints written
    // before it was kept; they resume with |diag A| in its place.
    if (s.scalars.size() != online_scalars || (s.matrices.size() != 3 && s.matrices.size() != 4))
        throw InvalidInput("the fit state is not of an online fit (fit_online)");
    if (s.single_precision != std::is_same_v<T, float>)
        throw InvalidInput(std::string("the fit state is of a ") +
                           (s.single_precision ? "float32" : "float64") + " fit, this fit is " +
                           (std::is_same_v<T, float> ? "float32" : "float64"));
    const Eigen::MatrixXd &A = s.matrices[0], &B = s.matrices[1];
    if (s.W.rows() != m || s.W.cols() != k || s.Ht.rows() != n || s.Ht.cols() != k ||
        A.rows() != (fro ? k : m) || A.cols() != k || B.rows() != m || B.cols() != k ||
        s.matrices[2].rows() != blocks || s.matrices[2].cols() != 1)
        throw InvalidInput("the fit state's W, H or statistics do not match V (" +
                           std::to_string(m) + " x " + std::to_string(n) +
                           ") at k = " + std::to_string(k));
    if (s.matrices.size() == 4 && (!fro || s.matrices[3].rows() != k || s.matrices[3].cols() != 1 ||
                                   !s.matrices[3].allFinite() || (s.matrices[3].array() < 0).any()))
        throw InvalidInput("the fit state's A_mass must be k x 1 (k = " + std::to_string(k) +
                           "), finite and non-negative");
    if (!((s.matrices[2].array() >= 0) && (s.matrices[2].array() <= 1)).all())
        throw InvalidInput("the fit state's block weights are not in [0, 1]");
    const double pass = s.scalars[0], done = s.scalars[1];
    if (s.iteration < 1 || static_cast<std::size_t>(s.iteration) != s.history.size() ||
        !(pass >= 0 && pass < opt.max_iter && pass == std::floor(pass)) ||
        !(done >= 1 && done <= static_cast<double>(blocks) && done == std::floor(done)))
        throw InvalidInput("the fit state's place in the passes does not match this fit");
    if (pass == opt.max_iter - 1 && done == static_cast<double>(blocks))
        throw InvalidInput("the fit state is at the end of pass " + std::to_string(opt.max_iter) +
                           ", max_iter " + std::to_string(opt.max_iter) + " leaves nothing to do");
}

template <class T, class V, class Index>
Result<T> fit_online_columns(const V& Vc, const Options& opt, OnlineOptions online,
                             const Callbacks& callbacks, const InitialFactors<T>* start) {
    const auto t0 = std::chrono::steady_clock::now();
    const Eigen::Index m = Vc.rows, n = Vc.cols, k = opt.rank;
    if (online.samples == 0) online.samples = n;
    const bool given_h = start != nullptr && start->H.size() > 0;
    if (given_h) {
        if (start->H.rows() != k || start->H.cols() != n)
            throw InvalidInput("starting H must be " + std::to_string(k) + " x " +
                               std::to_string(n) + ", got " + std::to_string(start->H.rows()) +
                               " x " + std::to_string(start->H.cols()));
        if (!start->H.allFinite() || (start->H.array() < 0).any())
            throw InvalidInput("starting H has a negative or non-finite entry");
    }
    OnlineNMF<T> model = start_model(m, opt, online, start);
    const Eigen::Index b = std::min<Eigen::Index>(online.batch_size, n);
    const Eigen::Index blocks = (n + b - 1) / b;
    // The coefficients kept for warm starts (scikit-learn's W), n x k.
    Matrix<T> Ht = given_h ? Matrix<T>(start->H.transpose()) : Matrix<T>(n, k);
    std::vector<bool> visited(static_cast<std::size_t>(blocks), false);
    // The weight of each visited block's terms in the statistics (revisits replace them).
    std::vector<double> weight(static_cast<std::size_t>(blocks), 0.0);
    std::vector<Index> ptr;
    Result<T> r;
    r.loss = opt.loss;
    r.solver = model.solver();
    r.init = start != nullptr ? Init::custom : Init::random;
    r.status = Status::max_iter_reached;
    bool stop = false;
    Matrix<T> Hb;
    // A resumed fit: the model, the kept coefficients, the history and the place in the passes
    // of the state; its clock goes on from the interrupted one's.
    int first_pass = 0;
    Eigen::Index first_block = 0;
    double seconds0 = 0;
    if (const FitState* s = callbacks.resume.get()) {
        check_online_state<T>(*s, m, n, k, blocks, opt);
        OnlineState<T> state;
        state.W = s->W.cast<T>();
        state.A = s->matrices[0].cast<T>();
        state.B = s->matrices[1].cast<T>();
        if (s->matrices.size() == 4) state.A_mass = s->matrices[3].cast<T>();
        state.steps = static_cast<std::int64_t>(s->scalars[2]);
        state.samples_seen = static_cast<std::int64_t>(s->scalars[3]);
        state.ewa_cost = s->scalars[4];
        state.ewa_cost_min = s->scalars[5];
        state.no_improvement = static_cast<int>(s->scalars[6]);
        Options model_opt = opt;
        model_opt.init.reset();
        model = OnlineNMF<T>(std::move(state), model_opt, online);
        Ht = s->Ht.cast<T>();
        r.history = s->history;
        first_pass = static_cast<int>(s->scalars[0]);
        first_block = static_cast<Eigen::Index>(s->scalars[1]);
        for (Eigen::Index q = 0; q < blocks; ++q) {
            visited[static_cast<std::size_t>(q)] = first_pass > 0 || q < first_block;
            weight[static_cast<std::size_t>(q)] = s->matrices[2](q, 0);
        }
        if (first_block == blocks) {
            ++first_pass;
            first_block = 0;
        }
        seconds0 = r.history.back().seconds;
    }
    // The state after block q of pass `pass`, for Callbacks::on_checkpoint.
    auto save = [&](int pass, Eigen::Index q) {
        FitState st;
        const OnlineState<T>& os = model.state();
        st.single_precision = std::is_same_v<T, float>;
        st.iteration = static_cast<int>(r.history.size());
        st.W = os.W.template cast<double>();
        st.Ht = Ht.template cast<double>();
        st.objective = r.history.back().objective;
        st.initial_objective = r.history.front().objective;
        st.history = r.history;
        st.scalars = {static_cast<double>(pass),
                      static_cast<double>(q + 1),
                      static_cast<double>(os.steps),
                      static_cast<double>(os.samples_seen),
                      os.ewa_cost,
                      os.ewa_cost_min,
                      static_cast<double>(os.no_improvement)};
        st.matrices = {os.A.template cast<double>(), os.B.template cast<double>(),
                       Eigen::Map<const Eigen::VectorXd>(weight.data(), blocks)};
        if (os.A_mass.size() > 0) st.matrices.push_back(os.A_mass.template cast<double>());
        callbacks.on_checkpoint(st);
    };
    for (int pass = first_pass; pass < opt.max_iter && !stop; ++pass) {
        r.iterations = pass + 1;
        for (Eigen::Index q = pass == first_pass ? first_block : 0; q < blocks && !stop; ++q) {
            const Eigen::Index j0 = q * b, c = std::min(b, n - j0);
            if ((pass == 0 && !given_h) || online.fresh_restarts)
                Hb.resize(0, 0);  // solved from scratch
            else
                Hb = Ht.middleRows(j0, c);
            const auto at = static_cast<std::size_t>(q);
            const OnlineStep s = visited[at] && online.revisit
                                     ? model.revisit(columns(Vc, j0, c, ptr), Hb,
                                                     Matrix<T>(Ht.middleRows(j0, c)), weight[at])
                                     : model.partial_fit(columns(Vc, j0, c, ptr), &Hb);
            Ht.middleRows(j0, c) = Hb;
            if (s.rho != 1)
                for (double& w : weight) w *= s.rho;
            visited[at] = true;
            weight[at] = 1;
            IterationStats st;  // one per block (step)
            st.iteration = static_cast<int>(r.history.size()) + 1;
            st.objective = s.smoothed_cost;
            const double previous = r.history.empty() ? 0 : r.history.back().objective;
            st.relative_change = previous == 0 ? 0 : (previous - st.objective) / previous;
            st.seconds =
                seconds0 +
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            r.history.push_back(st);
            stop = true;
            if (!s.stop.empty())
                r.status = Status::converged;
            else if (callbacks.on_iteration && !callbacks.on_iteration(st))
                r.status = Status::stopped_by_callback;
            else if (opt.time_limit > 0 && st.seconds >= opt.time_limit)
                r.status = Status::time_limit_reached;
            else
                stop = false;
            // Every checkpoint_every blocks that the fit goes on after, and when the callback or
            // the clock stops it (not after the last block of the last pass: nothing is left).
            const bool last = pass == opt.max_iter - 1 && q == blocks - 1;
            if (callbacks.on_checkpoint && !last &&
                ((!stop && callbacks.checkpoint_every > 0 &&
                  r.history.size() % static_cast<std::size_t>(callbacks.checkpoint_every) == 0) ||
                 r.status == Status::stopped_by_callback || r.status == Status::time_limit_reached))
                save(pass, q);
        }
    }
    r.W = model.W();
    r.H.resize(k, n);
    double objective = 0, rss = 0;
    for (Eigen::Index q = 0; q < blocks; ++q) {
        const Eigen::Index j0 = q * b, c = std::min(b, n - j0);
        const auto block = columns(Vc, j0, c, ptr);
        if (online.fresh_restarts || !visited[static_cast<std::size_t>(q)])
            Ht.middleRows(j0, c) = model.transform(block).transpose();
        r.H.middleCols(j0, c) = Ht.middleRows(j0, c).transpose();
        objective += model.objective(block, Matrix<T>(r.H.middleCols(j0, c)));
        rss += with_block(block, [&](const auto& A) {
            const Matrix<T> Hbt = r.H.middleCols(j0, c).transpose();
            return A.residual_squared_norm(r.W, Hbt);
        });
    }
    r.objective = objective + penalty_of(r.W, opt.w);
    double norm2 = 0;
    for (Eigen::Index q = 0; q < blocks; ++q) {
        const Eigen::Index j0 = q * b, c = std::min(b, n - j0);
        norm2 +=
            with_block(columns(Vc, j0, c, ptr), [](const auto& A) { return A.squared_norm(); });
    }
    r.relative_error = norm2 > 0 ? std::sqrt(rss / norm2) : std::sqrt(rss);
    r.initial_objective = r.history.empty() ? 0 : r.history.front().objective;
    r.seconds =
        seconds0 + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.threads = detail::ThreadScope(opt.threads).threads();
    return r;
}

template <class T>
Result<T> fit_online_dense(const DenseView<T>& V, const Options& opt, const OnlineOptions& online,
                           const Callbacks& callbacks, const InitialFactors<T>* start) {
    detail::refuse_device(opt, "online NMF");
    detail::validate_options(opt);
    validate(online);
    detail::validate_matrix(V);
    return fit_online_columns<T, DenseView<T>, int>(V, opt, online, callbacks, start);
}

template <class T, class I>
Result<T> fit_online_sparse(const SparseView<T, I>& V, const Options& opt,
                            const OnlineOptions& online, const Callbacks& callbacks,
                            const InitialFactors<T>* start) {
    detail::refuse_device(opt, "online NMF");
    detail::validate_options(opt);
    validate(online);
    detail::validate_sparse(V);
    if (V.layout == SparseLayout::csc)
        return fit_online_columns<T, SparseView<T, I>, I>(V, opt, online, callbacks, start);
    const CscCopy<T, I> c = csc_of(V);
    const SparseView<T, I> csc(V.rows, V.cols, c.outer.data(), c.inner.data(), c.values.data(),
                               SparseLayout::csc);
    return fit_online_columns<T, SparseView<T, I>, I>(csc, opt, online, callbacks, start);
}

}  // namespace

template <class T>
Result<T> fit_online(const DenseView<T>& V, const Options& opt, const OnlineOptions& online,
                     const Callbacks& callbacks) {
    return fit_online_dense<T>(V, opt, online, callbacks, nullptr);
}
template <class T>
Result<T> fit_online(const DenseView<T>& V, const Options& opt, const InitialFactors<T>& start,
                     const OnlineOptions& online, const Callbacks& callbacks) {
    return fit_online_dense<T>(V, opt, online, callbacks, &start);
}
template <class T, class I>
Result<T> fit_online(const SparseView<T, I>& V, const Options& opt, const OnlineOptions& online,
                     const Callbacks& callbacks) {
    return fit_online_sparse<T, I>(V, opt, online, callbacks, nullptr);
}
template <class T, class I>
Result<T> fit_online(const SparseView<T, I>& V, const Options& opt, const InitialFactors<T>& start,
                     const OnlineOptions& online, const Callbacks& callbacks) {
    return fit_online_sparse<T, I>(V, opt, online, callbacks, &start);
}

template class OnlineNMF<float>;
template class OnlineNMF<double>;

#define NMFKIT_ONLINE_SPARSE(T, I)                                                               \
    template OnlineStep OnlineNMF<T>::partial_fit(const SparseView<T, I>&, Matrix<T>*);          \
    template OnlineStep OnlineNMF<T>::revisit(const SparseView<T, I>&, Matrix<T>&,               \
                                              const Matrix<T>&, double);                         \
    template Matrix<T> OnlineNMF<T>::transform(const SparseView<T, I>&) const;                   \
    template double OnlineNMF<T>::objective(const SparseView<T, I>&, const Matrix<T>&) const;    \
    template Result<T> fit_online(const SparseView<T, I>&, const Options&, const OnlineOptions&, \
                                  const Callbacks&);                                             \
    template Result<T> fit_online(const SparseView<T, I>&, const Options&,                       \
                                  const InitialFactors<T>&, const OnlineOptions&,                \
                                  const Callbacks&);
NMFKIT_ONLINE_SPARSE(float, std::int32_t)
NMFKIT_ONLINE_SPARSE(float, std::int64_t)
NMFKIT_ONLINE_SPARSE(double, std::int32_t)
NMFKIT_ONLINE_SPARSE(double, std::int64_t)
#undef NMFKIT_ONLINE_SPARSE
template Result<float> fit_online(const DenseView<float>&, const Options&, const OnlineOptions&,
                                  const Callbacks&);
template Result<double> fit_online(const DenseView<double>&, const Options&, const OnlineOptions&,
                                   const Callbacks&);
template Result<float> fit_online(const DenseView<float>&, const Options&,
                                  const InitialFactors<float>&, const OnlineOptions&,
                                  const Callbacks&);
template Result<double> fit_online(const DenseView<double>&, const Options&,
                                   const InitialFactors<double>&, const OnlineOptions&,
                                   const Callbacks&);

}  // namespace nmfkit
