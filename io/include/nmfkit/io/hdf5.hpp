#pragma once
/// @file hdf5.hpp
/// @brief AnnData `.h5ad` and 10x Genomics `.h5` matrices, read whole or in blocks of rows or
/// columns (the HDF5 C library; docs/formats.md, "HDF5"). read_matrix() reads these files too;
/// Hdf5Matrix is for reading a part at a time, e.g. one batch of samples of an online fit.
///
/// @code
/// nmfkit::io::Hdf5Matrix X("cells.h5ad");            // X: cells x genes, CSR
/// for (Eigen::Index r = 0; r < X.rows(); r += 4096) {
///     nmfkit::io::LoadedMatrix B = X.read_rows(r, std::min(X.rows(), r + 4096));
///     // B.sparse: the rows [r, r + 4096) of X as a CSC matrix, B.rows() x X.cols()
/// }
/// @endcode
///
/// A build without HDF5 (NMFKIT_WITH_HDF5=OFF) has the same functions; they throw InvalidInput
/// "FILE: this build has no HDF5 support ...".

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <nmfkit/io/formats.hpp>

namespace nmfkit::io {

/// True when this build reads HDF5 files (configured with NMFKIT_WITH_HDF5).
bool has_hdf5();

/// How a file stores its matrix, which decides the blocks that are cheap to read.
enum class Hdf5Layout {
    csr,    ///< compressed rows (AnnData's csr_matrix): read_rows reads only the block's rows
    csc,    ///< compressed columns (AnnData's csc_matrix, 10x): read_columns reads only its columns
    dense,  ///< a 2-D dataset (AnnData's dense X): both read a hyperslab
};

/// The user-facing name of @p layout: "csr", "csc", "dense".
const char* to_string(Hdf5Layout layout);

/// An open AnnData `.h5ad` or 10x Genomics `.h5` file and the matrix in it. The constructor reads
/// the metadata (shape, dtype, the first and last entry of indptr, labels), not the matrix; each
/// read_* call reads and checks only the entries it returns (indptr monotone, indices in range,
/// rows sorted and duplicates summed within each column as read_matrix does). Not thread-safe
/// (the HDF5 library Debian ships is the serial one): use one object from one thread at a time.
class Hdf5Matrix {
public:
    /// Opens @p path. AnnData when the root holds `X` or `layers` (the matrix: `X`, or
    /// `layers/NAME` when @p opt.layer is set), 10x Genomics when it holds `matrix` (or, in the
    /// older 10x format, one group with `indptr` and `barcodes`). @p opt.max_memory bounds what
    /// each read_* call allocates.
    /// @throws nmfkit::InvalidInput for a file that is not HDF5, not AnnData or 10x, or whose
    ///         matrix is missing, malformed or of an unsupported dtype or encoding; the message
    ///         names the file and the group or dataset (`x.h5ad: X/indptr: ...`)
    /// @throws nmfkit::io::IoError when the file cannot be opened
    explicit Hdf5Matrix(const std::string& path, const ReadOptions& opt = {});
    ~Hdf5Matrix();
    Hdf5Matrix(Hdf5Matrix&&) noexcept;
    Hdf5Matrix& operator=(Hdf5Matrix&&) noexcept;
    Hdf5Matrix(const Hdf5Matrix&) = delete;
    Hdf5Matrix& operator=(const Hdf5Matrix&) = delete;

    /// The matrix as stored: AnnData X is cells x genes (obs x var), 10x is genes x cells.
    Eigen::Index rows() const;
    Eigen::Index cols() const;
    /// Stored entries: the length of `data` when sparse, rows() * cols() when dense.
    std::int64_t stored() const;
    Hdf5Layout layout() const;
    /// The dataset's element type: "float32", "float64", "int32", "uint16", ...
    const std::string& source_dtype() const;
    /// The group or dataset holding the matrix: "X", "layers/counts", "matrix".
    const std::string& matrix_name() const;
    /// AnnData: obs names (rows) and var names (columns); 10x: feature names (rows; the ids when
    /// the file has no names) and barcodes (columns). Empty when the file has none.
    const std::vector<std::string>& row_labels() const;
    const std::vector<std::string>& col_labels() const;

    /// Rows [@p begin, @p end) as an (end - begin) x cols() matrix (CSC when sparse), labels not
    /// filled. CSR and dense layouts; a CSC file throws InvalidInput (read_columns, or the whole
    /// matrix, instead).
    LoadedMatrix read_rows(Eigen::Index begin, Eigen::Index end) const;
    /// Columns [@p begin, @p end) as a rows() x (end - begin) matrix (CSC when sparse), labels not
    /// filled. CSC and dense layouts; a CSR file throws InvalidInput.
    LoadedMatrix read_columns(Eigen::Index begin, Eigen::Index end) const;
    /// Rows [@p begin, @p end) transposed: a cols() x (end - begin) matrix (CSC when sparse),
    /// labels not filled; the rows as samples (columns) for an online fit with --transpose. CSR
    /// (whose arrays are already the CSC of the transpose: no conversion) and dense layouts.
    LoadedMatrix read_rows_transposed(Eigen::Index begin, Eigen::Index end) const;
    /// The whole matrix with its labels, as read_matrix() returns it.
    LoadedMatrix read_all() const;

private:
    enum class Part { rows, columns, rows_transposed };
    /// The one block read behind read_rows, read_columns and read_rows_transposed.
    LoadedMatrix read_part(Eigen::Index begin, Eigen::Index end, Part part) const;
    struct State;
    std::unique_ptr<State> s_;
};

}  // namespace nmfkit::io
