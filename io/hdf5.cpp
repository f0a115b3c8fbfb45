// AnnData .h5ad and 10x Genomics .h5 matrices over the HDF5 C library (docs/formats.md, "HDF5"):
// the file's layout (X or layers/NAME, csr_matrix, csc_matrix or a dense dataset; 10x's matrix
// group), blocks of rows or columns read as hyperslabs, and every index checked before use.
#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <optional>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nmfkit/io/hdf5.hpp>

#include "detail.hpp"

#include <hdf5.h>
#include <zlib.h>

namespace nmfkit::io {
// Named rather than anonymous: Hdf5Matrix::State holds these types, and a unity batch
// (NMFKIT_UNITY_BUILD) makes GCC warn about a named class with anonymous-namespace members.
namespace hdf5_detail {

/// An HDF5 identifier, closed with its own close function when it goes out of scope.
class Handle {
public:
    Handle() = default;
    Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
    Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
    Handle& operator=(Handle&& o) noexcept {
        std::swap(id_, o.id_);
        std::swap(close_, o.close_);
        return *this;
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() {
        if (id_ >= 0 && close_ != nullptr) close_(id_);
    }
    hid_t get() const { return id_; }
    bool valid() const { return id_ >= 0; }

private:
    hid_t id_ = -1;
    herr_t (*close_)(hid_t) = nullptr;
};

/// Turns off HDF5's printing of its error stack while nmfkit calls it (nmfkit reports errors
/// itself, with the file and dataset), and restores the caller's setting afterwards.
class QuietErrors {
public:
    QuietErrors() {
        H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    }
    ~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
    QuietErrors(const QuietErrors&) = delete;
    QuietErrors& operator=(const QuietErrors&) = delete;

private:
    H5E_auto2_t func_ = nullptr;
    void* data_ = nullptr;
};

/// The innermost description on HDF5's error stack (the cause, e.g. "required filter 'lzf' is not
/// registered"), or "" when the stack is empty.
std::string hdf5_reason() {
    std::string out;
    H5Ewalk2(
        H5E_DEFAULT, H5E_WALK_UPWARD,
        [](unsigned, const H5E_error2_t* e, void* data) -> herr_t {
            auto* s = static_cast<std::string*>(data);
            if (s->empty() && e->desc != nullptr) *s = e->desc;
            return 0;
        },
        &out);
    H5Eclear2(H5E_DEFAULT);
    return out;
}

/// "(REASON)" from HDF5's error stack, or "".
std::string reason_suffix() {
    const std::string r = hdf5_reason();
    return r.empty() ? std::string() : " (HDF5: " + r + ")";
}

/// A file descriptor, closed when it goes out of scope.
class Descriptor {
public:
    Descriptor() = default;
    explicit Descriptor(int fd) : fd_(fd) {}
    Descriptor(Descriptor&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    Descriptor& operator=(Descriptor&& o) noexcept {
        std::swap(fd_, o.fd_);
        return *this;
    }
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    ~Descriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }

private:
    int fd_ = -1;
};

/// Reads @p size bytes at @p at of @p fd into @p out; false on an error or an early end.
bool pread_all(int fd, void* out, std::size_t size, std::uint64_t at) {
    auto* p = static_cast<unsigned char*>(out);
    while (size > 0) {
        const ssize_t got = ::pread(fd, p, size, static_cast<off_t>(at));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return false;
        p += got;
        size -= static_cast<std::size_t>(got);
        at += static_cast<std::uint64_t>(got);
    }
    return true;
}

/// How read_stored() split a range into tasks: task t starts at entry p of the range where
/// (p + phase) % grain == 0 (and at p = 0).
struct Tasks {
    hsize_t grain = 1;
    hsize_t phase = 0;
};

/// read_stored()'s default: nothing to do with a range once it has landed.
struct Landed {
    void operator()(hsize_t /*lo*/, hsize_t /*hi*/) const {}
};

/// How the bytes of a 1-D dataset lie in the file, when read_stored() can read them itself.
struct Storage {
    enum Kind { other, contiguous, chunks, deflate_chunks } kind = other;
    haddr_t address = HADDR_UNDEF;  ///< contiguous: where entry 0 is
    hsize_t chunk = 0;              ///< chunked: entries per chunk
};

/// Per-thread buffers of run_pieces(): a gzip chunk as stored, a piece before its conversion.
struct Scratch {
    std::vector<unsigned char> packed;
    std::vector<unsigned char> plain;
    /// @p bytes of @p v, grown as needed (operator new's alignment suits every stored type).
    static unsigned char* at_least(std::vector<unsigned char>& v, std::size_t bytes) {
        if (v.size() < bytes) v.resize(bytes);
        return v.data();
    }
};

/// A read split into pieces that run_pieces() hands to its threads.
class Pieces {
public:
    virtual ~Pieces() = default;
    Pieces() = default;
    Pieces(const Pieces&) = delete;
    Pieces& operator=(const Pieces&) = delete;
    /// How many pieces.
    virtual std::int64_t size() const = 0;
    /// Reads piece @p t; false on a short read or a chunk that does not inflate to its size.
    virtual bool run(std::int64_t t, Scratch& scratch) const = 0;
};

/// Reads every piece of every read in @p reads in one OpenMP region (one barrier, however many
/// arrays), on the threads that are free; false when one failed (the rest are then skipped).
bool run_pieces(std::initializer_list<const Pieces*> reads) {
    std::vector<const Pieces*> read(reads);
    std::vector<std::int64_t> first(read.size() + 1, 0);  // read k's pieces: [first[k], first[k+1])
    for (std::size_t k = 0; k < read.size(); ++k) first[k + 1] = first[k] + read[k]->size();
    const std::int64_t total = first.back();
    std::atomic<bool> failed{false};
#pragma omp parallel if (total > 1)
    {
        std::vector<Scratch> scratch(read.size());
        // NOTE: the read of piece t is looked up for every t. A thread's pieces need not come in
        // increasing order: schedule(dynamic) is nonmonotonic since OpenMP 4.5, and LLVM's
        // libomp hands out pieces by work stealing (a thread that had assumed increasing order
        // ran read k + 1's piece -1, which the sanitizer build found).
#pragma omp for schedule(dynamic, 1)
        for (std::int64_t t = 0; t < total; ++t) {
            if (failed.load(std::memory_order_relaxed)) continue;
            // The read k with first[k] <= t < first[k + 1] (reads without pieces skipped).
            const auto k = static_cast<std::size_t>(
                std::upper_bound(first.begin(), first.end(), t) - first.begin() - 1);
            if (!read[k]->run(t - first[k], scratch[k])) failed = true;
        }
    }
    return !failed;
}

/// The pieces of one range of a dataset stored as S (Storage::contiguous or chunks), read into
/// T: File::plan_stored_as() fills in the layout, run() reads a block or a chunk.
template <class S, class T, class Visit>
class StoredPieces final : public Pieces {
public:
    StoredPieces(int fd, const Storage& storage, hsize_t offset, hsize_t count, T* out,
                 const Visit& landed)
        : fd_(fd), storage_(storage), offset_(offset), count_(count), out_(out), landed_(landed) {}

    std::int64_t size() const override { return pieces; }

