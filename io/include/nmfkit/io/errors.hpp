#pragma once
/// @file errors.hpp
/// @brief The exception the io library throws for input/output failures.
///
/// The io library throws two kinds of exception:
/// - nmfkit::InvalidInput for bad *data*: a malformed file, a number that does not parse, an index
///   out of range, a header that does not match the data, dimensions too large for memory. Text
///   formats name the position as `FILE:LINE: column C: ...`, binary formats as
///   `FILE: byte OFFSET: ...` (or `FILE: ENTRY: byte OFFSET: ...` inside an .npz).
/// - nmfkit::io::IoError for failures of the operating system: a file that cannot be opened or
///   read, a temporary file that cannot be created, a write that fails (disk full, file too large).
/// The command-line tool maps InvalidInput to exit status 65 and IoError to 74.

#include <stdexcept>
#include <string>

#include <nmfkit/errors.hpp>

namespace nmfkit::io {

/// A file could not be opened, read, created or written; the message names the file and the
/// operating system's reason, e.g. `cannot open "x.mtx": No such file or directory`.
class IoError : public std::runtime_error {
public:
    explicit IoError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace nmfkit::io
