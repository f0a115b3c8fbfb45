#pragma once
// Extrapolation of the alternating iterates with restarts (Ang & Gillis, "Accelerating nonnegative
// matrix factorization algorithms using extrapolation", Neural Computation 31(2), 2019), for any
// step whose iterate() calls the two hooks below (engine/steps.hpp) and whose reset() puts its
// cached products at a given point; the loop (engine/loop.hpp) drives it. It sees only W, Ht and
// the objective, so storage and process count do not enter (docs/algorithms.md, "Extrapolation").

#include <algorithm>
#include <utility>
#include <vector>

#include <nmfkit/errors.hpp>

#include <nmfkit/result.hpp>

namespace nmfkit::detail {

/// The extrapolation weight's schedule: β starts at beta0; after an iteration that did not raise
/// the objective it grows to min(β̄, γ·β) and its cap β̄ to min(1, γ̄·β̄); after one that did, β
/// shrinks to β/η and β̄ becomes the last weight that worked.
struct ExtrapolationSchedule {
    double beta0 = 0.5;
    double gamma = 1.05;      // γ
    double gamma_bar = 1.01;  // γ̄
    double eta = 1.5;         // η
};

/// The hooks of a plain iteration: nothing changes between the block updates.
struct NoExtrapolation {
    template <class M>
    void after_w(M&) {}
    template <class M>
    bool after_h(M&) {
        return false;
    }
};

/// One run's extrapolation state. A step's iterate(W, Ht, x) calls x.after_w(W) right after the
/// W update (before anything reads the new W) and x.after_h(Ht) after computing the objective at
/// (W, Ht), before it forms the products the next W update reads. With β > 0 the iteration is
///   W_n = update(W; Ht),  W ← Y_W = max(0, W_n + β (W_n − W_prev)),
///   H_n = update(Ht; Y_W), f = f(Y_W, H_n),  Ht ← Y_H = max(0, H_n + β (H_n − H_prev)),
/// and keep() accepts (Y_W, H_n) as the new point when f does not exceed the last kept objective.
/// The first iteration is plain: W_prev would be the start, no iterate of the solver (a start far
/// from the first update, e.g. NNDSVDa's mean fill, would be extrapolated to zero).
/// Otherwise the loop restores the kept point (restore()), the step resets its products there,
/// and the next iteration is a plain one from it, so the kept objective never increases where
/// the plain iteration guarantees it. W is m x k, Ht is n x k.
template <class T>
class Extrapolator {
public:
    Extrapolator(const Matrix<T>& W, const Matrix<T>& Ht, const ExtrapolationSchedule& s = {})
        : s_(s),
          beta_(s.beta0),
          cap_(1.0),
          good_(s.beta0),
          now_(0),  // the start is no iterate of the solver: the first iteration is plain
          W_prev_(W),
          H_prev_(Ht),
          W_kept_(W) {}

    /// β of the current iteration (0: a plain iteration after a restart).
    double beta() const { return now_; }

    void after_w(Matrix<T>& W) {
        W_new_ = W;
        if (now_ > 0) extrapolate(W, W_new_, W_prev_);
    }

    bool after_h(Matrix<T>& Ht) {
        H_new_ = Ht;
        if (now_ == 0) return false;
        extrapolate(Ht, H_new_, H_prev_);
        return true;
    }

    /// After iterate() returned f = f(W, H_n), with f_kept the objective of the last kept point:
    /// true when (W, H_n) becomes the kept point (always after a plain iteration), false when
    /// the loop must restore() it and reset the step.
    bool keep(double f, double f_kept, const Matrix<T>& W) {
        const bool plain = now_ == 0;
        if (plain || f <= f_kept) {
            std::swap(W_prev_, W_new_);
            std::swap(H_prev_, H_new_);
            W_kept_ = W;
            if (!plain) {
                good_ = now_;
                beta_ = std::min(cap_, s_.gamma * beta_);
                cap_ = std::min(1.0, s_.gamma_bar * cap_);
            }
            now_ = beta_;
            return true;
        }
        cap_ = good_;
        beta_ = now_ / s_.eta;
        now_ = 0;  // the next iteration runs plain from the kept point
        return false;
    }

