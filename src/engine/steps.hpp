#pragma once
// One iteration (update W, then Ht) for each loss family; the loop in loop.hpp drives them.
// A step provides start() → objective at the start, iterate() → objective after one iteration,
// and penalty() → the penalty part of the objective. Both factors are tall: W (m x k), Ht (n x k);
// At is the adapter's transpose. Objectives are loss + penalties (docs/algorithms.md).

#include <cmath>
#include <type_traits>
#include <vector>

#include "linalg/gram.hpp"
#include "linalg/kernels.hpp"
#include "linalg/reduce.hpp"
#include "data/transposed.hpp"
#include "engine/extrapolation.hpp"
#include "engine/registry.hpp"
#include "loss/beta.hpp"
#include "loss/frobenius.hpp"
#include "loss/kl.hpp"
#include "nnls/bpp.hpp"
#include "updates/cd_kl.hpp"
#include "updates/masked.hpp"
#include "updates/mu.hpp"

namespace nmfkit::detail {

/// l1 · ΣX + ½ l2 · ‖X‖²_F in double (X ≥ 0, so ΣX = ‖X‖₁).
template <class T>
double penalty_value(const Matrix<T>& X, const Penalty& p) {
    if (p.l1 == 0 && p.l2 == 0) return 0;
    // A reference: for T = double, cast<double>() is X itself (no copy); else an expression.
    const auto& Xd = X.template cast<double>();
    return p.l1 * Xd.sum() + 0.5 * p.l2 * Xd.squaredNorm();
}

/// Σ_ij (W Htᵀ)_ij = Σ_l (Σ_i W_il)(Σ_j Ht_jl), in double.
template <class T>
double total_of_product(const Matrix<T>& W, const Matrix<T>& Ht) {
    return W.template cast<double>().colwise().sum().dot(
        Ht.template cast<double>().colwise().sum());
}

/// Columns of W held at their starting values (Options::fixed_w_columns): their indices and the
/// complementary free ones, in increasing order.
struct FixedColumns {
    std::vector<Eigen::Index> fixed, free;
    std::vector<char> flag;  // k entries, 1 where fixed

    FixedColumns(const Options& opt, Eigen::Index k) : flag(static_cast<std::size_t>(k), 0) {
        for (int c : opt.fixed_w_columns) flag[static_cast<std::size_t>(c)] = 1;
        for (Eigen::Index c = 0; c < k; ++c)
            (flag[static_cast<std::size_t>(c)] ? fixed : free).push_back(c);
    }
    bool any() const { return !fixed.empty(); }
};

/// Frobenius solvers share one shape: update X given FtF (k x k) and AF (rows x k); penalties
/// enter as FtF + l2·I and AF − l1 (mu: l1 in the denominator). The update is the registry row's
/// (engine/registry.hpp) whole-factor update on a GramSubproblem (nnls/subproblem.hpp). Objective
/// ½‖A − W Htᵀ‖²_F + penalties from the Grams (DESIGN.md, "one alternating loop").
/// NOTE: at the end of start() and iterate(), AHt_ = A·Ht and AtW_ = Aᵀ·W hold at the current
/// (W, Ht), so the projected gradient there costs no product with A; AHt_ is then the next W update's.
template <class T, class D>
class FrobeniusStep {
public:
    FrobeniusStep(const D& A, Solver solver, const Options& opt)
        : A_(A),
          At_(A),
          row_(registry_row(solver, Loss::frobenius)),
          update_(gram_update<T>(row_)),
          opt_(opt),
          fixed_(opt, opt.rank) {}

    double start(const Matrix<T>& W, const Matrix<T>& Ht) {
        reduced_gram(A_, Ht, HtH_);
        reduced_gram(A_, W, WtW_);
        At_.times(W, AtW_);
        A_.times(Ht, AHt_);
        tracking_ = false;
        last_change_ = 0;
        return objective(W, Ht);
    }

    double iterate(Matrix<T>& W, Matrix<T>& Ht) {
        NoExtrapolation plain;
        return iterate(W, Ht, plain);
    }

