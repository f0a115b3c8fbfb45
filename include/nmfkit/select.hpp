#pragma once
/// @file select.hpp
/// @brief Choosing k and judging a factorization: the rank survey (restarts, cross-validation,
/// consensus clustering) and the measures behind it (docs/algorithms.md, "Rank selection").
///
/// Example (survey k = 2..6 with 10 restarts each):
/// @code
/// nmfkit::SurveyOptions s;
/// s.ranks = {2, 3, 4, 5, 6};
/// s.restarts = 10;
/// s.fit.seed = 1;
/// nmfkit::Survey survey = nmfkit::survey(nmfkit::DenseView<double>(V), s);
/// int k = survey.suggested_rank;   // chosen by survey.rule ("cv_one_se" here)
/// @endcode

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nmfkit/options.hpp>
#include <nmfkit/result.hpp>
#include <nmfkit/views.hpp>

namespace nmfkit {

// ---------------------------------------------------------------------------------------------
// Measures

/// Component of each column of H (k x n): argmax_q H(q, j) (Brunet et al. 2004); ties go to the
/// lower q. A column of zeros has no component: −1.
std::vector<int> column_components(const Eigen::MatrixXd& H);

/// Component of each row of W (m x k): argmax_q W(i, q); −1 for a row of zeros.
std::vector<int> row_components(const Eigen::MatrixXd& W);

/// Consensus matrix C (n x n) of R clusterings of n samples: C(i, j) = fraction of the
/// clusterings that put i and j in the same cluster (Monti et al. 2003; Brunet et al. 2004).
/// A sample labelled −1 (no component) is in no cluster, not even with itself: C(i, i) = 0.
/// @throws InvalidInput when no clustering is given or their lengths differ.
Eigen::MatrixXd consensus_matrix(const std::vector<std::vector<int>>& labels);

/// An agglomerative clustering tree of n items: n − 1 merges, in order of height.
/// Items are 0..n−1; the cluster made by merge t is n + t (SciPy's convention).
struct Linkage {
    std::vector<int> left;       ///< n − 1: first cluster merged
    std::vector<int> right;      ///< n − 1: second cluster merged
    std::vector<double> height;  ///< n − 1: distance between them, non-decreasing
    std::vector<int> size;       ///< n − 1: items in the merged cluster
    std::vector<int> order;      ///< n: the items in the order of the dendrogram's leaves

