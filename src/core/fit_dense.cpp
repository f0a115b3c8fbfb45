// fit() and transform() for dense input: validate, pick the adapter once, run.

#include "core/run.hpp"
#include "data/dense.hpp"
#include "data/transposed.hpp"

namespace nmfkit {
namespace {

// Calls f(A) with the adapter that presents V: DenseData for column-major V, and for row-major V
// (whose buffer is the column-major Vᵀ) DenseData of Vᵀ wrapped in Transposed.
template <class T, class F>
auto with_adapter(const DenseView<T>& V, F&& f) {
    if (V.layout == Layout::col_major) {
        const detail::DenseData<T> A(V.data, V.rows, V.cols, V.leading_dimension());
        return f(A);
    }
    const detail::DenseData<T> At(V.data, V.cols, V.rows, V.leading_dimension());
    return f(detail::Transposed<detail::DenseData<T>>(At));
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
    Result<T> r;
    if (opt.mask && opt.missing == Missing::none && opt.loss == Loss::frobenius) {
        // NOTE: a copy of V with zeros at the mask (m x n), so V's values there are never read.
        const Matrix<T> copy = detail::zero_masked_copy(V, *opt.mask);
        const detail::DenseData<T> A(copy.data(), copy.rows(), copy.cols(), copy.rows());
        r = detail::run_held_out<T>(A, *opt.mask, opt, start, callbacks);
    } else if (opt.missing != Missing::none || opt.mask)
        r = detail::run_masked<T>(detail::observed_entries(V, opt.missing, opt.mask.get()), opt, start,
                                  callbacks);
    else
        r = with_adapter(V, [&](const auto& A) { return detail::run_fit<T>(A, opt, start, callbacks); });
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
    Result<T> r = with_adapter(V, [&](const auto& A) { return detail::run_transform<T>(A, H, o); });
    r.threads = threads.threads();
    return r;
}

template Result<float> fit(const DenseView<float>&, const Options&, const Callbacks&);
template Result<double> fit(const DenseView<double>&, const Options&, const Callbacks&);
template Result<float> fit(const DenseView<float>&, const Options&, const InitialFactors<float>&,
                           const Callbacks&);
template Result<double> fit(const DenseView<double>&, const Options&,
                            const InitialFactors<double>&, const Callbacks&);
template Result<float> transform(const DenseView<float>&, const Matrix<float>&, const Options&);
template Result<double> transform(const DenseView<double>&, const Matrix<double>&, const Options&);

}  // namespace nmfkit