    /// One iteration with the extrapolation hooks x (engine/extrapolation.hpp): x.after_w may
    /// move W before its products are formed, x.after_h may move Ht after the objective. A
    /// tracked float residual (objective()) follows the extrapolated moves too: each is a change
    /// of one factor with the other fixed, whose products are at hand (half_step_change).
    template <class X>
    double iterate(Matrix<T>& W, Matrix<T>& Ht, X& x) {
        constexpr bool hooks = !std::is_same_v<X, NoExtrapolation>;
        kept_rss_ = last_rss_;  // no reset() since the last objective(): its point was kept
        kept_tracked_ = tracking_;
        if (tracking_) old_ = W;
        if (fixed_.any())
            update_free_columns(W);
        else
            update(HtH_, AHt_, opt_.w, W, A_.rows(), A_.cols());
        double change = 0;  // of ‖A − W Htᵀ‖² over this iteration, while tracking
        if (tracking_) change += half_step_change(old_, W, HtH_, AHt_);
        if constexpr (hooks) {
            const bool moves = tracking_ && x.beta() > 0;
            if (moves) old_ = W;
            x.after_w(W);
            if (moves) change += half_step_change(old_, W, HtH_, AHt_);
        }
        reduced_gram(A_, W, WtW_);  // k x k
        At_.times(W, AtW_);         // n x k
        if (tracking_) old_ = Ht;
        update(WtW_, AtW_, opt_.h, Ht, A_.cols(), A_.rows());
        if (tracking_) {
            change += half_step_change(old_, Ht, WtW_, AtW_);
            rss_ += change;
            last_change_ = change;
        }
        reduced_gram(A_, Ht, HtH_);  // k x k
        const double f = objective(W, Ht);
        if constexpr (hooks) {
            const bool track = tracking_;  // objective() may have started tracking at (W, Ht)
            if (track) old_ = Ht;
            if (x.after_h(Ht)) {
                reduced_gram(A_, Ht, HtH_);
                if (track) rss_ += half_step_change(old_, Ht, WtW_, AtW_);
            }
        }
        A_.times(Ht, AHt_);  // m x k, for the next W update
        return f;
    }

    /// Puts the products the next W update reads at (W, Ht), the kept point the loop restored
    /// after an iteration it dropped; a tracked residual goes back to the kept point's.
    void reset(const Matrix<T>& W, const Matrix<T>& Ht) {
        reduced_gram(A_, Ht, HtH_);
        A_.times(Ht, AHt_);
        if (tracking_) {
            // The kept value is a tracked one unless tracking began in the dropped iteration.
            if (kept_tracked_)
                rss_ = kept_rss_;
            else
                anchor_ = rss_ = A_.residual_squared_norm(W, Ht);
            last_rss_ = rss_;
        }
    }

    double penalty(const Matrix<T>& W, const Matrix<T>& Ht) const {
        return all_sum(A_, penalty_value(W, opt_.w) + penalty_value(Ht, opt_.h));
    }

    /// Checkpoints (engine/loop.hpp): start() forms the products; the tracked float residual
    /// is carried by these numbers.
    static constexpr bool checkpoints = true;
    void save_state(std::vector<double>& s) const {
        s.insert(s.end(), {tracking_ ? 1.0 : 0.0, rss_, anchor_, last_change_, last_rss_, kept_rss_,
                           kept_tracked_ ? 1.0 : 0.0});
    }
    void load_state(const std::vector<double>& s, std::size_t& at) {
        if (s.size() < at + 7) throw InvalidInput("the fit state lacks the solver's state");
        tracking_ = s[at] != 0;
        rss_ = s[at + 1];
        anchor_ = s[at + 2];
        last_change_ = s[at + 3];
        last_rss_ = s[at + 4];
        kept_rss_ = s[at + 5];
        kept_tracked_ = s[at + 6] != 0;
        at += 7;
    }

