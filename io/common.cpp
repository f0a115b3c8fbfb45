// Shared pieces of nmfkit_io: file reading, gzip, memory limits, atomic writes, CSC assembly.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <climits>
#include <cstdio>
#include <fstream>
#include <limits>
#include <system_error>

#include "detail.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

namespace nmfkit::io::detail {

namespace fs = std::filesystem;

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string number_text(double v) {
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

std::string defect(double v) {
    if (std::isnan(v)) return "NaN entry";
    if (std::isinf(v)) return "infinite entry " + number_text(v);
    return v < 0 ? "negative entry " + number_text(v) : "";
}

std::string shown(std::string_view field) {
    constexpr std::size_t max_shown = 40;
    std::string out = "\"";
    for (std::size_t i = 0; i < std::min(field.size(), max_shown); ++i) {
        const auto c = static_cast<unsigned char>(field[i]);
        if (c < 0x20 || c >= 0x7f) {
            constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
    if (field.size() > max_shown) out += "...";
    out += '"';
    return out;
}

std::string position(const std::string& name, std::int64_t line, std::size_t column) {
    return name + ":" + std::to_string(line) + ": column " + std::to_string(column) + ": ";
}

std::string at_byte(const std::string& name, std::uint64_t offset) {
    return name + ": byte " + std::to_string(offset) + ": ";
}

FileBytes::FileBytes(const std::string& path, std::uint64_t limit) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw IoError("cannot open \"" + path + "\": " + errno_text(errno));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw IoError("cannot read \"" + path + "\": " + errno_text(errno));
    if (S_ISDIR(st.st_mode)) throw IoError("cannot open \"" + path + "\": " + errno_text(EISDIR));
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        // NOTE: mapped, not copied: the parsers read the page cache directly.
        const auto size = static_cast<std::size_t>(st.st_size);
        void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (p != MAP_FAILED) {
            ::madvise(p, size, MADV_SEQUENTIAL);
            map_ = p;
            map_size_ = size;
            view_ = std::string_view(static_cast<const char*>(p), size);
            return;
        }
    }
    char buffer[1 << 16];
    for (;;) {
        const ::ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw IoError("cannot read \"" + path + "\": " + errno_text(errno));
        if (n == 0) break;
        // NOTE: /dev/zero or an endless pipe would otherwise fill the memory.
        check_memory(static_cast<std::uint64_t>(owned_.size()) + static_cast<std::uint64_t>(n),
                     limit,
                     path +
                         ": the data read so far (not a regular file, so its size is "
                         "not known in advance)");
        owned_.append(buffer, static_cast<std::size_t>(n));
    }
    view_ = owned_;
}

FileBytes::~FileBytes() {
    if (map_ != nullptr) ::munmap(map_, map_size_);
}

void FileBytes::replace(std::string&& bytes) {
    if (map_ != nullptr) {
        ::munmap(map_, map_size_);
        map_ = nullptr;
    }
    owned_ = std::move(bytes);
    view_ = owned_;
}

bool is_gzip(std::string_view bytes) {
    return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
           static_cast<unsigned char>(bytes[1]) == 0x8b;
}

namespace {

/// zlib stream that is ended on scope exit.
struct Inflater {
    z_stream z{};
    bool open = false;
    ~Inflater() {
        if (open) inflateEnd(&z);
    }
};

std::string zlib_reason(const z_stream& z, int rc) {
    if (z.msg != nullptr) return z.msg;
    return rc == Z_MEM_ERROR ? "out of memory" : "error " + std::to_string(rc);
}

}  // namespace

std::string gunzip(std::string_view bytes, const std::string& name, std::uint64_t limit) {
    if (!is_gzip(bytes))
        throw InvalidInput(name + ": not a gzip file (it does not start with the bytes 1f 8b)");
    Inflater inf;
    if (inflateInit2(&inf.z, 15 + 16) != Z_OK) throw std::bad_alloc();
    inf.open = true;
    std::string out;
    out.resize(std::min<std::uint64_t>(std::max<std::size_t>(bytes.size() * 4, 1 << 16), limit));
    std::size_t produced = 0;
    std::size_t consumed = 0;
    for (;;) {
        if (produced == out.size()) {
            if (out.size() >= limit)
                check_memory(static_cast<std::uint64_t>(out.size()) + 1, limit,
                             name + ": the decompressed data");
            out.resize(std::min<std::uint64_t>(static_cast<std::uint64_t>(out.size()) * 2, limit));
        }
        const std::size_t in_chunk = std::min<std::size_t>(bytes.size() - consumed, UINT_MAX);
        const std::size_t out_chunk = std::min<std::size_t>(out.size() - produced, UINT_MAX);
        inf.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + consumed));
        inf.z.avail_in = static_cast<uInt>(in_chunk);
        inf.z.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
        inf.z.avail_out = static_cast<uInt>(out_chunk);
        const int rc = inflate(&inf.z, Z_NO_FLUSH);
        consumed += in_chunk - inf.z.avail_in;
        produced += out_chunk - inf.z.avail_out;
        if (rc == Z_STREAM_END) {
            // Another gzip member may follow (as `cat a.gz b.gz` makes); trailing zeros are
            // padding.
            const std::string_view rest = bytes.substr(consumed);
            if (rest.find_first_not_of('\0') == std::string_view::npos) break;
            if (!is_gzip(rest))
                throw InvalidInput(at_byte(name, consumed) +
                                   "unexpected data after the end of the gzip stream");
            inflateReset(&inf.z);
            continue;
        }
        if (rc == Z_BUF_ERROR && consumed == bytes.size())
            throw InvalidInput(name + ": the gzip data ends early (truncated file?) after " +
                               std::to_string(consumed) + " bytes");
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            throw InvalidInput(at_byte(name, consumed) +
                               "corrupt gzip data: " + zlib_reason(inf.z, rc));
    }
    out.resize(produced);
    return out;
}

