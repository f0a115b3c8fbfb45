#!/usr/bin/python3
"""Writes the bad-input corpus and its table expected.tsv (FILE, exit code, message fragment).
Run by hand (/usr/bin/python3 tests/data/bad/make_corpus.py) when adding a case; the files are
committed, so the tests do not need Python. Regression files found by the fuzzers (fuzz_*) are added
to the table by hand, below the generated rows (kept between runs)."""
import gzip, io, os, random, zipfile
import numpy as np

os.chdir(os.path.dirname(os.path.abspath(__file__)))
rows = []


def put(name, data, code, fragment):
    if isinstance(data, str):
        data = data.encode()
    with open(name, "wb") as f:
        f.write(data)
    rows.append((name, code, fragment))


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
            z.writestr(name + ".npy", array_bytes(a))
    return b.getvalue()


def csr_arrays(**over):
    a = {"format": np.array(b"csr"), "shape": np.array([3, 4]),
         "indptr": np.array([0, 2, 2, 3], dtype=np.int32),
         "indices": np.array([0, 3, 1], dtype=np.int32),
         "data": np.array([1.0, 2.0, 3.0])}
    a.update(over)
    return a


rnd = random.Random(3)
H = "%%MatrixMarket matrix coordinate real general\n"

# --- Matrix Market ---
put("mtx_empty.mtx", "", 65, "empty file, expected a Matrix Market header")
put("mtx_no_banner.mtx", "%%MatrixMarket\n3 3 1\n1 1 1\n", 65, ":1: the header has 1 fields, expected 5")
put("mtx_vector.mtx", "%%MatrixMarket vector coordinate real general\n3 1\n", 65,
    ":1: object \"vector\" is not supported, expected matrix")
put("mtx_complex.mtx", "%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n", 65,
    ":1: complex matrices are not supported")
put("mtx_skew.mtx", "%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n2 1 1\n", 65,
    ":1: skew-symmetric matrices are not supported")
put("mtx_hermitian.mtx", "%%MatrixMarket matrix coordinate real hermitian\n2 2 1\n2 1 1\n", 65,
    ":1: hermitian matrices are not supported")
put("mtx_pattern_array.mtx", "%%MatrixMarket matrix array pattern general\n2 2\n", 65,
    ":1: a pattern matrix must be in coordinate format")
put("mtx_unknown_field.mtx", "%%MatrixMarket matrix coordinate quaternion general\n", 65,
    ":1: field \"quaternion\" is not supported")
put("mtx_no_size.mtx", H + "% only comments\n", 65, ":2: the file ends before the size line")
put("mtx_bad_size.mtx", H + "2 x 3\n", 65, ":2: column 2: \"x\" is not a non-negative integer")
put("mtx_size_fields.mtx", H + "2 2\n1 1 1\n", 65,
    ":2: the size line has 2 fields, expected 3 (ROWS COLUMNS ENTRIES)")
put("mtx_negative_size.mtx", H + "-2 2 1\n1 1 1\n", 65, ":2: column 1: \"-2\" is not a non-negative integer")
put("mtx_row_zero.mtx", H + "3 3 2\n1 1 1\n0 2 1\n", 65, ":4: column 1: row index 0 is out of range 1..3")
put("mtx_col_big.mtx", H + "3 3 2\n1 1 1\n2 9 1\n", 65, ":4: column 2: column index 9 is out of range 1..3")
put("mtx_index_text.mtx", H + "3 3 1\na 1 1\n", 65, ":3: column 1: \"a\" is not a row index")
put("mtx_index_float.mtx", H + "3 3 1\n1.0 1 1\n", 65, ":3: column 1: \"1.0\" is not a row index")
put("mtx_value_text.mtx", H + "3 3 1\n1 1 abc\n", 65, ":3: column 3: \"abc\" is not a number")
put("mtx_truncated.mtx", H + "3 3 5\n1 1 1\n2 2 2\n", 65,
    ":4: the size line (line 2) declares 5 entries, the file ends after 2")
put("mtx_too_many.mtx", H + "3 3 1\n1 1 1\n2 2 2\n", 65,
    ":4: more entries than the 1 the size line (line 2) declares")