    bool run(std::int64_t t, Scratch& scratch) const override {
        constexpr bool same = std::is_same_v<S, T>;
        if (t < 0 || t >= pieces) return false;  // not a piece of this read (run_pieces)
        const auto u = static_cast<hsize_t>(t);
        if (storage_.kind == Storage::contiguous) {
            const hsize_t lo = u * grain;  // < count_, as u < pieces
            const hsize_t n = std::min(grain, count_ - lo);
            // The block's pages of `out` mapped in one call before they are written
            // (detail::prefault), then written while the zeroed pages are in cache.
            detail::prefault(out_ + lo, n * sizeof(T));
            S* target = nullptr;
            if constexpr (same)
                target = out_ + lo;
            else
                target = reinterpret_cast<S*>(Scratch::at_least(scratch.plain, n * sizeof(S)));
            if (!pread_all(fd_, target, n * sizeof(S),
                           storage_.address + (offset_ + lo) * sizeof(S)))
                return false;
            if constexpr (!same)
                for (hsize_t e = 0; e < n; ++e) out_[lo + e] = static_cast<T>(target[e]);
            landed_(lo, lo + n);
            return true;
        }
        // Chunk q0 + u holds entries [first, first + c) of the dataset; the range, entries
        // [offset_, offset_ + count_), meets it in [first + skip, first + skip + n), which lands
        // at out_[lo, lo + n). The first chunk may start before the range (skip > 0) and the last
        // end after it; all positions are differences of a larger and a smaller one (none wraps).
        const hsize_t c = grain;
        const hsize_t first = (q0 + u) * c;  // <= offset_ + count_ - 1, as u < pieces
        const hsize_t lo = first > offset_ ? first - offset_ : 0;
        const hsize_t skip = offset_ + lo - first;
        const hsize_t n = std::min(c - skip, count_ - lo);
        // A chunk wholly inside the range, stored as T, lands in `out` directly.
        S* target = nullptr;
        if constexpr (same)
            if (skip == 0 && n == c) target = out_ + lo;
        const bool direct = target != nullptr;
        detail::prefault(out_ + lo, n * sizeof(T));
        if (!direct) target = reinterpret_cast<S*>(Scratch::at_least(scratch.plain, c * sizeof(S)));
        const auto k = static_cast<std::size_t>(u);
        if (storage_.kind == Storage::deflate_chunks) {
            unsigned char* packed = Scratch::at_least(scratch.packed, bytes[k]);
            uLongf size = c * sizeof(S);
            if (!pread_all(fd_, packed, bytes[k], where[k]) ||
                uncompress(reinterpret_cast<Bytef*>(target), &size, packed,
                           static_cast<uLong>(bytes[k])) != Z_OK ||
                size != c * sizeof(S))
                return false;
        } else if (!pread_all(fd_, target, c * sizeof(S), where[k])) {
            return false;
        }
        if (!direct)
            for (hsize_t e = 0; e < n; ++e) out_[lo + e] = static_cast<T>(target[skip + e]);
        landed_(lo, lo + n);
        return true;
    }

