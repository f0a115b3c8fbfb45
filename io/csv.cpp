// CSV/TSV reader (optional header row and row-name column, auto-detected) and writer.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include <nmfkit/io/csv.hpp>

#include "detail.hpp"

namespace nmfkit::io {
namespace {

namespace fs = std::filesystem;
using detail::position;
using detail::shown;

constexpr std::string_view blanks = " \t\r";

/// NOTE: always inlined: called for every field and line, and a call costs more than the trim.
[[gnu::always_inline]] inline std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(blanks);
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(blanks);
    return s.substr(first, last - first + 1);
}

/// The number in @p field as std::from_chars reads it (a leading '+' allowed), or an error code.
std::errc to_number(std::string_view field, double& value) {
    std::string_view digits = field;
    // std::from_chars rejects a leading '+'; accept one before a digit or a '.'.
    if (digits.size() > 1 && digits[0] == '+' &&
        (std::isdigit(static_cast<unsigned char>(digits[1])) != 0 || digits[1] == '.'))
        digits.remove_prefix(1);
    const char* last = digits.data() + digits.size();
    const auto [ptr, ec] = std::from_chars(digits.data(), last, value);
    if (ec == std::errc() && ptr != last) return std::errc::invalid_argument;
    return ec;
}

bool is_number(std::string_view field) {
    double v = 0;
    return !field.empty() && to_number(field, v) != std::errc::invalid_argument;
}

/// Throws the InvalidInput for a field that is empty or not a number (@p ec from to_number).
[[noreturn, gnu::cold, gnu::noinline]] void bad_field(std::string_view field, std::errc ec,
                                                      const std::string& name, std::int64_t line,
                                                      std::size_t column) {
    if (field.empty()) throw InvalidInput(position(name, line, column) + "empty field");
    if (ec == std::errc::result_out_of_range)
        throw InvalidInput(position(name, line, column) + detail::shown(field) +
                           " is out of the range of a double");
    throw InvalidInput(position(name, line, column) + detail::shown(field) + " is not a number");
}

/// The number in @p field. NOTE: the error paths are out of line so that this stays small enough
/// to be inlined into the parsing loop.
inline double parse_field(std::string_view field, const std::string& name, std::int64_t line,
                          std::size_t column) {
    double value = 0;
    const std::errc ec = field.empty() ? std::errc::invalid_argument : to_number(field, value);
    if (ec != std::errc()) [[unlikely]]
        bad_field(field, ec, name, line, column);
    return value;
}

/// The trimmed fields of @p line split at @p delimiter; true when one of them starts with a double
/// quote (a quoted field: the line must be split again by split_quoted).
bool split_fields(std::string_view line, char delimiter, std::vector<std::string_view>& out) {
    out.clear();
    bool quoted = false;
    for (;;) {
        const auto end = line.find(delimiter);
        const std::string_view field = trim(line.substr(0, end));
        quoted = quoted || (!field.empty() && field.front() == '"');
        out.push_back(field);
        if (end == std::string_view::npos) break;
        line.remove_prefix(end + 1);
    }
    return quoted;
}

/// The fields of a record that holds quoted fields, and the line each field starts on.
struct QuotedRecord {
    std::vector<std::string> text;
    std::vector<std::int64_t> line;
};

/// A blank around a field: space, tab or CR, unless it is the delimiter.
bool is_blank(char c, char delimiter) {
    return c != delimiter && (c == ' ' || c == '\t' || c == '\r');
}

/// Splits the record that starts at @p bytes[@p pos] on line @p line as RFC 4180 says: a field
/// whose first non-blank character is a double quote runs to the matching closing quote, may hold
/// the delimiter and line breaks, and writes a double quote as two (""); blanks around the quotes
/// are dropped. Other fields are trimmed as split_fields() trims them (a double quote inside one is an
/// ordinary character). Fills @p rec and points @p out at its fields; advances @p line by the line
/// breaks inside quotes and returns the position after the record's line break.
/// @throws InvalidInput for a quote that is never closed or text after a closing quote.
std::size_t split_quoted(std::string_view bytes, std::size_t pos, char delimiter,
                         const std::string& name, std::int64_t& line, QuotedRecord& rec,
                         std::vector<std::string_view>& out) {
    rec.text.clear();
    rec.line.clear();
    const std::size_t n = bytes.size();
    for (std::size_t column = 1;; ++column) {
        while (pos < n && is_blank(bytes[pos], delimiter)) ++pos;
        const std::int64_t starts_on = line;
        std::string field;
        if (pos < n && bytes[pos] == '"') {
            ++pos;
            for (;;) {
                const void* q = std::memchr(bytes.data() + pos, '"', n - pos);
                if (q == nullptr)
                    throw InvalidInput(position(name, starts_on, column) +
                                       "the double quote that opens this field is never closed "
                                       "(the file ends inside the quoted field)");
                const auto close =
                    static_cast<std::size_t>(static_cast<const char*>(q) - bytes.data());
                const std::string_view chunk = bytes.substr(pos, close - pos);
                line += std::count(chunk.begin(), chunk.end(), '\n');
                field.append(chunk);
                pos = close + 1;
                if (pos < n && bytes[pos] == '"') {  // "" stands for one double quote
                    field += '"';
                    ++pos;
                    continue;
                }
                break;
            }
            while (pos < n && is_blank(bytes[pos], delimiter)) ++pos;
            if (pos < n && bytes[pos] != delimiter && bytes[pos] != '\n')
                throw InvalidInput(position(name, line, column) + "unexpected " +
                                   shown(bytes.substr(pos, 1)) +
                                   " after the closing double quote of a quoted field (a double "
                                   "quote inside one is written twice: \"\")");
        } else {
            std::size_t end = pos;
            while (end < n && bytes[end] != delimiter && bytes[end] != '\n') ++end;
            field = trim(bytes.substr(pos, end - pos));
            pos = end;
        }
        rec.text.push_back(std::move(field));
        rec.line.push_back(starts_on);
        if (pos < n && bytes[pos] == delimiter) {
            ++pos;
            continue;
        }
        if (pos < n) ++pos;  // the line break that ends the record
        break;
    }
    // NOTE: views made after the vector stops growing (a short string moves with it).
    out.assign(rec.text.begin(), rec.text.end());
    return pos;
}

/// The prefix of the memory-limit message for @p count values read up to line @p line.
std::string values_text(const std::string& name, std::int64_t line, std::size_t text_bytes,
                        std::size_t count) {
    return name + ":" + std::to_string(line) + ": the text (" + std::to_string(text_bytes) +
           " bytes) and " + std::to_string(count) +
           " values (16 bytes each: as read and in the matrix)";
}

}  // namespace

