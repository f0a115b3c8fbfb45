// V's fingerprint for a checkpoint of `nmfkit fit` (checkpoint.hpp), and the checkpoint file's
// atomic write and read; its bytes and the resume checks are checkpoint_file.cpp's.

#include "checkpoint.hpp"

#include "common.hpp"

#include <fstream>
#include <iterator>

#include <nmfkit/io/errors.hpp>
#include <nmfkit/io/output.hpp>

namespace nmfkit::cli {
namespace {

template <class X>
std::string_view array_bytes(const X* data, std::size_t count) {
    return {reinterpret_cast<const char*>(data), count * sizeof(X)};
}

}  // namespace

InputFingerprint fingerprint_of(const Input& in, const Mask* mask) {
    InputFingerprint f;
    f.mask = mask_text(mask);
    f.rows = in.rows();
    f.cols = in.cols();
    f.stored =
        in.file.is_sparse ? in.file.stored() : static_cast<std::int64_t>(in.rows()) * in.cols();
    f.dtype = in.dtype();
    f.transpose = in.transpose;
    std::uint64_t h = fnv1a({});
    if (in.is_sparse()) {
        // The compressed arrays as read (CSC of the file's matrix, or of its transpose).
        const auto nnz = static_cast<std::size_t>(in.file.stored());
        h = fnv1a(
            array_bytes(in.sparse_outer(), static_cast<std::size_t>(in.sparse_outer_size()) + 1),
            h);
        h = fnv1a(array_bytes(in.sparse_inner(), nnz), h);
        h = in.float32 ? fnv1a(array_bytes(in.sparse_values32(), nnz), h)
                       : fnv1a(array_bytes(in.file.sparse.valuePtr(), nnz), h);
    } else if (in.float32) {
        h = fnv1a(array_bytes(in.dense32.data(), static_cast<std::size_t>(in.dense32.size())), h);
    } else {
        h = fnv1a(array_bytes(in.file.dense.data(), static_cast<std::size_t>(in.file.dense.size())),
                  h);
    }
    f.checksum = h;
    return f;
}

void write_checkpoint(const std::string& path, const Checkpoint& c) {
    io::stage_bytes(path, checkpoint_bytes(c)).commit();
}

Checkpoint read_checkpoint(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw io::IoError("cannot open checkpoint \"" + path + "\"");
    const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (f.bad()) throw io::IoError("cannot read checkpoint \"" + path + "\"");
    return parse_checkpoint(bytes, path);
}

}  // namespace nmfkit::cli