    /// ‖∇ᴾf(W, Ht)‖_F at the current point: ∇_W f = W (HtH + l2 I) − (AHt − l1) and the same for
    /// Ht; the projection keeps a component where X > 0 and its negative part where X = 0
    /// (Lin, Neural Computation 19(10), 2007, eq. (6.1)).
    double projected_gradient_norm(const Matrix<T>& W, const Matrix<T>& Ht) const {
        return std::sqrt(
            all_sum(A_, projected_gradient_squared(W, HtH_, AHt_, opt_.w, fixed_.flag) +
                            projected_gradient_squared(Ht, WtW_, AtW_, opt_.h, {})));
    }

private:
    /// Below this share of ‖A‖², a float ‖A − W Htᵀ‖² is tracked rather than taken from the
    /// Grams (docs/algorithms.md, "The Frobenius objective in float32").
    static constexpr double track_below = 0.05;

    /// ½‖A − W Htᵀ‖² + penalties. From the Grams (loss/frobenius.hpp) in double, and in float
    /// until that estimate falls below track_below · ‖A‖²: its error, about ε_float · ‖A‖², is
    /// then no longer small against the changes the stopping rule compares. From there on the
    /// float residual is anchored by an exact evaluation in double and carried by the exact
    /// change of each half-step (half_step_change), whose rounding is proportional to the step,
    /// not to ‖A‖². The large early steps leave a drift, so the residual is anchored again each
    /// time it has halved, while the iteration's change is still ≥ 100 · tol of it (a jump by the
    /// drift, far below that change, cannot then decide the stopping rule).
    double objective(const Matrix<T>& W, const Matrix<T>& Ht) {
        double rss = 0;
        if (tracking_) {
            if (rss_ <= 0.5 * anchor_ &&
                (opt_.tol <= 0 || std::abs(last_change_) >= 100 * opt_.tol * rss_))
                anchor_ = rss_ = A_.residual_squared_norm(W, Ht);
            rss = std::max(0.0, rss_);
        } else {
            rss = rss_from_grams(A_.squared_norm(), all_sum(A_, dot(AtW_, Ht)), WtW_, HtH_);
            if constexpr (!std::is_same_v<T, double>) {
                if (rss < track_below * A_.squared_norm()) {
                    anchor_ = rss = rss_ = A_.residual_squared_norm(W, Ht);  // in double (data/)
                    tracking_ = true;
                }
            }
        }
        last_rss_ = rss;
        return 0.5 * rss + penalty(W, Ht);
    }

    /// ‖A − X₁Fᵀ‖² − ‖A − X₀Fᵀ‖² = ⟨D, (X₀ + X₁) FtF − 2 AF⟩ with D = X₁ − X₀ (FtF symmetric),
    /// summed in double over the processes. X₀, X₁ and AF are rows x k, FtF is k x k (without
    /// the penalty's l2·I: the penalties are evaluated apart). Near convergence D is small, so the
    /// rounding of the float products, of order ε‖D‖(‖X FtF‖ + ‖AF‖), is small against the change.
    double half_step_change(const Matrix<T>& X0, const Matrix<T>& X1, const Matrix<T>& FtF,
                            const Matrix<T>& AF) {
        sum_ = X0 + X1;
        S_.noalias() = sum_ * FtF;  // rows x k
        const auto& kern = update_kernels<T>();
        double change = 0;
        for (Eigen::Index j = 0; j < X1.cols(); ++j)
            change += kern.change_terms(X0.col(j).data(), X1.col(j).data(), S_.col(j).data(),
                                        AF.col(j).data(), X1.rows());
        return all_sum(A_, change);
    }

