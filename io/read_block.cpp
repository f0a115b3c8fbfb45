// The parallel reader of V (read_block.hpp). Every rank maps the file (mmap: nothing is read until
// a page is touched), parses the header, then touches only its share of the data. Messages and
// checks are the serial reader's (io/matrix_market.cpp, io/npy.cpp), with the real FILE:LINE.
#include <nmfkit/io/read_block.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <vector>

#include <nmfkit/io/formats.hpp>

// nmfkit_io internals (not installed): parse_npy_array, build_csc and the message helpers.
#include "detail.hpp"
#include "matrix_market_detail.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nmfkit::mpi {
namespace {

namespace io_detail = nmfkit::io::detail;
using io::Format;
using io::IoError;

// ---------------------------------------------------------------------------------------------
// Errors that every rank raises together.

/// An error caught on this rank: its message and exit status (0 = none).
struct Failure {
    std::string message;
    int status = 0;
};

/// Runs @p f and returns what it threw, with the exit status of its kind (65 bad data,
/// 74 I/O error, 1 other); status 0 when it returned.
template <class F>
Failure attempt(const std::string& name, F&& f) {
    try {
        f();
        return {};
    } catch (const InvalidInput& e) {
        return {e.what(), 65};
    } catch (const IoError& e) {
        return {e.what(), 74};
    } catch (const std::bad_alloc&) {
        return {name + ": out of memory while reading this process's block", 1};
    } catch (const std::exception& e) {
        return {name + ": " + e.what(), 1};
    }
}

/// Collective: every rank throws CollectiveError when any rank's @p f failed (all_ok).
void raise_any(MPI_Comm comm, const Failure& f) {
    if (f.status == 0)
        all_ok(comm, "");
    else
        all_ok(comm, f.message.empty() ? "unknown error" : f.message, f.status);
}

// ---------------------------------------------------------------------------------------------
// The file and its format.

/// A regular file mapped read-only; a rank that touches only its share reads only its share.
class MappedFile {
public:
    explicit MappedFile(const std::string& path) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) fail("open", path, errno);
        struct Closer {
            int fd;
            ~Closer() { ::close(fd); }
        } closer{fd};
        struct stat st {};
        if (::fstat(fd, &st) != 0) fail("read", path, errno);
        if (S_ISDIR(st.st_mode)) fail("open", path, EISDIR);
        if (!S_ISREG(st.st_mode))
            throw IoError("cannot read \"" + path +
                          "\": not a regular file (each process reads "
                          "its own part of the input, at its place)");
        if (st.st_size == 0) return;
        const auto size = static_cast<std::size_t>(st.st_size);
        void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) fail("read", path, errno);
        map_ = p;
        view_ = std::string_view(static_cast<const char*>(p), size);
    }
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile() {
        if (map_ != nullptr) ::munmap(map_, view_.size());
    }
    std::string_view view() const { return view_; }

private:
    [[noreturn]] static void fail(const char* what, const std::string& path, int err) {
        throw IoError(std::string("cannot ") + what + " \"" + path +
                      "\": " + io_detail::errno_text(err));
    }
    void* map_ = nullptr;
    std::string_view view_;
};

/// The format of @p path (by extension, else by content), when it can be read in parallel.
/// @throws InvalidInput for compressed files, CSV/TSV, .npz and unknown formats
Format parallel_format(const std::string& path, std::string_view bytes) {
    const std::string supported =
        " cannot be read in parallel by nmfkit-mpi, which reads uncompressed Matrix Market "
        "(.mtx, .mm) and .npy files";
    if (io_detail::lower(std::filesystem::path(path).extension().string()) == ".gz" ||
        io_detail::is_gzip(bytes))
        throw InvalidInput(path + ": gzip-compressed files" + supported + "; decompress it first");
    const std::optional<Format> by_extension = io::format_for(path);
    const std::optional<Format> by_content = io_detail::sniff(bytes);
    if (by_extension && by_content && *by_extension != *by_content)
        throw InvalidInput(path + ": the extension says " + io_detail::describe(*by_extension) +
                           ", but the content is " + io_detail::describe(*by_content));
    const std::optional<Format> format = by_extension ? by_extension : by_content;
    if (!format)
        throw InvalidInput(path + ": cannot tell the format from the extension " +
                           io_detail::shown(std::filesystem::path(path).extension().string()) +
                           " (expected .mtx, .mm or .npy)");
    if (*format != Format::matrix_market && *format != Format::npy)
        throw InvalidInput(path + ": " + io_detail::describe(*format) + supported +
                           "; write it as one of those first");
    return *format;
}

