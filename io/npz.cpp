// scipy.sparse .npz reader: a minimal zip reader (central directory, stored and deflate entries,
// zip64 sizes as numpy writes them) and the CSR/CSC/COO arrays of scipy.sparse.save_npz.
#include <algorithm>
#include <climits>
#include <map>

#include "detail.hpp"

#include <zlib.h>

namespace nmfkit::io::detail {
namespace {

/// Bounds-checked little-endian reads from the zip bytes.
class ZipBytes {
public:
    ZipBytes(std::string_view bytes, const std::string& name) : b_(bytes), name_(name) {}

    std::uint64_t le(std::uint64_t at, std::size_t width, const char* what) const {
        if (at > b_.size() || width > b_.size() - at)
            throw InvalidInput(at_byte(name_, at) + "the zip " + what +
                               " runs past the end of the file (" + std::to_string(b_.size()) +
                               " bytes): truncated file?");
        std::uint64_t v = 0;
        for (std::size_t k = 0; k < width; ++k)
            v |= static_cast<std::uint64_t>(static_cast<unsigned char>(b_[at + k])) << (8 * k);
        return v;
    }
    std::uint64_t u16(std::uint64_t at, const char* what) const { return le(at, 2, what); }
    std::uint64_t u32(std::uint64_t at, const char* what) const { return le(at, 4, what); }
    std::uint64_t u64(std::uint64_t at, const char* what) const { return le(at, 8, what); }
    std::string_view slice(std::uint64_t at, std::uint64_t len, const char* what) const {
        if (at > b_.size() || len > b_.size() - at)
            throw InvalidInput(at_byte(name_, at) + "the zip " + what +
                               " runs past the end of the file (" + std::to_string(b_.size()) +
                               " bytes): truncated file?");
        return b_.substr(at, len);
    }
    std::size_t size() const { return b_.size(); }
    std::string_view all() const { return b_; }

private:
    std::string_view b_;
    const std::string& name_;
};

struct ZipEntry {
    std::uint64_t method = 0, flags = 0, crc = 0, compressed = 0, size = 0, local = 0;
    std::uint64_t directory_offset = 0;
};

std::map<std::string, ZipEntry> read_directory(const ZipBytes& z, const std::string& name) {
    // End of central directory: 22 bytes plus a comment of up to 65535 bytes, at the end.
    const std::string_view all = z.all();
    if (all.size() < 22)
        throw InvalidInput(name + ": not a zip (.npz) file: " + std::to_string(all.size()) +
                           " bytes are too few");
    std::size_t eocd = std::string_view::npos;
    const std::size_t lowest = all.size() >= 22 + 65535 ? all.size() - 22 - 65535 : 0;
    for (std::size_t at = all.size() - 22 + 1; at-- > lowest;) {
        if (all.substr(at, 4) == "PK\x05\x06") {
            eocd = at;
            break;
        }
    }
    if (eocd == std::string_view::npos)
        throw InvalidInput(name +
                           ": not a zip (.npz) file: no end of central directory record "
                           "(truncated file?)");
    std::uint64_t entries = z.u16(eocd + 10, "end record");
    std::uint64_t dir_size = z.u32(eocd + 12, "end record");
    std::uint64_t dir_offset = z.u32(eocd + 16, "end record");
    if ((entries == 0xffff || dir_size == 0xffffffff || dir_offset == 0xffffffff) && eocd >= 20 &&
        all.substr(eocd - 20, 4) == "PK\x06\x07") {
        const std::uint64_t z64 = z.u64(eocd - 20 + 8, "zip64 locator");
        if (z.slice(z64, 4, "zip64 end record") != "PK\x06\x06")
            throw InvalidInput(at_byte(name, z64) + "bad zip64 end of central directory record");
        entries = z.u64(z64 + 32, "zip64 end record");
        dir_size = z.u64(z64 + 40, "zip64 end record");
        dir_offset = z.u64(z64 + 48, "zip64 end record");
    }
    std::map<std::string, ZipEntry> out;
    std::uint64_t at = dir_offset;
    for (std::uint64_t k = 0; k < entries; ++k) {
        if (z.slice(at, 4, "central directory") != "PK\x01\x02")
            throw InvalidInput(at_byte(name, at) + "bad zip central directory entry " +
                               std::to_string(k + 1) + " of " + std::to_string(entries));
        ZipEntry e;
        e.directory_offset = at;
        e.flags = z.u16(at + 8, "central directory");
        e.method = z.u16(at + 10, "central directory");
        e.crc = z.u32(at + 16, "central directory");
        e.compressed = z.u32(at + 20, "central directory");
        e.size = z.u32(at + 24, "central directory");
        const std::uint64_t name_len = z.u16(at + 28, "central directory");
        const std::uint64_t extra_len = z.u16(at + 30, "central directory");
        const std::uint64_t comment_len = z.u16(at + 32, "central directory");
        e.local = z.u32(at + 42, "central directory");
        const std::string entry(z.slice(at + 46, name_len, "central directory"));
        // Zip64 extended information: the 64-bit values of the fields that hold 0xffffffff.
        std::uint64_t x = at + 46 + name_len;
        const std::uint64_t x_end = x + extra_len;
        while (x + 4 <= x_end) {
            const std::uint64_t id = z.u16(x, "extra field");
            const std::uint64_t len = z.u16(x + 2, "extra field");
            if (id == 1) {
                std::uint64_t p = x + 4;
                const std::uint64_t p_end = p + len;
                for (std::uint64_t* f : {&e.size, &e.compressed, &e.local}) {
                    if (*f == 0xffffffff && p + 8 <= p_end) {
                        *f = z.u64(p, "zip64 extra field");
                        p += 8;
                    }
                }
            }
            x += 4 + len;
        }
        out[entry] = e;
        at = x_end + comment_len;
    }
    (void)dir_size;
    return out;
}

/// The uncompressed bytes of entry @p entry (owned by @p storage when inflated).
std::string_view entry_bytes(const ZipBytes& z, const std::string& name,
                             const std::map<std::string, ZipEntry>& dir, const std::string& entry,
                             std::string& storage, std::uint64_t limit) {
    const auto it = dir.find(entry);
    if (it == dir.end()) {
        std::string names;
        for (const auto& [n, e] : dir) names += (names.empty() ? "" : ", ") + n;
        throw InvalidInput(name + ": no " + entry +
                           " in the archive (it holds: " + (names.empty() ? "nothing" : names) +
                           "); expected a scipy.sparse matrix saved by scipy.sparse.save_npz");
    }
    const ZipEntry& e = it->second;
    const std::string what = name + ": " + entry;
    if ((e.flags & 1) != 0) throw InvalidInput(what + ": encrypted zip entries are not supported");
    if (z.slice(e.local, 4, "local header") != "PK\x03\x04")
        throw InvalidInput(at_byte(name, e.local) + "bad zip local header for " + entry);
    const std::uint64_t data =
        e.local + 30 + z.u16(e.local + 26, "local header") + z.u16(e.local + 28, "local header");
    const std::string_view raw = z.slice(data, e.compressed, "entry data");
    std::string_view bytes;
    if (e.method == 0) {
        if (e.compressed != e.size)
            throw InvalidInput(what + ": stored entry has compressed size " +
                               std::to_string(e.compressed) + " but size " +
                               std::to_string(e.size));
        bytes = raw;
    } else if (e.method == 8) {
        check_memory(e.size, limit, what + ": inflating");
        storage.assign(e.size, '\0');
        inflate_raw(raw, storage, what);
        bytes = storage;
    } else {
        throw InvalidInput(what + ": zip compression method " + std::to_string(e.method) +
                           " is not supported (stored and deflate are)");
    }
    uLong crc = crc32(0L, Z_NULL, 0);
    for (std::size_t k = 0; k < bytes.size(); k += UINT_MAX)
        crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + k),
                    static_cast<uInt>(std::min<std::size_t>(bytes.size() - k, UINT_MAX)));
    if (crc != e.crc) throw InvalidInput(what + ": CRC-32 mismatch (the file is corrupt)");
    return bytes;
}

