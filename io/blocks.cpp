// Block sources for online NMF (include/nmfkit/io/blocks.hpp): .npy by pread(), Matrix Market
// coordinate as a stream (plain or gzip, through zlib's gzread, which reads plain files as
// they are), AnnData/10x HDF5 through Hdf5Matrix's block reads, and the streamed .npy writer of H.

#include <nmfkit/io/blocks.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nmfkit/errors.hpp>
#include <nmfkit/io/errors.hpp>
#include <nmfkit/io/formats.hpp>
#include <nmfkit/io/hdf5.hpp>

#include "detail.hpp"
#include "matrix_market_detail.hpp"

namespace nmfkit::io {
namespace {

using detail::errno_text;

using detail::defect;
using detail::nmf_needs;
using detail::number_text;

bool ends_with(const std::string& s, const std::string& suffix) {
    if (s.size() < suffix.size()) return false;
    return std::equal(suffix.rbegin(), suffix.rend(), s.rbegin(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == b;
    });
}

// ---------------------------------------------------------------------------------------------
// .npy

class NpySource final : public BlockSource {
public:
    NpySource(const std::string& path, bool transpose) : path_(path), transpose_(transpose) {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0)
            throw IoError("cannot open \"" + path + "\": " + errno_text(errno));
        if (!S_ISREG(st.st_mode))
            throw InvalidInput(path +
                               ": --online reads a regular .npy file (not a pipe or device)");
        {
            // Mapped without MAP_POPULATE (detail::FileBytes populates the whole file, whose
            // pages would then count in the resident memory): only the header's pages are
            // touched by the parse.
            const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) throw IoError("cannot open \"" + path + "\": " + errno_text(errno));
            const auto size = static_cast<std::size_t>(st.st_size);
            void* map = size > 0 ? ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0) : nullptr;
            const int map_errno = errno;
            ::close(fd);
            if (map == MAP_FAILED)
                throw IoError("cannot read \"" + path + "\": " + errno_text(map_errno));
            struct Unmap {
                void* p;
                std::size_t n;
                ~Unmap() {
                    if (p != nullptr) ::munmap(p, n);
                }
            } unmap{map, size};
            const std::string_view view(static_cast<const char*>(map), size);
            const detail::NpyArray a =
                detail::parse_npy_array(view, path, std::numeric_limits<std::uint64_t>::max());
            if (a.shape.size() != 2)
                throw InvalidInput(path + ": --online needs a 2-D array, this one has shape " +
                                   detail::shape_text(a.shape));
            if (a.kind != 'f' && a.kind != 'i' && a.kind != 'u' && a.kind != 'b')
                throw InvalidInput(path + ": dtype " + a.descr + " is not numeric");
            if (a.kind == 'f' && a.itemsize != 4 && a.itemsize != 8)
                throw InvalidInput(path + ": dtype " + a.descr +
                                   " is not read by --online (float32 or float64)");
            kind_ = a.kind;
            itemsize_ = a.itemsize;
            dtype_ = a.dtype_name();
            offset_ = a.data_offset;
            file_rows_ = static_cast<std::int64_t>(a.shape[0]);
            file_cols_ = static_cast<std::int64_t>(a.shape[1]);
            fortran_ = a.fortran_order;
        }
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) throw IoError("cannot open \"" + path + "\": " + errno_text(errno));
    }
    ~NpySource() override {
        if (fd_ >= 0) ::close(fd_);
    }
    NpySource(const NpySource&) = delete;
    NpySource& operator=(const NpySource&) = delete;

    std::int64_t rows() const override { return transpose_ ? file_cols_ : file_rows_; }
    std::int64_t cols() const override { return transpose_ ? file_rows_ : file_cols_; }
    bool is_sparse() const override { return false; }
    std::int64_t entries() const override { return rows() * cols(); }
    std::string source_dtype() const override { return dtype_; }
    void rewind() override { next_ = 0; }

    bool next(std::int64_t max_cols, ColumnBlock& block) override {
        const std::int64_t n = cols(), m = rows();
        if (next_ >= n) return false;
        const std::int64_t b = std::min(max_cols, n - next_);
        block.first = next_;
        block.is_sparse = false;
        block.sparse.resize(0, 0);
        block.dense.resize(m, b);
        // Samples along the storage order: columns of a Fortran array, rows of a C array.
        const bool contiguous = fortran_ != transpose_;
        if (contiguous) {
            raw_.resize(static_cast<std::size_t>(m * b) * itemsize_);
            read_at(offset_ + static_cast<std::uint64_t>(next_ * m) * itemsize_, raw_);
            convert(raw_.data(), block.dense.data(), m * b, [&](std::int64_t q) {
                return std::pair{q % m, next_ + q / m};
            });
        } else {
            // One read per feature: its b consecutive samples.
            raw_.resize(static_cast<std::size_t>(b) * itemsize_);
            std::vector<double> row(static_cast<std::size_t>(b));
            for (std::int64_t i = 0; i < m; ++i) {
                read_at(offset_ + static_cast<std::uint64_t>(i * n + next_) * itemsize_, raw_);
                convert(raw_.data(), row.data(), b, [&](std::int64_t q) {
                    return std::pair{i, next_ + q};
                });
                for (std::int64_t q = 0; q < b; ++q)
                    block.dense(i, q) = row[static_cast<std::size_t>(q)];
            }
        }
        next_ += b;
        return true;
    }

