#pragma once
// What the nmfkit commands share: exit statuses, the usage error, text helpers, the options that
// read a matrix (format, labels, --transpose, --dtype, --max-memory), the input as read and its
// views, and writing a factor with its labels. Reference: docs/cli.md.

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include <nmfkit/io/formats.hpp>
#include <nmfkit/io/output.hpp>
#include <nmfkit/nmfkit.hpp>

#include <CLI/CLI.hpp>

#include "omp_env.hpp"

namespace nmfkit::cli {

/// Exit statuses of the tool (65 and 74 are sysexits.h's EX_DATAERR and EX_IOERR).
enum ExitStatus : int {
    exit_ok = 0,             ///< success
    exit_failure = 1,        ///< anything else (out of memory, an unexpected exception)
    exit_usage = 2,          ///< bad command line: parse error or a bad option value
    exit_data = 65,          ///< bad data: nmfkit::InvalidInput from a reader or the library
    exit_io = 74,            ///< input/output failure: nmfkit::io::IoError
    exit_interrupted = 130,  ///< Ctrl-C: the result so far was written (128 + SIGINT)
};

/// A bad option value or a bad combination of options (exit 2).
class UsageError : public std::runtime_error {
public:
    explicit UsageError(const std::string& what) : std::runtime_error(what) {}
};

/// A subcommand and what to run when the command line selected it; run returns the exit status.
struct Command {
    CLI::App* app = nullptr;
    std::function<int()> run;
};

Command add_fit_command(CLI::App& app);
Command add_transform_command(CLI::App& app);
Command add_top_command(CLI::App& app);
Command add_info_command(CLI::App& app);

// --- text ---

std::string join(const std::vector<std::string>& items, const std::string& separator);
/// snprintf of one double.
std::string format(const char* fmt, double value);
/// The shortest text that reads back as @p value.
std::string shortest(double value);
/// "1 iteration", "2 iterations".
std::string plural(long long n, const std::string& word);
/// "mu, als, hals" and "frobenius, kullback_leibler", from the library's tables.
std::string solver_names();
std::string loss_names();
/// The solver x loss table (from nmfkit::supports), "*" marking the default solver of a loss.
std::string support_table();

/// A CLI11 check that a number is at least @p least, with a short message ("0 is less than 1");
/// CLI11's own PositiveNumber prints the 309 digits of DBL_MAX as the bound.
CLI::Validator at_least(double least);

/// Shows the value of each option in @p names as FILE in --help (CLI11 says TEXT).
void name_file_options(CLI::App& cmd, const std::vector<std::string>& names);

// --- option values ---

/// An unsigned 64-bit seed (0 to 2^64 - 1). @throws UsageError
std::uint64_t parse_seed(const std::string& text);
/// A byte count with an optional binary suffix: 1000, 64K, 512M, 2G, 1T (also KB, KiB, ...).
/// @throws UsageError
std::uint64_t parse_bytes(const std::string& option, const std::string& text);
/// Converts the library's InvalidInput for an option value (a name, a range) into a UsageError.
template <class F>
auto usage_checked(F&& f) {
    try {
        return f();
    } catch (const InvalidInput& e) {
        throw UsageError(e.what());
    }
}
/// Validates @p opt with the library's own rules (nmfkit::validate), so that bad options are usage
/// errors (exit 2) found before reading any data. @throws UsageError
void check_options(const Options& opt);

// --- reading ---

/// The options of every command that reads a matrix.
struct ReadArgs {
    std::string format;             ///< --format; empty = by extension
    std::string delimiter;          ///< --delimiter; empty = by extension
    std::optional<bool> header;     ///< --header / --no-header; unset = auto-detect
    std::optional<bool> row_names;  ///< --row-names / --no-row-names; unset = auto-detect
    std::string row_labels_file;    ///< --row-labels
    std::string col_labels_file;    ///< --col-labels
    int labels_field = 1;           ///< --labels-field
    bool transpose = false;         ///< --transpose
    std::string max_memory;         ///< --max-memory; empty = the io library's default
    std::string dtype;              ///< --dtype; empty = float64, or the file's own for .npy/.npz
    std::string layer;              ///< --layer: AnnData layers/NAME instead of X
    /// An HDF5 csr_matrix as stored (viewed as CSR, no transposed copy). Off for --low-memory,
    /// whose single copy of V keeps the CSC orientation (and its rounding) that reading gave
    /// before.
    bool csr_as_stored = true;
};

/// Which of the reading options a command offers.
enum class ReadFeatures { all, no_dtype };

/// Adds the reading options to @p cmd, in the group "Input".
void add_read_options(CLI::App& cmd, ReadArgs& args, ReadFeatures features = ReadFeatures::all);

/// The matrix V of a command as read from its file; with --transpose, V is the file's transpose
/// (seen through views, never copied).
struct Input {
    std::string path;
    io::Format format = io::Format::csv;
    io::LoadedMatrix file;       ///< as stored in the file (m_file x n_file)
    Eigen::Index file_rows = 0;  ///< rows in the file
    Eigen::Index file_cols = 0;  ///< columns in the file
    bool transpose = false;      ///< V = file's transpose
    bool float32 = false;        ///< the computation runs in float
    Matrix<float> dense32;       ///< float32 dense: the file's values (the double copy is freed)
    /// float32 sparse read as float64 (a float64 file, or not HDF5): the stored values cast
    /// (indices are shared); empty when the file's own float32 values were kept
    /// (file.float32, sparse32).
    std::vector<float> values32;
    std::vector<std::string> row_labels;  ///< of V (size rows() or empty)
    std::vector<std::string> col_labels;  ///< of V (size cols() or empty)

