#!/usr/bin/python3
"""Writes the HDF5 part of the bad-input corpus (h5_*.h5ad, h5_*.h5) and its table
expected_hdf5.tsv (FILE, exit code, exact message[, memory limit]; see tests/io_corpus.cpp),
checked by the ctest test io.bad_input_corpus_hdf5 in builds with HDF5. Run by hand
(/usr/bin/python3 tests/data/bad/make_corpus_hdf5.py; needs h5py) when adding a case; the files
are committed. h5py writes no time stamps by default, so each run writes the same bytes."""
import io, os
import h5py
import numpy as np

os.chdir(os.path.dirname(os.path.abspath(__file__)))
rows = []


def put(name, code, message, limit=None):
    rows.append((name, code, message, limit))


def csr(name, data=(1.0, 2.0, 3.0), indices=(0, 3, 1), indptr=(0, 2, 2, 3), shape=(3, 4),
        encoding="csr_matrix", attrs=None, skip=(), dtypes=None, extra=None):
    """X as anndata writes a csr_matrix (3 x 4, 3 entries), with the changes asked for."""
    dtypes = dtypes or {}
    with h5py.File(name, "w") as f:
        g = f.create_group("X")
        if encoding is not None:
            g.attrs["encoding-type"] = encoding
            g.attrs["encoding-version"] = "0.1.0"
        if shape is not None:
            g.attrs["shape"] = np.array(shape)
        for k, v in (attrs or {}).items():
            g.attrs[k] = v
        arrays = {"data": np.asarray(data, dtypes.get("data", np.float64)),
                  "indices": np.asarray(indices, dtypes.get("indices", np.int32)),
                  "indptr": np.asarray(indptr, dtypes.get("indptr", np.int32))}
        for k, v in arrays.items():
            if k not in skip:
                g.create_dataset(k, data=v)
        if extra:
            extra(f)


P = "65"
# --- files that are not HDF5, or not AnnData / 10x ---
open("h5_text.h5ad", "w").write("cell,gene\n1,2\n")
put("h5_text.h5ad", 65, "h5_text.h5ad: not an HDF5 file (no HDF5 signature \\x89HDF\\r\\n\\x1a\\n at byte 0): truncated or not HDF5")
open("h5_empty.h5ad", "w").close()
put("h5_empty.h5ad", 65, "h5_empty.h5ad: not an HDF5 file (no HDF5 signature \\x89HDF\\r\\n\\x1a\\n at byte 0): the file is empty")
b = io.BytesIO()
np.save(b, np.ones((2, 2)))
open("h5_npy.h5", "wb").write(b.getvalue())
put("h5_npy.h5", 65, "h5_npy.h5: the extension says HDF5, but the content is .npy (name the format with --format to read it anyway)")
csr("h5_ok.h5ad")
good = open("h5_ok.h5ad", "rb").read()
put("h5_ok.h5ad", 0, "read a 3 x 4 matrix")
open("h5_truncated.h5ad", "wb").write(good[:1200])
put("h5_truncated.h5ad", 65, "h5_truncated.h5ad: cannot be opened as HDF5 (HDF5: truncated file: eof = 1200, sblock->base_addr = 0, stored_eof = %d): truncated or corrupt file?" % len(good))
with h5py.File("h5_other.h5", "w") as f:
    f.create_dataset("images", data=np.zeros((2, 2)))
    f.create_group("meta")
put("h5_other.h5", 65, "h5_other.h5: neither an AnnData file (no X, layers or obs) nor a 10x Genomics matrix (no matrix group); the file holds: images, meta")

