// Tests of the HDF5 reader (nmfkit/io/hdf5.hpp): AnnData .h5ad files written by anndata (CSR,
// CSC, dense; gzip and uncompressed; layers) and 10x Genomics .h5 files agree with the same matrix
// as Matrix Market, labels come from obs/var and features/barcodes, blocks of rows or columns
// stack up to the whole matrix, and unsupported layouts fail with messages naming the dataset.
// As online (--online) block sources, the files give the same blocks, bit for bit, as the same
// matrix in .npy or Matrix Market, each block read on its own (bounded by the memory limit).
// The files are written at test time by tests/data/hdf5/make_hdf5.py (/usr/bin/python3 with h5py
// and anndata); without those modules, or in a build without HDF5, the tests are skipped and say
// why.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include <Eigen/Core>
#include <Eigen/SparseCore>

#include <nmfkit/io/blocks.hpp>
#include <nmfkit/io/formats.hpp>
#include <nmfkit/io/hdf5.hpp>

#include <gtest/gtest.h>

#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

namespace {

namespace fs = std::filesystem;
using nmfkit::InvalidInput;
using nmfkit::io::Hdf5Layout;
using nmfkit::io::Hdf5Matrix;
using nmfkit::io::LoadedMatrix;
using nmfkit::io::read_matrix;
using nmfkit::io::ReadOptions;

class Hdf5Test : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        skip_reason_.clear();
        if (!nmfkit::io::has_hdf5()) {
            skip_reason_ = "this build has no HDF5 support (NMFKIT_WITH_HDF5=OFF)";
            return;
        }
        dir_ = fs::temp_directory_path() / ("nmfkit_hdf5_" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        const std::string command = "/usr/bin/python3 " NMFKIT_TEST_DATA_DIR "/hdf5/make_hdf5.py " +
                                    dir_.string() + " > " + (dir_.string() + ".log") + " 2>&1";
        const int status = std::system(command.c_str());
        if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
            skip_reason_ =
                "make_hdf5.py cannot write the test files (no h5py or anndata for "
                "/usr/bin/python3)";
        } else if (status != 0) {
            FAIL() << "make_hdf5.py failed (status " << status << "); see " << dir_.string()
                   << ".log";
        }
    }
    static void TearDownTestSuite() {
        if (!dir_.empty()) {
            fs::remove_all(dir_);
            fs::remove(dir_.string() + ".log");
        }
    }
    void SetUp() override {
        if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    }

    static std::string file(const std::string& name) { return (dir_ / name).string(); }

    /// The message of the InvalidInput that reading @p name throws, without the directory.
    static std::string error(const std::string& name, const ReadOptions& opt = {}) {
        try {
            read_matrix(file(name), opt);
        } catch (const InvalidInput& e) {
            std::string m = e.what();
            const std::string prefix = dir_.string() + "/";
            if (m.rfind(prefix, 0) == 0) m.erase(0, prefix.size());
            return m;
        }
        return "no exception";
    }

    static inline fs::path dir_;
    static inline std::string skip_reason_;
};

Eigen::MatrixXd dense_of(const LoadedMatrix& M) {
    return M.is_sparse ? Eigen::MatrixXd(M.sparse) : M.dense;
}

/// Every column's rows strictly increase (sorted, no duplicates), as read_matrix promises.
bool canonical(const Eigen::SparseMatrix<double, Eigen::ColMajor, int>& S) {
    if (!S.isCompressed()) return false;
    for (Eigen::Index j = 0; j < S.outerSize(); ++j)
        for (int p = S.outerIndexPtr()[j] + 1; p < S.outerIndexPtr()[j + 1]; ++p)
            if (S.innerIndexPtr()[p] <= S.innerIndexPtr()[p - 1]) return false;
    return true;
}

std::vector<std::string> names(const char* stem, int n) {
    std::vector<std::string> out;
    for (int k = 0; k < n; ++k) out.push_back(stem + std::to_string(k));
    return out;
}

