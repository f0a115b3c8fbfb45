// The nmfkit command-line tool.
//
//   nmfkit fit INPUT.csv -k K [options]   factorize a CSV/TSV matrix, print a one-line summary
//   nmfkit --version | --help | fit --help
//
// Exit status: 0 on success, 2 on any error (bad option, unreadable input, input the library
// rejects, output that cannot be written); the error goes to stderr as `nmfkit: error: ...`.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>
#include <limits>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include <nlohmann/json.hpp>

#include <nmfkit/io/csv.hpp>
#include <nmfkit/nmfkit.hpp>

#include <CLI/CLI.hpp>

namespace {

constexpr int exit_error = 2;

/// The arguments of `nmfkit fit`; defaults come from nmfkit::Options.
struct FitArgs {
    std::string input;
    int rank = 0;
    std::string loss{nmfkit::to_string(nmfkit::Options{}.loss)};
    std::string solver;  // empty = nmfkit::default_solver(loss)
    int max_iter = nmfkit::Options{}.max_iter;
    double tol = nmfkit::Options{}.tol;
    std::string seed = std::to_string(nmfkit::Options{}.seed);  // parsed by parse_seed
    int threads = nmfkit::Options{}.threads;
    double time_limit = nmfkit::Options{}.time_limit;
    std::string dtype = "float64";
    std::string w_out;
    std::string h_out;
    std::string report_out;
    bool print = false;
};

std::string join(const std::vector<std::string>& items, const std::string& separator) {
    std::string out;
    for (const auto& s : items) out += (out.empty() ? "" : separator) + s;
    return out;
}

std::string solver_names() {
    std::vector<std::string> names;
    for (nmfkit::Solver s : nmfkit::all_solvers()) names.emplace_back(nmfkit::to_string(s));
    return join(names, ", ");
}

std::string loss_names() {
    std::vector<std::string> names;
    for (nmfkit::Loss l : nmfkit::all_losses()) names.emplace_back(nmfkit::to_string(l));
    return join(names, ", ");
}

/// The solver/loss table of `nmfkit fit --help`, read from nmfkit::supports.
std::string support_table() {
    std::string out = "Solvers and the losses they minimise (* = default for that loss):\n";
    std::size_t width = 0;
    for (nmfkit::Solver s : nmfkit::all_solvers()) width = std::max(width, to_string(s).size());
    for (nmfkit::Solver s : nmfkit::all_solvers()) {
        std::vector<std::string> losses;
        for (nmfkit::Loss l : nmfkit::all_losses())
            if (nmfkit::supports(s, l))
                losses.push_back(std::string(to_string(l)) +
                                 (nmfkit::default_solver(l) == s ? "*" : ""));
        const std::string name(to_string(s));
        out += "  " + name + std::string(width - name.size() + 2, ' ') + join(losses, ", ") + "\n";
    }
    return out;
}

std::string format(const char* fmt, double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, fmt, value);
    return buffer;
}

/// The shortest text that reads back as @p value.
std::string shortest(double value) {
    char buffer[64];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, ec == std::errc() ? end : buffer);
}