private:
    void read_at(std::uint64_t offset, std::string& out) const {
        std::size_t done = 0;
        while (done < out.size()) {
            const ssize_t got = ::pread(fd_, out.data() + done, out.size() - done,
                                        static_cast<off_t>(offset + done));
            if (got < 0) {
                if (errno == EINTR) continue;
                throw IoError("cannot read \"" + path_ + "\": " + errno_text(errno));
            }
            if (got == 0) throw InvalidInput(path_ + ": the data is shorter than its header says");
            done += static_cast<std::size_t>(got);
        }
    }

    /// Converts @p count elements to double, checking each; position(q) gives V's (row, column)
    /// of element q (0-based) for the message.
    template <class Position>
    void convert(const char* src, double* dst, std::int64_t count, Position position) const {
        for (std::int64_t q = 0; q < count; ++q) {
            const char* p = src + static_cast<std::size_t>(q) * itemsize_;
            double v = 0;
            if (kind_ == 'f') {
                if (itemsize_ == 8) {
                    std::memcpy(&v, p, 8);
                } else {
                    float f = 0;
                    std::memcpy(&f, p, 4);
                    v = f;
                }
            } else if (kind_ == 'b' || kind_ == 'u') {
                std::uint64_t u = 0;
                std::memcpy(&u, p, itemsize_);  // little-endian (big-endian refused by the header)
                v = static_cast<double>(u);
            } else {
                std::int64_t s = 0;
                std::memcpy(&s, p, itemsize_);
                const int shift = static_cast<int>(64 - 8 * itemsize_);
                s = static_cast<std::int64_t>(static_cast<std::uint64_t>(s) << shift) >> shift;
                v = static_cast<double>(s);
            }
            const std::string bad = defect(v);
            if (!bad.empty()) {
                const auto [i, j] = position(q);
                throw InvalidInput(path_ + ": row " + std::to_string(i + 1) + ", column " +
                                   std::to_string(j + 1) + ": " + bad + nmf_needs);
            }
            dst[q] = v;
        }
    }

    std::string path_;
    bool transpose_ = false;
    int fd_ = -1;
    char kind_ = 'f';
    std::size_t itemsize_ = 8;
    std::string dtype_;
    std::uint64_t offset_ = 0;
    std::int64_t file_rows_ = 0, file_cols_ = 0;
    bool fortran_ = false;
    std::int64_t next_ = 0;
    std::string raw_;
};

// ---------------------------------------------------------------------------------------------
// Matrix Market coordinate

class MtxSource final : public BlockSource {
public:
    MtxSource(const std::string& path, bool transpose) : path_(path), transpose_(transpose) {
        file_ = gzopen(path.c_str(), "rb");
        if (file_ == nullptr) throw IoError("cannot open \"" + path + "\": " + errno_text(errno));
        // A constructor that throws runs no destructor: close the file on the way out.
        try {
            read_header(path);
        } catch (...) {
            gzclose(file_);
            file_ = nullptr;
            throw;
        }
    }
    ~MtxSource() override {
        if (file_ != nullptr) gzclose(file_);
    }
    MtxSource(const MtxSource&) = delete;
    MtxSource& operator=(const MtxSource&) = delete;

private:
    // The banner, comments and size line, within the first MiB; refuses what it cannot stream.
    void read_header(const std::string& path) {
        gzbuffer(file_, 1 << 20);
        std::string head(1 << 20, '\0');
        const int got = gzread(file_, head.data(), static_cast<unsigned>(head.size()));
        if (got < 0) fail_read();
        head.resize(static_cast<std::size_t>(got));
        header_ = detail::parse_matrix_market_header(head, path);
        if (!header_.coordinate)
            throw InvalidInput(path +
                               ": --online streams Matrix Market coordinate files; this one is "
                               "an array (dense) file: convert it to .npy");
        if (header_.symmetric)
            throw InvalidInput(path +
                               ": --online cannot stream a symmetric Matrix Market file (each "
                               "entry also stands for its mirror in another column); write it "
                               "as general");
        rewind();
    }

public:
    std::int64_t rows() const override {
        return static_cast<std::int64_t>(transpose_ ? header_.n : header_.m);
    }
    std::int64_t cols() const override {
        return static_cast<std::int64_t>(transpose_ ? header_.m : header_.n);
    }
    bool is_sparse() const override { return true; }
    std::int64_t entries() const override { return static_cast<std::int64_t>(header_.entries); }
    std::string source_dtype() const override { return header_.dtype; }

