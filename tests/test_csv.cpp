// Tests of the CSV/TSV reader and writer (io/): exact round trips, the accepted syntax, every error
// message (file, line, column), and that writing replaces a file atomically. Failures to open or
// write a file throw nmfkit::io::IoError; bad data throws nmfkit::InvalidInput.
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>

#include <Eigen/Core>

#include <nmfkit/io/csv.hpp>

#include <gtest/gtest.h>

#include "io_fixtures.hpp"
#include <sys/resource.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using nmfkit::InvalidInput;
using nmfkit::io::read_csv;
using nmfkit::io::write_csv;

/// CSV tests in a fresh directory each (TempDirTest).
class CsvTest : public nmfkit::test::TempDirTest {
protected:
    /// The message of the InvalidInput that reading @p name (with @p text) throws.
    std::string read_error(const std::string& name, const std::string& text) const {
        const std::string p = write_text(name, text);
        try {
            read_csv(p);
        } catch (const InvalidInput& e) {
            return e.what();
        }
        return "no exception";
    }
};

using nmfkit::test::expect_bitwise_equal;
using nmfkit::test::random_doubles;

TEST_F(CsvTest, RoundTripIsExactForCsvAndTsv) {
    const Eigen::MatrixXd M = random_doubles(37, 11, 42);
    for (const char* name : {"m.csv", "m.tsv"}) {
        write_csv(path(name), M);
        const auto back = read_csv(path(name));
        expect_bitwise_equal(back.values, M);
        ASSERT_EQ(back.line_of_row.size(), 37u);
        EXPECT_EQ(back.line_of_row.front(), 1);
        EXPECT_EQ(back.line_of_row.back(), 37);
    }
}

TEST_F(CsvTest, RoundTripOfALargeMatrixSpansManyWriteBuffers) {
    const Eigen::MatrixXd M = random_doubles(2000, 40, 7);
    write_csv(path("big.csv"), M);
    expect_bitwise_equal(read_csv(path("big.csv")).values, M);
}

TEST_F(CsvTest, WritesShortestTextWithTheDelimiterOfTheExtension) {
    Eigen::MatrixXd M(2, 3);
    M << 1, 0.5, -2, 1e300, 0.1, 3e-7;
    write_csv(path("a.csv"), M);
    EXPECT_EQ(read_text(path("a.csv")), "1,0.5,-2\n1e+300,0.1,3e-07\n");
    write_csv(path("a.tsv"), M);
    EXPECT_EQ(read_text(path("a.tsv")), "1\t0.5\t-2\n1e+300\t0.1\t3e-07\n");
    write_csv(path("a.TAB"), M);
    EXPECT_EQ(read_text(path("a.TAB")), "1\t0.5\t-2\n1e+300\t0.1\t3e-07\n");
}

TEST_F(CsvTest, SkipsCommentsAndBlankLinesAndRecordsTheLineOfEachRow) {
    const std::string p = write_text("c.csv",
                                     "\xEF\xBB\xBF# a comment\n"
                                     "\n"
                                     "1, 2 ,3\r\n"
                                     "   # indented comment, 4, 5\n"
                                     "  \t \n"
                                     "\t4,5,  6\n"
                                     "7,8,9");
    const auto r = read_csv(p);
    Eigen::MatrixXd expected(3, 3);
    expected << 1, 2, 3, 4, 5, 6, 7, 8, 9;
    EXPECT_EQ(r.values, expected);
    EXPECT_EQ(r.line_of_row, (std::vector<std::int64_t>{3, 6, 7}));
}