put("mtx_short_line.mtx", H + "3 3 1\n1 1\n", 65, ":3: has 2 fields, expected 3 (ROW COLUMN VALUE)")
put("mtx_long_line.mtx", H + "3 3 1\n1 1 1 1\n", 65, ":3: has 4 fields, expected 3")
put("mtx_int_float.mtx", "%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 1.5\n", 65,
    ":3: column 3: \"1.5\" is not an integer")
put("mtx_absurd_coord.mtx", H + "1000000000000 1000000000000 1\n1 1 1\n", 65,
    ":2: a 1000000000000 x 1000000000000 sparse matrix is too large")
put("mtx_absurd_array.mtx", "%%MatrixMarket matrix array real general\n1000000000000 1000000000000\n1\n", 65,
    ":2: a 1000000000000 x 1000000000000 array matrix needs more than 2^64 bytes")
put("mtx_too_many_entries.mtx", H + "100000 100000 5000000000\n1 1 1\n", 65,
    ":2: 5000000000 entries are too many")
put("mtx_over_memory.mtx", H + "100000 100000 100000000\n1 1 1\n", 65,
    "coordinate matrix with 100000000 entries needs about 3201600016 bytes (3.0 GiB), more than "
    "the memory limit of 1073741824 bytes")
put("mtx_array_over_memory.mtx", "%%MatrixMarket matrix array real general\n100000 100000\n1\n", 65,
    "array matrix needs about 80000000000 bytes (74.5 GiB)")
put("mtx_sym_nonsquare.mtx", "%%MatrixMarket matrix coordinate real symmetric\n2 3 1\n1 1 1\n", 65,
    ":2: a symmetric matrix must be square, the size line says 2 x 3")
put("mtx_array_short.mtx", "%%MatrixMarket matrix array real general\n2 3\n1\n2\n3\n4\n", 65,
    ":6: the size line (line 2) declares 6 values, the file ends after 4")
put("mtx_array_two_values.mtx", "%%MatrixMarket matrix array real general\n1 2\n1 2\n", 65,
    ":3: has 2 fields, expected 1 (one value per line)")
put("mtx_overflow.mtx", H + "1 1 1\n1 1 1e999\n", 65, "column 3: \"1e999\" is out of the range of a double")
put("mtx_int_overflow.mtx", "%%MatrixMarket matrix coordinate integer general\n1 1 1\n1 1 99999999999999999999\n",
    65, "is out of the range of a 64-bit integer")
put("mtx_negative.mtx", H + "2 2 2\n1 1 1\n2 1 -3\n", 65, "library would reject: negative entry -3")
put("mtx_nan.mtx", H + "2 2 1\n2 2 nan\n", 65, "library would reject: NaN entry at row 1, column 1")
put("mtx_binary_garbage.mtx", bytes(rnd.randrange(256) for _ in range(512)), 65,
    ":1: not a Matrix Market header")
put("mtx_gz_not_gzip.mtx.gz", H + "1 1 1\n1 1 1\n", 65, "not a gzip file (it does not start with the bytes 1f 8b)")
full = gzip.compress((H + "3 3 3\n1 1 1\n2 2 2\n3 3 3\n" * 50).encode())
put("mtx_gz_truncated.mtx.gz", full[: len(full) // 2], 65, "the gzip data ends early")
put("mtx_gz_corrupt.mtx.gz", full[:10] + bytes(rnd.randrange(256) for _ in range(200)), 65,
    "corrupt gzip data")
put("mtx_npy_content.mtx", array_bytes(np.ones((2, 2))), 65,
    "the extension says Matrix Market, but the content is .npy")

# --- NumPy .npy ---
good = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }"
put("npy_empty.npy", "", 65, "not a .npy file")
put("npy_text.npy", "1,2\n3,4\n", 65, "not a .npy file (it does not start with")
put("npy_bigendian.npy", npy_bytes(good.replace("<f8", ">f8"), b"\0" * 32), 65,
    "dtype \">f8\" is big-endian, which is not supported")
put("npy_object.npy", npy_bytes(good.replace("'<f8'", "'|O'"), b"\0" * 32), 65, "object arrays are not supported")
put("npy_complex.npy", npy_bytes(good.replace("<f8", "<c16"), b"\0" * 64), 65, "complex arrays are not supported")
put("npy_structured.npy", npy_bytes("{'descr': [('a', '<f8'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,), }", b"\0" * 24),
    65, "structured dtypes are not supported")
put("npy_float16.npy", npy_bytes(good.replace("<f8", "<f2"), b"\0" * 8), 65, "dtype \"<f2\" is not supported")
put("npy_string.npy", array_bytes(np.array([["ab", "c"], ["d", "e"]])), 65, "holds text, expected numbers")
put("npy_1d.npy", array_bytes(np.arange(5.0)), 65, "shape (5,) has 1 dimension, expected a 2-D array")
put("npy_0d.npy", array_bytes(np.float64(3.0)), 65, "shape () has 0 dimensions, expected a 2-D array")
put("npy_3d.npy", array_bytes(np.zeros((2, 3, 4))), 65, "shape (2, 3, 4) has 3 dimensions")
full = array_bytes(np.arange(12.0).reshape(3, 4))
put("npy_truncated.npy", full[:-20], 65, "the data holds 76 bytes, expected 96 (shape (3, 4), dtype \"<f8\"): the file is truncated")
put("npy_truncated_header.npy", full[:40], 65, "the header length 118 runs past the end of the file (40 bytes)")
put("npy_trailing.npy", full + b"\0" * 8, 65, "8 unexpected bytes after the data")
put("npy_bad_version.npy", b"\x93NUMPY\x09\x00" + full[8:], 65, ".npy format version 9.0 is not supported")
put("npy_bad_header.npy", npy_bytes("{'descr': <f8, 'fortran_order': False, 'shape': (2, 2), }", b"\0" * 32), 65,
    "unexpected \"<\" in the header dictionary")
put("npy_no_shape.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, }", b""), 65, "the header lacks 'shape'")
put("npy_shape_text.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, x), }"), 65,
    "expected a non-negative integer in the shape")
