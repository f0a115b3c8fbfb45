// Block sources for online NMF (nmfkit/io/blocks.hpp): blocks of columns put together are the
// matrix read_matrix reads, in both orientations, for .npy (C and Fortran order) and Matrix
// Market (plain and gzip); a source streams (a defect late in the file is met only by the block
// that reaches it, after the earlier blocks were delivered); out-of-order and unsupported files
// are refused with their fix; the streamed .npy writer writes what it was given.

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <Eigen/SparseCore>

#include <nmfkit/errors.hpp>
#include <nmfkit/io/blocks.hpp>
#include <nmfkit/io/formats.hpp>

#include <gtest/gtest.h>
#include <zlib.h>

#include "io_fixtures.hpp"

namespace nmfkit::test {
namespace {

class Blocks : public TempDirTest {
protected:
    /// Every block of one pass, glued back into a dense matrix; checks the blocks' extents.
    static Eigen::MatrixXd assemble(io::BlockSource& src, std::int64_t batch,
                                    int* count = nullptr) {
        Eigen::MatrixXd V = Eigen::MatrixXd::Constant(src.rows(), src.cols(), -1);
        io::ColumnBlock blk;
        std::int64_t next = 0;
        int blocks = 0;
        src.rewind();
        while (src.next(batch, blk)) {
            EXPECT_EQ(blk.first, next);
            EXPECT_LE(blk.cols(), batch);
            EXPECT_EQ(blk.is_sparse, src.is_sparse());
            const Eigen::MatrixXd d = blk.is_sparse ? Eigen::MatrixXd(blk.sparse) : blk.dense;
            EXPECT_EQ(d.rows(), src.rows());
            V.middleCols(blk.first, d.cols()) = d;
            next += d.cols();
            ++blocks;
        }
        EXPECT_EQ(next, src.cols());
        if (count != nullptr) *count = blocks;
        return V;
    }

    static std::string mtx_text(const Eigen::MatrixXd& V, bool by_row) {
        std::string body;
        int entries = 0;
        auto add = [&](Eigen::Index i, Eigen::Index j) {
            if (V(i, j) == 0) return;
            body += std::to_string(i + 1) + " " + std::to_string(j + 1) + " " +
                    std::to_string(V(i, j)) + "\n";
            ++entries;
        };
        if (by_row)
            for (Eigen::Index i = 0; i < V.rows(); ++i)
                for (Eigen::Index j = 0; j < V.cols(); ++j) add(i, j);
        else  // by column, rows within a column in decreasing order (any order is allowed)
            for (Eigen::Index j = 0; j < V.cols(); ++j)
                for (Eigen::Index i = V.rows() - 1; i >= 0; --i) add(i, j);
        return "%%MatrixMarket matrix coordinate real general\n% a comment\n" +
               std::to_string(V.rows()) + " " + std::to_string(V.cols()) + " " +
               std::to_string(entries) + "\n" + body;
    }