TEST_F(CsvTest, AcceptsTheNumberSyntaxOfFromCharsAndALeadingPlus) {
    const auto r =
        read_csv(write_text("n.csv", "1e-3,.5,+2,+.25,5.,-0\nnan,inf,-inf,1E3,-7,4e-320\n"));
    ASSERT_EQ(r.values.rows(), 2);
    ASSERT_EQ(r.values.cols(), 6);
    const Eigen::RowVectorXd first = (Eigen::RowVectorXd(6) << 1e-3, 0.5, 2, 0.25, 5, 0).finished();
    EXPECT_EQ(r.values.row(0), first);
    EXPECT_TRUE(std::signbit(r.values(0, 5)));
    EXPECT_TRUE(std::isnan(r.values(1, 0)));
    EXPECT_EQ(r.values(1, 1), std::numeric_limits<double>::infinity());
    EXPECT_EQ(r.values(1, 2), -std::numeric_limits<double>::infinity());
    EXPECT_EQ(r.values(1, 3), 1000);
    EXPECT_EQ(r.values(1, 4), -7);
    EXPECT_EQ(r.values(1, 5), 4e-320);
}

TEST_F(CsvTest, SelectsTheDelimiterByExtensionOrArgument) {
    EXPECT_EQ(nmfkit::io::delimiter_for("x/y.tsv"), '\t');
    EXPECT_EQ(nmfkit::io::delimiter_for("y.TSV"), '\t');
    EXPECT_EQ(nmfkit::io::delimiter_for("y.tab"), '\t');
    EXPECT_EQ(nmfkit::io::delimiter_for("y.csv"), ',');
    EXPECT_EQ(nmfkit::io::delimiter_for("tsv"), ',');
    EXPECT_EQ(nmfkit::io::delimiter_for("y.txt"), ',');

    const auto tsv = read_csv(write_text("t.tsv", "1\t2\n 3 \t 4 \n"));
    EXPECT_EQ(tsv.values, (Eigen::MatrixXd(2, 2) << 1, 2, 3, 4).finished());
    const auto semi = read_csv(write_text("s.txt", "1;2\n3;4\n"), ';');
    EXPECT_EQ(semi.values, (Eigen::MatrixXd(2, 2) << 1, 2, 3, 4).finished());
    EXPECT_EQ(read_error("c.tsv", "1,2\n"),
              path("c.tsv") + ":1: column 1: \"1,2\" is not a number");
}

TEST_F(CsvTest, ParsesAStreamUnderAGivenName) {
    std::istringstream in("# x\n1,2\n");
    const auto r = nmfkit::io::parse_csv(in, "<stdin>", ',');
    EXPECT_EQ(r.values, (Eigen::MatrixXd(1, 2) << 1, 2).finished());
    std::istringstream bad("1,2\n3\n");
    try {
        nmfkit::io::parse_csv(bad, "<stdin>", ',');
        FAIL() << "no exception";
    } catch (const InvalidInput& e) {
        EXPECT_STREQ(e.what(), "<stdin>:2: has 1 fields, expected 2 (as on line 1)");
    }
}

TEST_F(CsvTest, NamesFileLineAndColumnOfAFieldThatIsNotANumber) {
    const std::string p = path("d.csv");
    EXPECT_EQ(read_error("d.csv", "1,2,3\n\n4,5,abc\n"),
              p + ":3: column 3: \"abc\" is not a number");
    EXPECT_EQ(read_error("d.csv", "# c\n1.5x,2\n"), p + ":2: column 1: \"1.5x\" is not a number");
    EXPECT_EQ(read_error("d.csv", "1, 2 3\n"), p + ":1: column 2: \"2 3\" is not a number");
    EXPECT_EQ(read_error("d.csv", "a,b\n1,2\n"), p + ":1: column 1: \"a\" is not a number");
    EXPECT_EQ(read_error("d.csv", "1,0x10\n"), p + ":1: column 2: \"0x10\" is not a number");
    EXPECT_EQ(read_error("d.csv", "1,++1\n"), p + ":1: column 2: \"++1\" is not a number");
    EXPECT_EQ(read_error("d.csv", "1,\" 2\"\n"), p + ":1: column 2: \" 2\" is not a number");
}

// --- quoting (RFC 4180) ---