// ---------------------------------------------------------------------------------------------
// Values.

using io_detail::defect;
using io_detail::nmf_needs;
using io_detail::number_text;

// ---------------------------------------------------------------------------------------------
// Matrix Market: the header and the parse of a data line (the serial reader's, shared).

using io_detail::blank_or_comment;
using io_detail::EntryParser;
using io_detail::Field;
using io_detail::Lines;
/// What the banner and the size line say; `entries` counts the values of an array file.
using MtxHeader = io_detail::MatrixMarketHeader;

/// The next value of @p parse, which must also be finite and non-negative.
double checked_value(EntryParser& parse) {
    const double v = parse.value();
    const std::string bad = defect(v);
    if (!bad.empty()) throw InvalidInput(parse.where() + bad + nmf_needs);
    return v;
}

// ---------------------------------------------------------------------------------------------
// Matrix Market: this rank's lines, their parse, the entry count, the exchange.

/// This rank's share of the data lines: bytes [begin, end) of the file.
struct LineRange {
    std::uint64_t begin = 0, end = 0;
    std::int64_t first_line = 0;  ///< the number of the line at `begin`
    std::int64_t newlines = 0;    ///< '\n' in [begin, end)
    std::uint64_t touched = 0;    ///< bytes read to find the range and parse it
    std::string_view text;        ///< the bytes [begin, end)
};

/// The offset just after the first '\n' at or after @p pos; the end of @p bytes if none.
std::uint64_t next_line_start(std::string_view bytes, std::uint64_t pos) {
    if (pos >= bytes.size()) return bytes.size();
    const void* nl = std::memchr(bytes.data() + pos, '\n', bytes.size() - pos);
    if (nl == nullptr) return bytes.size();
    return static_cast<std::uint64_t>(static_cast<const char*>(nl) - bytes.data()) + 1;
}

/// Collective: splits the data section into P near-equal byte ranges; rank r > 0 starts after
/// the first '\n' at or after its nominal start, and ends where rank r + 1 starts, so each line
/// belongs to exactly one rank. An exclusive scan of the '\n' counts numbers the lines.
LineRange my_lines(std::string_view bytes, const MtxHeader& h, MPI_Comm comm) {
    int rank = 0, size = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    const Range nominal =
        split(static_cast<std::int64_t>(bytes.size() - h.data_offset), size, rank);
    const std::uint64_t from = h.data_offset + static_cast<std::uint64_t>(nominal.begin);
    const std::uint64_t to = h.data_offset + static_cast<std::uint64_t>(nominal.end());
    LineRange r;
    r.begin = rank == 0 ? from : next_line_start(bytes, from);
    r.end = rank == size - 1 ? bytes.size() : next_line_start(bytes, to);  // NOTE: >= begin
    r.touched = r.end - from;
    r.text = bytes.substr(r.begin, r.end - r.begin);
    r.newlines = std::count(r.text.begin(), r.text.end(), '\n');
    std::int64_t before = 0;
    MPI_Exscan(&r.newlines, &before, 1, MPI_INT64_T, MPI_SUM, comm);
    r.first_line = h.size_line + 1 + (rank == 0 ? 0 : before);
    return r;
}

/// What a rank's parse of its lines found.
struct Parsed {
    std::uint64_t data_lines = 0;  ///< entry (value) lines seen, a failing one included
    Failure failure;               ///< the first error in the rank's lines
};

/// An entry of a coordinate file on its way to its block: local indices there (16 bytes).
struct Triplet {
    std::int32_t row, col;
    double value;
};

/// A value of an array file on its way to its block: column-major index there (16 bytes).
struct Placed {
    std::int64_t index;
    double value;
};

static_assert(sizeof(Triplet) == 16 && sizeof(Placed) == 16);

/// Adds entry (i, j) (0-based global) to what goes to the rank whose block holds it.
void route(const Layout& L, std::int64_t i, std::int64_t j, double v,
           std::vector<std::vector<Triplet>>& out) {
    const int bi = part_of(L.m, L.pr, i), bj = part_of(L.n, L.pc, j);
    out[static_cast<std::size_t>(L.rank_of(bi, bj))].push_back(
        {static_cast<std::int32_t>(i - L.rows(bi).begin),
         static_cast<std::int32_t>(j - L.cols(bj).begin), v});
}

