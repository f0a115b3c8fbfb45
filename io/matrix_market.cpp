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
#include "matrix_market_detail.hpp"

namespace nmfkit::io::detail {

std::vector<std::string_view> split(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_blank(s[i])) ++i;
        const std::size_t start = i;
        while (i < s.size() && !is_blank(s[i])) ++i;
        if (i > start) out.push_back(s.substr(start, i - start));
    }
    return out;
}

MatrixMarketHeader parse_matrix_market_header(std::string_view bytes, const std::string& name) {
    Lines lines{bytes};
    std::string_view line;
    if (!lines.next(line))
        throw InvalidInput(name +
                           ": empty file, expected a Matrix Market header "
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
    MatrixMarketHeader h;
    h.coordinate = format == "coordinate";
    if (field_text == "real" || field_text == "double")
        h.field = Field::real;
    else if (field_text == "integer")
        h.field = Field::integer;
    else if (field_text == "pattern")
        h.field = Field::pattern;
    else if (field_text == "complex")
        throw InvalidInput(name +
                           ":1: complex matrices are not supported "
                           "(NMF needs real, non-negative data)");
    else
        throw InvalidInput(name + ":1: field " + shown(banner[3]) +
                           " is not supported, expected real, integer or pattern");
    h.dtype = field_text == "double" ? "real" : field_text;
    if (symmetry_text == "general")
        h.symmetric = false;
    else if (symmetry_text == "symmetric")
        h.symmetric = true;
    else if (symmetry_text == "skew-symmetric")
        throw InvalidInput(name +
                           ":1: skew-symmetric matrices are not supported: each "
                           "off-diagonal entry a(i,j) stands for a(j,i) = -a(i,j), so "
                           "one of them is negative (NMF needs non-negative data)");
    else if (symmetry_text == "hermitian")
        throw InvalidInput(name +
                           ":1: hermitian matrices are not supported "
                           "(they need a complex field)");
    else
        throw InvalidInput(name + ":1: symmetry " + shown(banner[4]) +
                           " is not supported, expected general or symmetric");
    if (h.field == Field::pattern && !h.coordinate)
        throw InvalidInput(name + ":1: a pattern matrix must be in coordinate format");

    // The size line: ROWS COLS [ENTRIES].
    bool found = false;
    while (lines.next(line)) {
        if (!blank_or_comment(line)) {
            found = true;
            break;
        }
    }
    h.size_line = lines.line;
    const std::string expected_size = h.coordinate ? "ROWS COLUMNS ENTRIES" : "ROWS COLUMNS";
    if (!found)
        throw InvalidInput(name + ":" + std::to_string(lines.line) +
                           ": the file ends before the size line \"" + expected_size + "\"");
    h.data_offset = std::min(lines.pos, bytes.size());
    const auto sizes = split(line);
    const std::size_t want = h.coordinate ? 3 : 2;
    if (sizes.size() != want)
        throw InvalidInput(name + ":" + std::to_string(h.size_line) + ": the size line has " +
                           std::to_string(sizes.size()) + " fields, expected " +
                           std::to_string(want) + " (" + expected_size + ")");
    std::uint64_t dims[3] = {0, 0, 0};
    for (std::size_t k = 0; k < want; ++k)
        if (!parse_count(sizes[k], dims[k]))
            throw InvalidInput(position(name, h.size_line, k + 1) + shown(sizes[k]) +
                               " is not a non-negative integer");
    h.m = dims[0];
    h.n = dims[1];
    const std::string where = name + ":" + std::to_string(h.size_line) + ": ";
    if (h.symmetric && h.m != h.n)
        throw InvalidInput(where + "a symmetric matrix must be square, the size line says " +
                           std::to_string(h.m) + " x " + std::to_string(h.n));
    if (!h.coordinate) {
        constexpr std::uint64_t max_dimension = std::uint64_t{1} << 62;
        if (h.m > max_dimension || h.n > max_dimension)
            throw InvalidInput(where + "a " + std::to_string(h.m) + " x " + std::to_string(h.n) +
                               " array matrix is too large (at most 2^62 rows and columns)");
        h.entries = h.symmetric ? mul_sat(h.m, h.m + 1) / 2 : mul_sat(h.m, h.n);
        return h;
    }
    constexpr std::uint64_t max_index = static_cast<std::uint64_t>(INT_MAX);
    if (h.m > max_index || h.n > max_index)
        throw InvalidInput(where + "a " + std::to_string(h.m) + " x " + std::to_string(h.n) +
                           " sparse matrix is too large: at most " + std::to_string(max_index) +
                           " rows and columns are supported");
    h.entries = dims[2];
    return h;
}

LoadedMatrix parse_matrix_market(std::string_view bytes, const std::string& name,
                                 std::uint64_t limit) {
    const MatrixMarketHeader h = parse_matrix_market_header(bytes, name);
    const std::uint64_t m = h.m;
    const std::uint64_t n = h.n;
    const Field field = h.field;
    const bool symmetric = h.symmetric;
    const std::int64_t size_line = h.size_line;
    const std::string where = name + ":" + std::to_string(size_line) + ": ";
    Lines lines{bytes, h.data_offset, size_line};
    std::string_view line;

    LoadedMatrix out;
    out.source_dtype = h.dtype;
    EntryParser parse(name, field);
    const std::string_view rest = bytes.substr(h.data_offset);

    if (!h.coordinate) {
        const std::uint64_t values = h.entries;
        check_memory(
            mul_sat(mul_sat(m, n), sizeof(double)), limit,
            where + "a " + std::to_string(m) + " x " + std::to_string(n) + " array matrix");
        // NOTE: each value takes at least two bytes ("0\n"); a header that declares more values
        // than that is caught at the end of the file without allocating for it first.
        std::vector<double> data;
        data.reserve(std::min<std::uint64_t>(values, rest.size() / 2 + 1));
        while (lines.next(line)) {
            if (blank_or_comment(line)) continue;
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
                               std::to_string(size_line) + ") declares " + std::to_string(values) +
                               " values, the file ends after " + std::to_string(data.size()));
        const auto rows = static_cast<Eigen::Index>(m);
        const auto cols = static_cast<Eigen::Index>(n);
        out.dense.resize(rows, cols);
        if (!symmetric) {
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

    const std::uint64_t declared = h.entries;
    constexpr std::uint64_t max_index = static_cast<std::uint64_t>(INT_MAX);
    const std::uint64_t stored = symmetric ? mul_sat(declared, 2) : declared;
    if (stored > max_index)
        throw InvalidInput(where + std::to_string(declared) + " entries are too many: at most " +
                           std::to_string(max_index) + " stored entries are supported");
    // Peak memory: the triplets and one sorted copy (16 bytes an entry each), the CSC arrays.
    check_memory(mul_sat(stored, 32) + 8 * (m + n + 2), limit,
                 where + "a " + std::to_string(m) + " x " + std::to_string(n) +
                     " coordinate matrix with " + std::to_string(declared) + " entries");
    const bool pattern = field == Field::pattern;
    const std::size_t fields = pattern ? 2 : 3;
    // NOTE: an entry line takes at least 4 bytes ("1 1\n"): reserve no more than the file holds.
    Triplets t;
    t.reserve(std::min<std::uint64_t>(stored, (rest.size() / 4 + 1) * (symmetric ? 2 : 1)));
    std::uint64_t count = 0;
    while (lines.next(line)) {
        if (blank_or_comment(line)) continue;
        if (count == declared)
            throw InvalidInput(name + ":" + std::to_string(lines.line) +
                               ": more entries than the " + std::to_string(declared) +
                               " the size line (line " + std::to_string(size_line) + ") declares");
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
        if (symmetric && i != j) t.push(j, i, v);
        ++count;
    }
    if (count != declared)
        throw InvalidInput(name + ":" + std::to_string(lines.line) + ": the size line (line " +
                           std::to_string(size_line) + ") declares " + std::to_string(declared) +
                           " entries, the file ends after " + std::to_string(count));
    out.is_sparse = true;
    build_csc(static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(n), std::move(t), out.sparse);
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
        if (ec != std::errc()) out.fail(static_cast<int>(ec));
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
                if (M(i, j) == 0.0 && !std::signbit(M(i, j))) continue;
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
