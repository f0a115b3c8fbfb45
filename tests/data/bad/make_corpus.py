#!/usr/bin/python3
"""Writes the bad-input corpus and its table expected.tsv (FILE, exit code, exact message, and a
memory limit where a case needs one; see tests/io_corpus.cpp). Run by hand
(/usr/bin/python3 tests/data/bad/make_corpus.py) when adding a case; the files are committed, so the
tests do not need Python. Messages start with the file name (the driver removes the directory).
Regression files found by the fuzzers (fuzz_*) are added to the table by hand, below the generated
rows (kept between runs)."""
import gzip, io, os, random, zipfile
import numpy as np

os.chdir(os.path.dirname(os.path.abspath(__file__)))
rows = []


def put(name, data, code, message, limit=None):
    """Writes file NAME and its row: the exit CODE and exact MESSAGE when read with max_memory
    LIMIT (default 1 GiB)."""
    if isinstance(data, str):
        data = data.encode()
    with open(name, "wb") as f:
        f.write(data)
    rows.append((name, code, message, limit))


def npy_bytes(header, data=b"", version=(1, 0)):
    h = header
    pad = (64 - (10 + len(h) + 1) % 64) % 64
    h = h + " " * pad + "\n"
    return b"\x93NUMPY" + bytes(version) + len(h).to_bytes(2, "little") + h.encode() + data


def array_bytes(a):
    b = io.BytesIO()
    np.lib.format.write_array(b, np.asanyarray(a))
    return b.getvalue()


def npz(arrays, compressed=True):
    b = io.BytesIO()
    mode = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
    with zipfile.ZipFile(b, "w", mode) as z:
        for name, a in arrays.items():
            # A fixed date, so that the files are the same on every run.
            z.writestr(zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0)),
                       array_bytes(a), compress_type=mode)
    return b.getvalue()


def csr_arrays(**over):
    a = {"format": np.array(b"csr"), "shape": np.array([3, 4]),
         "indptr": np.array([0, 2, 2, 3], dtype=np.int32),
         "indices": np.array([0, 3, 1], dtype=np.int32),
         "data": np.array([1.0, 2.0, 3.0])}
    a.update(over)
    return a


def gz(data):
    """gzip with a fixed time stamp, so that the files are the same on every run."""
    return gzip.compress(data, mtime=0)


rnd = random.Random(3)
H = "%%MatrixMarket matrix coordinate real general\n"

# --- Matrix Market ---
put("mtx_empty.mtx", "", 65, "mtx_empty.mtx: empty file, expected a Matrix Market header \"%%MatrixMarket matrix coordinate real general\"")
put("mtx_no_banner.mtx", "%%MatrixMarket\n3 3 1\n1 1 1\n", 65, "mtx_no_banner.mtx:1: the header has 1 fields, expected 5 (%%MatrixMarket matrix FORMAT FIELD SYMMETRY)")
put("mtx_vector.mtx", "%%MatrixMarket vector coordinate real general\n3 1\n", 65,
    "mtx_vector.mtx:1: object \"vector\" is not supported, expected matrix")
put("mtx_complex.mtx", "%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n", 65,
    "mtx_complex.mtx:1: complex matrices are not supported (NMF needs real, non-negative data)")
put("mtx_skew.mtx", "%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n2 1 1\n", 65,
    "mtx_skew.mtx:1: skew-symmetric matrices are not supported: each off-diagonal entry a(i,j) stands for a(j,i) = -a(i,j), so one of them is negative (NMF needs non-negative data)")
put("mtx_hermitian.mtx", "%%MatrixMarket matrix coordinate real hermitian\n2 2 1\n2 1 1\n", 65,
    "mtx_hermitian.mtx:1: hermitian matrices are not supported (they need a complex field)")
put("mtx_pattern_array.mtx", "%%MatrixMarket matrix array pattern general\n2 2\n", 65,
    "mtx_pattern_array.mtx:1: a pattern matrix must be in coordinate format")
put("mtx_unknown_field.mtx", "%%MatrixMarket matrix coordinate quaternion general\n", 65,
    "mtx_unknown_field.mtx:1: field \"quaternion\" is not supported, expected real, integer or pattern")
put("mtx_no_size.mtx", H + "% only comments\n", 65, "mtx_no_size.mtx:2: the file ends before the size line \"ROWS COLUMNS ENTRIES\"")
put("mtx_bad_size.mtx", H + "2 x 3\n", 65, "mtx_bad_size.mtx:2: column 2: \"x\" is not a non-negative integer")
put("mtx_size_fields.mtx", H + "2 2\n1 1 1\n", 65,
    "mtx_size_fields.mtx:2: the size line has 2 fields, expected 3 (ROWS COLUMNS ENTRIES)")
put("mtx_negative_size.mtx", H + "-2 2 1\n1 1 1\n", 65, "mtx_negative_size.mtx:2: column 1: \"-2\" is not a non-negative integer")
put("mtx_row_zero.mtx", H + "3 3 2\n1 1 1\n0 2 1\n", 65, "mtx_row_zero.mtx:4: column 1: row index 0 is out of range 1..3")
put("mtx_col_big.mtx", H + "3 3 2\n1 1 1\n2 9 1\n", 65, "mtx_col_big.mtx:4: column 2: column index 9 is out of range 1..3")
put("mtx_index_text.mtx", H + "3 3 1\na 1 1\n", 65, "mtx_index_text.mtx:3: column 1: \"a\" is not a row index (an integer from 1 to 3)")
put("mtx_index_float.mtx", H + "3 3 1\n1.0 1 1\n", 65, "mtx_index_float.mtx:3: column 1: \"1.0\" is not a row index (an integer from 1 to 3)")
put("mtx_value_text.mtx", H + "3 3 1\n1 1 abc\n", 65, "mtx_value_text.mtx:3: column 3: \"abc\" is not a number")
put("mtx_truncated.mtx", H + "3 3 5\n1 1 1\n2 2 2\n", 65,
    "mtx_truncated.mtx:4: the size line (line 2) declares 5 entries, the file ends after 2")
put("mtx_too_many.mtx", H + "3 3 1\n1 1 1\n2 2 2\n", 65,
    "mtx_too_many.mtx:4: more entries than the 1 the size line (line 2) declares")
put("mtx_short_line.mtx", H + "3 3 1\n1 1\n", 65, "mtx_short_line.mtx:3: has 2 fields, expected 3 (ROW COLUMN VALUE)")
put("mtx_long_line.mtx", H + "3 3 1\n1 1 1 1\n", 65, "mtx_long_line.mtx:3: has 4 fields, expected 3 (ROW COLUMN VALUE)")
put("mtx_int_float.mtx", "%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 1.5\n", 65,
    "mtx_int_float.mtx:3: column 3: \"1.5\" is not an integer (the header says integer)")
put("mtx_absurd_coord.mtx", H + "1000000000000 1000000000000 1\n1 1 1\n", 65,
    "mtx_absurd_coord.mtx:2: a 1000000000000 x 1000000000000 sparse matrix is too large: at most 2147483647 rows and columns are supported")
put("mtx_absurd_array.mtx", "%%MatrixMarket matrix array real general\n1000000000000 1000000000000\n1\n", 65,
    "mtx_absurd_array.mtx:2: a 1000000000000 x 1000000000000 array matrix needs more than 2^64 bytes, more than the memory limit of 1073741824 bytes (1.0 GiB); raise max_memory (--max-memory) to allow it")
put("mtx_too_many_entries.mtx", H + "100000 100000 5000000000\n1 1 1\n", 65,
    "mtx_too_many_entries.mtx:2: 5000000000 entries are too many: at most 2147483647 stored entries are supported")
put("mtx_over_memory.mtx", H + "100000 100000 100000000\n1 1 1\n", 65,
    "mtx_over_memory.mtx:2: a 100000 x 100000 coordinate matrix with 100000000 entries needs about 3201600016 bytes (3.0 GiB), more than the memory limit of 1073741824 bytes (1.0 GiB); raise max_memory (--max-memory) to allow it")
put("mtx_array_over_memory.mtx", "%%MatrixMarket matrix array real general\n100000 100000\n1\n", 65,
    "mtx_array_over_memory.mtx:2: a 100000 x 100000 array matrix needs about 80000000000 bytes (74.5 GiB), more than the memory limit of 1073741824 bytes (1.0 GiB); raise max_memory (--max-memory) to allow it")