void inflate_raw(std::string_view bytes, std::string& out, const std::string& what) {
    Inflater inf;
    if (inflateInit2(&inf.z, -15) != Z_OK) throw std::bad_alloc();
    inf.open = true;
    std::size_t produced = 0;
    std::size_t consumed = 0;
    char probe[1];
    for (;;) {
        const std::size_t in_chunk = std::min<std::size_t>(bytes.size() - consumed, UINT_MAX);
        const bool full = produced == out.size();
        // Once the output is full, inflate into a one-byte probe: a stream that has more to give
        // is longer than the directory says.
        char* const out_at = full ? probe : out.data() + produced;
        const std::size_t out_chunk =
            full ? 1 : std::min<std::size_t>(out.size() - produced, UINT_MAX);
        inf.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + consumed));
        inf.z.avail_in = static_cast<uInt>(in_chunk);
        inf.z.next_out = reinterpret_cast<Bytef*>(out_at);
        inf.z.avail_out = static_cast<uInt>(out_chunk);
        const int rc = inflate(&inf.z, Z_NO_FLUSH);
        consumed += in_chunk - inf.z.avail_in;
        const std::size_t made = out_chunk - inf.z.avail_out;
        if (full && made > 0)
            throw InvalidInput(what + ": compressed data holds more than the " +
                               std::to_string(out.size()) + " bytes the zip directory says");
        produced += made;
        if (rc == Z_STREAM_END) {
            if (produced != out.size())
                throw InvalidInput(what + ": compressed data holds " + std::to_string(produced) +
                                   " bytes, the zip directory says " + std::to_string(out.size()));
            return;
        }
        if (rc == Z_BUF_ERROR || (rc == Z_OK && in_chunk == 0))
            throw InvalidInput(what + ": compressed data ends early: " + std::to_string(produced) +
                               " of " + std::to_string(out.size()) + " bytes");
        if (rc != Z_OK)
            throw InvalidInput(what + ": corrupt compressed data: " + zlib_reason(inf.z, rc));
    }
}

