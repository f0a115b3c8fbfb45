// fit() and transform() for sparse float input, 32- and 64-bit indices (engine/fit_sparse.hpp),
// and the fits on AnyData<float, int> and of the observed entries (engine/fit_any.hpp),
// instantiated here.

#include "engine/fit_sparse.hpp"

namespace nmfkit {

#define NMFKIT_INSTANTIATE_SPARSE(T, I)                                                       \
    template Result<T> fit(const SparseView<T, I>&, const Options&, const Callbacks&);        \
    template Result<T> fit(const SparseView<T, I>&, const Options&, const InitialFactors<T>&, \
                           const Callbacks&);                                                 \
    template Result<T> transform(const SparseView<T, I>&, const Matrix<T>&, const Options&);
NMFKIT_INSTANTIATE_SPARSE(float, int)
NMFKIT_INSTANTIATE_SPARSE(float, std::int64_t)
#undef NMFKIT_INSTANTIATE_SPARSE

namespace detail {
template Result<float> fit_any(const AnyData<float, int>&, const Options&,
                               const InitialFactors<float>*, const Callbacks&);
template Result<float> transform_any(const AnyData<float, int>&, int, const Matrix<float>&,
                                     const Options&);
template Result<float> fit_observed(const ObservedArrays<float>&, const Options&,
                                    const InitialFactors<float>*, const Callbacks&);
}  // namespace detail

}  // namespace nmfkit