std::string plural(long long n, const std::string& word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

/// Reads the unsigned integer at @p pos of @p text and moves @p pos past it; false if none.
bool read_index(std::string_view text, std::size_t& pos, std::size_t& value) {
    const char* first = text.data() + pos;
    const auto [ptr, ec] = std::from_chars(first, text.data() + text.size(), value);
    if (ec != std::errc() || ptr == first)
        return false;
    pos += static_cast<std::size_t>(ptr - first);
    return true;
}

/// True when @p text continues with @p expected at @p pos; moves @p pos past it.
bool read_literal(std::string_view text, std::size_t& pos, std::string_view expected) {
    if (text.substr(pos, expected.size()) != expected)
        return false;
    pos += expected.size();
    return true;
}

/// Moves a position that the library reports in V ("... in V at row R, column C (0-based)") to
/// the file: "FILE:LINE: column C+1: ...". Other messages are returned as they are.
std::string locate_in_file(const std::string& message,
                           const std::string& file,
                           const std::vector<std::int64_t>& line_of_row) {
    const std::string_view text = message;
    const std::size_t start = text.find(" in V at row ");
    std::size_t pos = start;
    std::size_t row = 0;
    std::size_t column = 0;
    if (start == std::string_view::npos || !read_literal(text, pos, " in V at row ") ||
        !read_index(text, pos, row) || !read_literal(text, pos, ", column ") ||
        !read_index(text, pos, column) || !read_literal(text, pos, " (0-based)") ||
        row >= line_of_row.size())
        return message;
    return file + ":" + std::to_string(line_of_row[row]) + ": column " +
           std::to_string(column + 1) + ": " + std::string(text.substr(0, start)) +
           std::string(text.substr(pos));
}

/// Rejects entries that are finite as doubles but overflow float (they would become infinite).
void check_fits_float(const nmfkit::io::CsvMatrix& data, const std::string& file) {
    const Eigen::MatrixXd& V = data.values;
    constexpr double largest = std::numeric_limits<float>::max();
    for (Eigen::Index i = 0; i < V.rows(); ++i)
        for (Eigen::Index j = 0; j < V.cols(); ++j)
            if (std::isfinite(V(i, j)) && std::abs(V(i, j)) > largest)
                throw nmfkit::InvalidInput(
                    file + ":" + std::to_string(data.line_of_row[static_cast<std::size_t>(i)]) +
                    ": column " + std::to_string(j + 1) + ": " + shortest(V(i, j)) +
                    " does not fit in float32 (use --dtype float64)");
}

/// Prints @p M right-aligned with four decimals (or in scientific notation for large entries).
void print_matrix(const std::string& title, const Eigen::MatrixXd& M) {
    const double largest = M.size() == 0 ? 0.0 : M.cwiseAbs().maxCoeff();
    const char* fmt = largest < 1e6 ? "%.4f" : "%.4e";
    std::vector<std::string> cells;
    std::size_t width = 0;
    for (Eigen::Index i = 0; i < M.rows(); ++i)
        for (Eigen::Index j = 0; j < M.cols(); ++j) {
            cells.push_back(format(fmt, M(i, j)));
            width = std::max(width, cells.back().size());
        }
    std::cout << title << " (" << M.rows() << " x " << M.cols() << "):\n";
    std::size_t next = 0;
    for (Eigen::Index i = 0; i < M.rows(); ++i) {
        for (Eigen::Index j = 0; j < M.cols(); ++j, ++next)
            std::cout << "  " << std::string(width - cells[next].size(), ' ') << cells[next];
        std::cout << '\n';
    }
}

/// An unsigned 64-bit seed; CLI11 would wrap "-1" and saturate values past 2^64 - 1.
std::uint64_t parse_seed(const std::string& text) {
    std::uint64_t seed = 0;
    const char* last = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), last, seed);
    if (text.empty() || ec != std::errc() || ptr != last)
        throw nmfkit::InvalidInput("--seed: \"" + text +
                                   "\" is not an integer from 0 to 18446744073709551615");
    return seed;
}

template <class T>
nmfkit::Result<T> fit_as(const nmfkit::io::CsvMatrix& data,
                         const std::string& file,
                         const nmfkit::Options& opt) {
    try {
        if constexpr (std::is_same_v<T, double>) {
            return nmfkit::fit(nmfkit::DenseView<double>(data.values), opt);
        } else {
            check_fits_float(data, file);
            const nmfkit::Matrix<T> V = data.values.cast<T>();
            return nmfkit::fit(nmfkit::DenseView<T>(V), opt);
        }
    } catch (const nmfkit::InvalidInput& e) {
        throw nmfkit::InvalidInput(locate_in_file(e.what(), file, data.line_of_row));
    }
}

/// The run as JSON: options, outcome, and the per-iteration history as parallel arrays.
template <class T>
std::string json_report(const FitArgs& args, const nmfkit::io::CsvMatrix& data,
                        const nmfkit::Options& opt, const nmfkit::Result<T>& r) {
    nlohmann::ordered_json history;
    for (const char* key : {"iteration", "objective", "relative_change", "seconds"})
        history[key] = nlohmann::json::array();
    for (const nmfkit::IterationStats& s : r.history) {
        history["iteration"].push_back(s.iteration);
        history["objective"].push_back(s.objective);
        history["relative_change"].push_back(s.relative_change);
        history["seconds"].push_back(s.seconds);
    }
    nlohmann::ordered_json j;
    j["nmfkit"] = std::string(nmfkit::version);
    j["input"] = args.input;
    j["rows"] = data.values.rows();
    j["cols"] = data.values.cols();
    j["rank"] = opt.rank;
    j["solver"] = std::string(to_string(r.solver));
    j["loss"] = std::string(to_string(r.loss));
    j["dtype"] = args.dtype;
    j["seed"] = opt.seed;
    j["max_iter"] = opt.max_iter;
    j["tol"] = opt.tol;
    j["threads"] = r.threads;
    j["status"] = std::string(to_string(r.status));
    j["iterations"] = r.iterations;
    j["initial_objective"] = r.initial_objective;
    j["objective"] = r.objective;
    j["relative_error"] = r.relative_error;
    j["seconds"] = r.seconds;
    j["history"] = std::move(history);
    return j.dump(2) + "\n";
}

