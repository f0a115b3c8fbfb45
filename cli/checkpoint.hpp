#pragma once
// `nmfkit fit --checkpoint/--resume`: the checkpoint file (docs/design.md, "Checkpoints"). It
// holds the loop's FitState (nmfkit/fit.hpp), the options and a fingerprint of V, is replaced
// atomically (io/output.hpp) and ends with a checksum of all its bytes, so a resume never reads a
// half-written or damaged file.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nmfkit/fit.hpp>
#include <nmfkit/io/blocks.hpp>
#include <nmfkit/option_fields.hpp>

namespace nmfkit {
struct Mask;  // nmfkit/mask.hpp
}  // namespace nmfkit

namespace nmfkit::cli {

struct Input;  // common.hpp

/// What identifies V: its shape, stored entries, type, orientation and a checksum of the
/// arrays as read (values, and the index arrays of a sparse V).
struct InputFingerprint {
    std::int64_t rows = 0, cols = 0, stored = 0;
    std::string dtype;
    bool transpose = false;
    std::uint64_t checksum = 0;
    /// nmfkit-mpi: the process grid "PRxPC" (its reductions' order); "" for `nmfkit fit`.
    std::string grid;
    /// --mask (Options::mask): "POSITIONS:CHECKSUM", the count of its missing positions and an
    /// FNV-1a of its pattern (mask_text); "" without a mask.
    std::string mask;
    /// The Python module: how it holds X ("C" or "F" order, "csr int32", "csc int64", ...; the
    /// order of its sums follows it); "" for the command-line tools.
    std::string storage;
};
/// @p in's fingerprint, with @p mask's pattern when the fit has one.
InputFingerprint fingerprint_of(const Input& in, const Mask* mask = nullptr);

/// InputFingerprint::mask of @p mask: "" for none.
std::string mask_text(const Mask* mask);

/// @p h continued over a block of V's columns as `fit --online` reads it: its first column, its
/// shape and arrays (CSC index arrays and values, or the dense values).
std::uint64_t block_checksum(const io::ColumnBlock& block, std::uint64_t h);

/// FNV-1a, 64 bits, of @p bytes continuing from @p h (the fingerprints' and the file's checksum).
std::uint64_t fnv1a(std::string_view bytes, std::uint64_t h = 0xcbf29ce484222325ULL);

/// Where `fit --online` stands (nmfkit/online.hpp's OnlineState, and the pass loop's place).
struct OnlineProgress {
    bool single_precision = false;
    Eigen::MatrixXd W, A, B;  ///< OnlineState's W (m x k), A and B
    std::int64_t steps = 0, samples_seen = 0;
    double ewa_cost = -1, ewa_cost_min = -1;
    int no_improvement = 0;
    int pass = 0;             ///< the pass in progress, 0-based
    std::int64_t blocks = 0;  ///< its blocks done
    double smoothed = 0;      ///< the smoothed cost after its last block done
    /// FNV-1a of V's blocks done in the pass in progress, as read (block_checksum), so that a
    /// resume checks the blocks it reads past; V's whole checksum is InputFingerprint::checksum
    /// once a pass has ended (0 before).
    std::uint64_t blocks_checksum = 0;
    /// One row per finished pass: pass, smoothed cost, blocks, seconds (the report's history).
    Eigen::MatrixXd passes;
};

struct Checkpoint {
    bool online = false;  ///< `fit --online`: `progress` holds the state, `state` is unused
    FitState state;
    OnlineProgress progress;
    InputFingerprint input;
    /// Every Options field but the mask, as (name, option_text); see option_fields.hpp.
    std::vector<std::pair<std::string, std::string>> options;
};

/// The options record of @p opt: every Options field but the mask (whose pattern is
/// InputFingerprint::mask), by the option_fields table. Inline, so that the fuzz harness, which
/// never calls it, builds without the library that defines option_fields().
inline std::vector<std::pair<std::string, std::string>> options_record(const Options& opt) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const OptionField& f : option_fields())
        if (f.kind != OptionKind::mask)
            out.emplace_back(std::string(f.name), option_text(f.get(opt)));
    return out;
}

/// The file's bytes: "NMFKITCK", version, named typed arrays, FNV-1a checksum of all before it.
std::string checkpoint_bytes(const Checkpoint& c);
/// @throws InvalidInput "NAME: ..." for a file that is not a checkpoint of this version, is
///         truncated or fails its checksum. @p verify_checksum false skips the checksum (the fuzz
///         harness, tests/fuzz/fuzz_checkpoint.cpp, reaches the records that way).
Checkpoint parse_checkpoint(std::string_view bytes, const std::string& name,
                            bool verify_checksum = true);

/// Writes @p c to @p path atomically. @throws io::IoError
void write_checkpoint(const std::string& path, const Checkpoint& c);
/// @throws io::IoError (cannot read), InvalidInput (as parse_checkpoint)
Checkpoint read_checkpoint(const std::string& path);

/// Throws InvalidInput naming the difference when @p c was not written by a fit (@p online or
/// not) of the V of fingerprint @p now with the options record @p options (max_iter,
/// time_limit and threads may differ). @p matrix names V in the messages.
void check_resumable(const Checkpoint& c, const std::string& path, const InputFingerprint& now,
                     const std::vector<std::pair<std::string, std::string>>& options, bool online,
                     const std::string& matrix = "V");

}  // namespace nmfkit::cli