put("mtx_sym_nonsquare.mtx", "%%MatrixMarket matrix coordinate real symmetric\n2 3 1\n1 1 1\n", 65,
    "mtx_sym_nonsquare.mtx:2: a symmetric matrix must be square, the size line says 2 x 3")
put("mtx_array_short.mtx", "%%MatrixMarket matrix array real general\n2 3\n1\n2\n3\n4\n", 65,
    "mtx_array_short.mtx:6: the size line (line 2) declares 6 values, the file ends after 4")
put("mtx_array_two_values.mtx", "%%MatrixMarket matrix array real general\n1 2\n1 2\n", 65,
    "mtx_array_two_values.mtx:3: has 2 fields, expected 1 (one value per line)")
put("mtx_overflow.mtx", H + "1 1 1\n1 1 1e999\n", 65, "mtx_overflow.mtx:3: column 3: \"1e999\" is out of the range of a double")
put("mtx_int_overflow.mtx", "%%MatrixMarket matrix coordinate integer general\n1 1 1\n1 1 99999999999999999999\n",
    65, "mtx_int_overflow.mtx:3: column 3: \"99999999999999999999\" is out of the range of a 64-bit integer")
put("mtx_negative.mtx", H + "2 2 2\n1 1 1\n2 1 -3\n", 65, "library would reject: negative entry -3 at row 1, column 0")
put("mtx_nan.mtx", H + "2 2 1\n2 2 nan\n", 65, "library would reject: NaN entry at row 1, column 1")
put("mtx_binary_garbage.mtx", bytes(rnd.randrange(256) for _ in range(512)), 65,
    "mtx_binary_garbage.mtx:1: not a Matrix Market header: \"yB\\xbd\\xf2!\\x06\\xf0\\x84wb\\xf0\\xf3\\xcbMvM\\xc7\\x07 Q\\x15\\x9a\\x0f\\x89\\xf2\\xc6\\xda\\xca\\xe3D\\xbb1\\x12E\\xfdo\\x84\\xdf\\x9a\\xd7...\" (expected \"%%MatrixMarket matrix FORMAT FIELD SYMMETRY\")")
put("mtx_gz_not_gzip.mtx.gz", H + "1 1 1\n1 1 1\n", 65, "mtx_gz_not_gzip.mtx.gz: not a gzip file (it does not start with the bytes 1f 8b)")
full = gz((H + "3 3 3\n1 1 1\n2 2 2\n3 3 3\n" * 50).encode())
put("mtx_gz_truncated.mtx.gz", full[: len(full) // 2], 65, "mtx_gz_truncated.mtx.gz: the gzip data ends early (truncated file?) after 43 bytes")
put("mtx_gz_corrupt.mtx.gz", full[:10] + bytes(rnd.randrange(256) for _ in range(200)), 65,
    "mtx_gz_corrupt.mtx.gz: byte 22: corrupt gzip data: invalid distance too far back")
put("mtx_npy_content.mtx", array_bytes(np.ones((2, 2))), 65,
    "mtx_npy_content.mtx: the extension says Matrix Market, but the content is .npy (name the format with --format to read it anyway)")

# --- NumPy .npy ---
good = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }"
put("npy_empty.npy", "", 65, "npy_empty.npy: not a .npy file (it does not start with \"\\x93NUMPY\")")
put("npy_text.npy", "1,2\n3,4\n", 65, "npy_text.npy: not a .npy file (it does not start with \"\\x93NUMPY\")")
put("npy_bigendian.npy", npy_bytes(good.replace("<f8", ">f8"), b"\0" * 32), 65,
    "npy_bigendian.npy: byte 10: dtype \">f8\" is big-endian, which is not supported (convert with a.astype(a.dtype.newbyteorder('<')))")
put("npy_object.npy", npy_bytes(good.replace("'<f8'", "'|O'"), b"\0" * 32), 65, "npy_object.npy: byte 10: dtype \"|O\": object arrays are not supported (save a numeric array, e.g. a.astype(float))")
put("npy_complex.npy", npy_bytes(good.replace("<f8", "<c16"), b"\0" * 64), 65, "npy_complex.npy: byte 10: dtype \"<c16\": complex arrays are not supported (NMF needs real, non-negative data)")
put("npy_structured.npy", npy_bytes("{'descr': [('a', '<f8'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,), }", b"\0" * 24),
    65, "npy_structured.npy: byte 10: structured dtypes are not supported (expected a numeric dtype such as '<f8')")
put("npy_float16.npy", npy_bytes(good.replace("<f8", "<f2"), b"\0" * 8), 65, "npy_float16.npy: byte 10: dtype \"<f2\" is not supported (expected float32/64, (u)int8/16/32/64 or bool, e.g. '<f8')")
put("npy_string.npy", array_bytes(np.array([["ab", "c"], ["d", "e"]])), 65, "npy_string.npy: dtype \"<U2\" holds text, expected numbers (e.g. '<f8')")
put("npy_1d.npy", array_bytes(np.arange(5.0)), 65, "npy_1d.npy: shape (5,) has 1 dimension, expected a 2-D array (for a column save a.reshape(-1, 1), for a row a.reshape(1, -1))")
put("npy_0d.npy", array_bytes(np.float64(3.0)), 65, "npy_0d.npy: shape () has 0 dimensions, expected a 2-D array")
put("npy_3d.npy", array_bytes(np.zeros((2, 3, 4))), 65, "npy_3d.npy: shape (2, 3, 4) has 3 dimensions, expected a 2-D array")
full = array_bytes(np.arange(12.0).reshape(3, 4))
put("npy_truncated.npy", full[:-20], 65, "npy_truncated.npy: byte 128: the data holds 76 bytes, expected 96 (shape (3, 4), dtype \"<f8\"): the file is truncated")
put("npy_truncated_header.npy", full[:40], 65, "npy_truncated_header.npy: byte 8: the header length 118 runs past the end of the file (40 bytes)")
put("npy_trailing.npy", full + b"\0" * 8, 65, "npy_trailing.npy: byte 128: the data holds 104 bytes, expected 96 (shape (3, 4), dtype \"<f8\"): 8 unexpected bytes after the data")
put("npy_bad_version.npy", b"\x93NUMPY\x09\x00" + full[8:], 65, "npy_bad_version.npy: byte 6: .npy format version 9.0 is not supported (1.0, 2.0 and 3.0 are)")
put("npy_bad_header.npy", npy_bytes("{'descr': <f8, 'fortran_order': False, 'shape': (2, 2), }", b"\0" * 32), 65,
    "npy_bad_header.npy: byte 20: unexpected \"<\" in the header dictionary")
put("npy_no_shape.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, }", b""), 65, "npy_no_shape.npy: byte 10: the header lacks 'shape'")
put("npy_shape_text.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, x), }"), 65,
    "npy_shape_text.npy: byte 64: expected a non-negative integer in the shape")
put("npy_absurd.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000, 1000000000000), }"), 65,
    "npy_absurd.npy: byte 10: an array of shape (1000000000000, 1000000000000) needs more than 2^64 bytes, more than the memory limit of 1073741824 bytes (1.0 GiB); raise max_memory (--max-memory) to allow it")
put("npy_over_memory.npy", npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (100000, 100000), }"), 65,
    "npy_over_memory.npy: byte 10: an array of shape (100000, 100000) needs about 80000000000 bytes (74.5 GiB), more than the memory limit of 1073741824 bytes (1.0 GiB); raise max_memory (--max-memory) to allow it")
put("npy_negative.npy", array_bytes(np.array([[1.0, -2.5], [0.0, 1.0]])), 65,
    "library would reject: negative entry -2.5 at row 0, column 1")
put("npy_nan.npy", array_bytes(np.array([[1.0, 2.0], [np.nan, 1.0]], dtype=np.float32)), 65,
    "library would reject: NaN entry at row 1, column 0")
put("npy_int_negative.npy", array_bytes(np.array([[1, 2], [3, -4]], dtype=np.int16)), 65,
    "library would reject: negative entry -4 at row 1, column 1")