put("npy_absurd.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000, 1000000000000), }"), 65,
    "an array of shape (1000000000000, 1000000000000) needs more than 2^64 bytes")
put("npy_over_memory.npy", npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (100000, 100000), }"), 65,
    "needs about 80000000000 bytes (74.5 GiB), more than the memory limit of 1073741824 bytes (1.0 GiB)")
put("npy_negative.npy", array_bytes(np.array([[1.0, -2.5], [0.0, 1.0]])), 65,
    "library would reject: negative entry -2.5")
put("npy_nan.npy", array_bytes(np.array([[1.0, 2.0], [np.nan, 1.0]], dtype=np.float32)), 65,
    "library would reject: NaN entry at row 1, column 0")
put("npy_int_negative.npy", array_bytes(np.array([[1, 2], [3, -4]], dtype=np.int16)), 65,
    "library would reject: negative entry -4")
put("npy_npz_content.npy", npz(csr_arrays()), 65, "the extension says .npy, but the content is .npz")

# --- scipy.sparse .npz ---
put("npz_text.npz", "not a zip file\n", 65, "not a zip (.npz) file (it does not start with \"PK\")")
whole = npz(csr_arrays(), compressed=False)
put("npz_truncated.npz", whole[: len(whole) // 2], 65, "no end of central directory record")
a = csr_arrays(); del a["indptr"]
put("npz_missing_indptr.npz", npz(a), 65, "no indptr.npy in the archive (it holds: data.npy, format.npy, indices.npy, shape.npy)")
put("npz_indptr_decreasing.npz", npz(csr_arrays(indptr=np.array([0, 2, 1, 3], dtype=np.int32))), 65,
    "indptr.npy: entry 2 is 1, less than entry 1 (2): indptr must not decrease")
put("npz_indptr_first.npz", npz(csr_arrays(indptr=np.array([1, 2, 2, 3], dtype=np.int32))), 65,
    "indptr.npy: entry 0 is 1, expected 0")
put("npz_indptr_last.npz", npz(csr_arrays(indptr=np.array([0, 2, 2, 2], dtype=np.int32))), 65,
    "indptr.npy: the last entry is 2, expected 3")
put("npz_indptr_length.npz", npz(csr_arrays(indptr=np.array([0, 2, 3], dtype=np.int32))), 65,
    "indptr.npy: holds 3 values, expected 4 (rows + 1 for shape (3, 4))")
put("npz_index_out_of_range.npz", npz(csr_arrays(indices=np.array([0, 4, 1], dtype=np.int32))), 65,
    "indices.npy: entry 1 is 4, out of range 0..3 (the matrix has 4 columns)")
put("npz_index_negative.npz", npz(csr_arrays(indices=np.array([0, -1, 1], dtype=np.int64))), 65,
    "indices.npy: entry 1 is -1, out of range 0..3")
put("npz_inconsistent_lengths.npz", npz(csr_arrays(data=np.array([1.0, 2.0]))), 65,
    "indices.npy and data.npy hold 3 and 2 values")
put("npz_bad_format.npz", npz(csr_arrays(format=np.array(b"dia"))), 65, "sparse format \"dia\" is not supported")
put("npz_shape_3.npz", npz(csr_arrays(shape=np.array([3, 4, 5]))), 65, "shape.npy: holds 3 values, expected 2")
put("npz_shape_absurd.npz", npz(csr_arrays(shape=np.array([10**12, 10**12]))), 65,
    "shape (1000000000000, 1000000000000) is not supported")
put("npz_data_2d.npz", npz(csr_arrays(data=np.ones((3, 1)))), 65, "data.npy: shape (3, 1), expected a 1-D array")
put("npz_float_indices.npz", npz(csr_arrays(indices=np.array([0.0, 3.0, 1.0]))), 65,
    "indices.npy: dtype \"<f8\", expected an integer dtype")
put("npz_bigendian_data.npz", npz(csr_arrays(data=np.array([1.0, 2.0, 3.0], dtype=">f8"))), 65,
    "data.npy: byte 10: dtype \">f8\" is big-endian")
crc = bytearray(whole)
pos = crc.find(b"\x93NUMPY", crc.find(b"data.npy"))
crc[pos + 80] ^= 0xFF
put("npz_crc.npz", bytes(crc), 65, "CRC-32 mismatch")
put("npz_negative.npz", npz(csr_arrays(data=np.array([1.0, -2.0, 3.0]))), 65,
    "library would reject: negative entry -2")
put("npz_npy_content.npz", array_bytes(np.ones((2, 2))), 65, "the extension says .npz, but the content is .npy")

# --- CSV / TSV ---
put("csv_empty.csv", "", 65, "no data rows")
put("csv_only_comments.csv", "# nothing\n\n", 65, "no data rows")
put("csv_only_header.csv", "a,b\n", 65, "no data rows")
put("csv_ragged.csv", "1,2,3\n4,5\n", 65, ":2: has 2 fields, expected 3 (as on line 1)")
put("csv_text.csv", "1,2,3\n4,abc,6\n", 65, ":2: column 2: \"abc\" is not a number")
put("csv_empty_field.csv", "1,,3\n", 65, ":1: column 2: empty field")
put("csv_header_mismatch.csv", "a,b,c\n1,2\n", 65, ":1: the header has 3 fields, expected 2")
put("csv_binary.csv", bytes([0x50, 0x4e, 0x00, 0x01]) + bytes(rnd.randrange(256) for _ in range(256)), 65,
    "byte 2: binary data (a NUL byte) in a CSV file")
put("csv_overflow.tsv", "1\t1e400\n", 65, ":1: column 2: \"1e400\" is out of the range of a double")
put("csv_negative.csv", "1,2\n3,-8\n", 65, "library would reject: negative entry -8")
put("csv_nan.tsv", "1\tnan\n", 65, "library would reject: NaN entry at row 0, column 1")
put("csv_inf.csv", "1,inf\n", 65, "library would reject: infinite entry")
put("csv_npy_content.csv", array_bytes(np.ones((2, 2))), 65, "the extension says CSV, but the content is .npy")
put("unknown.xlsx", "PK-like but not\n", 65, "cannot tell the format from the extension \".xlsx\"")
rows.append(("missing.mtx", 74, "missing.mtx\": No such file or directory"))

regressions = []
if os.path.exists("expected.tsv"):
    lines = open("expected.tsv").read().split("\n")
    if "# regressions" in lines:
        regressions = lines[lines.index("# regressions") + 1:]
with open("expected.tsv", "w") as f:
    f.write("# Bad-input corpus: FILE\tEXIT CODE\tMESSAGE FRAGMENT (written by make_corpus.py;\n"
            "# 65 bad data, 74 I/O error; \"library would reject\" = read unchanged, rejected by\n"
            "# the library's check). Checked by the ctest test io.bad_input_corpus.\n")
    for name, code, frag in rows:
        f.write("%s\t%d\t%s\n" % (name, code, frag))
    f.write("# regressions\n")
    f.write("\n".join(r for r in regressions if r.strip()) + ("\n" if any(r.strip() for r in regressions) else ""))
print(len(rows), "rows")
