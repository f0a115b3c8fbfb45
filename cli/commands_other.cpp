// `nmfkit transform` (projection onto fixed components), `nmfkit top` (the highest-weighted labels
// of each component) and `nmfkit info` (the build).

#include <algorithm>
#include <iostream>
#include <memory>
#include <numeric>

#include <nmfkit/io/hdf5.hpp>

#include "common.hpp"
#include "option_flags.hpp"
#include "outputs.hpp"

namespace nmfkit::cli {
namespace {

// --- transform ---

/// transform's own defaults: a projection converges tightly, and Frobenius is exact in one step.
Options transform_defaults() {
    Options o;
    o.rank = 1;  // taken from the fixed factor
    o.max_iter = 1000;
    o.tol = 1e-10;
    return o;
}

struct TransformArgs {
    std::string input;
    std::string components;  // H (k x n): solve W
    std::string basis;       // W (m x k): solve H
    std::string output;
    /// The Options fields transform takes (flags from nmfkit/option_fields.hpp).
    std::shared_ptr<OptionFlags> options = std::make_shared<OptionFlags>(transform_defaults());
    ReadArgs read;
    WriteArgs write;
};

std::string shape(Eigen::Index m, Eigen::Index n) {
    return std::to_string(m) + " x " + std::to_string(n);
}

template <class T>
int transform_and_write(const TransformArgs& args, const Input& in, const Options& opt) {
    // Components mode: V (m x n) ≈ W H with H (k x n) fixed; the result is W (m x k).
    // Basis mode: V ≈ W H with W (m x k) fixed, solved as Vᵀ ≈ Hᵀ Wᵀ; the result is H (k x n).
    const bool basis = !args.basis.empty();
    const std::string& factor_path = basis ? args.basis : args.components;
    io::LoadedMatrix factor = read_factor(factor_path);
    const Eigen::MatrixXd F = dense_of(factor);
    if (!basis && F.cols() != in.cols())
        throw InvalidInput("--components " + factor_path + " is " + shape(F.rows(), F.cols()) +
                           " but " + in.path + " is " + shape(in.rows(), in.cols()) +
                           "; H (k x n) needs one column per column of V");
    if (basis && F.rows() != in.rows())
        throw InvalidInput("--basis " + factor_path + " is " + shape(F.rows(), F.cols()) + " but " +
                           in.path + " is " + shape(in.rows(), in.cols()) +
                           "; W (m x k) needs one row per row of V");
    const Matrix<T> fixed = basis ? Matrix<T>(F.transpose().cast<T>()) : Matrix<T>(F.cast<T>());
    const Result<T> r = located(in, basis, [&] {
        return with_view<T>(in, basis, [&](const auto& V) { return transform(V, fixed, opt); });
    });
    const Eigen::MatrixXd solved = r.W.template cast<double>();  // m x k, or n x k in basis mode
    const Eigen::Index k = solved.cols();

    // Component names: from the fixed factor's labels, else c1..ck when V has labels.
    std::vector<std::string> components = basis ? factor.col_labels : factor.row_labels;
    if (components.empty() && (!in.row_labels.empty() || !in.col_labels.empty()))
        components = component_names(k);
    OutputSet out;
    out.stage("-o", [&] {
        return basis ? stage_factor(args.output, solved.transpose(), components, in.col_labels,
                                    args.write)
                     : stage_factor(args.output, solved, in.row_labels, components, args.write);
    });
    out.commit();

    std::cout << "transform: " << shape(in.rows(), in.cols()) << ", k = " << k << ", "
              << (basis ? "fixed W, solved H" : "fixed H, solved W") << ", solver "
              << to_string(r.solver) << ", loss " << to_string(r.loss) << ", "
              << plural(r.iterations, "iteration") << ", " << to_string(r.status)
              << ", relative error " << format("%.6g", r.relative_error) << ", "
              << format("%.3g", r.seconds) << " s\n";
    return exit_ok;
}

int run_transform(const TransformArgs& args) {
    const Options opt = args.options->apply();
    check_options(opt);
    Files files;
    files.reads("INPUT", args.input);
    files.reads("--components", args.components);
    files.reads("--basis", args.basis);
    files.reads("--row-labels", args.read.row_labels_file);
    files.reads("--col-labels", args.read.col_labels_file);
    files.writes_matrix("-o", args.output, args.write.sidecar_labels);
    files.check();
    ReadArgs read = args.read;
    read.csr_as_stored = !opt.low_memory;
    const Input in = read_input(args.input, read);
    return in.float32 ? transform_and_write<float>(args, in, opt)
                      : transform_and_write<double>(args, in, opt);
}

// --- top ---

struct TopArgs {
    std::string input;
    int n = 10;
    bool tsv = false;
    ReadArgs read;
};

int run_top(const TopArgs& args) {
    const Input in = read_input(args.input, args.read);
    const Eigen::MatrixXd F = in.dense_copy();  // items x components
    std::vector<std::string> labels = in.row_labels;
    if (labels.empty())
        for (Eigen::Index i = 1; i <= F.rows(); ++i) labels.push_back("row " + std::to_string(i));
    std::vector<std::string> components = in.col_labels;
    if (components.empty()) components = component_names(F.cols());

    // cells[c][r]: the r-th highest-weighted label of component c, with its weight (> 0 only).
    std::vector<std::vector<std::pair<std::string, std::string>>> cells;
    for (Eigen::Index c = 0; c < F.cols(); ++c) {
        std::vector<Eigen::Index> order(static_cast<std::size_t>(F.rows()));
        std::iota(order.begin(), order.end(), Eigen::Index{0});
        const auto keep = std::min<std::size_t>(static_cast<std::size_t>(args.n), order.size());
        std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep),
                          order.end(), [&](Eigen::Index a, Eigen::Index b) {
                              return F(a, c) > F(b, c) || (F(a, c) == F(b, c) && a < b);
                          });
        auto& row = cells.emplace_back();
        for (std::size_t r = 0; r < keep && F(order[r], c) > 0; ++r)
            row.emplace_back(labels[static_cast<std::size_t>(order[r])],
                             format("%.4g", F(order[r], c)));
    }