# --- AnnData X ---
csr("h5_no_encoding.h5ad", encoding=None)
put("h5_no_encoding.h5ad", 65, "h5_no_encoding.h5ad: X: a group without an encoding-type attribute (expected csr_matrix or csc_matrix, as anndata writes)")
csr("h5_coo.h5ad", encoding="coo_matrix")
put("h5_coo.h5ad", 65, "h5_coo.h5ad: X: encoding-type \"coo_matrix\" is not supported (csr_matrix, csc_matrix and dense arrays are)")
csr("h5_no_shape.h5ad", shape=None)
put("h5_no_shape.h5ad", 65, "h5_no_shape.h5ad: X: no shape attribute (expected [rows, columns])")
csr("h5_shape_3.h5ad", shape=(3, 4, 1))
put("h5_shape_3.h5ad", 65, "h5_shape_3.h5ad: X: the shape attribute holds 3 values, expected 2")
csr("h5_shape_negative.h5ad", shape=(-3, 4))
put("h5_shape_negative.h5ad", 65, "h5_shape_negative.h5ad: X: shape (-3, 4) is not supported (dimensions from 0 to 2147483647)")
csr("h5_shape_string.h5ad", shape=None, attrs={"shape": "3x4"})
put("h5_shape_string.h5ad", 65, "h5_shape_string.h5ad: X: attribute shape has type string, expected integers")
csr("h5_no_indptr.h5ad", skip=("indptr",))
put("h5_no_indptr.h5ad", 65, "h5_no_indptr.h5ad: X/indptr: missing")
csr("h5_no_data.h5ad", skip=("data",))
put("h5_no_data.h5ad", 65, "h5_no_data.h5ad: X/data: missing")
csr("h5_indptr_length.h5ad", indptr=(0, 2, 3))
put("h5_indptr_length.h5ad", 65, "h5_indptr_length.h5ad: X/indptr: holds 3 values, expected 4 (rows + 1 for shape (3, 4))")
csr("h5_indptr_start.h5ad", indptr=(1, 2, 2, 3))
put("h5_indptr_start.h5ad", 65, "h5_indptr_start.h5ad: X/indptr: entry 0 is 1, expected 0")
csr("h5_indptr_end.h5ad", indptr=(0, 2, 2, 2))
put("h5_indptr_end.h5ad", 65, "h5_indptr_end.h5ad: X/indptr: the last entry is 2, expected 3 (the number of values in X/data)")
csr("h5_indptr_decreasing.h5ad", indptr=(0, 2, 1, 3))
put("h5_indptr_decreasing.h5ad", 65, "h5_indptr_decreasing.h5ad: X/indptr: entry 2 is 1, less than entry 1 (2): indptr must not decrease")
csr("h5_indptr_past_end.h5ad", indptr=(0, 5, 2, 3))
put("h5_indptr_past_end.h5ad", 65, "h5_indptr_past_end.h5ad: X/indptr: entry 1 is 5, more than the 3 values of X/data")
csr("h5_index_range.h5ad", indices=(0, 9, 1))
put("h5_index_range.h5ad", 65, "h5_index_range.h5ad: X/indices: entry 1 is 9, out of range 0..3 (the matrix has 4 columns)")
csr("h5_index_negative.h5ad", indices=(0, -1, 1))
put("h5_index_negative.h5ad", 65, "h5_index_negative.h5ad: X/indices: entry 1 is -1, out of range 0..3 (the matrix has 4 columns)")
csr("h5_index_huge.h5ad", indices=(0, 2**40, 1), dtypes={"indices": np.int64})
put("h5_index_huge.h5ad", 65, "h5_index_huge.h5ad: X/indices: entry 1 is 1099511627776, out of range 0..3 (the matrix has 4 columns)")
csr("h5_index_u64.h5ad", indices=(0, 2**64 - 1, 1), dtypes={"indices": np.uint64})
put("h5_index_u64.h5ad", 65, "h5_index_u64.h5ad: X/indices: entry 1 is 18446744073709551615, out of range 0..3 (the matrix has 4 columns)")
csr("h5_csc_index_range.h5ad", encoding="csc_matrix", shape=(4, 3), indices=(0, 3, 4))
put("h5_csc_index_range.h5ad", 65, "h5_csc_index_range.h5ad: X/indices: entry 2 is 4, out of range 0..3 (the matrix has 4 rows)")
csr("h5_lengths.h5ad", data=(1.0, 2.0))
put("h5_lengths.h5ad", 65, "h5_lengths.h5ad: X: indices and data hold 3 and 2 values, expected the same count")
csr("h5_indices_float.h5ad", dtypes={"indices": np.float64})
put("h5_indices_float.h5ad", 65, "h5_indices_float.h5ad: X/indices: dtype float64, expected an integer dtype")
csr("h5_data_f16.h5ad", dtypes={"data": np.float16})
put("h5_data_f16.h5ad", 65, "h5_data_f16.h5ad: X/data: dtype float16 is not supported (integers of 8 to 64 bits, float32 and float64 are)")
csr("h5_data_complex.h5ad", dtypes={"data": np.complex128})
put("h5_data_complex.h5ad", 65, "h5_data_complex.h5ad: X/data: dtype compound is not supported (integers of 8 to 64 bits, float32 and float64 are)")
csr("h5_data_string.h5ad", data=(b"a", b"b", b"c"), dtypes={"data": "S1"})
put("h5_data_string.h5ad", 65, "h5_data_string.h5ad: X/data: dtype string is not supported (integers of 8 to 64 bits, float32 and float64 are)")
csr("h5_data_bool.h5ad", data=(True, True, False), dtypes={"data": np.bool_})
put("h5_data_bool.h5ad", 65, "h5_data_bool.h5ad: X/data: dtype enum (bool?) is not supported (integers of 8 to 64 bits, float32 and float64 are)")
csr("h5_data_2d.h5ad", data=((1.0, 2.0, 3.0),))
put("h5_data_2d.h5ad", 65, "h5_data_2d.h5ad: X/data: has 2 dimensions, expected a 1-D array")
with h5py.File("h5_lzf.h5ad", "w") as f:
    g = f.create_group("X")
    g.attrs["encoding-type"] = "csr_matrix"
    g.attrs["shape"] = np.array([3, 4])
    g.create_dataset("data", data=np.array([1.0, 2.0, 3.0]), compression="lzf")
    g.create_dataset("indices", data=np.array([0, 3, 1], np.int32))
    g.create_dataset("indptr", data=np.array([0, 2, 2, 3], np.int32))