    /// Puts the last kept point in (W, Ht): after a rejected iteration, and once at the end (the
    /// loop's W, Ht hold the extrapolated Y_H otherwise).
    void restore(Matrix<T>& W, Matrix<T>& Ht) const {
        W = W_kept_;
        Ht = H_prev_;
    }

    /// Appends the schedule's numbers to @p scalars and the kept points to @p matrices
    /// (checkpoints; this iteration's W_n, H_n are scratch until the next one sets them).
    /// @p whole_w / @p whole_ht map a W-like (Ht-like) point to what the state holds: itself
    /// (serial), or the whole factor gathered over the processes (distributed).
    template <class WholeW, class WholeHt>
    void save_state(std::vector<double>& scalars, std::vector<Eigen::MatrixXd>& matrices,
                    WholeW whole_w, WholeHt whole_ht) const {
        scalars.insert(scalars.end(), {beta_, cap_, good_, now_});
        matrices.push_back(whole_w(W_prev_));
        matrices.push_back(whole_ht(H_prev_));
        matrices.push_back(whole_w(W_kept_));
    }
    void save_state(std::vector<double>& scalars, std::vector<Eigen::MatrixXd>& matrices) const {
        const auto same = [](const Matrix<T>& X) {
            return Eigen::MatrixXd(X.template cast<double>());
        };
        save_state(scalars, matrices, same, same);
    }

    /// Reads what save_state() wrote from position @p at of @p scalars and @p m of @p matrices,
    /// advancing both. @throws InvalidInput when they run out or a point has the wrong shape.
    /// @p own_w / @p own_ht map a saved W-like (Ht-like) point to the rows held here (serial:
    /// all of them); they are checked against the points' shapes first.
    template <class OwnW, class OwnHt>
    void load_state(const std::vector<double>& scalars, std::size_t& at,
                    const std::vector<Eigen::MatrixXd>& matrices, std::size_t& m, OwnW own_w,
                    OwnHt own_ht) {
        if (scalars.size() < at + 4 || matrices.size() < m + 3)
            throw InvalidInput("the fit state lacks the extrapolation's state");
        beta_ = scalars[at];
        cap_ = scalars[at + 1];
        good_ = scalars[at + 2];
        now_ = scalars[at + 3];
        at += 4;
        const bool w_like[] = {true, false, true};
        int q = 0;
        for (Matrix<T>* X : {&W_prev_, &H_prev_, &W_kept_}) {
            const Eigen::MatrixXd& Y = matrices[m++];
            Matrix<T> mine = w_like[q++] ? own_w(Y) : own_ht(Y);
            if (mine.rows() != X->rows() || mine.cols() != X->cols())
                throw InvalidInput("the fit state's extrapolation points have the wrong shape");
            *X = std::move(mine);
        }
    }
    void load_state(const std::vector<double>& scalars, std::size_t& at,
                    const std::vector<Eigen::MatrixXd>& matrices, std::size_t& m) {
        const auto same = [](const Eigen::MatrixXd& Y) { return Matrix<T>(Y.template cast<T>()); };
        load_state(scalars, at, matrices, m, same, same);
    }

private:
    // Y = max(0, X_n + β (X_n − X_prev)), written into Y (its X_n is saved in X_n).
    void extrapolate(Matrix<T>& Y, const Matrix<T>& X_n, const Matrix<T>& X_prev) const {
        const T b = static_cast<T>(now_);
        Y = (X_n + b * (X_n - X_prev)).cwiseMax(T(0));
    }

    ExtrapolationSchedule s_;
    double beta_;                // β for the next extrapolated iteration
    double cap_;                 // β̄
    double good_;                // the last β whose iteration was kept
    double now_;                 // β of the current iteration; 0 = plain
    Matrix<T> W_prev_, H_prev_;  // the last kept iteration's W_n (m x k) and H_n (n x k)
    Matrix<T> W_new_, H_new_;    // this iteration's W_n, H_n
    Matrix<T> W_kept_;           // Y_W of the last kept iteration (m x k); its H is H_prev_
};

}  // namespace nmfkit::detail