    // The layout, set by File::plan_stored_as().
    std::int64_t pieces = 0;
    hsize_t grain = 1;           ///< entries per contiguous block or per chunk
    hsize_t q0 = 0;              ///< chunks: the first chunk's index in the dataset
    std::vector<haddr_t> where;  ///< chunks: each one's file address
    std::vector<hsize_t> bytes;  ///< chunks: each one's stored size

private:
    int fd_;
    Storage storage_;
    hsize_t offset_, count_;
    T* out_;
    /// The caller's callback (SliceChecker, which outlives the read), or a copy of an empty one
    /// (Landed, often a temporary).
    std::conditional_t<std::is_empty_v<Visit>, Visit, const Visit&> landed_;
};

/// A 1-D or 2-D numeric dataset and what nmfkit needs to know about it.
struct Dataset {
    Handle id;
    std::string name;           ///< path in the file, e.g. "X/data"
    std::vector<hsize_t> dims;  ///< the dataspace's dimensions
    H5T_class_t type_class = H5T_NO_CLASS;
    std::size_t type_size = 0;
    bool is_signed = true;
    std::string dtype;  ///< "float32", "int64", ...; "" for non-numeric types
    Storage storage;    ///< for File::read_stored
    hsize_t size() const {
        hsize_t n = 1;
        for (hsize_t d : dims) n *= d;
        return n;
    }
};

/// The name numpy gives a numeric HDF5 type, or "" when it is not an integer or float type.
std::string numeric_name(H5T_class_t cls, std::size_t size, bool is_signed) {
    if (cls == H5T_FLOAT && (size == 4 || size == 8)) return "float" + std::to_string(size * 8);
    if (cls == H5T_INTEGER && (size == 1 || size == 2 || size == 4 || size == 8))
        return std::string(is_signed ? "int" : "uint") + std::to_string(size * 8);
    return "";
}

/// A readable name of an HDF5 type for messages: "float16", "string", "compound", ...
std::string type_description(hid_t type) {
    const H5T_class_t cls = H5Tget_class(type);
    const std::size_t size = H5Tget_size(type);
    switch (cls) {
        case H5T_FLOAT: return "float" + std::to_string(size * 8);
        case H5T_INTEGER:
            return std::string(H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") +
                   std::to_string(size * 8);
        case H5T_STRING: return "string";
        case H5T_COMPOUND: return "compound";
        case H5T_ENUM: return "enum (bool?)";
        case H5T_ARRAY: return "array";
        case H5T_VLEN: return "variable-length";
        case H5T_REFERENCE: return "reference";
        case H5T_OPAQUE: return "opaque";
        case H5T_BITFIELD: return "bitfield";
        case H5T_TIME: return "time";
        default: return "unknown";
    }
}

/// A memory type for @p T.
template <class T>
hid_t native_type() {
    if constexpr (std::is_same_v<T, double>) return H5T_NATIVE_DOUBLE;
    if constexpr (std::is_same_v<T, float>) return H5T_NATIVE_FLOAT;
    if constexpr (std::is_same_v<T, int>) return H5T_NATIVE_INT;
    if constexpr (std::is_same_v<T, std::int64_t>) return H5T_NATIVE_INT64;
}

/// The state of an open file: its name for messages, the file handle and the memory limit.
struct File {
    std::string path;
    Handle file;
    std::uint64_t limit = 0;
    /// The same file opened for pread (read_stored); -1 when it could not be.
    Descriptor fd;
    /// The file has no user block: HDF5's addresses are byte offsets in the file.
    bool plain_addresses = false;
    /// The file's size in bytes, which every chunk read_stored() reads must lie within.
    std::uint64_t bytes = 0;

    /// "PATH: OBJECT: "
    std::string at(const std::string& object) const { return path + ": " + object + ": "; }

    bool exists(const std::string& name) const {
        // Each component of the path must exist before the next may be asked for.
        std::size_t from = 0;
        for (;;) {
            const std::size_t slash = name.find('/', from);
            const std::string part = name.substr(0, slash);
            if (H5Lexists(file.get(), part.c_str(), H5P_DEFAULT) <= 0) return false;
            if (slash == std::string::npos) return true;
            from = slash + 1;
        }
    }
    /// H5I_GROUP, H5I_DATASET, or H5I_BADID when @p name does not exist.
    H5I_type_t kind(const std::string& name) const {
        if (!exists(name)) return H5I_BADID;
        const Handle o(H5Oopen(file.get(), name.c_str(), H5P_DEFAULT), H5Oclose);
        if (!o.valid()) {
            hdf5_reason();
            return H5I_BADID;
        }
        return H5Iget_type(o.get());
    }
    /// The names in group @p group, sorted ("" = the root).
    std::vector<std::string> members(const std::string& group) const {
        std::vector<std::string> out;
        H5Literate_by_name(
            file.get(), group.empty() ? "/" : group.c_str(), H5_INDEX_NAME, H5_ITER_INC, nullptr,
            [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
                static_cast<std::vector<std::string>*>(data)->emplace_back(name);
                return 0;
            },
            &out, H5P_DEFAULT);
        hdf5_reason();
        std::sort(out.begin(), out.end());
        return out;
    }

    /// Opens dataset @p name, numeric with a filter this library has (gzip is built in).
    Dataset numeric(const std::string& name) const {
        if (kind(name) != H5I_DATASET)
            throw InvalidInput(at(name) + (exists(name) ? "is not a dataset" : "missing"));
        Dataset d;
        d.name = name;
        d.id = Handle(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
        if (!d.id.valid()) throw InvalidInput(at(name) + "cannot be opened" + reason_suffix());
        const Handle type(H5Dget_type(d.id.get()), H5Tclose);
        d.type_class = H5Tget_class(type.get());
        d.type_size = H5Tget_size(type.get());
        d.is_signed = d.type_class != H5T_INTEGER || H5Tget_sign(type.get()) != H5T_SGN_NONE;
        d.dtype = numeric_name(d.type_class, d.type_size, d.is_signed);
        if (d.dtype.empty())
            throw InvalidInput(at(name) + "dtype " + type_description(type.get()) +
                               " is not supported (integers of 8 to 64 bits, float32 and float64 "
                               "are)");
        const Handle space(H5Dget_space(d.id.get()), H5Sclose);
        const int rank = H5Sget_simple_extent_ndims(space.get());
        if (rank < 0) throw InvalidInput(at(name) + "has no simple dataspace" + reason_suffix());
        d.dims.assign(static_cast<std::size_t>(rank), 0);
        H5Sget_simple_extent_dims(space.get(), d.dims.data(), nullptr);
        const Handle dcpl(H5Dget_create_plist(d.id.get()), H5Pclose);
        const int filters = H5Pget_nfilters(dcpl.get());
        for (int f = 0; f < filters; ++f) {
            unsigned flags = 0;
            std::size_t nvalues = 0;
            std::array<char, 128> filter_name{};
            unsigned config = 0;
            const H5Z_filter_t id =
                H5Pget_filter2(dcpl.get(), static_cast<unsigned>(f), &flags, &nvalues, nullptr,
                               filter_name.size(), filter_name.data(), &config);
            if (id >= 0 && H5Zfilter_avail(id) <= 0)
                throw InvalidInput(at(name) + "compressed with the HDF5 filter " +
                                   detail::shown(filter_name.data()) + " (id " +
                                   std::to_string(id) +
                                   "), which this HDF5 library does not have; rewrite the file "
                                   "with gzip compression (h5py: compression=\"gzip\") or none");
        }
        d.storage = storage_of(d, type.get(), dcpl.get(), filters);
        return d;
    }

    /// Where read_stored() finds @p d's bytes: a 1-D little-endian int32, float32 or float64
    /// dataset (on a little-endian machine), contiguous without filters, or chunked without
    /// filters or with gzip alone, in a file without a user block; Storage::other otherwise.
    Storage storage_of(const Dataset& d, hid_t type, hid_t dcpl, int filters) const {
        Storage s;
        if (std::endian::native != std::endian::little || fd.get() < 0 || !plain_addresses ||
            d.dims.size() != 1 || d.dims[0] == 0)
            return s;
        if (H5Tequal(type, H5T_STD_I32LE) <= 0 && H5Tequal(type, H5T_IEEE_F32LE) <= 0 &&
            H5Tequal(type, H5T_IEEE_F64LE) <= 0)
            return s;
        if (H5Pget_external_count(dcpl) != 0) return s;
        const H5D_layout_t layout = H5Pget_layout(dcpl);
        if (layout == H5D_CONTIGUOUS && filters == 0) {
            const haddr_t at = H5Dget_offset(d.id.get());
            if (at == HADDR_UNDEF || H5Dget_storage_size(d.id.get()) != d.dims[0] * d.type_size) {
                hdf5_reason();
                return s;
            }
            s.kind = Storage::contiguous;
            s.address = at;
        } else if (layout == H5D_CHUNKED) {
            hsize_t c = 0;
            if (H5Pget_chunk(dcpl, 1, &c) != 1 || c == 0) return s;
            if (filters == 1) {
                unsigned flags = 0;
                std::size_t nvalues = 0;
                unsigned config = 0;
                if (H5Pget_filter2(dcpl, 0, &flags, &nvalues, nullptr, 0, nullptr, &config) !=
                    H5Z_FILTER_DEFLATE)
                    return s;
                s.kind = Storage::deflate_chunks;
            } else if (filters == 0) {
                s.kind = Storage::chunks;
            } else {
                return s;
            }
            s.chunk = c;
        }
        hdf5_reason();
        return s;
    }

    /// Plans reading entries [@p offset, @p offset + @p count) of the 1-D dataset @p d into
    /// @p out as read_range does, but without HDF5's read path: contiguous bytes by pread, chunks
    /// by pread and inflated by zlib, each converted to T as it lands, in pieces that any thread
    /// may read (run_pieces). Null when the storage or the type is not one of those
    /// (Dataset::storage) or HDF5 cannot say where a chunk is, or says a place past the end of the
    /// file; the caller then reads with HDF5, whose messages name the problem.
    ///
    /// @p landed(lo, hi) is called on the thread that wrote entries [lo, hi) of @p out, once per
    /// piece, right after they land (while they are in cache); @p tasks says where the pieces
    /// split the range.
    template <class T, class Visit = Landed>
    std::unique_ptr<Pieces> plan_stored(const Dataset& d, hsize_t offset, hsize_t count, T* out,
                                        const Visit& landed = {}, Tasks* tasks = nullptr) const {
        if (d.storage.kind == Storage::other || count == 0) return nullptr;
        if (d.type_class == H5T_INTEGER) {
            if constexpr (std::is_same_v<T, int> || std::is_same_v<T, double>)
                return plan_stored_as<std::int32_t>(d, offset, count, out, landed, tasks);
            return nullptr;
        }
        if constexpr (std::is_same_v<T, double>)
            return d.type_size == 4 ? plan_stored_as<float>(d, offset, count, out, landed, tasks)
                                    : plan_stored_as<double>(d, offset, count, out, landed, tasks);
        if constexpr (std::is_same_v<T, float>)
            if (d.type_size == 4)
                return plan_stored_as<float>(d, offset, count, out, landed, tasks);
        return nullptr;
    }

    /// plan_stored() and run_pieces() on its pieces: false when either fails (a short read, a
    /// chunk that does not inflate to its size) or the range cannot be read this way.
    template <class T, class Visit = Landed>
    bool read_stored(const Dataset& d, hsize_t offset, hsize_t count, T* out,
                     const Visit& landed = {}, Tasks* tasks = nullptr) const {
        const std::unique_ptr<Pieces> p = plan_stored(d, offset, count, out, landed, tasks);
        return p != nullptr && run_pieces({p.get()});
    }

    /// plan_stored() with the stored type S: contiguous storage in blocks of 2^18 entries (1-2
    /// MB), chunks one by one, their addresses and sizes asked of HDF5 here (one thread).
    template <class S, class T, class Visit>
    std::unique_ptr<Pieces> plan_stored_as(const Dataset& d, hsize_t offset, hsize_t count, T* out,
                                           const Visit& landed, Tasks* tasks) const {
        auto p = std::make_unique<StoredPieces<S, T, Visit>>(fd.get(), d.storage, offset, count,
                                                             out, landed);
        if (d.storage.kind == Storage::contiguous) {
            constexpr hsize_t block = hsize_t{1} << 18;
            p->grain = block;
            p->pieces = static_cast<std::int64_t>((count + block - 1) / block);
            if (tasks != nullptr) *tasks = {block, 0};
            return p;
        }
        const hsize_t c = d.storage.chunk;
        p->grain = c;
        p->q0 = offset / c;
        p->pieces = static_cast<std::int64_t>((offset + count - 1) / c - p->q0 + 1);
        if (tasks != nullptr) *tasks = {c, offset % c};
        p->where.resize(static_cast<std::size_t>(p->pieces));
        p->bytes.resize(p->where.size());
        for (std::size_t q = 0; q < p->where.size(); ++q) {
            hsize_t coord = (p->q0 + q) * c;
            unsigned mask = 0;
            if (H5Dget_chunk_info_by_coord(d.id.get(), &coord, &mask, &p->where[q], &p->bytes[q]) <
                    0 ||
                p->where[q] == HADDR_UNDEF || mask != 0 || p->where[q] > bytes ||
                p->bytes[q] > bytes - p->where[q] ||
                (d.storage.kind != Storage::deflate_chunks && p->bytes[q] != c * sizeof(S))) {
                hdf5_reason();
                return nullptr;
            }
        }
        return p;
    }

    /// Reads entries [@p offset, @p offset + @p count) of the 1-D dataset @p d into @p out.
    template <class T>
    void read_range(const Dataset& d, hsize_t offset, hsize_t count, T* out) const {
        if (count == 0) return;
        // Whole arrays and blocks (not the few entries of a message) without HDF5's read path.
        if (count >= 4096 && read_stored(d, offset, count, out)) return;
        const Handle space(H5Dget_space(d.id.get()), H5Sclose);
        const std::array<hsize_t, 1> start{offset}, n{count};
        const Handle memory(H5Screate_simple(1, n.data(), nullptr), H5Sclose);
        if (H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start.data(), nullptr, n.data(),
                                nullptr) < 0 ||
            H5Dread(d.id.get(), native_type<T>(), memory.get(), space.get(), H5P_DEFAULT, out) < 0)
            throw InvalidInput(at(d.name) + "cannot read entries " + std::to_string(offset) + ".." +
                               std::to_string(offset + count - 1) + reason_suffix() +
                               ": corrupt or truncated file?");
    }

    /// Reads the block [r0, r0 + nr) x [c0, c0 + nc) of the 2-D dataset @p d, row-major.
    void read_block(const Dataset& d, hsize_t r0, hsize_t nr, hsize_t c0, hsize_t nc,
                    double* out) const {
        if (nr == 0 || nc == 0) return;
        const Handle space(H5Dget_space(d.id.get()), H5Sclose);
        const std::array<hsize_t, 2> start{r0, c0}, n{nr, nc};
        const Handle memory(H5Screate_simple(2, n.data(), nullptr), H5Sclose);
        if (H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start.data(), nullptr, n.data(),
                                nullptr) < 0 ||
            H5Dread(d.id.get(), H5T_NATIVE_DOUBLE, memory.get(), space.get(), H5P_DEFAULT, out) < 0)
            throw InvalidInput(at(d.name) + "cannot read rows " + std::to_string(r0) + ".." +
                               std::to_string(r0 + nr - 1) + ", columns " + std::to_string(c0) +
                               ".." + std::to_string(c0 + nc - 1) + reason_suffix() +
                               ": corrupt or truncated file?");
    }

    /// Entry @p k of a 1-D integer dataset, for messages (the value as stored, beyond int's range
    /// too; uint64 values above 2^63 - 1 as "above 2^63").
    std::string entry_text(const Dataset& d, hsize_t k) const {
        std::int64_t v = 0;
        read_range(d, k, 1, &v);
        if (!d.is_signed && d.type_size == 8) {
            std::uint64_t u = 0;
            const Handle space(H5Dget_space(d.id.get()), H5Sclose);
            const std::array<hsize_t, 1> start{k}, n{1};
            const Handle memory(H5Screate_simple(1, n.data(), nullptr), H5Sclose);
            H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start.data(), nullptr, n.data(),
                                nullptr);
            H5Dread(d.id.get(), H5T_NATIVE_UINT64, memory.get(), space.get(), H5P_DEFAULT, &u);
            return std::to_string(u);
        }
        return std::to_string(v);
    }