put("h5_lzf.h5ad", 65, "h5_lzf.h5ad: X/data: compressed with the HDF5 filter \"lzf\" (id 32000), which this HDF5 library does not have; rewrite the file with gzip compression (h5py: compression=\"gzip\") or none")
with h5py.File("h5_dense_3d.h5ad", "w") as f:
    f.create_dataset("X", data=np.zeros((2, 2, 2)))
put("h5_dense_3d.h5ad", 65, "h5_dense_3d.h5ad: X: a dense matrix must have 2 dimensions, this one has 3")
with h5py.File("h5_dense_ok.h5ad", "w") as f:
    f.create_dataset("X", data=np.arange(6, dtype=np.int16).reshape(2, 3), compression="gzip")
put("h5_dense_ok.h5ad", 0, "read a 2 x 3 matrix")
csr("h5_negative.h5ad", data=(1.0, -3.0, 2.0))
put("h5_negative.h5ad", 65, "library would reject: negative entry -3 at row 0, column 3")
csr("h5_nan.h5ad", data=(1.0, 2.0, float("nan")))
put("h5_nan.h5ad", 65, "library would reject: NaN entry at row 2, column 1")
csr("h5_over_memory.h5ad")
put("h5_over_memory.h5ad", 65, "h5_over_memory.h5ad: X: a 3 x 4 block with 3 stored entries needs about 144 bytes (144 bytes), more than the memory limit of 100 bytes (100 bytes); raise max_memory (--max-memory) to allow it", 100)
with h5py.File("h5_no_x.h5ad", "w") as f:
    f.create_group("obs")
put("h5_no_x.h5ad", 65, "h5_no_x.h5ad: no X (an AnnData file without a data matrix; the file has no layers)")


def obs(index):
    def write(f):
        g = f.create_group("obs")
        g.attrs["_index"] = "_index"
        g.create_dataset("_index", data=index)
    return write