    static Eigen::MatrixXd sparse_matrix(Eigen::Index m, Eigen::Index n) {
        Eigen::MatrixXd V = Eigen::MatrixXd::Zero(m, n);
        for (Eigen::Index j = 0; j < n; ++j)
            for (Eigen::Index i = 0; i < m; ++i)
                if ((3 * i + 7 * j) % 5 == 0) V(i, j) = 0.25 * static_cast<double>(1 + i + j);
        V.col(4).setZero();  // an empty column
        return V;
    }
};

TEST_F(Blocks, MatrixMarketBlocksMakeTheMatrixInBothOrientations) {
    const Eigen::MatrixXd V = sparse_matrix(7, 23);
    const std::string by_col = write_text("c.mtx", mtx_text(V, false));
    const std::string by_row = write_text("r.mtx", mtx_text(V, true));
    auto src = io::open_blocks(by_col, false);
    EXPECT_EQ(src->rows(), 7);
    EXPECT_EQ(src->cols(), 23);
    EXPECT_EQ(src->source_dtype(), "real");
    for (std::int64_t batch : {1, 5, 23, 100}) {
        int blocks = 0;
        EXPECT_EQ(assemble(*src, batch, &blocks), V) << batch;
        EXPECT_EQ(blocks, (23 + batch - 1) / batch);
    }
    EXPECT_EQ(assemble(*src, 5), V);         // a second pass after rewind
    auto t = io::open_blocks(by_row, true);  // samples are the file's rows: V is its transpose
    EXPECT_EQ(t->rows(), 23);
    EXPECT_EQ(assemble(*t, 3), Eigen::MatrixXd(V.transpose()));
}

TEST_F(Blocks, GzipMatrixMarketStreamsToo) {
    const Eigen::MatrixXd V = sparse_matrix(6, 11);
    const std::string text = mtx_text(V, false);
    const std::string p = path("v.mtx.gz");
    gzFile g = gzopen(p.c_str(), "wb");
    ASSERT_NE(g, nullptr);
    gzwrite(g, text.data(), static_cast<unsigned>(text.size()));
    gzclose(g);
    auto src = io::open_blocks(p, false);
    EXPECT_EQ(assemble(*src, 4), V);
    EXPECT_EQ(assemble(*src, 4), V);
}

TEST_F(Blocks, ASourceStreams) {
    // A bad entry in the last column: the blocks before it arrive; only the block that reaches
    // it fails, so the source did not read (or hold) the file ahead of the blocks it delivered.
    Eigen::MatrixXd V = sparse_matrix(5, 30);
    std::string text = mtx_text(V, false);  // the last lines are column 30's
    const std::string::size_type last = text.rfind(" 30 ");
    ASSERT_NE(last, std::string::npos);
    const std::string::size_type value = text.find(' ', last + 1) + 1;
    text.replace(value, text.find('\n', value) - value, "-2");
    auto src = io::open_blocks(write_text("bad.mtx", text), false);
    io::ColumnBlock blk;
    for (int b = 0; b < 5; ++b) ASSERT_TRUE(src->next(5, blk)) << b;  // columns 1-25
    try {
        src->next(5, blk);
        FAIL() << "no error";
    } catch (const InvalidInput& e) {
        EXPECT_NE(std::string(e.what()).find("negative entry -2"), std::string::npos) << e.what();
    }
    // .npy: the file cut short after the source was opened: the blocks before the cut arrive,
    // the one that reaches it fails.
    const Eigen::MatrixXd D = Eigen::MatrixXd::Random(4, 10).cwiseAbs();
    const std::string npy = path("d.npy");
    io::write_matrix(npy, D);  // Fortran order: column j at data + 32 j bytes
    auto dense = io::open_blocks(npy, false);
    std::filesystem::resize_file(npy, std::filesystem::file_size(npy) - 8 * 4 * 3);  // 7 columns
    for (int b = 0; b < 3; ++b) {
        ASSERT_TRUE(dense->next(2, blk)) << b;
        EXPECT_EQ(blk.dense, D.middleCols(2 * b, 2));
    }
    EXPECT_THROW(dense->next(2, blk), InvalidInput);  // columns 7-8
}

/// The process's peak resident memory so far (VmHWM), in bytes.
std::int64_t peak_rss() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
    return -1;
}

TEST_F(Blocks, OpeningAndReadingABlockTouchesOnlyThatBlock) {
    // A 256 MiB .npy file (a hole: no disk blocks): opening the source and reading one block
    // must not bring the file into the process (a mapping that is populated, or a read of the
    // whole file, would raise the peak resident memory by the file's size).
    const std::int64_t m = 4096, n = 8192;  // 8 bytes each: 256 MiB
    std::string dict = "{'descr': '<f8', 'fortran_order': True, 'shape': (" + std::to_string(m) +
                       ", " + std::to_string(n) + "), }";
    dict.append((10 + dict.size() + 1 + 63) / 64 * 64 - 10 - dict.size() - 1, ' ');
    dict += '\n';
    std::string header("\x93NUMPY\x01\x00", 8);
    header += static_cast<char>(dict.size());
    header += '\0';
    const std::string p = write_text("big.npy", header + dict);
    std::filesystem::resize_file(p, header.size() + dict.size() + 8ULL * m * n);
    const std::int64_t before = peak_rss();
    ASSERT_GT(before, 0);
    auto src = io::open_blocks(p, false);
    io::ColumnBlock blk;
    ASSERT_TRUE(src->next(16, blk));  // 4096 x 16: 512 KiB
    EXPECT_EQ(blk.dense.cols(), 16);
    EXPECT_LT(peak_rss() - before, std::int64_t{32} << 20);
}

TEST_F(Blocks, NpyBlocksInBothOrdersAndOrientations) {
    const Eigen::MatrixXd V = Eigen::MatrixXd::Random(6, 17).cwiseAbs();
    const std::string fortran = path("f.npy");
    io::write_matrix(fortran, V);  // float64, Fortran order
    auto f = io::open_blocks(fortran, false);
    EXPECT_FALSE(f->is_sparse());
    EXPECT_EQ(f->entries(), 6 * 17);
    EXPECT_EQ(assemble(*f, 4), V);
    auto ft = io::open_blocks(fortran, true);
    EXPECT_EQ(assemble(*ft, 4), Eigen::MatrixXd(V.transpose()));
    // C order (row-major float32, as NumPy writes by default), written by hand.
    std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (6, 17), }";
    dict.append((10 + dict.size() + 1 + 63) / 64 * 64 - 10 - dict.size() - 1, ' ');
    dict += '\n';
    std::string bytes("\x93NUMPY\x01\x00", 8);
    bytes += static_cast<char>(dict.size());
    bytes += '\0';
    bytes += dict;
    for (Eigen::Index i = 0; i < 6; ++i)
        for (Eigen::Index j = 0; j < 17; ++j) {
            const float x = static_cast<float>(V(i, j));
            bytes.append(reinterpret_cast<const char*>(&x), 4);
        }
    const std::string c = write_text("c.npy", bytes);
    auto cs = io::open_blocks(c, false);
    EXPECT_EQ(cs->source_dtype(), "float32");
    EXPECT_EQ(assemble(*cs, 5), V.cast<float>().cast<double>());
    auto ct = io::open_blocks(c, true);
    EXPECT_EQ(assemble(*ct, 5), Eigen::MatrixXd(V.cast<float>().cast<double>().transpose()));
}