    bool is_sparse() const { return file.is_sparse; }
    /// Sparse: the compressed arrays as read (file.sparse or file.sparse32): outer offsets,
    /// inner indices, and the values in float64 (file.sparse) or float32.
    Eigen::Index sparse_outer_size() const {
        return file.float32 ? file.sparse32.outerSize() : file.sparse.outerSize();
    }
    const int* sparse_outer() const {
        return file.float32 ? file.sparse32.outerIndexPtr() : file.sparse.outerIndexPtr();
    }
    const int* sparse_inner() const {
        return file.float32 ? file.sparse32.innerIndexPtr() : file.sparse.innerIndexPtr();
    }
    const float* sparse_values32() const {
        return file.float32 ? file.sparse32.valuePtr() : values32.data();
    }
    Eigen::Index rows() const { return transpose ? file_cols : file_rows; }
    Eigen::Index cols() const { return transpose ? file_rows : file_cols; }
    std::int64_t nnz() const;  ///< stored entries (sparse) or non-zero entries (dense)
    std::string dtype() const { return float32 ? "float32" : "float64"; }
    /// V as a dense double matrix (for printing small inputs).
    Eigen::MatrixXd dense_copy() const;
    /// Where V(i, j) (0-based, V as factorized) is in the file: "FILE:LINE: column C" for text
    /// files, "FILE: row R, column C" (1-based) otherwise.
    std::string position(Eigen::Index i, Eigen::Index j) const;
};

/// Reads @p path with @p args. @throws UsageError, InvalidInput, io::IoError
Input read_input(const std::string& path, const ReadArgs& args);

/// Refuses (UsageError) a rank @p k whose factors and work arrays (W m x k, H k x n, their
/// products and k x k Grams) would need more than 3/4 of the available memory, before anything
/// of that size is allocated (--max-memory bounds only what is read).
void check_rank_memory(const Input& in, int k);

/// Fails (InvalidInput) when a label of @p in holds a line break: --write-labels writes one label
/// a line. Called before the fit, so that the outputs cannot fail on it after the work.
void check_label_lines(const Input& in);

/// Reads a factor file (W or H) densely, with its labels; format by extension.
io::LoadedMatrix read_factor(const std::string& path);
/// The dense form of @p m (a sparse file is expanded).
Eigen::MatrixXd dense_of(const io::LoadedMatrix& m);

/// Calls @p f with the view of V (or, when @p flip, of Vᵀ) in scalar T: DenseView<T> or
/// SparseView<T, int> over the input's buffers. A transposed dense view is the row-major view of
/// the column-major buffer; a transposed sparse view is the CSR view of the CSC arrays.
template <class T, class F>
decltype(auto) with_view(const Input& in, bool flip, F&& f) {
    const bool t = in.transpose != flip;
    const Eigen::Index m = t ? in.file_cols : in.file_rows;
    const Eigen::Index n = t ? in.file_rows : in.file_cols;
    if (in.is_sparse()) {
        // file_rows x file_cols, compressed CSC; or, file.transposed, its transpose (the CSR
        // arrays of an HDF5 csr_matrix as stored).
        const T* values = nullptr;
        if constexpr (std::is_same_v<T, double>) {
            if (in.file.float32)
                throw std::logic_error("with_view: a float64 view of float32 values");
            values = in.file.sparse.valuePtr();
        } else {
            values = in.sparse_values32();
        }
        return f(
            SparseView<T, int>(m, n, in.sparse_outer(), in.sparse_inner(), values,
                               t != in.file.transposed ? SparseLayout::csr : SparseLayout::csc));
    }
    const T* data = nullptr;
    if constexpr (std::is_same_v<T, double>)
        data = in.file.dense.data();
    else
        data = in.dense32.data();
    return f(DenseView<T>(data, m, n, t ? Layout::row_major : Layout::col_major, in.file_rows));
}

/// The message of @p message with its V position moved to the file; false when it names none.
bool relocate(const std::string& message, const Input& in, bool flip, std::string& out);

/// Runs @p f; an InvalidInput that names a position of V ("... in V at row R, column C
/// (0-based)") is rethrown with the position in the file (Input::position). With @p flip the
/// library saw Vᵀ.
template <class F>
auto located(const Input& in, bool flip, F&& f) {
    try {
        return f();
    } catch (const InvalidInput& e) {
        std::string moved;
        if (relocate(e.what(), in, flip, moved)) throw InvalidInput(moved);
        throw;
    }
}

// --- writing ---

/// "c1", ..., "ck".
std::vector<std::string> component_names(Eigen::Index k);

/// The options of every command that writes a factor.
struct WriteArgs {
    bool sidecar_labels = false;  ///< --write-labels: labels of .npy/.mtx outputs in .txt files
};
void add_write_options(CLI::App& cmd, WriteArgs& args);

/// Stages @p M for @p path in the format of its extension (io::stage_matrix; commit them with an
/// OutputSet). CSV/TSV carry the labels (an empty list = none on that side); for .npy and .mtx,
/// with sidecar, the labels go to STEM.rows.txt and STEM.cols.txt next to it (each only when
/// there are labels on that side).
std::vector<io::StagedFile> stage_factor(const std::string& path, const Eigen::MatrixXd& M,
                                         const std::vector<std::string>& row_labels,
                                         const std::vector<std::string>& col_labels,
                                         const WriteArgs& args);

/// Prints @p M right-aligned with four decimals (scientific for large entries).
void print_matrix(const std::string& title, const Eigen::MatrixXd& M);

}  // namespace nmfkit::cli