    // Columns flagged in `held` (fixed columns of W) are not variables and do not count.
    static double projected_gradient_squared(const Matrix<T>& X, const Matrix<T>& FtF,
                                             const Matrix<T>& AF, const Penalty& p,
                                             const std::vector<char>& held) {
        Matrix<T> G = X * FtF;  // rows x k
        double s = 0;
        for (Eigen::Index j = 0; j < X.cols(); ++j) {
            if (!held.empty() && held[static_cast<std::size_t>(j)]) continue;
            for (Eigen::Index i = 0; i < X.rows(); ++i) {
                double g = static_cast<double>(G(i, j)) - AF(i, j) + p.l1 + p.l2 * X(i, j);
                if (X(i, j) <= 0) g = std::min(g, 0.0);
                s += g * g;
            }
        }
        return s;
    }

    // W's free columns X_f given the fixed ones X_c: the quadratic's gradient in X_f is
    // X_f G_ff + X_c G_cf − B_f, so X_f solves the same problem with G_ff and B_f − X_c G_cf (exact
    // block elimination, valid for every solver). MU (a `multiplicative` row) updates all entries
    // from the same old values, so it updates everything and puts the fixed columns back.
    void update_free_columns(Matrix<T>& W) {
        const Matrix<T> saved = W(Eigen::all, fixed_.fixed);
        if (row_.multiplicative) {
            update(HtH_, AHt_, opt_.w, W, A_.rows(), A_.cols());
            W(Eigen::all, fixed_.fixed) = saved;
            return;
        }
        Matrix<T> G = HtH_(fixed_.free, fixed_.free);
        G.diagonal().array() += static_cast<T>(opt_.w.l2);
        Matrix<T> B = AHt_(Eigen::all, fixed_.free);
        B.array() -= static_cast<T>(opt_.w.l1);
        B.noalias() -= saved * HtH_(fixed_.fixed, fixed_.free);
        Matrix<T> X = W(Eigen::all, fixed_.free);
        solve(G, B, B, 0.0, X, A_.rows(), A_.cols());
        W(Eigen::all, fixed_.free) = X;
    }

    // rows_x and rows_f: the row counts of X and of the other factor F over all processes.
    void update(const Matrix<T>& FtF, const Matrix<T>& AF, const Penalty& p, Matrix<T>& X,
                Eigen::Index rows_x, Eigen::Index rows_f) {
        const Matrix<T>* G = &FtF;
        if (p.l2 > 0) {
            G_ = FtF;
            G_.diagonal().array() += static_cast<T>(p.l2);
            G = &G_;
        }
        const Matrix<T>* B = &AF;
        if (p.l1 > 0) {
            B_ = AF.array() - static_cast<T>(p.l1);
            B = &B_;
        }
        solve(*G, *B, AF, p.l1, X, rows_x, rows_f);
    }

    // One solver call on the penalised G and B = AF − l1 (MU: AF and l1 separate).
    void solve(const Matrix<T>& G, const Matrix<T>& B, const Matrix<T>& AF, double l1, Matrix<T>& X,
               Eigen::Index rows_x, Eigen::Index rows_f) {
        const GramSubproblem<T> problem{
            G,
            B,
            AF,
            l1,
            opt_,
            2.0 * static_cast<double>(A_.nonzero_count()) * static_cast<double>(X.cols()),
            rows_x,
            rows_f,
            [this](double x) { return all_sum(A_, x); },
            spread_over_processes<D>};
        update_(problem, X);
    }

    const D& A_;
    Transposed<D> At_;
    const SolverRow& row_;
    GramUpdate<T> update_;
    const Options& opt_;
    FixedColumns fixed_;
    Matrix<T> HtH_, WtW_, AHt_, AtW_;  // k x k, k x k, m x k, n x k
    Matrix<T> G_, B_;                  // penalised FtF and AF
    // float only: the tracked ‖A − W Htᵀ‖² (objective()), the factor before its half-step and
    // scratch of half_step_change (rows x k each).
    bool tracking_ = false;
    double rss_ = 0, anchor_ = 0,
           last_change_ = 0;  // tracked, at the last anchor, last iteration's
    // Extrapolation: ‖A − W Htᵀ‖² at the last objective() and at the last kept point, and
    // whether that one was tracked (reset()).
    double last_rss_ = 0, kept_rss_ = 0;
    bool kept_tracked_ = false;
    Matrix<T> old_, sum_, S_;
};

/// Generalized KL divergence with multiplicative updates. The pass that evaluates the objective at
/// the end of an iteration also computes the numerator (A ⊘ W Htᵀ) Ht of the next W update from the
/// same WH, so an iteration makes two passes over A, not three.
template <class T, class D>
class KullbackLeiblerStep {
public:
    KullbackLeiblerStep(const D& A, const Options& opt)
        : A_(A), At_(A), opt_(opt), fixed_(opt, opt.rank) {}

