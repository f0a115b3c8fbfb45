// Tests of the parallel reader (io/read_block.hpp), run under mpiexec with 1 to 4 processes.
// For every grid pr x pc of P, each rank's block equals the same block of the matrix that the
// serial reader (nmfkit::io::read_matrix) reads, bit for bit; errors reach every rank as the same
// CollectiveError, with the serial reader's message (and the real FILE:LINE) where it has one.
#include <mpi.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <Eigen/SparseCore>

#include <nmfkit/io/formats.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <nmfkit/io/read_block.hpp>
#include "mpi_helpers.hpp"

namespace {

namespace fs = std::filesystem;
using nmfkit::mpi::CollectiveError;
using nmfkit::mpi::Grid;
using nmfkit::mpi::LocalBlock;
using nmfkit::mpi::Range;
using nmfkit::mpi::read_block;
using nmfkit::mpi::read_shape;
using SparseMatrix = Eigen::SparseMatrix<double, Eigen::ColMajor, int>;

using nmfkit::test::grids;
using nmfkit::test::world_rank;
using nmfkit::test::world_size;

std::string grid_name(int pr, int pc) { return std::to_string(pr) + "x" + std::to_string(pc); }

/// .npy bytes of @p M stored as @p descr ("<f8", "<f4", "<i4", "<i8", "<u2", "|u1", "|b1") in
/// C or Fortran order (version 1.0, header padded to 64 bytes as numpy writes it).
std::string npy_bytes(const Eigen::MatrixXd& M, const std::string& descr, bool fortran) {
    std::string header = "{'descr': '" + descr +
                         "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': (" +
                         std::to_string(M.rows()) + ", " + std::to_string(M.cols()) + "), }";
    header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
    header += '\n';
    std::string out = "\x93NUMPY";
    out += '\x01';
    out += '\x00';
    out += static_cast<char>(header.size() & 0xff);
    out += static_cast<char>(header.size() >> 8);
    out += header;
    auto put = [&out](auto x) { out.append(reinterpret_cast<const char*>(&x), sizeof x); };
    const Eigen::Index outer = fortran ? M.cols() : M.rows(), inner = fortran ? M.rows() : M.cols();
    for (Eigen::Index a = 0; a < outer; ++a)
        for (Eigen::Index b = 0; b < inner; ++b) {
            const double v = fortran ? M(b, a) : M(a, b);
            if (descr == "<f8")
                put(v);
            else if (descr == "<f4")
                put(static_cast<float>(v));
            else if (descr == "<i4")
                put(static_cast<std::int32_t>(v));
            else if (descr == "<i8")
                put(static_cast<std::int64_t>(v));
            else if (descr == "<u2")
                put(static_cast<std::uint16_t>(v));
            else if (descr == "|u1")
                put(static_cast<std::uint8_t>(v));
            else
                put(static_cast<std::uint8_t>(v != 0));
        }
    return out;
}

/// A random m x n Matrix Market coordinate file ("real general") with @p entries lines, some of
/// them duplicates; values with up to 17 significant digits.
std::string random_coordinate(int m, int n, int entries, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> row(1, m), col(1, n);
    std::uniform_real_distribution<double> value(0.0, 1000.0);
    std::ostringstream s;
    s.precision(17);
    s << "%%MatrixMarket matrix coordinate real general\n% made by test_mpi_read\n";
    s << m << " " << n << " " << entries << "\n";
    for (int e = 0; e < entries; ++e) s << row(rng) << " " << col(rng) << " " << value(rng) << "\n";
    return s.str();
}

/// Lines "%%MatrixMarket matrix coordinate integer general" with @p entries entries of a 50 x 40
/// matrix, entry e on line 3 + e (e = 0, 1, ...); @p line_of(e) may replace an entry line.
std::string numbered_coordinate(int entries, int declared,
                                const std::function<std::string(int)>& line_of) {
    std::string s = "%%MatrixMarket matrix coordinate integer general\n50 40 " +
                    std::to_string(declared) + "\n";
    for (int e = 0; e < entries; ++e) {
        const std::string custom = line_of(e);
        s += custom.empty() ? std::to_string(e % 50 + 1) + " " + std::to_string(e % 40 + 1) + " " +
                                  std::to_string(e % 7) + "\n"
                            : custom + "\n";
    }
    return s;
}

/// A directory that all ranks share for one test: rank 0 makes it, writes the files into it
/// (the others wait) and removes it afterwards.
class MpiRead : public ::testing::Test {
protected:
    void SetUp() override {
        std::string dir;
        if (world_rank() == 0) {
            const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
            dir = (fs::temp_directory_path() /
                   ("nmfkit_mpi_read_" + std::to_string(::getpid()) + "_" + info->name()))
                      .string();
            fs::remove_all(dir);
            fs::create_directories(dir);
        }
        int size = static_cast<int>(dir.size());
        MPI_Bcast(&size, 1, MPI_INT, 0, MPI_COMM_WORLD);
        dir.resize(static_cast<std::size_t>(size));
        MPI_Bcast(dir.data(), size, MPI_CHAR, 0, MPI_COMM_WORLD);
        dir_ = dir;
    }

