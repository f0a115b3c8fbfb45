// Tests of the matrix formats of nmfkit_io (formats.hpp): exact round trips for .npy and .mtx,
// files written by real numpy/scipy (tests/data/formats, made by make_fixtures.py), Matrix Market
// rules (symmetric expansion, duplicates summed, pattern = ones, gzip = plain), CSV labels and
// their auto-detection, format detection, the memory limit, labels files, and error classes.
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <Eigen/Core>
#include <Eigen/SparseCore>

#include <nmfkit/io/csv.hpp>
#include <nmfkit/io/formats.hpp>

#include <gtest/gtest.h>

#include "io_fixtures.hpp"
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

namespace {

namespace fs = std::filesystem;
using nmfkit::InvalidInput;
using nmfkit::io::Format;
using nmfkit::io::IoError;
using nmfkit::io::LoadedMatrix;
using nmfkit::io::read_matrix;
using nmfkit::io::ReadOptions;
using nmfkit::io::write_matrix;
using nmfkit::io::WriteOptions;

const std::string fixtures = std::string(NMFKIT_TEST_DATA_DIR) + "/formats/";

class FormatsTest : public nmfkit::test::TempDirTest {
protected:
    /// The message of the InvalidInput that reading @p name (holding @p text) throws.
    std::string read_error(const std::string& name, const std::string& text,
                           const ReadOptions& opt = {}) const {
        const std::string p = write_text(name, text);
        try {
            read_matrix(p, opt);
        } catch (const InvalidInput& e) {
            return std::string(e.what()).substr(dir_.string().size() + 1);
        }
        return "no exception";
    }
};

/// The matrix of make_fixtures.py (5 x 4).
Eigen::MatrixXd fixture_matrix() {
    Eigen::MatrixXd A(5, 4);
    A << 0.0, 1.5, 0.1, 2.0,       //
        3.25, 0.0, 0.0, 1e-300,    //
        0.0, 0.0, 7.0, 0.0,        //
        4.0, 1.0 / 3.0, 0.0, 5.5,  //
        0.0, std::ldexp(1.0, 40), 9.0, 0.0;
    return A;
}

/// @p s compressed as one gzip member.
std::string gzip(const std::string& s) {
    std::string out(compressBound(static_cast<uLong>(s.size())) + 64, '\0');
    z_stream z{};
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
    z.avail_in = static_cast<uInt>(s.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

using nmfkit::test::expect_bitwise_equal;
using nmfkit::test::random_doubles;

// --- round trips ---

TEST_F(FormatsTest, NpyRoundTripIsExact) {
    const Eigen::MatrixXd M = random_doubles(37, 11, 1);
    write_matrix(path("M.npy"), M);
    const LoadedMatrix r = read_matrix(path("M.npy"));
    EXPECT_FALSE(r.is_sparse);
    EXPECT_EQ(r.source_dtype, "float64");
    expect_bitwise_equal(r.dense, M);
    // The header is padded so that the data starts at a multiple of 64, as numpy writes it.
    const std::string bytes = read_text(path("M.npy"));
    EXPECT_EQ(bytes.size(), 128 + 37 * 11 * 8);
    EXPECT_EQ(bytes.substr(10, 60), "{'descr': '<f8', 'fortran_order': True, 'shape': (37, 11), }");
}

TEST_F(FormatsTest, MatrixMarketRoundTripIsExactForArrayAndCoordinate) {
    const Eigen::MatrixXd M = random_doubles(23, 9, 2);
    write_matrix(path("a.mtx"), M);
    const LoadedMatrix a = read_matrix(path("a.mtx"));
    EXPECT_FALSE(a.is_sparse);
    expect_bitwise_equal(a.dense, M);

    Eigen::MatrixXd Z = M;
    Z.col(3).setZero();
    Z(5, 5) = 0.0;
    WriteOptions coordinate;
    coordinate.mtx_coordinate = true;
    write_matrix(path("c.mtx"), Z, coordinate);
    const LoadedMatrix c = read_matrix(path("c.mtx"));
    ASSERT_TRUE(c.is_sparse);
    EXPECT_EQ(c.sparse.nonZeros(), Z.size() - 23 - 2);  // and M(0, 0) = 0
    expect_bitwise_equal(Eigen::MatrixXd(c.sparse), Z);
    EXPECT_TRUE(std::signbit(c.sparse.coeff(1, 0)));  // -0.0 is kept
}

TEST_F(FormatsTest, CsvRoundTripWithLabels) {
    const Eigen::MatrixXd M = random_doubles(4, 3, 3);
    WriteOptions opt;
    opt.row_labels = {"g1", "#2", " padded ", "g 4"};
    opt.col_labels = {"c1", "c2", "c3"};
    write_matrix(path("l.csv"), M, opt);
    EXPECT_EQ(read_text(path("l.csv")).substr(0, 10), ",c1,c2,c3\n");
    const LoadedMatrix r = read_matrix(path("l.csv"));
    expect_bitwise_equal(r.dense, M);
    EXPECT_EQ(r.row_labels, opt.row_labels);
    EXPECT_EQ(r.col_labels, opt.col_labels);
    EXPECT_EQ(r.line_of_row, (std::vector<std::int64_t>{2, 3, 4, 5}));
    write_matrix(path("l.tsv"), M, opt);
    const LoadedMatrix t = read_matrix(path("l.tsv"));
    expect_bitwise_equal(t.dense, M);
    EXPECT_EQ(t.row_labels, opt.row_labels);
}

TEST_F(FormatsTest, QuoteFieldQuotesOnlyWhatTheReaderWouldChange) {
    using nmfkit::io::quote_field;
    EXPECT_EQ(quote_field("gene 1", ','), "gene 1");
    EXPECT_EQ(quote_field("", ','), "");
    EXPECT_EQ(quote_field("a,b", ','), "\"a,b\"");
    EXPECT_EQ(quote_field("a,b", '\t'), "a,b");
    EXPECT_EQ(quote_field("a\tb", '\t'), "\"a\tb\"");
    EXPECT_EQ(quote_field("say \"hi\"", '\t'), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(quote_field("\"", ','), "\"\"\"\"");
    EXPECT_EQ(quote_field("two\nlines", ','), "\"two\nlines\"");
    EXPECT_EQ(quote_field("cr\r", ','), "\"cr\r\"");
    EXPECT_EQ(quote_field("#1", ','), "\"#1\"");
    EXPECT_EQ(quote_field("a#1", ','), "a#1");
    EXPECT_EQ(quote_field(" lead", ','), "\" lead\"");
    EXPECT_EQ(quote_field("trail\t", ','), "\"trail\t\"");
}

TEST_F(FormatsTest, LabelsWithDelimitersQuotesAndLineBreaksRoundTrip) {
    const Eigen::MatrixXd M = random_doubles(9, 4, 5);
    WriteOptions opt;
    opt.row_labels = {"American President, The (1995)",
                      "say \"hi\"",
                      "\"",
                      "tab\there",
                      "two\nlines",
                      "cr\r\nlf",
                      "#not a comment",
                      "  spaced  ",
                      "Am\xc3\xa9lie (2001) \xe2\x80\x94 \xe6\x97\xa5\xe6\x9c\xac"};
    opt.col_labels = {"a,b", "\"q\"", "#c", "d\n\ne"};
    for (const char* name : {"l.csv", "l.tsv"}) {
        write_matrix(path(name), M, opt);
        const LoadedMatrix r = read_matrix(path(name));
        expect_bitwise_equal(r.dense, M);
        EXPECT_EQ(r.row_labels, opt.row_labels) << name;
        EXPECT_EQ(r.col_labels, opt.col_labels) << name;
        // The header spans lines 1-3, "two\nlines" 8-9 and "cr\r\nlf" 10-11.
        EXPECT_EQ(r.line_of_row, (std::vector<std::int64_t>{4, 5, 6, 7, 8, 10, 12, 13, 14}))
            << name;
    }
    // The text is RFC 4180: fields with the delimiter or a quote enclosed, inner quotes doubled.
    const std::string text = read_text(path("l.csv"));
    EXPECT_EQ(text.substr(0, text.find('\n', text.find("e\"")) + 1),
              ",\"a,b\",\"\"\"q\"\"\",\"#c\",\"d\n\ne\"\n");
    EXPECT_NE(text.find("\n\"American President, The (1995)\","), std::string::npos);
    EXPECT_NE(text.find("\n\"say \"\"hi\"\"\","), std::string::npos);
}

TEST_F(FormatsTest, QuotedFieldsReadAsRfc4180) {
    // Quoted labels hold the delimiter, "" escapes, blank and '#' lines; the lines after a
    // record that spans lines keep their numbers.
    const LoadedMatrix r =
        read_matrix(write_text("q.csv",
                               "\"\",\"c,1\",c2\n\"say \"\"hi\"\"\",1,2\n\"a\n\n# b\",3,4\r\n"
                               "  \"x\"  , 5 ,\"6\"\nplain\"quote,7,8\n"));
    EXPECT_EQ(r.col_labels, (std::vector<std::string>{"c,1", "c2"}));
    EXPECT_EQ(r.row_labels,
              (std::vector<std::string>{"say \"hi\"", "a\n\n# b", "x", "plain\"quote"}));
    EXPECT_EQ(r.dense, (Eigen::MatrixXd(4, 2) << 1, 2, 3, 4, 5, 6, 7, 8).finished());
    EXPECT_EQ(r.line_of_row, (std::vector<std::int64_t>{2, 3, 6, 7}));
    EXPECT_EQ(read_error("q.csv", "\"a\nb\",1,2\nc,3,4\nd,4,x\n"),
              "q.csv:4: column 3: \"x\" is not a number");
    EXPECT_EQ(read_error("q.csv", "\"a\nb\",1,2\nc,3\n"),
              "q.csv:3: has 2 fields, expected 3 (as on line 1)");
    EXPECT_EQ(read_error("q.csv", "r,1,2\n\"a\nb\",1\n"),
              "q.csv:2: has 2 fields, expected 3 (as on line 1)");
    EXPECT_EQ(read_error("q.csv", "\"g\n1\",1,\"2\"\"\"\n"),
              "q.csv:2: column 3: \"2\"\" is not a number");
    EXPECT_EQ(read_error("q.tsv", "a\t\"b\t1\n"),
              "q.tsv:1: column 2: the double quote that opens this field is never closed (the "
              "file ends inside the quoted field)");
}

TEST_F(FormatsTest, WriterRejectsLabelsOfTheWrongCount) {
    WriteOptions opt;
    opt.col_labels = {"a"};
    try {
        write_matrix(path("x.csv"), Eigen::MatrixXd::Ones(1, 2), opt);
        FAIL() << "no exception";
    } catch (const InvalidInput& e) {
        EXPECT_EQ(std::string(e.what()),
                  "cannot write \"" + path("x.csv") + "\": 1 column labels for 2 columns");
    }
    EXPECT_THROW(write_matrix(path("x.txt"), Eigen::MatrixXd::Ones(1, 2)), InvalidInput);
    EXPECT_TRUE(entries().empty());
}

// --- files written by numpy and scipy ---

TEST_F(FormatsTest, ReadsNpyFilesWrittenByNumpy) {
    const Eigen::MatrixXd A = fixture_matrix();
    for (const char* f : {"f8_c.npy", "f8_f.npy", "f8_v2.npy", "f8_v3.npy"}) {
        const LoadedMatrix r = read_matrix(fixtures + f);
        EXPECT_EQ(r.source_dtype, "float64") << f;
        expect_bitwise_equal(r.dense, A);
    }
    const LoadedMatrix f4 = read_matrix(fixtures + "f4_c.npy");
    EXPECT_EQ(f4.source_dtype, "float32");
    expect_bitwise_equal(f4.dense, A.cast<float>().cast<double>());
    const Eigen::MatrixXd A4 = (A * 4).array().round();
    const LoadedMatrix i8 = read_matrix(fixtures + "i8_c.npy");
    EXPECT_EQ(i8.source_dtype, "int64");
    expect_bitwise_equal(i8.dense, A4);
    const LoadedMatrix u8 = read_matrix(fixtures + "u8_c.npy");
    EXPECT_EQ(u8.source_dtype, "uint64");
    expect_bitwise_equal(u8.dense, A4);
    const LoadedMatrix i4 = read_matrix(fixtures + "i4_f.npy");
    EXPECT_EQ(i4.source_dtype, "int32");
    Eigen::MatrixXd A4_023(5, 3);
    A4_023 << A4.col(0), A4.col(2), A4.col(3);
    expect_bitwise_equal(i4.dense, A4_023);
    const LoadedMatrix u1 = read_matrix(fixtures + "u1_c.npy");
    EXPECT_EQ(u1.source_dtype, "uint8");
    EXPECT_EQ(u1.dense(3, 3), 6.0);  // round(5.5) = 6 (numpy rounds half to even)
    EXPECT_EQ(u1.dense(4, 1), 0.0);  // 2^40 % 256
    const LoadedMatrix b = read_matrix(fixtures + "bool_c.npy");
    EXPECT_EQ(b.source_dtype, "bool");
    expect_bitwise_equal(b.dense, (A.array() != 0).cast<double>().matrix());
}

TEST_F(FormatsTest, ReadsSparseNpzFilesWrittenByScipy) {
    const Eigen::MatrixXd A = fixture_matrix();
    for (const char* f : {"csr.npz", "csr_compressed.npz", "csc.npz", "coo.npz"}) {
        const LoadedMatrix r = read_matrix(fixtures + f);
        ASSERT_TRUE(r.is_sparse) << f;
        EXPECT_TRUE(r.sparse.isCompressed());
        EXPECT_EQ(r.sparse.nonZeros(), 11) << f;
        EXPECT_EQ(r.source_dtype, "float64");
        expect_bitwise_equal(Eigen::MatrixXd(r.sparse), A);
    }
    // Unsorted int64 indices, float32 data and a duplicate (row 0, column 2: 1 + 0.5).
    const LoadedMatrix d = read_matrix(fixtures + "csr_dup_i64.npz");
    ASSERT_TRUE(d.is_sparse);
    EXPECT_EQ(d.source_dtype, "float32");
    EXPECT_EQ(d.sparse.nonZeros(), 3);
    Eigen::MatrixXd expected = Eigen::MatrixXd::Zero(5, 3);
    expected(0, 2) = 1.5;
    expected(0, 0) = 2.0;
    expected(2, 1) = 4.0;
    expect_bitwise_equal(Eigen::MatrixXd(d.sparse), expected);
}

TEST_F(FormatsTest, ReadsMatrixMarketFilesWrittenByScipy) {
    const Eigen::MatrixXd A = fixture_matrix();
    const LoadedMatrix c = read_matrix(fixtures + "coord_real.mtx");
    ASSERT_TRUE(c.is_sparse);
    EXPECT_EQ(c.source_dtype, "real");
    expect_bitwise_equal(Eigen::MatrixXd(c.sparse), A);
    const LoadedMatrix a = read_matrix(fixtures + "array_real.mtx");
    EXPECT_FALSE(a.is_sparse);
    expect_bitwise_equal(a.dense, A);
    const LoadedMatrix i = read_matrix(fixtures + "coord_int.mtx");
    EXPECT_EQ(i.source_dtype, "integer");
    expect_bitwise_equal(Eigen::MatrixXd(i.sparse), (A * 4).array().round().matrix());
}

TEST_F(FormatsTest, GzipEqualsPlain) {
    const LoadedMatrix plain = read_matrix(fixtures + "coord_real.mtx");
    const LoadedMatrix gz = read_matrix(fixtures + "coord_real.mtx.gz");
    ASSERT_TRUE(gz.is_sparse);
    expect_bitwise_equal(Eigen::MatrixXd(gz.sparse), Eigen::MatrixXd(plain.sparse));
    // Two gzip members in a row (cat a.gz b.gz) read as their concatenation.
    const std::string text = "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n";
    write_text("two.mtx.gz", gzip(text) + gzip("2 2 3\n"));
    const LoadedMatrix two = read_matrix(path("two.mtx.gz"));
    EXPECT_EQ(two.sparse.coeff(1, 1), 3.0);
}

// --- Matrix Market rules ---

TEST_F(FormatsTest, SymmetricMatricesAreExpanded) {
    Eigen::MatrixXd Sym(3, 3);
    Sym << 2, 1, 0, 1, 0, 3.5, 0, 3.5, 4;
    const LoadedMatrix c = read_matrix(fixtures + "sym_coord.mtx");
    ASSERT_TRUE(c.is_sparse);
    EXPECT_EQ(c.sparse.nonZeros(), 6);
    expect_bitwise_equal(Eigen::MatrixXd(c.sparse), Sym);
    const LoadedMatrix a = read_matrix(fixtures + "sym_array.mtx");
    expect_bitwise_equal(a.dense, Sym);
}

TEST_F(FormatsTest, DuplicatesAreSummedAndPatternEntriesAreOnes) {
    const std::string p = write_text("d.mtx",
                                     "%%MatrixMarket matrix coordinate real general\n"
                                     "% comment\n\n"
                                     "3 2 5\n"
                                     "3 2 1.5\n1 1 2\r\n3 2 0.25\n  2\t1   7 \n3 2 1\n");
    const LoadedMatrix d = read_matrix(p);
    EXPECT_EQ(d.sparse.nonZeros(), 3);
    EXPECT_EQ(d.sparse.coeff(2, 1), 2.75);
    EXPECT_EQ(d.sparse.coeff(0, 0), 2.0);
    EXPECT_EQ(d.sparse.coeff(1, 0), 7.0);
    const LoadedMatrix pat = read_matrix(write_text(
        "p.mtx", "%%MatrixMarket matrix coordinate pattern symmetric\n3 3 3\n1 1\n3 1\n3 1\n"));
    EXPECT_EQ(pat.source_dtype, "pattern");
    Eigen::MatrixXd expected = Eigen::MatrixXd::Zero(3, 3);
    expected(0, 0) = 1;
    expected(2, 0) = expected(0, 2) = 2;  // the duplicate is summed
    expect_bitwise_equal(Eigen::MatrixXd(pat.sparse), expected);
}

TEST_F(FormatsTest, MatrixMarketErrorsNameLineColumnAndValue) {
    const std::string h = "%%MatrixMarket matrix coordinate real general\n";
    EXPECT_EQ(read_error("a.mtx", h + "2 2 1\n3 1 1\n"),
              "a.mtx:3: column 1: row index 3 is out of range 1..2");
    EXPECT_EQ(read_error("a.mtx", h + "2 2 1\n1 0 1\n"),
              "a.mtx:3: column 2: column index 0 is out of range 1..2");
    EXPECT_EQ(read_error("a.mtx", h + "2 2 1\n1 1 x\n"),
              "a.mtx:3: column 3: \"x\" is not a number");
    EXPECT_EQ(read_error("a.mtx", h + "2 2 3\n1 1 1\n2 2 2\n"),
              "a.mtx:4: the size line (line 2) declares 3 entries, the file ends after 2");
    EXPECT_EQ(read_error("a.mtx", h + "2 2 1\n1 1 1\n2 2 2\n"),
              "a.mtx:4: more entries than the 1 the size line (line 2) declares");
    EXPECT_EQ(read_error("a.mtx", h + "2 2 1\n1 1\n"),
              "a.mtx:3: has 2 fields, expected 3 (ROW COLUMN VALUE)");
    EXPECT_EQ(read_error("a.mtx", h + "2 2 1\n1 1 1 1\n"),
              "a.mtx:3: has 4 fields, expected 3 (ROW COLUMN VALUE)");
    EXPECT_EQ(read_error("a.mtx",
                         "%%MatrixMarket matrix coordinate integer general\n1 1 1\n"
                         "1 1 2.5\n"),
              "a.mtx:3: column 3: \"2.5\" is not an integer (the header says integer)");
    EXPECT_EQ(read_error("a.mtx", "%%MatrixMarket matrix coordinate real skew-symmetric\n"),
              "a.mtx:1: skew-symmetric matrices are not supported: each off-diagonal entry "
              "a(i,j) stands for a(j,i) = -a(i,j), so one of them is negative (NMF needs "
              "non-negative data)");
    EXPECT_EQ(read_error("a.mtx", ""),
              "a.mtx: empty file, expected a Matrix Market header \"%%MatrixMarket matrix "
              "coordinate real general\"");
    EXPECT_EQ(read_error("a.mtx", "%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n"),
              "a.mtx:5: the size line (line 2) declares 4 values, the file ends after 3");
}

TEST_F(FormatsTest, AbsurdDimensionsAreRejectedBeforeAllocating) {
    ReadOptions gib;
    gib.max_memory = 1 << 30;
    EXPECT_EQ(read_error("big.mtx",
                         "%%MatrixMarket matrix array real general\n"
                         "1000000000000 1000000000000\n1\n",
                         gib),
              "big.mtx:2: a 1000000000000 x 1000000000000 array matrix needs more than 2^64 "
              "bytes, more than the memory limit of 1073741824 bytes (1.0 GiB); raise "
              "max_memory (--max-memory) to allow it");
    ReadOptions opt;
    opt.max_memory = 1 << 20;
    EXPECT_EQ(read_error("big.mtx",
                         "%%MatrixMarket matrix coordinate real general\n"
                         "1000 1000 100000\n1 1 1\n",
                         opt),
              "big.mtx:2: a 1000 x 1000 coordinate matrix with 100000 entries needs about "
              "3216016 bytes (3.1 MiB), more than the memory limit of 1048576 bytes (1.0 MiB); "
              "raise max_memory (--max-memory) to allow it");
    EXPECT_EQ(read_error("big.mtx",
                         "%%MatrixMarket matrix coordinate real general\n"
                         "3000000000 2 1\n1 1 1\n"),
              "big.mtx:2: a 3000000000 x 2 sparse matrix is too large: at most 2147483647 "
              "rows and columns are supported");
}

TEST_F(FormatsTest, CsvTextAndValuesAreBoundedByTheMemoryLimit) {
    // 100 rows of 100 zeros: 20000 bytes of text, 10000 values.
    std::string text;
    for (int i = 0; i < 100; ++i) {
        for (int j = 0; j < 100; ++j) text += j == 0 ? "0" : ",0";
        text += '\n';
    }
    write_text("v.csv", text);
    ReadOptions opt;
    opt.max_memory = 20000 + 16 * 10000;  // the text and every value, twice: just enough
    EXPECT_EQ(read_matrix(path("v.csv"), opt).dense.size(), 10000);
    opt.max_memory -= 1;  // one byte short: the check after the last line rejects it
    EXPECT_EQ(read_error("v.csv", text, opt),
              "v.csv:100: the text (20000 bytes) and 10000 values (16 bytes each: as read and in "
              "the matrix) needs about 180000 bytes (175.8 KiB), more than the memory limit of "
              "179999 bytes (175.8 KiB); raise max_memory (--max-memory) to allow it");
    // Far short: the check as the values grow stops before the end of the file.
    opt.max_memory = 100000;
    const std::string early = read_error("v.csv", text, opt);
    EXPECT_LT(std::stoi(early.substr(6)), 100) << early;
    EXPECT_NE(early.find(": the text (20000 bytes) and "), std::string::npos) << early;
    EXPECT_NE(early.find("more than the memory limit of 100000 bytes"), std::string::npos) << early;
    // Text larger than the limit is rejected before it is parsed.
    opt.max_memory = 19999;
    EXPECT_EQ(
        read_error("v.csv", text, opt),
        "v.csv: the text (20000 bytes) needs about 20000 bytes (19.5 KiB), more than the "
        "memory limit of 19999 bytes (19.5 KiB); raise max_memory (--max-memory) to allow it");
}

TEST_F(FormatsTest, GzipBombStopsAtTheMemoryLimit) {
    // 8 MiB of comment lines compress to a few KiB.
    std::string text = "%%MatrixMarket matrix coordinate real general\n";
    while (text.size() < (8u << 20)) text += "% padding padding padding padding padding\n";
    const std::string bomb = gzip(text);
    ASSERT_LT(bomb.size(), 100000u);
    write_text("bomb.mtx.gz", bomb);
    ReadOptions opt;
    opt.max_memory = 1 << 20;
    const std::string expected =
        ": the decompressed data needs about 1048577 bytes (1.0 MiB), more than the memory limit "
        "of 1048576 bytes (1.0 MiB); raise max_memory (--max-memory) to allow it";
    try {
        read_matrix(path("bomb.mtx.gz"), opt);
        FAIL() << "no exception";
    } catch (const InvalidInput& e) {
        EXPECT_EQ(std::string(e.what()), path("bomb.mtx.gz") + expected);
    }
    try {
        nmfkit::io::parse_matrix(bomb, "<mem>", Format::matrix_market, opt);
        FAIL() << "no exception";
    } catch (const InvalidInput& e) {
        EXPECT_EQ(std::string(e.what()), "<mem>" + expected);
    }
}

TEST_F(FormatsTest, PipesAndDevicesStopAtTheMemoryLimit) {
    ReadOptions opt;
    opt.max_memory = 1 << 20;
    opt.format = Format::npy;
    // /dev/zero never ends: reading stops at the first 64 KiB block past the limit.
    try {
        read_matrix("/dev/zero", opt);
        FAIL() << "no exception";
    } catch (const InvalidInput& e) {
        EXPECT_EQ(std::string(e.what()),
                  "/dev/zero: the data read so far (not a regular file, so its size is not known "
                  "in advance) needs about 1114112 bytes (1.1 MiB), more than the memory limit of "
                  "1048576 bytes (1.0 MiB); raise max_memory (--max-memory) to allow it");
    }
    // A FIFO fed by a writer: within the limit it reads as a file; past it, it stops.
    std::signal(SIGPIPE, SIG_IGN);  // the writer sees EPIPE when the reader stops early
    const std::string fifo = path("in.csv");
    for (const std::size_t rows : {std::size_t{1000}, std::size_t{1} << 19}) {
        ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
        std::thread writer([&fifo, rows] {
            const int fd = ::open(fifo.c_str(), O_WRONLY);
            const std::string row = "1,2\n";
            std::string block;
            for (int k = 0; k < 1024; ++k) block += row;
            for (std::size_t r = 0; r < rows && fd >= 0; r += 1024)
                if (::write(fd, block.data(), std::min(rows - r, std::size_t{1024}) * 4) < 0) break;
            if (fd >= 0) ::close(fd);
        });
        ReadOptions csv;
        csv.max_memory = 1 << 20;
        std::string message = "no exception";
        try {
            const LoadedMatrix m = read_matrix(fifo, csv);
            EXPECT_EQ(m.dense.rows(), static_cast<Eigen::Index>(rows));
        } catch (const InvalidInput& e) {
            message = e.what();
        }
        writer.join();
        if (rows == 1000)
            EXPECT_EQ(message, "no exception");
        else
            EXPECT_EQ(message.substr(0, message.find(" needs about ")),
                      fifo +
                          ": the data read so far (not a regular file, so its size is not "
                          "known in advance)")
                << message;
        std::filesystem::remove(fifo);
    }
    std::signal(SIGPIPE, SIG_DFL);
}

// --- NumPy errors ---

std::string npy(const std::string& header, std::size_t data_bytes) {
    std::string h = header;
    h.append((64 - (10 + h.size() + 1) % 64) % 64, ' ');
    h += '\n';
    std::string out = "\x93NUMPY\x01";
    out += '\0';
    out += static_cast<char>(h.size() & 0xff);
    out += static_cast<char>(h.size() >> 8);
    return out + h + std::string(data_bytes, '\0');
}

TEST_F(FormatsTest, NpyErrorsNameDtypeShapeAndSizes) {
    EXPECT_EQ(read_error("a.npy", npy("{'descr': '>f8', 'fortran_order': False, "
                                      "'shape': (2, 2), }",
                                      32)),
              "a.npy: byte 10: dtype \">f8\" is big-endian, which is not supported (convert "
              "with a.astype(a.dtype.newbyteorder('<')))");
    EXPECT_EQ(read_error("a.npy", npy("{'descr': '|O', 'fortran_order': False, "
                                      "'shape': (2, 2), }",
                                      32)),
              "a.npy: byte 10: dtype \"|O\": object arrays are not supported (save a numeric "
              "array, e.g. a.astype(float))");
    EXPECT_EQ(read_error("a.npy", npy("{'descr': '<f8', 'fortran_order': False, "
                                      "'shape': (5,), }",
                                      40)),
              "a.npy: shape (5,) has 1 dimension, expected a 2-D array (for a column save "
              "a.reshape(-1, 1), for a row a.reshape(1, -1))");
    EXPECT_EQ(read_error("a.npy", npy("{'descr': '<f8', 'fortran_order': False, "
                                      "'shape': (2, 3), }",
                                      40)),
              "a.npy: byte 128: the data holds 40 bytes, expected 48 (shape (2, 3), dtype "
              "\"<f8\"): the file is truncated");
    EXPECT_EQ(read_error("a.npy", npy("{'descr': [('a', '<f8')], 'fortran_order': False, "
                                      "'shape': (2,), }",
                                      16)),
              "a.npy: byte 10: structured dtypes are not supported (expected a numeric dtype "
              "such as '<f8')");
    EXPECT_EQ(read_error("a.npy", npy("{'descr': '<c16', 'fortran_order': False, "
                                      "'shape': (1, 1), }",
                                      16)),
              "a.npy: byte 10: dtype \"<c16\": complex arrays are not supported (NMF needs "
              "real, non-negative data)");
}

// --- CSV labels ---

TEST_F(FormatsTest, CsvHeaderAndRowNamesAreAutoDetected) {
    const LoadedMatrix both = read_matrix(fixtures + "labeled.csv");
    expect_bitwise_equal(both.dense, fixture_matrix());
    EXPECT_EQ(both.col_labels, (std::vector<std::string>{"s1", "s2", "s3", "s4"}));
    EXPECT_EQ(both.row_labels, (std::vector<std::string>{"g1", "g2", "g3", "g4", "g5"}));

    const LoadedMatrix header = read_matrix(write_text("h.csv", "# c\n\"a\",b\n1,2\n3,4\n"));
    EXPECT_EQ(header.col_labels, (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(header.row_labels.empty());
    EXPECT_EQ(header.line_of_row, (std::vector<std::int64_t>{3, 4}));

    const LoadedMatrix rows = read_matrix(write_text("r.tsv", "x\t1\t2\ny\t3\t4\n"));
    EXPECT_EQ(rows.row_labels, (std::vector<std::string>{"x", "y"}));
    EXPECT_EQ(rows.dense, (Eigen::MatrixXd(2, 2) << 1, 2, 3, 4).finished());

    // A header without the corner field above the row names.
    const LoadedMatrix short_header = read_matrix(write_text("s.csv", "a,b\nx,1,2\n"));
    EXPECT_EQ(short_header.col_labels, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(short_header.row_labels, (std::vector<std::string>{"x"}));

    // Numbers only: neither; a typo in the first line is an error, not a header.
    const LoadedMatrix plain = read_matrix(write_text("p.csv", "1,2\n3,4\n"));
    EXPECT_TRUE(plain.col_labels.empty());
    EXPECT_TRUE(plain.row_labels.empty());
    EXPECT_EQ(read_error("t.csv", "1,x,3\n4,5,6\n"), "t.csv:1: column 2: \"x\" is not a number");
}

TEST_F(FormatsTest, CsvOptionsOverrideDetection) {
    ReadOptions opt;
    opt.header = true;
    opt.row_names = false;
    const LoadedMatrix numeric_header = read_matrix(write_text("n.csv", "10,20\n1,2\n"), opt);
    EXPECT_EQ(numeric_header.col_labels, (std::vector<std::string>{"10", "20"}));
    EXPECT_EQ(numeric_header.dense.rows(), 1);
    opt.header = false;
    EXPECT_EQ(read_error("a.csv", "a,b\n1,2\n", opt), "a.csv:1: column 1: \"a\" is not a number");
    opt.header = true;
    EXPECT_EQ(read_error("a.csv", "a,b,c\n1,2\n", opt),
              "a.csv:1: the header has 3 fields, expected 2 (line 2 has 2 fields)");
    opt.delimiter = ';';
    opt.format = Format::csv;
    const LoadedMatrix semi = read_matrix(write_text("s.txt", "a;b\n1;2\n"), opt);
    EXPECT_EQ(semi.dense, (Eigen::MatrixXd(1, 2) << 1, 2).finished());
}

// --- format detection ---

TEST_F(FormatsTest, FormatComesFromTheExtensionAndIsConfirmedByMagicBytes) {
    EXPECT_EQ(nmfkit::io::format_for("a/b.MTX.gz"), Format::matrix_market);
    EXPECT_EQ(nmfkit::io::format_for("b.tab"), Format::tsv);
    EXPECT_EQ(nmfkit::io::format_for("b.npz"), Format::npz);
    EXPECT_EQ(nmfkit::io::format_for("b.txt"), std::nullopt);
    EXPECT_EQ(nmfkit::io::parse_format("mtx"), Format::matrix_market);
    EXPECT_EQ(nmfkit::io::parse_format("npz"), Format::npz);
    EXPECT_EQ(nmfkit::io::parse_format("xls"), std::nullopt);

    fs::copy_file(fixtures + "f8_c.npy", path("wrong.csv"));
    try {
        read_matrix(path("wrong.csv"));
        FAIL() << "no exception";
    } catch (const InvalidInput& e) {
        EXPECT_EQ(std::string(e.what()), path("wrong.csv") +
                                             ": the extension says CSV, but the content is .npy "
                                             "(name the format with --format to read it anyway)");
    }
    ReadOptions opt;
    opt.format = Format::npy;
    EXPECT_EQ(read_matrix(path("wrong.csv"), opt).dense, fixture_matrix());
    // An unknown extension falls back to the magic bytes.
    fs::copy_file(fixtures + "csr.npz", path("m.data"));
    EXPECT_TRUE(read_matrix(path("m.data")).is_sparse);
    EXPECT_EQ(read_error("m.txt", "1,2\n"),
              "m.txt: cannot tell the format from the extension \".txt\" (expected .csv, .tsv, "
              ".tab, .mtx, .mm, .npy, .npz, .h5ad or .h5, optionally followed by .gz); name it "
              "with --format");
    EXPECT_EQ(read_error("m.mtx.gz", "%%MatrixMarket"),
              "m.mtx.gz: not a gzip file (it does not start with the bytes 1f 8b)");
}

// --- labels files ---

TEST_F(FormatsTest, ReadsLabelFilesAndTenXFeatures) {
    write_text("barcodes.tsv", "AAAC-1\nAAAG-1\r\n");
    EXPECT_EQ(nmfkit::io::read_labels(path("barcodes.tsv")),
              (std::vector<std::string>{"AAAC-1", "AAAG-1"}));
    write_text("features.tsv", "ENSG1\tTP53\tGene Expression\nENSG2\tMYC\tGene Expression\n");
    EXPECT_EQ(nmfkit::io::read_labels(path("features.tsv")),
              (std::vector<std::string>{"ENSG1", "ENSG2"}));
    EXPECT_EQ(nmfkit::io::read_labels(path("features.tsv"), 2),
              (std::vector<std::string>{"TP53", "MYC"}));
    try {
        nmfkit::io::read_labels(path("barcodes.tsv"), 2);
        FAIL() << "no exception";
    } catch (const InvalidInput& e) {
        EXPECT_EQ(std::string(e.what()),
                  path("barcodes.tsv") + ":1: has 1 tab-separated fields, expected at least 2");
    }
    write_text("gap.txt", "a\n\nb\n");
    EXPECT_THROW(nmfkit::io::read_labels(path("gap.txt")), InvalidInput);
    nmfkit::io::write_labels(path("out.txt"), {"x", "y z"});
    EXPECT_EQ(read_text(path("out.txt")), "x\ny z\n");
}

// --- error classes and atomic writes ---

TEST_F(FormatsTest, IoFailuresThrowIoError) {
    try {
        read_matrix(path("missing.npy"));
        FAIL() << "no exception";
    } catch (const IoError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "cannot open \"" + path("missing.npy") + "\": No such file or directory");
    }
    EXPECT_THROW(read_matrix(dir_.string() + "/"), IoError);
    EXPECT_THROW(write_matrix(path("no/dir/W.npy"), Eigen::MatrixXd::Ones(1, 1)), IoError);
    EXPECT_THROW(nmfkit::io::read_labels(path("missing.txt")), IoError);
}

TEST_F(FormatsTest, AFailedWriteLeavesTheExistingFileIntact) {
    const std::string p = write_text("W.npy", "old contents\n");
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit old{};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
    rlimit capped = old;
    capped.rlim_cur = 4096;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &capped), 0);
    std::string message = "no exception";
    for (const char* name : {"W.npy", "W.mtx"}) {
        try {
            write_matrix(path(name), random_doubles(1000, 20, 3));
        } catch (const IoError& e) {
            message = e.what();
        }
        EXPECT_EQ(message, "cannot write \"" + path(name) + "\": File too large");
    }
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old), 0);
    std::signal(SIGXFSZ, SIG_DFL);
    EXPECT_EQ(read_text(p), "old contents\n");
    EXPECT_EQ(entries(), std::set<std::string>{"W.npy"});
}

TEST_F(FormatsTest, ParsesFromMemoryUnderAName) {
    const std::string text = "%%MatrixMarket matrix coordinate real general\n1 1 1\n1 1 4\n";
    const LoadedMatrix m = nmfkit::io::parse_matrix(text, "<mem>", Format::matrix_market);
    EXPECT_EQ(m.sparse.coeff(0, 0), 4.0);
    try {
        nmfkit::io::parse_matrix("garbage", "<mem>", Format::npz);
        FAIL() << "no exception";
    } catch (const InvalidInput& e) {
        EXPECT_STREQ(e.what(), "<mem>: not a zip (.npz) file (it does not start with \"PK\")");
    }
}

}  // namespace