template <class T>
void report(const FitArgs& args, const nmfkit::io::CsvMatrix& data, const nmfkit::Options& opt,
            const nmfkit::Result<T>& r) {
    const Eigen::MatrixXd W = r.W.template cast<double>();  // m x k
    const Eigen::MatrixXd H = r.H.template cast<double>();  // k x n
    if (!args.w_out.empty())
        nmfkit::io::write_csv(args.w_out, W);
    if (!args.h_out.empty())
        nmfkit::io::write_csv(args.h_out, H);
    if (!args.report_out.empty())
        nmfkit::io::write_text(args.report_out, json_report(args, data, opt, r));

    std::cout << "fit: " << data.values.rows() << " x " << data.values.cols()
              << ", k = " << args.rank << ", solver " << to_string(r.solver) << ", loss "
              << to_string(r.loss) << ", " << plural(r.iterations, "iteration") << ", "
              << to_string(r.status) << ", relative error " << format("%.6g", r.relative_error)
              << ", objective " << format("%.3e", r.objective) << ", " << format("%.3g", r.seconds)
              << " s, " << plural(r.threads, "thread") << "\n";
    if (args.print) {
        std::cout << '\n';
        print_matrix("V", data.values);
        print_matrix("W", W);
        print_matrix("H", H);
        print_matrix("WH", W * H);
        std::cout << "relative error ||V - WH||_F / ||V||_F = " << format("%.6g", r.relative_error)
                  << "\n";
    }
}

void run_fit(const FitArgs& args) {
    nmfkit::Options opt;
    opt.rank = args.rank;
    opt.loss = nmfkit::loss_from_string(args.loss);
    if (!args.solver.empty())
        opt.solver = nmfkit::solver_from_string(args.solver);
    opt.max_iter = args.max_iter;
    opt.tol = args.tol;
    opt.seed = parse_seed(args.seed);
    opt.threads = args.threads;
    opt.time_limit = args.time_limit;

    // Fail before the (possibly long) fit when an output cannot be written.
    if (!args.w_out.empty() && args.w_out == args.h_out)
        throw nmfkit::InvalidInput("-W and -H name the same file \"" + args.w_out + "\"");
    if (!args.report_out.empty() &&
        (args.report_out == args.w_out || args.report_out == args.h_out))
        throw nmfkit::InvalidInput("--report names the same file as -W or -H \"" +
                                   args.report_out + "\"");
    for (const std::string* out : {&args.w_out, &args.h_out, &args.report_out})
        if (!out->empty())
            nmfkit::io::check_writable(*out);

    const nmfkit::io::CsvMatrix data = nmfkit::io::read_csv(args.input);
    if (args.dtype == "float32")
        report(args, data, opt, fit_as<float>(data, args.input, opt));
    else
        report(args, data, opt, fit_as<double>(data, args.input, opt));
}

int run(int argc, char** argv) {
    CLI::App app{"nmfkit: non-negative matrix factorization V ~ W H with W, H >= 0", "nmfkit"};
    app.set_version_flag("--version", "nmfkit " + std::string(nmfkit::version));
    app.require_subcommand(1);
    app.failure_message([](const CLI::App*, const CLI::Error& e) {
        return "nmfkit: error: " + std::string(e.what()) +
               "\nRun with --help for more information.\n";
    });

    FitArgs args;
    CLI::App* fit = app.add_subcommand("fit", "Factorize the matrix in a CSV/TSV file");
    fit->add_option("INPUT", args.input,
                    "CSV file, one matrix row per line (tab-separated for .tsv/.tab, # comments)")
        ->required();
    fit->add_option("-k,--rank", args.rank, "number of components k (>= 1)")->required();
    fit->add_option("--loss", args.loss, "objective: " + loss_names() + " (aliases fro, kl)")
        ->capture_default_str();
    fit->add_option("--solver", args.solver,
                    "update rule: " + solver_names() + " (default: the one marked * below)");
    fit->add_option("--max-iter", args.max_iter, "maximum number of iterations")
        ->capture_default_str();
    fit->add_option("--tol", args.tol, "stop when the relative decrease of the objective <= tol")
        ->capture_default_str();
    fit->add_option("--seed", args.seed, "seed of the random initialization (0 to 2^64 - 1)")
        ->type_name("UINT")
        ->capture_default_str();
    fit->add_option("--threads", args.threads, "threads to use (0 = all cores)")
        ->capture_default_str();
    fit->add_option("--time-limit", args.time_limit, "wall-time limit in seconds (0 = none)")
        ->capture_default_str();
    fit->add_option("--dtype", args.dtype, "floating-point type of the computation")
        ->check(CLI::IsMember({"float64", "float32"}))
        ->capture_default_str();
    fit->add_option("-W", args.w_out, "write W (m x k) to this CSV/TSV file");
    fit->add_option("-H", args.h_out, "write H (k x n) to this CSV/TSV file");
    fit->add_option("--report", args.report_out,
                    "write the run (options, status, error, per-iteration history) as JSON");
    fit->add_flag("--print", args.print, "also print V, W, H, WH and the relative error");
    fit->footer(support_table());

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : exit_error;
    }
    if (fit->parsed())
        run_fit(args);
    std::cout.flush();
    if (!std::cout)
        throw nmfkit::InvalidInput("cannot write to standard output");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::bad_alloc&) {
        std::cerr << "nmfkit: error: out of memory\n";
    } catch (const std::exception& e) {
        std::cerr << "nmfkit: error: " << e.what() << "\n";
    } catch (...) {
        std::cerr << "nmfkit: error: unknown exception\n";
    }
    return exit_error;
}
