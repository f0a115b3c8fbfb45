// The parallel reader of V (read_block.hpp). Every rank maps the file (mmap: nothing is read until
// a page is touched), parses the header, then touches only its share of the data. Messages and
// checks are the serial reader's (io/matrix_market.cpp, io/npy.cpp), with the real FILE:LINE.
#include "mpi/read_block.hpp"

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
#include "../../io/detail.hpp"

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
        if (fd < 0)
            fail("open", path, errno);
        struct Closer {
            int fd;
            ~Closer() { ::close(fd); }
        } closer{fd};
        struct stat st {};
        if (::fstat(fd, &st) != 0)
            fail("read", path, errno);
        if (S_ISDIR(st.st_mode))
            fail("open", path, EISDIR);
        if (!S_ISREG(st.st_mode))
            throw IoError("cannot read \"" + path + "\": not a regular file (each process reads "
                                                    "its own part of the input, at its place)");
        if (st.st_size == 0)
            return;
        const auto size = static_cast<std::size_t>(st.st_size);
        void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED)
            fail("read", path, errno);
        map_ = p;
        view_ = std::string_view(static_cast<const char*>(p), size);
    }
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile() {
        if (map_ != nullptr)
            ::munmap(map_, view_.size());
    }
    std::string_view view() const { return view_; }

private:
    [[noreturn]] static void fail(const char* what, const std::string& path, int err) {
        throw IoError(std::string("cannot ") + what + " \"" + path + "\": " +
                      io_detail::errno_text(err));
    }
    void* map_ = nullptr;
    std::string_view view_;
};

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string describe(Format f) {
    switch (f) {
        case Format::csv: return "CSV";
        case Format::tsv: return "TSV";
        case Format::matrix_market: return "Matrix Market";
        case Format::npy: return ".npy";
        case Format::npz: return ".npz";
    }
    return "";
}

/// The format that the first bytes announce (binary formats and Matrix Market), as the serial
/// reader sniffs it.
std::optional<Format> sniff(std::string_view bytes) {
    if (bytes.starts_with("\x93NUMPY"))
        return Format::npy;
    if (bytes.starts_with("PK\x03\x04") || bytes.starts_with("PK\x05\x06"))
        return Format::npz;
    if (bytes.size() >= 14 && lower(bytes.substr(0, 14)) == "%%matrixmarket")
        return Format::matrix_market;
    return std::nullopt;
}

/// The format of @p path (by extension, else by content), when it can be read in parallel.
/// @throws InvalidInput for compressed files, CSV/TSV, .npz and unknown formats
Format parallel_format(const std::string& path, std::string_view bytes) {
    const std::string supported =
        " cannot be read in parallel by nmfkit-mpi, which reads uncompressed Matrix Market "
        "(.mtx, .mm) and .npy files";
    if (lower(std::filesystem::path(path).extension().string()) == ".gz" ||
        io_detail::is_gzip(bytes))
        throw InvalidInput(path + ": gzip-compressed files" + supported + "; decompress it first");
    const std::optional<Format> by_extension = io::format_for(path);
    const std::optional<Format> by_content = sniff(bytes);
    if (by_extension && by_content && *by_extension != *by_content)
        throw InvalidInput(path + ": the extension says " + describe(*by_extension) +
                           ", but the content is " + describe(*by_content));
    const std::optional<Format> format = by_extension ? by_extension : by_content;
    if (!format)
        throw InvalidInput(path + ": cannot tell the format from the extension " +
                           io_detail::shown(std::filesystem::path(path).extension().string()) +
                           " (expected .mtx, .mm or .npy)");
    if (*format != Format::matrix_market && *format != Format::npy)
        throw InvalidInput(path + ": " + describe(*format) + supported +
                           "; write it as one of those first");
    return *format;
}

// ---------------------------------------------------------------------------------------------
// Matrix Market text: lines, fields, the header.

/// The lines of a buffer, numbered from `line + 1`, without their `\n` or `\r\n`.
struct Lines {
    std::string_view text;
    std::size_t pos = 0;
    std::int64_t line = 0;

