// fit(): validates, picks the concrete adapter and step once, and runs the one loop.

#include <nmfkit/fit.hpp>

#include "core/loop.hpp"
#include "core/steps.hpp"
#include "core/threads.hpp"
#include "core/validate.hpp"
#include "data/dense.hpp"
#include "init/random.hpp"

namespace nmfkit {
namespace {

template <class T, class D>
Result<T> run(const D& A, const Options& opt, const InitialFactors<T>* start,
              const Callbacks& callbacks) {
    const Eigen::Index m = A.rows(), n = A.cols();
    const int k = opt.rank;
    Matrix<T> W(m, k), Ht(n, k);
    if (start != nullptr) {
        W = start->W;
        Ht = start->H.transpose();
    } else {
        // E[(WH)_ij] = k · E[w] E[h] = mean(V) for w, h ~ U(0, 2√(mean(V)/k)).
        const double mean = A.sum() / (static_cast<double>(m) * static_cast<double>(n));
        const double scale = 2.0 * std::sqrt(mean / k);
        detail::random_factor(W, opt.seed, detail::Stream::w, scale);
        detail::random_factor(Ht, opt.seed, detail::Stream::h, scale);
    }
    const Solver solver = resolved_solver(opt);
    if (opt.loss == Loss::kullback_leibler) {
        detail::KullbackLeiblerStep<T, D> step(A);
        return detail::alternate(A, step, std::move(W), std::move(Ht), opt, callbacks);
    }
    detail::FrobeniusStep<T, D> step(A, solver, opt);
    return detail::alternate(A, step, std::move(W), std::move(Ht), opt, callbacks);
}

template <class T>
Result<T> fit_dense(const DenseView<T>& V, const Options& opt, const InitialFactors<T>* start,
                    const Callbacks& callbacks) {
    detail::validate_options(opt);
    detail::validate_matrix(V);
    if (opt.init == Init::custom && start == nullptr)
        throw InvalidInput("init custom needs starting factors: call fit(V, options, {W, H})");
    if (opt.init != Init::custom && start != nullptr)
        throw InvalidInput("starting factors were given but init is " +
                           std::string(to_string(opt.init)) + "; set init to custom");
    if (start != nullptr) detail::validate_factors(*start, V.rows, V.cols, opt.rank);

    detail::ThreadScope threads(opt.threads);
    Result<T> r;
    if (V.layout == Layout::col_major) {
        detail::DenseData<T> A(V.data, V.rows, V.cols, V.leading_dimension());
        r = run(A, opt, start, callbacks);
    } else {
        // A row-major V is the column-major Vᵀ; Transposed swaps the products back to V's.
        detail::DenseData<T> At(V.data, V.cols, V.rows, V.leading_dimension());
        detail::Transposed<detail::DenseData<T>> A(At);
        r = run(A, opt, start, callbacks);
    }
    r.threads = threads.threads();
    return r;
}

}  // namespace

template <class T>
Result<T> fit(const DenseView<T>& V, const Options& opt, const Callbacks& callbacks) {
    return fit_dense<T>(V, opt, nullptr, callbacks);
}

template <class T>
Result<T> fit(const DenseView<T>& V, const Options& opt, const InitialFactors<T>& start,
              const Callbacks& callbacks) {
    return fit_dense<T>(V, opt, &start, callbacks);
}

template Result<float> fit(const DenseView<float>&, const Options&, const Callbacks&);
template Result<double> fit(const DenseView<double>&, const Options&, const Callbacks&);
template Result<float> fit(const DenseView<float>&, const Options&, const InitialFactors<float>&,
                           const Callbacks&);
template Result<double> fit(const DenseView<double>&, const Options&,
                            const InitialFactors<double>&, const Callbacks&);

}  // namespace nmfkit
