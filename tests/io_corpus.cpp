// Checks the bad-input corpus (tests/data/bad): reads each file of the table with
// nmfkit::io::read_matrix and compares the exit class and message with the table's.
//
// Usage: nmfkit_io_corpus expected.tsv [MIN_FILES]
// Table lines: FILE <tab> CODE <tab> MESSAGE [<tab> MAX_MEMORY] (blank lines and # comments
// skipped); FILE is relative to the table's directory. CODE is the exit status the CLI gives: 65
// for bad data (nmfkit::InvalidInput), 74 for an I/O error (nmfkit::io::IoError), 1 for anything
// else, 0 for a file that reads (MESSAGE is then "read a M x N matrix"). A file that reads fine but
// holds a negative, NaN or infinite entry is bad data the *library* rejects: this driver then
// reports 65 with "library would reject: negative entry ..." (the entry as read, so the row checks
// that the reader returned it unchanged). The message, with the table's directory and "/" removed
// wherever it occurs (so it starts with FILE), must equal MESSAGE exactly. The memory limit is
// MAX_MEMORY bytes when given, else 1 GiB, so that messages do not depend on the machine.
// FILE "online:NAME" (or "online-t:NAME") streams NAME as `nmfkit fit --online` does (with
// --transpose): io::open_blocks, every block of 2 columns read (the source checks the entries);
// "read a M x N matrix" is then V's shape. A FILE ending in .ckpt is read as the checkpoint of
// `nmfkit fit --checkpoint` (cli/checkpoint.hpp, read_checkpoint; "read a checkpoint of
// iteration I" when it parses), in builds with the CLI (NMFKIT_CORPUS_CHECKPOINTS).
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <nmfkit/io/blocks.hpp>
#include <nmfkit/io/formats.hpp>
#ifdef NMFKIT_CORPUS_CHECKPOINTS
#include "checkpoint.hpp"
#endif

namespace {

/// The library's rejection of an entry, or "" when every entry is >= 0 and finite.
std::string library_check(const nmfkit::io::LoadedMatrix& m) {
    auto bad = [](double v, Eigen::Index i, Eigen::Index j) -> std::string {
        const std::string at = " at row " + std::to_string(i) + ", column " + std::to_string(j);
        if (std::isnan(v)) return "NaN entry" + at;
        if (std::isinf(v)) return "infinite entry" + at;
        if (v < 0) {
            char text[64];
            const auto r = std::to_chars(text, text + sizeof text, v);
            return "negative entry " + std::string(text, r.ptr) + at;
        }
        return "";
    };
    if (m.is_sparse) {
        for (Eigen::Index j = 0; j < m.sparse.outerSize(); ++j)
            for (decltype(m.sparse)::InnerIterator it(m.sparse, j); it; ++it)
                if (auto s = bad(it.value(), it.row(), it.col()); !s.empty()) return s;
    } else if (m.dense.size() > 0) {  // NOTE: a 10^13 x 0 matrix must not loop over its rows
        for (Eigen::Index i = 0; i < m.dense.rows(); ++i)
            for (Eigen::Index j = 0; j < m.dense.cols(); ++j)
                if (auto s = bad(m.dense(i, j), i, j); !s.empty()) return s;
    }
    return "";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2 && argc != 3) {
        std::cerr << "usage: nmfkit_io_corpus expected.tsv [MIN_FILES]\n";
        return 2;
    }
    // The table must hold at least this many files (a table that lost its rows fails).
    const int min_files = argc == 3 ? std::stoi(argv[2]) : 200;
    const std::filesystem::path table(argv[1]);
    std::ifstream in(table);
    if (!in) {
        std::cerr << "cannot open " << table << "\n";
        return 2;
    }
    const std::string dir = table.parent_path().string() + "/";
    int rows = 0;
    int failures = 0;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (line.empty() || line[0] == '#') continue;
        const auto t1 = line.find('\t');
        const auto t2 = line.find('\t', t1 == std::string::npos ? t1 : t1 + 1);
        if (t1 == std::string::npos || t2 == std::string::npos) {
            std::cerr << table.string() << ":" << number << ": expected FILE\tCODE\tFRAGMENT\n";
            return 2;
        }
        const std::string file = line.substr(0, t1);
        const int expected_code = std::stoi(line.substr(t1 + 1, t2 - t1 - 1));
        const auto t3 = line.find('\t', t2 + 1);
        const std::string expected =
            line.substr(t2 + 1, t3 == std::string::npos ? t3 : t3 - t2 - 1);
        nmfkit::io::ReadOptions opt;
        opt.max_memory =
            t3 == std::string::npos ? std::uint64_t{1} << 30 : std::stoull(line.substr(t3 + 1));
        const bool online = file.starts_with("online:") || file.starts_with("online-t:");
        const bool transpose = file.starts_with("online-t:");
        const std::string path = dir + (online ? file.substr(file.find(':') + 1) : file);
        int code = 0;
        std::string message;
        const bool checkpoint = file.ends_with(".ckpt");
#ifndef NMFKIT_CORPUS_CHECKPOINTS
        if (checkpoint) continue;  // no CLI in this build
#endif
        try {
            if (checkpoint) {
#ifdef NMFKIT_CORPUS_CHECKPOINTS
                const nmfkit::cli::Checkpoint c = nmfkit::cli::read_checkpoint(path);
                message = "read a checkpoint of iteration " +
                          std::to_string(c.online ? c.progress.steps : c.state.iteration);
#endif
            } else if (online) {
                const auto src = nmfkit::io::open_blocks(path, transpose, opt);
                nmfkit::io::ColumnBlock block;
                for (int pass = 0; pass < 2; ++pass) {
                    src->rewind();
                    while (src->next(2, block)) {
                    }
                }
                message = "read a " + std::to_string(src->rows()) + " x " +
                          std::to_string(src->cols()) + " matrix";
            } else {
                const nmfkit::io::LoadedMatrix m = nmfkit::io::read_matrix(path, opt);
                message = library_check(m);
                if (!message.empty()) {
                    code = 65;
                    message = "library would reject: " + message;
                } else {
                    message = "read a " + std::to_string(m.rows()) + " x " +
                              std::to_string(m.cols()) + " matrix";
                }
            }
        } catch (const nmfkit::InvalidInput& e) {
            code = 65;
            message = e.what();
        } catch (const nmfkit::io::IoError& e) {
            code = 74;
            message = e.what();
        } catch (const std::exception& e) {
            code = 1;
            message = e.what();
        }
        for (auto at = message.find(dir); at != std::string::npos; at = message.find(dir, at))
            message.erase(at, dir.size());
        ++rows;
        const bool ok = code == expected_code && message == expected;
        if (!ok) {
            ++failures;
            std::cout << "FAIL " << file << ": expected " << expected_code << " \"" << expected
                      << "\", got " << code << " \"" << message << "\"\n";
        } else {
            std::cout << "ok   " << file << ": " << code << " " << message << "\n";
        }
    }
    std::cout << rows << " files, " << failures << " failures\n";
    if (rows < min_files) {
        std::cout << "the corpus must hold at least " << min_files << " files\n";
        return 1;
    }
    return failures == 0 ? 0 : 1;
}
