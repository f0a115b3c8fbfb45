// nmfkit._core: the pybind11 extension. It only converts and calls the C++ library: NumPy arrays
// and scipy.sparse buffers become views (never copies), an options dict becomes nmfkit::Options,
// a Result becomes a dict of NumPy arrays and numbers. Everything that decides whether an input
// must be converted lives in python/nmfkit/_input.py, which asks dense_view_info() here.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <nmfkit/option_fields.hpp>
#include <nmfkit/nmfkit.hpp>

#include "checkpoint.hpp"  // cli/: the checkpoint file, shared with the command-line tools

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace py = pybind11;
using namespace pybind11::literals;

namespace {

// ---------------------------------------------------------------------------------------------
// Options: a dict of keyword arguments, names as in Python's nmfkit.fit().

// Every key options_from_dict() accepts: the fields of nmfkit/option_fields.hpp, in its order.
std::vector<std::string> option_names() {
    std::vector<std::string> names;
    for (const nmfkit::OptionField& f : nmfkit::option_fields()) names.emplace_back(f.name);
    return names;
}

template <class V>
V cast_option(const std::string& key, const py::handle& value, const char* expected) {
    try {
        return value.cast<V>();
    } catch (const py::cast_error&) {
        throw py::type_error("option " + key + ": expected " + expected + ", got " +
                             std::string(py::str(py::type::of(value).attr("__name__"))));
    }
}

std::string cast_name(const std::string& key, const py::handle& value) {
    if (!py::isinstance<py::str>(value))
        throw py::type_error("option " + key + ": expected str, got " +
                             std::string(py::str(py::type::of(value).attr("__name__"))));
    return value.cast<std::string>();
}

// A Python int for a C++ int field: outside int's range is a ValueError, not a silent wrap.
int cast_int(const std::string& key, const py::handle& value) {
    // An integer is what has __index__ (int, numpy.int64), bool and float excluded; taken as a
    // Python int first: 2**63 fits no C++ integer, and is out of range, not of the wrong type.
    if (py::isinstance<py::bool_>(value) || PyIndex_Check(value.ptr()) == 0)
        throw py::type_error("option " + key + ": expected int, got " +
                             std::string(py::str(py::type::of(value).attr("__name__"))));
    const auto v = py::reinterpret_steal<py::int_>(PyNumber_Index(value.ptr()));
    if (!v) throw py::error_already_set();
    if (v < py::int_(INT32_MIN) || v > py::int_(INT32_MAX))
        throw py::value_error("option " + key + " = " + std::string(py::str(py::object(v))) +
                              " is out of range (" + std::to_string(INT32_MIN) + " to " +
                              std::to_string(INT32_MAX) + ")");
    return v.cast<int>();
}

std::uint64_t cast_seed(const py::handle& value) {
    const std::string key = "seed";
    if (py::isinstance<py::bool_>(value) || py::isinstance<py::float_>(value))
        throw py::type_error("option seed: expected int, got " +
                             std::string(py::str(py::type::of(value).attr("__name__"))));
    const py::int_ v = cast_option<py::int_>(key, value, "int");
    if (v < py::int_(0) || v >= py::int_(1).attr("__lshift__")(64))
        throw py::value_error("seed must be in [0, 2**64), got " +
                              std::string(py::str(py::object(v))));
    return v.cast<std::uint64_t>();
}

// Options::mask from (m, n, rows, cols): the 0-based positions of the missing entries, as
// nmfkit._api._mask_positions() builds them from a dense or sparse mask.
std::shared_ptr<const nmfkit::Mask> mask_from_positions(const py::handle& value) {
    using Index = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
    const auto t = cast_option<py::tuple>("mask", value, "a tuple (m, n, rows, cols)");
    if (t.size() != 4) throw py::type_error("option mask: expected a tuple (m, n, rows, cols)");
    const auto rows = Index::ensure(t[2]), cols = Index::ensure(t[3]);
    if (!rows || !cols || rows.ndim() != 1 || cols.ndim() != 1 || rows.size() != cols.size())
        throw py::value_error(
            "option mask: rows and cols must be 1-D integer arrays of one length");
    std::vector<std::pair<std::int64_t, std::int64_t>> positions(
        static_cast<std::size_t>(rows.size()));
    for (py::ssize_t p = 0; p < rows.size(); ++p)
        positions[static_cast<std::size_t>(p)] = {rows.at(p), cols.at(p)};
    return std::make_shared<const nmfkit::Mask>(nmfkit::Mask::from_positions(
        cast_int("mask", t[0]), cast_int("mask", t[1]), std::move(positions)));
}

// A Python value as the table field's value; type errors name the option.
nmfkit::OptionValue value_of(const nmfkit::OptionField& f, const std::string& key,
                             const py::handle& value) {
    switch (f.kind) {
        case nmfkit::OptionKind::integer: return static_cast<long long>(cast_int(key, value));
        case nmfkit::OptionKind::real: return cast_option<double>(key, value, "float");
        case nmfkit::OptionKind::flag: return cast_option<bool>(key, value, "bool");
        case nmfkit::OptionKind::seed: return cast_seed(value);
        case nmfkit::OptionKind::name: return cast_name(key, value);
        case nmfkit::OptionKind::columns: {
            if (py::isinstance<py::str>(value))
                throw py::type_error("option " + key + ": expected a sequence of ints, got str");
            std::vector<int> columns;
            for (const auto& c : cast_option<py::iterable>(key, value, "a sequence of ints"))
                columns.push_back(cast_int(key, c));
            return columns;
        }
        case nmfkit::OptionKind::mask: return mask_from_positions(value);
    }
    throw std::logic_error("unhandled option kind");
}

// The Options of a dict keyed by the table's names (nmfkit/option_fields.hpp); None = default.
nmfkit::Options options_from_dict(const py::dict& d) {
    nmfkit::Options o;
    for (const auto& [k, value] : d) {
        const std::string key = py::str(k);
        if (value.is_none()) continue;  // None = the library's default
        const nmfkit::OptionField* field = nullptr;
        for (const nmfkit::OptionField& f : nmfkit::option_fields())
            if (f.name == key) field = &f;
        if (field == nullptr) {
            std::string list;
            for (const auto& n : option_names()) list += (list.empty() ? "" : ", ") + n;
            throw py::value_error("unknown option \"" + key + "\"; expected one of: " + list);
        }
        field->set(o, value_of(*field, key, value));
    }
    return o;
}

// The dict of Options (every table field but the mask); unset names are None.
py::dict options_to_dict(const nmfkit::Options& o) {
    py::dict d;
    for (const nmfkit::OptionField& f : nmfkit::option_fields()) {
        if (f.kind == nmfkit::OptionKind::mask) continue;
        const nmfkit::OptionValue v = f.get(o);
        const std::string key(f.name);
        std::visit(
            [&](const auto& x) {
                using X = std::decay_t<decltype(x)>;
                if constexpr (std::is_same_v<X, std::string>) {
                    d[key.c_str()] =
                        f.optional && x.empty() ? py::object(py::none()) : py::object(py::str(x));
                } else if constexpr (!std::is_same_v<X, std::shared_ptr<const nmfkit::Mask>>) {
                    d[key.c_str()] = x;
                }
            },
            v);
    }
    return d;
}

// ---------------------------------------------------------------------------------------------
// Dense input: a 2-D float32/float64 array with unit stride along one axis is a DenseView
// (column-major when axis 0 has unit stride, row-major when axis 1 has), its other stride the
// leading dimension. Anything else is not viewable and _input.py converts it first.

bool is_float(const py::array& a) { return py::isinstance<py::array_t<float>>(a); }
bool is_double(const py::array& a) { return py::isinstance<py::array_t<double>>(a); }

struct DenseLayout {
    nmfkit::Layout layout;
    Eigen::Index ld;
};

// The layout of a viewable array, or nothing. NOTE: a dimension of length 1 may carry any stride
// (NumPy does not normalise it), so it is ignored; negative and overlapping strides are refused.
std::optional<DenseLayout> dense_layout(const py::array& a) {
    if (a.ndim() != 2 || !(is_float(a) || is_double(a))) return std::nullopt;
    if (a.shape(0) == 0 || a.shape(1) == 0)  // nothing to read: the library reports it as empty
        return DenseLayout{nmfkit::Layout::col_major, std::max<Eigen::Index>(a.shape(0), 1)};
    const auto isz = static_cast<py::ssize_t>(a.itemsize());
    if (reinterpret_cast<std::uintptr_t>(a.data()) % static_cast<std::uintptr_t>(isz) != 0)
        return std::nullopt;  // unaligned (a view into a byte buffer)
    const py::ssize_t m = a.shape(0), n = a.shape(1), s0 = a.strides(0), s1 = a.strides(1);
    auto lead = [&](py::ssize_t stride, py::ssize_t min_ld,
                    py::ssize_t other_len) -> std::optional<Eigen::Index> {
        if (other_len <= 1) return static_cast<Eigen::Index>(std::max<py::ssize_t>(min_ld, 1));
        if (stride <= 0 || stride % isz != 0 || stride / isz < min_ld) return std::nullopt;
        return static_cast<Eigen::Index>(stride / isz);
    };
    if (m <= 1 || s0 == isz)  // column-major: V(i, j) at data[i + j·ld]
        if (auto ld = lead(s1, m, n)) return DenseLayout{nmfkit::Layout::col_major, *ld};
    if (n <= 1 || s1 == isz)  // row-major: V(i, j) at data[i·ld + j]
        if (auto ld = lead(s0, n, m)) return DenseLayout{nmfkit::Layout::row_major, *ld};
    return std::nullopt;
}

template <class T>
nmfkit::DenseView<T> dense_view(const py::array& a) {
    const auto lay = dense_layout(a);
    if (!lay)
        throw py::value_error(
            "internal: this array cannot be viewed in place (nmfkit._input converts it first)");
    return nmfkit::DenseView<T>(static_cast<const T*>(a.data()), a.shape(0), a.shape(1),
                                lay->layout, lay->ld);
}

py::object dense_view_info(const py::array& a) {
    const auto lay = dense_layout(a);
    if (!lay) return py::none();
    return py::dict(
        "layout"_a = lay->layout == nmfkit::Layout::col_major ? "col_major" : "row_major",
        "ld"_a = lay->ld, "data"_a = reinterpret_cast<std::uintptr_t>(a.data()));
}

// ---------------------------------------------------------------------------------------------
// Sparse input: scipy's indptr/indices/data buffers, 1-D and contiguous, used in place.

struct SparseArrays {
    py::ssize_t rows, cols;
    py::array indptr, indices, data;
    nmfkit::SparseLayout layout;
};

nmfkit::SparseLayout sparse_layout(const std::string& name) {
    if (name == "csc") return nmfkit::SparseLayout::csc;
    if (name == "csr") return nmfkit::SparseLayout::csr;
    throw py::value_error("sparse layout must be \"csc\" or \"csr\", got \"" + name + "\"");
}

void check_vector(const py::array& a, const char* what) {
    if (a.ndim() != 1 ||
        (a.shape(0) > 1 && a.strides(0) != static_cast<py::ssize_t>(a.itemsize())) ||
        reinterpret_cast<std::uintptr_t>(a.data()) % static_cast<std::uintptr_t>(a.itemsize()) != 0)
        throw py::value_error(std::string("sparse V: ") + what +
                              " must be a contiguous, aligned 1-D array");
}

SparseArrays sparse_arrays(py::tuple shape, py::array indptr, py::array indices, py::array data,
                           const std::string& layout) {
    if (shape.size() != 2) throw py::value_error("sparse V: shape must have two entries");
    SparseArrays s{shape[0].cast<py::ssize_t>(),
                   shape[1].cast<py::ssize_t>(),
                   std::move(indptr),
                   std::move(indices),
                   std::move(data),
                   sparse_layout(layout)};
    check_vector(s.indptr, "indptr");
    check_vector(s.indices, "indices");
    check_vector(s.data, "data");
    const bool i32 = py::isinstance<py::array_t<std::int32_t>>(s.indptr) &&
                     py::isinstance<py::array_t<std::int32_t>>(s.indices);
    const bool i64 = py::isinstance<py::array_t<std::int64_t>>(s.indptr) &&
                     py::isinstance<py::array_t<std::int64_t>>(s.indices);
    if (!i32 && !i64)
        throw py::value_error("sparse V: indptr and indices must both be int32 or both int64");
    if (!(is_float(s.data) || is_double(s.data)))
        throw py::value_error("sparse V: data must be float32 or float64");
    if (s.rows < 0 || s.cols < 0) throw py::value_error("sparse V: negative shape");
    const py::ssize_t outer = s.layout == nmfkit::SparseLayout::csc ? s.cols : s.rows;
    if (s.indptr.shape(0) != outer + 1)
        throw py::value_error("sparse V: indptr has " + std::to_string(s.indptr.shape(0)) +
                              " entries, expected " + std::to_string(outer + 1));
    // The library checks that indptr starts at 0 and never decreases; the arrays must hold
    // indptr[outer] entries for it to read them.
    const long long nnz =
        i32 ? static_cast<const std::int32_t*>(s.indptr.data())[outer]
            : static_cast<long long>(static_cast<const std::int64_t*>(s.indptr.data())[outer]);
    if (nnz < 0 || s.indices.shape(0) < nnz || s.data.shape(0) < nnz)
        throw py::value_error("sparse V: indptr[-1] = " + std::to_string(nnz) +
                              " but indices has " + std::to_string(s.indices.shape(0)) +
                              " and data " + std::to_string(s.data.shape(0)) + " entries");
    return s;
}

template <class T, class I>
nmfkit::SparseView<T, I> sparse_view(const SparseArrays& s) {
    return nmfkit::SparseView<T, I>(s.rows, s.cols, static_cast<const I*>(s.indptr.data()),
                                    static_cast<const I*>(s.indices.data()),
                                    static_cast<const T*>(s.data.data()), s.layout);
}

// Calls f(view) with the SparseView<T, I> that matches the arrays' dtypes.
template <class F>
auto with_sparse_view(const SparseArrays& s, F&& f) {
    const bool i32 = py::isinstance<py::array_t<std::int32_t>>(s.indptr);
    if (is_double(s.data))
        return i32 ? f(sparse_view<double, std::int32_t>(s))
                   : f(sparse_view<double, std::int64_t>(s));
    return i32 ? f(sparse_view<float, std::int32_t>(s)) : f(sparse_view<float, std::int64_t>(s));
}

// ---------------------------------------------------------------------------------------------
// Results: factors move into NumPy arrays (no copy), history becomes arrays.

template <class T>
py::array_t<T> to_numpy(nmfkit::Matrix<T>&& M) {
    auto* owned = new nmfkit::Matrix<T>(std::move(M));
    py::capsule free_when_done(owned, [](void* p) { delete static_cast<nmfkit::Matrix<T>*>(p); });
    const auto rows = static_cast<py::ssize_t>(owned->rows()),
               cols = static_cast<py::ssize_t>(owned->cols());
    const auto isz = static_cast<py::ssize_t>(sizeof(T));
    return py::array_t<T>({rows, cols}, {isz, isz * std::max<py::ssize_t>(rows, 1)}, owned->data(),
                          free_when_done);
}

template <class T>
py::dict result_to_dict(nmfkit::Result<T>&& r) {
    py::dict d;
    d["W"] = to_numpy<T>(std::move(r.W));
    d["H"] = to_numpy<T>(std::move(r.H));
    if (r.d.size() > 0) {
        py::array_t<T> scales(r.d.size());
        std::memcpy(scales.mutable_data(), r.d.data(),
                    sizeof(T) * static_cast<std::size_t>(r.d.size()));
        d["d"] = scales;
    } else {
        d["d"] = py::none();
    }
    d["status"] = std::string(nmfkit::to_string(r.status));
    d["iterations"] = r.iterations;
    d["solver"] = std::string(nmfkit::to_string(r.solver));
    d["init"] = std::string(nmfkit::to_string(r.init));
    d["loss"] = std::string(nmfkit::to_string(r.loss));
    d["initial_objective"] = r.initial_objective;
    d["objective"] = r.objective;
    d["relative_error"] = r.relative_error;
    d["seconds"] = r.seconds;
    d["threads"] = r.threads;
    d["restart_objectives"] = r.restart_objectives;
    d["best_restart"] = r.best_restart;
    const auto n = static_cast<py::ssize_t>(r.history.size());
    py::array_t<std::int64_t> iteration(n);
    py::array_t<double> objective(n), change(n), gradient(n), seconds(n), extrapolation(n);
    py::array_t<bool> restarted(n);
    for (py::ssize_t i = 0; i < n; ++i) {
        const auto& s = r.history[static_cast<std::size_t>(i)];
        iteration.mutable_at(i) = s.iteration;
        objective.mutable_at(i) = s.objective;
        change.mutable_at(i) = s.relative_change;
        gradient.mutable_at(i) = s.projected_gradient;
        seconds.mutable_at(i) = s.seconds;
        extrapolation.mutable_at(i) = s.extrapolation;
        restarted.mutable_at(i) = s.restarted;
    }
    d["history"] =
        py::dict("iteration"_a = iteration, "objective"_a = objective, "relative_change"_a = change,
                 "projected_gradient"_a = gradient, "seconds"_a = seconds,
                 "extrapolation"_a = extrapolation, "restarted"_a = restarted);
    return d;
}

// ---------------------------------------------------------------------------------------------
// Running a fit without the GIL. The iteration callback takes the GIL briefly to let Python run
// its signal handlers (Ctrl-C) and the user's callback; an exception from either stops the fit
// and is raised once the fit has returned.

struct PendingError {
    PyObject* type = nullptr;
    PyObject* value = nullptr;
    PyObject* traceback = nullptr;
    PendingError() = default;
    PendingError(const PendingError&) = delete;
    PendingError& operator=(const PendingError&) = delete;
    ~PendingError() {  // an exception that was never raised (the fit itself threw); GIL held
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(traceback);
    }
    bool set() const { return type != nullptr; }
    void fetch() { PyErr_Fetch(&type, &value, &traceback); }  // needs the GIL
    // With the GIL held: re-raise the stored exception, if any.
    void raise_if_set() {
        if (!set()) return;
        PyErr_Restore(type, value, traceback);
        type = value = traceback = nullptr;
        throw py::error_already_set();
    }
};

// NOTE: the lambda captures references only: the library may copy the Callbacks while the GIL is
// released, and copying a py::object would touch reference counts without it.
nmfkit::Callbacks make_callbacks(const py::object& callback, PendingError& pending) {
    nmfkit::Callbacks c;
    c.on_iteration = [&callback, &pending](const nmfkit::IterationStats& s) -> bool {
        py::gil_scoped_acquire gil;
        if (PyErr_CheckSignals() != 0) {  // a handler raised (KeyboardInterrupt for Ctrl-C)
            pending.fetch();
            return false;
        }
        if (callback.is_none()) return true;
        try {
            py::object keep_going = callback(s);
            if (keep_going.is_none()) return true;
            // True/False (Python's or NumPy's bool); anything else is a mistake worth naming
            // rather than a truth value: a callback returning "stop" would otherwise go on.
            const std::string type = py::str(py::type::of(keep_going).attr("__name__"));
            if (py::isinstance<py::bool_>(keep_going) || type == "bool_" || type == "bool")
                return PyObject_IsTrue(keep_going.ptr()) == 1;
            const std::string message =
                "the callback must return None, True (go on) or False (stop), got " + type + " " +
                std::string(py::repr(keep_going));
            PyErr_SetString(PyExc_TypeError, message.c_str());
            pending.fetch();
            return false;
        } catch (py::error_already_set& e) {
            e.restore();
            pending.fetch();
            return false;
        }
    };
    return c;
}

// ---------------------------------------------------------------------------------------------
// Checkpoints (nmfkit.fit, NMF.fit and MiniBatchNMF.fit with checkpoint=..., resume=...): the
// command line's checkpoint file (cli/checkpoint_file.cpp, fuzzed by tests/fuzz), made and parsed
// here with X's fingerprint and the options record; nmfkit/_checkpoint.py writes the bytes
// atomically and reads them back.

namespace ck = nmfkit::cli;

template <class X>
std::uint64_t hash_array(const X* data, std::size_t count, std::uint64_t h) {
    return ck::fnv1a({reinterpret_cast<const char*>(data), count * sizeof(X)}, h);
}

// X's fingerprint as the module holds it: shape, stored entries, dtype, storage (the order of the
// sums follows it) and an FNV-1a of its values, column by column (F) or row by row (C).
template <class T>
ck::InputFingerprint fingerprint_of(const nmfkit::DenseView<T>& v) {
    ck::InputFingerprint f;
    f.rows = v.rows;
    f.cols = v.cols;
    f.stored = static_cast<std::int64_t>(v.rows) * v.cols;
    f.dtype = std::is_same_v<T, float> ? "float32" : "float64";
    const bool by_columns = v.layout == nmfkit::Layout::col_major;
    f.storage = by_columns ? "F" : "C";
    const Eigen::Index outer = by_columns ? v.cols : v.rows, inner = by_columns ? v.rows : v.cols;
    const Eigen::Index ld = v.ld > 0 ? v.ld : inner;
    std::uint64_t h = ck::fnv1a({});
    for (Eigen::Index j = 0; j < outer; ++j)
        h = hash_array(v.data + j * ld, static_cast<std::size_t>(inner), h);
    f.checksum = h;
    return f;
}

// A sparse X's: its compressed arrays as given (offsets, indices, values).
template <class T, class I>
ck::InputFingerprint fingerprint_of(const nmfkit::SparseView<T, I>& v) {
    ck::InputFingerprint f;
    const bool csc = v.layout == nmfkit::SparseLayout::csc;
    const Eigen::Index outer = csc ? v.cols : v.rows;
    const auto nnz = static_cast<std::size_t>(v.outer[outer]);
    f.rows = v.rows;
    f.cols = v.cols;
    f.stored = static_cast<std::int64_t>(nnz);
    f.dtype = std::is_same_v<T, float> ? "float32" : "float64";
    f.storage = std::string(csc ? "csc " : "csr ") + (sizeof(I) == 4 ? "int32" : "int64");
    std::uint64_t h = hash_array(v.outer, static_cast<std::size_t>(outer) + 1, ck::fnv1a({}));
    h = hash_array(v.inner, nnz, h);
    f.checksum = hash_array(v.values, nnz, h);
    return f;
}

// An exception that `save` raised stops the fit and propagates (the first pending one is kept
// otherwise, Ctrl-C's included).
struct CheckpointFailed {};

// What the checkpoint callback needs while the fit runs: the file's records but the state, and
// nmfkit/_checkpoint.py's writer.
struct CheckpointFrame {
    ck::Checkpoint records;
    py::object save;
};

// Sets c's checkpoint hooks from `hooks` (None, or nmfkit/_checkpoint.py's dict: "save" called
// with each checkpoint's bytes or None, "every", "resume" a checkpoint's bytes or None, "path" its
// name for messages, "record" (name, value) pairs added to the options record (MiniBatchNMF's
// online options), "matrix" V's name for messages). A resume is checked against X's fingerprint,
// the mask and the options (ValueError naming the difference).
template <class View>
void add_checkpoints(nmfkit::Callbacks& c, const py::object& hooks, const View& view,
                     const nmfkit::Options& opt, PendingError& pending, CheckpointFrame& frame) {
    if (hooks.is_none()) return;
    const auto h = hooks.cast<py::dict>();
    ck::Checkpoint& records = frame.records;
    records.input = fingerprint_of(view);
    records.input.mask = ck::mask_text(opt.mask.get());
    records.options = ck::options_record(opt);
    for (const auto& item : h["record"])
        records.options.push_back(item.cast<std::pair<std::string, std::string>>());
    if (!h["resume"].is_none()) {
        const auto path = h["path"].cast<std::string>();
        ck::Checkpoint saved = ck::parse_checkpoint(h["resume"].cast<std::string>(), path);
        ck::check_resumable(saved, path, records.input, records.options, false,
                            h["matrix"].cast<std::string>());
        c.resume = std::make_shared<const nmfkit::FitState>(std::move(saved.state));
    }
    frame.save = h["save"];
    if (frame.save.is_none()) return;
    const int every = h["every"].cast<int>();
    if (every < 0)
        throw py::value_error("checkpoint_every must be >= 0, got " + std::to_string(every));
    c.checkpoint_every = every;
    c.on_checkpoint = [&frame, &pending](const nmfkit::FitState& s) {
        ck::Checkpoint file;
        file.input = frame.records.input;
        file.options = frame.records.options;
        file.state = s;
        const std::string bytes = ck::checkpoint_bytes(file);
        py::gil_scoped_acquire gil;
        try {
            frame.save(py::bytes(bytes));
        } catch (py::error_already_set& e) {
            if (pending.set()) return;  // Ctrl-C came first: it is the one raised
            e.restore();
            pending.fetch();
            throw CheckpointFailed{};
        }
    };
}

// What a checkpoint's bytes hold, for nmfkit/_checkpoint.py's describe(): the place of the fit,
// V's fingerprint and the options record. ValueError for a file that is no checkpoint.
py::dict checkpoint_summary(const py::bytes& bytes, const std::string& name) {
    const ck::Checkpoint c = ck::parse_checkpoint(bytes.cast<std::string>(), name);
    py::dict options;
    for (const auto& [key, value] : c.options) options[py::str(key)] = value;
    return py::dict("iteration"_a = c.state.iteration, "restart"_a = c.state.restart,
                    "rows"_a = c.input.rows, "cols"_a = c.input.cols, "dtype"_a = c.input.dtype,
                    "storage"_a = c.input.storage, "mask"_a = c.input.mask, "options"_a = options);
}

template <class T>
std::optional<nmfkit::InitialFactors<T>> initial_factors(const py::object& W, const py::object& H) {
    if (W.is_none() && H.is_none()) return std::nullopt;
    if (W.is_none() || H.is_none())
        throw py::value_error("custom initialisation needs both W and H");
    using Array = py::array_t<T, py::array::f_style | py::array::forcecast>;
    const auto w = Array::ensure(W), h = Array::ensure(H);
    if (!w || !h) throw py::value_error("W and H must be numeric arrays");
    if (w.ndim() != 2 || h.ndim() != 2)
        throw py::value_error("W and H must be 2-D arrays, got " + std::to_string(w.ndim()) +
                              "-D and " + std::to_string(h.ndim()) + "-D");
    nmfkit::InitialFactors<T> f;
    f.W = Eigen::Map<const nmfkit::Matrix<T>>(w.data(), w.shape(0), w.shape(1));
    f.H = Eigen::Map<const nmfkit::Matrix<T>>(h.data(), h.shape(0), h.shape(1));
    return f;
}

// What fit_dense and fit_sparse take besides the data and options.
struct FitHooks {
    const py::object& W0;
    const py::object& H0;
    const py::object& callback;
    const py::object& checkpoints;  // add_checkpoints()
};

template <class T, class View>
py::dict run_fit(const View& view, nmfkit::Options opt, const FitHooks& hooks) {
    const auto start = initial_factors<T>(hooks.W0, hooks.H0);
    // Given factors mean init custom; otherwise the options' init, or the library's default
    // (nndsvda when k <= min(m, n) and a single run, else random) when it is unset.
    if (start) opt.init = nmfkit::Init::custom;
    PendingError pending;
    nmfkit::Callbacks callbacks = make_callbacks(hooks.callback, pending);
    CheckpointFrame frame;
    add_checkpoints(callbacks, hooks.checkpoints, view, opt, pending, frame);
    std::optional<nmfkit::Result<T>> r;
    try {
        py::gil_scoped_release release;
        r = start ? nmfkit::fit(view, opt, *start, callbacks) : nmfkit::fit(view, opt, callbacks);
    } catch (const CheckpointFailed&) {
    }
    pending.raise_if_set();
    return result_to_dict<T>(std::move(*r));
}

template <class T, class View>
py::dict run_transform(const View& view, const py::object& H, const nmfkit::Options& opt) {
    using Array = py::array_t<T, py::array::f_style | py::array::forcecast>;
    const auto h = Array::ensure(H);
    if (!h || h.ndim() != 2) throw py::value_error("components H must be a 2-D array");
    const nmfkit::Matrix<T> Hm =
        Eigen::Map<const nmfkit::Matrix<T>>(h.data(), h.shape(0), h.shape(1));
    std::optional<nmfkit::Result<T>> r;
    {
        py::gil_scoped_release release;
        r = nmfkit::transform(view, Hm, opt);
    }
    return result_to_dict<T>(std::move(*r));
}

py::dict fit_dense(const py::array& X, const py::dict& options, const py::object& W,
                   const py::object& H, const py::object& callback, const py::object& checkpoints) {
    const nmfkit::Options opt = options_from_dict(options);
    const FitHooks hooks{W, H, callback, checkpoints};
    if (is_double(X)) return run_fit<double>(dense_view<double>(X), opt, hooks);
    return run_fit<float>(dense_view<float>(X), opt, hooks);
}

py::dict fit_sparse(py::tuple shape, py::array indptr, py::array indices, py::array data,
                    const std::string& layout, const py::dict& options, const py::object& W,
                    const py::object& H, const py::object& callback,
                    const py::object& checkpoints) {
    const auto s = sparse_arrays(shape, indptr, indices, data, layout);
    const nmfkit::Options opt = options_from_dict(options);
    const FitHooks hooks{W, H, callback, checkpoints};
    return with_sparse_view(s, [&](const auto& view) {
        using T = std::remove_cv_t<std::remove_pointer_t<decltype(view.values)>>;
        return run_fit<T>(view, opt, hooks);
    });
}

py::dict transform_dense(const py::array& X, const py::object& H, const py::dict& options) {
    const nmfkit::Options opt = options_from_dict(options);
    if (is_double(X)) return run_transform<double>(dense_view<double>(X), H, opt);
    return run_transform<float>(dense_view<float>(X), H, opt);
}

py::dict transform_sparse(py::tuple shape, py::array indptr, py::array indices, py::array data,
                          const std::string& layout, const py::object& H, const py::dict& options) {
    const auto s = sparse_arrays(shape, indptr, indices, data, layout);
    const nmfkit::Options opt = options_from_dict(options);
    return with_sparse_view(s, [&](const auto& view) {
        using T = std::remove_cv_t<std::remove_pointer_t<decltype(view.values)>>;
        return run_transform<T>(view, H, opt);
    });
}

py::dict sparse_view_info(py::tuple shape, py::array indptr, py::array indices, py::array data,
                          const std::string& layout) {
    const auto s = sparse_arrays(shape, indptr, indices, data, layout);
    return with_sparse_view(s, [](const auto& v) {
        return py::dict("layout"_a = v.layout == nmfkit::SparseLayout::csc ? "csc" : "csr",
                        "indptr"_a = reinterpret_cast<std::uintptr_t>(v.outer),
                        "indices"_a = reinterpret_cast<std::uintptr_t>(v.inner),
                        "data"_a = reinterpret_cast<std::uintptr_t>(v.values),
                        "index_bits"_a = 8 * sizeof(*v.outer));
    });
}

// ---------------------------------------------------------------------------------------------
// Online NMF (nmfkit/online.hpp): the state travels as a dict of arrays and numbers, so that the
// Python estimator holds plain (picklable) data between partial_fit calls.

nmfkit::OnlineOptions online_from_dict(const py::dict& d) {
    nmfkit::OnlineOptions o;
    for (const auto& [key, value] : d) {
        const std::string k = py::str(key);
        if (value.is_none()) continue;
        if (k == "batch_size")
            o.batch_size = value.cast<std::int64_t>();
        else if (k == "forget_factor")
            o.forget_factor = value.cast<double>();
        else if (k == "fresh_restarts")
            o.fresh_restarts = value.cast<bool>();
        else if (k == "fresh_restarts_max_iter")
            o.fresh_restarts_max_iter = value.cast<int>();
        else if (k == "max_no_improvement")
            o.max_no_improvement = value.cast<int>();
        else if (k == "transform_max_iter")
            o.transform_max_iter = value.cast<int>();
        else if (k == "samples")
            o.samples = value.cast<std::int64_t>();
        else if (k == "revisit")
            o.revisit = value.cast<bool>();
        else
            throw py::value_error("unknown online option \"" + k + "\"");
    }
    return o;
}

template <class T>
nmfkit::Matrix<T> matrix_of(const py::handle& h, const char* what) {
    using Array = py::array_t<T, py::array::f_style | py::array::forcecast>;
    const auto a = Array::ensure(h);
    if (!a || a.ndim() != 2) throw py::value_error(std::string(what) + " must be a 2-D array");
    return Eigen::Map<const nmfkit::Matrix<T>>(a.data(), a.shape(0), a.shape(1));
}

template <class T>
nmfkit::OnlineState<T> state_of(const py::dict& d) {
    nmfkit::OnlineState<T> s;
    s.W = matrix_of<T>(d["W"], "state W");
    s.A = matrix_of<T>(d["A"], "state A");
    s.B = matrix_of<T>(d["B"], "state B");
    if (d.contains("A_mass")) s.A_mass = matrix_of<T>(d["A_mass"], "state A_mass");
    s.steps = d["steps"].cast<std::int64_t>();
    s.samples_seen = d["samples_seen"].cast<std::int64_t>();
    s.ewa_cost = d["ewa_cost"].cast<double>();
    s.ewa_cost_min = d["ewa_cost_min"].cast<double>();
    s.no_improvement = d["no_improvement"].cast<int>();
    return s;
}

template <class T>
py::dict state_to_dict(nmfkit::OnlineState<T> s) {
    py::dict d;
    d["W"] = to_numpy<T>(std::move(s.W));
    d["A"] = to_numpy<T>(std::move(s.A));
    d["B"] = to_numpy<T>(std::move(s.B));
    if (s.A_mass.size() > 0) d["A_mass"] = to_numpy<T>(std::move(s.A_mass));
    d["steps"] = s.steps;
    d["samples_seen"] = s.samples_seen;
    d["ewa_cost"] = s.ewa_cost;
    d["ewa_cost_min"] = s.ewa_cost_min;
    d["no_improvement"] = s.no_improvement;
    return d;
}

template <class T>
nmfkit::OnlineNMF<T> online_model(Eigen::Index features, const py::object& state,
                                  const nmfkit::Options& opt, const nmfkit::OnlineOptions& on) {
    if (state.is_none()) return nmfkit::OnlineNMF<T>(features, opt, on);
    return nmfkit::OnlineNMF<T>(state_of<T>(state.cast<py::dict>()), opt, on);
}

// One partial_fit on the block V (features x b): returns (state, step). With Ht (b x k; H_bᵀ),
// the block's coefficients start from it (one iteration unless fresh_restarts; an empty array:
// solved from scratch) and step["Ht"] holds them after the step, as fit_online's warm starts.
// With previous_Ht (b x k, and Ht), the step is OnlineNMF::revisit: those coefficients of the
// block's last visit, of weight previous_weight in the statistics, are replaced (Frobenius).
template <class T, class View>
py::tuple run_online_step(const View& view, const py::dict& options, const py::dict& online,
                          const py::object& state, const py::object& Ht_in,
                          const py::object& previous_in, double previous_weight) {
    const nmfkit::Options opt = options_from_dict(options);
    const nmfkit::OnlineOptions on = online_from_dict(online);
    nmfkit::OnlineNMF<T> model = online_model<T>(view.rows, state, opt, on);
    const bool warm = !Ht_in.is_none();
    nmfkit::Matrix<T> Ht;
    if (warm && py::array::ensure(Ht_in).size() > 0) Ht = matrix_of<T>(Ht_in, "Ht");
    const bool revisit = !previous_in.is_none();
    if (revisit && !warm) throw py::value_error("online_partial_fit: previous_Ht needs Ht");
    nmfkit::Matrix<T> previous;
    if (revisit) previous = matrix_of<T>(previous_in, "previous_Ht");
    nmfkit::OnlineStep s;
    {
        py::gil_scoped_release release;
        s = revisit ? model.revisit(view, Ht, previous, previous_weight)
            : warm  ? model.partial_fit(view, &Ht)
                    : model.partial_fit(view);
    }
    py::dict step("cost"_a = s.cost, "smoothed_cost"_a = s.smoothed_cost, "w_change"_a = s.w_change,
                  "stop"_a = s.stop, "rho"_a = s.rho,
                  "solver"_a = std::string(nmfkit::to_string(model.solver())));
    if (warm) step["Ht"] = to_numpy<T>(std::move(Ht));
    return py::make_tuple(state_to_dict<T>(model.state()), step);
}

// H (k x b) of the block V (features x b) with the state's W fixed.
template <class T, class View>
py::array_t<T> run_online_transform(const View& view, const py::dict& options,
                                    const py::dict& online, const py::dict& state) {
    const nmfkit::Options opt = options_from_dict(options);
    const nmfkit::OnlineOptions on = online_from_dict(online);
    const nmfkit::OnlineNMF<T> model(state_of<T>(state), opt, on);
    nmfkit::Matrix<T> H;
    {
        py::gil_scoped_release release;
        H = model.transform(view);
    }
    return to_numpy<T>(std::move(H));
}

// fit_online of V (features x samples); with W0 (features x k) it starts from that dictionary
// (init custom), and with H0 (k x samples) too, from those coefficients.
template <class T, class View>
py::dict run_fit_online(const View& view, const py::dict& options, const py::dict& online,
                        const py::object& callback, const py::object& W0, const py::object& H0,
                        const py::object& checkpoints) {
    nmfkit::Options opt = options_from_dict(options);
    const nmfkit::OnlineOptions on = online_from_dict(online);
    if (W0.is_none() && !H0.is_none())
        throw py::value_error("fit_online: a starting H needs a starting W");
    std::optional<nmfkit::InitialFactors<T>> start;
    if (!W0.is_none()) {
        start.emplace();
        start->W = matrix_of<T>(W0, "W");
        if (!H0.is_none()) start->H = matrix_of<T>(H0, "H");
        opt.init = nmfkit::Init::custom;
    }
    PendingError pending;
    nmfkit::Callbacks callbacks = make_callbacks(callback, pending);
    CheckpointFrame frame;
    add_checkpoints(callbacks, checkpoints, view, opt, pending, frame);
    std::optional<nmfkit::Result<T>> r;
    try {
        py::gil_scoped_release release;
        r = start ? nmfkit::fit_online(view, opt, *start, on, callbacks)
                  : nmfkit::fit_online(view, opt, on, callbacks);
    } catch (const CheckpointFailed&) {
    }
    pending.raise_if_set();
    return result_to_dict<T>(std::move(*r));
}

// Calls f<T>(view) for a dense X or the sparse arrays of `sparse` (a tuple: shape, indptr,
// indices, data, layout).
template <class F>
auto with_online_view(const py::object& X, F&& f) {
    if (py::isinstance<py::tuple>(X)) {
        const auto t = X.cast<py::tuple>();
        const auto s =
            sparse_arrays(t[0].cast<py::tuple>(), t[1].cast<py::array>(), t[2].cast<py::array>(),
                          t[3].cast<py::array>(), t[4].cast<std::string>());
        return with_sparse_view(s, [&](const auto& view) {
            using T = std::remove_cv_t<std::remove_pointer_t<decltype(view.values)>>;
            return f(view, T{});
        });
    }
    const auto a = X.cast<py::array>();
    if (is_double(a)) return f(dense_view<double>(a), double{});
    return f(dense_view<float>(a), float{});
}

template <class E>
std::vector<std::string> names(const std::vector<E>& values) {
    std::vector<std::string> out;
    for (E v : values) out.emplace_back(nmfkit::to_string(v));
    return out;
}

}  // namespace