TEST_F(Blocks, RefusesWhatItCannotStream) {
    const Eigen::MatrixXd V = sparse_matrix(5, 8);
    // Not grouped by column: the line and the fix are named.
    const std::string text =
        "%%MatrixMarket matrix coordinate real general\n5 8 3\n1 2 1.0\n1 3 1.0\n2 1 1.0\n";
    auto src = io::open_blocks(write_text("unsorted.mtx", text), false);
    io::ColumnBlock blk;
    std::string message;
    try {
        while (src->next(8, blk)) {
        }
    } catch (const InvalidInput& e) {
        message = e.what();
    }
    EXPECT_NE(message.find("unsorted.mtx:5: column 1 after column 3"), std::string::npos)
        << message;
    EXPECT_NE(message.find("sort -s -n -k2,2"), std::string::npos) << message;
    EXPECT_NE(message.find("--transpose"), std::string::npos) << message;
    auto expect_refused = [&](const std::string& name, const std::string& content,
                              const std::string& fragment) {
        const std::string p = write_text(name, content);
        try {
            io::open_blocks(p, false);
            ADD_FAILURE() << name << ": no error";
        } catch (const InvalidInput& e) {
            EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
        }
    };
    expect_refused("sym.mtx", "%%MatrixMarket matrix coordinate real symmetric\n3 3 1\n1 1 1\n",
                   "symmetric");
    expect_refused("arr.mtx", "%%MatrixMarket matrix array real general\n1 1\n1\n",
                   "convert it to .npy");
    expect_refused("v.csv", "1,2\n3,4\n", "--online streams .npy and Matrix Market");
    // A header that declares more entries than the file holds: found at the end of the pass.
    auto short_file = io::open_blocks(
        write_text("short.mtx", "%%MatrixMarket matrix coordinate real general\n2 2 3\n1 1 1\n"),
        false);
    EXPECT_THROW(
        {
            while (short_file->next(1, blk)) {
            }
        },
        InvalidInput);
}

TEST_F(Blocks, NpyColumnWriterWritesTheBlocks) {
    const Eigen::MatrixXd H = Eigen::MatrixXd::Random(3, 10);
    const std::string p = path("H.npy");
    {
        io::NpyColumnWriter w(p, 3, 10);
        w.append(H.leftCols(4));
        w.append(H.middleCols(4, 5));
        w.append(H.rightCols(1));
        EXPECT_FALSE(std::filesystem::exists(p));  // not before commit
        w.commit();
    }
    const io::LoadedMatrix back = io::read_matrix(p);
    EXPECT_EQ(back.dense, H);
    // Not all columns: refused, and nothing replaces the target.
    std::filesystem::remove(p);
    {
        io::NpyColumnWriter w(p, 3, 10);
        w.append(H.leftCols(4));
        EXPECT_THROW(w.commit(), std::logic_error);
    }
    EXPECT_FALSE(std::filesystem::exists(p));
}

}  // namespace
}  // namespace nmfkit::test
