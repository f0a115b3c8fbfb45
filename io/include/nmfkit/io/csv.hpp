#pragma once
/// @file csv.hpp
/// @brief Read and write dense matrices as CSV/TSV text.
///
/// Format: one matrix row per line, fields separated by one delimiter character (comma, or tab for
/// `.tsv`/`.tab` files). Fields are trimmed of spaces, tabs and a trailing `\r`. Blank lines and
/// lines whose first non-blank character is `#` are skipped. Every data line must have the same
/// number of fields. Fields may be quoted as RFC 4180 says (`"1.5"`; `"a, ""b"""`; a quoted field
/// may hold line breaks). No header line: these functions read numbers only (see formats.hpp,
/// read_matrix, for header rows and row names).
///
/// Every data error throws nmfkit::InvalidInput with a message naming the file, the 1-based line
/// and the 1-based column (field index), e.g. `data.csv:4: column 3: "abc" is not a number`;
/// failures to open, read or write a file throw nmfkit::io::IoError.

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <nmfkit/io/errors.hpp>

namespace nmfkit::io {

/// A matrix read from a text file, with the file line of every row.
struct CsvMatrix {
    Eigen::MatrixXd values;                 ///< m x n, row i holds the fields of data line i
    std::vector<std::int64_t> line_of_row;  ///< size m: 1-based file line of matrix row i
};

/// The delimiter chosen by the file name: tab for a `.tsv` or `.tab` extension (any case), else a
/// comma.
char delimiter_for(const std::string& path);

/// @p text as a field of a CSV/TSV file separated by @p delimiter, quoted as RFC 4180 says when the
/// reader would otherwise not read it back unchanged: when it holds the delimiter, a double quote,
/// CR or LF, starts with `#` or starts or ends with a space or tab. A quoted field is enclosed in
/// double quotes, with each double quote inside written twice: `say "hi", Al` -> `"say ""hi"", Al"`.
/// Otherwise @p text is returned as it is (so plain labels and numbers stay unquoted).
std::string quote_field(std::string_view text, char delimiter);

/// Read a dense matrix from @p path.
/// @param delimiter field separator; 0 = delimiter_for(path).
/// Numbers are parsed with std::from_chars (so `1e-3`, `.5`, `nan`, `inf` are numbers; a leading
/// `+` is accepted; trailing characters are not). NaN and infinite values are returned as they are:
/// rejecting them is the caller's business (nmfkit::fit does), and line_of_row locates them.
/// @throws nmfkit::io::IoError when the file cannot be opened or read
/// @throws nmfkit::InvalidInput when a field is empty or not a
///         number, a row has a different number of fields than the first, a quoted field is not
///         closed, there is no data row, or the text and its values need more memory than
///         default_max_memory().
CsvMatrix read_csv(const std::string& path, char delimiter = 0);

/// Parse CSV text from @p in; as read_csv, with @p name used in messages in place of the path.
CsvMatrix parse_csv(std::istream& in, const std::string& name, char delimiter);

/// Write @p M (one line per row) to @p path with the shortest text that reads back to the same
/// doubles (std::to_chars), separated by delimiter_for(path).
/// The file is replaced atomically: the text goes to a new temporary file in the same directory,
/// which is flushed to disk and then renamed over @p path. On any error the temporary file is
/// removed and @p path is left as it was.
/// @throws nmfkit::io::IoError naming @p path and the reason when the file cannot be written.
void write_csv(const std::string& path, const Eigen::Ref<const Eigen::MatrixXd>& M);

/// Write @p text to @p path, replaced atomically as write_csv does (for reports such as JSON).
/// @throws nmfkit::io::IoError naming @p path and the reason when the file cannot be written.
void write_text(const std::string& path, std::string_view text);

/// Check, before a long computation, that write_csv(@p path, ...) can create its temporary file:
/// creates and removes one in the directory of @p path, and checks that @p path is not a directory.
/// @throws nmfkit::io::IoError with the message write_csv would give.
void check_writable(const std::string& path);

}  // namespace nmfkit::io
