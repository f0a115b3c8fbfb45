#pragma once
/// @file formats.hpp
/// @brief Read and write matrices in every format nmfkit knows: CSV/TSV, Matrix Market (.mtx,
/// .mtx.gz), NumPy .npy, scipy.sparse .npz, and (read only, in builds with HDF5) AnnData .h5ad and
/// 10x Genomics .h5. The rules of each format are in docs/formats.md.
///
/// @code
/// nmfkit::io::LoadedMatrix V = nmfkit::io::read_matrix("counts.mtx.gz");
/// if (V.is_sparse) { /* V.sparse: m x n CSC */ } else { /* V.dense: m x n */ }
/// nmfkit::io::write_matrix("W.npy", W);
/// @endcode

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <Eigen/SparseCore>

#include <nmfkit/io/errors.hpp>

namespace nmfkit::io {

/// A file format. The enumerator names are the user-facing names (`--format`).
/// hdf5: AnnData .h5ad or 10x Genomics .h5 (nmfkit/io/hdf5.hpp).
enum class Format { csv, tsv, matrix_market, npy, npz, hdf5 };

/// The user-facing name of @p f: "csv", "tsv", "matrix_market", "npy", "npz", "hdf5".
std::string_view to_string(Format f);

/// The format named @p name (also accepts "mtx" and "mm" for matrix_market); nullopt if unknown.
std::optional<Format> parse_format(std::string_view name);

/// The format implied by the extension of @p path, after removing a trailing `.gz`:
/// `.csv` csv; `.tsv`, `.tab` tsv; `.mtx`, `.mm` matrix_market; `.npy` npy; `.npz` npz; `.h5ad`,
/// `.h5`, `.hdf5` hdf5 (any case).
/// nullopt for any other extension.
std::optional<Format> format_for(const std::string& path);

/// Options for reading a matrix. Every field has a default that suits an ordinary file.
struct ReadOptions {
    /// The format; unset = chosen by format_for(path) and confirmed by the file's first bytes.
    std::optional<Format> format;
    /// CSV/TSV field separator; 0 = tab for tsv, comma for csv.
    char delimiter = 0;
    /// CSV/TSV: the first data line holds column labels. Unset = auto-detect: it does when one of
    /// its fields (after the row-name column, if any) is not a number.
    std::optional<bool> header;
    /// CSV/TSV: the first field of each line is a row label. Unset = auto-detect: it is when the
    /// first field of the first line after the header is not a number.
    std::optional<bool> row_names;
    /// The most bytes that a matrix may need in memory; a header that declares more is rejected
    /// before anything is allocated. Also bounds the decompressed size of gzip input, the bytes
    /// read from a pipe or device, and CSV/TSV text plus 16 bytes per value (checked as the values
    /// are read). 0 = default_max_memory().
    std::uint64_t max_memory = 0;
    /// AnnData (.h5ad): read the matrix `layers/NAME` instead of `X`; empty = `X`.
    std::string layer;
    /// HDF5: read the row and column labels (obs/var names, features/barcodes). A streamed fit
    /// (open_blocks) does not use them and sets false: n labels would hold memory that grows
    /// with n.
    bool labels = true;
    /// HDF5 `csr_matrix` (AnnData's cells x genes): return the CSC of the matrix's transpose, which
    /// is the stored arrays as they are (no transposing pass, no second copy), with
    /// LoadedMatrix::transposed set. For callers that take either orientation (the command line's
    /// fits view it as CSR). Other formats and layouts ignore it.
    bool csr_transposed = false;
    /// HDF5 sparse matrix whose values are stored as float32 (AnnData's default for `X`): keep them
    /// float32, in LoadedMatrix::sparse32 (no float64 copy), for callers that compute in float32.
    bool float32_values = false;
};

/// A matrix as read from a file: dense or sparse, with its labels when the file has them.
struct LoadedMatrix {
    bool is_sparse = false;  ///< true: `sparse` holds the matrix; false: `dense` does
    Eigen::MatrixXd dense;   ///< m x n, when !is_sparse
    /// m x n, compressed CSC, row indices sorted within each column, duplicates summed, explicit
    /// zeros kept; when is_sparse.
    Eigen::SparseMatrix<double, Eigen::ColMajor, int> sparse;
    /// Instead of `sparse` (left empty), when float32: the same with float values; only with
    /// ReadOptions::float32_values, for a sparse HDF5 matrix of float32 values.
    Eigen::SparseMatrix<float, Eigen::ColMajor, int> sparse32;
    bool float32 = false;  ///< sparse32 holds the matrix
    /// The element type of the file: "float64", "float32", "int64", "uint8", "bool", ... for
    /// .npy/.npz; "real", "integer", "pattern" for Matrix Market; "text" for CSV/TSV.
    std::string source_dtype;
    std::vector<std::string> row_labels;    ///< size m, or empty when the file has none
    std::vector<std::string> col_labels;    ///< size n, or empty when the file has none
    std::vector<std::int64_t> line_of_row;  ///< CSV/TSV only: 1-based file line of each row
    /// `sparse` holds the CSC of the file's matrix transposed (n x m: the CSR arrays of the m x n
    /// matrix); only with ReadOptions::csr_transposed. rows(), cols() and the labels are still the
    /// file's matrix's.
    bool transposed = false;