put("npy_npz_content.npy", npz(csr_arrays()), 65, "npy_npz_content.npy: the extension says .npy, but the content is .npz (name the format with --format to read it anyway)")

# --- scipy.sparse .npz ---
put("npz_text.npz", "not a zip file\n", 65, "npz_text.npz: not a zip (.npz) file (it does not start with \"PK\")")
whole = npz(csr_arrays(), compressed=False)
put("npz_truncated.npz", whole[: len(whole) // 2], 65, "npz_truncated.npz: not a zip (.npz) file: no end of central directory record (truncated file?)")
a = csr_arrays(); del a["indptr"]
put("npz_missing_indptr.npz", npz(a), 65, "npz_missing_indptr.npz: no indptr.npy in the archive (it holds: data.npy, format.npy, indices.npy, shape.npy); expected a scipy.sparse matrix saved by scipy.sparse.save_npz")
put("npz_indptr_decreasing.npz", npz(csr_arrays(indptr=np.array([0, 2, 1, 3], dtype=np.int32))), 65,
    "npz_indptr_decreasing.npz: indptr.npy: entry 2 is 1, less than entry 1 (2): indptr must not decrease")
put("npz_indptr_first.npz", npz(csr_arrays(indptr=np.array([1, 2, 2, 3], dtype=np.int32))), 65,
    "npz_indptr_first.npz: indptr.npy: entry 0 is 1, expected 0")
put("npz_indptr_last.npz", npz(csr_arrays(indptr=np.array([0, 2, 2, 2], dtype=np.int32))), 65,
    "npz_indptr_last.npz: indptr.npy: the last entry is 2, expected 3 (the number of values in data.npy)")
put("npz_indptr_length.npz", npz(csr_arrays(indptr=np.array([0, 2, 3], dtype=np.int32))), 65,
    "npz_indptr_length.npz: indptr.npy: holds 3 values, expected 4 (rows + 1 for shape (3, 4))")
put("npz_index_out_of_range.npz", npz(csr_arrays(indices=np.array([0, 4, 1], dtype=np.int32))), 65,
    "npz_index_out_of_range.npz: indices.npy: entry 1 is 4, out of range 0..3 (the matrix has 4 columns)")
put("npz_index_negative.npz", npz(csr_arrays(indices=np.array([0, -1, 1], dtype=np.int64))), 65,
    "npz_index_negative.npz: indices.npy: entry 1 is -1, out of range 0..3 (the matrix has 4 columns)")
put("npz_inconsistent_lengths.npz", npz(csr_arrays(data=np.array([1.0, 2.0]))), 65,
    "npz_inconsistent_lengths.npz: indices.npy and data.npy hold 3 and 2 values, expected the same count")
put("npz_bad_format.npz", npz(csr_arrays(format=np.array(b"dia"))), 65, "npz_bad_format.npz: format.npy: sparse format \"dia\" is not supported (csr, csc and coo are; convert with m.tocsr())")
put("npz_shape_3.npz", npz(csr_arrays(shape=np.array([3, 4, 5]))), 65, "npz_shape_3.npz: shape.npy: holds 3 values, expected 2 (rows, columns)")
put("npz_shape_absurd.npz", npz(csr_arrays(shape=np.array([10**12, 10**12]))), 65,
    "npz_shape_absurd.npz: shape.npy: shape (1000000000000, 1000000000000) is not supported (dimensions from 0 to 2147483647)")
put("npz_data_2d.npz", npz(csr_arrays(data=np.ones((3, 1)))), 65, "npz_data_2d.npz: data.npy: shape (3, 1), expected a 1-D array")
put("npz_float_indices.npz", npz(csr_arrays(indices=np.array([0.0, 3.0, 1.0]))), 65,
    "npz_float_indices.npz: indices.npy: dtype \"<f8\", expected an integer dtype")
put("npz_bigendian_data.npz", npz(csr_arrays(data=np.array([1.0, 2.0, 3.0], dtype=">f8"))), 65,
    "npz_bigendian_data.npz: data.npy: byte 10: dtype \">f8\" is big-endian, which is not supported (convert with a.astype(a.dtype.newbyteorder('<')))")
crc = bytearray(whole)
pos = crc.find(b"\x93NUMPY", crc.find(b"data.npy"))
crc[pos + 80] ^= 0xFF
put("npz_crc.npz", bytes(crc), 65, "npz_crc.npz: data.npy: CRC-32 mismatch (the file is corrupt)")
put("npz_negative.npz", npz(csr_arrays(data=np.array([1.0, -2.0, 3.0]))), 65,
    "library would reject: negative entry -2 at row 0, column 3")
put("npz_npy_content.npz", array_bytes(np.ones((2, 2))), 65, "npz_npy_content.npz: the extension says .npz, but the content is .npy (name the format with --format to read it anyway)")

# --- CSV / TSV ---
put("csv_empty.csv", "", 65, "csv_empty.csv: no data rows")
put("csv_only_comments.csv", "# nothing\n\n", 65, "csv_only_comments.csv: no data rows")
put("csv_only_header.csv", "a,b\n", 65, "csv_only_header.csv: no data rows")
put("csv_ragged.csv", "1,2,3\n4,5\n", 65, "csv_ragged.csv:2: has 2 fields, expected 3 (as on line 1)")
put("csv_text.csv", "1,2,3\n4,abc,6\n", 65, "csv_text.csv:2: column 2: \"abc\" is not a number")
put("csv_empty_field.csv", "1,,3\n", 65, "csv_empty_field.csv:1: column 2: empty field")
put("csv_header_mismatch.csv", "a,b,c\n1,2\n", 65, "csv_header_mismatch.csv:1: the header has 3 fields, expected 2 (line 2 has 2 fields)")
put("csv_binary.csv", bytes([0x50, 0x4e, 0x00, 0x01]) + bytes(rnd.randrange(256) for _ in range(256)), 65,
    "csv_binary.csv: byte 2: binary data (a NUL byte) in a CSV file")
put("csv_overflow.tsv", "1\t1e400\n", 65, "csv_overflow.tsv:1: column 2: \"1e400\" is out of the range of a double")
put("csv_negative.csv", "1,2\n3,-8\n", 65, "library would reject: negative entry -8 at row 1, column 1")
put("csv_nan.tsv", "1\tnan\n", 65, "library would reject: NaN entry at row 0, column 1")
put("csv_inf.csv", "1,inf\n", 65, "library would reject: infinite entry at row 0, column 1")
put("csv_npy_content.csv", array_bytes(np.ones((2, 2))), 65, "csv_npy_content.csv: the extension says CSV, but the content is .npy (name the format with --format to read it anyway)")
# --- more CSV / TSV ---
put("csv_bom_text.csv", "\ufeff1,2\nx,y\n", 65, "csv_bom_text.csv:2: column 1: \"x\" is not a number")
put("csv_trailing_delimiter.csv", "1,2,\n", 65, "csv_trailing_delimiter.csv:1: column 3: empty field")
put("csv_blank_field.csv", "1,2\n , \n", 65, "csv_blank_field.csv:2: column 1: empty field")
put("csv_plus_plus.csv", "1,2\n1,++1\n", 65, "csv_plus_plus.csv:2: column 2: \"++1\" is not a number")
put("csv_hex.csv", "1,2\n1,0x10\n", 65, "csv_hex.csv:2: column 2: \"0x10\" is not a number")
put("csv_space_in_number.csv", "1,2\n1, 2 3\n", 65, "csv_space_in_number.csv:2: column 2: \"2 3\" is not a number")
put("csv_only_blank_lines.csv", "\n  \n\t\n", 65, "csv_only_blank_lines.csv: no data rows")
put("csv_ragged_long.csv", "1,2\n3,4,5\n", 65, "csv_ragged_long.csv:2: has 3 fields, expected 2 (as on line 1)")
put("csv_ragged_after_comments.csv", "# a\n1,2\n\n# b\n3\n", 65, "csv_ragged_after_comments.csv:5: has 1 fields, expected 2 (as on line 2)")
put("csv_crlf_text.csv", "1,2\r\n3,z\r\n", 65, "csv_crlf_text.csv:2: column 2: \"z\" is not a number")
put("csv_nul_late.csv", "1,2\n" * 20000 + "3,\0\n", 65, "csv_nul_late.csv:20001: column 2: \"\\x00\" is not a number")
put("csv_neg_inf.csv", "1,-inf\n", 65, "library would reject: infinite entry at row 0, column 1")
put("csv_neg_overflow.csv", "1,-1e400\n", 65, "csv_neg_overflow.csv:1: column 2: \"-1e400\" is out of the range of a double")
put("csv_semicolon.csv", "1;2\n3;4\n", 65, "csv_semicolon.csv:2: column 1: \"3;4\" is not a number")  # line 1: a header
put("tsv_commas.tsv", "1\t2\n3\t4,5\n", 65, "tsv_commas.tsv:2: column 2: \"4,5\" is not a number")
put("csv_header_row_names_mismatch.csv", "a\nx,1,2\n", 65, "csv_header_row_names_mismatch.csv:1: the header has 1 fields, expected 2 or 3 (line 2 has 3 fields, the first a row name)")
put("csv_empty_row_name.csv", ",1,2\n", 65, "csv_empty_row_name.csv:1: column 1: empty field")
put("csv_unicode_text.csv", "1,2\n1,\u00e9\n", 65, "csv_unicode_text.csv:2: column 2: \"\\xc3\\xa9\" is not a number")
put("csv_long_field.csv", "1,2\n1," + "9" * 30 + "x" * 30 + "\n", 65, "csv_long_field.csv:2: column 2: \"999999999999999999999999999999xxxxxxxxxx...\" is not a number")
put("csv_row_names_text.csv", "g1,1,2\ng2,3,four\n", 65, "csv_row_names_text.csv:2: column 3: \"four\" is not a number")
put("csv_row_names_negative.csv", "g1,1,2\ng2,3,-4\n", 65, "library would reject: negative entry -4 at row 1, column 1")
put("csv_header_nan.csv", "a,b\n1,nan\n", 65, "library would reject: NaN entry at row 0, column 1")
put("csv_mtx_content.csv", H + "1 1 1\n1 1 1\n", 65, "csv_mtx_content.csv: the extension says CSV, but the content is Matrix Market (name the format with --format to read it anyway)")
put("csv_npz_content.csv", npz(csr_arrays()), 65, "csv_npz_content.csv: the extension says CSV, but the content is .npz (name the format with --format to read it anyway)")
put("tsv_npy_content.tsv", array_bytes(np.ones((2, 2))), 65, "tsv_npy_content.tsv: the extension says TSV, but the content is .npy (name the format with --format to read it anyway)")
put("tsv_ragged.tsv", "1\t2\n3\n", 65, "tsv_ragged.tsv:2: has 1 fields, expected 2 (as on line 1)")
put("tsv_text.tsv", "1\t2\n3\tabc\n", 65, "tsv_text.tsv:2: column 2: \"abc\" is not a number")
put("tsv_empty.tsv", "", 65, "tsv_empty.tsv: no data rows")
put("tsv_empty_field.tsv", "1\t\t3\n", 65, "tsv_empty_field.tsv:1: column 2: empty field")
put("tsv_binary.tsv", b"1\t2\n\0\0", 65, "tsv_binary.tsv: byte 4: binary data (a NUL byte) in a TSV file")
put("tab_text.tab", "1\t2\n1\tx\n", 65, "tab_text.tab:2: column 2: \"x\" is not a number")
put("csv_gz_text.csv.gz", gz(b"1,2\n3,x\n"), 65, "csv_gz_text.csv.gz:2: column 2: \"x\" is not a number")
put("csv_gz_truncated.csv.gz", gz(b"1,2\n" * 1000)[:30], 65, "csv_gz_truncated.csv.gz: the gzip data ends early (truncated file?) after 30 bytes")
put("csv_gz_not_gzip.csv.gz", "1,2\n", 65, "csv_gz_not_gzip.csv.gz: not a gzip file (it does not start with the bytes 1f 8b)")
put("tsv_gz_negative.tsv.gz", gz(b"1\t2\n3\t-1\n"), 65, "library would reject: negative entry -1 at row 1, column 1")
# Quoting (RFC 4180).
put("csv_quote_unclosed.csv", "1,2\n3,\"4\n5,6\n7,8\n", 65,
    "csv_quote_unclosed.csv:2: column 2: the double quote that opens this field is never closed (the file ends inside the quoted field)")
put("csv_quote_unclosed_last.csv", "1,\"2", 65, "csv_quote_unclosed_last.csv:1: column 2: the double quote that opens this field is never closed (the file ends inside the quoted field)")
put("csv_quote_text_after.csv", "1,2\n3,\"4\"x\n", 65, "csv_quote_text_after.csv:2: column 2: unexpected \"x\" after the closing double quote of a quoted field (a double quote inside one is written twice: \"\")")
put("csv_quote_text_after_blank.csv", "\"1\" 2,3\n", 65, "csv_quote_text_after_blank.csv:1: column 1: unexpected \"2\" after the closing double quote of a quoted field (a double quote inside one is written twice: \"\")")
put("csv_quote_spanning_number.csv", "1,2\n1,\"2\n3\"\n", 65, "csv_quote_spanning_number.csv:2: column 2: \"2\\x0a3\" is not a number")
put("csv_quote_empty.csv", "1,\"\"\n", 65, "csv_quote_empty.csv:1: column 2: empty field")
put("csv_quote_blank_inside.csv", "1,2\n1,\" 2\"\n", 65, "csv_quote_blank_inside.csv:2: column 2: \" 2\" is not a number")
put("csv_quote_escaped_number.csv", "1,2\n1,\"2\"\"\"\n", 65, "csv_quote_escaped_number.csv:2: column 2: \"2\"\" is not a number")
put("csv_quote_ragged_after_span.csv", "\"a\nb\",1,2\nc,3\n", 65, "csv_quote_ragged_after_span.csv:3: has 2 fields, expected 3 (as on line 1)")
put("csv_quote_ragged_span.csv", "r,1,2\n\"a\nb\",1\n", 65, "csv_quote_ragged_span.csv:2: has 2 fields, expected 3 (as on line 1)")
put("csv_quote_line_after_span.csv", "\"a\n\n# b\",1\nc,2\nd,x\n", 65, "csv_quote_line_after_span.csv:5: column 2: \"x\" is not a number")
put("csv_quote_field_on_next_line.csv", "\"g\n1\",1,x\n", 65, "csv_quote_field_on_next_line.csv:2: column 3: \"x\" is not a number")
put("csv_quote_header_mismatch.csv", "\"a,b\",c\n1,2,3\n", 65, "csv_quote_header_mismatch.csv:1: the header has 2 fields, expected 3 (line 2 has 3 fields)")
put("csv_quote_negative.csv", "\"-1\",2\n", 65, "library would reject: negative entry -1 at row 0, column 0")
put("csv_quote_labels_negative.csv", "\"\",\"c,1\",\"c\"\"2\"\"\"\n\"r\n1\",1,2\n\"r,2\",3,-5\n", 65,
    "library would reject: negative entry -5 at row 1, column 1")
put("csv_quote_good.csv", "\"\",\"c,1\",c2\n\"say \"\"hi\"\"\",1,\"2\"\n\"#x\",3,4\n", 0, "read a 2 x 2 matrix")
put("csv_quote_crlf_unclosed.csv", "1,2\r\n\"3,4\r\n", 65, "csv_quote_crlf_unclosed.csv:2: column 1: the double quote that opens this field is never closed (the file ends inside the quoted field)")
put("tsv_quote_unclosed.tsv", "a\t\"b\t1\n", 65, "tsv_quote_unclosed.tsv:1: column 2: the double quote that opens this field is never closed (the file ends inside the quoted field)")
put("tsv_quote_tab_number.tsv", "1\t2\n3\t\"4\t5\"\n", 65, "tsv_quote_tab_number.tsv:2: column 2: \"4\\x095\" is not a number")
put("tsv_quote_good.tsv", "\t\"a\tb\"\n\"r\"\"1\"\t1\n", 0, "read a 1 x 1 matrix")
put("csv_gz_quote_unclosed.csv.gz", gz(b"1,2\n\"3,4\n"), 65, "csv_gz_quote_unclosed.csv.gz:2: column 1: the double quote that opens this field is never closed (the file ends inside the quoted field)")
# Memory limits (fourth column): text, values, gzip bombs.
put("csv_memory_text.csv", "1,2\n" * 100, 65, "csv_memory_text.csv: the text (400 bytes) needs about 400 bytes (400 bytes), more than the memory limit of 399 bytes (399 bytes); raise max_memory (--max-memory) to allow it", 399)
put("csv_memory_values.csv", "0,0,0,0\n" * 100, 65, "csv_memory_values.csv:100: the text (800 bytes) and 400 values (16 bytes each: as read and in the matrix) needs about 7200 bytes (7.0 KiB), more than the memory limit of 7199 bytes (7.0 KiB); raise max_memory (--max-memory) to allow it", 800 + 16 * 400 - 1)
put("tsv_memory_values.tsv", "0\t0\n" * 100, 65, "tsv_memory_values.tsv:100: the text (400 bytes) and 200 values (16 bytes each: as read and in the matrix) needs about 3600 bytes (3.5 KiB), more than the memory limit of 3599 bytes (3.5 KiB); raise max_memory (--max-memory) to allow it", 400 + 16 * 200 - 1)
put("csv_memory_fits.csv", "0,0,0,0\n" * 100, 0, "read a 100 x 4 matrix", 800 + 16 * 400)
bomb = H + "% padding padding padding padding padding\n" * 50000
put("mtx_gz_bomb.mtx.gz", gz(bomb.encode()), 65, "mtx_gz_bomb.mtx.gz: the decompressed data needs about 1048577 bytes (1.0 MiB), more than the memory limit of 1048576 bytes (1.0 MiB); raise max_memory (--max-memory) to allow it", 1 << 20)
put("csv_gz_bomb.csv.gz", gz(b"# padding padding padding\n" * 100000), 65,
    "csv_gz_bomb.csv.gz: the decompressed data needs about 1048577 bytes (1.0 MiB), more than the memory limit of 1048576 bytes (1.0 MiB); raise max_memory (--max-memory) to allow it", 1 << 20)
put("npy_gz_bomb.npy.gz", gz(array_bytes(np.zeros((400, 400)))), 65,
    "npy_gz_bomb.npy.gz: the decompressed data needs about 1048577 bytes (1.0 MiB), more than the memory limit of 1048576 bytes (1.0 MiB); raise max_memory (--max-memory) to allow it", 1 << 20)
put("mtx_memory_coord.mtx", H + "1000 1000 100000\n1 1 1\n", 65, "mtx_memory_coord.mtx:2: a 1000 x 1000 coordinate matrix with 100000 entries needs about 3216016 bytes (3.1 MiB), more than the memory limit of 1048576 bytes (1.0 MiB); raise max_memory (--max-memory) to allow it", 1 << 20)
put("npy_memory.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (400, 400), }"), 65, "npy_memory.npy: byte 10: an array of shape (400, 400) needs about 1280000 bytes (1.2 MiB), more than the memory limit of 1048576 bytes (1.0 MiB); raise max_memory (--max-memory) to allow it", 1 << 20)
put("npz_memory.npz", npz(csr_arrays(shape=np.array([100000, 4]))), 65, "npz_memory.npz: a 100000 x 4 sparse matrix with 3 entries needs about 800144 bytes (781.4 KiB), more than the memory limit of 65536 bytes (64.0 KiB); raise max_memory (--max-memory) to allow it", 1 << 16)

# --- more Matrix Market ---
put("mtx_pattern_value.mtx", "%%MatrixMarket matrix coordinate pattern general\n2 2 1\n1 1 5\n", 65, "mtx_pattern_value.mtx:3: has 3 fields, expected 2 (ROW COLUMN)")
put("mtx_array_text.mtx", "%%MatrixMarket matrix array real general\n2 1\n1\nabc\n", 65, "mtx_array_text.mtx:4: column 1: \"abc\" is not a number")
put("mtx_array_too_many.mtx", "%%MatrixMarket matrix array real general\n1 1\n1\n2\n", 65, "mtx_array_too_many.mtx:4: more values than the 1 the size line (line 2) declares")
put("mtx_array_sym_short.mtx", "%%MatrixMarket matrix array real symmetric\n2 2\n1\n2\n", 65, "mtx_array_sym_short.mtx:4: the size line (line 2) declares 3 values, the file ends after 2")
put("mtx_array_sym_nonsquare.mtx", "%%MatrixMarket matrix array real symmetric\n2 3\n1\n", 65, "mtx_array_sym_nonsquare.mtx:2: a symmetric matrix must be square, the size line says 2 x 3")
put("mtx_integer_text.mtx", "%%MatrixMarket matrix coordinate integer general\n1 1 1\n1 1 x\n", 65, "mtx_integer_text.mtx:3: column 3: \"x\" is not an integer (the header says integer)")
put("mtx_size_text_rows.mtx", H + "a 2 1\n", 65, "mtx_size_text_rows.mtx:2: column 1: \"a\" is not a non-negative integer")
put("mtx_size_text_entries.mtx", H + "2 2 z\n", 65, "mtx_size_text_entries.mtx:2: column 3: \"z\" is not a non-negative integer")
put("mtx_size_float.mtx", H + "2.0 2 1\n", 65, "mtx_size_float.mtx:2: column 1: \"2.0\" is not a non-negative integer")
put("mtx_size_four.mtx", H + "2 2 1 1\n1 1 1\n", 65, "mtx_size_four.mtx:2: the size line has 4 fields, expected 3 (ROWS COLUMNS ENTRIES)")
put("mtx_header_six.mtx", "%%MatrixMarket matrix coordinate real general extra\n1 1 1\n1 1 1\n", 65, "mtx_header_six.mtx:1: the header has 6 fields, expected 5 (%%MatrixMarket matrix FORMAT FIELD SYMMETRY)")
put("mtx_header_typo.mtx", "%%MatrixMarketx matrix coordinate real general\n1 1 1\n1 1 1\n", 65, "mtx_header_typo.mtx:1: not a Matrix Market header: \"%%MatrixMarketx matrix coordinate real g...\" (expected \"%%MatrixMarket matrix FORMAT FIELD SYMMETRY\")")
put("mtx_format_unknown.mtx", "%%MatrixMarket matrix sparse real general\n1 1 1\n1 1 1\n", 65, "mtx_format_unknown.mtx:1: format \"sparse\" is not supported, expected coordinate or array")
put("mtx_symmetry_unknown.mtx", "%%MatrixMarket matrix coordinate real triangular\n1 1 1\n1 1 1\n", 65, "mtx_symmetry_unknown.mtx:1: symmetry \"triangular\" is not supported, expected general or symmetric")
put("mtx_value_hex.mtx", H + "1 1 1\n1 1 0x1\n", 65, "mtx_value_hex.mtx:3: column 3: \"0x1\" is not a number")
put("mtx_crlf_error.mtx", (H + "2 2 1\n1 3 1\n").replace("\n", "\r\n"), 65, "mtx_crlf_error.mtx:3: column 2: column index 3 is out of range 1..2")
put("mtx_inf.mtx", H + "2 2 1\n1 2 inf\n", 65, "library would reject: infinite entry at row 0, column 1")
put("mtx_neg_zero_ok.mtx", H + "2 2 1\n1 2 -0\n", 0, "read a 2 x 2 matrix")
put("mtx_col_zero.mtx", H + "3 3 1\n1 0 1\n", 65, "mtx_col_zero.mtx:3: column 2: column index 0 is out of range 1..3")
put("mtx_row_big.mtx", H + "3 3 1\n4 1 1\n", 65, "mtx_row_big.mtx:3: column 1: row index 4 is out of range 1..3")
put("mtx_index_negative.mtx", H + "3 3 1\n-1 1 1\n", 65, "mtx_index_negative.mtx:3: column 1: \"-1\" is not a row index (an integer from 1 to 3)")
put("mtx_index_overflow.mtx", H + "3 3 1\n1 99999999999999999999 1\n", 65, "mtx_index_overflow.mtx:3: column 2: \"99999999999999999999\" is not a column index (an integer from 1 to 3)")
put("mtx_pattern_sym_out.mtx", "%%MatrixMarket matrix coordinate pattern symmetric\n2 2 1\n3 1\n", 65, "mtx_pattern_sym_out.mtx:3: column 1: row index 3 is out of range 1..2")
put("mtx_sym_negative.mtx", "%%MatrixMarket matrix coordinate real symmetric\n2 2 1\n2 1 -1\n", 65, "library would reject: negative entry -1 at row 1, column 0")
put("mtx_comment_only_after_size.mtx", H + "2 2 1\n% nothing\n", 65, "mtx_comment_only_after_size.mtx:3: the size line (line 2) declares 1 entries, the file ends after 0")
put("mtx_blank_header.mtx", "\n" + H + "1 1 1\n1 1 1\n", 65, "mtx_blank_header.mtx:1: not a Matrix Market header: \"\" (expected \"%%MatrixMarket matrix FORMAT FIELD SYMMETRY\")")
put("mtx_size_zero_entries_extra.mtx", H + "2 2 0\n1 1 1\n", 65, "mtx_size_zero_entries_extra.mtx:3: more entries than the 0 the size line (line 2) declares")
put("mtx_integer_negative.mtx", "%%MatrixMarket matrix coordinate integer general\n1 1 1\n1 1 -7\n", 65, "library would reject: negative entry -7 at row 0, column 0")
put("mtx_array_nan.mtx", "%%MatrixMarket matrix array real general\n1 2\n1\nnan\n", 65, "library would reject: NaN entry at row 0, column 1")
put("mm_text.mm", H + "1 1 1\n1 1 q\n", 65, "mm_text.mm:3: column 3: \"q\" is not a number")
put("mtx_csv_content.mtx", "1,2\n3,4\n", 65, "mtx_csv_content.mtx:1: not a Matrix Market header: \"1,2\" (expected \"%%MatrixMarket matrix FORMAT FIELD SYMMETRY\")")
put("mtx_npz_content.mtx", npz(csr_arrays()), 65, "mtx_npz_content.mtx: the extension says Matrix Market, but the content is .npz (name the format with --format to read it anyway)")
put("mtx_gz_row_zero.mtx.gz", gz((H + "3 3 2\n1 1 1\n0 2 1\n").encode()), 65, "mtx_gz_row_zero.mtx.gz:4: column 1: row index 0 is out of range 1..3")
put("mtx_gz_truncated_entries.mtx.gz", gz((H + "3 3 5\n1 1 1\n").encode()), 65, "mtx_gz_truncated_entries.mtx.gz:3: the size line (line 2) declares 5 entries, the file ends after 1")
put("mtx_gz_empty.mtx.gz", gz(b""), 65, "mtx_gz_empty.mtx.gz: empty file, expected a Matrix Market header \"%%MatrixMarket matrix coordinate real general\"")
put("mtx_gz_trailing.mtx.gz", gz((H + "1 1 1\n1 1 1\n").encode()) + b"garbage", 65, "mtx_gz_trailing.mtx.gz: byte 68: unexpected data after the end of the gzip stream")
put("mtx_gz_npy_content.mtx.gz", gz(array_bytes(np.ones((2, 2)))), 65, "mtx_gz_npy_content.mtx.gz: the extension says Matrix Market, but the content is .npy (name the format with --format to read it anyway)")
put("mtx_gz_header_only.mtx.gz", gz(b"\x1f\x8b"), 65, "mtx_gz_header_only.mtx.gz:1: not a Matrix Market header: \"\\x1f\\x8b\" (expected \"%%MatrixMarket matrix FORMAT FIELD SYMMETRY\")")
put("mtx_gz_two_members_bad.mtx.gz", gz(H.encode()) + gz(b"2 2 1\n3 1 1\n"), 65, "mtx_gz_two_members_bad.mtx.gz:3: column 1: row index 3 is out of range 1..2")
put("mtx_gz_negative.mtx.gz", gz((H + "1 1 1\n1 1 -2\n").encode()), 65, "library would reject: negative entry -2 at row 0, column 0")

# --- more NumPy .npy ---
put("npy_no_descr.npy", npy_bytes("{'fortran_order': False, 'shape': (2, 2), }", b"\0" * 32), 65, "npy_no_descr.npy: byte 10: the header lacks 'descr'")
put("npy_no_fortran.npy", npy_bytes("{'descr': '<f8', 'shape': (2, 2), }", b"\0" * 32), 65, "npy_no_fortran.npy: byte 10: the header lacks 'fortran_order'")
put("npy_fortran_text.npy", npy_bytes("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (2, 2), }", b"\0" * 32), 65, "npy_fortran_text.npy: byte 44: unexpected \"M\" in the header dictionary")
put("npy_shape_negative.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (-2, 2), }", b"\0" * 32), 65, "npy_shape_negative.npy: byte 61: expected a non-negative integer in the shape")
put("npy_datetime.npy", array_bytes(np.zeros((2, 2), dtype="datetime64[s]")), 65, "npy_datetime.npy: byte 10: dtype \"<M8[s]\": dates and times are not supported")
put("npy_unicode.npy", array_bytes(np.array([["a", "b"]])), 65, "npy_unicode.npy: dtype \"<U1\" holds text, expected numbers (e.g. '<f8')")
put("npy_bool_ok.npy", array_bytes(np.array([[True, False]])), 0, "read a 1 x 2 matrix")
put("npy_header_not_dict.npy", npy_bytes("['descr', '<f8']"), 65, "npy_header_not_dict.npy: byte 10: expected '{' in the header, found \"[\"")
put("npy_magic_only.npy", b"\x93NUMPY", 65, "npy_magic_only.npy: the .npy header is truncated: the file has 6 bytes")
put("npy_header_len_zero.npy", b"\x93NUMPY\x01\x00\x00\x00", 65, "npy_header_len_zero.npy: byte 10: expected '{' in the header, found its end")
put("npy_v2_truncated.npy", array_bytes(np.zeros((3, 3)))[:8] , 65, "npy_v2_truncated.npy: the .npy header is truncated: the file has 8 bytes")
put("npy_inf.npy", array_bytes(np.array([[1.0, np.inf]])), 65, "library would reject: infinite entry at row 0, column 1")
put("npy_u8_big.npy", array_bytes(np.array([[2**64 - 1]], dtype=np.uint64)), 0, "read a 1 x 1 matrix")
put("npy_4d.npy", array_bytes(np.zeros((1, 2, 1, 2))), 65, "npy_4d.npy: shape (1, 2, 1, 2) has 4 dimensions, expected a 2-D array")
put("npy_i8_negative_f.npy", array_bytes(np.asfortranarray(np.array([[1, 2], [-3, 4]], dtype=np.int64))), 65,
    "library would reject: negative entry -3 at row 1, column 0")
