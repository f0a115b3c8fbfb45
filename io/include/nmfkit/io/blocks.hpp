#pragma once
/// @file blocks.hpp
/// @brief Reading V (m x n) block by block of columns, for online NMF (`nmfkit fit --online`):
/// the source holds one block at a time, never the whole matrix.
///
/// A source knows V's shape from the file's header, and hands out blocks of consecutive columns
/// (the samples; with `transpose`, the file's rows are the samples and V is the file's
/// transpose), one pass after another (rewind()). Formats:
/// - `.npy`: read with pread() at the block's offsets, never mapped (mapped pages would count in
///   the resident memory). Samples along the file's storage order (Fortran order without
///   transpose, C order with it) are one contiguous read per block; across it, one read per
///   feature per block.
/// - Matrix Market coordinate (`.mtx`, `.mtx.gz`, general, not symmetric): read as a stream,
///   which needs the entries grouped by sample: the column index (the row index with transpose)
///   never decreases from one entry to the next (within a column rows may come in any order,
///   and repeats are summed). A file that breaks the order is refused at the first such line,
///   with the sort command that fixes it. Array files are refused (use .npy).
/// - HDF5 (AnnData `.h5ad`: `X` or `layers/NAME`; 10x Genomics `.h5`), through Hdf5Matrix's
///   block reads: V is the matrix as the full-batch reader orients it (AnnData X cells x genes,
///   10x genes x cells; the transpose with `transpose`). Each block is one read of the stored
///   slices: columns of a CSC (10x) or dense matrix, rows of a CSR (AnnData's default) or dense
///   one with `transpose`. A CSR matrix without `transpose`, or a CSC one with it, is refused
///   (InvalidInput naming the group): its samples are not stored together.
/// A new format implements BlockSource and adds a case to open_blocks().
///
/// @code
/// auto source = nmfkit::io::open_blocks("counts.mtx", false);
/// nmfkit::io::ColumnBlock block;
/// for (int pass = 0; pass < 3; ++pass) {
///     source->rewind();
///     while (source->next(1024, block)) { /* block.sparse: m x b, columns block.first... */ }
/// }
/// @endcode

#include <cstdint>
#include <memory>
#include <string>

#include <Eigen/Core>
#include <Eigen/SparseCore>

#include <nmfkit/io/formats.hpp>

namespace nmfkit::io {

/// Columns [first, first + cols) of V.
struct ColumnBlock {
    std::int64_t first = 0;  ///< V's column of the block's first column (0-based)
    bool is_sparse = false;  ///< true: `sparse` holds the block; false: `dense` does
    Eigen::MatrixXd dense;   ///< m x b, when !is_sparse
    /// m x b, compressed CSC, rows sorted within each column, repeats summed; when is_sparse.
    Eigen::SparseMatrix<double, Eigen::ColMajor, int> sparse;
    Eigen::Index cols() const { return is_sparse ? sparse.cols() : dense.cols(); }
};

/// A matrix read block by block of columns.
class BlockSource {
public:
    virtual ~BlockSource() = default;
    virtual std::int64_t rows() const = 0;  ///< m (features)
    virtual std::int64_t cols() const = 0;  ///< n (samples)
    virtual bool is_sparse() const = 0;
    /// Stored entries the header declares: the entry count of a coordinate file, m·n if dense.
    virtual std::int64_t entries() const = 0;
    /// "float64", "int32", ... for .npy; "real", "integer", "pattern" for Matrix Market.
    virtual std::string source_dtype() const = 0;
    /// Reads the next block of at most @p max_cols columns into @p block (its storage reused);
    /// false at the end of the pass. Entries are checked as read: negative, NaN or infinite
    /// values and malformed or out-of-order lines throw InvalidInput naming the position.
    virtual bool next(std::int64_t max_cols, ColumnBlock& block) = 0;
    /// Starts a new pass at column 0.
    virtual void rewind() = 0;
};

/// The source for @p path by its extension (.npy, .mtx, .mm, .mtx.gz, .mm.gz, .h5ad, .h5,
/// .hdf5) or by @p opt.format when that is hdf5; with @p transpose the file's rows are the
/// samples (V is the file's transpose). Only the header (HDF5: the metadata) is read here.
/// HDF5 uses @p opt.layer, and @p opt.max_memory bounds each block read.
/// @throws InvalidInput for a bad header or a format or layout that cannot be streamed
///         (named, with what to do instead)
/// @throws IoError when the file cannot be opened or read
std::unique_ptr<BlockSource> open_blocks(const std::string& path, bool transpose,
                                         const ReadOptions& opt = {});

/// Writes a k x n matrix to an `.npy` file (float64, Fortran order) block of columns by block,
/// so that it is never held whole: the header is written first, then each block's columns in
/// order; commit() renames the finished file over @p path (nothing changes on failure).
class NpyColumnWriter {
public:
    NpyColumnWriter(const std::string& path, std::int64_t rows, std::int64_t cols);
    ~NpyColumnWriter();
    NpyColumnWriter(const NpyColumnWriter&) = delete;
    NpyColumnWriter& operator=(const NpyColumnWriter&) = delete;
    /// Appends the columns of @p block (rows x b).
    void append(const Eigen::Ref<const Eigen::MatrixXd>& block);
    /// Checks that every column was written, then renames the file over the target.
    void commit();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace nmfkit::io