    void rewind() override {
        if (gzrewind(file_) != 0 ||
            gzseek(file_, static_cast<z_off_t>(header_.data_offset), SEEK_SET) < 0)
            fail_read();
        buffer_.clear();
        pos_ = 0;
        eof_ = false;
        line_ = header_.size_line;
        next_ = 0;
        last_sample_ = -1;
        seen_ = 0;
        has_pending_ = false;
    }

    bool next(std::int64_t max_cols, ColumnBlock& block) override {
        const std::int64_t n = cols(), m = rows();
        if (next_ >= n) return false;
        const std::int64_t b = std::min(max_cols, n - next_), end = next_ + b;
        detail::Triplets t;
        if (has_pending_) {
            if (pending_sample_ >= end) {
                return finish(block, m, b, std::move(t));
            }
            t.push(pending_feature_, static_cast<int>(pending_sample_ - next_), pending_value_);
            has_pending_ = false;
        }
        int sample = 0, feature = 0;
        double v = 0;
        while (read_entry(feature, sample, v)) {
            if (sample >= end) {
                has_pending_ = true;
                pending_sample_ = sample;
                pending_feature_ = feature;
                pending_value_ = v;
                break;
            }
            t.push(feature, static_cast<int>(sample - next_), v);
        }
        return finish(block, m, b, std::move(t));
    }

private:
    bool finish(ColumnBlock& block, std::int64_t m, std::int64_t b, detail::Triplets&& t) {
        block.first = next_;
        block.is_sparse = true;
        block.dense.resize(0, 0);
        detail::build_csc(m, b, std::move(t), block.sparse);
        next_ += b;
        return true;
    }

    [[noreturn]] void fail_read() const {
        int err = 0;
        const char* msg = file_ != nullptr ? gzerror(file_, &err) : nullptr;
        if (err == Z_ERRNO || msg == nullptr)
            throw IoError("cannot read \"" + path_ + "\": " + errno_text(errno));
        throw InvalidInput(path_ + ": corrupt gzip data (" + std::string(msg) + ")");
    }

    /// The next line without its newline; false at the end of the file.
    bool read_line(std::string_view& line) {
        for (;;) {
            const std::string_view rest = std::string_view(buffer_).substr(pos_);
            const std::size_t nl = rest.find('\n');
            if (nl != std::string_view::npos) {
                line = rest.substr(0, nl);
                pos_ += nl + 1;
                if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
                ++line_;
                return true;
            }
            if (eof_) {
                if (rest.empty()) return false;
                line = rest;
                pos_ = buffer_.size();
                if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
                ++line_;
                return true;
            }
            buffer_.erase(0, pos_);  // keep the partial line
            pos_ = 0;
            const std::size_t keep = buffer_.size();
            buffer_.resize(keep + chunk);
            const int got = gzread(file_, buffer_.data() + keep, static_cast<unsigned>(chunk));
            if (got < 0) fail_read();
            buffer_.resize(keep + static_cast<std::size_t>(got));
            if (got == 0) eof_ = true;
        }
    }

