// fit() and transform() for dense float input (engine/fit_dense.hpp), instantiated here.

#include "engine/fit_dense.hpp"

namespace nmfkit {

template Result<float> fit(const DenseView<float>&, const Options&, const Callbacks&);
template Result<float> fit(const DenseView<float>&, const Options&, const InitialFactors<float>&,
                           const Callbacks&);
template Result<float> transform(const DenseView<float>&, const Matrix<float>&, const Options&);

}  // namespace nmfkit
