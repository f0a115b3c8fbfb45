#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <system_error>

#include <nmfkit/io/csv.hpp>

#include <fcntl.h>
#include <unistd.h>

namespace nmfkit::io {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view blanks = " \t\r";

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(blanks);
    if (first == std::string_view::npos)
        return {};
    const auto last = s.find_last_not_of(blanks);
    return s.substr(first, last - first + 1);
}

std::string errno_text(int err) {
    return std::error_code(err, std::generic_category()).message();
}

/// A field as it is shown in a message: quoted, control bytes escaped, long fields shortened.
std::string quoted(std::string_view field) {
    constexpr std::size_t max_shown = 40;
    std::string out = "\"";
    for (std::size_t i = 0; i < std::min(field.size(), max_shown); ++i) {
        const auto c = static_cast<unsigned char>(field[i]);
        if (c < 0x20 || c == 0x7f) {
            constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
    if (field.size() > max_shown)
        out += "...";
    out += '"';
    return out;
}

std::string position(const std::string& name, std::int64_t line, std::size_t column) {
    return name + ":" + std::to_string(line) + ": column " + std::to_string(column) + ": ";
}

double parse_field(std::string_view field,
                   const std::string& name,
                   std::int64_t line,
                   std::size_t column) {
    if (field.empty())
        throw InvalidInput(position(name, line, column) + "empty field");
    std::string_view digits = field;
    // std::from_chars rejects a leading '+'; accept one before a digit or a '.'.
    if (digits.size() > 1 && digits[0] == '+' &&
        (std::isdigit(static_cast<unsigned char>(digits[1])) != 0 || digits[1] == '.'))
        digits.remove_prefix(1);
    double value = 0;
    const char* last = digits.data() + digits.size();
    const auto [ptr, ec] = std::from_chars(digits.data(), last, value);
    if (ec == std::errc::result_out_of_range)
        throw InvalidInput(position(name, line, column) + quoted(field) +
                           " is out of the range of a double");
    if (ec != std::errc() || ptr != last)
        throw InvalidInput(position(name, line, column) + quoted(field) + " is not a number");
    return value;
}

/// A new, empty file in a given directory that is removed again unless commit() renames it.
class TempFile {
  public:
    TempFile(const fs::path& target, const std::string& shown) : shown_(shown) {
        static std::atomic<unsigned> counter{0};
        const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
        // NOTE: built with += because `"." + std::string&&` trips GCC 12's -Wrestrict.
        std::string stem = ".";
        stem += target.filename().string();
        stem += ".tmp-";
        stem += std::to_string(::getpid());
        stem += '-';
        for (int attempt = 0; attempt < 100; ++attempt) {
            path_ = dir / (stem + std::to_string(counter.fetch_add(1)));
            fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
            if (fd_ >= 0)
                return;
            if (errno != EEXIST)
                fail(errno);
        }
        fail(EEXIST);
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() {
        if (fd_ >= 0)
            ::close(fd_);
        if (!committed_)
            ::unlink(path_.c_str());
    }

    void write(std::string_view bytes) {
        while (!bytes.empty()) {
            const ::ssize_t n = ::write(fd_, bytes.data(), bytes.size());
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                fail(errno);
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
    }

    /// Flush to disk, close, and rename over @p target.
    void commit(const fs::path& target) {
        if (::fsync(fd_) != 0)
            fail(errno);
        const int fd = fd_;
        fd_ = -1;
        if (::close(fd) != 0)
            fail(errno);
        std::error_code ec;
        fs::rename(path_, target, ec);
        if (ec)
            fail(ec.value());
        committed_ = true;
    }

    [[noreturn]] void fail(int err) const {
        throw InvalidInput("cannot write \"" + shown_ + "\": " + errno_text(err));
    }

  private:
    std::string shown_;
    fs::path path_;
    int fd_ = -1;
    bool committed_ = false;
};

fs::path output_path(const std::string& path) {
    const fs::path target(path);
    if (!target.has_filename())
        throw InvalidInput("cannot write \"" + path + "\": not a file name");
    return target;
}

}  // namespace

char delimiter_for(const std::string& path) {
    std::string ext = fs::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext == ".tsv" || ext == ".tab" ? '\t' : ',';
}

CsvMatrix parse_csv(std::istream& in, const std::string& name, char delimiter) {
    std::vector<double> values;  // row-major
    std::vector<std::int64_t> lines;
    std::size_t cols = 0;
    std::string text;
    for (std::int64_t line = 1; std::getline(in, text); ++line) {
        std::string_view rest = text;
        if (line == 1 && rest.starts_with("\xEF\xBB\xBF"))
            rest.remove_prefix(3);  // UTF-8 BOM
        const std::string_view content = trim(rest);
        if (content.empty() || content.front() == '#')
            continue;
        std::size_t column = 0;
        for (;;) {
            const auto end = rest.find(delimiter);
            values.push_back(parse_field(trim(rest.substr(0, end)), name, line, ++column));
            if (end == std::string_view::npos)
                break;
            rest.remove_prefix(end + 1);
        }
        if (lines.empty()) {
            cols = column;
        } else if (column != cols) {
            throw InvalidInput(name + ":" + std::to_string(line) + ": has " +
                               std::to_string(column) + " fields, expected " +
                               std::to_string(cols) + " (as on line " +
                               std::to_string(lines.front()) + ")");
        }
        lines.push_back(line);
    }
    if (in.bad())
        throw InvalidInput(name + ": read error");
    if (lines.empty())
        throw InvalidInput(name + ": no data rows");

    const auto m = static_cast<Eigen::Index>(lines.size());
    const auto n = static_cast<Eigen::Index>(cols);
    CsvMatrix out;
    out.values =
        Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
            values.data(), m, n);
    out.line_of_row = std::move(lines);
    return out;
}

CsvMatrix read_csv(const std::string& path, char delimiter) {
    std::error_code ec;
    if (fs::is_directory(path, ec))
        throw InvalidInput("cannot open \"" + path + "\": " + errno_text(EISDIR));
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        const int err = errno != 0 ? errno : EIO;
        throw InvalidInput("cannot open \"" + path + "\": " + errno_text(err));
    }
    return parse_csv(in, path, delimiter != 0 ? delimiter : delimiter_for(path));
}

void write_csv(const std::string& path, const Eigen::Ref<const Eigen::MatrixXd>& M) {
    const fs::path target = output_path(path);
    const char delimiter = delimiter_for(path);
    TempFile tmp(target, path);
    constexpr std::size_t flush_at = 1 << 16;
    std::string buffer;
    buffer.reserve(flush_at + 64);
    char number[64];
    for (Eigen::Index i = 0; i < M.rows(); ++i) {
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
    tmp.commit(target);
}

void write_text(const std::string& path, std::string_view text) {
    const fs::path target = output_path(path);
    TempFile tmp(target, path);
    tmp.write(text);
    tmp.commit(target);
}

void check_writable(const std::string& path) {
    const fs::path target = output_path(path);
    std::error_code ec;
    if (fs::is_directory(target, ec))
        throw InvalidInput("cannot write \"" + path + "\": " + errno_text(EISDIR));
    TempFile probe(target, path);
}

}  // namespace nmfkit::io
