// How the rank rules answer on the leukemia stand-in (bench/data.hpp, leukemia_standin; docs/
// benchmarks.md, "Rank rules on the leukemia stand-in"), and how stable the answer is across
// seeds for a number of restarts. Markdown on stdout.
//
// Part 1 (votes): for data seeds 1..D (survey seed = data seed), Frobenius (hals) and KL (mu),
// k = 2..5, R restarts, the default CV splits (5, 10% held out): each rule's vote and the
// suggestion.
// Part 2 (stability): one matrix (data seed 1), survey seeds 1..S, for each restart count: how
// often each rule gives its most common answer.
// Part 3 (splits): the same matrix and seeds, 10 CV splits per k; the cross-validation votes of
// the first 3, 5 and 10 splits (the splits and their fits are keyed by (seed, split), so the
// first S are exactly a survey's with cv_splits = S).
//
// Usage: nmfkit_bench_rank_standin [--genes M] [--programs P] [--data-seeds D] [--survey-seeds S]
//                                  [--restarts R] [--restart-list 5,10,20,50] [--threads P]
//                                  [--part 0|1|2|3] [--verbose 0|1]

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nmfkit/nmfkit.hpp>
#include <nmfkit/select.hpp>

#include "../common.hpp"
#include "../data.hpp"

namespace {

struct Args {
    Eigen::Index genes = 2000;
    int programs = 2, data_seeds = 5, survey_seeds = 10, restarts = 20, threads = 0, part = 0,
        verbose = 0;
    std::vector<int> restart_list = {5, 10, 20, 50};
};

Args parse(int argc, char** argv) {
    Args a;
    nmfkit::bench::parse_flags(
        argc, argv,
        {
            {"--genes", [&](const char* v) { a.genes = std::atol(v); }},
            {"--programs", [&](const char* v) { a.programs = std::atoi(v); }},
            {"--data-seeds", [&](const char* v) { a.data_seeds = std::atoi(v); }},
            {"--survey-seeds", [&](const char* v) { a.survey_seeds = std::atoi(v); }},
            {"--restarts", [&](const char* v) { a.restarts = std::atoi(v); }},
            {"--restart-list",
             [&](const char* v) {
                 a.restart_list.clear();
                 std::stringstream in(v);
                 std::string item;
                 while (std::getline(in, item, ','))
                     a.restart_list.push_back(std::atoi(item.c_str()));
             }},
            {"--threads", [&](const char* v) { a.threads = std::atoi(v); }},
            {"--part", [&](const char* v) { a.part = std::atoi(v); }},
            {"--verbose", [&](const char* v) { a.verbose = std::atoi(v); }},
        });
    return a;
}

nmfkit::Survey run(const Eigen::MatrixXd& V, nmfkit::Loss loss, int restarts, std::uint64_t seed,
                   int threads) {
    nmfkit::SurveyOptions s;
    s.ranks = {2, 3, 4, 5};
    s.restarts = restarts;
    s.fit.loss = loss;
    s.fit.seed = seed;
    s.fit.threads = threads;
    return nmfkit::survey(nmfkit::DenseView<double>(V), s);
}

std::string vote(int k) { return k > 0 ? std::to_string(k) : std::string("-"); }

void print_detail(const nmfkit::Survey& s) {
    for (const auto& st : s.ranks)
        std::printf("    k %d  cv %.6g ± %.3g (se)  cophenetic %.4f  dispersion %.4f\n", st.rank,
                    st.cv_error, st.cv_error_se, st.cophenetic, st.dispersion);
}

}  // namespace

