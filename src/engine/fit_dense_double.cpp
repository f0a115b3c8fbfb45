// fit() and transform() for dense double input (engine/fit_dense.hpp), instantiated here.

#include "engine/fit_dense.hpp"

namespace nmfkit {

template Result<double> fit(const DenseView<double>&, const Options&, const Callbacks&);
template Result<double> fit(const DenseView<double>&, const Options&, const InitialFactors<double>&,
                            const Callbacks&);
template Result<double> transform(const DenseView<double>&, const Matrix<double>&, const Options&);

}  // namespace nmfkit