TEST_F(Hdf5Test, AnnDataCsrCscAndDenseAgreeWithMatrixMarket) {
    const LoadedMatrix ref = read_matrix(file("reference.mtx"));
    ASSERT_EQ(ref.rows(), 7);
    ASSERT_EQ(ref.cols(), 5);
    for (const char* name : {"csr.h5ad", "csr_gzip.h5ad", "csc.h5ad", "csc_gzip.h5ad", "dense.h5ad",
                             "dense_gzip.h5ad"}) {
        SCOPED_TRACE(name);
        const LoadedMatrix M = read_matrix(file(name));
        const bool dense = std::string(name).starts_with("dense");
        EXPECT_EQ(M.is_sparse, !dense);
        EXPECT_EQ(dense_of(M), dense_of(ref));
        if (!dense) {
            // Sparse stays sparse: the stored entries of the file, no more.
            EXPECT_EQ(M.sparse.nonZeros(), ref.sparse.nonZeros());
            EXPECT_TRUE(canonical(M.sparse));
        }
        EXPECT_EQ(M.row_labels, names("cell", 7));
        EXPECT_EQ(M.col_labels, names("gene", 5));
    }
    EXPECT_EQ(read_matrix(file("csr.h5ad")).source_dtype, "float32");
    // (anndata 0.8 stores X as float32 unless told otherwise; layers keep their dtype.)
    EXPECT_EQ(read_matrix(file("dense.h5ad")).source_dtype, "float32");
}

TEST_F(Hdf5Test, LayerSelectsAnotherMatrix) {
    ReadOptions opt;
    opt.layer = "counts";  // int64 CSR
    const LoadedMatrix counts = read_matrix(file("csr.h5ad"), opt);
    EXPECT_TRUE(counts.is_sparse);
    EXPECT_EQ(counts.source_dtype, "int64");
    EXPECT_EQ(dense_of(counts), dense_of(read_matrix(file("counts.mtx"))));
    EXPECT_EQ(counts.row_labels, names("cell", 7));
    opt.layer = "dense";  // a dense float64 layer, 2 A
    const LoadedMatrix twice = read_matrix(file("csr.h5ad"), opt);
    EXPECT_FALSE(twice.is_sparse);
    EXPECT_EQ(twice.dense, 2 * dense_of(read_matrix(file("reference.mtx"))));
    opt.layer = "missing";
    EXPECT_EQ(error("csr.h5ad", opt), "csr.h5ad: no layers/missing (its layers: counts, dense)");
    EXPECT_EQ(error("no_x.h5ad"),
              "no_x.h5ad: no X (an AnnData file without a data matrix; its layers: counts; name "
              "one with layer (--layer))");
    opt.layer = "counts";
    EXPECT_EQ(dense_of(read_matrix(file("no_x.h5ad"), opt)),
              dense_of(read_matrix(file("counts.mtx"))));
    EXPECT_EQ(error("tenx.h5", opt),
              "tenx.h5: layer \"counts\" asked for, but this is a 10x Genomics file (layers are "
              "AnnData's)");
}

TEST_F(Hdf5Test, TenxIsGenesByCells) {
    const Eigen::MatrixXd counts_t = dense_of(read_matrix(file("counts.mtx"))).transpose();
    for (const char* name : {"tenx.h5", "tenx_plain.h5", "tenx_v2.h5"}) {
        SCOPED_TRACE(name);
        const LoadedMatrix M = read_matrix(file(name));
        EXPECT_TRUE(M.is_sparse);
        EXPECT_EQ(dense_of(M), counts_t);
        EXPECT_TRUE(canonical(M.sparse));
        EXPECT_EQ(M.row_labels, names("gene", 5));  // features/name (v2: gene_names)
        EXPECT_EQ(M.col_labels, names("cell", 7));  // barcodes
    }
    EXPECT_EQ(read_matrix(file("tenx_plain.h5")).source_dtype, "uint16");
    const Hdf5Matrix X(file("tenx.h5"));
    EXPECT_EQ(X.layout(), Hdf5Layout::csc);
    EXPECT_EQ(X.matrix_name(), "matrix");
    EXPECT_EQ(Hdf5Matrix(file("tenx_v2.h5")).matrix_name(), "GRCh38");
}

TEST_F(Hdf5Test, UnsortedIndicesAreSortedAndDuplicatesSummed) {
    const LoadedMatrix M = read_matrix(file("unsorted_dup.h5ad"));  // int8 indices, uint8 indptr
    Eigen::MatrixXd expected = Eigen::MatrixXd::Zero(2, 5);
    expected(0, 1) = 1.5;
    expected(0, 3) = 2.5;
    expected(1, 0) = 3.25;
    EXPECT_EQ(dense_of(M), expected);
    EXPECT_EQ(M.sparse.nonZeros(), 3);
    EXPECT_TRUE(canonical(M.sparse));
}

