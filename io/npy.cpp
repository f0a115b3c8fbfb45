// NumPy .npy reader (format versions 1.0, 2.0, 3.0; numeric dtypes; C and Fortran order) and
// writer (<f8, Fortran order, version 1.0).
#include <bit>
#include <cstring>
#include <limits>

#include "detail.hpp"

namespace nmfkit::io::detail {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the .npy reader assumes a little-endian host");

constexpr std::string_view npy_magic = "\x93NUMPY";

/// A Python literal from the header dict: a string, a bool, a tuple of integers, or other.
struct Literal {
    enum Kind { string, boolean, tuple, list, other } kind = other;
    std::string text;                 // string
    bool flag = false;                // boolean
    std::vector<std::uint64_t> ints;  // tuple
};

/// Parses the header `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`.
class HeaderParser {
public:
    HeaderParser(std::string_view text, const std::string& name, std::uint64_t base)
        : s_(text), name_(name), base_(base) {}

    std::vector<std::pair<std::string, Literal>> dict() {
        std::vector<std::pair<std::string, Literal>> out;
        expect('{');
        for (;;) {
            skip();
            if (peek() == '}') {
                ++i_;
                break;
            }
            Literal key = literal();
            if (key.kind != Literal::string) fail("expected a quoted key in the header dictionary");
            expect(':');
            out.emplace_back(key.text, literal());
            skip();
            if (peek() == ',') {
                ++i_;
                continue;
            }
            expect('}');
            break;
        }
        return out;
    }

    [[noreturn]] void fail(const std::string& what) const {
        throw InvalidInput(at_byte(name_, base_ + i_) + what);
    }

private:
    void skip() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t')) ++i_;
    }
    char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
    void expect(char c) {
        skip();
        if (peek() != c)
            fail(std::string("expected '") + c + "' in the header, found " +
                 (i_ < s_.size() ? shown(s_.substr(i_, 1)) : std::string("its end")));
        ++i_;
    }

    Literal literal() {
        skip();
        Literal v;
        const char c = peek();
        if (c == '\'' || c == '"') {
            ++i_;
            const std::size_t end = s_.find(c, i_);
            if (end == std::string_view::npos) fail("unterminated string in the header");
            v.kind = Literal::string;
            v.text = std::string(s_.substr(i_, end - i_));
            i_ = end + 1;
        } else if (s_.substr(i_, 4) == "True") {
            v.kind = Literal::boolean;
            v.flag = true;
            i_ += 4;
        } else if (s_.substr(i_, 5) == "False") {
            v.kind = Literal::boolean;
            i_ += 5;
        } else if (c == '(') {
            ++i_;
            v.kind = Literal::tuple;
            for (;;) {
                skip();
                if (peek() == ')') {
                    ++i_;
                    break;
                }
                std::uint64_t x = 0;
                std::size_t digits = 0;
                while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
                    if (x > (std::numeric_limits<std::uint64_t>::max() - 9) / 10)
                        fail("a dimension in the shape is too large");
                    x = x * 10 + static_cast<std::uint64_t>(s_[i_++] - '0');
                    ++digits;
                }
                if (digits == 0) fail("expected a non-negative integer in the shape");
                // Python 2 era files may write 3L.
                if (peek() == 'L') ++i_;
                v.ints.push_back(x);
                skip();
                if (peek() == ',') {
                    ++i_;
                    continue;
                }
                expect(')');
                break;
            }
        } else if (c == '[') {
            // A list descr is a structured dtype; skip it with its nesting.
            v.kind = Literal::list;
            int depth = 0;
            do {
                if (i_ >= s_.size()) fail("unterminated list in the header");
                if (s_[i_] == '[')
                    ++depth;
                else if (s_[i_] == ']')
                    --depth;
                ++i_;
            } while (depth > 0);
        } else {
            fail("unexpected " + (i_ < s_.size() ? shown(s_.substr(i_, 1)) : "end") +
                 " in the header dictionary");
        }
        return v;
    }

    std::string_view s_;
    const std::string& name_;
    std::uint64_t base_;
    std::size_t i_ = 0;
};