TEST_F(CsvTest, QuotedNumbersAreNumbers) {
    const auto r = read_csv(write_text("q.csv", "\"1.5\", 2\n3 ,  \"4e0\"  \r\n"));
    EXPECT_EQ(r.values, (Eigen::MatrixXd(2, 2) << 1.5, 2, 3, 4).finished());
    EXPECT_EQ(r.line_of_row, (std::vector<std::int64_t>{1, 2}));
    const auto t = read_csv(write_text("q.tsv", "\"1\"\t\"2\"\n"));
    EXPECT_EQ(t.values, (Eigen::MatrixXd(1, 2) << 1, 2).finished());
}

TEST_F(CsvTest, QuotingErrorsNameTheLineAndColumnOfTheField) {
    const std::string p = path("q.csv");
    // A quote that is never closed: named at the line where it opens, however far the file goes.
    EXPECT_EQ(read_error("q.csv", "1,2\n3,\"4\n5,6\n7,8\n"),
              p + ":2: column 2: the double quote that opens this field is never closed (the file "
                  "ends inside the quoted field)");
    EXPECT_EQ(read_error("q.csv", "1,2\n3,\"4\"x\n"),
              p + ":2: column 2: unexpected \"x\" after the closing double quote of a quoted field "
                  "(a double quote inside one is written twice: \"\")");
    // A field after a quoted line break is on the next line; the lines after the record count on.
    EXPECT_EQ(read_error("q.csv", "1,\"2\n\",x\n"), p + ":1: column 2: \"2\\x0a\" is not a number");
    EXPECT_EQ(read_error("q.csv", "\"1\",\"\n\n2\", x\n"),
              p + ":1: column 2: \"\\x0a\\x0a2\" is not a number");
    EXPECT_EQ(read_error("q.csv", "1,2\n3,\"4\"\n5,\"\"\n"), p + ":3: column 2: empty field");
}

TEST_F(CsvTest, NamesEmptyFieldsAndTrailingDelimiters) {
    const std::string p = path("e.csv");
    EXPECT_EQ(read_error("e.csv", "1,,3\n"), p + ":1: column 2: empty field");
    EXPECT_EQ(read_error("e.csv", "1,2,\n"), p + ":1: column 3: empty field");
    EXPECT_EQ(read_error("e.csv", "1,2\n , \n"), p + ":2: column 1: empty field");
}

TEST_F(CsvTest, NamesOutOfRangeNumbers) {
    const std::string p = path("r.csv");
    EXPECT_EQ(read_error("r.csv", "1\n1e999\n"),
              p + ":2: column 1: \"1e999\" is out of the range of a double");
}

TEST_F(CsvTest, ShortensLongFieldsAndEscapesControlBytesInMessages) {
    const std::string p = path("l.csv");
    EXPECT_EQ(read_error("l.csv", std::string(50, 'x') + "\n"),
              p + ":1: column 1: \"" + std::string(40, 'x') + "...\" is not a number");
    EXPECT_EQ(read_error("l.csv", std::string("1\x01") + "\n"),
              p + ":1: column 1: \"1\\x01\" is not a number");
}

TEST_F(CsvTest, NamesRaggedRowsWithTheLineOfTheFirstRow) {
    const std::string p = path("g.csv");
    EXPECT_EQ(read_error("g.csv", "# c\n\n1,2,3\n4,5,6\n7,8\n"),
              p + ":5: has 2 fields, expected 3 (as on line 3)");
    EXPECT_EQ(read_error("g.csv", "1,2\n3,4,5\n"),
              p + ":2: has 3 fields, expected 2 (as on line 1)");
}

TEST_F(CsvTest, RejectsFilesWithoutDataRows) {
    const std::string p = path("z.csv");
    EXPECT_EQ(read_error("z.csv", ""), p + ": no data rows");
    EXPECT_EQ(read_error("z.csv", "# only\n\n  # comments\n"), p + ": no data rows");
}

