// fit() and transform() for sparse double input, 32- and 64-bit indices (engine/fit_sparse.hpp),
// and the fits on AnyData<double, int> and of the observed entries (engine/fit_any.hpp),
// instantiated here.

#include "engine/fit_sparse.hpp"

namespace nmfkit {

#define NMFKIT_INSTANTIATE_SPARSE(T, I)                                                       \
    template Result<T> fit(const SparseView<T, I>&, const Options&, const Callbacks&);        \
    template Result<T> fit(const SparseView<T, I>&, const Options&, const InitialFactors<T>&, \
                           const Callbacks&);                                                 \
    template Result<T> transform(const SparseView<T, I>&, const Matrix<T>&, const Options&);
NMFKIT_INSTANTIATE_SPARSE(double, int)
NMFKIT_INSTANTIATE_SPARSE(double, std::int64_t)
#undef NMFKIT_INSTANTIATE_SPARSE

namespace detail {
template Result<double> fit_any(const AnyData<double, int>&, const Options&,
                                const InitialFactors<double>*, const Callbacks&);
template Result<double> transform_any(const AnyData<double, int>&, int, const Matrix<double>&,
                                      const Options&);
template Result<double> fit_observed(const ObservedArrays<double>&, const Options&,
                                     const InitialFactors<double>*, const Callbacks&);
}  // namespace detail

}  // namespace nmfkit