std::uint64_t read_le(std::string_view bytes, std::size_t at, std::size_t width) {
    std::uint64_t v = 0;
    for (std::size_t k = 0; k < width; ++k)
        v |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[at + k])) << (8 * k);
    return v;
}

}  // namespace

std::string shape_text(const std::vector<std::uint64_t>& shape) {
    std::string out = "(";
    for (std::size_t k = 0; k < shape.size(); ++k) {
        if (k > 0) out += ", ";
        out += std::to_string(shape[k]);
    }
    if (shape.size() == 1) out += ",";
    return out + ")";
}

std::uint64_t NpyArray::size() const {
    std::uint64_t n = 1;
    for (std::uint64_t d : shape) n = mul_sat(n, d);
    return n;
}

std::string NpyArray::dtype_name() const {
    switch (kind) {
        case 'f': return "float" + std::to_string(itemsize * 8);
        case 'i': return "int" + std::to_string(itemsize * 8);
        case 'u': return "uint" + std::to_string(itemsize * 8);
        case 'b': return "bool";
        default: return descr;
    }
}

double NpyArray::as_double(std::uint64_t k) const {
    const char* p = data.data() + k * itemsize;
    switch (kind) {
        case 'f':
            if (itemsize == 8) {
                double v;
                std::memcpy(&v, p, 8);
                return v;
            } else {
                float v;
                std::memcpy(&v, p, 4);
                return static_cast<double>(v);
            }
        case 'i': {
            std::int64_t v = 0;
            switch (itemsize) {
                case 1: {
                    std::int8_t x;
                    std::memcpy(&x, p, 1);
                    // NOLINTNEXTLINE(bugprone-signed-char-misuse): int8 is signed
                    v = x;
                    break;
                }
                case 2: {
                    std::int16_t x;
                    std::memcpy(&x, p, 2);
                    v = x;
                    break;
                }
                case 4: {
                    std::int32_t x;
                    std::memcpy(&x, p, 4);
                    v = x;
                    break;
                }
                default: std::memcpy(&v, p, 8);
            }
            return static_cast<double>(v);
        }
        case 'u':
        case 'b': {
            std::uint64_t v = 0;
            std::memcpy(&v, p, itemsize);  // little-endian: the low bytes
            return static_cast<double>(v);
        }
        default: return 0;
    }
}

std::int64_t NpyArray::as_int(std::uint64_t k) const {
    const char* p = data.data() + k * itemsize;
    if (kind == 'i') {
        switch (itemsize) {
            case 1: {
                std::int8_t x;
                std::memcpy(&x, p, 1);
                return x;
            }
            case 2: {
                std::int16_t x;
                std::memcpy(&x, p, 2);
                return x;
            }
            case 4: {
                std::int32_t x;
                std::memcpy(&x, p, 4);
                return x;
            }
            default: {
                std::int64_t x;
                std::memcpy(&x, p, 8);
                return x;
            }
        }
    }
    if (kind == 'u' || kind == 'b') {
        std::uint64_t v = 0;
        std::memcpy(&v, p, itemsize);
        return v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
                   ? -1
                   : static_cast<std::int64_t>(v);
    }
    const double d = as_double(k);
    return d == static_cast<double>(static_cast<std::int64_t>(d)) ? static_cast<std::int64_t>(d)
                                                                  : -1;
}