TEST_F(Hdf5Test, BlocksStackUpToTheWholeMatrix) {
    // CSR in gzip chunks of 64 entries: blocks of 37 rows start and end inside chunks.
    const Eigen::MatrixXd whole = dense_of(read_matrix(file("chunked.mtx")));
    const Hdf5Matrix X(file("chunked.h5ad"));
    ASSERT_EQ(X.layout(), Hdf5Layout::csr);
    ASSERT_EQ(X.rows(), 300);
    ASSERT_EQ(X.cols(), 200);
    std::int64_t stored = 0;
    for (Eigen::Index r = 0; r < X.rows(); r += 37) {
        const Eigen::Index e = std::min<Eigen::Index>(X.rows(), r + 37);
        const LoadedMatrix B = X.read_rows(r, e);
        ASSERT_TRUE(B.is_sparse);
        EXPECT_TRUE(canonical(B.sparse));
        EXPECT_EQ(dense_of(B), whole.middleRows(r, e - r)) << "rows " << r << ".." << e;
        stored += B.sparse.nonZeros();
    }
    EXPECT_EQ(stored, X.stored());
    EXPECT_EQ(X.read_rows(5, 5).rows(), 0);
    EXPECT_THROW(X.read_columns(0, 1), InvalidInput);
    EXPECT_THROW(X.read_rows(10, 301), InvalidInput);

    // CSC (10x): blocks of columns; dense (AnnData): both.
    const Hdf5Matrix T(file("tenx.h5"));
    const Eigen::MatrixXd t = dense_of(T.read_all());
    for (Eigen::Index c = 0; c < T.cols(); c += 3) {
        const Eigen::Index e = std::min<Eigen::Index>(T.cols(), c + 3);
        EXPECT_EQ(dense_of(T.read_columns(c, e)), t.middleCols(c, e - c));
    }
    EXPECT_THROW(T.read_rows(0, 1), InvalidInput);
    const Hdf5Matrix D(file("dense_gzip.h5ad"));
    ASSERT_EQ(D.layout(), Hdf5Layout::dense);
    const Eigen::MatrixXd d = dense_of(read_matrix(file("reference.mtx")));
    EXPECT_EQ(D.read_rows(2, 6).dense, d.middleRows(2, 4));
    EXPECT_EQ(D.read_columns(1, 4).dense, d.middleCols(1, 3));
}

TEST_F(Hdf5Test, FormatComesFromTheContentToo) {
    fs::copy_file(file("csr.h5ad"), file("csr_copy.data"), fs::copy_options::overwrite_existing);
    EXPECT_EQ(read_matrix(file("csr_copy.data")).rows(), 7);
    fs::copy_file(file("csr.h5ad"), file("csr_copy.csv"), fs::copy_options::overwrite_existing);
    EXPECT_EQ(error("csr_copy.csv"),
              "csr_copy.csv: the extension says CSV, but the content is HDF5 (name the format "
              "with --format to read it anyway)");
    ReadOptions opt;
    opt.format = nmfkit::io::Format::hdf5;
    EXPECT_EQ(read_matrix(file("csr_copy.csv"), opt).rows(), 7);
    fs::copy_file(file("reference.mtx"), file("mtx.h5ad"), fs::copy_options::overwrite_existing);
    EXPECT_EQ(error("mtx.h5ad"),
              "mtx.h5ad: the extension says HDF5, but the content is Matrix Market (name the "
              "format with --format to read it anyway)");
}

TEST_F(Hdf5Test, UnsupportedFilterAndMemoryLimitAreNamed) {
    EXPECT_EQ(error("lzf.h5ad"),
              "lzf.h5ad: X/data: compressed with the HDF5 filter \"lzf\" (id 32000), which this "
              "HDF5 library does not have; rewrite the file with gzip compression (h5py: "
              "compression=\"gzip\") or none");
    ReadOptions opt;
    opt.max_memory = 1000;
    EXPECT_EQ(error("chunked.h5ad", opt).substr(0, 71),
              "chunked.h5ad: X: a 300 x 200 block with 3000 stored entries needs about");
}