    if (args.tsv) {
        std::cout << "component\trank\tlabel\tweight\n";
        for (std::size_t c = 0; c < cells.size(); ++c)
            for (std::size_t r = 0; r < cells[c].size(); ++r)
                std::cout << components[c] << '\t' << r + 1 << '\t' << cells[c][r].first << '\t'
                          << cells[c][r].second << '\n';
        return exit_ok;
    }
    // One line per component; the r-th entries of all lines are aligned in a column.
    std::size_t name_width = std::string("component").size();
    for (const auto& name : components) name_width = std::max(name_width, name.size());
    std::vector<std::size_t> width;
    for (const auto& row : cells)
        for (std::size_t r = 0; r < row.size(); ++r) {
            const std::size_t w = row[r].first.size() + row[r].second.size() + 3;
            if (width.size() <= r) width.push_back(0);
            width[r] = std::max(width[r], w);
        }
    std::cout << "component" << std::string(name_width - 9 + 2, ' ') << "top " << args.n
              << " (weight)\n";
    for (std::size_t c = 0; c < cells.size(); ++c) {
        std::string text = components[c] + std::string(name_width - components[c].size() + 2, ' ');
        for (std::size_t r = 0; r < cells[c].size(); ++r) {
            const std::string cell = cells[c][r].first + " (" + cells[c][r].second + ")";
            text += cell;
            if (r + 1 < cells[c].size()) text += std::string(width[r] - cell.size() + 2, ' ');
        }
        std::cout << text << '\n';
    }
    return exit_ok;
}

// --- info ---

int run_info() {
    const BuildInfo b = build_info();
    std::string blas = b.blas;  // "OpenBLAS " + a configuration that may repeat the name
    const std::string twice = "OpenBLAS OpenBLAS ";
    if (blas.rfind(twice, 0) == 0) blas.erase(0, twice.size() / 2);
    std::vector<std::string> read_formats;
    for (io::Format f : {io::Format::csv, io::Format::tsv, io::Format::matrix_market,
                         io::Format::npy, io::Format::npz})
        read_formats.emplace_back(io::to_string(f));
    if (io::has_hdf5()) read_formats.emplace_back("hdf5");  // AnnData .h5ad, 10x .h5
    std::cout << "nmfkit " << b.version << "\n"
              << "build type:   " << b.build_type << (b.sanitizers ? " (sanitizers)" : "") << "\n"
              << "compiler:     " << b.compiler << "\n"
              << "BLAS:         " << blas << "\n"
              << "BLAS kernels: " << b.blas_core
              << (b.blas_follows_openmp ? " (OpenMP build: follows --threads)" : "") << "\n"
              << "kernels:      " << b.isa << " (CPU's best: " << b.isa_best
              << "; built: " << join(b.isa_built, ", ")
              << "; NMFKIT_ISA=baseline|avx2|avx512 caps it)\n"
              << "threads:      " << b.max_threads << " (OpenMP; --threads 0 uses all)\n"
              << "OpenMP wait:  " << omp_wait_policy_description() << "\n"
              << "dtypes:       " << join(b.scalars, ", ") << "\n"
              << "storage:      " << join(b.storage, "; ") << "\n"
              << "read:         " << join(read_formats, ", ") << " (and gzip-compressed files)\n"
              << "write:        csv, tsv, matrix_market, npy\n"
              << "CUDA:         "
              << (b.cuda ? "built, runtime " + b.cuda_runtime +
                               " (EXPERIMENTAL: fit --device cuda, not yet validated on a GPU)"
                         : std::string("not built (NMFKIT_WITH_CUDA=OFF)"))
              << "\n"
              << "devices:      cpu"
              << (b.devices.empty() ? "; no CUDA device: " + b.devices_note
                                    : "; " + join(b.devices, "; "))
              << "\n\n"
              << support_table();
    return exit_ok;
}

}  // namespace