std::string quote_field(std::string_view text, char delimiter) {
    const bool quote =
        !text.empty() &&
        (text.find_first_of("\"\n\r") != std::string_view::npos ||
         text.find(delimiter) != std::string_view::npos || text.front() == '#' ||
         text.front() == ' ' || text.front() == '\t' || text.back() == ' ' || text.back() == '\t');
    if (!quote) return std::string(text);
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

namespace detail {

LoadedMatrix parse_delimited(std::string_view bytes, const std::string& name, char delimiter,
                             std::optional<bool> header, std::optional<bool> row_names,
                             std::uint64_t limit) {
    // Memory: the text, then the values twice (as read, then as the matrix), 8 bytes each.
    check_memory(bytes.size(), limit,
                 name + ": the text (" + std::to_string(bytes.size()) + " bytes)");
    LoadedMatrix out;
    out.source_dtype = "text";
    std::vector<double> values;  // row-major
    std::vector<std::string_view> fields;
    QuotedRecord quoted_fields;  // the fields of the current record when it holds quoted ones
    std::size_t cols = 0;        // fields per data line, row-name field included
    std::int64_t header_line = 0;
    std::size_t header_fields = 0;
    std::vector<std::string> header_labels;
    bool first_content = true;
    std::size_t pos = 0;
    std::int64_t last = 0;  // the line the current record ends on (quoted fields span lines)
    for (std::int64_t line = 1; pos < bytes.size(); line = last + 1) {
        last = line;
        const void* nl = std::memchr(bytes.data() + pos, '\n', bytes.size() - pos);
        const std::size_t len =
            nl != nullptr
                ? static_cast<std::size_t>(static_cast<const char*>(nl) - (bytes.data() + pos))
                : bytes.size() - pos;
        std::string_view rest = bytes.substr(pos, len);
        pos += len + 1;
        if (line == 1 && rest.starts_with("\xEF\xBB\xBF")) rest.remove_prefix(3);  // UTF-8 BOM
        const std::string_view content = trim(rest);
        if (content.empty() || content.front() == '#') continue;
        // NOTE: only a record with a field that starts with a double quote takes the slower,
        // quote-aware path; plain lines are split at the delimiter found by find().
        const bool quoted = split_fields(rest, delimiter, fields);
        if (quoted)
            pos = split_quoted(bytes, static_cast<std::size_t>(rest.data() - bytes.data()),
                               delimiter, name, last, quoted_fields, fields);
        if (first_content) {
            first_content = false;
            bool is_header = false;
            if (header.has_value()) {
                is_header = *header;
            } else {
                // Auto-detect: no field is a number and one is not empty (the first field is
                // left out when it may be the corner above a row-name column).
                const std::size_t from = row_names.value_or(true) && fields.size() > 1 ? 1 : 0;
                bool any_text = false;
                bool any_number = false;
                for (std::size_t k = from; k < fields.size(); ++k) {
                    any_number = any_number || is_number(fields[k]);
                    any_text = any_text || !fields[k].empty();
                }
                is_header = any_text && !any_number;
            }
            if (is_header) {
                header_line = line;
                header_fields = fields.size();
                for (auto f : fields) header_labels.emplace_back(f);
                continue;
            }
        }
        if (out.line_of_row.empty()) {
            if (!row_names.has_value())
                row_names = fields.size() > 1 && !fields[0].empty() && !is_number(fields[0]);
            cols = fields.size();
            if (header_line != 0) {
                const std::size_t data_cols = cols - (*row_names ? 1 : 0);
                if (header_fields == data_cols + 1 && *row_names)
                    header_labels.erase(header_labels.begin());  // the corner label
                else if (header_fields != data_cols)
                    throw InvalidInput(name + ":" + std::to_string(header_line) +
                                       ": the header has " + std::to_string(header_fields) +
                                       " fields, expected " + std::to_string(data_cols) +
                                       (*row_names ? " or " + std::to_string(data_cols + 1) : "") +
                                       " (line " + std::to_string(line) + " has " +
                                       std::to_string(cols) + " fields" +
                                       (*row_names ? ", the first a row name)" : ")"));
                out.col_labels = std::exchange(header_labels, {});  // the header is read once
            }
        }
        const std::size_t first = *row_names ? 1 : 0;
        if (values.size() + fields.size() > values.capacity())  // before the vector grows
            check_memory(
                bytes.size() + 16 * static_cast<std::uint64_t>(values.size() + fields.size()),
                limit, values_text(name, line, bytes.size(), values.size() + fields.size()));
        for (std::size_t k = first; k < fields.size(); ++k)
            values.push_back(
                parse_field(fields[k], name, quoted ? quoted_fields.line[k] : line, k + 1));
        if (*row_names) out.row_labels.emplace_back(fields[0]);
        if (fields.size() != cols)
            throw InvalidInput(name + ":" + std::to_string(line) + ": has " +
                               std::to_string(fields.size()) + " fields, expected " +
                               std::to_string(cols) + " (as on line " +
                               std::to_string(out.line_of_row.front()) + ")");
        out.line_of_row.push_back(line);
    }
    if (out.line_of_row.empty()) throw InvalidInput(name + ": no data rows");
    check_memory(bytes.size() + 16 * static_cast<std::uint64_t>(values.size()), limit,
                 values_text(name, out.line_of_row.back(), bytes.size(), values.size()));
    const auto m = static_cast<Eigen::Index>(out.line_of_row.size());
    const auto n = static_cast<Eigen::Index>(cols - (*row_names ? 1 : 0));
    out.dense =
        Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
            values.data(), m, n);
    return out;
}

void write_delimited(TempFile& tmp, const Eigen::Ref<const Eigen::MatrixXd>& M, char delimiter,
                     const std::string& path, const std::vector<std::string>& row_labels,
                     const std::vector<std::string>& col_labels) {
    if (!row_labels.empty() && static_cast<Eigen::Index>(row_labels.size()) != M.rows())
        throw InvalidInput("cannot write \"" + path + "\": " + std::to_string(row_labels.size()) +
                           " row labels for " + std::to_string(M.rows()) + " rows");
    if (!col_labels.empty() && static_cast<Eigen::Index>(col_labels.size()) != M.cols())
        throw InvalidInput("cannot write \"" + path + "\": " + std::to_string(col_labels.size()) +
                           " column labels for " + std::to_string(M.cols()) + " columns");
    constexpr std::size_t flush_at = 1 << 16;
    std::string buffer;
    buffer.reserve(flush_at + 64);
    if (!col_labels.empty()) {
        for (std::size_t j = 0; j < col_labels.size(); ++j) {
            if (j > 0 || !row_labels.empty()) buffer += delimiter;
            buffer += quote_field(col_labels[j], delimiter);
        }
        buffer += '\n';
    }
    char number[64];
    for (Eigen::Index i = 0; i < M.rows(); ++i) {
        if (!row_labels.empty()) {
            buffer += quote_field(row_labels[static_cast<std::size_t>(i)], delimiter);
            buffer += delimiter;
        }
        for (Eigen::Index j = 0; j < M.cols(); ++j) {
            if (j > 0) buffer += delimiter;
            const auto [end, ec] = std::to_chars(number, number + sizeof number, M(i, j));
            if (ec != std::errc()) tmp.fail(static_cast<int>(ec));
            buffer.append(number, end);
        }
        buffer += '\n';
        if (buffer.size() >= flush_at) {
            tmp.write(buffer);
            buffer.clear();
        }
    }
    tmp.write(buffer);
}

}  // namespace detail

