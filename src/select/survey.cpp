// The rank survey (select.hpp): R seeded fits per k, cross-validation on held-out entries
// (masked NMF), consensus clustering and its measures. docs/algorithms.md, "Rank selection".

#include <nmfkit/fit.hpp>
#include <nmfkit/mask.hpp>
#include <nmfkit/select.hpp>

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <limits>
#include <memory>
#include <random>
#include <string>

#include "linalg/threads.hpp"
#include "select/linkage_detail.hpp"

namespace nmfkit {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

/// Fits run one per thread when a product with V costs less than this many flops, as restarts
/// do in fit() (engine/run.hpp, parallel_restart_flops): such a fit cannot keep two cores busy.
constexpr double parallel_fit_flops = 1e8;

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/// β-divergence d_β(v | x) of one entry (Févotte & Idier 2011, eq. 2), the loss of the fit:
/// ½(v − x)² for β = 2, v log(v/x) − v + x for β = 1, v/x − log(v/x) − 1 for β = 0.
double entry_loss(double beta, double v, double x) {
    constexpr double tiny = 1e-12;  // a zero prediction of a positive entry: large, finite
    if (beta == 2) return 0.5 * (v - x) * (v - x);
    x = std::max(x, tiny);
    if (beta == 1) return (v > 0 ? v * std::log(v / x) : 0.0) - v + x;
    if (beta == 0) return v / x - std::log(std::max(v, tiny) / x) - 1;
    return (std::pow(v, beta) + (beta - 1) * std::pow(x, beta) - beta * v * std::pow(x, beta - 1)) /
           (beta * (beta - 1));
}

/// V's entries at given positions: dense reads them, sparse scatters one column at a time.
template <class T>
struct DenseEntries {
    const DenseView<T>& V;
    /// Calls f(i, j, v) for each (i, j) of @p mask (column by column).
    template <class F>
    void visit(const Mask& mask, F f) const {
        const Eigen::Index ld = V.leading_dimension();
        for (Eigen::Index j = 0; j < mask.cols; ++j)
            for (auto p = mask.col_ptr[static_cast<std::size_t>(j)];
                 p < mask.col_ptr[static_cast<std::size_t>(j) + 1]; ++p) {
                const auto i =
                    static_cast<Eigen::Index>(mask.row_index[static_cast<std::size_t>(p)]);
                f(i, j,
                  static_cast<double>(
                      V.data[V.layout == Layout::row_major ? i * ld + j : i + j * ld]));
            }
    }
    std::int64_t nonzeros() const { return static_cast<std::int64_t>(V.rows) * V.cols; }
};

template <class T, class I>
struct SparseEntries {
    Eigen::SparseMatrix<double> csc;  // m x n, duplicates summed
    explicit SparseEntries(const SparseView<T, I>& V) : csc(V.rows, V.cols) {
        std::vector<Eigen::Triplet<double>> t;
        t.reserve(static_cast<std::size_t>(V.nonzeros()));
        const bool by_col = V.layout == SparseLayout::csc;
        for (Eigen::Index s = 0; s < V.outer_size(); ++s)
            for (I p = V.outer[s]; p < V.outer[s + 1]; ++p) {
                const auto inner = static_cast<Eigen::Index>(V.inner[p]);
                t.emplace_back(by_col ? inner : s, by_col ? s : inner,
                               static_cast<double>(V.values[p]));
            }
        csc.setFromTriplets(t.begin(), t.end());
    }
    template <class F>
    void visit(const Mask& mask, F f) const {
        Eigen::VectorXd column = Eigen::VectorXd::Zero(csc.rows());
        for (Eigen::Index j = 0; j < mask.cols; ++j) {
            for (Eigen::SparseMatrix<double>::InnerIterator it(csc, j); it; ++it)
                column(it.row()) = it.value();
            for (auto p = mask.col_ptr[static_cast<std::size_t>(j)];
                 p < mask.col_ptr[static_cast<std::size_t>(j) + 1]; ++p) {
                const auto i =
                    static_cast<Eigen::Index>(mask.row_index[static_cast<std::size_t>(p)]);
                f(i, j, column(i));
            }
            for (Eigen::SparseMatrix<double>::InnerIterator it(csc, j); it; ++it)
                column(it.row()) = 0;
        }
    }
    std::int64_t nonzeros() const { return csc.nonZeros(); }
};

/// What one fit of the survey leaves behind.
struct RunOutcome {
    double objective = 0;
    double relative_error = 0;
    double heldout = nan;  // CV fits: mean held-out loss per held-out entry
    double seconds = 0;
    std::vector<int> labels;
    Eigen::MatrixXd W, H;  // m x k, k x n (plain fits)
};

void check_survey_options(const SurveyOptions& so) {
    if (so.ranks.empty())
        throw InvalidInput("survey: no ranks given (SurveyOptions::ranks is empty)");
    for (std::size_t a = 0; a < so.ranks.size(); ++a) {
        if (so.ranks[a] < 1)
            throw InvalidInput("survey: rank " + std::to_string(so.ranks[a]) + " (entry " +
                               std::to_string(a + 1) + " of ranks) must be ≥ 1");
        if (std::count(so.ranks.begin(), so.ranks.end(), so.ranks[a]) > 1)
            throw InvalidInput("survey: rank " + std::to_string(so.ranks[a]) + " is listed twice");
    }
    if (so.restarts < 1)
        throw InvalidInput("survey: restarts must be ≥ 1, got " + std::to_string(so.restarts));
    if (so.cv_splits < 0)
        throw InvalidInput("survey: cv_splits must be ≥ 0, got " + std::to_string(so.cv_splits));
    if (so.cv_splits > 0 && !(so.cv_fraction > 0 && so.cv_fraction <= 0.5))
        throw InvalidInput("survey: cv_fraction must be in (0, 0.5], got " +
                           std::to_string(so.cv_fraction));
    if (so.fit.init && *so.fit.init != Init::random)
        throw InvalidInput("survey: the restarts start from seeded random factors; init " +
                           std::string(to_string(*so.fit.init)) + " is not supported");
    if (so.fit.restarts != 1)
        throw InvalidInput("survey: set SurveyOptions::restarts, not fit.restarts (got " +
                           std::to_string(so.fit.restarts) + ")");
    if (so.fit.mask)
        throw InvalidInput(
            "survey: fit.mask is set; the survey makes its own masks for cross-validation");
    if (so.cv_splits > 0 && !supports_missing(resolved_solver(so.fit), so.fit.loss))
        throw InvalidInput(
            "survey: cross-validation needs fits with missing entries, which solver " +
            std::string(to_string(resolved_solver(so.fit))) + " does not support for loss " +
            std::string(to_string(so.fit.loss)) + "; choose another solver or set cv_splits to 0");
    Options probe = so.fit;
    for (int k : so.ranks) {
        probe.rank = k;
        validate(probe);
    }
}

/// True when a held-out position is an observed entry under Options::missing.
bool observed(Missing missing, double v) {
    if (missing == Missing::nan) return !std::isnan(v);
    if (missing == Missing::zeros) return v != 0;
    return true;
}

template <class T, class View, class Entries>
Survey run_survey(const View& V, const SurveyOptions& so, const Entries& entries) {
    const auto t_start = std::chrono::steady_clock::now();
    const Eigen::Index m = V.rows, n = V.cols;
    check_survey_options(so);
    if (m < 1 || n < 1)
        throw InvalidInput("survey: V is empty (" + std::to_string(m) + " x " + std::to_string(n) +
                           ")");
    const int R = so.restarts, S = so.cv_splits;
    const auto K = static_cast<int>(so.ranks.size());
    const double beta = resolved_beta(so.fit);

    std::vector<std::shared_ptr<const Mask>> masks(static_cast<std::size_t>(S));
    for (int s = 0; s < S; ++s)
        masks[static_cast<std::size_t>(s)] = std::make_shared<const Mask>(
            Mask::from_positions(m, n, holdout_positions(m, n, so.cv_fraction, so.fit.seed, s)));

    // Jobs: for each k, R plain fits then S cross-validation fits.
    const int per_rank = R + S;
    const int jobs = K * per_rank;
    std::vector<RunOutcome> out(static_cast<std::size_t>(jobs));
    const int k_max = *std::max_element(so.ranks.begin(), so.ranks.end());
    const double flops = 2.0 * static_cast<double>(entries.nonzeros()) * k_max;
    const detail::ThreadScope scope(so.fit.threads);
    const bool parallel = flops < parallel_fit_flops && scope.threads() > 1;

    auto run_job = [&](int job, int threads) {
        const int a = job / per_rank, r = job % per_rank;
        Options o = so.fit;
        o.rank = so.ranks[static_cast<std::size_t>(a)];
        o.init = Init::random;
        o.restarts = 1;
        o.threads = threads;
        // Plain iterations unless asked: extrapolated runs reach the same error with another
        // split of scale between W's columns and H's rows, which the labels (argmax_q H(q, j))
        // follow (docs/algorithms.md, "Rank selection").
        if (!o.extrapolation) o.extrapolation = Extrapolation::off;
        RunOutcome& res = out[static_cast<std::size_t>(job)];
        if (r < R) {
            o.seed = so.fit.seed + static_cast<std::uint64_t>(r);
            const Result<T> fitted = fit(V, o);
            res.objective = fitted.objective;
            res.relative_error = fitted.relative_error;
            res.seconds = fitted.seconds;
            res.W = fitted.W.template cast<double>();
            res.H = fitted.H.template cast<double>();
            res.labels = column_components(res.H);
            return;
        }
        const int s = r - R;
        o.seed = so.fit.seed + static_cast<std::uint64_t>(s);
        o.mask = masks[static_cast<std::size_t>(s)];
        const Result<T> fitted = fit(V, o);
        res.seconds = fitted.seconds;
        const Eigen::MatrixXd W = fitted.W.template cast<double>();  // m x k
        const Eigen::MatrixXd H = fitted.H.template cast<double>();  // k x n
        double loss = 0, count = 0;
        entries.visit(*o.mask, [&](Eigen::Index i, Eigen::Index j, double v) {
            if (!observed(so.fit.missing, v)) return;
            loss += entry_loss(beta, v, W.row(i).dot(H.col(j)));
            count += 1;
        });
        res.heldout = count > 0 ? loss / count : nan;
    };

    if (parallel) {
        std::vector<std::exception_ptr> failures(static_cast<std::size_t>(jobs));
        // NOTE: nested regions are inactive, so each fit runs on its own thread only; the jobs
        // are independent, so the outcome does not depend on the thread count.
#pragma omp parallel for schedule(dynamic, 1)
        for (int job = 0; job < jobs; ++job) {
            try {
                run_job(job, 1);
            } catch (...) {
                failures[static_cast<std::size_t>(job)] = std::current_exception();
            }
        }
        for (const auto& f : failures)
            if (f) std::rethrow_exception(f);
    } else {
        for (int job = 0; job < jobs; ++job) run_job(job, scope.threads());
    }

    Survey survey;
    survey.threads = scope.threads();
    for (int a = 0; a < K; ++a) {
        RankStats st;
        st.rank = so.ranks[static_cast<std::size_t>(a)];
        const auto first = static_cast<std::size_t>(a) * static_cast<std::size_t>(per_rank);
        int best = 0;
        double sum_obj = 0, sum_err = 0;
        for (int r = 0; r < R; ++r) {
            RunOutcome& run = out[first + static_cast<std::size_t>(r)];
            st.objectives.push_back(run.objective);
            sum_obj += run.objective;
            sum_err += run.relative_error;
            st.seconds += run.seconds;
            if (run.objective < out[first + static_cast<std::size_t>(best)].objective) best = r;
            st.labels.push_back(std::move(run.labels));
        }
        RunOutcome& kept = out[first + static_cast<std::size_t>(best)];
        st.best_run = best;
        st.best_objective = kept.objective;
        st.mean_objective = sum_obj / R;
        st.relative_error = kept.relative_error;
        st.mean_relative_error = sum_err / R;
        st.explained_variance = 1 - kept.relative_error * kept.relative_error;
        st.sparseness_w = sparseness_of_columns(kept.W);
        st.sparseness_h = sparseness_of_rows(kept.H);
        st.W = std::move(kept.W);
        st.H = std::move(kept.H);
        st.cv_error = st.cv_error_sd = st.cv_error_se = nan;
        if (S > 0) {
            std::vector<double> e;
            for (int s = 0; s < S; ++s) {
                const RunOutcome& cv = out[first + static_cast<std::size_t>(R + s)];
                st.seconds += cv.seconds;
                e.push_back(cv.heldout);
            }
            double mean = 0;
            for (double x : e) mean += x;
            mean /= S;
            double var = 0;
            for (double x : e) var += (x - mean) * (x - mean);
            st.cv_error = mean;
            st.cv_errors = e;
            st.cv_error_sd = S > 1 ? std::sqrt(var / (S - 1)) : 0.0;
            st.cv_error_se = st.cv_error_sd / std::sqrt(static_cast<double>(S));
        }
        st.cophenetic = st.dispersion = st.silhouette = nan;
        if (n <= so.consensus_max_samples) {
            const Eigen::MatrixXd C = consensus_matrix(st.labels);  // n x n
            st.dispersion = dispersion(C);
            Eigen::MatrixXd D = (1.0 - C.array()).matrix();
            Eigen::MatrixXd work = D;
            const Linkage tree = detail::average_linkage_in_place(work);
            st.cophenetic = n >= 2 ? detail::cophenetic_correlation(D, tree) : nan;
            st.silhouette = average_silhouette(D, tree.cut(st.rank));
        }
        survey.ranks.push_back(std::move(st));
    }
    suggest_rank(survey);
    survey.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    return survey;
}

}  // namespace

