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
NMFKIT_FIT_ANY_DECLARATIONS(, double, int)
NMFKIT_FIT_OBSERVED_DECLARATION(, double)
}  // namespace detail

}  // namespace nmfkit
