// Matrix Market reader (coordinate and array; real, integer and pattern; general and symmetric)
// and writer. Parses the whole (decompressed) file from memory with std::from_chars and a
// hand-written index parser, line by line with memchr: no iostreams per token.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <climits>
#include <cstring>
#include <limits>

#include "detail.hpp"

namespace nmfkit::io::detail {
namespace {

enum class Field { real, integer, pattern };
enum class Symmetry { general, symmetric };

/// The lines of a buffer, numbered from 1, without their `\n` or `\r\n`.
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
std::vector<std::string_view> split(std::string_view s) {
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

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
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

/// Parses a line of a coordinate or array section field by field.
class EntryParser {
  public:
    EntryParser(const std::string& name, Field field) : name_(name), field_(field) {}

    /// Fields expected on a line: 2 or 3 for coordinate (pattern or not), 1 for array.
    void set_line(std::string_view line, std::int64_t number, std::size_t fields) {
        line_ = line;
        pos_ = 0;
        number_ = number;
        column_ = 0;
        fields_ = fields;
    }

    /// The next 1-based index, checked against 1..@p bound, as 0-based.
    int index(std::uint64_t bound, const char* what) {
        const std::string_view token = next();
        std::uint64_t v = 0;
        if (!parse_count(token, v))
            throw InvalidInput(position(name_, number_, column_) + shown(token) + " is not a " +
                               what + " index (an integer from 1 to " + std::to_string(bound) +
                               ")");
        if (v < 1 || v > bound)
            throw InvalidInput(position(name_, number_, column_) + what + " index " +
                               std::to_string(v) + " is out of range 1.." + std::to_string(bound));
        return static_cast<int>(v - 1);
    }

    double value() {
        const std::string_view token = next();
        std::string_view digits = token;
        if (digits.size() > 1 && digits[0] == '+' && digits[1] != '-' && digits[1] != '+')
            digits.remove_prefix(1);
        const char* last = digits.data() + digits.size();
        if (field_ == Field::integer) {
            std::int64_t v = 0;
            const auto [ptr, ec] = std::from_chars(digits.data(), last, v);
            if (ec == std::errc::result_out_of_range)
                throw InvalidInput(position(name_, number_, column_) + shown(token) +
                                   " is out of the range of a 64-bit integer");
            if (ec != std::errc() || ptr != last)
                throw InvalidInput(position(name_, number_, column_) + shown(token) +
                                   " is not an integer (the header says integer)");
            return static_cast<double>(v);
        }
        double v = 0;
        const auto [ptr, ec] = std::from_chars(digits.data(), last, v);
        if (ec == std::errc::result_out_of_range)
            throw InvalidInput(position(name_, number_, column_) + shown(token) +
                               " is out of the range of a double");
        if (ec != std::errc() || ptr != last)
            throw InvalidInput(position(name_, number_, column_) + shown(token) +
                               " is not a number");
        return v;
    }

    /// Checks that nothing follows the last field.
    void end() {
        skip_blanks();
        if (pos_ < line_.size())
            too_many();
    }

  private:
    void skip_blanks() {
        while (pos_ < line_.size() && is_blank(line_[pos_])) ++pos_;
    }

    std::string_view next() {
        skip_blanks();
        ++column_;
        if (pos_ >= line_.size())
            throw InvalidInput(name_ + ":" + std::to_string(number_) + ": has " +
                               std::to_string(column_ - 1) + " fields, expected " +
                               std::to_string(fields_) + " (" + expected_fields() + ")");
        const std::size_t start = pos_;
        while (pos_ < line_.size() && !is_blank(line_[pos_])) ++pos_;
        return line_.substr(start, pos_ - start);
    }

    [[noreturn]] void too_many() const {
        const std::size_t count = split(line_).size();
        throw InvalidInput(name_ + ":" + std::to_string(number_) + ": has " +
                           std::to_string(count) + " fields, expected " + std::to_string(fields_) +
                           " (" + expected_fields() + ")");
    }

    std::string expected_fields() const {
        if (fields_ == 1)
            return "one value per line";
        return fields_ == 2 ? "ROW COLUMN" : "ROW COLUMN VALUE";
    }

    const std::string& name_;
    Field field_;
    std::string_view line_;
    std::size_t pos_ = 0;
    std::int64_t number_ = 0;
    std::size_t column_ = 0;
    std::size_t fields_ = 0;
};

/// The fast path of a coordinate line "ROW COLUMN [VALUE]": unsigned indices in range and a
/// value std::from_chars reads, separated by blanks. False for anything else (the caller then
/// parses the line again with EntryParser, which accepts or explains it).
inline bool fast_entry(std::string_view line, std::uint64_t m, std::uint64_t n, Field field,
                       int& i, int& j, double& v) {
    const char* p = line.data();
    const char* const e = p + line.size();
    auto skip = [&] {
        while (p < e && is_blank(*p)) ++p;
    };
    auto index = [&](std::uint64_t bound, int& out) {
        const char* const start = p;
        std::uint64_t x = 0;
        while (p < e && static_cast<unsigned>(*p - '0') < 10) {
            x = x * 10 + static_cast<std::uint64_t>(*p - '0');
            ++p;
        }
        if (p == start || p - start > 18 || x < 1 || x > bound)
            return false;
        out = static_cast<int>(x - 1);
        return true;
    };
    skip();
    if (!index(m, i) || p == e || !is_blank(*p))
        return false;
    skip();
    if (!index(n, j))
        return false;
    if (field != Field::pattern) {
        if (p == e || !is_blank(*p))
            return false;
        skip();
        if (field == Field::real) {
            const auto [ptr, ec] = std::from_chars(p, e, v);
            if (ec != std::errc() || ptr == p)
                return false;
            p = ptr;
        } else {
            std::int64_t x = 0;
            const auto [ptr, ec] = std::from_chars(p, e, x);
            if (ec != std::errc() || ptr == p)
                return false;
            v = static_cast<double>(x);
            p = ptr;
        }
    }
    skip();
    return p == e;
}

}  // namespace

LoadedMatrix parse_matrix_market(std::string_view bytes, const std::string& name,
                                 std::uint64_t limit) {
    Lines lines{bytes};
    std::string_view line;
    if (!lines.next(line))
        throw InvalidInput(name + ": empty file, expected a Matrix Market header "
                                  "\"%%MatrixMarket matrix coordinate real general\"");
    const auto banner = split(line);
    if (banner.empty() || lower(banner[0]) != "%%matrixmarket")
        throw InvalidInput(name + ":1: not a Matrix Market header: " + shown(line) +
                           " (expected \"%%MatrixMarket matrix FORMAT FIELD SYMMETRY\")");
    if (banner.size() != 5)
        throw InvalidInput(name + ":1: the header has " + std::to_string(banner.size()) +
                           " fields, expected 5 (%%MatrixMarket matrix FORMAT FIELD SYMMETRY)");
    const std::string object = lower(banner[1]);
    const std::string format = lower(banner[2]);
    const std::string field_text = lower(banner[3]);
    const std::string symmetry_text = lower(banner[4]);
    if (object != "matrix")
        throw InvalidInput(name + ":1: object " + shown(banner[1]) +
                           " is not supported, expected matrix");
    if (format != "coordinate" && format != "array")
        throw InvalidInput(name + ":1: format " + shown(banner[2]) +
                           " is not supported, expected coordinate or array");
    const bool coordinate = format == "coordinate";
    Field field = Field::real;
    if (field_text == "real" || field_text == "double")
        field = Field::real;
    else if (field_text == "integer")
        field = Field::integer;
    else if (field_text == "pattern")
        field = Field::pattern;
    else if (field_text == "complex")
        throw InvalidInput(name + ":1: complex matrices are not supported "
                                  "(NMF needs real, non-negative data)");
    else
        throw InvalidInput(name + ":1: field " + shown(banner[3]) +
                           " is not supported, expected real, integer or pattern");
    Symmetry symmetry = Symmetry::general;
    if (symmetry_text == "general")
        symmetry = Symmetry::general;
    else if (symmetry_text == "symmetric")
        symmetry = Symmetry::symmetric;
    else if (symmetry_text == "skew-symmetric")
        throw InvalidInput(name + ":1: skew-symmetric matrices are not supported: each "
                                  "off-diagonal entry a(i,j) stands for a(j,i) = -a(i,j), so "
                                  "one of them is negative (NMF needs non-negative data)");
    else if (symmetry_text == "hermitian")
        throw InvalidInput(name + ":1: hermitian matrices are not supported "
                                  "(they need a complex field)");
    else
        throw InvalidInput(name + ":1: symmetry " + shown(banner[4]) +
                           " is not supported, expected general or symmetric");
    if (field == Field::pattern && !coordinate)
        throw InvalidInput(name + ":1: a pattern matrix must be in coordinate format");

    // The size line: ROWS COLS [ENTRIES].
    bool found = false;
    while (lines.next(line)) {
        if (!blank_or_comment(line)) {
            found = true;
            break;
        }
    }
    const std::int64_t size_line = lines.line;
    const std::string expected_size = coordinate ? "ROWS COLUMNS ENTRIES" : "ROWS COLUMNS";
    if (!found)
        throw InvalidInput(name + ":" + std::to_string(lines.line) +
                           ": the file ends before the size line \"" + expected_size + "\"");
    const auto sizes = split(line);
    const std::size_t want = coordinate ? 3 : 2;
    if (sizes.size() != want)
        throw InvalidInput(name + ":" + std::to_string(size_line) + ": the size line has " +
                           std::to_string(sizes.size()) + " fields, expected " +
                           std::to_string(want) + " (" + expected_size + ")");
    std::uint64_t dims[3] = {0, 0, 0};
    for (std::size_t k = 0; k < want; ++k)
        if (!parse_count(sizes[k], dims[k]))
            throw InvalidInput(position(name, size_line, k + 1) + shown(sizes[k]) +
                               " is not a non-negative integer");
    const std::uint64_t m = dims[0];
    const std::uint64_t n = dims[1];
    const std::string where = name + ":" + std::to_string(size_line) + ": ";
    if (symmetry == Symmetry::symmetric && m != n)
        throw InvalidInput(where + "a symmetric matrix must be square, the size line says " +
                           std::to_string(m) + " x " + std::to_string(n));

    LoadedMatrix out;
    out.source_dtype = field_text == "double" ? "real" : field_text;
    EntryParser parse(name, field);
    const std::string_view rest = bytes.substr(std::min(lines.pos, bytes.size()));

    if (!coordinate) {
        constexpr std::uint64_t max_dimension = std::uint64_t{1} << 62;
        if (m > max_dimension || n > max_dimension)
            throw InvalidInput(where + "a " + std::to_string(m) + " x " + std::to_string(n) +
                               " array matrix is too large (at most 2^62 rows and columns)");
        const std::uint64_t values = symmetry == Symmetry::symmetric
                                         ? mul_sat(m, m + 1) / 2
                                         : mul_sat(m, n);
        check_memory(mul_sat(mul_sat(m, n), sizeof(double)), limit,
                     where + "a " + std::to_string(m) + " x " + std::to_string(n) +
                         " array matrix");
        // NOTE: each value takes at least two bytes ("0\n"); a header that declares more values
        // than that is caught at the end of the file without allocating for it first.
        std::vector<double> data;
        data.reserve(std::min<std::uint64_t>(values, rest.size() / 2 + 1));
        while (lines.next(line)) {
            if (blank_or_comment(line))
                continue;
            if (data.size() == values)
                throw InvalidInput(name + ":" + std::to_string(lines.line) +
                                   ": more values than the " + std::to_string(values) +
                                   " the size line (line " + std::to_string(size_line) +
                                   ") declares");
            parse.set_line(line, lines.line, 1);
            data.push_back(parse.value());
            parse.end();
        }
        if (data.size() != values)
            throw InvalidInput(name + ":" + std::to_string(lines.line) + ": the size line (line " +
                               std::to_string(size_line) + ") declares " +
                               std::to_string(values) + " values, the file ends after " +
                               std::to_string(data.size()));
        const auto rows = static_cast<Eigen::Index>(m);
        const auto cols = static_cast<Eigen::Index>(n);
        out.dense.resize(rows, cols);
        if (symmetry == Symmetry::general) {
            std::copy(data.begin(), data.end(), out.dense.data());
        } else {
            std::size_t k = 0;
            for (Eigen::Index j = 0; j < cols; ++j)
                for (Eigen::Index i = j; i < rows; ++i) {
                    out.dense(i, j) = data[k];
                    out.dense(j, i) = data[k++];
                }
        }
        return out;
    }

    const std::uint64_t declared = dims[2];
    constexpr std::uint64_t max_index = static_cast<std::uint64_t>(INT_MAX);
    if (m > max_index || n > max_index)
        throw InvalidInput(where + "a " + std::to_string(m) + " x " + std::to_string(n) +
                           " sparse matrix is too large: at most " + std::to_string(max_index) +
                           " rows and columns are supported");
    const std::uint64_t stored = symmetry == Symmetry::symmetric ? mul_sat(declared, 2) : declared;
    if (stored > max_index)
        throw InvalidInput(where + std::to_string(declared) +
                           " entries are too many: at most " + std::to_string(max_index) +
                           " stored entries are supported");
    // Peak memory: the triplets and one sorted copy (16 bytes an entry each), the CSC arrays.
    check_memory(mul_sat(stored, 32) + 8 * (m + n + 2), limit,
                 where + "a " + std::to_string(m) + " x " + std::to_string(n) +
                     " coordinate matrix with " + std::to_string(declared) + " entries");
    const bool pattern = field == Field::pattern;
    const std::size_t fields = pattern ? 2 : 3;
    // NOTE: an entry line takes at least 4 bytes ("1 1\n"): reserve no more than the file holds.
    Triplets t;
    t.reserve(std::min<std::uint64_t>(stored, (rest.size() / 4 + 1) *
                                                  (symmetry == Symmetry::symmetric ? 2 : 1)));
    std::uint64_t count = 0;
    while (lines.next(line)) {
        if (blank_or_comment(line))
            continue;
        if (count == declared)
            throw InvalidInput(name + ":" + std::to_string(lines.line) +
                               ": more entries than the " + std::to_string(declared) +
                               " the size line (line " + std::to_string(size_line) +
                               ") declares");
        int i = 0;
        int j = 0;
        double v = 1.0;
        if (!fast_entry(line, m, n, field, i, j, v)) {
            // The general path: accepts what the fast one does not (a leading '+'), and names
            // the field of an error.
            parse.set_line(line, lines.line, fields);
            i = parse.index(m, "row");
            j = parse.index(n, "column");
            v = pattern ? 1.0 : parse.value();
            parse.end();
        }
        t.push(i, j, v);
        if (symmetry == Symmetry::symmetric && i != j)
            t.push(j, i, v);
        ++count;
    }
    if (count != declared)
        throw InvalidInput(name + ":" + std::to_string(lines.line) + ": the size line (line " +
                           std::to_string(size_line) + ") declares " + std::to_string(declared) +
                           " entries, the file ends after " + std::to_string(count));
    out.is_sparse = true;
    build_csc(static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(n), std::move(t),
              out.sparse);
    return out;
}

void write_matrix_market(TempFile& out, const Eigen::Ref<const Eigen::MatrixXd>& M,
                         bool coordinate) {
    std::string buffer;
    constexpr std::size_t flush_at = 1 << 16;
    buffer.reserve(flush_at + 128);
    char number[64];
    auto put_number = [&](double v) {
        const auto [end, ec] = std::to_chars(number, number + sizeof number, v);
        if (ec != std::errc())
            out.fail(static_cast<int>(ec));
        buffer.append(number, end);
    };
    auto put_index = [&](std::int64_t v) {
        const auto [end, ec] = std::to_chars(number, number + sizeof number, v);
        buffer.append(number, end);
    };
    auto maybe_flush = [&] {
        if (buffer.size() >= flush_at) {
            out.write(buffer);
            buffer.clear();
        }
    };
    if (!coordinate) {
        buffer = "%%MatrixMarket matrix array real general\n";
        put_index(M.rows());
        buffer += ' ';
        put_index(M.cols());
        buffer += '\n';
        for (Eigen::Index j = 0; j < M.cols(); ++j)
            for (Eigen::Index i = 0; i < M.rows(); ++i) {
                put_number(M(i, j));
                buffer += '\n';
                maybe_flush();
            }
    } else {
        std::int64_t nnz = 0;
        for (Eigen::Index j = 0; j < M.cols(); ++j)
            for (Eigen::Index i = 0; i < M.rows(); ++i)
                nnz += M(i, j) != 0.0 || std::signbit(M(i, j)) ? 1 : 0;
        buffer = "%%MatrixMarket matrix coordinate real general\n";
        put_index(M.rows());
        buffer += ' ';
        put_index(M.cols());
        buffer += ' ';
        put_index(nnz);
        buffer += '\n';
        for (Eigen::Index j = 0; j < M.cols(); ++j)
            for (Eigen::Index i = 0; i < M.rows(); ++i) {
                // NOTE: -0.0 is written so that the round trip keeps its sign bit.
                if (M(i, j) == 0.0 && !std::signbit(M(i, j)))
                    continue;
                put_index(i + 1);
                buffer += ' ';
                put_index(j + 1);
                buffer += ' ';
                put_number(M(i, j));
                buffer += '\n';
                maybe_flush();
            }
    }
    out.write(buffer);
}

}  // namespace nmfkit::io::detail