    /// Checkpoints (engine/loop.hpp): start() forms what iterate() carries over.
    static constexpr bool checkpoints = true;

    double start(const Matrix<T>& W, const Matrix<T>& Ht) {
        return A_.sampled_times(W, Ht, KullbackLeibler<T>(), numerator_W_, true) + penalty(W, Ht);
    }

    double iterate(Matrix<T>& W, Matrix<T>& Ht) {
        const Matrix<T> saved = W(Eigen::all, fixed_.fixed);  // MU is simultaneous: put them back
        mu_kl_apply(A_, numerator_W_, Ht, opt_.w, W);         // numerator from the previous pass
        W(Eigen::all, fixed_.fixed) = saved;
        mu_kl_update(At_, W, opt_.h, Ht);
        return A_.sampled_times(W, Ht, KullbackLeibler<T>(), numerator_W_, true) +
               penalty(W, Ht);  // + next numerator
    }

    double penalty(const Matrix<T>& W, const Matrix<T>& Ht) const {
        return all_sum(A_, penalty_value(W, opt_.w) + penalty_value(Ht, opt_.h));
    }

private:
    const D& A_;
    Transposed<D> At_;
    const Options& opt_;
    FixedColumns fixed_;
    Matrix<T> numerator_W_;  // m x k: (A ⊘ W Htᵀ) Ht at the current (W, Ht)
};

/// Generalized KL divergence by coordinate descent (updates/cd_kl.hpp). The H sweep leaves WH at
/// the stored entries, from which it returns the data part of the divergence, so the objective
/// costs no extra pass.
template <class T, class D>
class KullbackLeiblerCdStep {
public:
    KullbackLeiblerCdStep(const D& A, const Options& opt)
        : A_(A), At_(A), opt_(opt), fixed_(opt, opt.rank) {}

    /// Checkpoints (engine/loop.hpp): start() forms what iterate() carries over.
    static constexpr bool checkpoints = true;

    double start(const Matrix<T>& W, const Matrix<T>& Ht) {
        Matrix<T> unused;
        return A_.sampled_times(W, Ht, KullbackLeibler<T>(), unused, true) + penalty(W, Ht);
    }

    double iterate(Matrix<T>& W, Matrix<T>& Ht) {
        NoExtrapolation plain;
        return iterate(W, Ht, plain);
    }

    /// One iteration with the extrapolation hooks x (engine/extrapolation.hpp).
    template <class X>
    double iterate(Matrix<T>& W, Matrix<T>& Ht, X& x) {
        cd_kl_update(A_, Ht, W, opt_.w, opt_.cd_newton_steps, false, fixed_.flag);
        x.after_w(W);
        const double sampled = cd_kl_update(At_, W, Ht, opt_.h, opt_.cd_newton_steps, true);
        const double f = sampled + total_of_product(W, Ht) + penalty(W, Ht);
        x.after_h(Ht);
        return f;
    }

    /// Nothing is cached between iterations.
    void reset(const Matrix<T>&, const Matrix<T>&) {}