    /// The next entry as (feature, sample) of V, its value checked; false at the end.
    bool read_entry(int& feature, int& sample, double& v) {
        std::string_view line;
        while (read_line(line)) {
            if (detail::blank_or_comment(line)) continue;
            int i = 0, j = 0;
            v = 1;
            if (!detail::fast_entry(line, header_.m, header_.n, header_.field, i, j, v)) {
                detail::EntryParser parse(path_, header_.field);
                parse.set_line(line, line_, header_.field == detail::Field::pattern ? 2 : 3);
                i = parse.index(header_.m, "row");
                j = parse.index(header_.n, "column");
                if (header_.field != detail::Field::pattern) v = parse.value();
                parse.end();
            }
            const std::string bad = defect(v);
            if (!bad.empty())
                throw InvalidInput(path_ + ":" + std::to_string(line_) + ": " + bad + nmf_needs);
            if (++seen_ > header_.entries)
                throw InvalidInput(path_ + ":" + std::to_string(line_) +
                                   ": more entries than the " + std::to_string(header_.entries) +
                                   " the size line declares");
            feature = transpose_ ? j : i;
            sample = transpose_ ? i : j;
            if (sample < last_sample_) {
                const char* axis = transpose_ ? "row" : "column";
                throw InvalidInput(
                    path_ + ":" + std::to_string(line_) + ": " + axis + " " +
                    std::to_string(sample + 1) + " after " + axis + " " +
                    std::to_string(last_sample_ + 1) + ": --online streams Matrix Market " +
                    "entries grouped by " + axis + " (the sample index may not decrease); sort " +
                    "the data lines, e.g. `sort -s -n -k" + (transpose_ ? "1,1" : "2,2") +
                    "` after the header, or use --transpose if the file is sorted by " +
                    (transpose_ ? "column" : "row"));
            }
            last_sample_ = sample;
            return true;
        }
        if (seen_ < header_.entries)
            throw InvalidInput(path_ + ": has " + std::to_string(seen_) +
                               " entries, but the size line declares " +
                               std::to_string(header_.entries));
        return false;
    }

    static constexpr std::size_t chunk = std::size_t{1} << 20;
    std::string path_;
    bool transpose_ = false;
    gzFile file_ = nullptr;
    detail::MatrixMarketHeader header_;
    std::string buffer_;
    std::size_t pos_ = 0;
    bool eof_ = false;
    std::int64_t line_ = 0;
    std::int64_t next_ = 0;          // the first column of the next block
    std::int64_t last_sample_ = -1;  // of the last entry read
    std::uint64_t seen_ = 0;         // entries read in this pass
    bool has_pending_ = false;       // an entry read past the last block's end
    std::int64_t pending_sample_ = 0;
    int pending_feature_ = 0;
    double pending_value_ = 0;
};

// ---------------------------------------------------------------------------------------------
// HDF5 (AnnData .h5ad, 10x Genomics .h5)

/// V is the file's matrix as stored (AnnData X: cells x genes; 10x: genes x cells), or its
/// transpose with --transpose, as the full-batch reader orients it. A block of V's columns is
/// one Hdf5Matrix read of the stored outer slices: columns of a CSC or dense matrix
/// (read_columns), or rows of a CSR or dense matrix read as the columns of their transpose
/// (read_rows_transposed). Reading a CSR matrix by columns (or a CSC one by rows) would mean the
/// whole file per block: refused, naming the group.
class Hdf5Source final : public BlockSource {
public:
    Hdf5Source(const std::string& path, bool transpose, const ReadOptions& opt)
        : path_(path), x_(path, without_labels(opt)), transpose_(transpose) {
        const std::string at = path + ": " + x_.matrix_name() + ": ";
        if (!transpose && x_.layout() == Hdf5Layout::csr)
            throw InvalidInput(at +
                               "a csr matrix is stored by rows, and --online reads V's columns "
                               "(the samples) as stored: add --transpose to take the rows "
                               "(AnnData's cells) as the samples, or store it as csc_matrix");
        if (transpose && x_.layout() == Hdf5Layout::csc)
            throw InvalidInput(at +
                               "a csc matrix is stored by columns, and --online with --transpose "
                               "reads the file's rows as the samples: drop --transpose to take "
                               "the columns (10x's barcodes) as the samples, or store it as "
                               "csr_matrix");
    }
    std::int64_t rows() const override { return transpose_ ? x_.cols() : x_.rows(); }
    std::int64_t cols() const override { return transpose_ ? x_.rows() : x_.cols(); }
    bool is_sparse() const override { return x_.layout() != Hdf5Layout::dense; }
    std::int64_t entries() const override { return x_.stored(); }
    std::string source_dtype() const override { return x_.source_dtype(); }
    void rewind() override { next_ = 0; }

