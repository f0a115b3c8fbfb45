// What a checkpoint of `nmfkit fit` is checked against: V's fingerprint and the options record
// (checkpoint.hpp); the file itself is checkpoint_file.cpp.

#include "checkpoint.hpp"

#include "common.hpp"

#include <map>

#include <nmfkit/option_fields.hpp>

namespace nmfkit::cli {
namespace {

template <class X>
std::string_view array_bytes(const X* data, std::size_t count) {
    return {reinterpret_cast<const char*>(data), count * sizeof(X)};
}

}  // namespace

InputFingerprint fingerprint_of(const Input& in) {
    InputFingerprint f;
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

std::vector<std::pair<std::string, std::string>> options_record(const Options& opt) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const OptionField& f : option_fields())
        if (f.kind != OptionKind::mask)
            out.emplace_back(std::string(f.name), option_text(f.get(opt)));
    return out;
}

void check_resumable(const Checkpoint& c, const std::string& path, const InputFingerprint& now,
                     const std::vector<std::pair<std::string, std::string>>& options, bool online) {
    const InputFingerprint& was = c.input;
    auto refuse = [&](const std::string& why) {
        throw InvalidInput(path + ": the checkpoint is not of this fit: " + why);
    };
    if (c.online != online)
        refuse(std::string("it was written by a ") + (c.online ? "" : "full-batch ") + "fit" +
               (c.online ? " --online" : "") + ", this one is " +
               (online ? "--online" : "full-batch"));
    // A distributed fit sums in an order set by its grid: another grid (or the serial tool)
    // would not continue to the result the interrupted run was heading for.
    auto who = [](const std::string& grid) {
        if (grid.empty()) return std::string("nmfkit fit (serial)");
        const auto x = grid.find('x');
        int processes = 0;
        try {
            processes = std::stoi(grid.substr(0, x)) * std::stoi(grid.substr(x + 1));
        } catch (const std::exception&) {
            return "nmfkit-mpi on grid " + grid;
        }
        return "nmfkit-mpi on " + std::to_string(processes) + " processes (grid " + grid + ")";
    };
    if (now.grid != was.grid)
        refuse("it was written by " + who(was.grid) + ", this fit is " + who(now.grid) +
               "; resume with the same command and process count");
    if (now.rows != was.rows || now.cols != was.cols)
        refuse("it was written for V of " + std::to_string(was.rows) + " x " +
               std::to_string(was.cols) + ", this V is " + std::to_string(now.rows) + " x " +
               std::to_string(now.cols));
    if (now.stored != was.stored)
        refuse("it was written for V with " + std::to_string(was.stored) +
               " stored entries, this V has " + std::to_string(now.stored));
    if (now.dtype != was.dtype)
        refuse("it was written by a " + was.dtype + " fit, this is " + now.dtype);
    if (now.transpose != was.transpose) refuse("--transpose differs");
    if (now.checksum != was.checksum)
        refuse("V's entries differ (the checksum of its arrays does not match)");
    // The options that shape the iterations must be those of the fit that wrote it.
    const auto& ours = options;
    std::map<std::string, std::string> theirs(c.options.begin(), c.options.end());
    for (const auto& [field, value] : ours) {
        if (field == "max_iter" || field == "time_limit" || field == "threads") continue;
        const auto it = theirs.find(field);
        const std::string saved = it == theirs.end() ? "(absent)" : it->second;
        if (saved != value)
            refuse("option " + field + " is " + (value.empty() ? "unset" : value) +
                   " here but was " + (saved.empty() ? "unset" : saved));
    }
}

}  // namespace nmfkit::cli