    double penalty(const Matrix<T>& W, const Matrix<T>& Ht) const {
        return penalty_value(W, opt_.w) + penalty_value(Ht, opt_.h);
    }

private:
    const D& A_;
    Transposed<D> At_;
    const Options& opt_;
    FixedColumns fixed_;
};

/// Masked NMF, Frobenius: every solver's rule row by row (the registry row's `row` update) with
/// that row's Gram over its observed entries (updates/masked.hpp). A's stored entries are the observed ones (data/observed.hpp);
/// the H sweep returns the observed residual, so the objective costs no extra pass.
template <class T, class D>
class MaskedFrobeniusStep {
public:
    MaskedFrobeniusStep(const D& A, Solver solver, const Options& opt)
        : A_(A),
          At_(A),
          rule_(registry_row(solver, Loss::frobenius).row),
          opt_(opt),
          sweeps_(opt.hals_max_inner > 0 ? opt.hals_max_inner : 10),
          eps_(missing_entry_weight(
              opt.missing_weight, static_cast<double>(A.nonzeros()),
              static_cast<double>(A.rows()) * static_cast<double>(A.cols()))) {}

    /// Checkpoints (engine/loop.hpp): iterate() forms FtF_ from the factors before it reads it,
    /// and the per-row problems are built afresh in each sweep, so nothing carries over.
    static constexpr bool checkpoints = true;

    /// ½ Σ_observed (A − WH)² + ½ ε Σ_missing (WH)² + penalties, ε = missing_entry_weight().
    double start(const Matrix<T>& W, const Matrix<T>& Ht) {
        return 0.5 * A_.residual_squared_norm(W, Ht) + missing_term(W, Ht) + penalty(W, Ht);
    }

    /// ½ ε Σ_missing (WH)², ε = missing_entry_weight().
    double missing_term(const Matrix<T>& W, const Matrix<T>& Ht) const {
        return eps_ > 0 ? 0.5 * eps_ * A_.missing_product_squared_norm(W, Ht) : 0.0;
    }

    double iterate(Matrix<T>& W, Matrix<T>& Ht) {
        const double eps = eps_;
        if (eps > 0)
            FtF_ = Ht.template cast<double>().transpose() * Ht.template cast<double>();  // k x k
        masked_frobenius_update(A_, Ht, W, opt_.w, rule_, sweeps_, FtF_, eps);
        if (eps > 0)
            FtF_ = W.template cast<double>().transpose() * W.template cast<double>();  // k x k
        const double rss = masked_frobenius_update(At_, W, Ht, opt_.h, rule_, sweeps_, FtF_, eps);
        return 0.5 * rss + penalty(W, Ht);
    }

    double penalty(const Matrix<T>& W, const Matrix<T>& Ht) const {
        return penalty_value(W, opt_.w) + penalty_value(Ht, opt_.h);
    }

private:
    const D& A_;
    Transposed<D> At_;
    RowUpdate rule_;  // the solver's per-row update (registry)
    const Options& opt_;
    int sweeps_;          // hals / cd: coordinate sweeps per row and half-step
    double eps_;          // weight of each missing entry as a zero (missing_entry_weight)
    Matrix<double> FtF_;  // k x k: the full Gram of the fixed factor (eps_ > 0)
};

/// Masked NMF, Frobenius, on fully observed data with held-out entries (Options::mask with
/// Missing::none): A is HeldOutData (data/held_out.hpp), whose products leave the held-out entries
/// out; each row's Gram is the full Gram minus its held-out outer products
/// (held_out_frobenius_update), so an iteration costs two products with A as in FrobeniusStep
/// plus O(|held out| · k²). Same per-row problems, and the same rules, as MaskedFrobeniusStep.
template <class T, class D>
class HeldOutFrobeniusStep {
public:
    HeldOutFrobeniusStep(const D& A, Solver solver, const Options& opt)
        : A_(A),
          At_(A),
          rule_(registry_row(solver, Loss::frobenius).row),
          opt_(opt),
          sweeps_(opt.hals_max_inner > 0 ? opt.hals_max_inner : 10),
          eps_(missing_entry_weight(
              opt.missing_weight, A.observed_count(),
              static_cast<double>(A.rows()) * static_cast<double>(A.cols()))) {}

    /// Checkpoints (engine/loop.hpp): iterate() forms its Grams and products from the factors
    /// before it reads them, so nothing carries over.
    static constexpr bool checkpoints = true;

