#pragma once
// An exponential and a power in plain arithmetic that the compiler vectorizes inside `omp simd`
// loops, for the β-divergence updates with β ∉ {0, 1, 2} (linalg/update_kernels.hpp), where
// glibc's scalar pow was two thirds of a fit's time. The reduction is the classical one (Cody &
// Waite, "Software Manual for the Elementary Functions", 1980; as in fdlibm's e_exp.c):
// t = n·ln2 + r with n = round(t/ln2), |r| ≤ ln2/2, ln2 split in two parts so that n·ln2_hi is
// exact; e^r by its Taylor series to r^13/13! (truncation below 5e-18 relative for |r| ≤ 0.347);
// e^t = 2^n·e^r, 2^n applied as two powers of two so that results down to the subnormal range
// come out right. Within a few ulp of std::exp (tests/test_kernels.cpp). Compiled in the
// kernels' namespace where linalg/kernels_isa.cpp includes it, in nmfkit::detail elsewhere.

#include <bit>
#include <cstdint>
#include <limits>

#include "linalg/vector_log.hpp"

#if defined(NMFKIT_ISA_TARGET)
#include "linalg/isa_target.hpp"
namespace nmfkit::detail::NMFKIT_ISA_NAMESPACE {
#else
namespace nmfkit::detail {
#endif

/// 2^k for an integer-valued double k in [−1022, 1023], from its exponent field.
[[gnu::always_inline]] inline double vector_exp2i(double k) {
    // k + 1023 + 2^52 holds k + 1023 in its low mantissa bits (an exact integer below 2^52).
    const std::uint64_t field = std::bit_cast<std::uint64_t>(k + (1023.0 + 4503599627370496.0));
    return std::bit_cast<double>((field & 0x7ffULL) << 52);
}

/// e^t for any t but NaN: +inf above log(DBL_MAX), 0 below the smallest subnormal's log.
inline double vector_exp(double t) {
    constexpr double inv_ln2 = 1.4426950408889634074;
    // ln2 = ln2_hi + ln2_lo, ln2_hi with its low 32 bits zero, so that n·ln2_hi is exact for
    // |n| < 2^21 (fdlibm's split).
    constexpr double ln2_hi = 6.93147180369123816490e-01;
    constexpr double ln2_lo = 1.90821492927058770002e-10;
    constexpr double round_magic = 6755399441055744.0;  // 1.5·2^52: x + it − it rounds x
    constexpr double max_t = 709.782712893383973096;    // log(DBL_MAX)
    constexpr double min_t = -745.1332191019412076;     // log of the smallest subnormal / 2
    // Branch-free, as vector_log: every operation for every t, then selects.
    const double tc = t > max_t ? max_t : (t < min_t ? min_t : t);
    const double n = (tc * inv_ln2 + round_magic) - round_magic;
    const double r = (tc - n * ln2_hi) - n * ln2_lo;
    // Horner's rule from the r^13/13! term down; the coefficients are 1/j!.
    constexpr double c[14] = {1.0,
                              1.0,
                              1.0 / 2,
                              1.0 / 6,
                              1.0 / 24,
                              1.0 / 120,
                              1.0 / 720,
                              1.0 / 5040,
                              1.0 / 40320,
                              1.0 / 362880,
                              1.0 / 3628800,
                              1.0 / 39916800,
                              1.0 / 479001600,
                              1.0 / 6227020800};
    double p = c[13];
#pragma GCC unroll 13
    for (int j = 12; j >= 0; --j) p = p * r + c[j];
    // 2^n as 2^a · 2^(n − a), a = n/2 rounded: both factors normal for n in [−1075, 1024].
    const double a = (n * 0.5 + round_magic) - round_magic;  // n/2 rounded (ties to even)
    const double result = p * vector_exp2i(a) * vector_exp2i(n - a);
    constexpr double inf = std::numeric_limits<double>::infinity();
    return t > max_t ? inf : (t < min_t ? 0.0 : result);
}

/// y^p for y ≥ 0 and finite p ≠ 0 as e^(p·log y): 0 for y = 0 and p > 0, +inf for y = 0 and
/// p < 0. The error of p·log y (the log's few ulp times |p|) is an absolute error of the exponent:
/// measured up to 3.02·|p·log y| ulp (tests/test_kernels.cpp, docs/algorithms.md), a few ulp for
/// the ratios near 1 that MU raises, ~2000 ulp at the ends of the double range.
[[gnu::always_inline]] inline double vector_pow(double y, double p) {
    return vector_exp(p * vector_log(y));
}

}  // namespace nmfkit::detail or its kernels' namespace