put("npy_gz_ok.npy.gz", gz(array_bytes(np.ones((2, 3)))), 0, "read a 2 x 3 matrix")
put("npy_gz_corrupt.npy.gz", gz(array_bytes(np.ones((2, 3))))[:12] + b"\xff" * 40, 65, "npy_gz_corrupt.npy.gz: the gzip data ends early (truncated file?) after 52 bytes")
put("npy_f2_data.npy", array_bytes(np.zeros((2, 2), dtype=np.float16)), 65, "npy_f2_data.npy: byte 10: dtype \"<f2\" is not supported (expected float32/64, (u)int8/16/32/64 or bool, e.g. '<f8')")
put("npy_c8.npy", array_bytes(np.zeros((2, 2), dtype=np.complex64)), 65, "npy_c8.npy: byte 10: dtype \"<c8\": complex arrays are not supported (NMF needs real, non-negative data)")
put("npy_bigendian_i4.npy", array_bytes(np.zeros((2, 2), dtype=">i4")), 65, "npy_bigendian_i4.npy: byte 10: dtype \">i4\" is big-endian, which is not supported (convert with a.astype(a.dtype.newbyteorder('<')))")
put("npy_trailing_one.npy", array_bytes(np.ones((2, 2))) + b"x", 65, "npy_trailing_one.npy: byte 128: the data holds 33 bytes, expected 32 (shape (2, 2), dtype \"<f8\"): 1 unexpected bytes after the data")
put("npy_truncated_one.npy", array_bytes(np.ones((2, 2)))[:-1], 65, "npy_truncated_one.npy: byte 128: the data holds 31 bytes, expected 32 (shape (2, 2), dtype \"<f8\"): the file is truncated")
put("npy_mtx_content.npy", H + "1 1 1\n1 1 1\n", 65, "npy_mtx_content.npy: the extension says .npy, but the content is Matrix Market (name the format with --format to read it anyway)")
put("npy_shape_float.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2.0, 2), }", b"\0" * 32), 65, "npy_shape_float.npy: byte 62: expected ')' in the header, found \".\"")
put("npy_header_unterminated.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), ", b"\0" * 32), 65, "npy_header_unterminated.npy: byte 128: unexpected end in the header dictionary")