    LoadedMatrix() = default;
    LoadedMatrix(const LoadedMatrix&) = default;
    LoadedMatrix& operator=(const LoadedMatrix&) = default;
    /// Moves without copying: Eigen 3.4's SparseMatrix has no move operations of its own (its
    /// copy would copy every entry), so these swap.
    LoadedMatrix(LoadedMatrix&& other) noexcept { swap(other); }
    LoadedMatrix& operator=(LoadedMatrix&& other) noexcept {
        swap(other);
        return *this;
    }
    void swap(LoadedMatrix& other) noexcept {
        std::swap(is_sparse, other.is_sparse);
        dense.swap(other.dense);
        sparse.swap(other.sparse);
        sparse32.swap(other.sparse32);
        std::swap(float32, other.float32);
        source_dtype.swap(other.source_dtype);
        row_labels.swap(other.row_labels);
        col_labels.swap(other.col_labels);
        line_of_row.swap(other.line_of_row);
        std::swap(transposed, other.transposed);
    }

    Eigen::Index rows() const {
        if (!is_sparse) return dense.rows();
        const Eigen::Index r = float32 ? sparse32.rows() : sparse.rows();
        const Eigen::Index c = float32 ? sparse32.cols() : sparse.cols();
        return transposed ? c : r;
    }
    Eigen::Index cols() const {
        if (!is_sparse) return dense.cols();
        const Eigen::Index r = float32 ? sparse32.rows() : sparse.rows();
        const Eigen::Index c = float32 ? sparse32.cols() : sparse.cols();
        return transposed ? r : c;
    }
    /// Stored entries: nonZeros() when sparse, rows() * cols() when dense.
    std::int64_t stored() const;
};

/// Three quarters of MemAvailable in /proc/meminfo; 2^64-1 (no limit) when it cannot be read.
std::uint64_t default_max_memory();

/// Read a matrix from @p path (a `.gz` file is decompressed first, whatever its format).
/// @throws nmfkit::InvalidInput for malformed data (message: file, line and column, or byte offset)
/// @throws nmfkit::io::IoError when the file cannot be opened or read
LoadedMatrix read_matrix(const std::string& path, const ReadOptions& opt = {});

/// Parse a matrix of format @p format from the bytes of a file (gzip-compressed bytes are
/// decompressed first); @p name stands for the file in messages. The entry point of the fuzzers.
LoadedMatrix parse_matrix(std::string_view bytes, const std::string& name, Format format,
                          const ReadOptions& opt = {});

/// Options for writing a matrix.
struct WriteOptions {
    std::vector<std::string> row_labels;  ///< CSV/TSV: written as a first column (size m)
    std::vector<std::string> col_labels;  ///< CSV/TSV: written as a header line (size n)
    /// Matrix Market: write `coordinate` (only the nonzero entries) instead of `array`.
    bool mtx_coordinate = false;
};

/// Write @p M (m x n) to @p path in the format of its extension: `.npy` (`<f8`, Fortran order,
/// exact), `.csv`/`.tsv`/`.tab` (shortest round-trip text, optional labels), `.mtx` (array or
/// coordinate real general, shortest round-trip text, exact). Labels are written to CSV/TSV only.
/// The file is replaced atomically (temporary file in the same directory, fsync, rename).
/// @throws nmfkit::InvalidInput for an unknown extension or a wrong number of labels (labels that
///         hold the delimiter, a double quote or a line break are quoted: see io::quote_field)
/// @throws nmfkit::io::IoError when the file cannot be written
void write_matrix(const std::string& path, const Eigen::Ref<const Eigen::MatrixXd>& M,
                  const WriteOptions& opt = {});

/// Read labels, one a line (a trailing `\r` is dropped; `.gz` files are decompressed). When a line
/// holds tabs (10x Genomics `features.tsv`: id, name, type) the label is its tab-separated field
/// @p field (1-based; 1 = the id, 2 = the gene name).
/// @throws nmfkit::InvalidInput for an empty label or a line without field @p field
/// @throws nmfkit::io::IoError when the file cannot be opened or read
std::vector<std::string> read_labels(const std::string& path, int field = 1);

/// Write @p labels one a line, atomically.
/// @throws nmfkit::InvalidInput for a label that holds a line break
/// @throws nmfkit::io::IoError when the file cannot be written
void write_labels(const std::string& path, const std::vector<std::string>& labels);

}  // namespace nmfkit::io
