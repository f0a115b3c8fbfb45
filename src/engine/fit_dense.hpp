// fit() and transform() for dense input: validate, pick the adapter once, run it as AnyData
// (engine/fit_any.hpp). Included by fit_dense_float.cpp and fit_dense_double.cpp, which
// instantiate it for one scalar type each.
#pragma once

#include "engine/fit_any_impl.hpp"
#include "engine/fit_device.hpp"
#include "data/dense.hpp"
#include "data/transposed.hpp"

namespace nmfkit {
namespace {

// Calls f(A) with the adapter that presents V, as AnyData: DenseData for column-major V, and for
// row-major V (whose buffer is the column-major Vᵀ) DenseData of Vᵀ wrapped in Transposed.
template <class T, class F>
auto with_adapter(const DenseView<T>& V, F&& f) {
    using Any = detail::AnyData<T, Eigen::Index>;
    if (V.layout == Layout::col_major) {
        const detail::DenseData<T> A(V.data, V.rows, V.cols, V.leading_dimension());
        return f(Any(A));
    }
    const detail::DenseData<T> At(V.data, V.cols, V.rows, V.leading_dimension());
    const detail::Transposed<detail::DenseData<T>> A(At);
    return f(Any(A));
}

template <class T>
Result<T> fit_dense(const DenseView<T>& V, const Options& opt, const InitialFactors<T>* start,
                    const Callbacks& callbacks) {
    detail::validate_options(opt);
    detail::validate_mask(opt, V.rows, V.cols);
    detail::validate_matrix(V, opt.missing == Missing::nan, opt.mask.get());
    detail::validate_positive(V, opt);
    detail::check_start(opt, start, V.rows, V.cols);
    detail::ThreadScope threads(opt.threads);
    // Every path fits V' = 2^-e V, max V' in [1/2, 1), through fit_scaled (engine/data_scale.hpp).
    Result<T> r;
    if (opt.mask && opt.missing == Missing::none && opt.loss == Loss::frobenius) {
        // NOTE: a copy of V with zeros at the mask (m x n), so V's values there are never read.
        detail::require_observed(static_cast<std::size_t>(V.rows * V.cols - opt.mask->size()),
                                 V.rows, V.cols, opt);
        Matrix<T> copy = detail::zero_masked_copy(V, *opt.mask);
        const auto count = static_cast<std::size_t>(copy.size());
        const int e = detail::scale_exponent<T>(detail::max_entry(copy.data(), count));
        detail::scale_values(copy.data(), count, e);
        const detail::DenseData<T> A(copy.data(), copy.rows(), copy.cols(), copy.rows());
        const detail::AnyData<T, Eigen::Index> any(A);
        r = detail::fit_scaled<T>(e, opt, start, callbacks,
                                  [&](const Options& o, auto s, const Callbacks& cb) {
                                      return detail::fit_held_out_any<T>(any, *opt.mask, o, s, cb);
                                  });
    } else if (opt.missing != Missing::none || opt.mask) {
        detail::ObservedArrays<T> observed =
            detail::observed_entries(V, opt.missing, opt.mask.get());
        detail::require_observed(observed.values.size(), V.rows, V.cols, opt);
        const int e = detail::scale_exponent<T>(
            detail::max_entry(observed.values.data(), observed.values.size()));
        detail::scale_values(observed.values.data(), observed.values.size(), e);
        r = detail::fit_scaled<T>(e, opt, start, callbacks,
                                  [&](const Options& o, auto s, const Callbacks& cb) {
                                      return detail::fit_observed<T>(observed, o, s, cb);
                                  });
    } else {
        Matrix<T> copy;  // V' when e ≠ 0 (the caller's V is const)
        const int e = detail::scale_exponent<T>(detail::max_entry(V));
        const DenseView<T> scaled = detail::scaled_view(V, e, copy);
        r = detail::fit_scaled<T>(
            e, opt, start, callbacks, [&](const Options& o, auto s, const Callbacks& cb) {
                return with_adapter(scaled, [&](const auto& A) {
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

template <class T>
Result<T> fit(const DenseView<T>& V, const Options& opt, const Callbacks& callbacks) {
    return fit_dense<T>(V, opt, nullptr, callbacks);
}

template <class T>
Result<T> fit(const DenseView<T>& V, const Options& opt, const InitialFactors<T>& start,
              const Callbacks& callbacks) {
    return fit_dense<T>(V, opt, &start, callbacks);
}

template <class T>
Result<T> transform(const DenseView<T>& V, const Matrix<T>& H, const Options& opt) {
    detail::validate_matrix(V);
    const Options o = detail::transform_options(opt, H, V.cols);
    detail::validate_positive(V, o);
    detail::ThreadScope threads(o.threads);
    Matrix<T> copy;  // V' = 2^-e V when e ≠ 0
    const int e = detail::scale_exponent<T>(detail::max_entry(V));
    const DenseView<T> scaled = detail::scaled_view(V, e, copy);
    Result<T> r =
        with_adapter(scaled, [&](const auto& A) { return detail::transform_any<T>(A, e, H, o); });
    r.threads = threads.threads();
    return r;
}
}  // namespace nmfkit