/// A 1-D integer array (index arrays, shape).
void expect_1d(const NpyArray& a, const std::string& what, bool integer) {
    if (a.shape.size() != 1)
        throw InvalidInput(what + ": shape " + shape_text(a.shape) + ", expected a 1-D array");
    const bool ok = integer ? (a.kind == 'i' || a.kind == 'u')
                            : (a.kind == 'f' || a.kind == 'i' || a.kind == 'u' || a.kind == 'b');
    if (!ok)
        throw InvalidInput(what + ": dtype " + shown(a.descr) + ", expected " +
                           (integer ? "an integer dtype" : "a numeric dtype"));
}

}  // namespace

LoadedMatrix parse_npz(std::string_view bytes, const std::string& name, std::uint64_t limit) {
    if (bytes.substr(0, 2) != "PK")
        throw InvalidInput(name + ": not a zip (.npz) file (it does not start with \"PK\")");
    const ZipBytes z(bytes, name);
    const auto dir = read_directory(z, name);
    auto array = [&](const std::string& entry, std::string& keep) {
        const std::string_view b = entry_bytes(z, name, dir, entry, keep, limit);
        return parse_npy_array(b, name + ": " + entry, limit);
    };

    std::string format_keep;
    const NpyArray fmt = array("format.npy", format_keep);
    if ((fmt.kind != 'S' && fmt.kind != 'U') || fmt.size() != 1)
        throw InvalidInput(name +
                           ": format.npy: expected one string ('csr', 'csc' or 'coo'), "
                           "found dtype " +
                           shown(fmt.descr) + " shape " + shape_text(fmt.shape));
    std::string format;
    for (std::size_t k = 0; k < fmt.itemsize; k += (fmt.kind == 'U' ? 4 : 1))
        if (fmt.data[k] != '\0') format += fmt.data[k];
    if (format != "csr" && format != "csc" && format != "coo")
        throw InvalidInput(name + ": format.npy: sparse format " + shown(format) +
                           " is not supported (csr, csc and coo are; convert with m.tocsr())");

    std::string shape_keep;
    const NpyArray shape = array("shape.npy", shape_keep);
    expect_1d(shape, name + ": shape.npy", true);
    if (shape.size() != 2)
        throw InvalidInput(name + ": shape.npy: holds " + std::to_string(shape.size()) +
                           " values, expected 2 (rows, columns)");
    const std::int64_t m = shape.as_int(0);
    const std::int64_t n = shape.as_int(1);
    if (m < 0 || n < 0 || m > INT_MAX || n > INT_MAX)
        throw InvalidInput(name + ": shape.npy: shape (" + std::to_string(m) + ", " +
                           std::to_string(n) + ") is not supported (dimensions from 0 to " +
                           std::to_string(INT_MAX) + ")");

    std::string data_keep;
    const NpyArray data = array("data.npy", data_keep);
    expect_1d(data, name + ": data.npy", false);
    const std::uint64_t nnz = data.size();
    if (nnz > static_cast<std::uint64_t>(INT_MAX))
        throw InvalidInput(name + ": data.npy: " + std::to_string(nnz) +
                           " entries are too many (at most " + std::to_string(INT_MAX) + ")");
    check_memory(mul_sat(nnz, 32) + 8 * static_cast<std::uint64_t>(m + n + 2), limit,
                 name + ": a " + std::to_string(m) + " x " + std::to_string(n) +
                     " sparse matrix with " + std::to_string(nnz) + " entries");

    Triplets t;
    t.reserve(nnz);
    auto check_index = [&](const NpyArray& a, const std::string& what, std::uint64_t k,
                           std::int64_t bound, const char* dim) {
        const std::int64_t v = a.as_int(k);
        if (v < 0 || v >= bound)
            throw InvalidInput(
                what + ": entry " + std::to_string(k) + " is " +
                (v < 0 && a.kind == 'u' ? std::string("above 2^63") : std::to_string(v)) +
                ", out of range 0.." + std::to_string(bound - 1) + " (the matrix has " +
                std::to_string(bound) + " " + dim + ")");
        return static_cast<int>(v);
    };
    if (format == "coo") {
        std::string row_keep, col_keep;
        const NpyArray row = array("row.npy", row_keep);
        const NpyArray col = array("col.npy", col_keep);
        expect_1d(row, name + ": row.npy", true);
        expect_1d(col, name + ": col.npy", true);
        if (row.size() != nnz || col.size() != nnz)
            throw InvalidInput(name + ": row.npy, col.npy and data.npy hold " +
                               std::to_string(row.size()) + ", " + std::to_string(col.size()) +
                               " and " + std::to_string(nnz) + " values, expected the same count");
        for (std::uint64_t k = 0; k < nnz; ++k)
            t.push(check_index(row, name + ": row.npy", k, m, "rows"),
                   check_index(col, name + ": col.npy", k, n, "columns"), data.as_double(k));
    } else {
        const bool csr = format == "csr";
        const std::int64_t outer = csr ? m : n;
        const std::int64_t inner = csr ? n : m;
        std::string indptr_keep, indices_keep;
        const NpyArray indptr = array("indptr.npy", indptr_keep);
        const NpyArray indices = array("indices.npy", indices_keep);
        const std::string ip = name + ": indptr.npy";
        expect_1d(indptr, ip, true);
        expect_1d(indices, name + ": indices.npy", true);
        if (indptr.size() != static_cast<std::uint64_t>(outer) + 1)
            throw InvalidInput(ip + ": holds " + std::to_string(indptr.size()) +
                               " values, expected " + std::to_string(outer + 1) + " (" +
                               (csr ? "rows" : "columns") + " + 1 for shape (" + std::to_string(m) +
                               ", " + std::to_string(n) + "))");
        if (indices.size() != nnz)
            throw InvalidInput(name + ": indices.npy and data.npy hold " +
                               std::to_string(indices.size()) + " and " + std::to_string(nnz) +
                               " values, expected the same count");
        if (indptr.as_int(0) != 0)
            throw InvalidInput(ip + ": entry 0 is " + std::to_string(indptr.as_int(0)) +
                               ", expected 0");
        const std::int64_t last = indptr.as_int(static_cast<std::uint64_t>(outer));
        if (last != static_cast<std::int64_t>(nnz))
            throw InvalidInput(ip + ": the last entry is " + std::to_string(last) + ", expected " +
                               std::to_string(nnz) + " (the number of values in data.npy)");
        const std::string ix = name + ": indices.npy";
        const char* dim = csr ? "columns" : "rows";
        std::int64_t begin = 0;
        for (std::int64_t o = 0; o < outer; ++o) {
            const std::int64_t end = indptr.as_int(static_cast<std::uint64_t>(o) + 1);
            if (end < begin || end > static_cast<std::int64_t>(nnz))
                throw InvalidInput(
                    ip + ": entry " + std::to_string(o + 1) + " is " + std::to_string(end) + ", " +
                    (end < begin ? "less than entry " + std::to_string(o) + " (" +
                                       std::to_string(begin) + "): indptr must not decrease"
                                 : "more than the " + std::to_string(nnz) + " values of data.npy"));
            for (std::int64_t k = begin; k < end; ++k) {
                const auto uk = static_cast<std::uint64_t>(k);
                const int other = check_index(indices, ix, uk, inner, dim);
                const auto oo = static_cast<int>(o);
                if (csr)
                    t.push(oo, other, data.as_double(uk));
                else
                    t.push(other, oo, data.as_double(uk));
            }
            begin = end;
        }
    }
    LoadedMatrix out;
    out.is_sparse = true;
    out.source_dtype = data.dtype_name();
    build_csc(m, n, std::move(t), out.sparse);
    return out;
}

}  // namespace nmfkit::io::detail
