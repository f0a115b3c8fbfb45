#pragma once
// The files a command reads and writes: checked against each other before any work, and the
// outputs written as one set at the end. Reference: docs/cli.md, "Outputs".
//
// Before the work (Files::check): every output is a name that can be written (a known extension,
// not a directory, device or FIFO, in a writable directory), and names no file that the command
// reads or that another output names, compared as files (device and inode, or the resolved
// path), not as strings. At the end (OutputSet): every output is written in full to a temporary
// file beside its target; only when all of them were written are they renamed over their
// targets. When one cannot be written (disk full, file-size limit), no existing file is
// replaced: the others are kept as NAME.new.EXT beside their targets, and the error names each.

#include <functional>
#include <string>
#include <vector>

#include <nmfkit/io/output.hpp>

namespace nmfkit::cli {

/// The files of one command, for the checks made before any work.
class Files {
public:
    /// A file the command reads (@p option names it in messages, e.g. "INPUT", "--mask").
    /// Empty paths are skipped.
    void reads(const std::string& option, const std::string& path);
    /// A matrix output (format by extension: .npy .csv .tsv .tab .mtx); with @p sidecars, also its
    /// label files STEM.rows.txt and STEM.cols.txt (--write-labels on a .npy/.mtx output).
    void writes_matrix(const std::string& option, const std::string& path, bool sidecars = false);
    /// An output of any name (a JSON report, a TSV table, an SVG plot).
    void writes(const std::string& option, const std::string& path);
    /// A file the command appends to (--log-json): never replaced, never removed.
    void appends(const std::string& option, const std::string& path);

    /// Runs every check. @throws UsageError for names that can never work or that collide (exit
    /// 2); io::IoError when an output's directory cannot be written (exit 74)
    void check() const;

private:
    struct Entry {
        std::string option;
        std::string path;
        enum Kind { input, matrix, any, append } kind;
    };
    std::vector<Entry> entries_;
};

/// The label files that --write-labels adds beside a .npy/.mtx output: STEM.rows.txt, STEM.cols.txt.
std::string sidecar_name(const std::string& path, const char* side);

/// The outputs of one command, written as a set (see the top of this file).
class OutputSet {
public:
    /// Stages the files that @p write returns (each is written in full and flushed, nothing is
    /// replaced yet). A failure is recorded against @p option and the next outputs still staged.
    void stage(const std::string& option,
               const std::function<std::vector<io::StagedFile>()>& write);
    /// Renames every staged file over its target when all were staged; otherwise replaces none,
    /// keeps the staged ones aside (NAME.new.EXT) and throws one error that names what failed and
    /// where the rest went (io::IoError when a failure was one, else InvalidInput).
    void commit();

private:
    struct Failure {
        std::string option;
        std::string message;
        bool io = false;
    };
    std::vector<std::pair<std::string, io::StagedFile>> staged_;  // option, file
    std::vector<Failure> failures_;
};

}  // namespace nmfkit::cli
