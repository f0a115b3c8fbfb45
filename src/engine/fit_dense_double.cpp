// fit() and transform() for dense double input (engine/fit_dense.hpp), and the fits on
// AnyData<double, std::int64_t> (engine/fit_any.hpp), instantiated here.

#include "engine/fit_dense.hpp"

namespace nmfkit {

template Result<double> fit(const DenseView<double>&, const Options&, const Callbacks&);
template Result<double> fit(const DenseView<double>&, const Options&, const InitialFactors<double>&,
                            const Callbacks&);
template Result<double> transform(const DenseView<double>&, const Matrix<double>&, const Options&);

namespace detail {
template Result<double> fit_any(const AnyData<double, std::int64_t>&, const Options&,
                                const InitialFactors<double>*, const Callbacks&);
template Result<double> transform_any(const AnyData<double, std::int64_t>&, int,
                                      const Matrix<double>&, const Options&);
template Result<double> fit_held_out_any(const AnyData<double, std::int64_t>&, const Mask&,
                                         const Options&, const InitialFactors<double>*,
                                         const Callbacks&);
}  // namespace detail

}  // namespace nmfkit
