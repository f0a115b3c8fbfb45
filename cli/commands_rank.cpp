// `nmfkit rank`: the rank survey (include/nmfkit/select.hpp) of a matrix file, its table on
// stdout, JSON and CSV, and SVG plots; also the assignments file of `nmfkit fit --assignments`.

#include "rank.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include <nmfkit/io/csv.hpp>
#include <nmfkit/select.hpp>

#include <nlohmann/json.hpp>

#include "option_flags.hpp"
#include "outputs.hpp"
#include "svg.hpp"

namespace nmfkit::cli {
namespace {

/// The arguments of `nmfkit rank`; defaults come from nmfkit::SurveyOptions and Options.
struct RankArgs {
    std::string input;
    std::string ranks;
    int restarts = SurveyOptions{}.restarts;
    int cv_splits = SurveyOptions{}.cv_splits;
    double cv_fraction = SurveyOptions{}.cv_fraction;
    /// The Options fields of each fit (flags from nmfkit/option_fields.hpp).
    std::shared_ptr<OptionFlags> fit = std::make_shared<OptionFlags>(SurveyOptions{}.fit);
    std::string classes_file;
    int plot_rank = 0;
    int top = 10;
    std::string out_dir;
    ReadArgs read;
};

/// The most values of k one survey takes (each is `--restarts` fits and a consensus matrix).
constexpr long long max_survey_ranks = 10000;

/// Parses -k: "LO:HI", "LO:HI:STEP" or a comma-separated list. @throws UsageError
std::vector<int> parse_ranks(const std::string& text) {
    const auto fail = [&](const std::string& why) {
        return UsageError("-k: \"" + text + "\" " + why +
                          "; expected a range LO:HI (e.g. 2:12), LO:HI:STEP, or a list 2,3,5");
    };
    const auto integer = [&](std::string_view part) {
        int value = 0;
        const char* last = part.data() + part.size();
        const auto [ptr, ec] = std::from_chars(part.data(), last, value);
        if (part.empty() || ec != std::errc() || ptr != last)
            throw fail("holds \"" + std::string(part) + "\", not an integer");
        if (value < 1) throw fail("holds " + std::to_string(value) + "; every k must be >= 1");
        return value;
    };
    std::vector<int> out;
    if (text.find(':') != std::string::npos) {
        std::vector<std::string_view> parts;
        std::string_view rest = text;
        for (std::size_t c; (c = rest.find(':')) != std::string_view::npos;
             rest.remove_prefix(c + 1))
            parts.push_back(rest.substr(0, c));
        parts.push_back(rest);
        if (parts.size() > 3) throw fail("has more than two ':'");
        const int lo = integer(parts[0]), hi = integer(parts[1]);
        const int step = parts.size() == 3 ? integer(parts[2]) : 1;
        if (hi < lo) throw fail("ends below its start");
        // Each k is a set of fits: refuse a range no survey could run before it takes memory.
        const long long count = (static_cast<long long>(hi) - lo) / step + 1;
        if (count > max_survey_ranks)
            throw fail("asks for " + std::to_string(count) + " values of k (at most " +
                       std::to_string(max_survey_ranks) + ")");
        for (long long k = lo; k <= hi; k += step) out.push_back(static_cast<int>(k));
    } else {
        std::string_view rest = text;
        for (std::size_t c; (c = rest.find(',')) != std::string_view::npos;
             rest.remove_prefix(c + 1))
            out.push_back(integer(rest.substr(0, c)));
        out.push_back(integer(rest));
        if (static_cast<long long>(out.size()) > max_survey_ranks)
            throw fail("lists " + std::to_string(out.size()) + " values of k (at most " +
                       std::to_string(max_survey_ranks) + ")");
        std::sort(out.begin(), out.end());
        if (std::adjacent_find(out.begin(), out.end()) != out.end()) throw fail("lists a k twice");
    }
    return out;
}

SurveyOptions survey_options_of(const RankArgs& a) {
    SurveyOptions s;
    s.ranks = parse_ranks(a.ranks);
    s.restarts = a.restarts;
    s.cv_splits = a.cv_splits;
    s.cv_fraction = a.cv_fraction;
    s.fit = a.fit->apply();
    usage_checked([&] {
        validate(s);
        return 0;
    });
    if (a.plot_rank != 0 && std::find(s.ranks.begin(), s.ranks.end(), a.plot_rank) == s.ranks.end())
        throw UsageError("--plot-k " + std::to_string(a.plot_rank) +
                         " is not one of the surveyed k (-k " + a.ranks + ")");
    if (a.top < 0) throw UsageError("--top must be >= 0, got " + std::to_string(a.top));
    return s;
}

/// Class index (0, 1, ... by first appearance) of each sample, from a labels file of n lines.
std::vector<int> read_classes(const std::string& path, Eigen::Index n,
                              std::vector<std::string>& names) {
    const std::vector<std::string> labels = io::read_labels(path);
    if (static_cast<Eigen::Index>(labels.size()) != n)
        throw InvalidInput("--classes " + path + ": " +
                           plural(static_cast<long long>(labels.size()), "label") + " for " +
                           plural(n, "sample") + " (columns of V; --transpose swaps)");
    std::map<std::string, int> index;
    std::vector<int> out;
    for (const std::string& l : labels) {
        const auto [it, added] = index.emplace(l, static_cast<int>(names.size()));
        if (added) names.push_back(l);
        out.push_back(it->second);
    }
    return out;
}

nlohmann::json number_or_null(double x) {
    return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json();
}

std::string csv_number(double x) { return std::isfinite(x) ? shortest(x) : ""; }

std::string cell(double x, const char* fmt = "%.4g") {
    return std::isfinite(x) ? format(fmt, x) : "-";
}

std::string path_in(const std::string& dir, const std::string& name) {
    return (std::filesystem::path(dir) / name).string();
}

/// Per-k purity and entropy of the best run's clustering against the classes (empty: none).
struct ClassScores {
    std::vector<double> purity, entropy;
};

std::string vote_of(int k) { return k > 0 ? "k = " + std::to_string(k) : std::string("no vote"); }

std::string explain_rule(const Survey& s) {
    const std::string consensus = "dispersion_maximum gives " + vote_of(s.dispersion_rank) +
                                  ", cophenetic_drop gives " + vote_of(s.cophenetic_rank);
    if (s.rule == "cv_one_se")
        return "cv_one_se: the smallest k within one standard error of the lowest held-out error, "
               "at k = " +
               std::to_string(s.cv_minimum_rank) + "; " + consensus;
    if (s.rule == "dispersion_maximum")
        return "dispersion_maximum: the largest k of the highest dispersion, no cross-validation; "
               "cophenetic_drop gives " +
               vote_of(s.cophenetic_rank);
    return "none: no cross-validation and no consensus measures";
}

template <class T>
int survey_and_write(const RankArgs& args, const Input& in, const SurveyOptions& so) {
    std::vector<std::string> class_names;
    std::vector<int> classes;
    if (!args.classes_file.empty())
        classes = read_classes(args.classes_file, in.cols(), class_names);

    const Survey s = located(in, false, [&] {
        return with_view<T>(in, false, [&](const auto& V) { return survey(V, so); });
    });
    // With no suggestion (no cross-validation, no consensus) the plots show the smallest k.
    const int plot_k = args.plot_rank != 0 ? args.plot_rank
                       : s.suggested_rank != 0
                           ? s.suggested_rank
                           : *std::min_element(so.ranks.begin(), so.ranks.end());
    const RankStats* chosen = nullptr;
    for (const RankStats& st : s.ranks)
        if (st.rank == plot_k) chosen = &st;

    ClassScores scores;
    if (!classes.empty())
        for (const RankStats& st : s.ranks) {
            const std::vector<int> clusters = column_components(st.H);
            scores.purity.push_back(purity(clusters, classes));
            scores.entropy.push_back(entropy(clusters, classes));
        }

    // Sample labels (columns of V) and feature labels (rows), by index when the input has none.
    std::vector<std::string> samples = in.col_labels, features = in.row_labels;
    if (samples.empty())
        for (Eigen::Index j = 0; j < in.cols(); ++j) samples.push_back(std::to_string(j + 1));
    if (features.empty())
        for (Eigen::Index i = 0; i < in.rows(); ++i) features.push_back(std::to_string(i + 1));

    // Plots and features at the chosen k.
    const std::string k_tag = "k" + std::to_string(plot_k);
    std::vector<std::string> written;
    OutputSet out;  // every file staged first, then all renamed (outputs.hpp)
    const auto write = [&](const std::string& name, const std::string& text) {
        out.stage("-o", [&] {
            std::vector<io::StagedFile> files;
            files.push_back(io::stage_bytes(path_in(args.out_dir, name), text));
            return files;
        });
        written.push_back(name);
    };
    std::vector<int> ks;
    for (const RankStats& st : s.ranks) ks.push_back(st.rank);
    std::vector<svg::Series> series;
    const auto add = [&](const std::string& name, auto member) {
        svg::Series one{name, {}};
        for (const RankStats& st : s.ranks) one.values.push_back(st.*member);
        series.push_back(std::move(one));
    };
    add("relative error", &RankStats::relative_error);
    add("explained variance", &RankStats::explained_variance);
    add("cross-validation error", &RankStats::cv_error);
    add("cophenetic correlation", &RankStats::cophenetic);
    add("dispersion", &RankStats::dispersion);
    add("silhouette (consensus)", &RankStats::silhouette);
    add("sparseness of W (Hoyer)", &RankStats::sparseness_w);
    add("sparseness of H (Hoyer)", &RankStats::sparseness_h);
    add("best objective", &RankStats::best_objective);
    if (!classes.empty()) {
        series.push_back({"purity", scores.purity});
        series.push_back({"entropy", scores.entropy});
    }

    // Consensus at the chosen k, samples in the order of its average-linkage tree.
    std::vector<std::vector<int>> specific = specific_features(chosen->W);
    const bool consensus = in.cols() <= so.consensus_max_samples;
    std::vector<int> order;
    Eigen::MatrixXd C;
    if (consensus) {
        C = consensus_matrix(chosen->labels);  // n x n
        order = average_linkage((1.0 - C.array()).matrix()).order;
    } else {
        for (Eigen::Index j = 0; j < in.cols(); ++j) order.push_back(static_cast<int>(j));
    }
    const auto n = static_cast<Eigen::Index>(order.size());
    std::vector<std::string> ordered_samples;
    for (int j : order) ordered_samples.push_back(samples[static_cast<std::size_t>(j)]);
    const Eigen::Index most =
        200;  // heatmap cells per side; beyond, consecutive samples are averaged
    std::vector<std::pair<Eigen::Index, Eigen::Index>> bins_r, bins_c;
    const auto bin_labels = [&](const std::vector<std::pair<Eigen::Index, Eigen::Index>>& bins) {
        std::vector<std::string> out;
        for (const auto& [a, b] : bins)
            out.push_back(a == b ? ordered_samples[static_cast<std::size_t>(a)]
                                 : ordered_samples[static_cast<std::size_t>(a)] + ".." +
                                       ordered_samples[static_cast<std::size_t>(b)]);
        return out;
    };

    write("metrics.svg",
          svg::metric_panels(ks, series, s.suggested_rank,
                             "nmfkit rank: " + in.path + " (suggested k = " +
                                 std::to_string(s.suggested_rank) + ", " + s.rule + ")"));
    if (consensus) {
        Eigen::MatrixXd Co(n, n);
        for (Eigen::Index a = 0; a < n; ++a)
            for (Eigen::Index b = 0; b < n; ++b)
                Co(a, b) =
                    C(order[static_cast<std::size_t>(a)], order[static_cast<std::size_t>(b)]);
        const Eigen::MatrixXd shown = svg::bin_average(Co, most, most, bins_r, bins_c);
        const std::vector<std::string> labels = bin_labels(bins_r);
        write("consensus_" + k_tag + ".svg",
              svg::heatmap(shown, labels, labels, 0, 1,
                           "consensus matrix, k = " + std::to_string(plot_k) + ", " +
                               plural(so.restarts, "run") + " (samples by average linkage)"));
    }
    // H's columns as shares of each component, samples in the consensus order.
    Eigen::MatrixXd Hs(chosen->H.rows(), n);  // k x n
    for (Eigen::Index a = 0; a < n; ++a) {
        const Eigen::VectorXd h = chosen->H.col(order[static_cast<std::size_t>(a)]);
        const double total = h.sum();
        Hs.col(a) = total > 0 ? Eigen::VectorXd(h / total) : h;
    }
    const Eigen::MatrixXd shown_h = svg::bin_average(Hs, Hs.rows(), most, bins_r, bins_c);
    write("h_" + k_tag + ".svg",
          svg::heatmap(shown_h, component_names(chosen->H.rows()), bin_labels(bins_c), 0, 1,
                       "H (share of each component per sample), k = " + std::to_string(plot_k) +
                           ", best of " + plural(so.restarts, "run")));

    // Feature scores at the chosen k.
    const std::vector<double> fscore = feature_scores(chosen->W);
    const std::vector<int> owner = row_components(chosen->W);
    std::vector<char> is_specific(fscore.size(), 0);
    for (const auto& list : specific)
        for (int i : list) is_specific[static_cast<std::size_t>(i)] = 1;
    std::string tsv = "feature\tscore\tcomponent\tspecific\n";
    for (std::size_t i = 0; i < fscore.size(); ++i)
        tsv += io::quote_field(features[i], '\t') + "\t" + shortest(fscore[i]) + "\t" +
               (owner[i] < 0 ? std::string("none") : "c" + std::to_string(owner[i] + 1)) + "\t" +
               (is_specific[i] ? "yes" : "no") + "\n";
    write("features_" + k_tag + ".tsv", tsv);

    // The table: CSV, JSON, stdout.
    std::string csv =
        "k,best_objective,mean_objective,relative_error,mean_relative_error,"
        "explained_variance,cv_error,cv_error_sd,cophenetic,dispersion,silhouette,"
        "sparseness_w,sparseness_h";
    if (!classes.empty()) csv += ",purity,entropy";
    csv += ",seconds\n";
    nlohmann::ordered_json rows = nlohmann::json::array();
    for (std::size_t a = 0; a < s.ranks.size(); ++a) {
        const RankStats& st = s.ranks[a];
        csv += std::to_string(st.rank);
        for (double x :
             {st.best_objective, st.mean_objective, st.relative_error, st.mean_relative_error,
              st.explained_variance, st.cv_error, st.cv_error_sd, st.cophenetic, st.dispersion,
              st.silhouette, st.sparseness_w, st.sparseness_h})
            csv += "," + csv_number(x);
        if (!classes.empty())
            csv += "," + csv_number(scores.purity[a]) + "," + csv_number(scores.entropy[a]);
        csv += "," + csv_number(st.seconds) + "\n";
        nlohmann::ordered_json r;
        r["k"] = st.rank;
        r["best_objective"] = number_or_null(st.best_objective);
        r["mean_objective"] = number_or_null(st.mean_objective);
        r["relative_error"] = number_or_null(st.relative_error);
        r["mean_relative_error"] = number_or_null(st.mean_relative_error);
        r["explained_variance"] = number_or_null(st.explained_variance);
        r["cv_error"] = number_or_null(st.cv_error);
        r["cv_error_sd"] = number_or_null(st.cv_error_sd);
        r["cv_error_se"] = number_or_null(st.cv_error_se);
        nlohmann::json per_split = nlohmann::json::array();
        for (double e : st.cv_errors) per_split.push_back(number_or_null(e));
        r["cv_errors"] = per_split;  // each split's held-out error
        r["cophenetic"] = number_or_null(st.cophenetic);
        r["dispersion"] = number_or_null(st.dispersion);
        r["silhouette"] = number_or_null(st.silhouette);
        r["sparseness_w"] = number_or_null(st.sparseness_w);
        r["sparseness_h"] = number_or_null(st.sparseness_h);
        if (!classes.empty()) {
            r["purity"] = number_or_null(scores.purity[a]);
            r["entropy"] = number_or_null(scores.entropy[a]);
        }
        r["best_seed"] = so.fit.seed + static_cast<std::uint64_t>(st.best_run);
        r["objectives"] = st.objectives;
        r["seconds"] = st.seconds;
        rows.push_back(std::move(r));
    }
    write("survey.csv", csv);
    nlohmann::ordered_json j;
    j["nmfkit"] = std::string(version);
    j["command"] = "rank";
    j["input"] = args.input;
    j["storage"] = in.is_sparse() ? "sparse" : "dense";
    j["dtype"] = in.dtype();
    j["rows"] = in.rows();
    j["cols"] = in.cols();
    j["nnz"] = in.nnz();
    j["ranks"] = ks;
    j["restarts"] = so.restarts;
    j["loss"] = std::string(to_string(so.fit.loss));
    j["solver"] = std::string(to_string(resolved_solver(so.fit)));
    j["beta"] = resolved_beta(so.fit);
    j["max_iter"] = so.fit.max_iter;
    j["tol"] = so.fit.tol;
    j["seed"] = so.fit.seed;
    j["cv_splits"] = so.cv_splits;
    j["cv_fraction"] = so.cv_fraction;
    j["threads"] = s.threads;
    j["seconds"] = s.seconds;
    const auto vote = [](int k) {
        return k == 0 ? nlohmann::json() : nlohmann::json(k);
    };  // 0: no vote
    j["suggested_rank"] = vote(s.suggested_rank);
    j["rule"] = s.rule;
    j["cv_rank"] = vote(s.cv_rank);
    j["cv_minimum_rank"] = vote(s.cv_minimum_rank);
    j["dispersion_rank"] = vote(s.dispersion_rank);
    j["cophenetic_rank"] = vote(s.cophenetic_rank);
    if (!classes.empty()) j["classes"] = class_names;
    j["table"] = std::move(rows);
    j["plot_rank"] = plot_k;
    nlohmann::ordered_json spec;
    for (std::size_t q = 0; q < specific.size(); ++q) {
        std::vector<std::string> names;
        for (int i : specific[q]) names.push_back(features[static_cast<std::size_t>(i)]);
        spec["c" + std::to_string(q + 1)] = names;
    }
    j["specific_features"] = std::move(spec);
    j["files"] = written;
    j["files"].push_back("survey.json");
    write("survey.json", j.dump(2) + "\n");
    out.commit();

    std::cout << "rank survey: " << in.rows() << " x " << in.cols() << ", k = " << ks.front()
              << ".." << ks.back() << ", " << plural(so.restarts, "restart") << ", "
              << (so.cv_splits > 0 ? plural(so.cv_splits, "CV split") + " (" +
                                         format("%g", 100 * so.cv_fraction) + "% held out)"
                                   : std::string("no cross-validation"))
              << ", loss " << to_string(so.fit.loss) << ", solver "
              << to_string(resolved_solver(so.fit)) << ", " << format("%.3g", s.seconds) << " s, "
              << plural(s.threads, "thread") << "\n\n";
    std::string header =
        "   k  rel.error  expl.var   cv_error  cophenetic  dispersion  silhouette  sparse_W  "
        "sparse_H";
    if (!classes.empty()) header += "  purity  entropy";
    std::cout << header << "\n";
    for (std::size_t a = 0; a < s.ranks.size(); ++a) {
        const RankStats& st = s.ranks[a];
        char line[256];
        std::snprintf(line, sizeof line, "%4d  %9s  %8s  %9s  %10s  %10s  %10s  %8s  %8s", st.rank,
                      cell(st.relative_error).c_str(), cell(st.explained_variance).c_str(),
                      cell(st.cv_error).c_str(), cell(st.cophenetic).c_str(),
                      cell(st.dispersion).c_str(), cell(st.silhouette).c_str(),
                      cell(st.sparseness_w, "%.3f").c_str(), cell(st.sparseness_h, "%.3f").c_str());
        std::cout << line;
        if (!classes.empty())
            std::cout << format("  %6.3f", scores.purity[a])
                      << format("  %7.3f", scores.entropy[a]);
        std::cout << (st.rank == s.suggested_rank ? "  <-" : "") << "\n";
    }
    std::cout << "\nsuggested k = " << s.suggested_rank << " (" << explain_rule(s) << ")\n";
    if (args.top > 0) {
        // Each component's features (argmax of their row of W) by decreasing feature score.
        std::vector<std::vector<int>> owned(static_cast<std::size_t>(plot_k));
        for (std::size_t i = 0; i < owner.size(); ++i)
            if (owner[i] >= 0)
                owned[static_cast<std::size_t>(owner[i])].push_back(static_cast<int>(i));
        std::cout << "\nfeatures of each component at k = " << plot_k
                  << " by feature score (* = specific by Kim & Park 2007's rule):\n";
        for (std::size_t q = 0; q < owned.size(); ++q) {
            auto& list = owned[q];
            std::stable_sort(list.begin(), list.end(), [&](int a, int b) {
                return fscore[static_cast<std::size_t>(a)] > fscore[static_cast<std::size_t>(b)];
            });
            std::vector<std::string> names;
            for (std::size_t p = 0; p < list.size() && p < static_cast<std::size_t>(args.top);
                 ++p) {
                const auto i = static_cast<std::size_t>(list[p]);
                names.push_back(features[i] + (is_specific[i] ? "*" : "") + " (" +
                                format("%.2f", fscore[i]) + ")");
            }
            std::cout << "  c" << q + 1 << ": "
                      << (names.empty() ? std::string("(none)") : join(names, ", "))
                      << (list.size() > names.size() ? ", ..." : "") << "\n";
        }
    }
    std::cout << "\nwrote " << join(written, ", ") << " to " << args.out_dir << "\n";
    return exit_ok;
}

/// True when @p name is one that `rank` writes into its -o folder.
bool is_rank_output(const std::string& name) {
    const auto tagged = [&](const std::string& prefix, const std::string& suffix) {
        if (!name.starts_with(prefix + "k") || !name.ends_with(suffix) ||
            name.size() <= prefix.size() + 1 + suffix.size())
            return false;
        const std::string digits =
            name.substr(prefix.size() + 1, name.size() - prefix.size() - 1 - suffix.size());
        return digits.find_first_not_of("0123456789") == std::string::npos;
    };
    return name == "metrics.svg" || name == "survey.csv" || name == "survey.json" ||
           tagged("consensus_", ".svg") || tagged("h_", ".svg") || tagged("features_", ".tsv");
}

/// The checks of outputs.hpp for the -o folder: writable, and no input among the files that
/// rank writes there (metrics.svg, survey.csv, survey.json, consensus_kK.svg, h_kK.svg,
/// features_kK.tsv). @throws UsageError, io::IoError
void check_rank_outputs(const RankArgs& args) {
    Files files;
    files.writes("-o", path_in(args.out_dir, "survey.json"));
    files.check();
    for (const auto& [option, path] : {std::pair<std::string, std::string>{"INPUT", args.input},
                                       {"--row-labels", args.read.row_labels_file},
                                       {"--col-labels", args.read.col_labels_file},
                                       {"--classes", args.classes_file}}) {
        if (path.empty()) continue;
        const std::filesystem::path p(path);
        const std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
        if (is_rank_output(p.filename().string()) && io::same_file(dir, args.out_dir))
            throw UsageError("-o \"" + args.out_dir + "\" holds " + option + " \"" + path +
                             "\", a file that rank writes there; an output must not replace an "
                             "input (choose another -o folder)");
    }
}

int run_rank(const RankArgs& args) {
    const SurveyOptions so = survey_options_of(args);
    std::error_code ec;
    std::filesystem::create_directories(args.out_dir, ec);
    if (ec || !std::filesystem::is_directory(args.out_dir))
        throw io::IoError(
            "-o " + args.out_dir + ": cannot create the output directory" +
            (ec ? " (" + ec.message() + ")" : std::string(" (a file of that name exists)")));
    check_rank_outputs(args);
    ReadArgs read = args.read;
    read.csr_as_stored = !so.fit.low_memory;
    const Input in = read_input(args.input, read);
    // k >= min(m, n) fits V exactly; a larger k only costs memory and time.
    const Eigen::Index k_cap = std::min(in.rows(), in.cols());
    if (so.ranks.back() > k_cap)
        throw UsageError("-k " + args.ranks + ": k = " + std::to_string(so.ranks.back()) +
                         " is more than min(m, n) = " + std::to_string(k_cap) + " of the " +
                         std::to_string(in.rows()) + " x " + std::to_string(in.cols()) +
                         " matrix " + in.path + "; survey k <= " + std::to_string(k_cap));
    return in.float32 ? survey_and_write<float>(args, in, so)
                      : survey_and_write<double>(args, in, so);
}

}  // namespace

std::string assignments_text(const Eigen::MatrixXd& W, const Eigen::MatrixXd& H,
                             const std::vector<std::string>& row_labels,
                             const std::vector<std::string>& col_labels) {
    std::string out = "axis\tindex\tlabel\tcomponent\tshare\n";
    const auto line = [&](const char* axis, Eigen::Index index,
                          const std::vector<std::string>& labels, int component, double share) {
        out += std::string(axis) + "\t" + std::to_string(index + 1) + "\t" +
               (labels.empty() ? std::to_string(index + 1)
                               : io::quote_field(labels[static_cast<std::size_t>(index)], '\t')) +
               "\t" + (component < 0 ? std::string("none") : "c" + std::to_string(component + 1)) +
               "\t" + (component < 0 ? std::string("0") : shortest(share)) + "\n";
    };
    const std::vector<int> sample = column_components(H), feature = row_components(W);
    for (Eigen::Index j = 0; j < H.cols(); ++j) {
        const int q = sample[static_cast<std::size_t>(j)];
        line("sample", j, col_labels, q, q < 0 ? 0 : H(q, j) / H.col(j).sum());
    }
    for (Eigen::Index i = 0; i < W.rows(); ++i) {
        const int q = feature[static_cast<std::size_t>(i)];
        line("feature", i, row_labels, q, q < 0 ? 0 : W(i, q) / W.row(i).sum());
    }
    return out;
}

Command add_rank_command(CLI::App& app) {
    auto args = std::make_shared<RankArgs>();
    RankArgs& a = *args;
    CLI::App* cmd = app.add_subcommand(
        "rank", "Survey k: restarts, cross-validation and consensus per k, with plots");
    cmd->add_option("INPUT", a.input,
                    "matrix file: .csv .tsv .mtx .mtx.gz .npy .npz (samples are its columns)")
        ->required();
    cmd->add_option("-k,--ranks", a.ranks,
                    "the k to survey: LO:HI (e.g. 2:12), LO:HI:STEP, or a list 2,3,5")
        ->type_name("RANGE")
        ->required();
    cmd->add_option("-o,--out-dir", a.out_dir,
                    "directory for survey.json, survey.csv, metrics.svg, consensus_kK.svg, "
                    "h_kK.svg, features_kK.tsv (created if missing)")
        ->type_name("DIR")
        ->required();
    const std::string group = "Survey";
    cmd->add_option("--restarts", a.restarts, "seeded fits per k (seeds seed, seed+1, ...)")
        ->capture_default_str()
        ->group(group);
    cmd->add_option(
           "--cv-splits", a.cv_splits,
           "cross-validation splits per k: entries held out, fitted without them (0 = none)")
        ->capture_default_str()
        ->group(group);
    cmd->add_option("--cv-fraction", a.cv_fraction,
                    "fraction of the entries held out per split, in (0, 0.5]")
        ->capture_default_str()
        ->group(group);
    cmd->add_option("--classes", a.classes_file,
                    "known class of each sample (column), one a line: purity and entropy per k")
        ->group(group);
    cmd->add_option("--plot-k", a.plot_rank,
                    "k of the consensus and H heatmaps (default: the suggested k)")
        ->group(group);
    cmd->add_option("--top", a.top, "most specific features printed per component")
        ->capture_default_str()
        ->group(group);
    const std::string solver = "Solver (each fit)";
    a.fit->add(*cmd,
               {{"loss", "objective: " + loss_names() + " (aliases fro, kl, is)"},
                {"beta", "beta of --loss beta"},
                {"solver", "update rule: " + solver_names() + " (default: by loss)"},
                {"max_iter", "maximum iterations per fit"},
                {"tol", "relative objective tolerance per fit"},
                {"seed", "first seed (0 to 2^64 - 1)"},
                {"threads"}},
               "Solver (each fit)");
    add_read_options(*cmd, a.read);
    name_file_options(*cmd, {"INPUT", "--classes"});
    cmd->footer(R"(The suggested k is the smallest within one standard error of the lowest
cross-validation error, or without cross-validation the largest k of the highest dispersion
(docs/algorithms.md, "Which k").

Examples:
  nmfkit rank counts.mtx -k 2:12 --restarts 20 -o survey/
  nmfkit rank examples/docs.mtx --row-labels examples/docs.txt --col-labels examples/words.txt \
      --transpose -k 2:5 -o docs_survey/ --classes topics.txt
  nmfkit rank data.csv -k 2,3,4,6,8 --loss kl --cv-splits 0 -o out/

Exit status: 0 success, 2 usage error, 65 bad data, 74 I/O error, 1 anything else.)");
    return {cmd, [args] { return run_rank(*args); }};
}

}  // namespace nmfkit::cli