char delimiter_for(const std::string& path) {
    std::string ext = fs::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext == ".tsv" || ext == ".tab" ? '\t' : ',';
}

CsvMatrix parse_csv(std::istream& in, const std::string& name, char delimiter) {
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw IoError(name + ": read error");
    LoadedMatrix m =
        detail::parse_delimited(text.str(), name, delimiter, false, false, default_max_memory());
    return CsvMatrix{std::move(m.dense), std::move(m.line_of_row)};
}

CsvMatrix read_csv(const std::string& path, char delimiter) {
    const std::uint64_t limit = default_max_memory();
    const detail::FileBytes file(path, limit);
    LoadedMatrix m = detail::parse_delimited(
        file.view(), path, delimiter != 0 ? delimiter : delimiter_for(path), false, false, limit);
    return CsvMatrix{std::move(m.dense), std::move(m.line_of_row)};
}

void write_csv(const std::string& path, const Eigen::Ref<const Eigen::MatrixXd>& M) {
    const fs::path target = detail::output_path(path);
    detail::TempFile tmp(target, path);
    detail::write_delimited(tmp, M, delimiter_for(path), path, {}, {});
    tmp.commit(target);
}

void write_text(const std::string& path, std::string_view text) {
    const fs::path target = detail::output_path(path);
    detail::TempFile tmp(target, path);
    tmp.write(text);
    tmp.commit(target);
}

void check_writable(const std::string& path) {
    const fs::path target = detail::output_path(path);
    std::error_code ec;
    if (fs::is_directory(target, ec))
        throw IoError("cannot write \"" + path + "\": " + detail::errno_text(EISDIR));
    detail::TempFile probe(target, path);
}

}  // namespace nmfkit::io
