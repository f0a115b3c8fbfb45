// fit() and transform() for dense double input (engine/fit_dense.hpp), and the fits on
// AnyData<double, std::int64_t> (engine/fit_any.hpp), instantiated here.

#include "engine/fit_dense.hpp"

namespace nmfkit {

template Result<double> fit(const DenseView<double>&, const Options&, const Callbacks&);
template Result<double> fit(const DenseView<double>&, const Options&, const InitialFactors<double>&,
                            const Callbacks&);
template Result<double> transform(const DenseView<double>&, const Matrix<double>&, const Options&);

namespace detail {
NMFKIT_FIT_ANY_DECLARATIONS(, double, std::int64_t)
NMFKIT_FIT_HELD_OUT_DECLARATION(, double)
}  // namespace detail

}  // namespace nmfkit
