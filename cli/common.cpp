// What the nmfkit commands share (common.hpp).

#include "common.hpp"
#include "outputs.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <string_view>

#include <nmfkit/io/csv.hpp>

namespace nmfkit::cli {

std::string join(const std::vector<std::string>& items, const std::string& separator) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) out += (i == 0 ? "" : separator) + items[i];
    return out;
}

std::string format(const char* fmt, double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, fmt, value);
    return buffer;
}

std::string shortest(double value) {
    char buffer[64];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, ec == std::errc() ? end : buffer);
}

std::string plural(long long n, const std::string& word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string solver_names() {
    std::vector<std::string> names;
    for (Solver s : all_solvers()) names.emplace_back(to_string(s));
    return join(names, ", ");
}

std::string loss_names() {
    std::vector<std::string> names;
    for (Loss l : all_losses()) names.emplace_back(to_string(l));
    return join(names, ", ");
}

std::string support_table() {
    std::string out = "Solvers and the losses they minimise (* = default for that loss):\n";
    std::size_t width = 0;
    for (Solver s : all_solvers()) width = std::max(width, to_string(s).size());
    for (Solver s : all_solvers()) {
        std::vector<std::string> losses;
        for (Loss l : all_losses())
            if (supports(s, l))
                losses.push_back(std::string(to_string(l)) + (default_solver(l) == s ? "*" : ""));
        const std::string name(to_string(s));
        out += "  " + name + std::string(width - name.size() + 2, ' ') + join(losses, ", ") + "\n";
    }
    return out;
}

CLI::Validator at_least(double least) {
    const std::string bound = shortest(least);
    return CLI::Validator(
        [least, bound](std::string& text) -> std::string {
            double value = 0;
            const char* last = text.data() + text.size();
            const auto [ptr, ec] = std::from_chars(text.data(), last, value);
            if (ec != std::errc() || ptr != last) return "\"" + text + "\" is not a number";
            if (!(value >= least)) return text + " is less than " + bound;
            return {};
        },
        ">= " + bound);
}

void name_file_options(CLI::App& cmd, const std::vector<std::string>& names) {
    for (const std::string& name : names) cmd.get_option(name)->type_name("FILE");
}

std::uint64_t parse_seed(const std::string& text) {
    std::uint64_t seed = 0;
    const char* last = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), last, seed);
    if (text.empty() || ec != std::errc() || ptr != last)
        throw UsageError("--seed: \"" + text +
                         "\" is not an integer from 0 to 18446744073709551615");
    return seed;
}