/// The compressed arrays of @p S (outer offsets, inner indices, values as double).
template <class Scalar>
std::tuple<std::vector<int>, std::vector<int>, std::vector<double>> arrays_of(
    const Eigen::SparseMatrix<Scalar, Eigen::ColMajor, int>& S) {
    const auto nnz = static_cast<std::size_t>(S.nonZeros());
    return {std::vector<int>(S.outerIndexPtr(), S.outerIndexPtr() + S.outerSize() + 1),
            std::vector<int>(S.innerIndexPtr(), S.innerIndexPtr() + nnz),
            std::vector<double>(S.valuePtr(), S.valuePtr() + nnz)};
}

/// @p a and @p b hold the same matrix in the same form, bit for bit.
void expect_identical(const LoadedMatrix& a, const LoadedMatrix& b, const std::string& what) {
    ASSERT_TRUE(a.is_sparse && b.is_sparse) << what;
    EXPECT_EQ(a.transposed, b.transposed) << what;
    ASSERT_EQ(a.float32, b.float32) << what;
    EXPECT_EQ(a.rows(), b.rows()) << what;
    EXPECT_EQ(a.cols(), b.cols()) << what;
    if (a.float32) {
        EXPECT_EQ(a.sparse32.rows(), b.sparse32.rows()) << what;
        EXPECT_TRUE(arrays_of(a.sparse32) == arrays_of(b.sparse32)) << what;
    } else {
        EXPECT_EQ(a.sparse.rows(), b.sparse.rows()) << what;
        EXPECT_TRUE(arrays_of(a.sparse) == arrays_of(b.sparse)) << what;
    }
}

TEST_F(Hdf5Test, LargeArraysReadByTheReaderItselfEqualHdf5sRead) {
    // Little-endian arrays of 30000 entries are read without HDF5's read path (pread, zlib, on
    // all threads); the same arrays big-endian are read by HDF5. Whole matrices in each form the
    // options ask for, and blocks of rows that start and end inside chunks, come out the same.
    const Eigen::MatrixXd reference = dense_of(read_matrix(file("big.mtx")));
    for (const char* storage : {"contiguous", "chunks", "gzip", "gzip_i4"})
        for (const char* what : {"plain", "dup"}) {
            const std::string name = std::string("big_") + what + "_" + storage;
            for (int o = 0; o < 4; ++o) {
                ReadOptions opt;
                opt.csr_transposed = (o & 1) != 0;
                opt.float32_values = (o & 2) != 0;
                const std::string label = name + " options " + std::to_string(o);
                const LoadedMatrix le = read_matrix(file(name + "_le.h5ad"), opt);
                const LoadedMatrix be = read_matrix(file(name + "_be.h5ad"), opt);
                expect_identical(le, be, label);
                EXPECT_EQ(le.float32, opt.float32_values && le.source_dtype == "float32") << label;
                EXPECT_EQ(le.transposed, opt.csr_transposed) << label;
                Eigen::MatrixXd dense = le.float32 ? Eigen::MatrixXd(le.sparse32.cast<double>())
                                                   : Eigen::MatrixXd(le.sparse);
                if (le.transposed) dense.transposeInPlace();
                // gzip_i4 holds the values rounded up to integers.
                if (std::string(storage) != "gzip_i4") {
                    EXPECT_TRUE(dense == reference) << label;
                }
            }
            const Hdf5Matrix le(file(name + "_le.h5ad"));
            const Hdf5Matrix be(file(name + "_be.h5ad"));
            for (Eigen::Index r = 0; r < le.rows(); r += 537) {
                const Eigen::Index e = std::min<Eigen::Index>(le.rows(), r + 537);
                const std::string label = name + " rows " + std::to_string(r);
                expect_identical(le.read_rows(r, e), be.read_rows(r, e), label);
                expect_identical(le.read_rows_transposed(r, e), be.read_rows_transposed(r, e),
                                 label + " transposed");
            }
        }
}