    /// A string attribute of object @p object, or nullopt when absent or not a string.
    std::optional<std::string> string_attribute(const std::string& object, const char* name) const {
        if (H5Aexists_by_name(file.get(), object.c_str(), name, H5P_DEFAULT) <= 0) {
            hdf5_reason();
            return std::nullopt;
        }
        const Handle a(H5Aopen_by_name(file.get(), object.c_str(), name, H5P_DEFAULT, H5P_DEFAULT),
                       H5Aclose);
        const Handle type(H5Aget_type(a.get()), H5Tclose);
        if (H5Tget_class(type.get()) != H5T_STRING) return std::nullopt;
        const Handle space(H5Aget_space(a.get()), H5Sclose);
        if (H5Sget_simple_extent_npoints(space.get()) != 1) return std::nullopt;
        if (H5Tis_variable_str(type.get()) > 0) {
            const Handle memory(H5Tcopy(H5T_C_S1), H5Tclose);
            H5Tset_size(memory.get(), H5T_VARIABLE);
            H5Tset_cset(memory.get(), H5Tget_cset(type.get()));
            char* text = nullptr;
            if (H5Aread(a.get(), memory.get(), &text) < 0 || text == nullptr) {
                hdf5_reason();
                return std::nullopt;
            }
            std::string out(text);
            H5free_memory(text);
            return out;
        }
        std::string out(H5Tget_size(type.get()), '\0');
        if (H5Aread(a.get(), type.get(), out.data()) < 0) {
            hdf5_reason();
            return std::nullopt;
        }
        out.resize(std::strlen(out.c_str()));
        return out;
    }

    /// An integer array attribute of object @p object; nullopt when absent.
    std::optional<std::vector<std::int64_t>> int_attribute(const std::string& object,
                                                           const char* name) const {
        if (H5Aexists_by_name(file.get(), object.c_str(), name, H5P_DEFAULT) <= 0) {
            hdf5_reason();
            return std::nullopt;
        }
        const Handle a(H5Aopen_by_name(file.get(), object.c_str(), name, H5P_DEFAULT, H5P_DEFAULT),
                       H5Aclose);
        const Handle type(H5Aget_type(a.get()), H5Tclose);
        const Handle space(H5Aget_space(a.get()), H5Sclose);
        const H5T_class_t cls = H5Tget_class(type.get());
        if (cls != H5T_INTEGER)
            throw InvalidInput(at(object) + "attribute " + name + " has type " +
                               type_description(type.get()) + ", expected integers");
        const hssize_t n = H5Sget_simple_extent_npoints(space.get());
        std::vector<std::int64_t> out(static_cast<std::size_t>(std::max<hssize_t>(n, 0)));
        if (H5Aread(a.get(), H5T_NATIVE_INT64, out.data()) < 0)
            throw InvalidInput(at(object) + "cannot read attribute " + name + reason_suffix());
        return out;
    }