Command add_transform_command(CLI::App& app) {
    auto args = std::make_shared<TransformArgs>();
    TransformArgs& a = *args;
    CLI::App* cmd = app.add_subcommand(
        "transform", "Project a matrix onto fixed components: solve W for a fitted H (or H for W)");
    cmd->add_option("INPUT", a.input, "matrix file V (m x n), as for fit")->required();
    auto* components =
        cmd->add_option("--components", a.components, "fixed H (k x n) from fit -H: solve W");
    auto* basis = cmd->add_option("--basis", a.basis, "fixed W (m x k) from fit -W: solve H");
    components->excludes(basis);
    basis->excludes(components);
    cmd->add_option("-o,--output", a.output, "write the solved W (m x k) or H (k x n)")->required();
    a.options->add(
        *cmd, {{"loss", "objective: " + loss_names() + " (aliases fro, kl, is)"},
               {"beta", "beta of --loss beta"},
               {"max_iter", "maximum number of iterations (frobenius is solved exactly in one)"},
               {"tol", "stop when the relative decrease of the objective <= tol"},
               {"threads"},
               {"seed", "seed of the random start of the solved factor"}});
    add_read_options(*cmd, a.read);
    add_write_options(*cmd, a.write);
    name_file_options(*cmd, {"INPUT", "--components", "--basis", "--output"});
    cmd->footer(R"(Exactly one of --components and --basis.

Examples:
  nmfkit fit train.mtx -k 10 -H H.npy
  nmfkit transform test.mtx --components H.npy -o W_test.csv
  nmfkit transform new_cells.mtx --basis W.npy -o H_new.npy

Exit status: 0 success, 2 usage error, 65 bad data (shapes that do not match), 74 I/O error.)");
    auto run = [args, components, basis] {
        if (components->count() + basis->count() != 1)
            throw UsageError("transform needs one of --components H_FILE and --basis W_FILE");
        return run_transform(*args);
    };
    return {cmd, run};
}

Command add_top_command(CLI::App& app) {
    auto args = std::make_shared<TopArgs>();
    TopArgs& a = *args;
    CLI::App* cmd = app.add_subcommand(
        "top", "Print the highest-weighted labels of each component of a factor (W, or H)");
    cmd->add_option("FACTOR", a.input,
                    "a factor with one column per component: W (m x k) from fit -W; for H (k x n) "
                    "add --transpose")
        ->required();
    cmd->add_option("-n,--top", a.n, "labels per component")
        ->check(at_least(1))
        ->capture_default_str();
    cmd->add_flag("--tsv", a.tsv, "print component, rank, label, weight as tab-separated lines");
    add_read_options(*cmd, a.read, ReadFeatures::no_dtype);
    name_file_options(*cmd, {"FACTOR"});
    cmd->footer(
        R"(Labels come from the factor's CSV row names (and component names from its header), or from
--row-labels FILE; without labels, rows are named "row 1", "row 2", ...

Examples:
  nmfkit fit docs.mtx --row-labels docs.txt --col-labels words.txt -k 3 -W W.csv -H H.csv
  nmfkit top H.csv --transpose -n 5       # the words of each topic
  nmfkit top W.csv -n 3                   # the documents of each topic
  nmfkit top W.npy --row-labels genes.txt --tsv)");
    return {cmd, [args] { return run_top(*args); }};
}

Command add_info_command(CLI::App& app) {
    CLI::App* cmd = app.add_subcommand(
        "info", "Print the version, build, BLAS, threads, formats, solvers and losses");
    cmd->footer("Examples:\n  nmfkit info\n  nmfkit info | grep BLAS");
    return {cmd, [] { return run_info(); }};
}

}  // namespace nmfkit::cli