void bind_select(py::module_& m);  // select.cpp: the rank survey and consensus measures

PYBIND11_MODULE(_core, m) {
    m.doc() = "nmfkit's C++ core (pybind11). Use the functions of the nmfkit package instead.";
    m.attr("version") = std::string(nmfkit::version);
    bind_select(m);

    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const nmfkit::InvalidInput& e) {
            PyErr_SetString(PyExc_ValueError, e.what());
        }
    });

    py::class_<nmfkit::IterationStats>(m, "IterationStats",
                                       "Statistics of one iteration, passed to a fit's callback.")
        .def_readonly("iteration", &nmfkit::IterationStats::iteration, "1-based iteration number")
        .def_readonly("objective", &nmfkit::IterationStats::objective,
                      "objective after this iteration: loss + penalties")
        .def_readonly("relative_change", &nmfkit::IterationStats::relative_change,
                      "(f_prev - f) / f_prev; 0 when f_prev = 0")
        .def_readonly("projected_gradient", &nmfkit::IterationStats::projected_gradient,
                      "||grad^P f|| / ||grad^P f(W0, H0)||; -1 unless stop='projected_gradient'")
        .def_readonly("seconds", &nmfkit::IterationStats::seconds,
                      "wall time since the fit started")
        .def_readonly("extrapolation", &nmfkit::IterationStats::extrapolation,
                      "extrapolation weight beta of this iteration; 0: plain, or extrapolation off")
        .def_readonly("restarted", &nmfkit::IterationStats::restarted,
                      "extrapolation: this iteration's point was worse and dropped (the objective "
                      "repeats)")
        .def("__repr__", [](const nmfkit::IterationStats& s) {
            return "IterationStats(iteration=" + std::to_string(s.iteration) +
                   ", objective=" + std::string(py::str(py::float_(s.objective))) +
                   ", relative_change=" + std::string(py::str(py::float_(s.relative_change))) +
                   ", seconds=" + std::string(py::str(py::float_(s.seconds))) + ")";
        });

    m.def(
        "online_partial_fit",
        [](const py::object& V, const py::dict& options, const py::dict& online,
           const py::object& state, const py::object& Ht, const py::object& previous_Ht,
           double previous_weight) {
            return with_online_view(V, [&](const auto& view, auto t) {
                return run_online_step<decltype(t)>(view, options, online, state, Ht, previous_Ht,
                                                    previous_weight);
            });
        },
        "V"_a, "options"_a, "online"_a, "state"_a = py::none(), "Ht"_a = py::none(),
        "previous_Ht"_a = py::none(), "previous_weight"_a = 1.0,
        "One mini-batch step on V (features x b; an array or (shape, indptr, indices, data, "
        "layout)): returns (state, step). Ht (b x k): the block's coefficients to start from "
        "(empty: from scratch), returned updated as step['Ht']. previous_Ht (b x k, with Ht): "
        "a revisit, replacing the block's coefficients of its last visit, whose terms weigh "
        "previous_weight in the statistics (step['rho'] scales the weights of the others).");
    m.def(
        "online_transform",
        [](const py::object& V, const py::dict& options, const py::dict& online,
           const py::dict& state) {
            return with_online_view(V, [&](const auto& view, auto t) {
                return py::object(run_online_transform<decltype(t)>(view, options, online, state));
            });
        },
        "V"_a, "options"_a, "online"_a, "state"_a, "H (k x b) of V with the state's W fixed.");
    m.def(
        "fit_online",
        [](const py::object& V, const py::dict& options, const py::dict& online,
           const py::object& callback, const py::object& W, const py::object& H,
           const py::object& checkpoints) {
            return with_online_view(V, [&](const auto& view, auto t) {
                return run_fit_online<decltype(t)>(view, options, online, callback, W, H,
                                                   checkpoints);
            });
        },
        "V"_a, "options"_a, "online"_a, "callback"_a = py::none(), "W"_a = py::none(),
        "H"_a = py::none(), "checkpoints"_a = py::none(),
        "Online NMF of V (features x samples), passes over blocks of columns; W (features x k): "
        "the starting dictionary, H (k x samples, with W): the starting coefficients; "
        "checkpoints as fit_dense.");
    m.def("fit_dense", &fit_dense, "X"_a, "options"_a, "W"_a = py::none(), "H"_a = py::none(),
          "callback"_a = py::none(), "checkpoints"_a = py::none(),
          "Factorize a dense float32/float64 array viewed in place (see dense_view_info); "
          "checkpoints: None or nmfkit/_checkpoint.py's dict (save, every, resume, path, record, "
          "matrix): the checkpoint file's bytes are handed to save and read from resume.");
    m.def("fit_sparse", &fit_sparse, "shape"_a, "indptr"_a, "indices"_a, "data"_a, "layout"_a,
          "options"_a, "W"_a = py::none(), "H"_a = py::none(), "callback"_a = py::none(),
          "checkpoints"_a = py::none(),
          "Factorize a CSC or CSR matrix given by its buffers, read in place (checkpoints as "
          "fit_dense).");
    m.def("checkpoint_summary", &checkpoint_summary, "bytes"_a, "name"_a,
          "What a checkpoint file's bytes hold: iteration, restart, V's shape, dtype, storage and "
          "mask, the options record.");
    m.def("transform_dense", &transform_dense, "X"_a, "H"_a, "options"_a,
          "W = argmin_{W >= 0} loss(X, W H) for fixed components H.");
    m.def("transform_sparse", &transform_sparse, "shape"_a, "indptr"_a, "indices"_a, "data"_a,
          "layout"_a, "H"_a, "options"_a,
          "W = argmin_{W >= 0} loss(X, W H) for fixed components H, sparse X.");
    m.def("dense_view_info", &dense_view_info, "X"_a,
          "How fit_dense would view X in place: {'layout', 'ld', 'data' (address)}, or None when "
          "X must be converted first.");
    m.def("sparse_view_info", &sparse_view_info, "shape"_a, "indptr"_a, "indices"_a, "data"_a,
          "layout"_a, "The addresses fit_sparse would read (checks the buffers as it does).");

    m.def(
        "default_options", [] { return options_to_dict(nmfkit::Options{}); },
        "The library's defaults for every option.");
    m.def("option_names", &option_names, "The keys an options dict may hold.");
    m.def(
        "validate", [](const py::dict& d) { nmfkit::validate(options_from_dict(d)); }, "options"_a,
        "Check options alone (raises ValueError with the library's message).");
    m.def(
        "solvers", [] { return names(nmfkit::all_solvers()); }, "All solver names.");
    m.def(
        "losses", [] { return names(nmfkit::all_losses()); }, "All loss names.");
    m.def(
        "parse_solver",
        [](const std::string& s) {
            return std::string(nmfkit::to_string(nmfkit::solver_from_string(s)));
        },
        "s"_a, "Canonical solver name (raises ValueError for an unknown one).");
    m.def(
        "parse_loss",
        [](const std::string& s) {
            return std::string(nmfkit::to_string(nmfkit::loss_from_string(s)));
        },
        "s"_a, "Canonical loss name; accepts the aliases fro, kl, is, kullback-leibler, ...");
    m.def(
        "supports",
        [](const std::string& s, const std::string& l) {
            return nmfkit::supports(nmfkit::solver_from_string(s), nmfkit::loss_from_string(l));
        },
        "solver"_a, "loss"_a, "True when the solver minimises the loss (the library's table).");
    m.def(
        "solvers_for",
        [](const std::string& l) {
            return names(nmfkit::solvers_for(nmfkit::loss_from_string(l)));
        },
        "loss"_a, "The solvers that minimise a loss.");
    m.def(
        "solver_traits",
        [](const std::string& s, const std::string& l) {
            const nmfkit::SolverTraits t =
                nmfkit::solver_traits(nmfkit::solver_from_string(s), nmfkit::loss_from_string(l));
            return py::dict("supported"_a = t.supported, "is_default"_a = t.is_default,
                            "monotone"_a = t.monotone, "entry_access"_a = t.entry_access,
                            "missing"_a = t.missing, "distributed"_a = t.distributed,
                            "extrapolation"_a = t.extrapolation,
                            "extrapolation_default"_a = t.extrapolation_default);
        },
        "solver"_a, "loss"_a, "The registry's row for a (solver, loss) pair, as a dict of flags.");
    m.def(
        "default_solver",
        [](const std::string& l) {
            return std::string(
                nmfkit::to_string(nmfkit::default_solver(nmfkit::loss_from_string(l))));
        },
        "loss"_a, "The solver used when none is given.");
    m.def(
        "from_sklearn",
        [](double alpha_W, double alpha_H, double l1_ratio, std::int64_t n_samples,
           std::int64_t n_features) {
            const nmfkit::Penalties p =
                nmfkit::from_sklearn(alpha_W, alpha_H, l1_ratio, n_samples, n_features);
            return py::dict("l1_W"_a = p.w.l1, "l2_W"_a = p.w.l2, "l1_H"_a = p.h.l1,
                            "l2_H"_a = p.h.l2);
        },
        "alpha_W"_a, "alpha_H"_a, "l1_ratio"_a, "n_samples"_a, "n_features"_a,
        "scikit-learn's size-scaled regularisation as absolute penalties {l1_W, l2_W, l1_H, "
        "l2_H}.");
    m.def(
        "build_info",
        [] {
            const nmfkit::BuildInfo b = nmfkit::build_info();
            return py::dict(
                "version"_a = b.version, "build_type"_a = b.build_type, "compiler"_a = b.compiler,
                "blas"_a = b.blas, "blas_core"_a = b.blas_core,
                "blas_follows_openmp"_a = b.blas_follows_openmp, "max_threads"_a = b.max_threads,
                "scalars"_a = b.scalars, "storage"_a = b.storage, "sanitizers"_a = b.sanitizers,
                "isa"_a = b.isa, "isa_best"_a = b.isa_best, "isa_built"_a = b.isa_built,
                "cuda"_a = b.cuda, "cuda_runtime"_a = b.cuda_runtime, "devices"_a = b.devices,
                "devices_note"_a = b.devices_note);
        },
        "How the library was built, its BLAS and threads.");
}
