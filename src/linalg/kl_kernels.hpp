#pragma once
// The generalized Kullback-Leibler divergence's per-entry kernels (loss/kl.hpp describes the
// loss): the terms v log(v / wh) − v of the stored entries, and the sampled kernels' KL policy
// (linalg/sampled_loss.hpp). Compiled once per target by linalg/kernels_isa.cpp.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include <Eigen/Core>

#include "linalg/isa_target.hpp"
#include "linalg/sampled_loss.hpp"
#include "linalg/vector_log.hpp"

namespace nmfkit::detail::NMFKIT_ISA_NAMESPACE {

/// log(ratio) for a term that the caller keeps only where `kept` (there ratio > 0; elsewhere it
/// is 0, the ratio of v = 0, and the caller drops the term). vector_log where the target has AVX2 (it
/// vectorizes), glibc's otherwise (faster than vector_log in scalar SSE2 code). Computed for
/// every entry, then selected by the caller: a ternary around the log kept the loops scalar (see
/// linalg/vector_log.hpp). vector_log takes the ratio as it is: with the argument selected as
/// kept ? ratio : 1 (as before), GCC threaded the constant 1 through vector_log's own subnormal
/// select and vectorized the whole logarithm twice, 3 divisions per entry instead of 2
/// (docs/benchmarks.md, "The KL logarithm computed twice"). glibc's log gets 1 where not kept:
/// its log(0) would set errno.
/// `normal_ratios`: every kept ratio is a normal, finite double (vector_log<true>).
template <bool normal_ratios = false>
[[gnu::always_inline]] inline double kl_log(bool kept, double ratio) {
#if NMFKIT_ISA_TARGET >= 1
    (void)kept;
    return vector_log<normal_ratios>(ratio);
#else
    return std::log(kept ? ratio : 1.0);
#endif
}

/// v log(ratio) − v for a stored entry (v > 0), 0 otherwise (at v = 0 the log is of 0/wh, and the
/// term, NaN, is dropped by the select).
template <bool normal_ratios = false>
[[gnu::always_inline]] inline double kl_term(double v, double ratio) {
    const bool stored = v > 0;
    const double term = v * kl_log<normal_ratios>(stored, ratio) - v;
    return stored ? term : 0.0;
}

/// Σ_q [v_q log(v_q / max(wh_q, floor)) − v_q] over n stored entries (0 where v_q = 0), in double.
/// `normal_ratios`: v and wh are float values (in double), whose kept ratios are normal and finite
/// doubles (see the float kl_terms below).
template <bool normal_ratios = false>
inline double kl_terms(const double* v, const double* wh, Eigen::Index n, double floor) {
    double sum = 0;
#pragma omp simd reduction(+ : sum)
    for (Eigen::Index q = 0; q < n; ++q)
        sum += kl_term<normal_ratios>(v[q], v[q] / std::max(wh[q], floor));
    return sum;
}

/// The KL weights in place, wh ← v ⊘ max(wh, floor), returning the terms of kl_terms from the
/// same quotients (Σ_q v_q log w_q − v_q over v_q > 0): one division per entry for both.
template <bool normal_ratios = false>
inline double kl_weights_terms(const double* v, double* wh, Eigen::Index n, double floor) {
    double sum = 0;
#pragma omp simd reduction(+ : sum)
    for (Eigen::Index q = 0; q < n; ++q) {
        const double w = v[q] / std::max(wh[q], floor);
        wh[q] = w;
        sum += kl_term<normal_ratios>(v[q], w);
    }
    return sum;
}

/// kl_terms from weights w_q = v_q / max(wh_q, floor) that a kernel kept: Σ_q v_q log w_q − v_q.
inline double kl_terms_of_weights(const double* v, const double* w, Eigen::Index n) {
    double sum = 0;
#pragma omp simd reduction(+ : sum)
    for (Eigen::Index q = 0; q < n; ++q) sum += kl_term(v[q], w[q]);
    return sum;
}

/// f(vd, xd, c, q0) on double copies of v[q0 : q0 + c] and x[q0 : q0 + c], 256 entries at a time:
/// the float forms of the loops above run them on such copies, so that each loop stays one
/// vector width (mixed float/double in one loop was not vectorized).
template <class F>
void in_double_chunks(const float* v, const float* x, Eigen::Index n, F&& f) {
    constexpr Eigen::Index chunk = 256;
    double vd[chunk], xd[chunk];
    for (Eigen::Index q0 = 0; q0 < n; q0 += chunk) {
        const Eigen::Index c = std::min(chunk, n - q0);
        for (Eigen::Index q = 0; q < c; ++q) {
            vd[q] = v[q0 + q];
            xd[q] = x[q0 + q];
        }
        f(vd, xd, c, q0);
    }
}

/// For float v, wh and floor (> 0, as kl_floor<float>), each ratio v / max(wh, floor) of a stored
/// v > 0, taken in double, lies in [2⁻¹⁴⁹ / FLT_MAX, FLT_MAX / floor]: about [4e-84, 3e57] for
/// kl_floor<float>, far inside the normal, finite doubles. So the float forms in double take the
/// log without its subnormal and infinity cases (vector_log<true>). The baseline target's terms,
/// and the other targets' where a ratio leaves the normal floats (float_terms below).
inline double kl_terms_in_double(const float* v, const float* wh, Eigen::Index n, float floor) {
    double sum = 0;
    in_double_chunks(v, wh, n, [&](const double* vd, const double* whd, Eigen::Index c, auto) {
        sum += kl_terms<true>(vd, whd, c, static_cast<double>(floor));
    });
    return sum;
}

/// The float weights are the double quotients rounded to float, which is the float quotient
/// v / max(wh, floor) itself: rounding a quotient first to 53 bits, then to 24, gives the correctly
/// rounded 24-bit one, since 53 ≥ 2·24 + 2 (Figueroa, "When is double rounding innocuous?",
/// SIGNUM Newsletter 30(3), 1995). The terms are taken from the double quotients.
inline double kl_weights_terms_in_double(const float* v, float* wh, Eigen::Index n, float floor) {
    double sum = 0;
    in_double_chunks(v, wh, n, [&](const double* vd, double* whd, Eigen::Index c, Eigen::Index q0) {
        sum += kl_weights_terms<true>(vd, whd, c, static_cast<double>(floor));
        for (Eigen::Index q = 0; q < c; ++q) wh[q0 + q] = static_cast<float>(whd[q]);
    });
    return sum;
}

#if NMFKIT_ISA_TARGET >= 1
/// Floats per vector register in float_terms' loops (64-byte ones on avx512, NMFKIT_WIDE_VECTORS).
constexpr Eigen::Index float_lanes = NMFKIT_ISA_TARGET == 2 ? 16 : 8;

/// The float terms in float arithmetic (targets with FMA). For a stored v > 0, with
/// wf = max(wh, floor) and the float weight w = v / wf (correctly rounded),
///     v log(v / wf) − v = [v·log w + ρ] − v,   ρ = v − w·wf,
/// since v·log(v / wf) = v·log w + v·log(1 + ρ / (w·wf)) and, w·wf being v within a rounding,
/// v·log(1 + ρ / (w·wf)) = ρ within v·2⁻⁴⁷. ρ, the remainder of a correctly rounded division, is a
/// float, computed exactly by one fused multiply-add (Muller et al., Handbook of Floating-Point
/// Arithmetic, 2010, ch. 4, "Exact operations"): the log of the rounded weight corrected for its
/// rounding. Without ρ each term would be off by up to v·2⁻²⁴, which near a close fit (terms of
/// v·δ²/2 for a relative misfit δ) swamps the objective. The bracket, of size v·|log w|, is
/// rounded once in float (vector_logf is under 1 ulp) and the − v subtracted in double: each
/// term is within v·(|log w|·2⁻²² + 2⁻⁴⁶) of the double one (docs/algorithms.md, "The float32
/// terms in float"). Two divisions per entry, as in double, but in twice the lanes and without
/// copies to double (docs/benchmarks.md, "The float KL terms in float").
/// Sets w[q] to every weight and `sum` to the terms' sum in double; returns false where a stored
/// entry's w is not a normal float (under FLT_MIN, over FLT_MAX, NaN) or its v is over 2¹²⁰ (the
/// bracket could overflow): the caller then takes the terms in double. n is a multiple of
/// float_lanes, at most 256: the caller pads a shorter tail, so that the loops need no scalar
/// remainder (sparse slices are short: at 30-60 entries per call, the remainder's scalar log took
/// about as long as the vector loop). Not inlined, so that its loops are vectorized under its own
/// attribute.
[[gnu::noinline]] NMFKIT_WIDE_VECTORS inline bool float_terms(const float* v, const float* wh,
                                                              float* w, Eigen::Index n, float floor,
                                                              double& sum) {
    constexpr float smallest = std::numeric_limits<float>::min();
    constexpr float largest = std::numeric_limits<float>::max();
    constexpr float below_overflow = 0x1p120F;  // v ≤ 2¹²⁰: |v·log w + ρ| ≤ 2¹²⁰·89 < FLT_MAX
    float brackets[256];
    n = n / float_lanes * float_lanes;  // tells the vectorizer: no remainder
    int out_of_range = 0;
    // All float, so that the loop runs in float lanes (with the double sum in it, GCC took the
    // float arithmetic at the double lanes' width: 10-20 % slower with AVX2).
#pragma omp simd reduction(| : out_of_range)
    for (Eigen::Index q = 0; q < n; ++q) {
        const float a = v[q];
        const float wf = std::max(wh[q], floor);
        const float r = a / wf;
        w[q] = r;
        const float rho = std::fma(-r, wf, a);
        const float bracket = std::fma(a, vector_logf(r), rho);
        const bool kept = a > 0;
        out_of_range |= kept & !(r >= smallest && r <= largest && a <= below_overflow);
        brackets[q] = kept ? bracket : 0.0F;
    }
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (Eigen::Index q = 0; q < n; ++q)
        s += static_cast<double>(brackets[q]) - (v[q] > 0 ? static_cast<double>(v[q]) : 0.0);
    sum = s;
    return out_of_range == 0;
}

/// f(a, b, padded, c, q0) for the entries of a and b 256 at a time: c ≤ 256 of them from q0, as
/// pointers to a padded count of entries, a multiple of float_lanes (the float kernels' loops take
/// whole vectors). A chunk of c not such a multiple is copied and padded with entries
/// (pad_a, pad_b), which the kernel must count as no term.
template <class F>
void padded_float_chunks(const float* a, const float* b, Eigen::Index n, float pad_a, float pad_b,
                         F&& f) {
    constexpr Eigen::Index chunk = 256;
    float a_padded[chunk], b_padded[chunk];
    for (Eigen::Index q0 = 0; q0 < n; q0 += chunk) {
        const Eigen::Index c = std::min(chunk, n - q0);
        const Eigen::Index padded = (c + float_lanes - 1) / float_lanes * float_lanes;
        const float* ac = a + q0;
        const float* bc = b + q0;
        if (padded != c) {
            std::fill(a_padded, a_padded + padded, pad_a);
            std::fill(b_padded, b_padded + padded, pad_b);
            std::copy(ac, ac + c, a_padded);
            std::copy(bc, bc + c, b_padded);
            ac = a_padded;
            bc = b_padded;
        }
        f(ac, bc, padded, c, q0);
    }
}

/// f(w, c, q0, in_range, sum) for the c ≤ 256 entries from q0, chunk by chunk: float_terms' weights
/// w (a buffer), whether they stayed in its range, and their terms' sum if so. Padding: v = 0 (no
/// term), wh = 1.
template <class F>
void in_float_chunks(const float* v, const float* wh, Eigen::Index n, float floor, F&& f) {
    float w[256];
    padded_float_chunks(v, wh, n, 0.0F, 1.0F,
                        [&](const float* vc, const float* whc, Eigen::Index padded, Eigen::Index c,
                            Eigen::Index q0) {
                            double sum = 0;
                            const bool in_range = float_terms(vc, whc, w, padded, floor, sum);
                            f(w, c, q0, in_range, sum);
                        });
}
#endif

/// Σ over the stored float entries of v log(v / max(wh, floor)) − v: float_terms where the target
/// has FMA, 256 entries at a time, each chunk in double instead where float_terms declines it.
inline double kl_terms(const float* v, const float* wh, Eigen::Index n, float floor) {
#if NMFKIT_ISA_TARGET >= 1
    double total = 0;
    in_float_chunks(v, wh, n, floor,
                    [&](const float*, Eigen::Index c, Eigen::Index q0, bool in_range, double sum) {
                        total += in_range ? sum : kl_terms_in_double(v + q0, wh + q0, c, floor);
                    });
    return total;
#else
    return kl_terms_in_double(v, wh, n, floor);
#endif
}

/// The float weights in place with the terms of kl_terms (the same sum, bit for bit).
inline double kl_weights_terms(const float* v, float* wh, Eigen::Index n, float floor) {
#if NMFKIT_ISA_TARGET >= 1
    double total = 0;
    in_float_chunks(
        v, wh, n, floor,
        [&](const float* w, Eigen::Index c, Eigen::Index q0, bool in_range, double sum) {
            if (in_range) {
                std::memcpy(wh + q0, w, static_cast<std::size_t>(c) * sizeof(float));
                total += sum;
            } else {
                total += kl_weights_terms_in_double(v + q0, wh + q0, c, floor);
            }
        });
    return total;
#else
    return kl_weights_terms_in_double(v, wh, n, floor);
#endif
}

/// From float weights, which are rounded: the terms differ from kl_terms' by that rounding (up to
/// v·2⁻²⁴ each). The kernel that keeps its weights and takes the terms from them, the one-pass
/// sampled gather, is float64 only.
inline double kl_terms_of_weights(const float* v, const float* w, Eigen::Index n) {
    double sum = 0;
    in_double_chunks(v, w, n, [&](const double* vd, const double* wd, Eigen::Index c, auto) {
        sum += kl_terms_of_weights(vd, wd, c);
    });
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
    /// w = weight lane by lane for a GCC vector of T (the same quotient: IEEE division rounds
    /// each lane as the scalar one does; the select is std::max's, a NaN wh kept).
    template <class V>
    [[gnu::always_inline]] void weight_lanes(const V& v, const V& wh, V& w) const {
        const V f = V{} + floor;
        w = v / (wh < f ? f : wh);
    }
    [[gnu::always_inline]] double weights(const T* v, T* wh, Eigen::Index n, bool value) const {
        if (value) return kl_weights_terms(v, wh, n, floor);
        const T f = floor;
#pragma omp simd
        for (Eigen::Index q = 0; q < n; ++q) wh[q] = v[q] / std::max(wh[q], f);
        return 0;
    }
    [[gnu::always_inline]] double terms_of_weights(const T* v, const T* w, Eigen::Index n) const {
        return kl_terms_of_weights(v, w, n);
    }
};

}  // namespace nmfkit::detail::NMFKIT_ISA_NAMESPACE