    void TearDown() override {
        MPI_Barrier(MPI_COMM_WORLD);
        if (world_rank() == 0) fs::remove_all(dir_);
    }

    std::string path(const std::string& name) const { return (dir_ / name).string(); }

    /// Rank 0 writes @p bytes to @p name; every rank returns its path once it is written.
    std::string write(const std::string& name, const std::string& bytes) const {
        const std::string p = path(name);
        if (world_rank() == 0) std::ofstream(p, std::ios::binary) << bytes;
        MPI_Barrier(MPI_COMM_WORLD);
        return p;
    }

    fs::path dir_;
};

/// The first @p count elements at @p a and @p b have the same bytes (true when count is 0).
template <class T>
bool same_bytes(const T* a, const T* b, std::size_t count) {
    return count == 0 || std::memcmp(a, b, count * sizeof(T)) == 0;
}

/// This rank's block of @p full for @p grid.
void expect_block_of(const nmfkit::io::LoadedMatrix& full, const LocalBlock& A, const Grid& grid) {
    const auto layout = grid.layout(full.rows(), full.cols());
    const Range R = layout.rows(grid.i()), C = layout.cols(grid.j());
    EXPECT_EQ(A.m, full.rows());
    EXPECT_EQ(A.n, full.cols());
    EXPECT_EQ(A.is_sparse, full.is_sparse);
    EXPECT_EQ(A.source_dtype, full.source_dtype);
    if (!full.is_sparse) {
        ASSERT_EQ(A.dense.rows(), R.size);
        ASSERT_EQ(A.dense.cols(), C.size);
        const Eigen::MatrixXd expected = full.dense.block(R.begin, C.begin, R.size, C.size);
        EXPECT_TRUE(
            same_bytes(A.dense.data(), expected.data(), static_cast<std::size_t>(expected.size())));
        return;
    }
    SparseMatrix expected = full.sparse.block(R.begin, C.begin, R.size, C.size);
    expected.makeCompressed();
    ASSERT_EQ(A.sparse.rows(), R.size);
    ASSERT_EQ(A.sparse.cols(), C.size);
    ASSERT_TRUE(A.sparse.isCompressed());
    ASSERT_EQ(A.sparse.nonZeros(), expected.nonZeros());
    const auto n = static_cast<std::size_t>(expected.nonZeros());
    EXPECT_TRUE(same_bytes(A.sparse.outerIndexPtr(), expected.outerIndexPtr(),
                           static_cast<std::size_t>(C.size + 1)));
    EXPECT_TRUE(same_bytes(A.sparse.innerIndexPtr(), expected.innerIndexPtr(), n));
    EXPECT_TRUE(same_bytes(A.sparse.valuePtr(), expected.valuePtr(), n));
}

/// On every grid, each rank's block of @p path equals its block of the serially read matrix.
void expect_blocks_match(const std::string& path) {
    const nmfkit::io::LoadedMatrix full = nmfkit::io::read_matrix(path);
    for (const auto& [pr, pc] : grids()) {
        SCOPED_TRACE(path + ", grid " + grid_name(pr, pc));
        const Grid grid(MPI_COMM_WORLD, pr, pc);
        const LocalBlock A = read_block(path, grid);
        expect_block_of(full, A, grid);
        EXPECT_TRUE(world_size() > 1 || A.bytes_exchanged == 0) << "one rank sends nothing";
    }
}

/// The CollectiveError that read_block(@p path) throws on this rank on grid pr x pc, if any.
std::optional<CollectiveError> block_error(const std::string& path, int pr, int pc) {
    const Grid grid(MPI_COMM_WORLD, pr, pc);
    try {
        read_block(path, grid);
    } catch (const CollectiveError& e) {
        return e;
    }
    return std::nullopt;
}

/// The message of what the serial reader throws for @p path.
std::string serial_error(const std::string& path) {
    try {
        nmfkit::io::read_matrix(path);
    } catch (const std::exception& e) {
        return e.what();
    }
    return "no error";
}

/// On every grid, every rank throws CollectiveError(@p message, @p status).
void expect_error(const std::string& path, const std::string& message, int status) {
    for (const auto& [pr, pc] : grids()) {
        SCOPED_TRACE("grid " + grid_name(pr, pc));
        const auto e = block_error(path, pr, pc);
        ASSERT_TRUE(e.has_value()) << "no error on rank " << world_rank();
        EXPECT_EQ(std::string(e->what()), message);
        EXPECT_EQ(e->exit_status(), status);
    }
}

/// On every grid, every rank throws the serial reader's message for @p path, exit status 65.
void expect_serial_error(const std::string& path) {
    const std::string message = serial_error(path);
    ASSERT_NE(message, "no error");
    expect_error(path, message, 65);
}

// ---------------------------------------------------------------------------------------------
// Blocks equal the serial reader's.

TEST_F(MpiRead, CoordinateGeneralWithDuplicatesEmptyRowsAndComments) {
    // 7 x 6: row 4 and column 3 empty; (2, 2) three times; an explicit zero; CRLF lines, blank
    // and comment lines among the entries, a leading '+', unsorted.
    expect_blocks_match(write("general.mtx",
                              "%%MatrixMarket matrix coordinate real general\n"
                              "% a comment\n"
                              "7 6 12\n"
                              "2 2 1.5\n"
                              "7 6 1e-300\r\n"
                              "1 1 +2.25\n"
                              "\n"
                              "2 2 0.1\n"
                              "% between entries\n"
                              "5 1 3\n"
                              "2 2 0.2\n"
                              "3 5 0\n"
                              "6 4 4.5\t\n"
                              "1 6 7\n"
                              "7 1 8\n"
                              "   3 2   9\n"
                              "5 5 10\n"));
}

TEST_F(MpiRead, CoordinateSymmetricAndPattern) {
    expect_blocks_match(write("symmetric.mtx",
                              "%%MatrixMarket matrix coordinate integer symmetric\n"
                              "5 5 8\n"
                              "1 1 4\n2 1 3\n5 2 7\n3 3 1\n5 2 2\n4 1 6\n5 5 9\n4 3 5\n"));
    expect_blocks_match(write("pattern.mtx",
                              "%%MatrixMarket matrix coordinate pattern general\n"
                              "4 3 6\n1 1\n4 3\n2 2\n1 1\n3 1\n4 2\n"));
    expect_blocks_match(write("pattern_symmetric.mtx",
                              "%%MatrixMarket matrix coordinate pattern symmetric\n"
                              "4 4 4\n2 1\n4 4\n3 1\n4 2\n"));
}

TEST_F(MpiRead, CoordinateOneRowOneColumnAndEmpty) {
    expect_blocks_match(write("row.mtx",
                              "%%MatrixMarket matrix coordinate real general\n"
                              "1 9 5\n1 9 1\n1 1 2\n1 4 3\n1 2 4\n1 4 0.5"));  // no final '\n'
    expect_blocks_match(write("column.mtx",
                              "%%MatrixMarket matrix coordinate real general\n"
                              "9 1 3\n9 1 1\n2 1 2\n5 1 3\n"));
    expect_blocks_match(
        write("empty.mtx", "%%MatrixMarket matrix coordinate real general\n3 2 0\n"));
    expect_blocks_match(
        write("no_data.mtx", "%%MatrixMarket matrix coordinate real general\n3 2 0"));
}

TEST_F(MpiRead, CoordinateLargeFile) {
    expect_blocks_match(write("large.mtx", random_coordinate(300, 200, 20000, 7)));
}

TEST_F(MpiRead, ArrayGeneralAndSymmetric) {
    expect_blocks_match(write("array.mtx",
                              "%%MatrixMarket matrix array real general\n"
                              "% comment\n5 4\n"
                              "0.5\n1\n2\n3\n4\n5\n% inside\n6\n7\n8\n9\n10\n11\n12\n13\n14\n"
                              "\n15\n16\n17\n18\n19.25\r\n"));
    expect_blocks_match(write("array_integer.mtx",
                              "%%MatrixMarket matrix array integer general\n"
                              "3 2\n1\n2\n3\n4\n5\n6"));
    expect_blocks_match(write("array_symmetric.mtx",
                              "%%MatrixMarket matrix array real symmetric\n"
                              "4 4\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n"));
    expect_blocks_match(write("array_row.mtx",
                              "%%MatrixMarket matrix array real general\n"
                              "1 7\n1\n2\n3\n4\n5\n6\n7\n"));
    std::string large = "%%MatrixMarket matrix array real general\n60 50\n";
    for (int k = 0; k < 3000; ++k) large += std::to_string(k * 0.37) + "\n";
    expect_blocks_match(write("array_large.mtx", large));
}

TEST_F(MpiRead, NpyEveryDtypeInBothOrders) {
    std::mt19937_64 rng(11);
    std::uniform_int_distribution<int> small(0, 9);
    Eigen::MatrixXd M(7, 5);
    for (Eigen::Index k = 0; k < M.size(); ++k) M.data()[k] = small(rng);
    Eigen::MatrixXd X = Eigen::MatrixXd::Random(7, 5).cwiseAbs();
    X(3, 2) = 0;
    for (const bool fortran : {false, true}) {
        const std::string order = fortran ? "F" : "C";
        expect_blocks_match(write("f8" + order + ".npy", npy_bytes(X, "<f8", fortran)));
        expect_blocks_match(write("f4" + order + ".npy", npy_bytes(X, "<f4", fortran)));
        for (const char* descr : {"<i4", "<i8", "<u2", "|u1", "|b1"})
            expect_blocks_match(
                write(std::string(descr + 1) + order + ".npy", npy_bytes(M, descr, fortran)));
        expect_blocks_match(write("row" + order + ".npy", npy_bytes(X.row(0), "<f8", fortran)));
        expect_blocks_match(write("col" + order + ".npy", npy_bytes(X.col(0), "<f4", fortran)));
        expect_blocks_match(
            write("large" + order + ".npy",
                  npy_bytes(Eigen::MatrixXd::Random(90, 70).cwiseAbs(), "<f8", fortran)));
    }
}

TEST_F(MpiRead, ReadShape) {
    const auto c = read_shape(write("c.mtx",
                                    "%%MatrixMarket matrix coordinate pattern "
                                    "general\n% x\n4 3 1\n1 1\n"));
    EXPECT_EQ(c.m, 4);
    EXPECT_EQ(c.n, 3);
    EXPECT_TRUE(c.is_sparse);
    EXPECT_EQ(c.source_dtype, "pattern");
    const auto a = read_shape(write("a.mm", "%%MatrixMarket matrix array double general\n2 5\n"));
    EXPECT_EQ(a.m, 2);
    EXPECT_EQ(a.n, 5);
    EXPECT_FALSE(a.is_sparse);
    EXPECT_EQ(a.source_dtype, "real");
    const auto n = read_shape(write("n.npy", npy_bytes(Eigen::MatrixXd::Ones(3, 8), "<f4", true)));
    EXPECT_EQ(n.m, 3);
    EXPECT_EQ(n.n, 8);
    EXPECT_FALSE(n.is_sparse);
    EXPECT_EQ(n.source_dtype, "float32");
    const std::string bad =
        write("bad.mtx", "%%MatrixMarket matrix coordinate real symmetric\n2 3 0\n");
    EXPECT_THROW(read_shape(bad), nmfkit::InvalidInput);
    EXPECT_THROW(read_shape(path("missing.npy")), nmfkit::io::IoError);
}

// ---------------------------------------------------------------------------------------------
// Bytes read and sent.

TEST_F(MpiRead, EachRankReadsItsShare) {
    const std::string p = write("share.mtx", random_coordinate(400, 300, 20000, 3));
    const auto size = static_cast<double>(fs::file_size(p));
    const double header = 100, longest_line = 64;
    for (const auto& [pr, pc] : grids()) {
        SCOPED_TRACE("grid " + grid_name(pr, pc));
        const Grid grid(MPI_COMM_WORLD, pr, pc);
        const LocalBlock A = read_block(p, grid);
        // Each rank: the header, its 1/P of the data and the rest of its last line.
        EXPECT_LE(static_cast<double>(A.bytes_read), size / world_size() + header + longest_line);
        std::uint64_t total = 0, sent = 0;
        MPI_Allreduce(&A.bytes_read, &total, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
        MPI_Allreduce(&A.bytes_exchanged, &sent, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
        EXPECT_GE(static_cast<double>(total), size);
        EXPECT_LE(static_cast<double>(total), size + world_size() * (header + longest_line));
        // Entries of other blocks travel (16 bytes each): about (P - 1) / P of them.
        EXPECT_LE(sent, 20000u * 16u);
        EXPECT_TRUE(world_size() > 1 || sent == 0) << "one rank sends nothing";
        EXPECT_GE(A.seconds, 0.0);
    }
}

TEST_F(MpiRead, NpyRanksReadOnlyTheirBlocks) {
    const Eigen::MatrixXd X = Eigen::MatrixXd::Random(120, 90).cwiseAbs();
    for (const bool fortran : {false, true}) {
        const std::string p = write(fortran ? "f.npy" : "c.npy", npy_bytes(X, "<f8", fortran));
        const auto size = fs::file_size(p), header = size - 120 * 90 * 8;
        for (const auto& [pr, pc] : grids()) {
            const Grid grid(MPI_COMM_WORLD, pr, pc);
            const LocalBlock A = read_block(p, grid);
            EXPECT_EQ(A.bytes_read, header + static_cast<std::uint64_t>(A.dense.size()) * 8);
            EXPECT_EQ(A.bytes_exchanged, 0u);
            std::uint64_t total = 0;
            MPI_Allreduce(&A.bytes_read, &total, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
            EXPECT_EQ(total, size + (world_size() - 1) * header);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Errors: every rank throws the same CollectiveError.

TEST_F(MpiRead, MissingFileIsAnIoErrorOnEveryRank) {
    const std::string p = path("missing.mtx");
    EXPECT_EQ(serial_error(p), "cannot open \"" + p + "\": No such file or directory");
    expect_error(p, serial_error(p), 74);
}

// Only the last rank is given a file it cannot open (the others read a good one): every rank
// stops with that rank's message instead of waiting for it in the exchange.
TEST_F(MpiRead, OneRankWithoutItsFileStopsEveryRank) {
    const std::string good =
        write("good.mtx", numbered_coordinate(400, 400, [](int) { return std::string(); }));
    const std::string missing = path("missing-on-one-rank.mtx");
    const std::string mine = world_rank() == world_size() - 1 ? missing : good;
    for (const auto& [pr, pc] : grids()) {
        SCOPED_TRACE("grid " + grid_name(pr, pc));
        const auto e = block_error(mine, pr, pc);
        ASSERT_TRUE(e.has_value()) << "no error on rank " << world_rank();
        EXPECT_EQ(std::string(e->what()),
                  "cannot open \"" + missing + "\": No such file or directory");
        EXPECT_EQ(e->exit_status(), 74);
    }
}

TEST_F(MpiRead, BadLinesInTheMiddleGiveTheirRealLine) {
    // 400 entries on lines 3..402; the bad one at entry 250 (line 253), in rank > 0's range.
    auto bad_at = [](const std::string& text) {
        return [text](int e) { return e == 250 ? text : std::string(); };
    };
    expect_serial_error(write("value.mtx", numbered_coordinate(400, 400, bad_at("3 4 abc"))));
    expect_serial_error(write("float.mtx", numbered_coordinate(400, 400, bad_at("3 4 1.5"))));
    expect_serial_error(write("row.mtx", numbered_coordinate(400, 400, bad_at("51 4 1"))));
    expect_serial_error(write("col.mtx", numbered_coordinate(400, 400, bad_at("5 0 1"))));
    expect_serial_error(write("text.mtx", numbered_coordinate(400, 400, bad_at("x 4 1"))));
    expect_serial_error(write("short.mtx", numbered_coordinate(400, 400, bad_at("3 4"))));
    expect_serial_error(write("long.mtx", numbered_coordinate(400, 400, bad_at("3 4 1 1"))));
    EXPECT_EQ(serial_error(path("row.mtx")),
              path("row.mtx") + ":253: column 1: row index 51 is out of range 1..50");
}

TEST_F(MpiRead, EntryCountsAreCheckedOverTheWholeFile) {
    auto none = [](int) { return std::string(); };
    // More entries than declared: the first extra one (line 303), even when it is malformed.
    expect_serial_error(write("more.mtx", numbered_coordinate(400, 300, none)));
    expect_serial_error(write("more_bad.mtx", numbered_coordinate(400, 300, [](int e) {
                                  return e >= 300 ? std::string("bad line") : std::string();
                              })));
    EXPECT_EQ(serial_error(path("more.mtx")),
              path("more.mtx") + ":303: more entries than the 300 the size line (line 2) declares");
    // Fewer: named at the last line of the file.
    expect_serial_error(write("fewer.mtx", numbered_coordinate(400, 500, none)));
    expect_serial_error(
        write("array_more.mtx", "%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n5\n"));
    expect_serial_error(
        write("array_fewer.mtx", "%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n%\n"));
    expect_serial_error(write("array_bad.mtx",
                              "%%MatrixMarket matrix array real general\n3 3\n1\n2\n3\n4\n5 5\n"
                              "6\n7\n8\n9\n"));
}

TEST_F(MpiRead, HeaderErrorsAreTheSerialReaders) {
    expect_serial_error(write("banner.mtx", "%%MatrixMarket matrix coordinate real\n2 2 0\n"));
    expect_serial_error(write("skew.mtx",
                              "%%MatrixMarket matrix coordinate real skew-symmetric\n"
                              "2 2 0\n"));
    expect_serial_error(write("square.mtx",
                              "%%MatrixMarket matrix coordinate real symmetric\n"
                              "2 3 0\n"));
    expect_serial_error(
        write("size.mtx", "%%MatrixMarket matrix coordinate real general\n2 x 0\n"));
    expect_serial_error(write("nosize.mtx", "%%MatrixMarket matrix coordinate real general\n%\n"));
    expect_serial_error(write("empty.mtx", ""));
    Eigen::MatrixXd X = Eigen::MatrixXd::Ones(3, 4);
    std::string truncated = npy_bytes(X, "<f8", false);
    truncated.resize(truncated.size() - 8);
    expect_serial_error(write("truncated.npy", truncated));
    expect_serial_error(write("vector.npy", npy_bytes(X, "<f8", false).replace(60, 6, "(12,) ")));
    const std::string content = write("content.mtx", npy_bytes(X, "<f8", false));
    expect_error(content, content + ": the extension says Matrix Market, but the content is .npy",
                 65);
}

TEST_F(MpiRead, NegativeAndNonFiniteValuesAreRejectedWithTheirPosition) {
    const std::string p = write("negative.mtx", numbered_coordinate(400, 400, [](int e) {
                                    return e == 321 ? std::string("7 8 -3") : std::string();
                                }));
    expect_error(p, p + ":324: column 3: negative entry -3 (NMF needs finite, non-negative data)",
                 65);
    const std::string a = write("nan.mtx",
                                "%%MatrixMarket matrix array real general\n2 2\n"
                                "1\n2\n3\nnan\n");
    expect_error(a, a + ":6: column 1: NaN entry (NMF needs finite, non-negative data)", 65);
    const std::string s = write("inf.mtx",
                                "%%MatrixMarket matrix coordinate real symmetric\n"
                                "3 3 2\n1 1 1\n3 2 inf\n");
    expect_error(s, s + ":4: column 3: infinite entry inf (NMF needs finite, non-negative data)",
                 65);
    Eigen::MatrixXd X = Eigen::MatrixXd::Ones(6, 5);
    X(4, 3) = -2.5;
    for (const bool fortran : {false, true}) {
        const std::string bytes = npy_bytes(X, "<f8", fortran);
        const std::size_t header = bytes.size() - 30 * 8, k = fortran ? 4 + 3 * 6 : 4 * 5 + 3;
        const std::string n = write(fortran ? "f.npy" : "c.npy", bytes);
        expect_error(n,
                     n + ": byte " + std::to_string(header + 8 * k) +
                         ": row 5, column 4: negative entry -2.5 (NMF needs finite, "
                         "non-negative data)",
                     65);
    }
}

TEST_F(MpiRead, FormatsThatCannotBeSplitAreRefused) {
    const std::string tail =
        " cannot be read in parallel by nmfkit-mpi, which reads uncompressed Matrix Market (.mtx, "
        ".mm) and .npy files";
    const std::string csv = write("v.csv", "1,2\n3,4\n");
    expect_error(csv, csv + ": CSV" + tail + "; write it as one of those first", 65);
    const std::string npz = write("v.npz", std::string("PK\x03\x04", 4) + "rest");
    expect_error(npz, npz + ": .npz" + tail + "; write it as one of those first", 65);
    const std::string gz = write("v.mtx.gz", "\x1f\x8b\x08");
    expect_error(gz, gz + ": gzip-compressed files" + tail + "; decompress it first", 65);
    const std::string unknown = write("v.dat", "1 2\n");
    expect_error(unknown,
                 unknown +
                     ": cannot tell the format from the extension \".dat\" "
                     "(expected .mtx, .mm or .npy)",
                 65);
}

}  // namespace
