#pragma once
// The generalized Kullback-Leibler divergence's per-entry kernels (loss/kl.hpp describes the
// loss): the terms v log(v / wh) − v of the stored entries, and the sampled kernels' KL policy
// (linalg/sampled_loss.hpp). Compiled once per target by linalg/kernels_isa.cpp.

#include <algorithm>
#include <cmath>

#include <Eigen/Core>

#include "linalg/isa_target.hpp"
#include "linalg/sampled_loss.hpp"
#include "linalg/vector_log.hpp"

namespace nmfkit::detail::NMFKIT_ISA_NAMESPACE {

/// log for the KL terms: vector_log where the target has AVX2 (it vectorizes), glibc's otherwise
/// (faster than vector_log in scalar SSE2 code).
inline double kl_log(double x) {
#if NMFKIT_ISA_TARGET >= 1
    return vector_log(x);
#else
    return std::log(x);
#endif
}

/// Σ_q [v_q log(v_q / max(wh_q, floor)) − v_q] over n stored entries (0 where v_q = 0), in double.
inline double kl_terms(const double* v, const double* wh, Eigen::Index n, double floor) {
    double sum = 0;
#pragma omp simd reduction(+ : sum)
    for (Eigen::Index q = 0; q < n; ++q) {
        // Computed for every entry, then selected: a ternary around the log kept the loop scalar
        // (see linalg/vector_log.hpp); at v = 0 the log of 1 is taken and the term dropped.
        const bool stored = v[q] > 0;
        const double ratio = v[q] / std::max(wh[q], floor);
        const double term = v[q] * kl_log(stored ? ratio : 1.0) - v[q];
        sum += stored ? term : 0.0;
    }
    return sum;
}

/// The same for float entries: converted to double 256 at a time first, so that the loop above
/// stays one vector width (mixed float/double in it was not vectorized).
inline double kl_terms(const float* v, const float* wh, Eigen::Index n, float floor) {
    constexpr Eigen::Index chunk = 256;
    double vd[chunk], whd[chunk], sum = 0;
    for (Eigen::Index q0 = 0; q0 < n; q0 += chunk) {
        const Eigen::Index c = std::min(chunk, n - q0);
        for (Eigen::Index q = 0; q < c; ++q) {
            vd[q] = v[q0 + q];
            whd[q] = wh[q0 + q];
        }
        sum += kl_terms(vd, whd, c, static_cast<double>(floor));
    }
    return sum;
}

/// The KL policy of the sampled kernels: weight(v, wh) = v / max(wh, floor), term(v, wh) =
/// v log(v / max(wh, floor)) − v (0 at v = 0); the adapter adds the + wh of every entry. The
/// members are always inlined: left to GCC, the extra call level kept the sampled kernels' dot
/// products out of line for k > 64 (docs/benchmarks.md, "Loss as a policy").
template <class T>
struct KlPolicy {
    static constexpr bool adds_sum_of_product = true;
    static constexpr SampledKernel kernel = SampledKernel::kl;
    T floor;

    [[gnu::always_inline]] T weight(T v, T wh) const { return v / std::max(wh, floor); }
    [[gnu::always_inline]] void weights(const T* v, T* wh, Eigen::Index n) const {
        const T f = floor;
#pragma omp simd
        for (Eigen::Index q = 0; q < n; ++q) wh[q] = v[q] / std::max(wh[q], f);
    }
    [[gnu::always_inline]] double terms(const T* v, const T* wh, Eigen::Index n) const {
        return kl_terms(v, wh, n, floor);
    }
};

}  // namespace nmfkit::detail::NMFKIT_ISA_NAMESPACE
