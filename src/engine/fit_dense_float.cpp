// fit() and transform() for dense float input (engine/fit_dense.hpp), and the fits on
// AnyData<float, std::int64_t> (engine/fit_any.hpp), instantiated here.

#include "engine/fit_dense.hpp"

namespace nmfkit {

template Result<float> fit(const DenseView<float>&, const Options&, const Callbacks&);
template Result<float> fit(const DenseView<float>&, const Options&, const InitialFactors<float>&,
                           const Callbacks&);
template Result<float> transform(const DenseView<float>&, const Matrix<float>&, const Options&);

namespace detail {
NMFKIT_FIT_ANY_DECLARATIONS(, float, std::int64_t)
NMFKIT_FIT_HELD_OUT_DECLARATION(, float)
}  // namespace detail

}  // namespace nmfkit
