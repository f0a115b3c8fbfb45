// nmfkit._core: the rank survey and the consensus measures (include/nmfkit/select.hpp).
// Converts and calls only; python/nmfkit/_select.py holds the Python-facing function, which
// hands in V = Xᵀ (samples as columns) as views.

#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <nmfkit/nmfkit.hpp>
#include <nmfkit/select.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace py = pybind11;
using namespace pybind11::literals;

namespace {

/// SurveyOptions from explicit arguments and a dict of fit options (loss, solver, beta,
/// max_iter, tol, seed, threads; absent keys keep the library's defaults).
nmfkit::SurveyOptions survey_options(const std::vector<int>& ranks, int restarts, int cv_splits,
                                     double cv_fraction, const py::dict& fit) {
    nmfkit::SurveyOptions s;
    s.ranks = ranks;
    s.restarts = restarts;
    s.cv_splits = cv_splits;
    s.cv_fraction = cv_fraction;
    for (const auto& [key, value] : fit) {
        const std::string k = py::str(key);
        if (value.is_none()) continue;
        if (k == "loss")
            s.fit.loss = nmfkit::loss_from_string(value.cast<std::string>());
        else if (k == "solver")
            s.fit.solver = nmfkit::solver_from_string(value.cast<std::string>());
        else if (k == "beta")
            s.fit.beta = value.cast<double>();
        else if (k == "max_iter")
            s.fit.max_iter = value.cast<int>();
        else if (k == "tol")
            s.fit.tol = value.cast<double>();
        else if (k == "seed")
            s.fit.seed = value.cast<std::uint64_t>();
        else if (k == "threads")
            s.fit.threads = value.cast<int>();
        else
            throw py::value_error("survey: unknown fit option " + k);
    }
    nmfkit::validate(s);
    return s;
}

py::dict survey_to_dict(const nmfkit::Survey& s) {
    std::vector<int> ks, best_run;
    std::vector<double> best_objective, mean_objective, relative_error, mean_relative_error,
        explained_variance, cv_error, cv_error_sd, cv_error_se, cophenetic, dispersion, silhouette,
        sparseness_w, sparseness_h, seconds;
    py::list labels, W, H, objectives;
    for (const nmfkit::RankStats& st : s.ranks) {
        ks.push_back(st.rank);
        best_run.push_back(st.best_run);
        best_objective.push_back(st.best_objective);
        mean_objective.push_back(st.mean_objective);
        relative_error.push_back(st.relative_error);
        mean_relative_error.push_back(st.mean_relative_error);
        explained_variance.push_back(st.explained_variance);
        cv_error.push_back(st.cv_error);
        cv_error_sd.push_back(st.cv_error_sd);
        cv_error_se.push_back(st.cv_error_se);
        cophenetic.push_back(st.cophenetic);
        dispersion.push_back(st.dispersion);
        silhouette.push_back(st.silhouette);
        sparseness_w.push_back(st.sparseness_w);
        sparseness_h.push_back(st.sparseness_h);
        seconds.push_back(st.seconds);
        const auto R = static_cast<py::ssize_t>(st.labels.size());
        const auto n = R > 0 ? static_cast<py::ssize_t>(st.labels.front().size()) : 0;
        py::array_t<std::int32_t> L({R, n});
        auto l = L.mutable_unchecked<2>();
        for (py::ssize_t r = 0; r < R; ++r)
            for (py::ssize_t j = 0; j < n; ++j)
                l(r, j) = st.labels[static_cast<std::size_t>(r)][static_cast<std::size_t>(j)];
        labels.append(L);
        W.append(py::cast(st.W));
        H.append(py::cast(st.H));
        objectives.append(py::cast(st.objectives));
    }
    return py::dict(
        "ranks"_a = ks, "best_run"_a = best_run, "best_objective"_a = best_objective,
        "mean_objective"_a = mean_objective, "relative_error"_a = relative_error,
        "mean_relative_error"_a = mean_relative_error, "explained_variance"_a = explained_variance,
        "cv_error"_a = cv_error, "cv_error_sd"_a = cv_error_sd, "cv_error_se"_a = cv_error_se,
        "cophenetic"_a = cophenetic, "dispersion"_a = dispersion, "silhouette"_a = silhouette,
        "sparseness_W"_a = sparseness_w, "sparseness_H"_a = sparseness_h,
        "seconds_per_rank"_a = seconds, "labels"_a = labels, "W"_a = W, "H"_a = H,
        "objectives"_a = objectives, "suggested_rank"_a = s.suggested_rank, "rule"_a = s.rule,
        "cv_rank"_a = s.cv_rank, "cv_minimum_rank"_a = s.cv_minimum_rank,
        "dispersion_rank"_a = s.dispersion_rank, "cophenetic_rank"_a = s.cophenetic_rank,
        "seconds"_a = s.seconds, "threads"_a = s.threads);
}

/// V (m x n) as a view of a 2-D array contiguous along one axis (python/nmfkit/_input.py
/// guarantees it).
template <class T>
nmfkit::DenseView<T> view_of(const py::array& a) {
    const auto item = static_cast<py::ssize_t>(sizeof(T));
    if (a.ndim() != 2) throw py::value_error("survey: X must be 2-D");
    if (a.strides(0) == item && a.strides(1) % item == 0 && a.strides(1) >= a.shape(0) * item)
        return {static_cast<const T*>(a.data()), a.shape(0), a.shape(1), nmfkit::Layout::col_major,
                std::max<py::ssize_t>(a.strides(1) / item, 1)};
    if (a.strides(1) == item && a.strides(0) % item == 0 && a.strides(0) >= a.shape(1) * item)
        return {static_cast<const T*>(a.data()), a.shape(0), a.shape(1), nmfkit::Layout::row_major,
                std::max<py::ssize_t>(a.strides(0) / item, 1)};
    throw py::value_error("internal: survey needs an array contiguous along one axis");
}

py::dict survey_dense(const py::array& X, const std::vector<int>& ranks, int restarts,
                      int cv_splits, double cv_fraction, const py::dict& fit) {
    const nmfkit::SurveyOptions s = survey_options(ranks, restarts, cv_splits, cv_fraction, fit);
    nmfkit::Survey out;
    if (py::isinstance<py::array_t<double>>(X)) {
        const auto V = view_of<double>(X);
        py::gil_scoped_release release;
        out = nmfkit::survey(V, s);
    } else {
        const auto V = view_of<float>(X);
        py::gil_scoped_release release;
        out = nmfkit::survey(V, s);
    }
    return survey_to_dict(out);
}

template <class T, class I>
nmfkit::Survey survey_sparse_typed(py::ssize_t m, py::ssize_t n, const py::array& indptr,
                                   const py::array& indices, const py::array& data,
                                   nmfkit::SparseLayout layout, const nmfkit::SurveyOptions& s) {
    const nmfkit::SparseView<T, I> V(m, n, static_cast<const I*>(indptr.data()),
                                     static_cast<const I*>(indices.data()),
                                     static_cast<const T*>(data.data()), layout);
    py::gil_scoped_release release;
    return nmfkit::survey(V, s);
}

py::dict survey_sparse(py::tuple shape, const py::array& indptr, const py::array& indices,
                       const py::array& data, const std::string& layout,
                       const std::vector<int>& ranks, int restarts, int cv_splits,
                       double cv_fraction, const py::dict& fit) {
    const nmfkit::SurveyOptions s = survey_options(ranks, restarts, cv_splits, cv_fraction, fit);
    if (shape.size() != 2) throw py::value_error("survey: shape must have two entries");
    const auto m = shape[0].cast<py::ssize_t>(), n = shape[1].cast<py::ssize_t>();
    if (layout != "csc" && layout != "csr")
        throw py::value_error("survey: layout must be csc or csr");
    const auto lay = layout == "csc" ? nmfkit::SparseLayout::csc : nmfkit::SparseLayout::csr;
    const py::ssize_t outer = lay == nmfkit::SparseLayout::csc ? n : m;
    if (indptr.ndim() != 1 || indptr.shape(0) != outer + 1)
        throw py::value_error("survey: indptr must have " + std::to_string(outer + 1) + " entries");
    const bool i32 = py::isinstance<py::array_t<std::int32_t>>(indptr) &&
                     py::isinstance<py::array_t<std::int32_t>>(indices);
    const bool i64 = py::isinstance<py::array_t<std::int64_t>>(indptr) &&
                     py::isinstance<py::array_t<std::int64_t>>(indices);
    if (!i32 && !i64)
        throw py::value_error("survey: indptr and indices must both be int32 or both int64");
    const bool f64 = py::isinstance<py::array_t<double>>(data);
    if (!f64 && !py::isinstance<py::array_t<float>>(data))
        throw py::value_error("survey: data must be float32 or float64");
    nmfkit::Survey out;
    if (f64)
        out = i32 ? survey_sparse_typed<double, std::int32_t>(m, n, indptr, indices, data, lay, s)
                  : survey_sparse_typed<double, std::int64_t>(m, n, indptr, indices, data, lay, s);
    else
        out = i32 ? survey_sparse_typed<float, std::int32_t>(m, n, indptr, indices, data, lay, s)
                  : survey_sparse_typed<float, std::int64_t>(m, n, indptr, indices, data, lay, s);
    return survey_to_dict(out);
}

}  // namespace