std::uint64_t mul_sat(std::uint64_t a, std::uint64_t b) {
    std::uint64_t r = 0;
    if (__builtin_mul_overflow(a, b, &r)) return std::numeric_limits<std::uint64_t>::max();
    return r;
}

std::string human_bytes(std::uint64_t bytes) {
    const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024 && u < 6) {
        v /= 1024;
        ++u;
    }
    char buf[64];
    if (u == 0)
        std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(bytes));
    else
        std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
    return buf;
}

void check_memory(std::uint64_t bytes, std::uint64_t limit, const std::string& prefix) {
    if (bytes <= limit) return;
    const std::string size =
        bytes == std::numeric_limits<std::uint64_t>::max()
            ? "more than 2^64 bytes"
            : "about " + std::to_string(bytes) + " bytes (" + human_bytes(bytes) + ")";
    throw InvalidInput(prefix + " needs " + size + ", more than the memory limit of " +
                       std::to_string(limit) + " bytes (" + human_bytes(limit) +
                       "); raise max_memory (--max-memory) to allow it");
}

std::uint64_t memory_limit(const ReadOptions& opt) {
    return opt.max_memory != 0 ? opt.max_memory : default_max_memory();
}

TempFile::TempFile(const fs::path& target, const std::string& shown) : shown_(shown) {
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
        if (fd_ >= 0) return;
        if (errno != EEXIST) fail(errno);
    }
    fail(EEXIST);
}

TempFile::~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_ && !path_.empty()) ::unlink(path_.c_str());
}