    bool next(std::string_view& out) {
        if (pos >= text.size())
            return false;
        const char* start = text.data() + pos;
        const void* nl = std::memchr(start, '\n', text.size() - pos);
        const std::size_t len =
            nl != nullptr ? static_cast<std::size_t>(static_cast<const char*>(nl) - start)
                          : text.size() - pos;
        out = std::string_view(start, len);
        if (!out.empty() && out.back() == '\r')
            out.remove_suffix(1);
        pos += len + 1;
        ++line;
        return true;
    }
};

bool is_blank(char c) { return c == ' ' || c == '\t'; }

/// The whitespace-separated fields of a line.
std::vector<std::string_view> fields_of(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_blank(s[i])) ++i;
        const std::size_t start = i;
        while (i < s.size() && !is_blank(s[i])) ++i;
        if (i > start)
            out.push_back(s.substr(start, i - start));
    }
    return out;
}

bool blank_or_comment(std::string_view line) {
    for (char c : line) {
        if (c == '%')
            return true;
        if (!is_blank(c))
            return false;
    }
    return true;
}

/// A decimal integer without sign, or false.
bool parse_count(std::string_view token, std::uint64_t& value) {
    if (token.empty() || token.size() > 19)
        return false;
    std::uint64_t v = 0;
    for (char c : token) {
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    value = v;
    return true;
}

/// Shortest round-trip text of @p v.
std::string number_text(double v) {
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

/// "negative entry -2.5", "NaN entry", "infinite entry inf"; "" for a finite value >= 0.
std::string defect(double v) {
    if (std::isnan(v))
        return "NaN entry";
    if (std::isinf(v))
        return "infinite entry " + number_text(v);
    return v < 0 ? "negative entry " + number_text(v) : "";
}

constexpr const char* nmf_needs = " (NMF needs finite, non-negative data)";

enum class Field { real, integer, pattern };

/// What the banner and the size line of a Matrix Market file say, and where its data starts.
struct MtxHeader {
    bool coordinate = true;
    bool symmetric = false;
    Field field = Field::real;
    std::string dtype;                 ///< "real", "integer" or "pattern"
    std::uint64_t m = 0, n = 0;
    std::uint64_t declared = 0;        ///< entries (coordinate) or values (array) the file holds
    std::int64_t size_line = 0;        ///< the number of the size line
    std::uint64_t data_begin = 0;      ///< byte offset of the line after the size line
};

/// Reads the format, field and symmetry of the banner (line 1) into @p h.
void parse_banner(std::string_view line, const std::string& name, MtxHeader& h) {
    const auto banner = fields_of(line);
    if (banner.empty() || lower(banner[0]) != "%%matrixmarket")
        throw InvalidInput(name + ":1: not a Matrix Market header: " + io_detail::shown(line) +
                           " (expected \"%%MatrixMarket matrix FORMAT FIELD SYMMETRY\")");
    if (banner.size() != 5)
        throw InvalidInput(name + ":1: the header has " + std::to_string(banner.size()) +
                           " fields, expected 5 (%%MatrixMarket matrix FORMAT FIELD SYMMETRY)");
    const std::string object = lower(banner[1]), format = lower(banner[2]);
    const std::string field = lower(banner[3]), symmetry = lower(banner[4]);
    if (object != "matrix")
        throw InvalidInput(name + ":1: object " + io_detail::shown(banner[1]) +
                           " is not supported, expected matrix");
    if (format != "coordinate" && format != "array")
        throw InvalidInput(name + ":1: format " + io_detail::shown(banner[2]) +
                           " is not supported, expected coordinate or array");
    h.coordinate = format == "coordinate";
    if (field == "real" || field == "double")
        h.field = Field::real;
    else if (field == "integer")
        h.field = Field::integer;
    else if (field == "pattern")
        h.field = Field::pattern;
    else if (field == "complex")
        throw InvalidInput(name + ":1: complex matrices are not supported "
                                  "(NMF needs real, non-negative data)");
    else
        throw InvalidInput(name + ":1: field " + io_detail::shown(banner[3]) +
                           " is not supported, expected real, integer or pattern");
    h.dtype = field == "double" ? "real" : field;
    if (symmetry == "skew-symmetric")
        throw InvalidInput(name + ":1: skew-symmetric matrices are not supported: each "
                                  "off-diagonal entry a(i,j) stands for a(j,i) = -a(i,j), so "
                                  "one of them is negative (NMF needs non-negative data)");
    if (symmetry == "hermitian")
        throw InvalidInput(name + ":1: hermitian matrices are not supported "
                                  "(they need a complex field)");
    if (symmetry != "general" && symmetry != "symmetric")
        throw InvalidInput(name + ":1: symmetry " + io_detail::shown(banner[4]) +
                           " is not supported, expected general or symmetric");
    h.symmetric = symmetry == "symmetric";
    if (h.field == Field::pattern && !h.coordinate)
        throw InvalidInput(name + ":1: a pattern matrix must be in coordinate format");
}

/// Finds and reads the size line "ROWS COLUMNS [ENTRIES]" into @p h.
void parse_size_line(Lines& lines, const std::string& name, MtxHeader& h) {
    std::string_view line;
    bool found = false;
    while (!found && lines.next(line)) found = !blank_or_comment(line);
    const std::string expected = h.coordinate ? "ROWS COLUMNS ENTRIES" : "ROWS COLUMNS";
    if (!found)
        throw InvalidInput(name + ":" + std::to_string(lines.line) +
                           ": the file ends before the size line \"" + expected + "\"");
    h.size_line = lines.line;
    h.data_begin = std::min(lines.pos, lines.text.size());
    const auto sizes = fields_of(line);
    const std::size_t want = h.coordinate ? 3 : 2;
    if (sizes.size() != want)
        throw InvalidInput(name + ":" + std::to_string(h.size_line) + ": the size line has " +
                           std::to_string(sizes.size()) + " fields, expected " +
                           std::to_string(want) + " (" + expected + ")");
    std::uint64_t dims[3] = {0, 0, 0};
    for (std::size_t k = 0; k < want; ++k)
        if (!parse_count(sizes[k], dims[k]))
            throw InvalidInput(io_detail::position(name, h.size_line, k + 1) +
                               io_detail::shown(sizes[k]) + " is not a non-negative integer");
    h.m = dims[0];
    h.n = dims[1];
    h.declared = dims[2];
}

/// Checks the dimensions against what the blocks can hold; sets the value count of an array.
void check_dimensions(const std::string& name, MtxHeader& h) {
    const std::string where = name + ":" + std::to_string(h.size_line) + ": ";
    const std::string shape = std::to_string(h.m) + " x " + std::to_string(h.n);
    if (h.symmetric && h.m != h.n)
        throw InvalidInput(where + "a symmetric matrix must be square, the size line says " +
                           shape);
    if (h.coordinate) {
        constexpr std::uint64_t max_index = INT_MAX;
        if (h.m > max_index || h.n > max_index)
            throw InvalidInput(where + "a " + shape + " sparse matrix is too large: at most " +
                               std::to_string(max_index) + " rows and columns are supported");
        return;
    }
    constexpr std::uint64_t max_dimension = std::uint64_t{1} << 62;
    if (h.m > max_dimension || h.n > max_dimension)
        throw InvalidInput(where + "a " + shape +
                           " array matrix is too large (at most 2^62 rows and columns)");
    h.declared = h.symmetric ? io_detail::mul_sat(h.m, h.m + 1) / 2 : io_detail::mul_sat(h.m, h.n);
}

/// The header of a Matrix Market file (only the header's bytes are touched).
MtxHeader parse_mtx_header(std::string_view bytes, const std::string& name) {
    Lines lines{bytes};
    std::string_view line;
    if (!lines.next(line))
        throw InvalidInput(name + ": empty file, expected a Matrix Market header "
                                  "\"%%MatrixMarket matrix coordinate real general\"");
    MtxHeader h;
    parse_banner(line, name, h);
    parse_size_line(lines, name, h);
    check_dimensions(name, h);
    return h;
}

/// Parses the fields of one data line, with the serial reader's messages
/// ("FILE:LINE: column C: ..."); values must also be finite and non-negative.
class LineParser {
public:
    LineParser(const std::string& name, Field field, std::size_t fields)
        : name_(name), field_(field), fields_(fields) {}

    void start(std::string_view line, std::int64_t number) {
        line_ = line;
        pos_ = 0;
        number_ = number;
        column_ = 0;
    }

    /// The next 1-based index, checked against 1..@p bound, as 0-based.
    std::int64_t index(std::uint64_t bound, const char* what) {
        const std::string_view token = next();
        std::uint64_t v = 0;
        if (!parse_count(token, v))
            throw InvalidInput(where() + io_detail::shown(token) + " is not a " + what +
                               " index (an integer from 1 to " + std::to_string(bound) + ")");
        if (v < 1 || v > bound)
            throw InvalidInput(where() + what + " index " + std::to_string(v) +
                               " is out of range 1.." + std::to_string(bound));
        return static_cast<std::int64_t>(v - 1);
    }

    /// The next value: a real or an integer as the header says, finite and non-negative.
    double value() {
        const std::string_view token = next();
        std::string_view digits = token;
        if (digits.size() > 1 && digits[0] == '+' && digits[1] != '-' && digits[1] != '+')
            digits.remove_prefix(1);
        const double v = field_ == Field::integer ? integer(token, digits) : real(token, digits);
        const std::string bad = defect(v);
        if (!bad.empty())
            throw InvalidInput(where() + bad + nmf_needs);
        return v;
    }

    /// Checks that nothing follows the last field.
    void end() {
        skip_blanks();
        if (pos_ < line_.size())
            throw field_count(fields_of(line_).size());
    }

private:
    double integer(std::string_view token, std::string_view digits) const {
        std::int64_t v = 0;
        const char* last = digits.data() + digits.size();
        const auto [ptr, ec] = std::from_chars(digits.data(), last, v);
        if (ec == std::errc::result_out_of_range)
            throw InvalidInput(where() + io_detail::shown(token) +
                               " is out of the range of a 64-bit integer");
        if (ec != std::errc() || ptr != last)
            throw InvalidInput(where() + io_detail::shown(token) +
                               " is not an integer (the header says integer)");
        return static_cast<double>(v);
    }

    double real(std::string_view token, std::string_view digits) const {
        double v = 0;
        const char* last = digits.data() + digits.size();
        const auto [ptr, ec] = std::from_chars(digits.data(), last, v);
        if (ec == std::errc::result_out_of_range)
            throw InvalidInput(where() + io_detail::shown(token) +
                               " is out of the range of a double");
        if (ec != std::errc() || ptr != last)
            throw InvalidInput(where() + io_detail::shown(token) + " is not a number");
        return v;
    }

    std::string where() const { return io_detail::position(name_, number_, column_); }

    void skip_blanks() {
        while (pos_ < line_.size() && is_blank(line_[pos_])) ++pos_;
    }

    std::string_view next() {
        skip_blanks();
        ++column_;
        if (pos_ >= line_.size())
            throw field_count(column_ - 1);
        const std::size_t start = pos_;
        while (pos_ < line_.size() && !is_blank(line_[pos_])) ++pos_;
        return line_.substr(start, pos_ - start);
    }

    InvalidInput field_count(std::size_t count) const {
        const char* expected = fields_ == 1   ? "one value per line"
                               : fields_ == 2 ? "ROW COLUMN"
                                              : "ROW COLUMN VALUE";
        return InvalidInput(name_ + ":" + std::to_string(number_) + ": has " +
                            std::to_string(count) + " fields, expected " +
                            std::to_string(fields_) + " (" + expected + ")");
    }

    const std::string& name_;
    Field field_;
    std::size_t fields_;
    std::string_view line_;
    std::size_t pos_ = 0;
    std::int64_t number_ = 0;
    std::size_t column_ = 0;
};

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
    if (pos >= bytes.size())
        return bytes.size();
    const void* nl = std::memchr(bytes.data() + pos, '\n', bytes.size() - pos);
    if (nl == nullptr)
        return bytes.size();
    return static_cast<std::uint64_t>(static_cast<const char*>(nl) - bytes.data()) + 1;
}

/// Collective: splits the data section into P near-equal byte ranges; rank r > 0 starts after
/// the first '\n' at or after its nominal start, and ends where rank r + 1 starts, so each line
/// belongs to exactly one rank. An exclusive scan of the '\n' counts numbers the lines.
LineRange my_lines(std::string_view bytes, const MtxHeader& h, MPI_Comm comm) {
    int rank = 0, size = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    const Range nominal = split(static_cast<std::int64_t>(bytes.size() - h.data_begin), size, rank);
    const std::uint64_t from = h.data_begin + static_cast<std::uint64_t>(nominal.begin);
    const std::uint64_t to = h.data_begin + static_cast<std::uint64_t>(nominal.end());
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

/// Parses this rank's coordinate lines into @p out, by destination rank; a symmetric entry off
/// the diagonal also goes to its mirror, right after it (as the serial reader stores it).
Parsed parse_coordinate(const LineRange& range, const MtxHeader& h, const Layout& L,
                        const std::string& name, std::vector<std::vector<Triplet>>& out) {
    Parsed p;
    const bool pattern = h.field == Field::pattern;
    LineParser parse(name, h.field, pattern ? 2 : 3);
    Lines lines{range.text, 0, range.first_line - 1};
    p.failure = attempt(name, [&] {
        std::string_view line;
        while (lines.next(line)) {
            if (blank_or_comment(line))
                continue;
            ++p.data_lines;
            parse.start(line, lines.line);
            const std::int64_t i = parse.index(h.m, "row");
            const std::int64_t j = parse.index(h.n, "column");
            const double v = pattern ? 1.0 : parse.value();
            parse.end();
            route(L, i, j, v, out);
            if (h.symmetric && i != j)
                route(L, j, i, v, out);
        }
    });
    return p;
}

/// Parses this rank's array lines (one value each) into @p values, in file order.
Parsed parse_array(const LineRange& range, const MtxHeader& h, const std::string& name,
                   std::vector<double>& values) {
    Parsed p;
    LineParser parse(name, h.field, 1);
    Lines lines{range.text, 0, range.first_line - 1};
    p.failure = attempt(name, [&] {
        std::string_view line;
        while (lines.next(line)) {
            if (blank_or_comment(line))
                continue;
            ++p.data_lines;
            parse.start(line, lines.line);
            values.push_back(parse.value());
            parse.end();
        }
    });
    return p;
}

/// The number of the line of data line @p k (0-based, blank and comment lines skipped).
std::int64_t line_of_data_line(const LineRange& range, std::uint64_t k) {
    Lines lines{range.text, 0, range.first_line - 1};
    std::string_view line;
    while (lines.next(line))
        if (!blank_or_comment(line) && k-- == 0)
            break;
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
    if (rank == 0)
        before = 0;
    const std::string what = h.coordinate ? "entries" : "values";
    const std::string size_line = "the size line (line " + std::to_string(h.size_line) + ")";
    Failure first = p.failure;
    // NOTE: the serial reader checks the count before it parses a line, so an entry beyond the
    // declared count is reported even when its line is malformed.
    if (before <= h.declared && h.declared < before + p.data_lines)
        first = {name + ":" + std::to_string(line_of_data_line(range, h.declared - before)) +
                     ": more " + what + " than the " + std::to_string(h.declared) + " " +
                     size_line + " declares",
                 65};
    raise_any(comm, first);
    std::uint64_t totals[2] = {p.data_lines, static_cast<std::uint64_t>(range.newlines)};
    MPI_Allreduce(MPI_IN_PLACE, totals, 2, MPI_UINT64_T, MPI_SUM, comm);
    if (totals[0] != h.declared) {
        // The serial reader's line: the last one of the file.
        const bool unterminated = bytes.size() > h.data_begin && bytes.back() != '\n';
        const auto last = static_cast<std::uint64_t>(h.size_line) + totals[1] + unterminated;
        raise_any(comm, {name + ":" + std::to_string(last) + ": " + size_line + " declares " +
                             std::to_string(h.declared) + " " + what + ", the file ends after " +
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
    raise_any(comm, attempt(name, [&] {
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
        if (m == 0)
            return;
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
        if (h.symmetric && at.i != at.j)
            place(at.j, at.i, v);
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
    out.bytes_read = h.data_begin + range.touched;
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
        h.mtx = parse_mtx_header(bytes, path);
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