TEST_F(Hdf5Test, ManyChunksOnMoreThreadsThanCoresEqualHdf5sRead) {
    // About 620 gzip chunks per array, indices and values read in one parallel region on 8
    // threads: a thread's chunks then come in no fixed order (LLVM's libomp steals them from
    // other threads), which the reader once assumed (a negative chunk number, found by the
    // sanitizer build). Whole matrices and blocks of rows starting inside chunks, as HDF5 reads
    // the same arrays big-endian, and summing the duplicates to the Matrix Market file's matrix.
#ifdef _OPENMP
    const int threads = omp_get_max_threads();
    omp_set_num_threads(8);
#endif
    const Eigen::MatrixXd reference = dense_of(read_matrix(file("big.mtx")));
    for (int o = 0; o < 2; ++o) {
        ReadOptions opt;
        opt.csr_transposed = o == 1;  // indices and values in one region; else one after the other
        const std::string label = "options " + std::to_string(o);
        const LoadedMatrix le = read_matrix(file("many_chunks_le.h5ad"), opt);
        expect_identical(le, read_matrix(file("many_chunks_be.h5ad"), opt), label);
        Eigen::MatrixXd dense(le.sparse);
        if (le.transposed) dense.transposeInPlace();
        EXPECT_TRUE(dense == reference) << label;
    }
    const Hdf5Matrix le(file("many_chunks_le.h5ad"));
    const Hdf5Matrix be(file("many_chunks_be.h5ad"));
    for (Eigen::Index r = 0; r < le.rows(); r += 701) {
        const Eigen::Index e = std::min<Eigen::Index>(le.rows(), r + 701);
        expect_identical(le.read_rows_transposed(r, e), be.read_rows_transposed(r, e),
                         "rows " + std::to_string(r));
    }
#ifdef _OPENMP
    omp_set_num_threads(threads);
#endif
}

TEST_F(Hdf5Test, LargeArraysGiveHdf5sMessages) {
    // An index out of range late in the array, and a corrupt gzip chunk: the same message
    // whether the reader read the range itself (little-endian) or HDF5 did (big-endian).
    auto same = [](std::string m) {
        for (std::size_t at; (at = m.find("_le.h5ad")) != std::string::npos;)
            m.replace(at, 8, "_be.h5ad");
        return m;
    };
    // The index out of range inside a row that then does not increase, and as the last (300) or
    // the first (-1) entry of a row that still does.
    for (const char* what : {"index", "index_last", "index_first"})
        for (const char* storage : {"contiguous", "chunks", "gzip", "gzip_i4"}) {
            const std::string name = std::string("big_") + what + "_" + storage;
            const std::string message = error(name + "_be.h5ad");
            EXPECT_NE(message.find("X/indices: entry "), std::string::npos) << message;
            EXPECT_NE(message.find(std::string(what) == "index_first" ? " is -1, out of range"
                                                                      : " is 300, out of range"),
                      std::string::npos)
                << message;
            EXPECT_EQ(same(error(name + "_le.h5ad")), message);
            ReadOptions opt;
            opt.csr_transposed = true;
            opt.float32_values = true;
            EXPECT_EQ(same(error(name + "_le.h5ad", opt)), message);
        }
    const std::string corrupt = error("big_corrupt_be.h5ad");
    EXPECT_NE(corrupt.find("X/indices: cannot read entries"), std::string::npos) << corrupt;
    EXPECT_EQ(same(error("big_corrupt_le.h5ad")), corrupt);
}

