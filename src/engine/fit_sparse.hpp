// fit() and transform() for sparse input: validate, pick the adapter once, run it as AnyData
// (engine/fit_any.hpp). Included by fit_sparse_float.cpp and fit_sparse_double.cpp, which
// instantiate it for one scalar type each.
#pragma once

#include "engine/fit_any_impl.hpp"
#include "engine/fit_device.hpp"
#include "data/sparse.hpp"
#include "data/transposed.hpp"

namespace nmfkit {
namespace {

// Calls f(A) with the adapter that presents V, as AnyData: SparseData over CSC, and for CSR (the
// CSC of Vᵀ) SparseData of Vᵀ wrapped in Transposed. The copy for the other orientation is built
// unless low_memory.
template <class T, class I, class F>
auto with_adapter(const SparseView<T, I>& V, bool low_memory, F&& f) {
    using Any = detail::AnyData<T, I>;
    if (V.layout == SparseLayout::csc) {
        const detail::SparseData<T, I> A(V.rows, V.cols, V.outer, V.inner, V.values, !low_memory);
        return f(Any(A));
    }
    const detail::SparseData<T, I> At(V.cols, V.rows, V.outer, V.inner, V.values, !low_memory);
    const detail::Transposed<detail::SparseData<T, I>> A(At);
    return f(Any(A));
}

// max|V| over the stored values; when its exponent e (engine/data_scale.hpp) is not 0, `values`
// becomes V's values · 2^-e. Returns the max.
template <class T, class I>
double scaled_values(const SparseView<T, I>& V, std::vector<T>& values) {
    const auto nnz = static_cast<std::size_t>(V.nonzeros());
    // The max of the entries as the adapter sees them: repeated positions in a slice summed, in
    // stored order and in T, as SparseData merges them (so V and its merged form scale alike).
    std::vector<T> sum(static_cast<std::size_t>(V.layout == SparseLayout::csc ? V.rows : V.cols),
                       T(0));
    T max = 0;
    for (Eigen::Index s = 0; s < V.outer_size(); ++s) {
        for (I p = V.outer[s]; p < V.outer[s + 1]; ++p)
            sum[static_cast<std::size_t>(V.inner[p])] += V.values[p];
        for (I p = V.outer[s]; p < V.outer[s + 1]; ++p) {
            T& x = sum[static_cast<std::size_t>(V.inner[p])];
            max = std::max(max, x);
            x = T(0);
        }
    }
    const int e = detail::scale_exponent<T>(max);
    if (e != 0) {
        values.assign(V.values, V.values + nnz);
        detail::scale_values(values.data(), nnz, e);
    }
    return static_cast<double>(max);
}

template <class T, class I>
Result<T> fit_sparse(const SparseView<T, I>& V, const Options& opt, const InitialFactors<T>* start,
                     const Callbacks& callbacks) {
    detail::validate_options(opt);
    if (opt.missing == Missing::nan)
        throw InvalidInput(
            "missing nan needs dense V; for sparse V use missing zeros (entries not "
            "stored are missing, and so are stored NaN)");
    detail::validate_mask(opt, V.rows, V.cols);
    detail::validate_sparse(V, opt.missing == Missing::zeros, opt.mask.get());
    detail::validate_positive(V, opt);
    detail::check_start(opt, start, V.rows, V.cols);
    detail::ThreadScope threads(opt.threads);
    // Every path fits V' = 2^-e V, max V' in [1/2, 1), through fit_scaled (engine/data_scale.hpp).
    Result<T> r;
    if (opt.mask && opt.missing == Missing::none && opt.loss == Loss::frobenius) {
        // NOTE: a CSC copy of the stored entries less the masked ones (V's values there unread).
        detail::require_observed(static_cast<std::size_t>(V.rows * V.cols - opt.mask->size()),
                                 V.rows, V.cols, opt);
        detail::ObservedArrays<T> kept = detail::observed_entries(V, false, opt.mask.get());
        const int e =
            detail::scale_exponent<T>(detail::max_entry(kept.values.data(), kept.values.size()));
        detail::scale_values(kept.values.data(), kept.values.size(), e);
        const detail::SparseData<T, std::int64_t> A(kept.rows, kept.cols, kept.col_ptr.data(),
                                                    kept.row_index.data(), kept.values.data(),
                                                    !opt.low_memory);
        const detail::AnyData<T, std::int64_t> any(A);
        r = detail::fit_scaled<T>(e, opt, start, callbacks,
                                  [&](const Options& o, auto s, const Callbacks& cb) {
                                      return detail::fit_held_out_any<T>(any, *opt.mask, o, s, cb);
                                  });
    } else if (opt.missing == Missing::zeros || opt.mask) {
        // NOTE: KL with a mask on fully observed sparse V lists every observed entry (m·n − |mask|).
        detail::ObservedArrays<T> observed =
            detail::observed_entries(V, opt.missing == Missing::none, opt.mask.get());
        detail::require_observed(observed.values.size(), V.rows, V.cols, opt);
        const int e = detail::scale_exponent<T>(
            detail::max_entry(observed.values.data(), observed.values.size()));
        detail::scale_values(observed.values.data(), observed.values.size(), e);
        r = detail::fit_scaled<T>(e, opt, start, callbacks,
                                  [&](const Options& o, auto s, const Callbacks& cb) {
                                      return detail::fit_observed<T>(observed, o, s, cb);
                                  });
    } else {
        std::vector<T> values;  // V's values · 2^-e when e ≠ 0; the indices are the caller's
        const int e = detail::scale_exponent<T>(scaled_values(V, values));
        const SparseView<T, I> scaled =
            e == 0 ? V
                   : SparseView<T, I>(V.rows, V.cols, V.outer, V.inner, values.data(), V.layout);
        r = detail::fit_scaled<T>(
            e, opt, start, callbacks, [&](const Options& o, auto s, const Callbacks& cb) {
                return with_adapter(scaled, o.low_memory, [&](const auto& A) {
                    if (o.device.kind == Device::Kind::cuda)
                        return detail::run_device_fit<T>(A, detail::host_matrix(scaled), o, s, cb);
                    return detail::fit_any<T>(A, o, s, cb);
                });
            });
    }
    r.threads = threads.threads();
    return r;
}

}  // namespace

template <class T, class I>
Result<T> fit(const SparseView<T, I>& V, const Options& opt, const Callbacks& callbacks) {
    return fit_sparse<T, I>(V, opt, nullptr, callbacks);
}

template <class T, class I>
Result<T> fit(const SparseView<T, I>& V, const Options& opt, const InitialFactors<T>& start,
              const Callbacks& callbacks) {
    return fit_sparse<T, I>(V, opt, &start, callbacks);
}

template <class T, class I>
Result<T> transform(const SparseView<T, I>& V, const Matrix<T>& H, const Options& opt) {
    detail::validate_sparse(V);
    const Options o = detail::transform_options(opt, H, V.cols);
    detail::validate_positive(V, o);
    detail::ThreadScope threads(o.threads);
    std::vector<T> values;  // V's values · 2^-e when e ≠ 0
    const int e = detail::scale_exponent<T>(scaled_values(V, values));
    const SparseView<T, I> scaled =
        e == 0 ? V : SparseView<T, I>(V.rows, V.cols, V.outer, V.inner, values.data(), V.layout);
    Result<T> r = with_adapter(scaled, o.low_memory,
                               [&](const auto& A) { return detail::transform_any<T>(A, e, H, o); });
    r.threads = threads.threads();
    return r;
}
}  // namespace nmfkit