# --- more scipy.sparse .npz ---
for missing, holds in [("data", "format.npy, indices.npy, indptr.npy, shape.npy"),
                       ("format", "data.npy, indices.npy, indptr.npy, shape.npy"),
                       ("shape", "data.npy, format.npy, indices.npy, indptr.npy"),
                       ("indices", "data.npy, format.npy, indptr.npy, shape.npy")]:
    a = csr_arrays(); del a[missing]
    put("npz_missing_%s.npz" % missing, npz(a), 65,
        "npz_missing_%s.npz: no %s.npy in the archive (it holds: %s); expected a scipy.sparse matrix "
        "saved by scipy.sparse.save_npz" % (missing, missing, holds))
put("npz_empty_zip.npz", npz({}), 65, "npz_empty_zip.npz: no format.npy in the archive (it holds: nothing); expected a scipy.sparse matrix saved by scipy.sparse.save_npz")
coo = {"format": np.array(b"coo"), "shape": np.array([3, 4]), "row": np.array([0, 2], dtype=np.int32),
       "col": np.array([1, 3], dtype=np.int32), "data": np.array([1.0, 2.0])}
put("npz_coo_ok.npz", npz(coo), 0, "read a 3 x 4 matrix")
put("npz_coo_row_out.npz", npz(dict(coo, row=np.array([0, 3], dtype=np.int32))), 65, "npz_coo_row_out.npz: row.npy: entry 1 is 3, out of range 0..2 (the matrix has 3 rows)")
put("npz_coo_col_out.npz", npz(dict(coo, col=np.array([4, 3], dtype=np.int32))), 65, "npz_coo_col_out.npz: col.npy: entry 0 is 4, out of range 0..3 (the matrix has 4 columns)")
put("npz_coo_lengths.npz", npz(dict(coo, col=np.array([1], dtype=np.int32))), 65, "npz_coo_lengths.npz: row.npy, col.npy and data.npy hold 2, 1 and 2 values, expected the same count")
put("npz_coo_missing_col.npz", npz({k: v for k, v in coo.items() if k != "col"}), 65, "npz_coo_missing_col.npz: no col.npy in the archive (it holds: data.npy, format.npy, row.npy, shape.npy); expected a scipy.sparse matrix saved by scipy.sparse.save_npz")
csc = csr_arrays(format=np.array(b"csc"), indptr=np.array([0, 1, 2, 2, 3], dtype=np.int32),
                 indices=np.array([0, 2, 1], dtype=np.int32))