    /// The 1-D string dataset @p name (variable- or fixed-length), @p expected entries.
    std::vector<std::string> strings(const std::string& name, hsize_t expected,
                                     const std::string& what) const {
        if (kind(name) != H5I_DATASET)
            throw InvalidInput(at(name) + (exists(name) ? "is a group, expected a dataset of " +
                                                              what + " (strings)"
                                                        : "missing"));
        const Handle d(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
        const Handle type(H5Dget_type(d.get()), H5Tclose);
        if (H5Tget_class(type.get()) != H5T_STRING)
            throw InvalidInput(at(name) + "dtype " + type_description(type.get()) +
                               ", expected strings (" + what + ")");
        const Handle space(H5Dget_space(d.get()), H5Sclose);
        const hssize_t n = H5Sget_simple_extent_npoints(space.get());
        if (H5Sget_simple_extent_ndims(space.get()) != 1 || n < 0 ||
            static_cast<hsize_t>(n) != expected)
            throw InvalidInput(at(name) + "holds " + std::to_string(n) + " " + what +
                               ", expected " + std::to_string(expected));
        detail::check_memory(detail::mul_sat(expected, 64), limit,
                             at(name) + std::to_string(n) + " " + what);
        std::vector<std::string> out;
        out.reserve(expected);
        if (H5Tis_variable_str(type.get()) > 0) {
            const Handle memory(H5Tcopy(H5T_C_S1), H5Tclose);
            H5Tset_size(memory.get(), H5T_VARIABLE);
            H5Tset_cset(memory.get(), H5Tget_cset(type.get()));
            std::vector<char*> text(expected, nullptr);
            if (H5Dread(d.get(), memory.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()) < 0)
                throw InvalidInput(at(name) + "cannot read the " + what + reason_suffix());
            for (const char* t : text) out.emplace_back(t == nullptr ? "" : t);
            H5Dvlen_reclaim(memory.get(), space.get(), H5P_DEFAULT, text.data());
        } else {
            const std::size_t width = H5Tget_size(type.get());
            std::string bytes(detail::mul_sat(width, expected), '\0');
            if (H5Dread(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) < 0)
                throw InvalidInput(at(name) + "cannot read the " + what + reason_suffix());
            for (hsize_t k = 0; k < expected; ++k) {
                std::string_view s(bytes.data() + k * width, width);
                s = s.substr(0, s.find('\0'));
                out.emplace_back(s);
            }
        }
        return out;
    }
};

/// The largest dimension and entry count a sparse matrix may have (32-bit indices).
constexpr std::int64_t index_max = INT_MAX;

/// What check_slices() found.
struct Slices {
    bool in_range = true;    ///< every index in [0, inner)
    bool increasing = true;  ///< the indices of every slice strictly increase
};

/// Over x[0, length): sets @p bad when some x[p] is outside [0, inner), @p down when some
/// x[p] <= x[p - 1]. One pass of signed comparisons OR-ed without branches, which the compiler
/// vectorizes, finds whether x strictly increases; if it does, x[0] is its least and
/// x[length - 1] its largest entry, and those two decide the range; only a segment that does not
/// increase gets a second pass, over every entry's range.
inline void scan_segment(const int* x, hsize_t length, int inner, int& bad, int& down) {
    if (length == 0) return;
    int d = 0;
    for (hsize_t p = 1; p < length; ++p) d |= static_cast<int>(x[p] <= x[p - 1]);
    if (d == 0) {
        bad |= static_cast<int>(x[0] < 0) | static_cast<int>(x[length - 1] >= inner);
        return;
    }
    int b = 0;
    for (hsize_t p = 0; p < length; ++p)
        b |= static_cast<int>(x[p] < 0) | static_cast<int>(x[p] >= inner);
    bad |= b;
    down = 1;
}

/// One pass over the indices of the @p outer slices of a compressed matrix (slice o holds
/// entries [starts[o], starts[o + 1])) on all threads.
Slices check_slices(const int* starts, std::int64_t outer, const int* index, std::int64_t inner) {
    bool out_of_range = false;
    bool unordered = false;
#pragma omp parallel for schedule(static) reduction(|| : out_of_range, unordered) if (outer > 1024)
    for (std::int64_t o = 0; o < outer; ++o) {
        const auto length = static_cast<hsize_t>(starts[o + 1] - starts[o]);
        if (length == 0) continue;
        int bad = 0;
        int down = 0;
        scan_segment(index + starts[o], length, static_cast<int>(inner), bad, down);
        out_of_range = out_of_range || bad != 0;
        unordered = unordered || down != 0;
    }
    return {!out_of_range, !unordered};
}

/// check_slices() in pieces, as read_stored() lands entries [lo, hi) of the index array (its
/// `landed` callback), on the reading threads; finish() adds the pairs that straddle two
/// pieces, once all have landed.
class SliceChecker {
public:
    SliceChecker(const int* starts, std::int64_t outer, const int* index, std::int64_t inner)
        : starts_(starts), outer_(outer), index_(index), inner_(inner) {}

    void operator()(hsize_t lo, hsize_t hi) const {
        // The slice holding entry lo: the last o with starts[o] <= lo.
        auto o = static_cast<std::int64_t>(
            std::upper_bound(starts_, starts_ + outer_ + 1, static_cast<int>(lo)) - starts_ - 1);
        int bad = 0;
        int down = 0;
        for (hsize_t a = lo; a < hi; ++o) {
            const auto b = std::min(hi, static_cast<hsize_t>(starts_[o + 1]));
            scan_segment(index_ + a, b - a, static_cast<int>(inner_), bad, down);
            a = b;
        }
        if (bad != 0) out_of_range_ = true;
        if (down != 0) unordered_ = true;
    }