void validate(const SurveyOptions& opt) { check_survey_options(opt); }

std::vector<std::pair<std::int64_t, std::int64_t>> holdout_positions(std::int64_t m, std::int64_t n,
                                                                     double fraction,
                                                                     std::uint64_t seed,
                                                                     int split) {
    std::vector<std::pair<std::int64_t, std::int64_t>> positions;
    if (m < 1 || n < 1 || !(fraction > 0)) return positions;
    std::mt19937_64 gen(splitmix64(seed ^ splitmix64(static_cast<std::uint64_t>(split) + 1)));
    std::uniform_real_distribution<double> u(0, 1);
    const double total = static_cast<double>(m) * static_cast<double>(n);
    positions.reserve(static_cast<std::size_t>(fraction * total * 1.1) + 1);
    if (fraction >= 1) {
        for (std::int64_t j = 0; j < n; ++j)
            for (std::int64_t i = 0; i < m; ++i) positions.emplace_back(i, j);
        return positions;
    }
    // Bernoulli(fraction) over the positions in column-major order, by geometric gaps.
    const double log_keep = std::log1p(-fraction);
    double next = std::floor(std::log(1 - u(gen)) / log_keep);
    while (next < total) {
        const auto p = static_cast<std::int64_t>(next);
        positions.emplace_back(p % m, p / m);
        next += 1 + std::floor(std::log(1 - u(gen)) / log_keep);
    }
    if (positions.empty()) {
        const auto p = static_cast<std::int64_t>(u(gen) * total) % (m * n);
        positions.emplace_back(p % m, p / m);
    }
    return positions;
}