    /// ½ Σ_observed (A − WH)² + ½ ε Σ_held out (WH)² + penalties, ε = missing_entry_weight().
    double start(const Matrix<T>& W, const Matrix<T>& Ht) {
        return 0.5 * A_.residual_squared_norm(W, Ht) + missing_term(W, Ht) + penalty(W, Ht);
    }

    /// ½ ε Σ_held out (WH)², ε = missing_entry_weight().
    double missing_term(const Matrix<T>& W, const Matrix<T>& Ht) const {
        return eps_ > 0 ? 0.5 * eps_ * A_.held_out_product_squared_norm(W, Ht) : 0.0;
    }

    double iterate(Matrix<T>& W, Matrix<T>& Ht) {
        const double eps = eps_;
        gram(Ht, HtH_);      // k x k
        A_.times(Ht, AHt_);  // m x k
        held_out_frobenius_update(HtH_, AHt_, A_.held_out().by_row, Ht, W, opt_.w, rule_, sweeps_,
                                  eps);
        gram(W, WtW_);       // k x k
        At_.times(W, AtW_);  // n x k
        const double part = held_out_frobenius_update(WtW_, AtW_, A_.held_out().by_col, W, Ht,
                                                      opt_.h, rule_, sweeps_, eps);
        return 0.5 * std::max(0.0, A_.squared_norm() + part) + penalty(W, Ht);
    }

    double penalty(const Matrix<T>& W, const Matrix<T>& Ht) const {
        return penalty_value(W, opt_.w) + penalty_value(Ht, opt_.h);
    }

private:
    const D& A_;
    Transposed<D> At_;
    RowUpdate rule_;  // the solver's per-row update (registry)
    const Options& opt_;
    int sweeps_;  // hals / cd: coordinate sweeps per row and half-step
    double eps_;  // weight of each held-out entry as a zero (missing_entry_weight)
    Matrix<T> HtH_, WtW_, AHt_, AtW_;  // k x k, k x k, m x k, n x k
};

/// Masked NMF, KL: coordinate descent over the observed entries only (cd_kl_update with
/// observed_only); the H sweep returns the whole observed divergence.
template <class T, class D>
class MaskedKullbackLeiblerStep {
public:
    MaskedKullbackLeiblerStep(const D& A, const Options& opt) : A_(A), At_(A), opt_(opt) {}

    /// Checkpoints (engine/loop.hpp): each sweep reads only the factors, so nothing carries over.
    static constexpr bool checkpoints = true;

    double start(const Matrix<T>& W, const Matrix<T>& Ht) {
        return observed_kl_divergence(A_, W, Ht) + penalty(W, Ht);
    }

    double iterate(Matrix<T>& W, Matrix<T>& Ht) {
        cd_kl_update(A_, Ht, W, opt_.w, opt_.cd_newton_steps, false, {}, true);
        return cd_kl_update(At_, W, Ht, opt_.h, opt_.cd_newton_steps, true, {}, true) +
               penalty(W, Ht);
    }

    double penalty(const Matrix<T>& W, const Matrix<T>& Ht) const {
        return penalty_value(W, opt_.w) + penalty_value(Ht, opt_.h);
    }

private:
    const D& A_;
    Transposed<D> At_;
    const Options& opt_;
};

/// β-divergence multiplicative updates (Févotte & Idier 2011). As for KL, the pass that evaluates
/// the objective also gives the next W update's numerator and denominator.
template <class T, class D>
class BetaStep {
public:
    BetaStep(const D& A, const Options& opt)
        : A_(A), At_(A), opt_(opt), beta_(resolved_beta(opt)), fixed_(opt, opt.rank) {}

    /// Checkpoints (engine/loop.hpp): start() forms what iterate() carries over.
    static constexpr bool checkpoints = true;

    double start(const Matrix<T>& W, const Matrix<T>& Ht) {
        return beta_products(A_, W, Ht, beta_, numerator_W_, denominator_W_, true) + penalty(W, Ht);
    }