/// Runs @p on_entry(parse) for each data line of this rank's range (blank and comment lines
/// skipped) with the line set in @p parse, which expects @p fields fields; counts the lines.
template <class OnEntry>
Parsed parse_lines(const LineRange& range, const MtxHeader& h, const std::string& name,
                   std::size_t fields, OnEntry on_entry) {
    Parsed p;
    EntryParser parse(name, h.field);
    Lines lines{range.text, 0, range.first_line - 1};
    p.failure = attempt(name, [&] {
        std::string_view line;
        while (lines.next(line)) {
            if (blank_or_comment(line)) continue;
            ++p.data_lines;
            parse.set_line(line, lines.line, fields);
            on_entry(parse);
            parse.end();
        }
    });
    return p;
}

/// Parses this rank's coordinate lines into @p out, by destination rank; a symmetric entry off
/// the diagonal also goes to its mirror, right after it (as the serial reader stores it).
Parsed parse_coordinate(const LineRange& range, const MtxHeader& h, const Layout& L,
                        const std::string& name, std::vector<std::vector<Triplet>>& out) {
    const bool pattern = h.field == Field::pattern;
    return parse_lines(range, h, name, pattern ? 2 : 3, [&](EntryParser& parse) {
        const std::int64_t i = parse.index(h.m, "row");
        const std::int64_t j = parse.index(h.n, "column");
        const double v = pattern ? 1.0 : checked_value(parse);
        route(L, i, j, v, out);
        if (h.symmetric && i != j) route(L, j, i, v, out);
    });
}

/// Parses this rank's array lines (one value each) into @p values, in file order.
Parsed parse_array(const LineRange& range, const MtxHeader& h, const std::string& name,
                   std::vector<double>& values) {
    return parse_lines(range, h, name, 1,
                       [&](EntryParser& parse) { values.push_back(checked_value(parse)); });
}

/// The number of the line of data line @p k (0-based, blank and comment lines skipped).
std::int64_t line_of_data_line(const LineRange& range, std::uint64_t k) {
    Lines lines{range.text, 0, range.first_line - 1};
    std::string_view line;
    while (lines.next(line))
        if (!blank_or_comment(line) && k-- == 0) break;
    return lines.line;
}

/// Collective: the serial reader's count checks over the whole file, after each rank parsed its
/// lines; the first error in file order wins. Returns the number of data lines before this
/// rank's (the global index of its first entry or value).
std::uint64_t check_count(MPI_Comm comm, std::string_view bytes, const LineRange& range,
                          const MtxHeader& h, const Parsed& p, const std::string& name) {
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    std::uint64_t before = 0;
    MPI_Exscan(&p.data_lines, &before, 1, MPI_UINT64_T, MPI_SUM, comm);
    if (rank == 0) before = 0;
    const std::string what = h.coordinate ? "entries" : "values";
    const std::string size_line = "the size line (line " + std::to_string(h.size_line) + ")";
    Failure first = p.failure;
    // NOTE: the serial reader checks the count before it parses a line, so an entry beyond the
    // declared count is reported even when its line is malformed.
    if (before <= h.entries && h.entries < before + p.data_lines)
        first = {name + ":" + std::to_string(line_of_data_line(range, h.entries - before)) +
                     ": more " + what + " than the " + std::to_string(h.entries) + " " + size_line +
                     " declares",
                 65};
    raise_any(comm, first);
    std::uint64_t totals[2] = {p.data_lines, static_cast<std::uint64_t>(range.newlines)};
    MPI_Allreduce(MPI_IN_PLACE, totals, 2, MPI_UINT64_T, MPI_SUM, comm);
    if (totals[0] != h.entries) {
        // The serial reader's line: the last one of the file.
        const bool unterminated = bytes.size() > h.data_offset && bytes.back() != '\n';
        const auto last = static_cast<std::uint64_t>(h.size_line) + totals[1] + unterminated;
        raise_any(comm, {name + ":" + std::to_string(last) + ": " + size_line + " declares " +
                             std::to_string(h.entries) + " " + what + ", the file ends after " +
                             std::to_string(totals[0]),
                         65});
    }
    return before;
}

