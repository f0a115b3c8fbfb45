#pragma once
// Internals of nmfkit_io shared by the format readers and writers (not installed).

#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <nmfkit/io/formats.hpp>

namespace nmfkit::io::detail {

/// strerror for @p err, e.g. "No such file or directory".
std::string errno_text(int err);

/// A field as shown in a message: quoted, control bytes escaped, shortened after 40 bytes.
std::string shown(std::string_view field);

/// "FILE:LINE: column C: "
std::string position(const std::string& name, std::int64_t line, std::size_t column);

/// "FILE: byte OFFSET: "
std::string at_byte(const std::string& name, std::uint64_t offset);

/// @p s in lower case (ASCII).
std::string lower(std::string_view s);

/// Shortest round-trip text of @p v.
std::string number_text(double v);

/// "negative entry -2.5", "NaN entry", "infinite entry inf"; "" for a finite value >= 0.
std::string defect(double v);

/// Appended to a message about such an entry.
inline constexpr const char* nmf_needs = " (NMF needs finite, non-negative data)";

/// The whole content of a file: memory-mapped for a regular file, read into memory otherwise (a
/// pipe, /dev/stdin, a character device), or the decompressed bytes when replace() is given them.
class FileBytes {
public:
    /// @throws IoError "cannot open "PATH": REASON" / "cannot read "PATH": REASON".
    /// @throws InvalidInput when a file that is not mapped (its size unknown in advance: a pipe,
    ///         a device) holds more than @p limit bytes; reading stops there.
    explicit FileBytes(const std::string& path,
                       std::uint64_t limit = std::numeric_limits<std::uint64_t>::max());
    FileBytes(const FileBytes&) = delete;
    FileBytes& operator=(const FileBytes&) = delete;
    ~FileBytes();
    std::string_view view() const { return view_; }
    /// Drop the file's bytes and hold @p bytes instead (e.g. after gunzip).
    void replace(std::string&& bytes);

private:
    void* map_ = nullptr;
    std::size_t map_size_ = 0;
    std::string owned_;
    std::string_view view_;
};

/// The format the first bytes announce, if they announce a binary format or Matrix Market.
std::optional<Format> sniff(std::string_view bytes);

/// "CSV", "TSV", "Matrix Market", ".npy", ".npz".
std::string describe(Format f);

/// True when @p bytes start with the gzip magic 1f 8b.
bool is_gzip(std::string_view bytes);

/// Decompress gzip @p bytes (several members are concatenated); at most @p limit output bytes.
/// @throws InvalidInput "NAME: not a gzip file" / "NAME: corrupt gzip data ..." / too large.
std::string gunzip(std::string_view bytes, const std::string& name, std::uint64_t limit);

/// Inflate raw deflate @p bytes into exactly @p out.size() bytes.
/// @throws InvalidInput with @p what (e.g. "FILE: data.npy") when the data is corrupt or short.
void inflate_raw(std::string_view bytes, std::string& out, const std::string& what);

/// @p a * @p b, saturating at 2^64-1.
std::uint64_t mul_sat(std::uint64_t a, std::uint64_t b);

/// "1.5 GiB" style text for @p bytes.
std::string human_bytes(std::uint64_t bytes);

/// Throws InvalidInput "PREFIX needs about BYTES bytes (HUMAN), more than the memory limit of
/// LIMIT bytes (HUMAN); raise max_memory (--max-memory) to allow it" when @p bytes > @p limit.
void check_memory(std::uint64_t bytes, std::uint64_t limit, const std::string& prefix);

/// opt.max_memory, or default_max_memory() when it is 0.
std::uint64_t memory_limit(const ReadOptions& opt);

/// A new, empty file in the directory of a target that is removed again unless commit() renames
/// it over the target. Every failure throws IoError "cannot write "SHOWN": REASON".
class TempFile {
public:
    TempFile(const std::filesystem::path& target, const std::string& shown);
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile();