void suggest_rank(Survey& survey) {
    std::vector<const RankStats*> by_k;
    for (const RankStats& st : survey.ranks) by_k.push_back(&st);
    std::sort(by_k.begin(), by_k.end(),
              [](const RankStats* a, const RankStats* b) { return a->rank < b->rank; });

    // Cross-validation: the lowest mean held-out error, then the smallest k within one standard
    // error of it (ESL 7.10). The splits are the same entries for every k, so the errors differ
    // between k less than between splits; the rule errs towards the smaller k by design.
    survey.cv_rank = survey.cv_minimum_rank = 0;
    const RankStats* lowest = nullptr;
    for (const RankStats* st : by_k)
        if (std::isfinite(st->cv_error) && (lowest == nullptr || st->cv_error < lowest->cv_error))
            lowest = st;
    if (lowest != nullptr) {
        survey.cv_minimum_rank = lowest->rank;
        const double se = std::isfinite(lowest->cv_error_se) ? lowest->cv_error_se : 0.0;
        for (const RankStats* st : by_k)
            if (std::isfinite(st->cv_error) && st->cv_error <= lowest->cv_error + se) {
                survey.cv_rank = st->rank;
                break;
            }
    }

    // Cophenetic: the k before the first drop (Brunet et al. 2004); no drop, no vote.
    survey.cophenetic_rank = 0;
    for (std::size_t a = 0; a + 1 < by_k.size(); ++a)
        if (by_k[a]->cophenetic - by_k[a + 1]->cophenetic > cophenetic_drop_threshold) {
            survey.cophenetic_rank = by_k[a]->rank;
            break;
        }

    // Dispersion: the largest k of (nearly) the highest dispersion (Kim & Park 2007).
    double top = -std::numeric_limits<double>::infinity();
    for (const RankStats* st : by_k)
        if (std::isfinite(st->dispersion)) top = std::max(top, st->dispersion);
    survey.dispersion_rank = 0;
    for (const RankStats* st : by_k)
        if (std::isfinite(st->dispersion) && st->dispersion >= top - dispersion_tolerance)
            survey.dispersion_rank = st->rank;

    if (survey.cv_rank > 0) {
        survey.suggested_rank = survey.cv_rank;
        survey.rule = "cv_one_se";
    } else if (survey.dispersion_rank > 0) {
        survey.suggested_rank = survey.dispersion_rank;
        survey.rule = "dispersion_maximum";
    } else {
        survey.suggested_rank = 0;
        survey.rule = "none";
    }
}

template <class T>
Survey survey(const DenseView<T>& V, const SurveyOptions& opt) {
    return run_survey<T>(V, opt, DenseEntries<T>{V});
}

template <class T, class I>
Survey survey(const SparseView<T, I>& V, const SurveyOptions& opt) {
    return run_survey<T>(V, opt, SparseEntries<T, I>(V));
}

template Survey survey(const DenseView<float>&, const SurveyOptions&);
template Survey survey(const DenseView<double>&, const SurveyOptions&);
template Survey survey(const SparseView<float, int>&, const SurveyOptions&);
template Survey survey(const SparseView<double, int>&, const SurveyOptions&);
template Survey survey(const SparseView<float, std::int64_t>&, const SurveyOptions&);
template Survey survey(const SparseView<double, std::int64_t>&, const SurveyOptions&);

}  // namespace nmfkit