NpyArray parse_npy_array(std::string_view bytes, const std::string& name, std::uint64_t limit) {
    if (bytes.size() < npy_magic.size() || bytes.substr(0, npy_magic.size()) != npy_magic)
        throw InvalidInput(name + ": not a .npy file (it does not start with \"\\x93NUMPY\")");
    if (bytes.size() < 10)
        throw InvalidInput(name + ": the .npy header is truncated: the file has " +
                           std::to_string(bytes.size()) + " bytes");
    const int major = static_cast<unsigned char>(bytes[6]);
    const int minor = static_cast<unsigned char>(bytes[7]);
    std::size_t len_width = 0;
    if (major == 1)
        len_width = 2;
    else if (major == 2 || major == 3)
        len_width = 4;
    else
        throw InvalidInput(at_byte(name, 6) + ".npy format version " + std::to_string(major) + "." +
                           std::to_string(minor) + " is not supported (1.0, 2.0 and 3.0 are)");
    const std::size_t start = 8 + len_width;
    if (bytes.size() < start)
        throw InvalidInput(name + ": the .npy header is truncated: the file has " +
                           std::to_string(bytes.size()) + " bytes");
    const std::uint64_t header_len = read_le(bytes, 8, len_width);
    if (header_len > bytes.size() - start)
        throw InvalidInput(at_byte(name, 8) + "the header length " + std::to_string(header_len) +
                           " runs past the end of the file (" + std::to_string(bytes.size()) +
                           " bytes)");
    const std::string_view header = bytes.substr(start, header_len);
    HeaderParser parser(header, name, start);
    const auto dict = parser.dict();
    const Literal* descr = nullptr;
    const Literal* fortran = nullptr;
    const Literal* shape = nullptr;
    for (const auto& [key, value] : dict) {
        if (key == "descr")
            descr = &value;
        else if (key == "fortran_order")
            fortran = &value;
        else if (key == "shape")
            shape = &value;
    }
    const std::string where = at_byte(name, start);
    if (descr == nullptr || fortran == nullptr || shape == nullptr)
        throw InvalidInput(where + "the header lacks '" +
                           std::string(descr == nullptr     ? "descr"
                                       : fortran == nullptr ? "fortran_order"
                                                            : "shape") +
                           "'");
    if (descr->kind == Literal::list)
        throw InvalidInput(where +
                           "structured dtypes are not supported (expected a numeric "
                           "dtype such as '<f8')");
    if (descr->kind != Literal::string) throw InvalidInput(where + "'descr' is not a string");
    if (fortran->kind != Literal::boolean)
        throw InvalidInput(where + "'fortran_order' is not True or False");
    if (shape->kind != Literal::tuple)
        throw InvalidInput(where + "'shape' is not a tuple of integers");

    NpyArray a;
    a.descr = descr->text;
    a.fortran_order = fortran->flag;
    a.shape = shape->ints;
    const std::string& d = a.descr;
    const std::string dtype = "dtype " + shown(d);
    if (d.size() < 2 || (d[0] != '<' && d[0] != '>' && d[0] != '|' && d[0] != '='))
        throw InvalidInput(where + dtype +
                           " is not supported (expected a numeric dtype such as "
                           "'<f8', '<f4', '<i8' or '|u1')");
    a.kind = d[1];
    std::uint64_t size = 0;
    const std::string_view digits = std::string_view(d).substr(2);
    bool numeric_size = !digits.empty() && digits.size() <= 6;
    for (char c : digits) numeric_size = numeric_size && c >= '0' && c <= '9';
    if (numeric_size) size = std::stoull(std::string(digits));
    a.itemsize = static_cast<std::size_t>(size);
    switch (a.kind) {
        case 'O':
            throw InvalidInput(where + dtype +
                               ": object arrays are not supported (save a "
                               "numeric array, e.g. a.astype(float))");
        case 'c':
            throw InvalidInput(where + dtype +
                               ": complex arrays are not supported (NMF needs "
                               "real, non-negative data)");
        case 'V':
            throw InvalidInput(where + dtype + ": structured (void) dtypes are not supported");
        case 'M':
        case 'm': throw InvalidInput(where + dtype + ": dates and times are not supported");
        default: break;
    }
    const bool valid =
        numeric_size &&
        ((a.kind == 'f' && (size == 4 || size == 8)) ||
         ((a.kind == 'i' || a.kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8)) ||
         (a.kind == 'b' && size == 1) || ((a.kind == 'S' || a.kind == 'U') && size > 0));
    if (!valid)
        throw InvalidInput(where + dtype +
                           " is not supported (expected float32/64, "
                           "(u)int8/16/32/64 or bool, e.g. '<f8')");
    if (a.kind == 'U') a.itemsize *= 4;
    if (d[0] == '>' && a.itemsize > 1 && a.kind != 'S')
        throw InvalidInput(where + dtype +
                           " is big-endian, which is not supported (convert "
                           "with a.astype(a.dtype.newbyteorder('<')))");
    const std::uint64_t count = a.size();
    check_memory(mul_sat(count, sizeof(double)), limit,
                 where + "an array of shape " + shape_text(a.shape));
    const std::uint64_t expected = mul_sat(count, a.itemsize);
    a.data_offset = start + header_len;
    const std::uint64_t actual = bytes.size() - a.data_offset;
    if (actual < expected)
        throw InvalidInput(at_byte(name, a.data_offset) + "the data holds " +
                           std::to_string(actual) + " bytes, expected " + std::to_string(expected) +
                           " (shape " + shape_text(a.shape) + ", " + dtype +
                           "): the file is truncated");
    if (actual > expected)
        throw InvalidInput(at_byte(name, a.data_offset) + "the data holds " +
                           std::to_string(actual) + " bytes, expected " + std::to_string(expected) +
                           " (shape " + shape_text(a.shape) + ", " + dtype + "): " +
                           std::to_string(actual - expected) + " unexpected bytes after the data");
    a.data = bytes.substr(a.data_offset, expected);
    return a;
}