    void write(std::string_view bytes);
    /// Flush to disk, close, and rename over @p target.
    void commit(const std::filesystem::path& target);
    /// Flush to disk and close; the file stays under its temporary name until rename_to().
    void finish();
    /// Rename the finished file to @p target: over it, or, with @p no_replace, only when no file
    /// of that name exists (false then, and nothing changes).
    bool rename_to(const std::filesystem::path& target, bool no_replace = false);
    [[noreturn]] void fail(int err) const;

private:
    std::string shown_;
    std::filesystem::path path_;
    int fd_ = -1;
    bool committed_ = false;
};

/// @p path as a target for TempFile; IoError "cannot write "PATH": not a file name" otherwise.
std::filesystem::path output_path(const std::string& path);

/// Ask the kernel for transparent huge pages on the whole 2 MiB pages inside [@p p, @p p + bytes)
/// before they are first touched (fewer page faults for arrays of hundreds of MB). A hint only.
void advise_huge_pages(void* p, std::size_t bytes);

/// Maps the whole pages inside [@p p, @p p + bytes) of fresh memory writable now, in one call
/// (Linux's MADV_POPULATE_WRITE), instead of one page fault per 4 KiB page when they are first
/// written (by a read into them, a copy or a conversion). The contents are unchanged; a hint only
/// (nothing happens where the kernel does not have it).
void prefault(void* p, std::size_t bytes);

/// Coordinate entries (0-based) of an m x n matrix, to be turned into CSC.
struct Triplets {
    std::vector<int> row, col;
    std::vector<double> value;
    void reserve(std::size_t n) {
        row.reserve(n);
        col.reserve(n);
        value.reserve(n);
        advise_huge_pages(row.data(), n * sizeof(int));
        advise_huge_pages(col.data(), n * sizeof(int));
        advise_huge_pages(value.data(), n * sizeof(double));
    }
    void push(int i, int j, double v) {
        row.push_back(i);
        col.push_back(j);
        value.push_back(v);
    }
};

/// Compressed CSC from @p t (consumed): a counting sort by column, then rows sorted (stably)
/// within each column and duplicates summed in file order. Indices must already be in range.
/// The result goes into @p S (no copy: Eigen 3.4's SparseMatrix cannot be moved).
void build_csc(Eigen::Index m, Eigen::Index n, Triplets&& t,
               Eigen::SparseMatrix<double, Eigen::ColMajor, int>& S);

/// Sorts the rows within each column of the compressed CSC matrix @p S (stably) and sums
/// duplicates in their stored order, compacting in place; O(nnz) when already sorted.
void sort_and_sum_columns(Eigen::SparseMatrix<double, Eigen::ColMajor, int>& S);
void sort_and_sum_columns(Eigen::SparseMatrix<float, Eigen::ColMajor, int>& S);

/// A parsed .npy array: a view of its data in the bytes it was parsed from.
struct NpyArray {
    std::string descr;                 ///< as in the header, e.g. "<f8", "|S3"
    char kind = 0;                     ///< 'f', 'i', 'u', 'b', 'S', 'U'
    std::size_t itemsize = 0;          ///< bytes per element
    std::vector<std::uint64_t> shape;  ///< any number of dimensions
    bool fortran_order = false;
    std::string_view data;          ///< exactly product(shape) * itemsize bytes
    std::uint64_t data_offset = 0;  ///< byte offset of data in the parsed bytes
    std::uint64_t size() const;     ///< product(shape)
    /// "float64", "int32", ... for numeric kinds.
    std::string dtype_name() const;
    /// Element @p k in storage order as a double / an int64 (numeric kinds only; uint64 values
    /// above 2^63-1 come back as -1 from as_int).
    double as_double(std::uint64_t k) const;
    std::int64_t as_int(std::uint64_t k) const;
};

/// "(3, 4)" / "(5,)" / "()".
std::string shape_text(const std::vector<std::uint64_t>& shape);

/// Parse the header of an .npy file and locate its data. Any simple dtype is accepted (the caller
/// checks the kind); big-endian multi-byte, object, complex, structured dtypes and truncated data
/// throw InvalidInput naming them. @p name prefixes messages (e.g. "FILE" or "FILE: data.npy").
/// Arrays whose elements, as doubles, need more than @p limit bytes are rejected before the data
/// size is checked.
NpyArray parse_npy_array(std::string_view bytes, const std::string& name, std::uint64_t limit);

// Format parsers (bytes already decompressed) and writers, one .cpp each.
LoadedMatrix parse_matrix_market(std::string_view bytes, const std::string& name,
                                 std::uint64_t limit);
LoadedMatrix parse_npy(std::string_view bytes, const std::string& name, std::uint64_t limit);
LoadedMatrix parse_npz(std::string_view bytes, const std::string& name, std::uint64_t limit);
/// CSV/TSV. @p limit bounds the text plus twice 8 bytes per value (as read, and the matrix).
LoadedMatrix parse_delimited(std::string_view bytes, const std::string& name, char delimiter,
                             std::optional<bool> header, std::optional<bool> row_names,
                             std::uint64_t limit);

void write_delimited(TempFile& tmp, const Eigen::Ref<const Eigen::MatrixXd>& M, char delimiter,
                     const std::string& path, const std::vector<std::string>& row_labels,
                     const std::vector<std::string>& col_labels);
std::string npy_bytes(const Eigen::Ref<const Eigen::MatrixXd>& M);
void write_matrix_market(TempFile& out, const Eigen::Ref<const Eigen::MatrixXd>& M,
                         bool coordinate);

}  // namespace nmfkit::io::detail
