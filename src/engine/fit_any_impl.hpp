#pragma once
// The definitions of engine/fit_any.hpp, included only by the units that instantiate them
// (engine/fit_{dense,sparse}_{float,double}.cpp, through fit_dense.hpp and fit_sparse.hpp).

#include "engine/fit_any.hpp"
#include "engine/run.hpp"

namespace nmfkit::detail {

template <class T, class I>
Result<T> fit_any(const AnyData<T, I>& A, const Options& opt, const InitialFactors<T>* start,
                  const Callbacks& callbacks) {
    return run_fit<T>(A, opt, start, callbacks);
}

template <class T, class I>
Result<T> fit_held_out_any(const AnyData<T, I>& base, const Mask& mask, const Options& opt,
                           const InitialFactors<T>* start, const Callbacks& callbacks) {
    return run_held_out<T>(base, mask, opt, start, callbacks);
}

template <class T, class I>
Result<T> transform_any(const AnyData<T, I>& A, int e, const Matrix<T>& H, const Options& opt) {
    return run_transform_scaled<T>(A, e, H, opt);
}

template <class T>
Result<T> fit_observed(const ObservedArrays<T>& observed, const Options& opt,
                       const InitialFactors<T>* start, const Callbacks& callbacks) {
    return run_masked<T>(observed, opt, start, callbacks);
}

}  // namespace nmfkit::detail