void bind_select(py::module_& m) {
    m.def("survey_dense", &survey_dense, "X"_a, "ranks"_a, "restarts"_a, "cv_splits"_a,
          "cv_fraction"_a, "fit"_a, "Rank survey of a dense V (samples are its columns).");
    m.def("survey_sparse", &survey_sparse, "shape"_a, "indptr"_a, "indices"_a, "data"_a, "layout"_a,
          "ranks"_a, "restarts"_a, "cv_splits"_a, "cv_fraction"_a, "fit"_a,
          "Rank survey of a CSC/CSR V given by its buffers (samples are its columns).");
    m.def("consensus_matrix", &nmfkit::consensus_matrix, "labels"_a,
          "Fraction of the clusterings (runs x samples) that put each pair of samples together.");
    m.def("cophenetic_correlation", &nmfkit::cophenetic_correlation, "C"_a,
          "Cophenetic correlation of a consensus matrix (Brunet et al. 2004).");
    m.def("dispersion", &nmfkit::dispersion, "C"_a,
          "Dispersion of a consensus matrix (Kim & Park 2007).");
    m.def(
        "average_linkage_order",
        [](const Eigen::MatrixXd& D) { return nmfkit::average_linkage(D).order; }, "D"_a,
        "Leaf order of the average-linkage tree of the distances D.");
    m.def("feature_scores", &nmfkit::feature_scores, "W"_a,
          "Kim & Park (2007) feature scores of W's rows.");
    m.def("specific_features", &nmfkit::specific_features, "W"_a,
          "Kim & Park (2007) most specific features of each component (indices).");
    m.def("purity", &nmfkit::purity, "clusters"_a, "classes"_a,
          "Purity of a clustering (Kim & Park 2007).");
    m.def("entropy", &nmfkit::entropy, "clusters"_a, "classes"_a,
          "Entropy of a clustering (Kim & Park 2007).");
}
