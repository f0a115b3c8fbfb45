#pragma once
// The fits on an adapter, compiled once per (scalar type, block index type) on AnyData
// (engine/any_data.hpp): fit_dense.hpp and fit_sparse.hpp validate, scale and pick the adapter,
// then call these. The 64-bit instantiations (dense V, sparse V with 64-bit indices, held-out
// entries) are made in fit_dense_{float,double}.cpp, the 32-bit ones and the fit of the observed
// entries in fit_sparse_{float,double}.cpp; the extern declarations below keep every other unit
// from instantiating them again. Before, the loop, steps and starts were compiled once per
// storage: dense, row-major dense, CSC and CSR of both index widths, and the held-out copies.

#include <cstdint>
#include <type_traits>

#include <nmfkit/fit.hpp>
#include <nmfkit/mask.hpp>

#include "data/observed.hpp"
#include "engine/any_data.hpp"

namespace nmfkit::detail {

// Dense data's block index (Eigen::Index) and 64-bit sparse indices share one instantiation.
static_assert(std::is_same_v<Eigen::Index, std::int64_t>,
              "fit_any_*_i64.cpp instantiates AnyData<T, std::int64_t> for dense V too");

/// run_fit (engine/run.hpp) on A: the restarts of one fit from `start` (or the options' start).
template <class T, class I>
Result<T> fit_any(const AnyData<T, I>& A, const Options& opt, const InitialFactors<T>* start,
                  const Callbacks& callbacks);

/// run_held_out (engine/run.hpp): Frobenius with the mask's entries held out of `base`, an
/// adapter over V with zeros at the mask.
template <class T, class I>
Result<T> fit_held_out_any(const AnyData<T, I>& base, const Mask& mask, const Options& opt,
                           const InitialFactors<T>* start, const Callbacks& callbacks);

/// run_transform_scaled (engine/run.hpp): W for the fixed H on A = 2^-e V.
template <class T, class I>
Result<T> transform_any(const AnyData<T, I>& A, int e, const Matrix<T>& H, const Options& opt);

/// run_masked (engine/run.hpp): the fit of the observed entries (missing values, masks of KL).
template <class T>
Result<T> fit_observed(const ObservedArrays<T>& observed, const Options& opt,
                       const InitialFactors<T>* start, const Callbacks& callbacks);

extern template Result<float> fit_any(const AnyData<float, std::int64_t>&, const Options&,
                                      const InitialFactors<float>*, const Callbacks&);
extern template Result<float> transform_any(const AnyData<float, std::int64_t>&, int,
                                            const Matrix<float>&, const Options&);
extern template Result<float> fit_any(const AnyData<float, int>&, const Options&,
                                      const InitialFactors<float>*, const Callbacks&);
extern template Result<float> transform_any(const AnyData<float, int>&, int, const Matrix<float>&,
                                            const Options&);
extern template Result<float> fit_held_out_any(const AnyData<float, std::int64_t>&, const Mask&,
                                               const Options&, const InitialFactors<float>*,
                                               const Callbacks&);
extern template Result<float> fit_observed(const ObservedArrays<float>&, const Options&,
                                           const InitialFactors<float>*, const Callbacks&);
extern template Result<double> fit_any(const AnyData<double, std::int64_t>&, const Options&,
                                       const InitialFactors<double>*, const Callbacks&);
extern template Result<double> transform_any(const AnyData<double, std::int64_t>&, int,
                                             const Matrix<double>&, const Options&);
extern template Result<double> fit_any(const AnyData<double, int>&, const Options&,
                                       const InitialFactors<double>*, const Callbacks&);
extern template Result<double> transform_any(const AnyData<double, int>&, int,
                                             const Matrix<double>&, const Options&);
extern template Result<double> fit_held_out_any(const AnyData<double, std::int64_t>&, const Mask&,
                                                const Options&, const InitialFactors<double>*,
                                                const Callbacks&);
extern template Result<double> fit_observed(const ObservedArrays<double>&, const Options&,
                                            const InitialFactors<double>*, const Callbacks&);

}  // namespace nmfkit::detail
