#pragma once
// A natural logarithm in plain arithmetic that the compiler vectorizes inside `omp simd` loops
// (glibc's log is one scalar call per entry; the KL objective takes one per stored entry). The
// reduction is fdlibm's (Sun Microsystems, e_log.c, 1993): x = 2^e · m with m in [√½, √2),
// s = (m − 1)/(m + 1), log m = 2·atanh s = 2s·Σ_{j≥0} s^{2j}/(2j + 1); |s| ≤ 0.1716, so eleven
// terms leave a truncation below 1e-18 relative, and the result is within a few ulp of std::log
// (tests/test_kernels.cpp). Compiled in the kernels' namespace where linalg/kernels_isa.cpp
// includes it (linalg/isa_target.hpp), in nmfkit::detail elsewhere.

#include <bit>
#include <cstdint>
#include <limits>

#if defined(NMFKIT_ISA_TARGET)
#include "linalg/isa_target.hpp"
namespace nmfkit::detail::NMFKIT_ISA_NAMESPACE {
#else
namespace nmfkit::detail {
#endif

/// log(x) for x > 0 (normal or subnormal); +inf for +inf, −inf for 0. No NaN input expected.
/// With `normal_only`, for x that is 0 or positive, normal and finite (−inf for 0, for a negative
/// x and for NaN; a subnormal or infinite x gives a wrong finite value): without the scaling of
/// subnormals and the test for +inf, two compares, two selects and a multiplication fewer per
/// entry (the float KL ratios taken in double, linalg/kl_kernels.hpp).
template <bool normal_only = false>
inline double vector_log(double x) {
    constexpr double min_normal = std::numeric_limits<double>::min();
    constexpr double two54 = 18014398509481984.0;  // 2^54: subnormals are scaled up first
    constexpr double ln2 = 0.6931471805599453094;
    constexpr std::uint64_t sqrt_half_bits = 0x3fe6a09e667f3bcdULL;  // bits of √½
    constexpr std::uint64_t mantissa = 0x000fffffffffffffULL;
    constexpr std::uint64_t offset = sqrt_half_bits & mantissa;
    // Branch-free (selects between values, every operation done for every x): a ternary around
    // an operation keeps GCC from vectorizing the loop that inlines this (with its default
    // -ftrapping-math it does not execute a floating-point operation speculatively).
    const bool subnormal = !normal_only && x < min_normal;
    const double y = x * (subnormal ? two54 : 1.0);
    // d's exponent field is e + 1022 and its mantissa field m's offset from √½ (see header).
    const std::uint64_t d = std::bit_cast<std::uint64_t>(y) - offset;
    const double m = std::bit_cast<double>((d & mantissa) + sqrt_half_bits);
    // The exponent field as a double without an integer conversion: 2^52 + field, minus 2^52.
    const double field =
        std::bit_cast<double>((d >> 52) | 0x4330000000000000ULL) - 4503599627370496.0;
    const double e = field - (subnormal ? 1022.0 + 54.0 : 1022.0);
    const double f = m - 1.0;  // exact (Sterbenz)
    const double s = f / (2.0 + f);
    const double z = s * s;
    const double series =
        1.0 +
        z * (1.0 / 3 +
             z * (1.0 / 5 +
                  z * (1.0 / 7 +
                       z * (1.0 / 9 +
                            z * (1.0 / 11 +
                                 z * (1.0 / 13 +
                                      z * (1.0 / 15 +
                                           z * (1.0 / 17 + z * (1.0 / 19 + z * (1.0 / 21))))))))));
    const double r = e * ln2 + 2.0 * s * series;
    const double inf = std::numeric_limits<double>::infinity();
    if constexpr (normal_only)
        return x > 0 ? r : -inf;
    else
        return x == inf ? inf : (x > 0 ? r : -inf);
}

/// vector_logf's reduction of x: x = 2^e · (1 + f) with 1 + f in [√½, √2), s = f/(2 + f) and
/// tail = z/3 + z²/5 + z³/7 + z⁴/9 (z = s²), so that log x = e·log 2 + f − s·(f − 2·tail).
struct LogfParts {
    float e, f, s, tail;
};
inline LogfParts logf_parts(float x) {
    constexpr std::uint32_t sqrt_half_bits = 0x3f3504f3U;  // bits of √½
    constexpr std::uint32_t mantissa = 0x007fffffU;
    constexpr std::uint32_t offset = sqrt_half_bits & mantissa;
    const std::uint32_t d = std::bit_cast<std::uint32_t>(x) - offset;
    const float m = std::bit_cast<float>((d & mantissa) + sqrt_half_bits);
    // The exponent field, e + 126, as a float: 2^23 + field, minus 2^23.
    const float field = std::bit_cast<float>((d >> 23) | 0x4b000000U) - 8388608.0F;
    const float e = field - 126.0F;
    const float f = m - 1.0F;  // exact (Sterbenz)
    const float s = f / (2.0F + f);
    const float z = s * s;
    const float tail = z * (1.0F / 3 + z * (1.0F / 5 + z * (1.0F / 7 + z * (1.0F / 9))));
    return {e, f, s, tail};
}

/// log(x) in float for x positive, normal and finite (other x give a wrong finite value or NaN:
/// the caller selects them out). The same reduction as vector_log in float, x = 2^e · m with
/// m in [√½, √2), f = m − 1 (exact), s = f/(2 + f), z = s², and
/// log m = f − s·(f − 2·(z/3 + z²/5 + z³/7 + z⁴/9)), which is 2s·Σ_{j=0}^{4} z^j/(2j + 1) with
/// 2s = f − s·f: f is exact and the correction s·(…) is at most a fifth of it, so its rounding
/// counts a fifth as much. The first omitted term, 2s·z⁵/11, is below 2.2e-9 of 2s (|s| ≤ 0.1716).
/// e·log 2 is e·ln2_hi + e·ln2_lo with fdlibm's split (e_logf.c). Measured below 1 ulp of
/// the correctly rounded log over every normal float (tests/test_kernels.cpp samples them).
inline float logf_of(const LogfParts& p) {
    constexpr float ln2_hi = 6.9313812256e-01F;  // 0x3f317180, 17 bits: e·ln2_hi exact, |e| < 2^7
    constexpr float ln2_lo = 9.0580006145e-06F;
    return p.e * ln2_hi + ((p.f - p.s * (p.f - 2.0F * p.tail)) + p.e * ln2_lo);
}
inline float vector_logf(float x) { return logf_of(logf_parts(x)); }

}  // namespace nmfkit::detail or its kernels' namespace