int main(int argc, char** argv) {
    const Args a = parse(argc, argv);
    const std::vector<std::pair<const char*, nmfkit::Loss>> losses = {
        {"frobenius", nmfkit::Loss::frobenius}, {"kl", nmfkit::Loss::kullback_leibler}};
    if (a.part == 0 || a.part == 1) {
        std::printf(
            "leukemia stand-in, %ld genes x 38 samples, %d class-free programs, k = 2..5, %d "
            "restarts, "
            "%d CV splits (10%%)\n\n",
            static_cast<long>(a.genes), a.programs, a.restarts, nmfkit::SurveyOptions{}.cv_splits);
        std::printf(
            "| loss | data seed | cv minimum | cv one-SE | dispersion | cophenetic drop | "
            "suggested (rule) |\n");
        std::printf("|---|---|---|---|---|---|---|\n");
        for (const auto& [name, loss] : losses)
            for (int d = 1; d <= a.data_seeds; ++d) {
                const Eigen::MatrixXd V = nmfkit::bench::leukemia_standin(
                    a.genes, static_cast<std::uint64_t>(d), a.programs);
                const nmfkit::Survey s =
                    run(V, loss, a.restarts, static_cast<std::uint64_t>(d), a.threads);
                std::printf("| %s | %d | %s | %s | %s | %s | %d (%s) |\n", name, d,
                            vote(s.cv_minimum_rank).c_str(), vote(s.cv_rank).c_str(),
                            vote(s.dispersion_rank).c_str(), vote(s.cophenetic_rank).c_str(),
                            s.suggested_rank, s.rule.c_str());
                if (a.verbose) print_detail(s);
                std::fflush(stdout);
            }
    }
    if (a.part == 0 || a.part == 2) {
        std::printf(
            "\nstability: data seed 1, survey seeds 1..%d; share of the seeds giving each rule's "
            "most "
            "common answer (that answer)\n\n",
            a.survey_seeds);
        std::printf("| loss | restarts | cv one-SE | dispersion | cophenetic drop | suggested |\n");
        std::printf("|---|---|---|---|---|---|\n");
        const Eigen::MatrixXd V = nmfkit::bench::leukemia_standin(a.genes, 1, a.programs);
        for (const auto& [name, loss] : losses)
            for (int R : a.restart_list) {
                std::map<int, int> cv, disp, coph, sugg;
                for (int t = 1; t <= a.survey_seeds; ++t) {
                    const nmfkit::Survey s =
                        run(V, loss, R, static_cast<std::uint64_t>(t), a.threads);
                    ++cv[s.cv_rank];
                    ++disp[s.dispersion_rank];
                    ++coph[s.cophenetic_rank];
                    ++sugg[s.suggested_rank];
                }
                const auto mode = [&](const std::map<int, int>& c) {
                    int best = 0, count = -1;
                    for (const auto& [k, times] : c)
                        if (times > count) {
                            best = k;
                            count = times;
                        }
                    std::string all;
                    for (const auto& [k, times] : c)
                        all += (all.empty() ? "" : ", ") + vote(k) + ": " + std::to_string(times);
                    char out[160];
                    std::snprintf(out, sizeof out, "%d/%d (k %s; %s)", count, a.survey_seeds,
                                  vote(best).c_str(), all.c_str());
                    return std::string(out);
                };
                std::printf("| %s | %d | %s | %s | %s | %s |\n", name, R, mode(cv).c_str(),
                            mode(disp).c_str(), mode(coph).c_str(), mode(sugg).c_str());
                std::fflush(stdout);
            }
    }
    if (a.part == 0 || a.part == 3) {
        std::printf("\ncross-validation votes against splits: data seed 1, survey seeds 1..%d\n\n",
                    a.survey_seeds);
        std::printf(
            "| loss | splits | lowest mean (cv_minimum_rank) | one-SE rule (cv_rank) "
            "|\n|---|---|---|---|\n");
        const Eigen::MatrixXd V = nmfkit::bench::leukemia_standin(a.genes, 1, a.programs);
        for (const auto& [name, loss] : losses) {
            std::vector<nmfkit::Survey> runs;
            for (int t = 1; t <= a.survey_seeds; ++t) {
                nmfkit::SurveyOptions so;
                so.ranks = {2, 3, 4, 5};
                so.restarts = 1;
                so.cv_splits = 10;
                so.consensus_max_samples = 0;  // no consensus: cross-validation only
                so.fit.loss = loss;
                so.fit.seed = static_cast<std::uint64_t>(t);
                so.fit.threads = a.threads;
                runs.push_back(nmfkit::survey(nmfkit::DenseView<double>(V), so));
            }
            for (int S : {3, 5, 10}) {
                std::map<int, int> lowest, one_se;
                for (nmfkit::Survey s : runs) {
                    for (auto& st : s.ranks) {  // the first S splits' mean and standard error
                        const std::vector<double> e(st.cv_errors.begin(), st.cv_errors.begin() + S);
                        double mean = 0, var = 0;
                        for (double x : e) mean += x / S;
                        for (double x : e) var += (x - mean) * (x - mean) / (S - 1);
                        st.cv_error = mean;
                        st.cv_error_se = std::sqrt(var / S);
                    }
                    nmfkit::suggest_rank(s);
                    ++lowest[s.cv_minimum_rank];
                    ++one_se[s.cv_rank];
                }
                const auto counts = [](const std::map<int, int>& c) {
                    std::string out;
                    for (const auto& [k, times] : c)
                        out += (out.empty() ? "" : ", ") + ("k " + vote(k)) + ": " +
                               std::to_string(times);
                    return out;
                };
                std::printf("| %s | %d | %s | %s |\n", name, S, counts(lowest).c_str(),
                            counts(one_se).c_str());
            }
            std::fflush(stdout);
        }
    }
    return 0;
}
