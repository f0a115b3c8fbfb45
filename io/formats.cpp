// Format dispatch: extension and magic bytes, gzip, labels, and write_matrix.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include <nmfkit/io/formats.hpp>
#include <nmfkit/io/hdf5.hpp>

#include "detail.hpp"

namespace nmfkit::io {
namespace {

namespace fs = std::filesystem;

/// The extension of @p path in lower case, after removing a trailing ".gz"; sets @p gz.
std::string extension(const std::string& path, bool& gz) {
    fs::path p(path);
    std::string ext = detail::lower(p.extension().string());
    gz = ext == ".gz";
    if (gz) ext = detail::lower(p.stem().extension().string());
    return ext;
}

}  // namespace

namespace detail {

std::optional<Format> sniff(std::string_view bytes) {
    if (bytes.starts_with("\x93NUMPY")) return Format::npy;
    if (bytes.starts_with("PK\x03\x04") || bytes.starts_with("PK\x05\x06")) return Format::npz;
    if (bytes.starts_with("\x89HDF\r\n\x1a\n")) return Format::hdf5;
    if (bytes.size() >= 14 && detail::lower(bytes.substr(0, 14)) == "%%matrixmarket")
        return Format::matrix_market;
    return std::nullopt;
}

std::string describe(Format f) {
    switch (f) {
        case Format::csv: return "CSV";
        case Format::tsv: return "TSV";
        case Format::matrix_market: return "Matrix Market";
        case Format::npy: return ".npy";
        case Format::npz: return ".npz";
        case Format::hdf5: return "HDF5";
    }
    return "";
}

}  // namespace detail

std::string_view to_string(Format f) {
    switch (f) {
        case Format::csv: return "csv";
        case Format::tsv: return "tsv";
        case Format::matrix_market: return "matrix_market";
        case Format::npy: return "npy";
        case Format::npz: return "npz";
        case Format::hdf5: return "hdf5";
    }
    return "";
}

std::optional<Format> parse_format(std::string_view name) {
    for (Format f :
         {Format::csv, Format::tsv, Format::matrix_market, Format::npy, Format::npz, Format::hdf5})
        if (name == to_string(f)) return f;
    if (name == "mtx" || name == "mm") return Format::matrix_market;
    return std::nullopt;
}

std::optional<Format> format_for(const std::string& path) {
    bool gz = false;
    const std::string ext = extension(path, gz);
    if (ext == ".csv") return Format::csv;
    if (ext == ".tsv" || ext == ".tab") return Format::tsv;
    if (ext == ".mtx" || ext == ".mm") return Format::matrix_market;
    if (ext == ".npy") return Format::npy;
    if (ext == ".npz") return Format::npz;
    if (ext == ".h5ad" || ext == ".h5" || ext == ".hdf5") return Format::hdf5;
    return std::nullopt;
}

std::int64_t LoadedMatrix::stored() const {
    if (!is_sparse) return static_cast<std::int64_t>(dense.size());
    return static_cast<std::int64_t>(float32 ? sparse32.nonZeros() : sparse.nonZeros());
}

namespace {

/// Parse decompressed @p bytes.
LoadedMatrix parse_plain(std::string_view bytes, const std::string& name, Format format,
                         const ReadOptions& opt, std::uint64_t limit) {
    switch (format) {
        case Format::matrix_market: return detail::parse_matrix_market(bytes, name, limit);
        case Format::npy: return detail::parse_npy(bytes, name, limit);
        case Format::npz: return detail::parse_npz(bytes, name, limit);
        case Format::hdf5:
            throw InvalidInput(name +
                               ": HDF5 data is read from a file (read_matrix or Hdf5Matrix), not "
                               "from bytes in memory");
        case Format::csv:
        case Format::tsv: {
            // NOTE: a text file holds no NUL byte; one in the first 64 KiB means binary data.
            const std::size_t nul = bytes.substr(0, 1 << 16).find('\0');
            if (nul != std::string_view::npos)
                throw InvalidInput(detail::at_byte(name, nul) + "binary data (a NUL byte) in a " +
                                   detail::describe(format) + " file");
            const char delimiter =
                opt.delimiter != 0 ? opt.delimiter : (format == Format::tsv ? '\t' : ',');
            return detail::parse_delimited(bytes, name, delimiter, opt.header, opt.row_names,
                                           limit);
        }
    }
    throw InvalidInput(name + ": unknown format");
}

}  // namespace

LoadedMatrix parse_matrix(std::string_view bytes, const std::string& name, Format format,
                          const ReadOptions& opt) {
    const std::uint64_t limit = detail::memory_limit(opt);
    if (detail::is_gzip(bytes)) {
        const std::string inflated = detail::gunzip(bytes, name, limit);
        return parse_plain(inflated, name, format, opt, limit);
    }
    return parse_plain(bytes, name, format, opt, limit);
}

LoadedMatrix read_matrix(const std::string& path, const ReadOptions& opt) {
    const std::uint64_t limit = detail::memory_limit(opt);
    bool gz = false;
    const std::string ext = extension(path, gz);
    // HDF5 is read through the HDF5 library, dataset by dataset, never as one block of bytes.
    const bool hdf5_named = opt.format ? *opt.format == Format::hdf5
                                       : format_for(path) == std::optional<Format>(Format::hdf5);
    if (hdf5_named && !gz) return Hdf5Matrix(path, opt).read_all();
    if (hdf5_named)
        throw InvalidInput(path +
                           ": an HDF5 file cannot be read gzip-compressed as a whole (decompress "
                           "it; the datasets inside may be compressed)");
    detail::FileBytes file(path, limit);
    const bool inflated = gz || detail::is_gzip(file.view());
    if (inflated) file.replace(detail::gunzip(file.view(), path, limit));
    const std::string_view bytes = file.view();
    if (opt.format.has_value()) return parse_plain(bytes, path, *opt.format, opt, limit);

    const std::optional<Format> by_extension = format_for(path);
    const std::optional<Format> by_content = detail::sniff(bytes);
    if (!by_extension.has_value()) {
        if (by_content == Format::hdf5 && !inflated) return Hdf5Matrix(path, opt).read_all();
        if (by_content.has_value()) return parse_plain(bytes, path, *by_content, opt, limit);
        throw InvalidInput(path + ": cannot tell the format from the extension " +
                           detail::shown(ext) +
                           " (expected .csv, .tsv, .tab, .mtx, .mm, .npy, .npz, .h5ad or .h5, "
                           "optionally followed by .gz); name it with --format");
    }
    if (by_content.has_value() && *by_content != *by_extension)
        throw InvalidInput(path + ": the extension says " + detail::describe(*by_extension) +
                           ", but the content is " + detail::describe(*by_content) +
                           " (name the format with --format to read it anyway)");
    return parse_plain(bytes, path, *by_extension, opt, limit);
}

std::vector<std::string> read_labels(const std::string& path, int field) {
    const std::uint64_t limit = default_max_memory();
    detail::FileBytes file(path, limit);
    bool gz = false;
    extension(path, gz);
    if (gz || detail::is_gzip(file.view())) file.replace(detail::gunzip(file.view(), path, limit));
    const std::string_view bytes = file.view();
    if (field < 1)
        throw InvalidInput(path + ": label field " + std::to_string(field) +
                           " is not valid (fields are numbered from 1)");
    std::vector<std::string> out;
    std::string_view rest = bytes;
    for (std::int64_t line = 1; !rest.empty(); ++line) {
        const std::size_t nl = rest.find('\n');
        std::string_view text = rest.substr(0, nl);
        rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
        if (line == 1 && text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
        if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
        std::string_view label = text;
        if (text.find('\t') != std::string_view::npos || field > 1) {
            std::size_t count = 0;
            std::string_view found;
            bool have = false;
            std::string_view scan = text;
            for (;;) {
                const std::size_t tab = scan.find('\t');
                if (++count == static_cast<std::size_t>(field)) {
                    found = scan.substr(0, tab);
                    have = true;
                }
                if (tab == std::string_view::npos) break;
                scan.remove_prefix(tab + 1);
            }
            if (!have)
                throw InvalidInput(path + ":" + std::to_string(line) + ": has " +
                                   std::to_string(count) +
                                   " tab-separated fields, expected at "
                                   "least " +
                                   std::to_string(field));
            label = found;
        }
        if (label.empty()) throw InvalidInput(path + ":" + std::to_string(line) + ": empty label");
        out.emplace_back(label);
    }
    return out;
}

}  // namespace nmfkit::io
