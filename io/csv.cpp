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

#include <nmfkit/io/csv.hpp>

#include "detail.hpp"

namespace nmfkit::io {
namespace {

namespace fs = std::filesystem;
using detail::position;
using detail::shown;

constexpr std::string_view blanks = " \t\r";

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(blanks);
    if (first == std::string_view::npos)
        return {};
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
    if (ec == std::errc() && ptr != last)
        return std::errc::invalid_argument;
    return ec;
}

bool is_number(std::string_view field) {
    double v = 0;
    return !field.empty() && to_number(field, v) != std::errc::invalid_argument;
}

double parse_field(std::string_view field,
                   const std::string& name,
                   std::int64_t line,
                   std::size_t column) {
    if (field.empty())
        throw InvalidInput(position(name, line, column) + "empty field");
    double value = 0;
    const std::errc ec = to_number(field, value);
    if (ec == std::errc::result_out_of_range)
        throw InvalidInput(position(name, line, column) + detail::shown(field) +
                           " is out of the range of a double");
    if (ec != std::errc())
        throw InvalidInput(position(name, line, column) + detail::shown(field) + " is not a number");
    return value;
}

/// A label as written in the file: surrounding double quotes removed.
std::string label(std::string_view field) {
    if (field.size() >= 2 && field.front() == '"' && field.back() == '"')
        field = field.substr(1, field.size() - 2);
    return std::string(field);
}

/// The trimmed fields of @p line split at @p delimiter.
void split(std::string_view line, char delimiter, std::vector<std::string_view>& out) {
    out.clear();
    for (;;) {
        const auto end = line.find(delimiter);
        out.push_back(trim(line.substr(0, end)));
        if (end == std::string_view::npos)
            break;
        line.remove_prefix(end + 1);
    }
}

/// The writer's text of a label, quoted where the reader would otherwise trim it or take the
/// line for a comment.
std::string label_text(const std::string& text, char delimiter, const std::string& path,
                       const char* which, std::size_t index) {
    for (char c : text)
        if (c == delimiter || c == '"' || c == '\n' || c == '\r')
            throw InvalidInput("cannot write \"" + path + "\": " + which + " label " +
                               std::to_string(index + 1) + " " + detail::shown(text) +
                               " holds a delimiter, a double quote or a line break");
    const bool guard = !text.empty() && (text.front() == '#' || text.front() == ' ' ||
                                         text.front() == '\t' || text.back() == ' ' ||
                                         text.back() == '\t');
    return guard ? "\"" + text + "\"" : text;
}

}  // namespace

namespace detail {

LoadedMatrix parse_delimited(std::string_view bytes, const std::string& name, char delimiter,
                             std::optional<bool> header, std::optional<bool> row_names) {
    LoadedMatrix out;
    out.source_dtype = "text";
    std::vector<double> values;  // row-major
    std::vector<std::string_view> fields;
    std::size_t cols = 0;        // fields per data line, row-name field included
    std::int64_t header_line = 0;
    std::size_t header_fields = 0;
    std::vector<std::string> header_labels;
    bool first_content = true;
    std::size_t pos = 0;
    for (std::int64_t line = 1; pos < bytes.size(); ++line) {
        const void* nl = std::memchr(bytes.data() + pos, '\n', bytes.size() - pos);
        const std::size_t len = nl != nullptr
                                    ? static_cast<std::size_t>(static_cast<const char*>(nl) -
                                                               (bytes.data() + pos))
                                    : bytes.size() - pos;
        std::string_view rest = bytes.substr(pos, len);
        pos += len + 1;
        if (line == 1 && rest.starts_with("\xEF\xBB\xBF"))
            rest.remove_prefix(3);  // UTF-8 BOM
        const std::string_view content = trim(rest);
        if (content.empty() || content.front() == '#')
            continue;
        split(rest, delimiter, fields);
        if (first_content) {
            first_content = false;
            bool is_header = false;
            if (header.has_value()) {
                is_header = *header;
            } else {
                // Auto-detect: no field is a number and one is not empty (the first field is
                // left out when it may be the corner above a row-name column).
                const std::size_t from =
                    row_names.value_or(true) && fields.size() > 1 ? 1 : 0;
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
                for (auto f : fields) header_labels.push_back(label(f));
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
                out.col_labels = std::move(header_labels);
            }
        }
        const std::size_t first = *row_names ? 1 : 0;
        for (std::size_t k = first; k < fields.size(); ++k)
            values.push_back(parse_field(fields[k], name, line, k + 1));
        if (*row_names)
            out.row_labels.push_back(label(fields[0]));
        if (fields.size() != cols)
            throw InvalidInput(name + ":" + std::to_string(line) + ": has " +
                               std::to_string(fields.size()) + " fields, expected " +
                               std::to_string(cols) + " (as on line " +
                               std::to_string(out.line_of_row.front()) + ")");
        out.line_of_row.push_back(line);
    }
    if (out.line_of_row.empty())
        throw InvalidInput(name + ": no data rows");
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
            if (j > 0 || !row_labels.empty())
                buffer += delimiter;
            buffer += label_text(col_labels[j], delimiter, path, "column", j);
        }
        buffer += '\n';
    }
    char number[64];
    for (Eigen::Index i = 0; i < M.rows(); ++i) {
        if (!row_labels.empty()) {
            buffer += label_text(row_labels[static_cast<std::size_t>(i)], delimiter, path, "row",
                                 static_cast<std::size_t>(i));
            buffer += delimiter;
        }
        for (Eigen::Index j = 0; j < M.cols(); ++j) {
            if (j > 0)
                buffer += delimiter;
            const auto [end, ec] = std::to_chars(number, number + sizeof number, M(i, j));
            if (ec != std::errc())
                tmp.fail(static_cast<int>(ec));
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
    if (in.bad())
        throw IoError(name + ": read error");
    LoadedMatrix m = detail::parse_delimited(text.str(), name, delimiter, false, false);
    return CsvMatrix{std::move(m.dense), std::move(m.line_of_row)};
}

CsvMatrix read_csv(const std::string& path, char delimiter) {
    const detail::FileBytes file(path);
    LoadedMatrix m = detail::parse_delimited(
        file.view(), path, delimiter != 0 ? delimiter : delimiter_for(path), false, false);
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