    bool next(std::int64_t max_cols, ColumnBlock& block) override {
        if (max_cols < 1) throw InvalidInput(path_ + ": a block needs at least one column");
        if (next_ >= cols()) return false;
        const std::int64_t end = std::min(cols(), next_ + max_cols);
        LoadedMatrix b =
            transpose_ ? x_.read_rows_transposed(next_, end) : x_.read_columns(next_, end);
        block.first = next_;
        block.is_sparse = b.is_sparse;
        if (b.is_sparse) {
            for (Eigen::Index j = 0; j < b.sparse.outerSize(); ++j)
                for (Eigen::SparseMatrix<double, Eigen::ColMajor, int>::InnerIterator it(b.sparse,
                                                                                         j);
                     it; ++it)
                    check(it.value(), it.row(), next_ + j);
            block.sparse.swap(b.sparse);
        } else {
            const Eigen::MatrixXd& d = b.dense;
            for (Eigen::Index j = 0; j < d.cols(); ++j)
                for (Eigen::Index i = 0; i < d.rows(); ++i) check(d(i, j), i, next_ + j);
            block.dense = std::move(b.dense);
        }
        next_ = end;
        return true;
    }

private:
    /// The stream uses no labels: n of them would hold memory that grows with n.
    static ReadOptions without_labels(ReadOptions opt) {
        opt.labels = false;
        return opt;
    }

    /// Entry (i, j) of V (0-based); the message gives it 1-based, as the other sources do.
    void check(double v, std::int64_t i, std::int64_t j) const {
        if (v >= 0 && v <= std::numeric_limits<double>::max()) return;
        throw InvalidInput(path_ + ": " + x_.matrix_name() + ": row " + std::to_string(i + 1) +
                           ", column " + std::to_string(j + 1) + ": " + defect(v) + nmf_needs);
    }

    std::string path_;
    Hdf5Matrix x_;
    bool transpose_ = false;
    std::int64_t next_ = 0;
};

}  // namespace

std::unique_ptr<BlockSource> open_blocks(const std::string& path, bool transpose,
                                         const ReadOptions& opt) {
    const bool hdf5 = opt.format ? *opt.format == Format::hdf5
                                 : format_for(path) == std::optional<Format>(Format::hdf5) &&
                                       !ends_with(path, ".gz");
    if (hdf5) return std::make_unique<Hdf5Source>(path, transpose, opt);
    if (ends_with(path, ".npy")) return std::make_unique<NpySource>(path, transpose);
    for (const char* ext : {".mtx", ".mm", ".mtx.gz", ".mm.gz"})
        if (ends_with(path, ext)) return std::make_unique<MtxSource>(path, transpose);
    throw InvalidInput(path +
                       ": --online streams .npy and Matrix Market (.mtx, .mtx.gz) files, and "
                       "AnnData/10x HDF5 (.h5ad, .h5); convert this one to one of them");
}

// ---------------------------------------------------------------------------------------------
// Streamed .npy writer

struct NpyColumnWriter::Impl {
    Impl(const std::string& p, std::int64_t r, std::int64_t c)
        : path(p), rows(r), cols(c), tmp(detail::output_path(p), p) {}
    std::string path;
    std::int64_t rows, cols, written = 0;
    detail::TempFile tmp;
};

NpyColumnWriter::NpyColumnWriter(const std::string& path, std::int64_t rows, std::int64_t cols)
    : impl_(std::make_unique<Impl>(path, rows, cols)) {
    std::string dict = "{'descr': '<f8', 'fortran_order': True, 'shape': (" + std::to_string(rows) +
                       ", " + std::to_string(cols) + "), }";
    // Magic (6) + version (2) + length (2) + dict, padded with spaces to a multiple of 64 bytes
    // and ended by '\n' (the .npy format, version 1.0).
    const std::size_t total = (10 + dict.size() + 1 + 63) / 64 * 64;
    dict.append(total - 10 - dict.size() - 1, ' ');
    dict.push_back('\n');
    std::string header("\x93NUMPY\x01\x00", 8);
    header.push_back(static_cast<char>(dict.size() & 0xff));
    header.push_back(static_cast<char>((dict.size() >> 8) & 0xff));
    impl_->tmp.write(header + dict);
}

NpyColumnWriter::~NpyColumnWriter() = default;

void NpyColumnWriter::append(const Eigen::Ref<const Eigen::MatrixXd>& block) {
    if (block.rows() != impl_->rows || impl_->written + block.cols() > impl_->cols)
        throw std::logic_error("NpyColumnWriter: block does not fit the declared shape");
    const Eigen::MatrixXd columns = block;  // contiguous, column-major: one write
    impl_->tmp.write(std::string_view(reinterpret_cast<const char*>(columns.data()),
                                      static_cast<std::size_t>(columns.size()) * sizeof(double)));
    impl_->written += block.cols();
}

void NpyColumnWriter::commit() {
    if (impl_->written != impl_->cols)
        throw std::logic_error("NpyColumnWriter: " + std::to_string(impl_->written) + " of " +
                               std::to_string(impl_->cols) + " columns written");
    impl_->tmp.commit(detail::output_path(impl_->path));
}

}  // namespace nmfkit::io