    /// Cluster label (0..clusters−1, numbered by first appearance in `order`) of each item when
    /// the tree is cut into @p clusters groups (the last clusters − 1 merges undone).
    std::vector<int> cut(int clusters) const;
    /// Cophenetic distance matrix (n x n): the height of the merge that first joins i and j.
    Eigen::MatrixXd cophenetic() const;
};

/// Average-linkage (UPGMA) tree of the symmetric distance matrix D (n x n), by the
/// nearest-neighbour chain algorithm: O(n²) time and memory. Ties merge the lower indices first.
/// @throws InvalidInput when D is not square.
Linkage average_linkage(const Eigen::MatrixXd& D);

/// Cophenetic correlation coefficient of a consensus matrix C (n x n) (Brunet et al. 2004): the
/// Pearson correlation, over the pairs i < j, of the distances 1 − C(i, j) and the cophenetic
/// distances of their average-linkage tree. 1 when the distances are all equal (the tree then
/// reproduces them exactly); NaN for n < 2.
double cophenetic_correlation(const Eigen::MatrixXd& C);

/// Dispersion of a consensus matrix C (n x n) (Kim & Park 2007, eq. 11):
/// ρ = (1/n²) Σ_ij 4 (C(i, j) − ½)², in [0, 1]; 1 for a 0/1 matrix.
double dispersion(const Eigen::MatrixXd& C);

/// Average silhouette width (Rousseeuw 1987) of the clustering @p clusters (labels ≥ 0) under the
/// distances D (n x n): s(i) = (b(i) − a(i)) / max(a(i), b(i)), a = mean distance to i's own
/// cluster, b = smallest mean distance to another cluster; s(i) = 0 in a singleton cluster.
/// 0 when there is a single cluster.
double average_silhouette(const Eigen::MatrixXd& D, const std::vector<int>& clusters);

/// Hoyer's sparseness of a vector x of length n > 1 (Hoyer 2004, eq. 1):
/// (√n − ‖x‖₁/‖x‖₂) / (√n − 1), in [0, 1]; 0 for x = 0.
double hoyer_sparseness(const Eigen::Ref<const Eigen::VectorXd>& x);

/// Mean Hoyer sparseness of the columns of W (m x k) and of the rows of H (k x n).
double sparseness_of_columns(const Eigen::MatrixXd& W);
double sparseness_of_rows(const Eigen::MatrixXd& H);

/// Feature scores of W (m x k) (Kim & Park 2007, eq. 14): with p(i, q) = W(i, q) / Σ_q W(i, q),
/// score(i) = 1 + (1 / log₂ k) Σ_q p(i, q) log₂ p(i, q), in [0, 1]: 1 for a feature in one
/// component only, 0 for a feature spread evenly. A row of zeros scores 0; k = 1 gives 1.
std::vector<double> feature_scores(const Eigen::MatrixXd& W);

/// The most specific features of each component (Kim & Park 2007, section 3.3): feature i is
/// selected when score(i) > median + 3·MAD of the scores (MAD: median absolute deviation) and
/// max_q W(i, q) > median of all entries of W; it belongs to its argmax component. Returns k lists
/// of feature indices, each by decreasing score (ties by index).
std::vector<std::vector<int>> specific_features(const Eigen::MatrixXd& W);

/// Purity of a clustering against known classes (Kim & Park 2007, eq. 12):
/// (1/n) Σ_q max_c n(q, c), with n(q, c) the samples of class c in cluster q. Samples with a
/// negative cluster count in n but in no cluster.
/// @throws InvalidInput when the lengths differ.
double purity(const std::vector<int>& clusters, const std::vector<int>& classes);

/// Entropy of a clustering against known classes (Kim & Park 2007, eq. 13):
/// −(1/(n log₂ c)) Σ_q Σ_c n(q, c) log₂(n(q, c) / n_q), c = number of classes; 0 for c = 1.
/// @throws InvalidInput when the lengths differ.
double entropy(const std::vector<int>& clusters, const std::vector<int>& classes);

// ---------------------------------------------------------------------------------------------
// The survey

/// Options of a rank survey. Defaults as documented per field.
struct SurveyOptions {
    std::vector<int> ranks;  ///< the k values to fit, each ≥ 1 (e.g. 2..12)
    int restarts = 20;       ///< R seeded fits per k (seeds fit.seed, fit.seed + 1, ...); ≥ 1
    Options fit;             ///< the fit of each run; rank, seed, init and restarts are set per run
    int cv_splits =
        5;  ///< cross-validation splits per k (0 = no cross-validation); 5 for a usable standard error
    double cv_fraction = 0.1;  ///< fraction of V's m·n entries held out per split, in (0, 0.5]
    int consensus_max_samples = 5000;  ///< consensus measures need n² memory: NaN when n is larger
};

/// What the survey measured at one k.
struct RankStats {
    int rank = 0;                    ///< k
    double best_objective = 0;       ///< lowest final objective over the R runs
    double mean_objective = 0;       ///< mean final objective over the R runs
    double relative_error = 0;       ///< ‖V − WH‖_F / ‖V‖_F of the best run
    double mean_relative_error = 0;  ///< mean over the R runs
    double explained_variance = 0;   ///< 1 − RSS / Σ v² of the best run
    double cv_error = 0;  ///< mean held-out loss per held-out entry over the splits; NaN without CV
    double cv_error_sd = 0;  ///< its standard deviation over the splits; NaN without CV
    double cv_error_se = 0;  ///< its standard error, cv_error_sd / √S (0 for S = 1); NaN without CV
    std::vector<double> cv_errors;   ///< S: the held-out error of each split (empty without CV)
    double cophenetic = 0;           ///< cophenetic correlation of the consensus matrix
    double dispersion = 0;           ///< dispersion of the consensus matrix
    double silhouette = 0;           ///< average silhouette of the consensus clustering (k groups)
    double sparseness_w = 0;         ///< mean Hoyer sparseness of W's columns (best run)
    double sparseness_h = 0;         ///< mean Hoyer sparseness of H's rows (best run)
    int best_run = 0;                ///< index of the best run: its seed is fit.seed + best_run
    std::vector<double> objectives;  ///< R: final objective of every run
    std::vector<std::vector<int>> labels;  ///< R x n: each run's column_components(H)
    Eigen::MatrixXd W;                     ///< m x k of the best run
    Eigen::MatrixXd H;                     ///< k x n of the best run
    double seconds = 0;  ///< wall time of this k's runs and splits (summed over threads)
};

/// The result of a survey: one RankStats per k, in the order of SurveyOptions::ranks, and the
/// suggested k with the rule that chose it. Each rule's vote is kept; 0 means "no vote".
struct Survey {
    std::vector<RankStats> ranks;  ///< per k
    int suggested_rank = 0;        ///< the suggested k; 0 when no rule votes (rule "none")
    std::string rule;              ///< "cv_one_se", "dispersion_maximum" or "none" (suggest_rank())
    int cv_rank = 0;  ///< the one-standard-error k of the cross-validation error; 0 without CV
    int cv_minimum_rank = 0;  ///< k of the lowest mean cross-validation error; 0 without CV
    int dispersion_rank =
        0;  ///< the largest k of (nearly) the highest dispersion; 0 without consensus
    int cophenetic_rank =
        0;  ///< the last k before the cophenetic coefficient drops; 0 when it never does
    double seconds = 0;  ///< wall time of the whole survey
    int threads = 1;     ///< threads used
};

/// The drop in the cophenetic coefficient from one k to the next that cophenetic_drop counts.
constexpr double cophenetic_drop_threshold = 0.02;
/// How far below the highest dispersion a k may be and still count as highest (dispersion_maximum).
constexpr double dispersion_tolerance = 1e-3;

/// The votes of a survey's ranks and the suggested k (docs/algorithms.md, "Which k"):
/// - cv_rank: the smallest k whose mean cross-validation error is at most the lowest mean error
///   plus the standard error (cv_error_se) of that lowest one: the one-standard-error rule
///   (Hastie, Tibshirani & Friedman, The Elements of Statistical Learning, 2nd ed., 2009,
///   section 7.10); cv_minimum_rank is the k of the lowest mean error itself;
/// - dispersion_rank: the largest k whose dispersion is within dispersion_tolerance of the
///   highest (Kim & Park 2007);
/// - cophenetic_rank: the last k, in increasing k, before the cophenetic coefficient first falls
///   by more than cophenetic_drop_threshold (Brunet et al. 2004); 0 (no vote) when it never does.
/// The suggestion: cv_rank when cross-validation ran ("cv_one_se"), else dispersion_rank when
/// consensus was measured ("dispersion_maximum"), else none (suggested_rank 0, rule "none").
/// Reads each k's cv_error, cv_error_se, dispersion and cophenetic; NaN means "not measured".
void suggest_rank(Survey& survey);

/// Checks the survey's options alone (ranks, restarts, cross-validation fields, and each k's fit
/// options as validate(const Options&) does), as survey() does before it reads V.
/// @throws InvalidInput naming the first bad field.
void validate(const SurveyOptions& opt);

/// Fits every k of opt.ranks R times, cross-validates each k on opt.cv_splits held-out splits,
/// and measures consensus, error and sparseness (RankStats). Fits whose product with V costs less
/// than 10⁸ flops run in parallel, one per thread, each single-threaded: the result is then the
/// same bits for any thread count. Larger fits run one after the other on all threads and agree
/// across thread counts to rounding (BLAS blocking), as fit() does.
/// Cross-validation needs a solver that supports missing entries (supports_missing()).
/// @throws InvalidInput for bad options (empty or non-positive ranks, restarts < 1, cv_fraction
///         outside (0, 0.5], ...) or bad V, naming the problem.
template <class T>
Survey survey(const DenseView<T>& V, const SurveyOptions& opt);
template <class T, class I>
Survey survey(const SparseView<T, I>& V, const SurveyOptions& opt);

/// The held-out positions of cross-validation split @p split for an m x n V: each position with
/// probability @p fraction, drawn from a generator keyed by (seed, split); at least one per split.
/// Returned as (row, column) pairs ordered by column, then row.
std::vector<std::pair<std::int64_t, std::int64_t>> holdout_positions(std::int64_t m, std::int64_t n,
                                                                     double fraction,
                                                                     std::uint64_t seed, int split);

}  // namespace nmfkit