    double iterate(Matrix<T>& W, Matrix<T>& Ht) {
        const Matrix<T> saved = W(Eigen::all, fixed_.fixed);  // MU is simultaneous: put them back
        mu_beta_apply(numerator_W_, denominator_W_, beta_, opt_.w, W);
        W(Eigen::all, fixed_.fixed) = saved;
        beta_products(At_, Ht, W, beta_, numerator_H_, denominator_H_, false);
        mu_beta_apply(numerator_H_, denominator_H_, beta_, opt_.h, Ht);
        return beta_products(A_, W, Ht, beta_, numerator_W_, denominator_W_, true) + penalty(W, Ht);
    }

    double penalty(const Matrix<T>& W, const Matrix<T>& Ht) const {
        return penalty_value(W, opt_.w) + penalty_value(Ht, opt_.h);
    }

private:
    const D& A_;
    Transposed<D> At_;
    const Options& opt_;
    double beta_;
    FixedColumns fixed_;
    Matrix<T> numerator_W_, denominator_W_;  // m x k at the current (W, Ht)
    Matrix<T> numerator_H_, denominator_H_;  // n x k
};

/// Projection onto fixed components: only W changes, Ht (n x k) stays as given; W's penalty
/// applies. Frobenius: one exact NNLS solve by block principal pivoting (the next iteration
/// confirms it); KL: coordinate-descent sweeps; other β: multiplicative updates of W.
template <class T, class D>
class ProjectionStep {
public:
    ProjectionStep(const D& A, const Options& opt) : A_(A), opt_(opt), beta_(resolved_beta(opt)) {}

    double start(const Matrix<T>& W, const Matrix<T>& Ht) {
        switch (opt_.loss) {
            case Loss::frobenius:
                gram(Ht, HtH_);
                HtH_.diagonal().array() += static_cast<T>(opt_.w.l2);
                A_.times(Ht, AHt_);
                AHt_.array() -= static_cast<T>(opt_.w.l1);
                return objective(W, Ht);
            case Loss::kullback_leibler: {
                Matrix<T> unused;
                return A_.sampled_times(W, Ht, KullbackLeibler<T>(), unused, true) + penalty(W, Ht);
            }
            default:
                return beta_products(A_, W, Ht, beta_, numerator_, denominator_, true) +
                       penalty(W, Ht);
        }
    }

    double iterate(Matrix<T>& W, Matrix<T>& Ht) {
        switch (opt_.loss) {
            case Loss::frobenius: bpp_nnls(HtH_, AHt_, W); return objective(W, Ht);
            case Loss::kullback_leibler:
                return cd_kl_update(A_, Ht, W, opt_.w, opt_.cd_newton_steps, true) +
                       total_of_product(W, Ht) + penalty(W, Ht);
            default:
                mu_beta_apply(numerator_, denominator_, beta_, opt_.w, W);
                return beta_products(A_, W, Ht, beta_, numerator_, denominator_, true) +
                       penalty(W, Ht);
        }
    }

    double penalty(const Matrix<T>& W, const Matrix<T>&) const { return penalty_value(W, opt_.w); }

private:
    // ½‖A − W Htᵀ‖² + l1 ΣW + ½ l2 ‖W‖² = ½‖A‖² − ⟨A Ht − l1, W⟩ + ½⟨WᵀW, HtᵀHt + l2 I⟩, where
    // HtH_ and AHt_ hold the penalised Gram and cross product.
    double objective(const Matrix<T>& W, const Matrix<T>&) {
        gram(W, WtW_);
        return std::max(0.0, 0.5 * A_.squared_norm() - dot(AHt_, W) + 0.5 * dot(WtW_, HtH_));
    }

    const D& A_;
    const Options& opt_;
    double beta_;
    Matrix<T> HtH_, AHt_, WtW_;          // k x k, m x k, k x k
    Matrix<T> numerator_, denominator_;  // β: m x k at the current W
};

}  // namespace nmfkit::detail