put("npz_csc_ok.npz", npz(csc), 0, "read a 3 x 4 matrix")
put("npz_csc_indptr_length.npz", npz(dict(csc, indptr=np.array([0, 1, 3], dtype=np.int32))), 65, "npz_csc_indptr_length.npz: indptr.npy: holds 3 values, expected 5 (columns + 1 for shape (3, 4))")
put("npz_csc_index_out.npz", npz(dict(csc, indices=np.array([0, 3, 1], dtype=np.int32))), 65, "npz_csc_index_out.npz: indices.npy: entry 1 is 3, out of range 0..2 (the matrix has 3 rows)")
put("npz_format_int.npz", npz(csr_arrays(format=np.array(7))), 65, "npz_format_int.npz: format.npy: expected one string ('csr', 'csc' or 'coo'), found dtype \"<i8\" shape ()")
put("npz_shape_negative.npz", npz(csr_arrays(shape=np.array([-3, 4]))), 65, "npz_shape_negative.npz: shape.npy: shape (-3, 4) is not supported (dimensions from 0 to 2147483647)")
put("npz_shape_float.npz", npz(csr_arrays(shape=np.array([3.0, 4.0]))), 65, "npz_shape_float.npz: shape.npy: dtype \"<f8\", expected an integer dtype")
put("npz_data_text.npz", npz(csr_arrays(data=np.array(["a", "b", "c"]))), 65, "npz_data_text.npz: data.npy: dtype \"<U1\", expected a numeric dtype")
put("npz_indices_2d.npz", npz(csr_arrays(indices=np.array([[0, 3, 1]], dtype=np.int32))), 65, "npz_indices_2d.npz: indices.npy: shape (1, 3), expected a 1-D array")
put("npz_format_bsr.npz", npz(csr_arrays(format=np.array(b"bsr"))), 65, "npz_format_bsr.npz: format.npy: sparse format \"bsr\" is not supported (csr, csc and coo are; convert with m.tocsr())")
put("npz_nan.npz", npz(csr_arrays(data=np.array([1.0, np.nan, 3.0]))), 65, "library would reject: NaN entry at row 0, column 3")
put("npz_inf.npz", npz(csr_arrays(data=np.array([1.0, 2.0, np.inf]))), 65, "library would reject: infinite entry at row 2, column 1")
put("npz_int_data_negative.npz", npz(csr_arrays(data=np.array([1, -2, 3], dtype=np.int8))), 65, "library would reject: negative entry -2 at row 0, column 3")
put("npz_uncompressed_ok.npz", npz(csr_arrays(), compressed=False), 0, "read a 3 x 4 matrix")
deflated = npz(csr_arrays())
dpos = deflated.find(b"data.npy") + 8
put("npz_deflate_corrupt.npz", deflated[:dpos] + bytes(b ^ 0x55 for b in deflated[dpos:dpos + 40]) + deflated[dpos + 40:], 65, "npz_deflate_corrupt.npz: data.npy: corrupt compressed data: invalid block type")
put("npz_tiny.npz", b"PK\x05\x06", 65, "npz_tiny.npz: not a zip (.npz) file: 4 bytes are too few")
put("npz_mtx_content.npz", H + "1 1 1\n1 1 1\n", 65, "npz_mtx_content.npz: the extension says .npz, but the content is Matrix Market (name the format with --format to read it anyway)")
put("npz_indptr_2d.npz", npz(csr_arrays(indptr=np.array([[0, 2, 2, 3]], dtype=np.int32))), 65, "npz_indptr_2d.npz: indptr.npy: shape (1, 4), expected a 1-D array")
put("npz_indptr_float.npz", npz(csr_arrays(indptr=np.array([0.0, 2.0, 2.0, 3.0]))), 65, "npz_indptr_float.npz: indptr.npy: dtype \"<f8\", expected an integer dtype")
put("npz_dup_ok.npz", npz(csr_arrays(indices=np.array([1, 1, 1], dtype=np.int32))), 0, "read a 3 x 4 matrix")
put("npz_gz.npz.gz", gz(npz(csr_arrays())), 0, "read a 3 x 4 matrix")
put("unknown_text.dat", "1,2\n", 65, "unknown_text.dat: cannot tell the format from the extension \".dat\" (expected .csv, .tsv, .tab, .mtx, .mm, .npy, .npz, .h5ad or .h5, optionally followed by .gz); name it with --format")
put("unknown_npy.dat", array_bytes(np.ones((2, 2))), 0, "read a 2 x 2 matrix")
put("unknown.xlsx", "PK-like but not\n", 65, "unknown.xlsx: cannot tell the format from the extension \".xlsx\" (expected .csv, .tsv, .tab, .mtx, .mm, .npy, .npz, .h5ad or .h5, optionally followed by .gz); name it with --format")
rows.append(("missing.mtx", 74, "cannot open \"missing.mtx\": No such file or directory", None))

