#pragma once
/// @file online.hpp
/// @brief Online (mini-batch) NMF: V arrives in blocks of samples (columns), the dictionary W is
/// updated from accumulated statistics, and no block but the current one is held.
///
/// Frobenius follows Mairal, Bach, Ponce & Sapiro (JMLR 11, 2010): each block's coefficients are
/// solved with W fixed, A ← ρA + H_b H_bᵀ and B ← ρB + V_b H_bᵀ are accumulated, and W is the
/// minimiser of the surrogate ½tr(Wᵀ W A) − tr(Wᵀ B). KL follows Lefèvre, Bach & Févotte
/// (WASPAA 2011): the numerator and denominator of W's multiplicative update are accumulated with
/// the same forgetting factor ρ, the current block's share retaken at the current W, alternating
/// with its coefficients, until W settles. The names and their meaning are scikit-learn's MiniBatchNMF's
/// (batch_size, forget_factor, fresh_restarts, max_no_improvement, transform_max_iter,
/// partial_fit); docs/algorithms.md, "Online NMF", has the formulas.
///
/// Example (the samples are the columns of V, so W, m x k, is the dictionary):
/// @code
/// nmfkit::Options opt;
/// opt.rank = 10;
/// nmfkit::OnlineNMF<double> model(m, opt);
/// for (const Eigen::MatrixXd& block : blocks)   // m x b each
///     model.partial_fit(nmfkit::DenseView<double>(block));
/// Eigen::MatrixXd Hb = model.transform(nmfkit::DenseView<double>(blocks[0]));  // k x b
/// @endcode

#include <cstdint>
#include <string>

#include <nmfkit/fit.hpp>

namespace nmfkit {

/// The parameters of online NMF that Options does not have (scikit-learn's names).
struct OnlineOptions {
    /// Samples (columns of V) per block of fit_online(); a caller of partial_fit() sizes its
    /// own blocks. ≥ 1.
    std::int64_t batch_size = 1024;
    /// ρ's base in [0, 1]: the statistics of earlier blocks are weighted by
    /// ρ = forget_factor^(b / samples) per block of b samples (samples known), else
    /// ρ = forget_factor. 1 keeps everything (Mairal et al.'s plain average).
    double forget_factor = 0.7;
    /// Solve every block's coefficients from scratch (up to fresh_restarts_max_iter iterations);
    /// when false, fit_online() warm-starts a block from its coefficients of the previous pass
    /// and makes one iteration (hals: the full-batch fit's budgeted sweeps, at most
    /// fresh_restarts_max_iter). partial_fit() without a warm start always solves from scratch.
    bool fresh_restarts = false;
    int fresh_restarts_max_iter = 30;  ///< iterations of a block's solve from scratch, ≥ 1
    /// fit_online(), Frobenius: a block met again replaces its earlier terms in the statistics
    /// (OnlineNMF::revisit) instead of adding to them (scikit-learn's accumulation).
    bool revisit = true;
    /// Stop after this many blocks without a new minimum of the smoothed batch cost; 0: never.
    int max_no_improvement = 10;
    /// Iterations of transform() and of fit_online()'s final H (fresh_restarts); 0: max_iter.
    int transform_max_iter = 0;
    /// n, the number of samples in a pass, when known (sets ρ and the cost's smoothing);
    /// 0: unknown (a stream of blocks), the samples seen so far stand in for the smoothing.
    std::int64_t samples = 0;
};

/// The state of an online fit: enough to continue it (scikit-learn's partial_fit across calls,
/// or a later process). Frobenius: A (k x k) and B (m x k) are the sufficient statistics; KL:
/// A (m x k) and B (m x k) are the numerator and denominator of W's update.
template <class T>
struct OnlineState {
    Matrix<T> W;  ///< m x k, the dictionary
    Matrix<T> A;  ///< Frobenius: Σ ρ^· H_b H_bᵀ (k x k); KL: the numerator (m x k)
    Matrix<T> B;  ///< Frobenius: Σ ρ^· V_b H_bᵀ (m x k); KL: the denominator (m x k)
    std::int64_t steps = 0;         ///< blocks seen
    std::int64_t samples_seen = 0;  ///< columns seen
    double ewa_cost = -1;           ///< smoothed batch cost; < 0 before the second block
    double ewa_cost_min = -1;       ///< its smallest value so far; < 0 before it has one
    int no_improvement = 0;         ///< blocks since the smallest smoothed cost
    /// Frobenius (k x 1): Σ ρ^· (H_b H_bᵀ)_ll over every term added to A's diagonal and every
    /// term a revisit took out of it, weighted as A weights them: the scale of A_ll's rounding
    /// error, below which a revisit takes A_ll as zero (docs/algorithms.md, "Online NMF").
    /// Empty (a state made by hand, or before the first block): |diag A|. KL: unused, empty.
    Matrix<T> A_mass{};
};

/// What one block did.
struct OnlineStep {
    /// The block's cost per sample, loss(V_b, W H_b) + penalties over b, with the block's
    /// coefficients solved and before W is updated (scikit-learn's batch cost)
    double cost = 0;
    double smoothed_cost = 0;  ///< the exponentially weighted average of the costs
    double w_change = 0;       ///< ‖W_new − W_old‖_F / ‖W_new‖_F
    /// The stopping rules met at this block: "tol" (w_change ≤ Options::tol, from the second
    /// block), "max_no_improvement", or "" (go on).
    std::string stop;
    /// The factor ρ the statistics of the earlier blocks were scaled by at this block (1 for a
    /// Frobenius revisit): a caller that revisits blocks tracks their weights with it.
    double rho = 1;
};

/// Online NMF over blocks of columns of V (m x n): W (m x k) is the dictionary, each block's
/// H_b (k x b) its coefficients. Options used: rank, loss (frobenius or kullback_leibler),
/// solver (Frobenius: hals or anls_bpp; KL: cd or mu; unset: the loss's default), seed, tol,
/// max_iter (transform's default), threads, cd_newton_steps, w and h (absolute penalties; W's
/// applies to the surrogate with the statistics as accumulated). Deterministic for a seed.
template <class T>
class OnlineNMF {
public:
    /// A model for blocks of @p features rows; W is drawn at the first block (seeded uniform,
    /// scaled by √(mean(V_b)/k) as scikit-learn's random start).
    /// @throws InvalidInput for bad options (loss other than frobenius/KL, solver, ranges)
    OnlineNMF(Eigen::Index features, const Options& opt, const OnlineOptions& online = {});
    /// A model continuing from @p state (its W sets m and k).
    OnlineNMF(OnlineState<T> state, const Options& opt, const OnlineOptions& online = {});