std::uint64_t parse_bytes(const std::string& option, const std::string& text) {
    std::uint64_t value = 0;
    const char* first = text.data();
    const char* last = first + text.size();
    const auto [ptr, ec] = std::from_chars(first, last, value);
    std::string suffix(ptr, last);
    for (char& c : suffix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    int shift = -1;
    if (suffix.empty() || suffix == "B") shift = 0;
    for (const auto& [letter, bits] : {std::pair{'K', 10}, {'M', 20}, {'G', 30}, {'T', 40}})
        if (suffix == std::string(1, letter) || suffix == std::string(1, letter) + "B" ||
            suffix == std::string(1, letter) + "IB")
            shift = bits;
    if (ptr == first || ec != std::errc() || shift < 0 ||
        (shift > 0 && value > (std::numeric_limits<std::uint64_t>::max() >> shift)))
        throw UsageError(
            option + ": \"" + text +
            "\" is not a byte count (an integer, optionally followed by K, M, G or T)");
    return value << shift;
}

void check_options(const Options& opt) {
    usage_checked([&] {
        validate(opt);
        return 0;
    });
}

// --- reading ---

void add_read_options(CLI::App& cmd, ReadArgs& args, ReadFeatures features) {
    const std::string group = "Input";
    cmd.add_option("--format", args.format,
                   "input format: csv, tsv, matrix_market (mtx), npy, npz, hdf5 (default: by "
                   "extension)")
        ->type_name("NAME")
        ->group(group);
    cmd.add_option("--delimiter", args.delimiter,
                   "CSV field separator, one character or \"tab\" (default: tab for .tsv, else ,)")
        ->type_name("CHAR")
        ->group(group);
    auto* header = cmd.add_flag_callback(
        "--header", [&args] { args.header = true; }, "CSV: the first line holds column labels");
    auto* no_header = cmd.add_flag_callback(
        "--no-header", [&args] { args.header = false; },
        "CSV: the first line is data (default: auto-detect)");
    header->excludes(no_header)->group(group);
    no_header->group(group);
    auto* names = cmd.add_flag_callback(
        "--row-names", [&args] { args.row_names = true; },
        "CSV: the first field of each line is a row label");
    auto* no_names = cmd.add_flag_callback(
        "--no-row-names", [&args] { args.row_names = false; },
        "CSV: the first field is data (default: auto-detect)");
    names->excludes(no_names)->group(group);
    no_names->group(group);
    cmd.add_option("--row-labels", args.row_labels_file,
                   "row labels, one a line (e.g. features.tsv, words.txt)")
        ->group(group);
    cmd.add_option("--col-labels", args.col_labels_file,
                   "column labels, one a line (e.g. barcodes.tsv)")
        ->group(group);
    cmd.add_option("--labels-field", args.labels_field,
                   "field of tab-separated label lines (10x features.tsv: 1 = id, 2 = name)")
        ->check(at_least(1))
        ->capture_default_str()
        ->group(group);
    cmd.add_option("--layer", args.layer, "AnnData .h5ad: read the matrix layers/NAME instead of X")
        ->type_name("NAME")
        ->group(group);
    cmd.add_flag("--transpose", args.transpose,
                 "use the transpose of the file's matrix (a view, no transposed copy)")
        ->group(group);
    cmd.add_option("--max-memory", args.max_memory,
                   "largest matrix to read, in bytes, with K/M/G/T suffixes (default: 3/4 of "
                   "available memory)")
        ->type_name("BYTES")
        ->group(group);
    if (features == ReadFeatures::all)
        cmd.add_option("--dtype", args.dtype,
                       "precision of the computation (default: float64, or the file's own for "
                       ".npy/.npz/HDF5 float32)")
            ->check(CLI::IsMember({"float64", "float32"}))
            ->group(group);
    name_file_options(cmd, {"--row-labels", "--col-labels"});
}

std::int64_t Input::nnz() const {
    if (file.is_sparse) return file.stored();
    if (float32) return (dense32.array() != 0.0f).count();
    return (file.dense.array() != 0.0).count();
}

Eigen::MatrixXd Input::dense_copy() const {
    Eigen::MatrixXd D = file.float32     ? Eigen::MatrixXd(file.sparse32.cast<double>())
                        : file.is_sparse ? Eigen::MatrixXd(file.sparse)
                        : float32        ? Eigen::MatrixXd(dense32.cast<double>())
                                         : file.dense;
    if (transpose != file.transposed) D.transposeInPlace();
    return D;
}

std::string Input::position(Eigen::Index i, Eigen::Index j) const {
    const Eigen::Index r = transpose ? j : i;  // in the file
    const Eigen::Index c = transpose ? i : j;
    if (!file.line_of_row.empty() && r < static_cast<Eigen::Index>(file.line_of_row.size()))
        return path + ":" + std::to_string(file.line_of_row[static_cast<std::size_t>(r)]) +
               ": column " + std::to_string(c + 1);
    return path + ": row " + std::to_string(r + 1) + ", column " + std::to_string(c + 1);
}

namespace {

/// Reads the unsigned integer at @p pos of @p text and moves @p pos past it; false if none.
bool read_index(std::string_view text, std::size_t& pos, std::size_t& value) {
    const char* first = text.data() + pos;
    const auto [ptr, ec] = std::from_chars(first, text.data() + text.size(), value);
    if (ec != std::errc() || ptr == first) return false;
    pos += static_cast<std::size_t>(ptr - first);
    return true;
}

/// True when @p text continues with @p expected at @p pos; moves @p pos past it.
bool read_literal(std::string_view text, std::size_t& pos, std::string_view expected) {
    if (text.substr(pos, expected.size()) != expected) return false;
    pos += expected.size();
    return true;
}

/// Labels from a file given by option @p option; checks their number.
std::vector<std::string> labels_from(const std::string& option, const std::string& file, int field,
                                     Eigen::Index expected, const std::string& what) {
    std::vector<std::string> labels = io::read_labels(file, field);
    if (static_cast<Eigen::Index>(labels.size()) != expected)
        throw InvalidInput(option + " " + file + ": " +
                           plural(static_cast<long long>(labels.size()), "label") + " for " +
                           plural(expected, what));
    return labels;
}

/// Rejects entries that are finite as doubles but overflow float (they would become infinite).
void check_fits_float(const Input& in) {
    constexpr double largest = std::numeric_limits<float>::max();
    auto check = [&](double v, Eigen::Index r, Eigen::Index c) {
        if (std::isfinite(v) && std::abs(v) > largest) {
            const Eigen::Index i = in.transpose ? c : r;
            const Eigen::Index j = in.transpose ? r : c;
            throw InvalidInput(in.position(i, j) + ": " + shortest(v) +
                               " does not fit in float32 (use --dtype float64)");
        }
    };
    if (in.file.float32) return;  // float32 as stored
    if (in.file.is_sparse) {
        const auto& S = in.file.sparse;  // the file's matrix, or its transpose (file.transposed)
        for (Eigen::Index c = 0; c < S.outerSize(); ++c)
            for (Eigen::SparseMatrix<double, Eigen::ColMajor, int>::InnerIterator it(S, c); it;
                 ++it) {
                if (in.file.transposed)
                    check(it.value(), c, it.row());
                else
                    check(it.value(), it.row(), c);
            }
        return;
    }
    // Reading order (row by row), so the first offending entry of the file is named.
    const Eigen::MatrixXd& D = in.file.dense;
    for (Eigen::Index r = 0; r < D.rows(); ++r)
        for (Eigen::Index c = 0; c < D.cols(); ++c) check(D(r, c), r, c);
}

}  // namespace

bool relocate(const std::string& message, const Input& in, bool flip, std::string& out) {
    const std::string_view text = message;
    const std::size_t start = text.find(" in V at row ");
    std::size_t pos = start;
    std::size_t row = 0;
    std::size_t column = 0;
    if (start == std::string_view::npos || !read_literal(text, pos, " in V at row ") ||
        !read_index(text, pos, row) || !read_literal(text, pos, ", column ") ||
        !read_index(text, pos, column) || !read_literal(text, pos, " (0-based)"))
        return false;
    auto i = static_cast<Eigen::Index>(row);
    auto j = static_cast<Eigen::Index>(column);
    if (flip) std::swap(i, j);
    if (i >= in.rows() || j >= in.cols()) return false;
    out = in.position(i, j) + ": " + std::string(text.substr(0, start)) +
          std::string(text.substr(pos));
    return true;
}

Input read_input(const std::string& path, const ReadArgs& args) {
    io::ReadOptions ro;
    if (!args.format.empty()) {
        ro.format = io::parse_format(args.format);
        if (!ro.format)
            throw UsageError("--format: unknown format \"" + args.format +
                             "\"; expected one of: csv, tsv, matrix_market (mtx), npy, npz, "
                             "hdf5");
    }
    if (args.delimiter == "tab" || args.delimiter == "\\t")
        ro.delimiter = '\t';
    else if (args.delimiter.size() == 1)
        ro.delimiter = args.delimiter[0];
    else if (!args.delimiter.empty())
        throw UsageError("--delimiter: \"" + args.delimiter +
                         "\" is not one character (or \"tab\")");
    ro.header = args.header;
    ro.row_names = args.row_names;
    if (!args.max_memory.empty()) ro.max_memory = parse_bytes("--max-memory", args.max_memory);
    ro.layer = args.layer;
    // An HDF5 csr_matrix comes as its stored arrays (the CSC of its transpose), which with_view
    // presents as CSR: no transposing pass; the fit builds the other orientation itself.
    ro.csr_transposed = args.csr_as_stored;
    // float32 HDF5 values stay float32 when the computation is float32 (the default for them).
    ro.float32_values = args.dtype != "float64";

    Input in;
    in.path = path;
    in.format = ro.format ? *ro.format : io::format_for(path).value_or(io::Format::csv);
    in.file = io::read_matrix(path, ro);
    in.file_rows = in.file.rows();
    in.file_cols = in.file.cols();
    if (in.file_rows == 0 || in.file_cols == 0)
        throw InvalidInput(path + ": the matrix is empty (" + std::to_string(in.file_rows) + " x " +
                           std::to_string(in.file_cols) +
                           "); it needs at least one row and one column");
    in.transpose = args.transpose;

    std::vector<std::string> file_rows = std::move(in.file.row_labels);
    std::vector<std::string> file_cols = std::move(in.file.col_labels);
    if (!args.row_labels_file.empty())
        file_rows = labels_from("--row-labels", args.row_labels_file, args.labels_field,
                                in.file_rows, "row");
    if (!args.col_labels_file.empty())
        file_cols = labels_from("--col-labels", args.col_labels_file, args.labels_field,
                                in.file_cols, "column");
    if (args.transpose) std::swap(file_rows, file_cols);
    in.row_labels = std::move(file_rows);
    in.col_labels = std::move(file_cols);

    // Precision: as asked, else the file's own for float32 NumPy or HDF5 data, else float64.
    if (!args.dtype.empty())
        in.float32 = args.dtype == "float32";
    else
        in.float32 = (in.format == io::Format::npy || in.format == io::Format::npz ||
                      in.format == io::Format::hdf5) &&
                     in.file.source_dtype == "float32";
    if (in.float32) {
        check_fits_float(in);
        if (in.file.float32) {
            // The file's float32 values as read: nothing to cast.
        } else if (in.file.is_sparse) {
            const auto& S = in.file.sparse;
            in.values32.resize(static_cast<std::size_t>(S.nonZeros()));
            for (std::size_t e = 0; e < in.values32.size(); ++e)
                in.values32[e] = static_cast<float>(S.valuePtr()[e]);
        } else {
            in.dense32 = in.file.dense.cast<float>();
            in.file.dense = Eigen::MatrixXd();  // one copy of V in memory
        }
    }
    return in;
}

namespace {

std::string gib(double bytes) { return format("%.3g GiB", bytes / (1024.0 * 1024.0 * 1024.0)); }

}  // namespace

void check_rank_memory(const Input& in, int k) {
    const double m = static_cast<double>(in.rows()), n = static_cast<double>(in.cols());
    const double K = k, scalar = in.float32 ? 4.0 : 8.0;
    // W and H with a copy each (the best restart, the previous iterate), the tall products V Hᵀ
    // (m x k) and Vᵀ W (n x k), and a few k x k Grams: a lower bound on what a fit allocates.
    const double bytes = scalar * (3 * K * (m + n) + 4 * K * K);
    // --max-memory bounds what is read (a matrix may be read small and fitted at a large k);
    // the factors are checked against what the machine has.
    const double limit = static_cast<double>(io::default_max_memory());
    if (bytes > limit)
        throw UsageError(
            "-k " + std::to_string(k) + ": the factors of a " + std::to_string(in.rows()) + " x " +
            std::to_string(in.cols()) + " matrix at this rank need at least " + gib(bytes) +
            ", more than 3/4 of the available memory (" + gib(limit) + ")" +
            (K > std::min(m, n)
                 ? "; k <= min(m, n) = " + std::to_string(std::min(in.rows(), in.cols())) +
                       " is the usual range"
                 : std::string()));
}

void check_label_lines(const Input& in) {
    for (const auto* labels : {&in.row_labels, &in.col_labels})
        for (std::size_t k = 0; k < labels->size(); ++k)
            if ((*labels)[k].find_first_of("\n\r") != std::string::npos)
                throw InvalidInput(in.path + ": " + (labels == &in.row_labels ? "row" : "column") +
                                   " label " + std::to_string(k + 1) +
                                   " holds a line break; --write-labels writes one label a line");
}

io::LoadedMatrix read_factor(const std::string& path) { return io::read_matrix(path); }

Eigen::MatrixXd dense_of(const io::LoadedMatrix& m) {
    if (m.is_sparse) return Eigen::MatrixXd(m.sparse);
    return m.dense;
}

// --- writing ---

std::vector<std::string> component_names(Eigen::Index k) {
    std::vector<std::string> names;
    for (Eigen::Index c = 1; c <= k; ++c) names.push_back("c" + std::to_string(c));
    return names;
}

void add_write_options(CLI::App& cmd, WriteArgs& args) {
    cmd.add_flag("--write-labels", args.sidecar_labels,
                 "also write the labels of .npy/.mtx outputs to STEM.rows.txt and "
                 "STEM.cols.txt (CSV/TSV outputs hold them)")
        ->group("Output");
}

std::vector<io::StagedFile> stage_factor(const std::string& path, const Eigen::MatrixXd& M,
                                         const std::vector<std::string>& row_labels,
                                         const std::vector<std::string>& col_labels,
                                         const WriteArgs& args) {
    const std::optional<io::Format> f = io::format_for(path);
    const bool text = f == io::Format::csv || f == io::Format::tsv;
    io::WriteOptions wo;
    if (text) {
        wo.row_labels = row_labels;
        wo.col_labels = col_labels;
    }
    std::vector<io::StagedFile> files;
    files.push_back(io::stage_matrix(path, M, wo));
    if (text || !args.sidecar_labels) return files;
    if (!row_labels.empty())
        files.push_back(io::stage_labels(sidecar_name(path, "rows"), row_labels));
    if (!col_labels.empty())
        files.push_back(io::stage_labels(sidecar_name(path, "cols"), col_labels));
    return files;
}

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

}  // namespace nmfkit::cli
