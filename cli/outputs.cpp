// The files of a command, checked before any work, and its outputs written as a set (outputs.hpp).

#include "outputs.hpp"

#include <cerrno>
#include <filesystem>
#include <system_error>

#include <nmfkit/io/csv.hpp>
#include <nmfkit/io/errors.hpp>

#include "common.hpp"

#include <unistd.h>

namespace nmfkit::cli {

void Files::reads(const std::string& option, const std::string& path) {
    if (!path.empty()) entries_.push_back({option, path, Entry::input});
}

void Files::writes_matrix(const std::string& option, const std::string& path, bool sidecars) {
    if (path.empty()) return;
    entries_.push_back({option, path, Entry::matrix});
    // Only .npy/.mtx outputs get label files; CSV/TSV hold their labels.
    const std::optional<io::Format> f = io::format_for(path);
    if (sidecars && f != io::Format::csv && f != io::Format::tsv) {
        entries_.push_back({option + " --write-labels", sidecar_name(path, "rows"), Entry::any});
        entries_.push_back({option + " --write-labels", sidecar_name(path, "cols"), Entry::any});
    }
}

void Files::writes(const std::string& option, const std::string& path) {
    if (!path.empty()) entries_.push_back({option, path, Entry::any});
}

void Files::appends(const std::string& option, const std::string& path) {
    if (!path.empty()) entries_.push_back({option, path, Entry::append});
}

namespace {

std::string named(const std::string& option, const std::string& path) {
    return option + " \"" + path + "\"";
}

}  // namespace

void Files::check() const {
    // Names that can never be written, whatever the data: exit 2 before anything is read.
    for (const Entry& e : entries_) {
        if (e.kind == Entry::input) continue;
        const std::string kind = io::non_regular_kind(e.path);
        // An output replaces its target by a rename, which must never happen to a device or a
        // FIFO; a log is appended to, so a FIFO or a terminal is fine there.
        if (!kind.empty() && (e.kind != Entry::append || kind == "a directory"))
            throw UsageError(named(e.option, e.path) + " is " + kind +
                             "; an output must be a regular file (it is written to a temporary "
                             "file and renamed over its name)");
        if (e.kind == Entry::matrix) {
            const std::string problem = io::matrix_name_problem(e.path);
            if (!problem.empty())
                throw UsageError(named(e.option, e.path) + ": cannot be written: " + problem);
        }
    }
    // Collisions, compared as files: an output may not name an input or another output.
    for (std::size_t a = 0; a < entries_.size(); ++a)
        for (std::size_t b = a + 1; b < entries_.size(); ++b) {
            const Entry& x = entries_[a];
            const Entry& y = entries_[b];
            if (x.kind == Entry::input && y.kind == Entry::input)
                continue;  // reading one file twice is fine
            if (!io::same_file(x.path, y.path)) continue;
            const Entry& out = x.kind == Entry::input ? y : x;
            const Entry& other = x.kind == Entry::input ? x : y;
            if (other.kind == Entry::input)
                throw UsageError(named(out.option, out.path) + " is the file that " +
                                 named(other.option, other.path) +
                                 " reads; an output must not replace an input");
            throw UsageError(named(x.option, x.path) + " and " + named(y.option, y.path) +
                             " are the same file; give each output its own name");
        }
    // Directories that cannot be written: exit 74, still before any work.
    for (const Entry& e : entries_) {
        if (e.kind == Entry::input) continue;
        if (e.kind == Entry::append && std::filesystem::exists(e.path)) {
            if (::access(e.path.c_str(), W_OK) != 0)
                throw io::IoError("cannot write \"" + e.path + "\": " +
                                  std::error_code(errno, std::generic_category()).message());
            continue;
        }
        io::check_writable(e.path);
    }
}

std::string sidecar_name(const std::string& path, const char* side) {
    const std::size_t slash = path.find_last_of('/');
    const std::size_t dot = path.find_last_of('.');
    const std::string stem = dot == std::string::npos || (slash != std::string::npos && dot < slash)
                                 ? path
                                 : path.substr(0, dot);
    return stem + "." + side + ".txt";
}

void OutputSet::stage(const std::string& option,
                      const std::function<std::vector<io::StagedFile>()>& write) {
    try {
        for (io::StagedFile& f : write()) staged_.emplace_back(option, std::move(f));
    } catch (const io::IoError& e) {
        failures_.push_back({option, e.what(), true});
    } catch (const InvalidInput& e) {
        failures_.push_back({option, e.what(), false});
    }
}

void OutputSet::commit() {
    if (failures_.empty()) {
        // Renames only: each is atomic, and none of them can run out of space.
        for (auto& [option, file] : staged_) file.commit();
        staged_.clear();
        return;
    }
    std::string message;
    bool io_failure = false;
    for (const Failure& f : failures_) {
        message += (message.empty() ? "" : "; ") + f.option + ": " + f.message;
        io_failure = io_failure || f.io;
    }
    std::vector<std::string> kept;
    for (auto& [option, file] : staged_) {
        try {
            kept.push_back(option + " " + file.keep_aside());
        } catch (const io::IoError& e) {
            message += "; " + option + ": " + e.what();
        }
    }
    staged_.clear();
    message += "; no output was replaced (they are written as a set)";
    if (!kept.empty()) message += "; this run's other outputs were kept as: " + join(kept, ", ");
    if (io_failure) throw io::IoError(message);
    throw InvalidInput(message);
}

}  // namespace nmfkit::cli