/// Every block of @p a equals @p b's bit for bit, blocks of @p batch columns, over two passes
/// (the second after rewind()); @return the blocks read per pass.
int expect_same_blocks(nmfkit::io::BlockSource& a, nmfkit::io::BlockSource& b, int batch) {
    EXPECT_EQ(a.rows(), b.rows());
    EXPECT_EQ(a.cols(), b.cols());
    EXPECT_EQ(a.is_sparse(), b.is_sparse());
    nmfkit::io::ColumnBlock x, y;
    int blocks = 0;
    for (int pass = 0; pass < 2; ++pass) {
        a.rewind();
        b.rewind();
        blocks = 0;
        for (;;) {
            const bool more = a.next(batch, x);
            EXPECT_EQ(more, b.next(batch, y)) << "block " << blocks;
            if (!more) break;
            ++blocks;
            EXPECT_EQ(x.first, y.first);
            EXPECT_EQ(x.cols(), y.cols());
            if (x.cols() != y.cols() || x.is_sparse != y.is_sparse) {
                ADD_FAILURE() << "block " << blocks << " differs in shape or storage";
                break;
            }
            if (x.is_sparse) {
                // The CSC arrays themselves: same structure, same value bits.
                EXPECT_TRUE(x.sparse.isCompressed());
                if (x.sparse.nonZeros() != y.sparse.nonZeros()) {
                    ADD_FAILURE() << "block " << blocks << ": " << x.sparse.nonZeros() << " and "
                                  << y.sparse.nonZeros() << " entries";
                    break;
                }
                const auto nnz = static_cast<std::size_t>(x.sparse.nonZeros());
                const auto outer = static_cast<std::size_t>(x.sparse.outerSize()) + 1;
                EXPECT_TRUE(std::equal(x.sparse.outerIndexPtr(), x.sparse.outerIndexPtr() + outer,
                                       y.sparse.outerIndexPtr()));
                EXPECT_TRUE(std::equal(x.sparse.innerIndexPtr(), x.sparse.innerIndexPtr() + nnz,
                                       y.sparse.innerIndexPtr()));
                // An empty block has no value array (null): memcmp may not be given one.
                if (nnz > 0) {
                    EXPECT_EQ(std::memcmp(x.sparse.valuePtr(), y.sparse.valuePtr(), nnz * 8), 0);
                }
                EXPECT_TRUE(canonical(x.sparse));
            } else {
                if (x.dense.rows() != y.dense.rows()) {
                    ADD_FAILURE() << "block " << blocks << ": rows differ";
                    break;
                }
                if (x.dense.size() > 0) {
                    EXPECT_EQ(std::memcmp(x.dense.data(), y.dense.data(),
                                          static_cast<std::size_t>(x.dense.size()) * 8),
                              0)
                        << "block " << blocks;
                }
            }
        }
    }
    return blocks;
}

TEST_F(Hdf5Test, OnlineBlocksEqualThoseOfNpyAndMatrixMarket) {
    using nmfkit::io::open_blocks;
    struct Case {
        const char* h5;
        const char* layer;
        const char* reference;
        bool transpose;
    };
    // V = the file's matrix as stored (AnnData cells x genes, 10x genes x cells), or its
    // transpose: CSR rows and CSC/dense columns as the samples. The references hold the same
    // values (A exact in float32; counts integers).
    const Case cases[] = {
        {"csr.h5ad", "", "reference.mtx", true},            // float32 CSR, by rows
        {"csr_gzip.h5ad", "", "reference.mtx", true},       // the same, gzip
        {"csc.h5ad", "", "reference_csc.mtx", false},       // float64 CSC, by columns
        {"csc_gzip.h5ad", "", "reference_csc.mtx", false},  // the same, gzip
        {"dense.h5ad", "", "reference32.npy", false},       // float32 dense, both ways
        {"dense.h5ad", "", "reference32.npy", true},
        {"dense_gzip.h5ad", "", "reference.npy", false},  // float64 dense, gzip
        {"dense_gzip.h5ad", "", "reference.npy", true},
        {"tenx.h5", "", "counts.mtx", false},        // int32 CSC genes x cells; V = countsᵀ
        {"tenx_plain.h5", "", "counts.mtx", false},  // uint16
        {"csr.h5ad", "counts", "counts.mtx", true},  // layers/counts: int64 CSR
        {"chunked.h5ad", "", "chunked.mtx", true},   // gzip chunks of 64 entries
    };
    for (const Case& c : cases) {
        for (const int batch : {1, 2, 3, 37}) {
            SCOPED_TRACE(std::string(c.h5) + " " + c.layer + (c.transpose ? " transposed" : "") +
                         ", batch " + std::to_string(batch));
            ReadOptions opt;
            opt.layer = c.layer;
            auto h5 = open_blocks(file(c.h5), c.transpose, opt);
            // The reference file as V: counts.mtx holds the transpose of the 10x matrix.
            const bool ref_t = std::string(c.h5).starts_with("tenx") ? !c.transpose : c.transpose;
            auto ref = open_blocks(file(c.reference), ref_t);
            const int blocks = expect_same_blocks(*h5, *ref, batch);
            EXPECT_EQ(blocks, (h5->cols() + batch - 1) / batch);
        }
    }
    // dtype and entries as the full-batch reader reports them.
    auto csr = open_blocks(file("csr.h5ad"), true);
    EXPECT_EQ(csr->source_dtype(), "float32");
    EXPECT_EQ(csr->entries(), read_matrix(file("csr.h5ad")).sparse.nonZeros());
    EXPECT_EQ(csr->rows(), 5);  // genes
    EXPECT_EQ(csr->cols(), 7);  // cells: the samples
    EXPECT_EQ(open_blocks(file("tenx_plain.h5"), false)->source_dtype(), "uint16");
    // The stream reads no labels (ReadOptions::labels = false, as open_blocks sets it).
    ReadOptions no_labels;
    no_labels.labels = false;
    EXPECT_TRUE(Hdf5Matrix(file("csr.h5ad"), no_labels).row_labels().empty());
    EXPECT_TRUE(Hdf5Matrix(file("tenx.h5"), no_labels).col_labels().empty());
    EXPECT_EQ(Hdf5Matrix(file("tenx.h5")).col_labels().size(), 7U);
    // By content too, as read_matrix: --format hdf5 on another extension.
    fs::copy_file(file("csr.h5ad"), file("csr_online.data"), fs::copy_options::overwrite_existing);
    ReadOptions as_hdf5;
    as_hdf5.format = nmfkit::io::Format::hdf5;
    EXPECT_EQ(open_blocks(file("csr_online.data"), true, as_hdf5)->cols(), 7);
}