    /// The result, given where read_stored() split the @p count entries.
    Slices finish(hsize_t count, const Tasks& tasks) const {
        Slices out{!out_of_range_, !unordered_};
        // Task starts p > 0 inside a slice: x[p] > x[p - 1] was not checked.
        hsize_t p = tasks.grain - tasks.phase % tasks.grain;
        for (; out.increasing && p < count; p += tasks.grain) {
            const int* s = std::lower_bound(starts_, starts_ + outer_ + 1, static_cast<int>(p));
            if (*s != static_cast<int>(p) && index_[p] <= index_[p - 1]) out.increasing = false;
        }
        return out;
    }

private:
    const int* starts_;
    std::int64_t outer_;
    const int* index_;
    std::int64_t inner_;
    mutable std::atomic<bool> out_of_range_{false};
    mutable std::atomic<bool> unordered_{false};
};

/// "1 row" / "2 columns"
std::string count_of(std::int64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace hdf5_detail

using namespace hdf5_detail;  // this file's own helpers, above

bool has_hdf5() { return true; }

const char* to_string(Hdf5Layout layout) {
    switch (layout) {
        case Hdf5Layout::csr: return "csr";
        case Hdf5Layout::csc: return "csc";
        case Hdf5Layout::dense: return "dense";
    }
    return "";
}

struct Hdf5Matrix::State {
    File f;
    std::string matrix;  ///< "X", "layers/NAME", "matrix"
    Hdf5Layout layout = Hdf5Layout::dense;
    std::int64_t m = 0, n = 0, nnz = 0;
    std::string dtype;
    std::vector<std::string> row_labels, col_labels;
    Dataset data, indices, indptr;  // data only, when dense
    bool csr_transposed = false;    ///< ReadOptions::csr_transposed
    bool float32_values = false;    ///< ReadOptions::float32_values

    std::string what() const {
        return layout == Hdf5Layout::dense ? "dense matrix"
                                           : std::string(to_string(layout)) + " matrix";
    }

    /// Reads the sparse block of outer slices [b, e) (rows for CSR, columns for CSC) into @p S
    /// as the CSC of the block itself: m x (e - b) for CSC, (e - b) x n for CSR; with
    /// @p transposed (CSR), as the CSC of the block's transpose, n x (e - b), which is the stored
    /// arrays themselves (no counting sort).
    template <class Scalar>
    void read_sparse(std::int64_t b, std::int64_t e,
                     Eigen::SparseMatrix<Scalar, Eigen::ColMajor, int>& S,
                     bool transposed = false) const {
        const bool csr = layout == Hdf5Layout::csr;
        const bool sort = csr && !transposed;  // CSR rows to CSC columns
        const std::int64_t inner = csr ? n : m;
        const std::int64_t outer = e - b;
        const std::string ip = indptr.name;
        std::vector<std::int64_t> ptr(static_cast<std::size_t>(outer) + 1);
        f.read_range(indptr, static_cast<hsize_t>(b), static_cast<hsize_t>(outer) + 1, ptr.data());
        if (ptr[0] < 0 || ptr[0] > nnz)
            throw InvalidInput(f.at(ip) + "entry " + std::to_string(b) + " is " +
                               std::to_string(ptr[0]) + ", out of range 0.." + std::to_string(nnz) +
                               " (the number of values in " + data.name + ")");
        for (std::int64_t o = 0; o < outer; ++o) {
            const std::int64_t at = ptr[static_cast<std::size_t>(o) + 1];
            const std::int64_t before = ptr[static_cast<std::size_t>(o)];
            if (at < before)
                throw InvalidInput(f.at(ip) + "entry " + std::to_string(b + o + 1) + " is " +
                                   std::to_string(at) + ", less than entry " +
                                   std::to_string(b + o) + " (" + std::to_string(before) +
                                   "): indptr must not decrease");
            if (at > nnz)
                throw InvalidInput(f.at(ip) + "entry " + std::to_string(b + o + 1) + " is " +
                                   std::to_string(at) + ", more than the " + std::to_string(nnz) +
                                   " values of " + data.name);
        }
        const std::int64_t first = ptr.front();
        const std::int64_t count = ptr.back() - first;
        if (count > index_max)
            throw InvalidInput(f.at(matrix) + "a block of " + std::to_string(count) +
                               " stored entries is too many (at most " + std::to_string(index_max) +
                               ")");
        // CSC (and CSR transposed): the arrays themselves; CSR: the arrays, then their transpose.
        const std::uint64_t bytes =
            detail::mul_sat(static_cast<std::uint64_t>(count),
                            sort ? 8 + 2 * sizeof(Scalar) : 4 + sizeof(Scalar)) +
            8 * static_cast<std::uint64_t>(outer + inner + 2);
        detail::check_memory(bytes, f.limit,
                             f.at(matrix) + "a " + std::to_string(csr ? outer : m) + " x " +
                                 std::to_string(csr ? n : outer) + " block with " +
                                 std::to_string(count) + " stored entries");
        const auto h_first = static_cast<hsize_t>(first);
        const auto h_count = static_cast<hsize_t>(count);
        auto check_indices = [&](const int* idx) {
            for (std::int64_t k = 0; k < count; ++k) {
                const int v = idx[k];
                if (v < 0 || v >= inner)
                    throw InvalidInput(
                        f.at(indices.name) + "entry " + std::to_string(first + k) + " is " +
                        f.entry_text(indices, h_first + static_cast<hsize_t>(k)) +
                        ", out of range 0.." + std::to_string(inner - 1) + " (the matrix has " +
                        count_of(inner, csr ? "column" : "row", csr ? "columns" : "rows") + ")");
            }
        };
        // The arrays get no transparent-huge-page advice (detail::advise_huge_pages): where memory
        // is fragmented, the kernel's compaction for it cost more than the page faults it saves
        // (docs/benchmarks.md, "Reading HDF5 files").
        if (!sort) {
            S.resize(inner, outer);
            S.resizeNonZeros(count);
            int* starts = S.outerIndexPtr();
            for (std::int64_t o = 0; o <= outer; ++o)
                starts[o] = static_cast<int>(ptr[static_cast<std::size_t>(o)] - first);
            // The indices checked as they land (one pass, in cache), else in a pass of their own.
            // Indices and values read in one parallel region (one barrier) where the reader reads
            // both itself; else one after the other, HDF5 naming what is wrong.
            int* const index = S.innerIndexPtr();
            const SliceChecker checker(starts, outer, index, inner);
            Tasks tasks;
            Slices checked;
            std::unique_ptr<Pieces> index_pieces, value_pieces;
            if (h_count >= 4096) {
                index_pieces = f.plan_stored(indices, h_first, h_count, index, checker, &tasks);
                if (index_pieces != nullptr)
                    value_pieces = f.plan_stored(data, h_first, h_count, S.valuePtr());
            }
            const bool both = index_pieces != nullptr && value_pieces != nullptr &&
                              run_pieces({index_pieces.get(), value_pieces.get()});
            if (both || (index_pieces != nullptr && value_pieces == nullptr &&
                         run_pieces({index_pieces.get()}))) {
                checked = checker.finish(h_count, tasks);
            } else {
                f.read_range(indices, h_first, h_count, index);
                checked = check_slices(starts, outer, index, inner);
            }
            if (!checked.in_range) check_indices(index);
            if (!both) f.read_range(data, h_first, h_count, S.valuePtr());
            // Strictly increasing indices in every slice: nothing to sort, no duplicate to sum.
            if (!checked.increasing) detail::sort_and_sum_columns(S);
            return;
        }
        std::vector<int> idx(static_cast<std::size_t>(count));
        std::vector<Scalar> val(static_cast<std::size_t>(count));
        f.read_range(indices, h_first, h_count, idx.data());
        check_indices(idx.data());
        f.read_range(data, h_first, h_count, val.data());
        // Counting sort of the block's rows into CSC (outer x n): rows come in increasing order,
        // so each column's rows come out sorted; duplicates are then adjacent and summed.
        S.resize(outer, n);
        S.resizeNonZeros(count);
        int* const starts = S.outerIndexPtr();  // n + 1, zero
        int* const rows = S.innerIndexPtr();
        Scalar* const values = S.valuePtr();
        for (const int j : idx) ++starts[j + 1];
        for (std::int64_t j = 0; j < n; ++j) starts[j + 1] += starts[j];
        std::vector<int> next(starts, starts + n);
        for (std::int64_t o = 0; o < outer; ++o) {
            const std::int64_t lo = ptr[static_cast<std::size_t>(o)] - first;
            const std::int64_t hi = ptr[static_cast<std::size_t>(o) + 1] - first;
            for (std::int64_t p = lo; p < hi; ++p) {
                const int at = next[static_cast<std::size_t>(idx[static_cast<std::size_t>(p)])]++;
                rows[at] = static_cast<int>(o);
                values[at] = val[static_cast<std::size_t>(p)];
            }
        }
        idx = {};
        val = {};
        detail::sort_and_sum_columns(S);
    }

    /// The dense block [r0, r1) x [c0, c1), read in slabs of rows (the dataset is row-major, the
    /// result column-major); with @p transposed, its transpose, (c1 - c0) x (r1 - r0), whose
    /// column-major layout is the slab's row-major one (read in place, no staging).
    Eigen::MatrixXd read_dense(std::int64_t r0, std::int64_t r1, std::int64_t c0, std::int64_t c1,
                               bool transposed = false) const {
        const std::int64_t nr = r1 - r0, nc = c1 - c0;
        detail::check_memory(
            detail::mul_sat(static_cast<std::uint64_t>(nr),
                            detail::mul_sat(static_cast<std::uint64_t>(nc), 8)),
            f.limit,
            f.at(matrix) + "a " + std::to_string(nr) + " x " + std::to_string(nc) + " dense block");
        if (transposed) {
            Eigen::MatrixXd out(nc, nr);
            if (nr > 0 && nc > 0)
                f.read_block(data, static_cast<hsize_t>(r0), static_cast<hsize_t>(nr),
                             static_cast<hsize_t>(c0), static_cast<hsize_t>(nc), out.data());
            return out;
        }
        Eigen::MatrixXd out(nr, nc);
        if (nr == 0 || nc == 0) return out;
        // About 8 MB of staging per slab.
        const std::int64_t slab = std::max<std::int64_t>(1, (std::int64_t{1} << 20) / nc);
        std::vector<double> stage(static_cast<std::size_t>(std::min(slab, nr) * nc));
        for (std::int64_t r = r0; r < r1; r += slab) {
            const std::int64_t rows = std::min(slab, r1 - r);
            f.read_block(data, static_cast<hsize_t>(r), static_cast<hsize_t>(rows),
                         static_cast<hsize_t>(c0), static_cast<hsize_t>(nc), stage.data());
            out.middleRows(r - r0, rows) = Eigen::Map<
                const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
                stage.data(), rows, nc);
        }
        return out;
    }

    void open_anndata(const ReadOptions& opt);
    void open_10x(const std::string& group, const ReadOptions& opt);
    void open_sparse(const std::string& group, const std::string& encoding, std::int64_t rows,
                     std::int64_t cols);
};

namespace {

/// The HDF5 signature at byte 0 (or at 512, 1024, 2048, ... after a user block, as the format
/// allows); @throws for a file that does not have it, naming what it is when it is a known format.
void check_signature(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError("cannot open \"" + path + "\": " + detail::errno_text(errno));
    std::string head(16, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    constexpr std::string_view signature = "\x89HDF\r\n\x1a\n";
    if (head.starts_with(signature)) return;
    for (std::uint64_t at = 512; in; at *= 2) {
        std::string probe(8, '\0');
        in.clear();
        in.seekg(static_cast<std::streamoff>(at));
        if (!in.read(probe.data(), 8)) break;
        if (probe == signature) return;
    }
    const std::optional<Format> content = detail::sniff(head);
    if (detail::is_gzip(head))
        throw InvalidInput(path +
                           ": the content is gzip-compressed; an HDF5 file cannot be read "
                           "compressed as a whole (decompress it; the datasets inside may be "
                           "compressed)");
    if (content.has_value())
        throw InvalidInput(path + ": the extension says HDF5, but the content is " +
                           detail::describe(*content) +
                           " (name the format with --format to read it anyway)");
    throw InvalidInput(
        path + ": not an HDF5 file (no HDF5 signature \\x89HDF\\r\\n\\x1a\\n at " +
        "byte 0): " + (head.empty() ? "the file is empty" : "truncated or not HDF5"));
}

}  // namespace

void Hdf5Matrix::State::open_sparse(const std::string& group, const std::string& encoding,
                                    std::int64_t rows, std::int64_t cols) {
    layout = encoding == "csr" ? Hdf5Layout::csr : Hdf5Layout::csc;
    m = rows;
    n = cols;
    if (m < 0 || n < 0 || m > index_max || n > index_max)
        throw InvalidInput(f.at(group) + "shape (" + std::to_string(m) + ", " + std::to_string(n) +
                           ") is not supported (dimensions from 0 to " + std::to_string(index_max) +
                           ")");
    data = f.numeric(group + "/data");
    indices = f.numeric(group + "/indices");
    indptr = f.numeric(group + "/indptr");
    dtype = data.dtype;
    for (const Dataset* d : {&data, &indices, &indptr})
        if (d->dims.size() != 1)
            throw InvalidInput(f.at(d->name) + "has " + std::to_string(d->dims.size()) +
                               " dimensions, expected a 1-D array");
    for (const Dataset* d : {&indices, &indptr})
        if (d->type_class != H5T_INTEGER)
            throw InvalidInput(f.at(d->name) + "dtype " + d->dtype + ", expected an integer dtype");
    nnz = static_cast<std::int64_t>(data.dims[0]);
    if (indices.dims[0] != data.dims[0])
        throw InvalidInput(f.at(group) + "indices and data hold " +
                           std::to_string(indices.dims[0]) + " and " +
                           std::to_string(data.dims[0]) + " values, expected the same count");
    const bool csr = layout == Hdf5Layout::csr;
    const std::int64_t outer = csr ? m : n;
    if (indptr.dims[0] != static_cast<hsize_t>(outer) + 1)
        throw InvalidInput(f.at(indptr.name) + "holds " + std::to_string(indptr.dims[0]) +
                           " values, expected " + std::to_string(outer + 1) + " (" +
                           (csr ? "rows" : "columns") + " + 1 for shape (" + std::to_string(m) +
                           ", " + std::to_string(n) + "))");
    std::int64_t ends[2] = {0, 0};
    f.read_range(indptr, 0, 1, &ends[0]);
    f.read_range(indptr, static_cast<hsize_t>(outer), 1, &ends[1]);
    if (ends[0] != 0)
        throw InvalidInput(f.at(indptr.name) + "entry 0 is " + f.entry_text(indptr, 0) +
                           ", expected 0");
    if (ends[1] != nnz)
        throw InvalidInput(f.at(indptr.name) + "the last entry is " +
                           f.entry_text(indptr, static_cast<hsize_t>(outer)) + ", expected " +
                           std::to_string(nnz) + " (the number of values in " + data.name + ")");
}

void Hdf5Matrix::State::open_anndata(const ReadOptions& opt) {
    matrix = opt.layer.empty() ? "X" : "layers/" + opt.layer;
    const H5I_type_t kind = f.kind(matrix);
    if (kind == H5I_BADID) {
        const std::vector<std::string> layers =
            f.kind("layers") == H5I_GROUP ? f.members("layers") : std::vector<std::string>{};
        const std::string listed =
            layers.empty() ? "the file has no layers" : "its layers: " + [&] {
                std::string s;
                for (const auto& l : layers) s += (s.empty() ? "" : ", ") + l;
                return s;
            }();
        if (opt.layer.empty())
            throw InvalidInput(f.path + ": no X (an AnnData file without a data matrix; " + listed +
                               (layers.empty() ? "" : "; name one with layer (--layer)") + ")");
        throw InvalidInput(f.path + ": no " + matrix + " (" + listed + ")");
    }
    if (kind == H5I_DATASET) {
        layout = Hdf5Layout::dense;
        data = f.numeric(matrix);
        dtype = data.dtype;
        if (data.dims.size() != 2)
            throw InvalidInput(f.at(matrix) +
                               "a dense matrix must have 2 dimensions, this one has " +
                               std::to_string(data.dims.size()));
        m = static_cast<std::int64_t>(data.dims[0]);
        n = static_cast<std::int64_t>(data.dims[1]);
        nnz = m * n;
    } else if (kind == H5I_GROUP) {
        std::optional<std::string> encoding = f.string_attribute(matrix, "encoding-type");
        std::optional<std::vector<std::int64_t>> shape = f.int_attribute(matrix, "shape");
        if (!encoding) {  // anndata before 0.7.6 (h5sparse attributes)
            encoding = f.string_attribute(matrix, "h5sparse_format");
            if (encoding) *encoding += "_matrix";
            if (!shape) shape = f.int_attribute(matrix, "h5sparse_shape");
        }
        if (!encoding)
            throw InvalidInput(f.at(matrix) +
                               "a group without an encoding-type attribute (expected "
                               "csr_matrix or csc_matrix, as anndata writes)");
        if (*encoding != "csr_matrix" && *encoding != "csc_matrix")
            throw InvalidInput(f.at(matrix) + "encoding-type " + detail::shown(*encoding) +
                               " is not supported (csr_matrix, csc_matrix and dense arrays are)");
        if (!shape)
            throw InvalidInput(f.at(matrix) + "no shape attribute (expected [rows, columns])");
        if (shape->size() != 2)
            throw InvalidInput(f.at(matrix) + "the shape attribute holds " +
                               std::to_string(shape->size()) + " values, expected 2");
        open_sparse(matrix, encoding->substr(0, 3), (*shape)[0], (*shape)[1]);
    } else {
        throw InvalidInput(f.at(matrix) + "is neither a group nor a dataset");
    }
    // Labels: the dataframe's index, the column its _index attribute names (anndata >= 0.7).
    auto index = [&](const std::string& frame, std::int64_t count, const char* what) {
        if (f.kind(frame) != H5I_GROUP) return std::vector<std::string>{};
        const std::string column = f.string_attribute(frame, "_index").value_or("_index");
        if (!f.exists(frame + "/" + column)) return std::vector<std::string>{};
        return f.strings(frame + "/" + column, static_cast<hsize_t>(count), what);
    };
    if (!opt.labels) return;
    row_labels = index("obs", m, "obs names (rows)");
    col_labels = index("var", n, "var names (columns)");
}

void Hdf5Matrix::State::open_10x(const std::string& group, const ReadOptions& opt) {
    matrix = group;
    if (!opt.layer.empty())
        throw InvalidInput(f.path + ": layer " + detail::shown(opt.layer) +
                           " asked for, but this is a 10x Genomics file (layers are AnnData's)");
    const Dataset shape_set = f.numeric(group + "/shape");
    if (shape_set.type_class != H5T_INTEGER || shape_set.size() != 2)
        throw InvalidInput(f.at(shape_set.name) + "expected 2 integers (genes, barcodes)");
    std::array<std::int64_t, 2> shape{};
    f.read_range(shape_set, 0, 2, shape.data());
    open_sparse(group, "csc", shape[0], shape[1]);
    if (!opt.labels) return;
    // Feature names (gene symbols, as scanpy's default var_names), else ids; 10x v2: gene_names,
    // genes.
    for (const char* names : {"/features/name", "/features/id", "/gene_names", "/genes"}) {
        if (f.kind(group + names) == H5I_DATASET) {
            row_labels = f.strings(group + names, static_cast<hsize_t>(m), "features (rows)");
            break;
        }
    }
    if (f.exists(group + "/barcodes"))
        col_labels = f.strings(group + "/barcodes", static_cast<hsize_t>(n), "barcodes (columns)");
}

Hdf5Matrix::Hdf5Matrix(const std::string& path, const ReadOptions& opt)
    : s_(std::make_unique<State>()) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw IoError("cannot open \"" + path + "\": " + detail::errno_text(errno));
    if (S_ISDIR(st.st_mode))
        throw IoError("cannot open \"" + path + "\": " + detail::errno_text(EISDIR));
    check_signature(path);
    const QuietErrors quiet;
    File& f = s_->f;
    f.path = path;
    f.limit = detail::memory_limit(opt);
    f.file = Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!f.file.valid())
        throw InvalidInput(path + ": cannot be opened as HDF5" + reason_suffix() +
                           ": truncated or corrupt file?");
    {
        // HDF5's addresses count from the end of a user block; read_stored() wants none.
        const Handle fcpl(H5Fget_create_plist(f.file.get()), H5Pclose);
        hsize_t user_block = 1;
        f.plain_addresses =
            fcpl.valid() && H5Pget_userblock(fcpl.get(), &user_block) >= 0 && user_block == 0;
        hdf5_reason();
        f.fd = Descriptor(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        f.bytes = static_cast<std::uint64_t>(st.st_size);
    }
    s_->csr_transposed = opt.csr_transposed;
    s_->float32_values = opt.float32_values;
    if (f.exists("X") || f.exists("layers") || f.exists("obs")) {
        s_->open_anndata(opt);
        return;
    }
    if (f.kind("matrix") == H5I_GROUP) {
        s_->open_10x("matrix", opt);
        return;
    }
    // 10x Genomics' older format (Cell Ranger 2): one group per genome with the same datasets.
    const std::vector<std::string> root = f.members("");
    for (const std::string& g : root)
        if (f.kind(g) == H5I_GROUP && f.exists(g + "/indptr") && f.exists(g + "/barcodes")) {
            s_->open_10x(g, opt);
            return;
        }
    std::string listed;
    for (const auto& g : root) listed += (listed.empty() ? "" : ", ") + g;
    throw InvalidInput(path +
                       ": neither an AnnData file (no X, layers or obs) nor a 10x Genomics "
                       "matrix (no matrix group); the file holds: " +
                       (listed.empty() ? "nothing" : listed));
}

Hdf5Matrix::~Hdf5Matrix() {
    if (s_) {
        const QuietErrors quiet;
        s_.reset();
    }
}
Hdf5Matrix::Hdf5Matrix(Hdf5Matrix&&) noexcept = default;
Hdf5Matrix& Hdf5Matrix::operator=(Hdf5Matrix&&) noexcept = default;

Eigen::Index Hdf5Matrix::rows() const { return s_->m; }
Eigen::Index Hdf5Matrix::cols() const { return s_->n; }
std::int64_t Hdf5Matrix::stored() const { return s_->nnz; }
Hdf5Layout Hdf5Matrix::layout() const { return s_->layout; }
const std::string& Hdf5Matrix::source_dtype() const { return s_->dtype; }
const std::string& Hdf5Matrix::matrix_name() const { return s_->matrix; }
const std::vector<std::string>& Hdf5Matrix::row_labels() const { return s_->row_labels; }
const std::vector<std::string>& Hdf5Matrix::col_labels() const { return s_->col_labels; }

namespace {

void check_range(const std::string& where, Eigen::Index begin, Eigen::Index end, Eigen::Index size,
                 const char* what) {
    if (begin < 0 || end < begin || end > size)
        throw InvalidInput(where + what + " " + std::to_string(begin) + ".." + std::to_string(end) +
                           " asked for, out of the range 0.." + std::to_string(size));
}

}  // namespace

LoadedMatrix Hdf5Matrix::read_part(Eigen::Index begin, Eigen::Index end, Part p) const {
    const State& s = *s_;
    const bool by_rows = p != Part::columns;
    check_range(s.f.at(s.matrix), begin, end, by_rows ? s.m : s.n, by_rows ? "rows" : "columns");
    if (by_rows && s.layout == Hdf5Layout::csc)
        throw InvalidInput(s.f.at(s.matrix) +
                           "a csc matrix is read by columns (read_columns), not by rows");
    if (!by_rows && s.layout == Hdf5Layout::csr)
        throw InvalidInput(s.f.at(s.matrix) +
                           "a csr matrix is read by rows (read_rows), not by columns");
    const QuietErrors quiet;
    LoadedMatrix out;
    out.source_dtype = s.dtype;
    if (s.layout == Hdf5Layout::dense) {
        out.dense = by_rows ? s.read_dense(begin, end, 0, s.n, p == Part::rows_transposed)
                            : s.read_dense(0, s.m, begin, end);
    } else {
        out.is_sparse = true;
        out.float32 = s.float32_values && s.dtype == "float32";
        if (out.float32)
            s.read_sparse(begin, end, out.sparse32, p == Part::rows_transposed);
        else
            s.read_sparse(begin, end, out.sparse, p == Part::rows_transposed);
    }
    return out;
}

LoadedMatrix Hdf5Matrix::read_rows(Eigen::Index begin, Eigen::Index end) const {
    return read_part(begin, end, Part::rows);
}

LoadedMatrix Hdf5Matrix::read_columns(Eigen::Index begin, Eigen::Index end) const {
    return read_part(begin, end, Part::columns);
}

LoadedMatrix Hdf5Matrix::read_rows_transposed(Eigen::Index begin, Eigen::Index end) const {
    return read_part(begin, end, Part::rows_transposed);
}

LoadedMatrix Hdf5Matrix::read_all() const {
    const State& s = *s_;
    if (s.layout != Hdf5Layout::dense && s.nnz > index_max)
        throw InvalidInput(s.f.at(s.matrix) + std::to_string(s.nnz) +
                           " stored entries are too many (at most " + std::to_string(index_max) +
                           "); read it in blocks (Hdf5Matrix::read_rows/read_columns)");
    LoadedMatrix out = s.layout == Hdf5Layout::csc ? read_columns(0, s.n)
                       : s.layout == Hdf5Layout::csr && s.csr_transposed
                           ? read_rows_transposed(0, s.m)
                           : read_rows(0, s.m);
    out.transposed = s.layout == Hdf5Layout::csr && s.csr_transposed;
    out.row_labels = s.row_labels;
    out.col_labels = s.col_labels;
    return out;
}

}  // namespace nmfkit::io