csr("h5_obs_count.h5ad", extra=obs(np.array([b"a", b"b"])))
put("h5_obs_count.h5ad", 65, "h5_obs_count.h5ad: obs/_index: holds 2 obs names (rows), expected 3")
csr("h5_obs_numbers.h5ad", extra=obs(np.array([1, 2, 3])))
put("h5_obs_numbers.h5ad", 65, "h5_obs_numbers.h5ad: obs/_index: dtype int64, expected strings (obs names (rows))")

# --- 10x Genomics ---
def tenx(name, skip=(), shape=(4, 3)):
    with h5py.File(name, "w") as f:
        g = f.create_group("matrix")
        arrays = {"data": np.array([1, 2, 3], np.int32), "indices": np.array([0, 3, 1], np.int64),
                  "indptr": np.array([0, 2, 2, 3], np.int64), "shape": np.array(shape, np.int32),
                  "barcodes": np.array([b"AAAC-1", b"AAAG-1", b"AAAT-1"])}
        for k, v in arrays.items():
            if k not in skip:
                g.create_dataset(k, data=v, compression="gzip")


tenx("h5_10x_ok.h5")
put("h5_10x_ok.h5", 0, "read a 4 x 3 matrix")
tenx("h5_10x_no_shape.h5", skip=("shape",))
put("h5_10x_no_shape.h5", 65, "h5_10x_no_shape.h5: matrix/shape: missing")
tenx("h5_10x_shape_1.h5", shape=(4,))
put("h5_10x_shape_1.h5", 65, "h5_10x_shape_1.h5: matrix/shape: expected 2 integers (genes, barcodes)")
tenx("h5_10x_wrong_shape.h5", shape=(4, 5))
put("h5_10x_wrong_shape.h5", 65, "h5_10x_wrong_shape.h5: matrix/indptr: holds 4 values, expected 6 (columns + 1 for shape (4, 5))")
tenx("h5_10x_rows.h5", shape=(2, 3))
put("h5_10x_rows.h5", 65, "h5_10x_rows.h5: matrix/indices: entry 1 is 3, out of range 0..1 (the matrix has 2 rows)")

# --- streamed (nmfkit fit --online): "online:FILE" reads FILE block by block as V, "online-t:FILE"
# as V = its transpose (--transpose); the samples must be stored together ---
put("online:h5_ok.h5ad", 65, "h5_ok.h5ad: X: a csr matrix is stored by rows, and --online reads V's columns (the samples) as stored: add --transpose to take the rows (AnnData's cells) as the samples, or store it as csc_matrix")
put("online-t:h5_ok.h5ad", 0, "read a 4 x 3 matrix")
put("online:h5_10x_ok.h5", 0, "read a 4 x 3 matrix")
put("online-t:h5_10x_ok.h5", 65, "h5_10x_ok.h5: matrix: a csc matrix is stored by columns, and --online with --transpose reads the file's rows as the samples: drop --transpose to take the columns (10x's barcodes) as the samples, or store it as csr_matrix")
put("online:h5_dense_ok.h5ad", 0, "read a 2 x 3 matrix")
put("online-t:h5_dense_ok.h5ad", 0, "read a 3 x 2 matrix")
put("online-t:h5_coo.h5ad", 65, "h5_coo.h5ad: X: encoding-type \"coo_matrix\" is not supported (csr_matrix, csc_matrix and dense arrays are)")
put("online-t:h5_index_range.h5ad", 65, "h5_index_range.h5ad: X/indices: entry 1 is 9, out of range 0..3 (the matrix has 4 columns)")
put("online-t:h5_indptr_decreasing.h5ad", 65, "h5_indptr_decreasing.h5ad: X/indptr: entry 2 is 1, less than entry 1 (2): indptr must not decrease")
put("online:h5_csc_index_range.h5ad", 65, "h5_csc_index_range.h5ad: X/indices: entry 2 is 4, out of range 0..3 (the matrix has 4 rows)")
put("online-t:h5_negative.h5ad", 65, "h5_negative.h5ad: X: row 4, column 1: negative entry -3 (NMF needs finite, non-negative data)")
put("online-t:h5_nan.h5ad", 65, "h5_nan.h5ad: X: row 2, column 3: NaN entry (NMF needs finite, non-negative data)")
put("online-t:h5_lzf.h5ad", 65, "h5_lzf.h5ad: X/data: compressed with the HDF5 filter \"lzf\" (id 32000), which this HDF5 library does not have; rewrite the file with gzip compression (h5py: compression=\"gzip\") or none")
# A bad index in the second block of 2 rows (row 2): found when that block is read.
csr("h5_index_late.h5ad", indices=(0, 3, 7))
put("h5_index_late.h5ad", 65, "h5_index_late.h5ad: X/indices: entry 2 is 7, out of range 0..3 (the matrix has 4 columns)")
put("online-t:h5_index_late.h5ad", 65, "h5_index_late.h5ad: X/indices: entry 2 is 7, out of range 0..3 (the matrix has 4 columns)")
# A dense X with an infinite entry in its last column: --online finds it in the last block.
with h5py.File("h5_dense_inf.h5ad", "w") as f:
    f.create_dataset("X", data=np.array([[1.0, 2.0, 3.0], [4.0, 5.0, np.inf]]))