    /// One mini-batch step on the columns of @p block (m x b): H_b solved with W fixed, the
    /// statistics updated, W updated. With @p Ht (b x k, non-negative; H_bᵀ), the solve starts
    /// from it (one iteration unless fresh_restarts) and leaves H_bᵀ there; else it starts from
    /// a per-column constant and runs up to fresh_restarts_max_iter iterations.
    /// @throws InvalidInput for a block of the wrong row count or a bad entry
    OnlineStep partial_fit(const DenseView<T>& block, Matrix<T>* Ht = nullptr);
    template <class I>
    OnlineStep partial_fit(const SparseView<T, I>& block, Matrix<T>* Ht = nullptr);
    /// A step on a block seen before, in a data set of fixed size (Mairal et al. 2010, Section
    /// 3.4): @p previous_Ht (b x k, non-negative) are the coefficients its last visit added to
    /// the statistics, where they weigh @p previous_weight in [0, 1] now (1 after a revisit;
    /// after a first visit, the product of the ρ of the steps since). Frobenius: the new
    /// coefficients replace them in A and B, and the step does not forget (ρ = 1), so once
    /// every block has been revisited the surrogate is the whole objective at the blocks'
    /// latest coefficients. KL (whose statistics depend on the W each block met): partial_fit.
    /// @p Ht as partial_fit's (empty: solved from scratch).
    /// @throws InvalidInput as partial_fit, or for a previous_Ht or weight out of shape or range
    OnlineStep revisit(const DenseView<T>& block, Matrix<T>& Ht, const Matrix<T>& previous_Ht,
                       double previous_weight);
    template <class I>
    OnlineStep revisit(const SparseView<T, I>& block, Matrix<T>& Ht, const Matrix<T>& previous_Ht,
                       double previous_weight);

