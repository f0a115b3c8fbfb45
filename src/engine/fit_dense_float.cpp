// fit() and transform() for dense float input (engine/fit_dense.hpp), and the fits on
// AnyData<float, std::int64_t> (engine/fit_any.hpp), instantiated here.

#include "engine/fit_dense.hpp"

namespace nmfkit {

template Result<float> fit(const DenseView<float>&, const Options&, const Callbacks&);
template Result<float> fit(const DenseView<float>&, const Options&, const InitialFactors<float>&,
                           const Callbacks&);
template Result<float> transform(const DenseView<float>&, const Matrix<float>&, const Options&);

namespace detail {
template Result<float> fit_any(const AnyData<float, std::int64_t>&, const Options&,
                               const InitialFactors<float>*, const Callbacks&);
template Result<float> transform_any(const AnyData<float, std::int64_t>&, int, const Matrix<float>&,
                                     const Options&);
template Result<float> fit_held_out_any(const AnyData<float, std::int64_t>&, const Mask&,
                                        const Options&, const InitialFactors<float>*,
                                        const Callbacks&);
}  // namespace detail

}  // namespace nmfkit
