#pragma once
// The data part of the generalized KL divergence over a run of entries, Σ v log(v/wh) − v, as a
// vector loop: shared by the sparse kernels (the stored entries of a slice) and the dense adapter
// (a column of a block of WH).

#include <algorithm>
#include <cmath>

#include <Eigen/Core>

#include "linalg/vector_log.hpp"

namespace nmfkit::detail {

/// log for the KL terms: vector_log where the build has AVX2 (8x glibc's log per entry when
/// vectorized), glibc's otherwise (faster than vector_log in scalar SSE2 code).
inline double kl_log(double x) {
#ifdef __AVX2__
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
        const double ratio = v[q] / std::max(wh[q], floor);
        sum += v[q] > 0 ? v[q] * kl_log(v[q] > 0 ? ratio : 1.0) - v[q] : 0.0;
    }
    return sum;
}

/// The same for float entries: converted to double 256 at a time first, so that the loop above
/// stays one vector width (mixed float/double in it was not vectorized: 25% of a float32 KL run).
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

}  // namespace nmfkit::detail