put("h5_dense_inf.h5ad", 65, "library would reject: infinite entry at row 1, column 2")
put("online:h5_dense_inf.h5ad", 65, "h5_dense_inf.h5ad: X: row 2, column 3: infinite entry inf (NMF needs finite, non-negative data)")
# The stream reads no labels (n of them would grow with n): a bad obs index does not matter.
put("online-t:h5_obs_count.h5ad", 0, "read a 4 x 3 matrix")
# Under the 100-byte limit that refuses the whole matrix (h5_over_memory.h5ad above), each block
# of 2 rows fits: the stream never holds the whole matrix.
put("online-t:h5_over_memory.h5ad", 0, "read a 4 x 3 matrix", 100)
# A corrupt chunk index: the stored size of the second gzip chunk of X/indices (20000 entries,
# enough for the reader to read them itself) set to 2^31 - 16 bytes, more than the file holds.
# The reader leaves such a chunk to HDF5 (no buffer sized from it), whose read fails.
n = 20000
csr("h5_chunk_size_huge.h5ad", data=np.ones(n), indices=np.zeros(n), indptr=np.arange(n + 1),
    shape=(n, 3), skip=("data", "indices"),
    extra=lambda f: [f["X"].create_dataset(k, data=v, chunks=(4096,), compression="gzip")
                     for k, v in (("data", np.ones(n, np.float32)),
                                  ("indices", np.zeros(n, np.int32)))])
with h5py.File("h5_chunk_size_huge.h5ad", "r") as f:
    chunk = f["X/indices"].id.get_chunk_info(1)
b = bytearray(open("h5_chunk_size_huge.h5ad", "rb").read())
# In the v1 B-tree node the chunk's key (size, filter mask, 2 offsets: 24 bytes) precedes its
# address; the first occurrence of the address is that node's.
at = b.index(chunk.byte_offset.to_bytes(8, "little")) - 24
assert int.from_bytes(b[at:at + 4], "little") == chunk.size
b[at:at + 4] = (2**31 - 16).to_bytes(4, "little")
open("h5_chunk_size_huge.h5ad", "wb").write(bytes(b))
put("h5_chunk_size_huge.h5ad", 65, "h5_chunk_size_huge.h5ad: X/indices: cannot read entries 0..19999 (HDF5: addr overflow, addr = 92427, size = 2147483632, eoa = 92800): corrupt or truncated file?")

with open("expected_hdf5.tsv", "w") as f:
    f.write("# Bad-input corpus, HDF5 files: FILE\tEXIT CODE\tEXACT MESSAGE[\tMAX_MEMORY] (written\n"
            "# by make_corpus_hdf5.py; 65 bad data, 0 read; \"library would reject\" = read\n"
            "# unchanged, rejected by the library's check). Checked by the ctest test\n"
            "# io.bad_input_corpus_hdf5 (builds with HDF5).\n")
    for name, code, message, limit in rows:
        assert "\t" not in message and "\n" not in message, name
        f.write("%s\t%d\t%s%s\n" % (name, code, message, "" if limit is None else "\t%d" % limit))
print(len(rows), "rows")