TEST_F(Hdf5Test, OnlineReadsOneBlockAtATime) {
    // chunked.h5ad: 300 x 200 CSR, 3000 entries; the whole matrix needs about 76 kB as read
    // (over the limit: read_matrix refuses it), a block of 10 rows a few kB (under it).
    ReadOptions opt;
    opt.max_memory = 8000;
    EXPECT_NE(error("chunked.h5ad", opt).find("more than the memory limit of 8000 bytes"),
              std::string::npos);
    auto src = nmfkit::io::open_blocks(file("chunked.h5ad"), true, opt);
    const Eigen::MatrixXd whole = dense_of(read_matrix(file("chunked.mtx"))).transpose();
    nmfkit::io::ColumnBlock b;
    std::int64_t stored = 0, blocks = 0;
    while (src->next(10, b)) {
        ASSERT_TRUE(b.is_sparse);
        EXPECT_EQ(b.sparse.rows(), 200);
        EXPECT_EQ(b.cols(), 10);
        EXPECT_EQ(Eigen::MatrixXd(b.sparse), whole.middleCols(b.first, 10));
        stored += b.sparse.nonZeros();
        ++blocks;
    }
    EXPECT_EQ(blocks, 30);
    EXPECT_EQ(stored, 3000);
    // A block over the limit is refused as read, naming the group.
    src->rewind();
    try {
        src->next(300, b);
        ADD_FAILURE() << "a 300-row block read under an 8000-byte limit";
    } catch (const InvalidInput& e) {
        EXPECT_NE(std::string(e.what()).find("chunked.h5ad: X: a 300 x 200 block"),
                  std::string::npos)
            << e.what();
    }
}

TEST_F(Hdf5Test, OnlineRefusesSamplesThatAreNotStoredTogether) {
    auto message = [&](const std::string& name, bool transpose) {
        try {
            nmfkit::io::open_blocks(file(name), transpose);
        } catch (const InvalidInput& e) {
            std::string m = e.what();
            return m.substr(m.rfind('/') + 1);
        }
        return std::string("no exception");
    };
    EXPECT_EQ(message("csr.h5ad", false).substr(0, 75),
              "csr.h5ad: X: a csr matrix is stored by rows, and --online reads V's columns");
    EXPECT_EQ(message("csc.h5ad", true).substr(0, 54),
              "csc.h5ad: X: a csc matrix is stored by columns, and --");
    EXPECT_EQ(message("tenx.h5", true).substr(0, 56),
              "tenx.h5: matrix: a csc matrix is stored by columns, and ");
    // A negative entry is found as its block is read, at V's (1-based) position.
    auto neg = nmfkit::io::open_blocks(NMFKIT_TEST_DATA_DIR "/bad/h5_negative.h5ad", true);
    nmfkit::io::ColumnBlock b;
    try {
        while (neg->next(1, b)) {
        }
        ADD_FAILURE() << "no exception";
    } catch (const InvalidInput& e) {
        const std::string m = e.what();
        EXPECT_EQ(m.substr(m.rfind('/') + 1),
                  "h5_negative.h5ad: X: row 4, column 1: negative entry -3 (NMF needs finite, "
                  "non-negative data)");
    }
}

}  // namespace
