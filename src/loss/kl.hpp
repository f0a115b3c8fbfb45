#pragma once
// The generalized Kullback-Leibler divergence D(A‖WH) = Σ_ij A_ij log(A_ij / (WH)_ij) − A_ij + (WH)_ij
// (Lee & Seung, NIPS 2000) as a policy of the sampled product (linalg/sampled_loss.hpp): its
// multiplicative update's numerator is R·Ht with R = A ⊘ WH, which every adapter computes by
// A.sampled_times(W, Ht, KullbackLeibler<T>(), out, want_value).

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Core>

#include <nmfkit/result.hpp>

#include "linalg/sampled_loss.hpp"
#include "linalg/kernels.hpp"
#include "data/rows.hpp"

namespace nmfkit::detail {

/// The floor under WH in KL ratios and logs: WH entries below it count as the floor, so V ⊘ WH
/// and log(V/WH) stay finite. NOTE: √(smallest normal) keeps V/floor far from overflow.
template <class T>
inline T kl_floor() {
    return std::sqrt(std::numeric_limits<T>::min());
}

// kl_terms(v, wh, n, floor), the terms of the stored entries, and kl_weights_terms (the weights
// with the terms of the same quotients) are kernels compiled per instruction set
// (linalg/kl_kernels.hpp), called through the kernel table (linalg/kernels.hpp).

/// The KL policy of the sampled product: weight(v, wh) = v / max(wh, floor) (the entry of A ⊘ WH),
/// term(v, wh) = v log(v / max(wh, floor)) − v (0 at v = 0), and the + wh of every entry, stored
/// or not, added by the adapter from Σ_ij (W Htᵀ)_ij (adds_sum_of_product). The members are
/// always inlined: left to GCC, the extra call level kept the sampled kernels' dot products out of
/// line for k > 64 (docs/benchmarks.md, "Loss as a policy").
template <class T>
struct KullbackLeibler {
    static constexpr bool adds_sum_of_product = true;
    static constexpr SampledKernel kernel = SampledKernel::kl;
    T floor = kl_floor<T>();

    [[gnu::always_inline]] T weight(T v, T wh) const { return v / std::max(wh, floor); }
    // Compiled per instruction set (linalg/kernels.hpp).
    [[gnu::always_inline]] double weights(const T* v, T* wh, Eigen::Index n, bool value) const {
        if (value) return kl_weights_terms(v, wh, n, floor);
        kl_weights(v, wh, n, floor);
        return 0;
    }
    [[gnu::always_inline]] double terms_of_weights(const T* v, const T* w, Eigen::Index n) const {
        return kl_terms_of_weights(v, w, n);
    }
};

static_assert(SampledLoss<KullbackLeibler<float>, float> &&
              SampledLoss<KullbackLeibler<double>, double>);

/// Σ over the stored (observed) entries of A of v log(v/wh) − v + wh with wh = max((W Htᵀ)_ij,
/// kl_floor), in double, row by row in order: masked KL's objective, the unstored entries being
/// missing (not zeros). A is read through row_block() (ObservedData or its Transposed).
template <class T, class D>
double observed_kl_divergence(const D& A, const Matrix<T>& W, const Matrix<T>& Ht) {
    RowScratch<T> scratch;
    const double floor = kl_floor<T>();
    double total = 0;
    const auto block = A.row_block(0, A.rows(), scratch);
    for (Eigen::Index i = 0; i < A.rows(); ++i)
        for (auto p = block.ptr[i]; p < block.ptr[i + 1]; ++p) {
            const double v = block.values[p];
            const double wh = std::max(
                floor,
                W.row(i).template cast<double>().dot(
                    Ht.row(static_cast<Eigen::Index>(block.index[p])).template cast<double>()));
            total += (v > 0 ? v * std::log(v / wh) - v : 0.0) + wh;
        }
    return total;
}

}  // namespace nmfkit::detail