/// Collective: sends @p out[r] to rank r; returns what every rank sent here, in rank order (so
/// in file order). Counts travel as 64-bit numbers; MPI's int counts and displacements must hold
/// each rank's totals. Sets @p bytes_sent to the bytes sent to other ranks.
template <class T>
std::vector<T> exchange(MPI_Comm comm, std::vector<std::vector<T>>&& out, const std::string& name,
                        std::uint64_t& bytes_sent) {
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    const std::size_t P = out.size();
    std::vector<std::int64_t> send_counts(P), recv_counts(P);
    for (std::size_t r = 0; r < P; ++r) send_counts[r] = static_cast<std::int64_t>(out[r].size());
    MPI_Alltoall(send_counts.data(), 1, MPI_INT64_T, recv_counts.data(), 1, MPI_INT64_T, comm);
    std::vector<int> sc(P), sd(P), rc(P), rd(P);
    std::vector<T> send, received;
    raise_any(
        comm, attempt(name, [&] {
            std::int64_t sent = 0, got = 0;
            for (std::size_t r = 0; r < P; ++r) {
                if (sent + send_counts[r] > INT_MAX || got + recv_counts[r] > INT_MAX)
                    throw std::length_error(
                        "a process would exchange more than " + std::to_string(INT_MAX) +
                        " entries at once, more than MPI's int counts allow; use more processes");
                sd[r] = static_cast<int>(sent);
                sc[r] = static_cast<int>(send_counts[r]);
                rd[r] = static_cast<int>(got);
                rc[r] = static_cast<int>(recv_counts[r]);
                sent += send_counts[r];
                got += recv_counts[r];
            }
            send.reserve(static_cast<std::size_t>(sent));
            for (auto& o : out) {
                send.insert(send.end(), o.begin(), o.end());
                std::vector<T>().swap(o);
            }
            received.resize(static_cast<std::size_t>(got));
            const std::int64_t to_self = send_counts[static_cast<std::size_t>(rank)];
            bytes_sent = static_cast<std::uint64_t>(sent - to_self) * sizeof(T);
        }));
    MPI_Datatype type = MPI_DATATYPE_NULL;
    MPI_Type_contiguous(static_cast<int>(sizeof(T)), MPI_BYTE, &type);
    MPI_Type_commit(&type);
    MPI_Alltoallv(send.data(), sc.data(), sd.data(), type, received.data(), rc.data(), rd.data(),
                  type, comm);
    MPI_Type_free(&type);
    return received;
}

/// The rows R_i and columns C_j of this rank's block.
struct BlockRange {
    Range rows, cols;
};

BlockRange my_block(const Layout& L, const Grid& grid) {
    return {L.rows(grid.i()), L.cols(grid.j())};
}

/// Throws InvalidInput when this rank's dense block would not fit the memory limit.
void check_block_memory(const BlockRange& b, const std::string& name) {
    const auto rows = static_cast<std::uint64_t>(b.rows.size);
    const auto cols = static_cast<std::uint64_t>(b.cols.size);
    io_detail::check_memory(io_detail::mul_sat(io_detail::mul_sat(rows, cols), sizeof(double)),
                            io::default_max_memory(),
                            name + ": this process's " + std::to_string(rows) + " x " +
                                std::to_string(cols) + " block");
}

/// Collective: a coordinate file's sparse block.
void read_coordinate(const LineRange& range, const MtxHeader& h, const Grid& grid,
                     std::string_view bytes, const std::string& name, LocalBlock& out) {
    const Layout L = grid.layout(out.m, out.n);
    std::vector<std::vector<Triplet>> outgoing(static_cast<std::size_t>(grid.size()));
    const Parsed p = parse_coordinate(range, h, L, name, outgoing);
    check_count(grid.world(), bytes, range, h, p, name);
    std::vector<Triplet> mine =
        exchange(grid.world(), std::move(outgoing), name, out.bytes_exchanged);
    const BlockRange b = my_block(L, grid);
    io_detail::Triplets t;
    t.reserve(mine.size());
    for (const Triplet& e : mine) t.push(e.row, e.col, e.value);
    std::vector<Triplet>().swap(mine);
    io_detail::build_csc(b.rows.size, b.cols.size, std::move(t), out.sparse);
}

