#pragma once
// The parallel reader of V: each rank reads about 1/P of the file and ends up with its block A_ij
// of the process grid (grid.hpp), so no rank ever holds the whole matrix.
//
// Matrix Market: the data lines are split into P near-equal byte ranges, each rank parses its
// own, and the entries travel to the ranks that own them (one all-to-all). .npy: each rank reads
// its block directly (one contiguous run per local column in Fortran order, per local row in C
// order). Gzip-compressed files, CSV/TSV and .npz cannot be split this way and are refused.
//
// @code
// nmfkit::mpi::Grid grid(MPI_COMM_WORLD, pr, pc);
// const nmfkit::mpi::LocalBlock A = nmfkit::mpi::read_block("counts.mtx", grid);
// // A.sparse (or A.dense): rows layout.rows(grid.i()), columns layout.cols(grid.j()) of V
// @endcode

#include <cstdint>
#include <string>

#include <Eigen/Core>
#include <Eigen/SparseCore>

#include <nmfkit/mpi/grid.hpp>

namespace nmfkit::mpi {

/// What a file's header says, read by every rank on its own (cheap, not collective).
struct FileShape {
    std::int64_t m = 0, n = 0;  ///< global shape of V (m x n)
    bool is_sparse = false;     ///< Matrix Market coordinate; false for array and .npy
    std::string source_dtype;   ///< "real", "integer", "pattern"; "float64", "int32", "bool", ...
};

/// The shape, storage and element type that the header of @p path declares (Matrix Market or
/// .npy; the data is not read).
/// @throws nmfkit::InvalidInput for a bad header or a format that cannot be read in parallel
///         (message: "FILE:LINE: ..." or "FILE: byte OFFSET: ...", as the serial reader words it)
/// @throws nmfkit::io::IoError when the file cannot be opened or read
FileShape read_shape(const std::string& path);

/// This rank's block A_ij of V: rows layout.rows(i), columns layout.cols(j) of
/// grid.layout(m, n), with local (block) indices.
struct LocalBlock {
    std::int64_t m = 0, n = 0;  ///< global shape of V
    bool is_sparse = false;     ///< true: `sparse` holds the block; false: `dense` does
    Eigen::MatrixXd dense;      ///< |R_i| x |C_j|, when !is_sparse
    /// |R_i| x |C_j|, compressed CSC, rows sorted within each column, duplicates summed in file
    /// order (the same bits as the serial reader), explicit zeros kept; when is_sparse.
    Eigen::SparseMatrix<double, Eigen::ColMajor, int> sparse;
    std::string source_dtype;           ///< as FileShape::source_dtype
    std::uint64_t bytes_read = 0;       ///< bytes this rank read from the file (header included)
    std::uint64_t bytes_exchanged = 0;  ///< bytes sent to other ranks while redistributing
    double seconds = 0;                 ///< wall time of read_block on this rank
};

/// Reads this rank's block of the Matrix Market (coordinate: sparse block; array: dense block)
/// or .npy (dense block) file @p path. Collective over grid.world(); each rank reads about 1/P
/// of the file. The values are checked as the serial reader checks them, and also rejected when
/// negative, NaN or infinite (NMF needs finite, non-negative data), with their position:
/// "FILE:LINE: column C: negative entry -3 ..." (Matrix Market) or
/// "FILE: byte OFFSET: row I, column J: NaN entry ..." (.npy; rows and columns from 1).
/// @throws CollectiveError on every rank when any rank fails, with the message of the first
///         failing rank (the serial reader's wording, with the real FILE:LINE) and the exit
///         status: 65 bad data (nmfkit::InvalidInput), 74 I/O error (nmfkit::io::IoError),
///         1 other (e.g. an exchange larger than MPI's int counts allow)
LocalBlock read_block(const std::string& path, const Grid& grid);

}  // namespace nmfkit::mpi