TEST_F(CsvTest, NamesFilesThatCannotBeOpened) {
    const std::string missing = path("missing.csv");
    try {
        read_csv(missing);
        FAIL() << "no exception";
    } catch (const nmfkit::io::IoError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "cannot open \"" + missing + "\": No such file or directory");
    }
    try {
        read_csv(dir_.string());
        FAIL() << "no exception";
    } catch (const nmfkit::io::IoError& e) {
        EXPECT_EQ(std::string(e.what()), "cannot open \"" + dir_.string() + "\": Is a directory");
    }
}

TEST_F(CsvTest, WriteIntoAMissingDirectoryThrowsAndCreatesNothing) {
    const std::string p = path("no/such/dir/W.csv");
    try {
        write_csv(p, Eigen::MatrixXd::Ones(2, 2));
        FAIL() << "no exception";
    } catch (const nmfkit::io::IoError& e) {
        EXPECT_EQ(std::string(e.what()), "cannot write \"" + p + "\": No such file or directory");
    }
    EXPECT_TRUE(entries().empty());
}

TEST_F(CsvTest, OverwriteReplacesTheWholeFileAndLeavesNoTemporaryFile) {
    const std::string p = path("W.csv");
    write_csv(p, random_doubles(200, 10, 1));
    const Eigen::MatrixXd small = (Eigen::MatrixXd(1, 2) << 3, 4).finished();
    write_csv(p, small);
    EXPECT_EQ(read_text(p), "3,4\n");
    EXPECT_EQ(entries(), std::set<std::string>{"W.csv"});
}

TEST_F(CsvTest, WriteOverADirectoryThrowsAndLeavesItAlone) {
    fs::create_directory(path("out.csv"));
    write_text("out.csv/keep", "x");
    try {
        write_csv(path("out.csv"), Eigen::MatrixXd::Ones(2, 2));
        FAIL() << "no exception";
    } catch (const nmfkit::io::IoError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "cannot write \"" + path("out.csv") + "\": Is a directory");
    }
    EXPECT_EQ(entries(), std::set<std::string>{"out.csv"});
    EXPECT_EQ(read_text(path("out.csv/keep")), "x");
}

TEST_F(CsvTest, AFailedWriteLeavesTheExistingFileIntact) {
    // Make write(2) fail part-way with EFBIG by capping the file size (works as root too).
    const std::string p = write_text("H.csv", "old contents\n");
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit old{};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
    rlimit capped = old;
    capped.rlim_cur = 4096;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &capped), 0);
    std::string message = "no exception";
    try {
        write_csv(p, random_doubles(1000, 20, 3));
    } catch (const nmfkit::io::IoError& e) {
        message = e.what();
    }
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old), 0);
    std::signal(SIGXFSZ, SIG_DFL);
    EXPECT_EQ(message, "cannot write \"" + p + "\": File too large");
    EXPECT_EQ(read_text(p), "old contents\n");
    EXPECT_EQ(entries(), std::set<std::string>{"H.csv"});
}

TEST_F(CsvTest, CheckWritableProbesWithoutLeavingFiles) {
    EXPECT_NO_THROW(nmfkit::io::check_writable(path("W.csv")));
    EXPECT_TRUE(entries().empty());
    const std::string missing = path("nope/W.csv");
    try {
        nmfkit::io::check_writable(missing);
        FAIL() << "no exception";
    } catch (const nmfkit::io::IoError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "cannot write \"" + missing + "\": No such file or directory");
    }
    try {
        nmfkit::io::check_writable(dir_.string());
        FAIL() << "no exception";
    } catch (const nmfkit::io::IoError& e) {
        EXPECT_EQ(std::string(e.what()), "cannot write \"" + dir_.string() + "\": Is a directory");
    }
    try {
        nmfkit::io::check_writable(dir_.string() + "/");
        FAIL() << "no exception";
    } catch (const nmfkit::io::IoError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "cannot write \"" + dir_.string() + "/\": not a file name");
    }
    EXPECT_TRUE(entries().empty());
}

}  // namespace