/// Walks the (row, column) positions of an array file's values from value @p k on: column by
/// column, all rows (general) or rows j.. of column j (symmetric: the lower triangle).
struct ArrayWalk {
    std::int64_t m, i = 0, j = 0;
    bool symmetric;

    ArrayWalk(std::int64_t rows, bool lower, std::uint64_t k) : m(rows), symmetric(lower) {
        if (m == 0) return;
        if (!symmetric) {
            i = static_cast<std::int64_t>(k % static_cast<std::uint64_t>(m));
            j = static_cast<std::int64_t>(k / static_cast<std::uint64_t>(m));
            return;
        }
        for (; j < m && k >= static_cast<std::uint64_t>(m - j); ++j)
            k -= static_cast<std::uint64_t>(m - j);
        i = j + static_cast<std::int64_t>(k);
    }
    void next() {
        if (++i == m) {
            ++j;
            i = symmetric ? j : 0;
        }
    }
};

/// Sends each value of @p values (global indices from @p first on) to the block that holds it,
/// as its column-major index there; a symmetric value off the diagonal also to its mirror.
std::vector<std::vector<Placed>> route_array(const std::vector<double>& values, std::uint64_t first,
                                             const MtxHeader& h, const Layout& L) {
    std::vector<std::vector<Placed>> out(static_cast<std::size_t>(L.ranks()));
    auto place = [&](std::int64_t i, std::int64_t j, double v) {
        const int bi = part_of(L.m, L.pr, i), bj = part_of(L.n, L.pc, j);
        const Range R = L.rows(bi), C = L.cols(bj);
        out[static_cast<std::size_t>(L.rank_of(bi, bj))].push_back(
            {(i - R.begin) + (j - C.begin) * R.size, v});
    };
    ArrayWalk at(L.m, h.symmetric, first);
    for (double v : values) {
        place(at.i, at.j, v);
        if (h.symmetric && at.i != at.j) place(at.j, at.i, v);
        at.next();
    }
    return out;
}

/// Collective: an array file's dense block.
void read_array(const LineRange& range, const MtxHeader& h, const Grid& grid,
                std::string_view bytes, const std::string& name, LocalBlock& out) {
    const Layout L = grid.layout(out.m, out.n);
    std::vector<double> values;
    const Parsed p = parse_array(range, h, name, values);
    const std::uint64_t first = check_count(grid.world(), bytes, range, h, p, name);
    const BlockRange b = my_block(L, grid);
    std::vector<std::vector<Placed>> outgoing;
    raise_any(grid.world(), attempt(name, [&] {
                  check_block_memory(b, name);
                  outgoing = route_array(values, first, h, L);
                  std::vector<double>().swap(values);
                  out.dense = Eigen::MatrixXd::Zero(b.rows.size, b.cols.size);
              }));
    const std::vector<Placed> mine =
        exchange(grid.world(), std::move(outgoing), name, out.bytes_exchanged);
    double* dense = out.dense.data();
    for (const Placed& e : mine) dense[e.index] = e.value;
}

/// Collective: the block of a Matrix Market file whose header is @p h.
void read_mtx_block(std::string_view bytes, const MtxHeader& h, const Grid& grid,
                    const std::string& name, LocalBlock& out) {
    const LineRange range = my_lines(bytes, h, grid.world());
    out.bytes_read = h.data_offset + range.touched;
    if (h.coordinate)
        read_coordinate(range, h, grid, bytes, name, out);
    else
        read_array(range, h, grid, bytes, name, out);
}

// ---------------------------------------------------------------------------------------------
// .npy

/// The 2-D numeric array of an .npy file, checked as the serial reader checks it; only the
/// header is touched.
io_detail::NpyArray parse_npy_matrix(std::string_view bytes, const std::string& name) {
    // NOTE: no memory limit on the whole array: each rank holds only its block (checked there).
    io_detail::NpyArray a =
        io_detail::parse_npy_array(bytes, name, std::numeric_limits<std::uint64_t>::max());
    if (a.kind == 'S' || a.kind == 'U')
        throw InvalidInput(name + ": dtype " + io_detail::shown(a.descr) +
                           " holds text, expected numbers (e.g. '<f8')");
    if (a.shape.size() != 2) {
        std::string hint;
        if (a.shape.size() == 1)
            hint = " (for a column save a.reshape(-1, 1), for a row a.reshape(1, -1))";
        throw InvalidInput(name + ": shape " + io_detail::shape_text(a.shape) + " has " +
                           std::to_string(a.shape.size()) +
                           (a.shape.size() == 1 ? " dimension" : " dimensions") +
                           ", expected a 2-D array" + hint);
    }
    constexpr std::uint64_t max_dimension = std::uint64_t{1} << 62;
    if (a.shape[0] > max_dimension || a.shape[1] > max_dimension)
        throw InvalidInput(name + ": shape " + io_detail::shape_text(a.shape) +
                           " is too large (at most 2^62 rows and columns)");
    return a;
}

