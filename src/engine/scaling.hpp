#pragma once
// Post-processing of a fit's factors: normalise W's columns (the scale moves into H or into d) and
// order the components by contribution. WH is unchanged by both.

#include <algorithm>
#include <numeric>
#include <vector>

#include <nmfkit/fit.hpp>

namespace nmfkit::detail {

/// Norm of a vector by the chosen normalisation (l1: Σ|x|, l2: ‖x‖₂), in double.
template <class V>
double component_norm(const V& x, Normalize kind) {
    const auto xd = x.template cast<double>();
    return kind == Normalize::l1 ? xd.cwiseAbs().sum() : xd.norm();
}

/// Applies Options::normalize, diagonal and sort_components to r.W (m x k) and r.H (k x n).
/// normalize: W(:, l) ← W(:, l)/s_l and H(l, :) ← s_l H(l, :), s_l = ‖W(:, l)‖ (columns with
/// s_l = 0 are left). diagonal: also H(l, :) ← H(l, :)/t_l, t_l = ‖H(l, :)‖, and d_l = s_l t_l, so
/// V ≈ W diag(d) H. sort_components: order by ‖W(:, l)‖₂ ‖H(l, :)‖₂ d_l (the Frobenius norm of
/// component l's rank-one term), largest first, ties in the original order.
template <class T>
void scale_components(Result<T>& r, const Options& opt) {
    const Eigen::Index k = r.W.cols();
    if (opt.normalize != Normalize::none) {
        if (opt.diagonal) r.d.setOnes(k);
        for (Eigen::Index l = 0; l < k; ++l) {
            const double s = component_norm(r.W.col(l), opt.normalize);
            if (s > 0) {
                r.W.col(l) /= static_cast<T>(s);
                r.H.row(l) *= static_cast<T>(s);
            }
            if (!opt.diagonal) continue;
            const double t = component_norm(r.H.row(l), opt.normalize);
            if (t > 0) r.H.row(l) /= static_cast<T>(t);
            r.d(l) = static_cast<T>(t > 0 ? t : 0.0);
        }
    }
    if (!opt.sort_components) return;
    std::vector<double> weight(static_cast<std::size_t>(k));
    for (Eigen::Index l = 0; l < k; ++l)
        weight[static_cast<std::size_t>(l)] = r.W.col(l).template cast<double>().norm() *
                                              r.H.row(l).template cast<double>().norm() *
                                              (r.d.size() > 0 ? static_cast<double>(r.d(l)) : 1.0);
    std::vector<Eigen::Index> order(static_cast<std::size_t>(k));
    std::iota(order.begin(), order.end(), Eigen::Index{0});
    std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) {
        return weight[static_cast<std::size_t>(a)] > weight[static_cast<std::size_t>(b)];
    });
    const Matrix<T> W = r.W, H = r.H;
    const Eigen::Matrix<T, Eigen::Dynamic, 1> d = r.d;
    for (Eigen::Index l = 0; l < k; ++l) {
        const Eigen::Index from = order[static_cast<std::size_t>(l)];
        r.W.col(l) = W.col(from);
        r.H.row(l) = H.row(from);
        if (d.size() > 0) r.d(l) = d(from);
    }
}

}  // namespace nmfkit::detail