# The checkpoint file of `nmfkit fit --checkpoint` (cli/checkpoint.cpp): "NMFKITCK", a uint32
# version, records (kind 'd': uint16 name length, name, uint64 rows, uint64 cols, float64 values
# column-major; kind 't': name, uint64 length, text), "END!" and the FNV-1a (64 bits) of every
# byte before it.
def fnv1a(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def ck_matrix(name, a, rows=None, cols=None):
    a = np.asarray(a, dtype="<f8").reshape(np.shape(a) if np.ndim(a) == 2 else (-1, 1))
    r = a.shape[0] if rows is None else rows
    c = a.shape[1] if cols is None else cols
    return (b"d" + len(name).to_bytes(2, "little") + name.encode() + r.to_bytes(8, "little") +
            c.to_bytes(8, "little") + a.tobytes(order="F"))


def ck_text(name, text):
    t = text.encode()
    return b"t" + len(name).to_bytes(2, "little") + name.encode() + len(t).to_bytes(8, "little") + t


def ck_file(records, version=1, checksum=True):
    body = b"NMFKITCK" + version.to_bytes(4, "little") + b"".join(records) + b"END!"
    return body + (fnv1a(body) if checksum else 0).to_bytes(8, "little")


def ck_records(state=(1, 0, 0, 2, 3.5, 9.0, 0), history_cols=7, online=None, extra=()):
    W = np.arange(1.0, 7.0).reshape(3, 2)
    Ht = np.arange(1.0, 9.0).reshape(4, 2)
    history = np.array([[1, 5.0, 0.4, 0, 0.01, 0, 0], [2, 3.5, 0.3, 0, 0.02, 0, 0]])[:, :history_cols]
    text = [ck_text("input", "rows=3\ncols=4\nstored=12\ndtype=float64\ntranspose=0\nchecksum=1\n"),
            ck_text("options", "rank=2\nseed=1\n")]
    if online is not None:
        return [ck_matrix("online", online), ck_matrix("W", W), ck_matrix("A", np.eye(2)),
                ck_matrix("B", W), ck_matrix("passes", np.zeros((0, 4)))] + list(extra) + text
    return ([ck_matrix("state", [state]), ck_matrix("W", W), ck_matrix("Ht", Ht),
             ck_matrix("history", history), ck_matrix("scalars", np.zeros((0, 1)))] +
            list(extra) + text)


good_ck = ck_file(ck_records())
put("ckpt_ok.ckpt", good_ck, 0, "read a checkpoint of iteration 2")
put("ckpt_empty.ckpt", b"", 65, 'ckpt_empty.ckpt: not an nmfkit checkpoint (it does not start with "NMFKITCK")')
put("ckpt_npy.ckpt", array_bytes(np.ones((2, 2))), 65, 'ckpt_npy.ckpt: not an nmfkit checkpoint (it does not start with "NMFKITCK")')
put("ckpt_version.ckpt", ck_file(ck_records(), version=9), 65, "ckpt_version.ckpt: checkpoint format version 9, this nmfkit reads 1")
put("ckpt_header_only.ckpt", b"NMFKITCK\x01\x00\x00\x00", 65, "ckpt_header_only.ckpt: truncated: not a complete checkpoint")
put("ckpt_truncated.ckpt", good_ck[:len(good_ck) // 2], 65, "ckpt_truncated.ckpt: damaged or truncated checkpoint (its checksum does not match)")
flipped = bytearray(good_ck)
flipped[100] ^= 0x40
put("ckpt_flipped.ckpt", bytes(flipped), 65, "ckpt_flipped.ckpt: damaged or truncated checkpoint (its checksum does not match)")
put("ckpt_no_checksum.ckpt", ck_file(ck_records(), checksum=False), 65, "ckpt_no_checksum.ckpt: damaged or truncated checkpoint (its checksum does not match)")
put("ckpt_huge_record.ckpt", ck_file([ck_matrix("W", np.ones((1, 1)), rows=1 << 39, cols=1 << 39)]), 65, "ckpt_huge_record.ckpt: record W is larger than the file")
put("ckpt_record_past_end.ckpt", ck_file([ck_matrix("W", np.ones((1, 1)), rows=3, cols=1)]), 65, "ckpt_record_past_end.ckpt: record W is larger than the file")
put("ckpt_unknown_kind.ckpt", ck_file([b"x\x01\x00Z"] + ck_records()), 65, "ckpt_unknown_kind.ckpt: unknown record kind at byte 12")
put("ckpt_no_state.ckpt", ck_file(ck_records()[1:]), 65, "ckpt_no_state.ckpt: no record state")
put("ckpt_no_options.ckpt", ck_file(ck_records()[:-1]), 65, "ckpt_no_options.ckpt: no record options")
put("ckpt_history_shape.ckpt", ck_file(ck_records(history_cols=3)), 65, "ckpt_history_shape.ckpt: record history has the wrong shape")
put("ckpt_nan_iteration.ckpt", ck_file(ck_records(state=(1, 0, 0, float("nan"), 3.5, 9.0, 0))), 65, "ckpt_nan_iteration.ckpt: record state holds no valid integer")
put("ckpt_huge_iteration.ckpt", ck_file(ck_records(state=(1, 0, 0, 1e12, 3.5, 9.0, 0))), 65, "ckpt_huge_iteration.ckpt: record state holds no valid integer")
put("ckpt_best_status.ckpt", ck_file(ck_records(extra=[ck_matrix("restart_objectives", [[1.0]]), ck_matrix("best", [[0, 9, 2, 2, 0, 0, 1, 1, 0.5, 0, 1, 0, 0]]), ck_matrix("best_W", np.ones((3, 2))), ck_matrix("best_H", np.ones((2, 4))), ck_matrix("best_d", np.zeros((0, 1))), ck_matrix("best_history", np.zeros((0, 7)))])), 65, "ckpt_best_status.ckpt: record best holds no valid value")
put("ckpt_best_missing.ckpt", ck_file(ck_records(extra=[ck_matrix("best", [[0, 1, 2, 2, 0, 0, 1, 1, 0.5, 0, 1, 0, 0]])])), 65, "ckpt_best_missing.ckpt: no record best_W")
put("ckpt_online_no_blocks_checksum.ckpt", ck_file(ck_records(online=[[0, 2, 14, 1, 1, 0, 0, 2, 1]])), 65, "ckpt_online_no_blocks_checksum.ckpt: no record blocks_checksum")
put("ckpt_online_bad_blocks_checksum.ckpt", ck_file(ck_records(online=[[0, 2, 14, 1, 1, 0, 0, 2, 1]], extra=[ck_text("blocks_checksum", "12x")])), 65, "ckpt_online_bad_blocks_checksum.ckpt: record blocks_checksum holds no valid checksum")
put("ckpt_online_ok.ckpt", ck_file(ck_records(online=[[0, 2, 14, 1, 1, 0, 0, 2, 1]], extra=[ck_text("blocks_checksum", "12")])), 0, "read a checkpoint of iteration 2")
# The optional input lines: a mask's pattern (--mask) and the Python module's storage of X.
put("ckpt_mask_storage_ok.ckpt", ck_file(ck_records()[:-2] + [ck_text("input", "rows=3\ncols=4\nstored=12\ndtype=float64\ntranspose=0\nchecksum=1\nmask=2:77\nstorage=csr int32\n"), ck_text("options", "rank=2\nseed=1\n")]), 0, "read a checkpoint of iteration 2")
put("ckpt_input_incomplete.ckpt", ck_file(ck_records()[:-2] + [ck_text("input", "rows=3\n"), ck_text("options", "")]), 65, "ckpt_input_incomplete.ckpt: record input is incomplete")

regressions = []
if os.path.exists("expected.tsv"):
    lines = open("expected.tsv").read().split("\n")
    if "# regressions" in lines:
        regressions = lines[lines.index("# regressions") + 1:]
with open("expected.tsv", "w") as f:
    f.write("# Bad-input corpus: FILE\tEXIT CODE\tEXACT MESSAGE[\tMAX_MEMORY] (written by\n"
            "# make_corpus.py; 65 bad data, 74 I/O error, 0 read; \"library would reject\" = read\n"
            "# unchanged, rejected by the library's check). Checked by the ctest test\n"
            "# io.bad_input_corpus.\n")
    for name, code, message, limit in rows:
        assert "\t" not in message and "\n" not in message, name
        f.write("%s\t%d\t%s%s\n" % (name, code, message, "" if limit is None else "\t%d" % limit))
    f.write("# regressions\n")
    f.write("\n".join(r for r in regressions if r.strip()) + ("\n" if any(r.strip() for r in regressions) else ""))
print(len(rows), "rows")