LoadedMatrix parse_npy(std::string_view bytes, const std::string& name, std::uint64_t limit) {
    const NpyArray a = parse_npy_array(bytes, name, limit);
    const std::string where = name + ": ";
    if (a.kind == 'S' || a.kind == 'U')
        throw InvalidInput(where + "dtype " + shown(a.descr) +
                           " holds text, expected numbers (e.g. '<f8')");
    if (a.shape.size() != 2) {
        std::string hint;
        if (a.shape.size() == 1)
            hint = " (for a column save a.reshape(-1, 1), for a row a.reshape(1, -1))";
        throw InvalidInput(
            where + "shape " + shape_text(a.shape) + " has " + std::to_string(a.shape.size()) +
            (a.shape.size() == 1 ? " dimension" : " dimensions") + ", expected a 2-D array" + hint);
    }
    constexpr std::uint64_t max_dimension = std::uint64_t{1} << 62;
    if (a.shape[0] > max_dimension || a.shape[1] > max_dimension)
        throw InvalidInput(where + "shape " + shape_text(a.shape) +
                           " is too large (at most 2^62 rows and columns)");
    const auto m = static_cast<Eigen::Index>(a.shape[0]);
    const auto n = static_cast<Eigen::Index>(a.shape[1]);
    LoadedMatrix out;
    out.source_dtype = a.dtype_name();
    out.dense.resize(m, n);
    double* dst = out.dense.data();
    if (a.size() == 0) {
        // NOTE: nothing to copy; a 10^13 x 0 array must not loop over its rows.
    } else if (a.fortran_order) {
        if (a.kind == 'f' && a.itemsize == 8) {
            std::memcpy(dst, a.data.data(), a.data.size());
        } else {
            for (std::uint64_t k = 0; k < a.size(); ++k) dst[k] = a.as_double(k);
        }
    } else {
        std::uint64_t k = 0;
        for (Eigen::Index i = 0; i < m; ++i)
            for (Eigen::Index j = 0; j < n; ++j) out.dense(i, j) = a.as_double(k++);
    }
    return out;
}

std::string npy_bytes(const Eigen::Ref<const Eigen::MatrixXd>& M) {
    std::string header = "{'descr': '<f8', 'fortran_order': True, 'shape': (" +
                         std::to_string(M.rows()) + ", " + std::to_string(M.cols()) + "), }";
    // NOTE: magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64, as numpy
    // writes it, so the data is aligned.
    const std::size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header += '\n';
    std::string out(npy_magic);
    out += '\x01';
    out += '\x00';
    out += static_cast<char>(header.size() & 0xff);
    out += static_cast<char>((header.size() >> 8) & 0xff);
    out += header;
    const std::size_t offset = out.size();
    out.resize(offset + static_cast<std::size_t>(M.size()) * sizeof(double));
    char* p = out.data() + offset;
    for (Eigen::Index j = 0; j < M.cols(); ++j) {
        std::memcpy(p, M.col(j).data(), static_cast<std::size_t>(M.rows()) * sizeof(double));
        p += static_cast<std::size_t>(M.rows()) * sizeof(double);
    }
    return out;
}

}  // namespace nmfkit::io::detail