    /// H_b (k x b) for the columns of @p block with W fixed. Frobenius: the exact NNLS solution
    /// (block principal pivoting, whatever the solver); KL: transform_max_iter (0: max_iter)
    /// iterations of the block solver from a per-column constant start, all of them (no early stop). So a
    /// column's coefficients do not depend on the other columns of its block.
    Matrix<T> transform(const DenseView<T>& block) const;
    template <class I>
    Matrix<T> transform(const SparseView<T, I>& block) const;

    /// The loss and penalty of the columns of @p block at (W, H_b), H_b (k x b): the objective
    /// fit() reports, for these columns.
    double objective(const DenseView<T>& block, const Matrix<T>& H) const;
    template <class I>
    double objective(const SparseView<T, I>& block, const Matrix<T>& H) const;

    const Matrix<T>& W() const { return state_.W; }  ///< m x k (empty before the first block)
    const OnlineState<T>& state() const { return state_; }
    Eigen::Index features() const { return m_; }
    Solver solver() const { return solver_; }

private:
    template <class V>
    OnlineStep step(const V& block, Matrix<T>* Ht, const Matrix<T>* previous,
                    double previous_weight);
    Options opt_;
    OnlineOptions online_;
    Solver solver_ = Solver::hals;
    Eigen::Index m_ = 0;
    OnlineState<T> state_;
};

/// Online NMF of an in-memory V (m x n): passes over blocks of batch_size columns, at most
/// opt.max_iter passes, stopped by OnlineOptions' rules (scikit-learn's MiniBatchNMF.fit), then
/// H as kept (or, with fresh_restarts, solved again with the final W). Result::iterations counts
/// passes (started); history has one entry per block (step: IterationStats::objective is the
/// smoothed batch cost), and the callback is called after every block; objective and
/// relative_error are evaluated at the final (W, H). A block's first visit solves its
/// coefficients from scratch; later passes warm-start them (one iteration) unless
/// fresh_restarts, and are revisit() steps: the block's new coefficients replace its previous
/// ones in the Frobenius statistics. A block not visited (a stop in the first pass) gets
/// transform()'s H.
/// Checkpoints: Callbacks::on_checkpoint receives the state after a block every
/// checkpoint_every blocks and when the callback or the time limit stops the fit (the
/// dictionary, the statistics, the kept coefficients and their weights in the statistics, the
/// place in the passes; docs/design.md, "Checkpoints"); Callbacks::resume continues from one, to
/// bitwise the uninterrupted fit's result (same V, options, start and threads; max_iter and
/// time_limit may differ).
template <class T>
Result<T> fit_online(const DenseView<T>& V, const Options& opt, const OnlineOptions& online = {},
                     const Callbacks& callbacks = {});
template <class T, class I>
Result<T> fit_online(const SparseView<T, I>& V, const Options& opt,
                     const OnlineOptions& online = {}, const Callbacks& callbacks = {});

/// As above, from the caller's start; opt.init must be Init::custom. start.W (m x k) replaces the
/// random start, with the statistics empty as after it (OnlineNMF from an OnlineState with that
/// W, steps 0: Frobenius A = 0, B = 0; KL A = W, B = 1). start.H (k x n), when not empty,
/// warm-starts every block's coefficients from the first pass on (one iteration unless
/// fresh_restarts); when empty, a block's first visit is solved from scratch as above.
/// Result::init is custom.
/// @throws InvalidInput for a start of the wrong shape or with a negative or non-finite entry
template <class T>
Result<T> fit_online(const DenseView<T>& V, const Options& opt, const InitialFactors<T>& start,
                     const OnlineOptions& online = {}, const Callbacks& callbacks = {});
template <class T, class I>
Result<T> fit_online(const SparseView<T, I>& V, const Options& opt, const InitialFactors<T>& start,
                     const OnlineOptions& online = {}, const Callbacks& callbacks = {});

/// Checks @p online alone (ranges), as OnlineNMF's constructor does.
/// @throws InvalidInput naming the first bad field
void validate(const OnlineOptions& online);

extern template class OnlineNMF<float>;
extern template class OnlineNMF<double>;

}  // namespace nmfkit