/// Reads this rank's block of @p a: per local column one contiguous run of its rows (Fortran
/// order), or per local row one run of its columns (C order). Throws for the first value (in
/// storage order) that is negative, NaN or infinite.
void read_npy_block(const io_detail::NpyArray& a, const BlockRange& b, const std::string& name,
                    LocalBlock& out) {
    check_block_memory(b, name);
    out.dense.resize(b.rows.size, b.cols.size);
    const auto m = static_cast<std::int64_t>(a.shape[0]), n = static_cast<std::int64_t>(a.shape[1]);
    const std::int64_t runs = a.fortran_order ? b.cols.size : b.rows.size;
    const std::int64_t run_length = a.fortran_order ? b.rows.size : b.cols.size;
    for (std::int64_t r = 0; r < runs; ++r)
        for (std::int64_t e = 0; e < run_length; ++e) {
            const std::int64_t li = a.fortran_order ? e : r, lj = a.fortran_order ? r : e;
            const std::int64_t i = b.rows.begin + li, j = b.cols.begin + lj;
            const auto k = static_cast<std::uint64_t>(a.fortran_order ? i + j * m : i * n + j);
            const double v = a.as_double(k);
            const std::string bad = defect(v);
            if (!bad.empty())
                throw InvalidInput(io_detail::at_byte(name, a.data_offset + k * a.itemsize) +
                                   "row " + std::to_string(i + 1) + ", column " +
                                   std::to_string(j + 1) + ": " + bad + nmf_needs);
            out.dense(li, lj) = v;
        }
    out.bytes_read =
        a.data_offset + static_cast<std::uint64_t>(b.rows.size * b.cols.size) * a.itemsize;
}

// ---------------------------------------------------------------------------------------------
// Both formats.

/// A file's format and header.
struct Header {
    Format format = Format::matrix_market;
    MtxHeader mtx;
    io_detail::NpyArray npy;
};

Header parse_header(const std::string& path, std::string_view bytes) {
    Header h;
    h.format = parallel_format(path, bytes);
    if (h.format == Format::npy)
        h.npy = parse_npy_matrix(bytes, path);
    else
        h.mtx = io_detail::parse_matrix_market_header(bytes, path);
    return h;
}

FileShape shape_of(const Header& h) {
    if (h.format == Format::npy)
        return {static_cast<std::int64_t>(h.npy.shape[0]),
                static_cast<std::int64_t>(h.npy.shape[1]), false, h.npy.dtype_name()};
    return {static_cast<std::int64_t>(h.mtx.m), static_cast<std::int64_t>(h.mtx.n),
            h.mtx.coordinate, h.mtx.dtype};
}

}  // namespace

FileShape read_shape(const std::string& path) {
    const MappedFile file(path);
    return shape_of(parse_header(path, file.view()));
}

LocalBlock read_block(const std::string& path, const Grid& grid) {
    const double start = MPI_Wtime();
    std::unique_ptr<MappedFile> file;
    Header h;
    raise_any(grid.world(), attempt(path, [&] {
                  file = std::make_unique<MappedFile>(path);
                  h = parse_header(path, file->view());
              }));
    const FileShape shape = shape_of(h);
    LocalBlock out;
    out.m = shape.m;
    out.n = shape.n;
    out.is_sparse = shape.is_sparse;
    out.source_dtype = shape.source_dtype;
    if (h.format == Format::npy) {
        const BlockRange b = my_block(grid.layout(out.m, out.n), grid);
        raise_any(grid.world(), attempt(path, [&] { read_npy_block(h.npy, b, path, out); }));
    } else {
        read_mtx_block(file->view(), h.mtx, grid, path, out);
    }
    out.seconds = MPI_Wtime() - start;
    return out;
}

}  // namespace nmfkit::mpi
