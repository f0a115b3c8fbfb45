#pragma once
// Matrix Market parsing shared by the serial reader (matrix_market.cpp) and the parallel block
// reader of nmfkit-mpi (io/read_block.cpp): lines, fields, the header and the entry lines,
// with the serial reader's checks and messages. Internal to nmfkit_io (not installed).

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "detail.hpp"

namespace nmfkit::io::detail {

enum class Field { real, integer, pattern };

/// The lines of a buffer, numbered from `line + 1`, without their `\n` or `\r\n`.
struct Lines {
    std::string_view text;
    std::size_t pos = 0;
    std::int64_t line = 0;

    bool next(std::string_view& out) {
        if (pos >= text.size()) return false;
        const char* start = text.data() + pos;
        const void* nl = std::memchr(start, '\n', text.size() - pos);
        const std::size_t len = nl != nullptr
                                    ? static_cast<std::size_t>(static_cast<const char*>(nl) - start)
                                    : text.size() - pos;
        out = std::string_view(start, len);
        if (!out.empty() && out.back() == '\r') out.remove_suffix(1);
        pos += len + 1;
        ++line;
        return true;
    }
};

inline bool is_blank(char c) { return c == ' ' || c == '\t'; }

/// The whitespace-separated fields of a line.
std::vector<std::string_view> split(std::string_view s);

inline bool blank_or_comment(std::string_view line) {
    for (char c : line) {
        if (c == '%') return true;
        if (!is_blank(c)) return false;
    }
    return true;
}

/// A decimal integer without sign, or false.
inline bool parse_count(std::string_view token, std::uint64_t& value) {
    if (token.empty() || token.size() > 19) return false;
    std::uint64_t v = 0;
    for (char c : token) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    value = v;
    return true;
}

/// What the banner and the size line of a Matrix Market file say, and where its data starts.
struct MatrixMarketHeader {
    bool coordinate = true;
    Field field = Field::real;
    bool symmetric = false;
    std::string dtype;  ///< "real" (also for "double"), "integer" or "pattern"
    std::uint64_t m = 0, n = 0;
    /// The entries (coordinate) or values (array: m * n, or m (m + 1) / 2 when symmetric, with
    /// saturation) that the data section must hold.
    std::uint64_t entries = 0;
    std::int64_t size_line = 0;   ///< the number of the size line
    std::size_t data_offset = 0;  ///< byte offset of the line after the size line
};

/// Parses the banner "%%MatrixMarket matrix FORMAT FIELD SYMMETRY" and the size line "ROWS
/// COLUMNS [ENTRIES]" of @p bytes (only the header's bytes are touched) and checks the
/// dimensions: a symmetric matrix square, at most INT_MAX rows and columns for coordinate, at
/// most 2^62 for array. @p name prefixes the messages ("FILE:LINE: ...").
/// @throws InvalidInput naming the line (and column) of the first problem
MatrixMarketHeader parse_matrix_market_header(std::string_view bytes, const std::string& name);

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
        if (pos_ < line_.size()) too_many();
    }

    /// "FILE:LINE: column C: " of the last field read.
    std::string where() const { return position(name_, number_, column_); }

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
        if (fields_ == 1) return "one value per line";
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
inline bool fast_entry(std::string_view line, std::uint64_t m, std::uint64_t n, Field field, int& i,
                       int& j, double& v) {
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
        if (p == start || p - start > 18 || x < 1 || x > bound) return false;
        out = static_cast<int>(x - 1);
        return true;
    };
    skip();
    if (!index(m, i) || p == e || !is_blank(*p)) return false;
    skip();
    if (!index(n, j)) return false;
    if (field != Field::pattern) {
        if (p == e || !is_blank(*p)) return false;
        skip();
        if (field == Field::real) {
            const auto [ptr, ec] = std::from_chars(p, e, v);
            if (ec != std::errc() || ptr == p) return false;
            p = ptr;
        } else {
            std::int64_t x = 0;
            const auto [ptr, ec] = std::from_chars(p, e, x);
            if (ec != std::errc() || ptr == p) return false;
            v = static_cast<double>(x);
            p = ptr;
        }
    }
    skip();
    return p == e;
}

}  // namespace nmfkit::io::detail