void TempFile::write(std::string_view bytes) {
    while (!bytes.empty()) {
        const ::ssize_t n = ::write(fd_, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail(errno);
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

void TempFile::commit(const fs::path& target) {
    finish();
    rename_to(target);
}

void TempFile::finish() {
    if (fd_ < 0) return;
    if (::fsync(fd_) != 0) fail(errno);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail(errno);
}

bool TempFile::rename_to(const fs::path& target, bool no_replace) {
    finish();
    // renameat2(RENAME_NOREPLACE) is atomic: no window in which another file of that name
    // could appear and be replaced.
    const unsigned flags = no_replace ? RENAME_NOREPLACE : 0u;
    if (::renameat2(AT_FDCWD, path_.c_str(), AT_FDCWD, target.c_str(), flags) != 0) {
        if (no_replace && errno == EEXIST) return false;
        fail(errno);
    }
    committed_ = true;
    return true;
}

void TempFile::fail(int err) const {
    throw IoError("cannot write \"" + shown_ + "\": " + errno_text(err));
}

fs::path output_path(const std::string& path) {
    const fs::path target(path);
    if (!target.has_filename()) throw IoError("cannot write \"" + path + "\": not a file name");
    return target;
}

void advise_huge_pages(void* p, std::size_t bytes) {
    constexpr std::uintptr_t huge = std::uintptr_t{1} << 21;
    const auto begin = (reinterpret_cast<std::uintptr_t>(p) + huge - 1) & ~(huge - 1);
    const auto end = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(huge - 1);
    if (p != nullptr && end > begin)
        ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

void prefault([[maybe_unused]] void* p, [[maybe_unused]] std::size_t bytes) {
#ifdef MADV_POPULATE_WRITE
    static const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    const auto begin = (reinterpret_cast<std::uintptr_t>(p) + page - 1) & ~(page - 1);
    const auto end = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(page - 1);
    if (p != nullptr && end > begin)
        ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
#endif
}

void build_csc(Eigen::Index m, Eigen::Index n, Triplets&& t,
               Eigen::SparseMatrix<double, Eigen::ColMajor, int>& S) {
    const std::size_t nnz = t.value.size();
    S.resize(m, n);
    S.resizeNonZeros(static_cast<Eigen::Index>(nnz));
    int* const starts = S.outerIndexPtr();  // n + 1, zero
    int* const inner = S.innerIndexPtr();
    double* const values = S.valuePtr();
    advise_huge_pages(inner, nnz * sizeof(int));
    advise_huge_pages(values, nnz * sizeof(double));
    // Counting sort by column, straight into the CSC arrays: one scattered write per entry.
    // Within a column the entries keep their file order, which is already by row for files
    // sorted by row or by column.
    for (int j : t.col) ++starts[j + 1];
    for (Eigen::Index j = 0; j < n; ++j) starts[j + 1] += starts[j];
    {
        std::vector<int> next(starts, starts + n);
        for (std::size_t e = 0; e < nnz; ++e) {
            const int at = next[static_cast<std::size_t>(t.col[e])]++;
            inner[at] = t.row[e];
            values[at] = t.value[e];
        }
    }
    t = Triplets{};
    sort_and_sum_columns(S);
}

template <class Scalar>
void sort_and_sum_columns_of(Eigen::SparseMatrix<Scalar, Eigen::ColMajor, int>& S) {
    const Eigen::Index n = S.outerSize();
    int* const starts = S.outerIndexPtr();
    int* const inner = S.innerIndexPtr();
    Scalar* const values = S.valuePtr();
    // Sort the rows of each column (stably, so that duplicates are summed in file order and give
    // the same bits on every run), then sum duplicates, compacting in place. Long columns sort
    // keys (row << 32 | position), unique, so an unstable sort gives the stable order. Duplicates
    // are summed in double (float values: the sum a double read, cast afterwards, would give).
    std::vector<std::uint64_t> keys;
    std::vector<Scalar> column;
    int write = 0;
    for (Eigen::Index j = 0; j < n; ++j) {
        const int first = starts[j];
        const int last = starts[j + 1];
        if (!std::is_sorted(inner + first, inner + last)) {
            if (last - first <= 32) {
                for (int p = first + 1; p < last; ++p)
                    for (int q = p; q > first && inner[q] < inner[q - 1]; --q) {
                        std::swap(inner[q], inner[q - 1]);
                        std::swap(values[q], values[q - 1]);
                    }
            } else {
                keys.clear();
                column.assign(values + first, values + last);
                for (int p = first; p < last; ++p)
                    keys.push_back(static_cast<std::uint64_t>(inner[p]) << 32 |
                                   static_cast<std::uint32_t>(p - first));
                std::sort(keys.begin(), keys.end());
                for (int p = first; p < last; ++p) {
                    const std::uint64_t key = keys[static_cast<std::size_t>(p - first)];
                    inner[p] = static_cast<int>(key >> 32);
                    values[p] = column[key & 0xffffffffu];
                }
            }
        }
        starts[j] = write;
        for (int p = first; p < last;) {
            double sum = values[p];  // of the run of entries in row inner[p]
            int q = p + 1;
            for (; q < last && inner[q] == inner[p]; ++q) sum += values[q];
            inner[write] = inner[p];
            values[write] = static_cast<Scalar>(sum);
            ++write;
            p = q;
        }
    }
    starts[n] = write;
    S.resizeNonZeros(write);
}

void sort_and_sum_columns(Eigen::SparseMatrix<double, Eigen::ColMajor, int>& S) {
    sort_and_sum_columns_of(S);
}

void sort_and_sum_columns(Eigen::SparseMatrix<float, Eigen::ColMajor, int>& S) {
    sort_and_sum_columns_of(S);
}

}  // namespace nmfkit::io::detail

namespace nmfkit::io {

std::uint64_t default_max_memory() {
    std::ifstream in("/proc/meminfo");
    std::string line;
    while (std::getline(in, line)) {
        unsigned long long kib = 0;
        if (std::sscanf(line.c_str(), "MemAvailable: %llu kB", &kib) == 1)
            return detail::mul_sat(kib, 1024) / 4 * 3;
    }
    return std::numeric_limits<std::uint64_t>::max();
}

}  // namespace nmfkit::io
