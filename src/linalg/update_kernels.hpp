#pragma once
// The elementwise passes of the update rules (updates/mu.hpp, updates/hals.hpp, updates/cd_kl.hpp)
// and the dense KL weights (loss/kl.hpp), on plain arrays: compiled once per target by
// linalg/kernels_isa.cpp and called through the kernel table (linalg/kernels.hpp, UpdateKernels),
// so the portable build runs them in the CPU's widest registers. Serial: the callers split the
// work among their threads. Each entry is computed by the same formula on every target; only the
// vector width (the lane order of the reductions) and fused multiply-adds differ.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

#include <Eigen/Core>

#include "linalg/isa_target.hpp"
#include "linalg/kernels.hpp"
#include "linalg/kl_kernels.hpp"
#include "linalg/vector_exp.hpp"

namespace nmfkit::detail::NMFKIT_ISA_NAMESPACE {

/// x, or 0 below the smallest normal number (linalg/numeric.hpp's flush_subnormal, repeated here
/// so that the kernels call nothing compiled for another target).
template <class T>
[[gnu::always_inline]] inline T flush_small(T x) {
    return x >= std::numeric_limits<T>::min() ? x : T(0);
}

/// Frobenius MU on one column segment of n rows: x ← x ⊙ a ⊘ max(d + l1, tiny), a = (A F)(:, j),
/// d = (X FtF)(:, j).
template <class T>
void mu_frobenius(T* __restrict x, const T* __restrict a, const T* __restrict d, Eigen::Index n,
                  T l1) {
    const T tiny = std::numeric_limits<T>::min();
#pragma omp simd
    for (Eigen::Index i = 0; i < n; ++i)
        x[i] = flush_small(x[i] * (a[i] / std::max(d[i] + l1, tiny)));
}

/// KL MU on one column segment: x ← x ⊙ numerator ⊘ max(c + l2 x, tiny), c = 1ᵀF(:, j) + l1.
template <class T>
void mu_kl(T* __restrict x, const T* __restrict numerator, Eigen::Index n, T c, T l2) {
    const T tiny = std::numeric_limits<T>::min();
#pragma omp simd
    for (Eigen::Index i = 0; i < n; ++i)
        x[i] = flush_small(x[i] * (numerator[i] / std::max(c + l2 * x[i], tiny)));
}

/// y^p (y ≥ 0, p finite) for the β updates: vector_pow where the target has AVX2 (the loops
/// vectorize; its error is a few ulp more than glibc's, linalg/vector_exp.hpp), glibc's pow in
/// baseline (scalar code, as kl_log's logarithm).
[[gnu::always_inline]] inline double beta_pow(double y, double p) {
#if NMFKIT_ISA_TARGET >= 1
    return vector_pow(y, p);
#else
    return std::pow(y, p);
#endif
}

/// β MU on one column segment, in double: x ← x ⊙ (numerator ⊘ max(denominator + l1 + l2 x,
/// tiny))^γ. γ = 1 (1 ≤ β ≤ 2) needs no power; other γ take beta_pow.
template <class T>
void mu_beta(T* __restrict x, const T* __restrict numerator, const T* __restrict denominator,
             Eigen::Index n, double l1, double l2, double gamma) {
    const double tiny = std::numeric_limits<T>::min();
    if (gamma == 1) {
#pragma omp simd
        for (Eigen::Index i = 0; i < n; ++i) {
            const double xi = x[i];
            const double ratio = numerator[i] / std::max(denominator[i] + l1 + l2 * xi, tiny);
            x[i] = flush_small(static_cast<T>(xi * ratio));
        }
        return;
    }
#pragma omp simd
    for (Eigen::Index i = 0; i < n; ++i) {
        const double xi = x[i];
        const double ratio = numerator[i] / std::max(denominator[i] + l1 + l2 * xi, tiny);
        x[i] = flush_small(static_cast<T>(xi * beta_pow(ratio, gamma)));
    }
}

/// log y and e^t for the β entries below: vector_log and vector_exp where the target has AVX2,
/// glibc's otherwise (as kl_log).
[[gnu::always_inline]] inline double beta_log(double y) {
#if NMFKIT_ISA_TARGET >= 1
    return vector_log(y);
#else
    return std::log(y);
#endif
}
[[gnu::always_inline]] inline double beta_exp(double t) {
#if NMFKIT_ISA_TARGET >= 1
    return vector_exp(t);
#else
    return std::exp(t);
#endif
}

/// Σ_q d_0(x_q | max(y_q, floor)), the Itakura-Saito terms x/y − log(x/y) − 1, in double; +∞
/// where an x_q is not > 0 (d_0(0 | y) = y^0 / 0, as beta_divergence_entry).
template <class T>
double is_terms_in_double(const T* __restrict x, const T* __restrict y, Eigen::Index n,
                          double floor) {
    double d = 0;
#pragma omp simd reduction(+ : d)
    for (Eigen::Index q = 0; q < n; ++q) {
        const double xq = x[q], yq = std::max<double>(y[q], floor), ratio = xq / yq;
        // Computed for every entry, then selected (see linalg/kl_kernels.hpp's kl_terms).
        const double term = ratio - kl_log(xq > 0, ratio) - 1;
        d += xq > 0 ? term : std::numeric_limits<double>::infinity();
    }
    return d;
}

#if NMFKIT_ISA_TARGET >= 1
/// The Itakura-Saito terms of float entries in float arithmetic (targets with FMA). For x > 0,
/// wf = max(y, floor) and the correctly rounded w = x / wf, the term t(q) = q − 1 − log q of the
/// exact ratio q = x / wf is
///     t(q) = t(w) + (w − 1)·ρ / x,   ρ = x − w·wf   (exact by one fused multiply-add),
/// to first order in q − w = ρ / wf (t'(w) = 1 − 1/w, and w·wf = x within a rounding); the
/// remainder (q − w)²/(2ξ²) is under 2⁻⁴⁹. Without the correction a term near a close fit (about
/// δ²/2 for q = 1 + δ) would be off by |δ|·2⁻²⁴, 2·10⁻⁷ of the sum in the test. t(w) uses
/// vector_logf's reduction w = 2^e (1 + f): where e = 0 (w in [√½, √2)) t(w) = f − log(1 + f)
/// = s·(f − 2·tail), a product without cancellation (taken as (w − 1) − log w, two numbers of
/// size δ cancel to δ²/2); elsewhere t ≥ 0.05 and (w − 1) − log w loses at most a factor 13.
/// Each term is within 2⁻¹⁹·t + 2⁻⁴⁹ of the exact term of the same float inputs
/// (docs/algorithms.md, "The float32 terms in float").
/// Sets `sum` (+∞ where an x is not > 0) and returns false where a kept w is not a normal float:
/// the caller then takes the chunk in double. n is a multiple of float_lanes, at most 256
/// (padded_float_chunks; padding x = y = 1 has t = 0).
[[gnu::noinline]] NMFKIT_WIDE_VECTORS inline bool is_float_terms(const float* x, const float* y,
                                                                 Eigen::Index n, float floor,
                                                                 double& sum) {
    constexpr float smallest = std::numeric_limits<float>::min();
    constexpr float largest = std::numeric_limits<float>::max();
    float terms[256];
    n = n / float_lanes * float_lanes;  // tells the vectorizer: no remainder
    int out_of_range = 0, not_kept = 0;
    // All float, so that the loop runs in float lanes (as float_terms).
#pragma omp simd reduction(| : out_of_range, not_kept)
    for (Eigen::Index q = 0; q < n; ++q) {
        const float a = x[q];
        const float wf = std::max(y[q], floor);
        const float w = a / wf;
        const float rho = std::fma(-w, wf, a);
        const LogfParts parts = logf_parts(w);
        const float near_one = parts.s * (parts.f - 2.0F * parts.tail);  // e = 0: f = w − 1
        const float t_w = parts.e == 0.0F ? near_one : (w - 1.0F) - logf_of(parts);
        const float term = t_w + (w - 1.0F) * rho / a;
        const bool kept = a > 0;
        out_of_range |= kept & !(w >= smallest && w <= largest);
        not_kept |= !kept;
        terms[q] = kept ? term : 0.0F;
    }
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (Eigen::Index q = 0; q < n; ++q) s += static_cast<double>(terms[q]);
    sum = not_kept != 0 ? std::numeric_limits<double>::infinity() : s;
    return out_of_range == 0;
}
#endif

/// is_terms_in_double's sum; for float entries on targets with FMA, is_float_terms 256 entries at
/// a time, each chunk in double instead where it declines.
template <class T>
double is_terms(const T* x, const T* y, Eigen::Index n, double floor) {
#if NMFKIT_ISA_TARGET >= 1
    if constexpr (std::is_same_v<T, float>) {
        const auto f = static_cast<float>(floor);
        double total = 0;
        padded_float_chunks(x, y, n, 1.0F, 1.0F,
                            [&](const float* xc, const float* yc, Eigen::Index padded,
                                Eigen::Index c, Eigen::Index q0) {
                                double sum = 0;
                                total += is_float_terms(xc, yc, padded, f, sum)
                                             ? sum
                                             : is_terms_in_double(x + q0, y + q0, c, floor);
                            });
        return total;
    }
#endif
    return is_terms_in_double(x, y, n, floor);
}

/// The entrywise part of loss/beta.hpp's beta_products() on n entries: x = r[q] (an entry of A),
/// y = max(y[q], floor) (of X Fᵀ); r[q] ← x y^(β−2), y[q] ← y^(β−1). With `divergence`, returns
/// Σ d_β(x | x > 0 ? y : max(y[q], 0)) (a zero of A costs d_β(0 | y) at the unfloored y), else 0.
/// β = 0 (Itakura-Saito) and β = 1 (KL) are vector loops (their logarithm is vector_log from
/// AVX2 up, linalg/kl_kernels.hpp; float Itakura-Saito terms in float there, is_terms); β = 2
/// needs no function; other β take powers as e^(p·log y) with beta_log and beta_exp on every
/// target, vector loops from AVX2 up too.
template <class T>
double beta_entries(T* __restrict r, T* __restrict y, Eigen::Index n, double beta, double floor,
                    bool divergence) {
    double d = 0;
    if (beta == 0) {
        if (divergence) d = is_terms(r, y, n, floor);
#pragma omp simd
        for (Eigen::Index q = 0; q < n; ++q) {
            const double x = r[q], r2 = 1 / std::max<double>(y[q], floor);
            r[q] = static_cast<T>(x * r2 * r2);
            y[q] = static_cast<T>(r2);
        }
        return d;
    }
    if (beta == 1) {
        if (divergence) {
#pragma omp simd reduction(+ : d)
            for (Eigen::Index q = 0; q < n; ++q) {
                const double x = r[q], yq = std::max<double>(y[q], floor);
                // Computed for every entry, then selected (see linalg/kl_kernels.hpp's kl_terms).
                const double term = x * kl_log(x > 0, x / yq) - x + yq;
                d += x > 0 ? term : std::max<double>(y[q], 0.0);
            }
        }
#pragma omp simd
        for (Eigen::Index q = 0; q < n; ++q) {
            r[q] = static_cast<T>(static_cast<double>(r[q]) / std::max<double>(y[q], floor));
            y[q] = T(1);
        }
        return d;
    }
    if (beta == 2) {
        if (divergence) {
#pragma omp simd reduction(+ : d)
            for (Eigen::Index q = 0; q < n; ++q) {
                const double x = r[q], yq = x > 0 ? std::max<double>(y[q], floor)
                                                  : std::max<double>(y[q], 0.0);
                d += 0.5 * (x - yq) * (x - yq);
            }
        }
#pragma omp simd
        for (Eigen::Index q = 0; q < n; ++q) y[q] = static_cast<T>(std::max<double>(y[q], floor));
        return d;
    }
    if (divergence) {
        // d_β(x | y) = (x^β + (β − 1) y^β − β x y^(β−1)) / (β(β − 1)) with y floored (loss/beta.hpp's
        // beta_divergence_entry), y^β/β at x = 0 with y unfloored, and the update's y^(β−2): two
        // logarithms and two exponentials per entry, a = x^β (x > 0) or y^β of the unfloored y
        // (x = 0), and p = y^(β−2) of the floored y; y^(β−1) = p y and y^β = p y² from it (not
        // p = y^β / y², which underflows at the floor for β > 2). Branch-free, selected at the end.
        const double scale = 1 / (beta * (beta - 1));
#pragma omp simd reduction(+ : d)
        for (Eigen::Index q = 0; q < n; ++q) {
            const double x = r[q], yq = std::max<double>(y[q], floor);
            const double a = beta_exp(beta * beta_log(x > 0 ? x : std::max<double>(y[q], 0.0)));
            const double p = beta_exp((beta - 2) * beta_log(yq));
            const double y1 = p * yq, yb = y1 * yq;
            const double term = (a + (beta - 1) * yb - beta * x * y1) * scale;
            d += x > 0 ? term : a / beta;
            r[q] = static_cast<T>(x * p);
            y[q] = static_cast<T>(y1);
        }
        return d;
    }
#pragma omp simd
    for (Eigen::Index q = 0; q < n; ++q) {
        const double x = r[q], yq = std::max<double>(y[q], floor);
        const double p = beta_exp((beta - 2) * beta_log(yq));  // as the loop above
        r[q] = static_cast<T>(x * p);
        y[q] = static_cast<T>(yq * p);
    }
    return d;
}

/// The KL weights of n entries in place: wh ← v ⊘ max(wh, floor).
template <class T>
void kl_weights(const T* __restrict v, T* __restrict wh, Eigen::Index n, T floor) {
#pragma omp simd
    for (Eigen::Index q = 0; q < n; ++q) wh[q] = v[q] / std::max(wh[q], floor);
}

/// The HALS sweep's vectors: this target's register width (16 bytes baseline, 32 avx2, 64 avx512),
/// hals_vectors of them per chunk of rows, whose partial residuals stay in registers across the
/// k terms.
inline constexpr int hals_simd_bytes = 16 << NMFKIT_ISA_TARGET;
inline constexpr int hals_vectors = 4;
template <class T>
struct HalsSimdOf {
    typedef T type __attribute__((vector_size(hals_simd_bytes)));
};
template <class T>
using HalsSimd = typename HalsSimdOf<T>::type;

/// t(0 : count) = b − Σ_l X(row : row + count, l) · FtF(l, j), the sum over l in increasing order
/// (one multiply-subtract per term); count is V whole vectors, or (V = 1) fewer than one vector,
/// summed in a zero-padded vector so that every row is summed alike. X has leading dimension ld.
template <int V, class T>
inline void hals_residual_chunk(const T* FtF, const T* X, Eigen::Index ld, Eigen::Index k,
                                Eigen::Index j, Eigen::Index row, const T* b, T* t, int count) {
    constexpr int W = static_cast<int>(hals_simd_bytes / sizeof(T));
    HalsSimd<T> acc[V] = {};
    if (count == V * W) {
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v) std::memcpy(&acc[v], b + v * W, sizeof(HalsSimd<T>));
        for (Eigen::Index l = 0; l < k; ++l) {
            const T f = FtF[j * k + l];
            const T* x = X + l * ld + row;
#pragma GCC unroll 8
            for (int v = 0; v < V; ++v) {
                HalsSimd<T> xv;
                std::memcpy(&xv, x + v * W, sizeof xv);
                acc[v] -= xv * f;
            }
        }
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v) std::memcpy(t + v * W, &acc[v], sizeof(HalsSimd<T>));
    } else {  // V = 1, count < W
        std::memcpy(&acc[0], b, static_cast<std::size_t>(count) * sizeof(T));
        for (Eigen::Index l = 0; l < k; ++l) {
            HalsSimd<T> xv = {};
            std::memcpy(&xv, X + l * ld + row, static_cast<std::size_t>(count) * sizeof(T));
            acc[0] -= xv * FtF[j * k + l];
        }
        std::memcpy(t, &acc[0], static_cast<std::size_t>(count) * sizeof(T));
    }
}

/// One HALS sweep over rows [r0, r0 + r) of X (ld x k, column-major), column by column:
///   X(:, j) ← max(0, X(:, j) + (AF(:, j) − X FtF(:, j)) / FtF(j, j)),
/// skipping columns with FtF(j, j) ≤ 0. FtF is k x k, AF has X's layout, t holds r scratch
/// entries. Returns the segment's squared change, each column's summed in T, added in double.
template <class T>
double hals_block(const T* FtF, const T* AF, T* X, Eigen::Index ld, Eigen::Index k, Eigen::Index r0,
                  Eigen::Index r, T* t) {
    constexpr int W = static_cast<int>(hals_simd_bytes / sizeof(T)), V = hals_vectors;
    double c = 0;
    for (Eigen::Index j = 0; j < k; ++j) {
        const T g = FtF[j * k + j];
        if (!(g > 0)) continue;
        const T* b = AF + j * ld + r0;
        Eigen::Index i = 0;
        for (; i + V * W <= r; i += V * W)
            hals_residual_chunk<V>(FtF, X, ld, k, j, r0 + i, b + i, t + i, V * W);
        for (; i < r; i += W)
            hals_residual_chunk<1>(FtF, X, ld, k, j, r0 + i, b + i, t + i,
                                   static_cast<int>(std::min<Eigen::Index>(W, r - i)));
        T* x = X + j * ld + r0;
        // One vector loop in T (the squared change summed in T, then added to c in double).
        T change_j = 0;
#pragma omp simd reduction(+ : change_j)
        for (Eigen::Index q = 0; q < r; ++q) {
            const T updated = flush_small(x[q] + t[q] / g);  // max(0, ·), no subnormals
            const T d = updated - x[q];
            change_j += d * d;
            x[q] = updated;
        }
        c += static_cast<double>(change_j);
    }
    return c;
}

/// Four doubles: the KL coordinate-descent loops below work on four doubles; the indexed ones load four entries one by one and convert, multiply and
/// store them as one vector (32 bytes: one register on avx2/avx512, two on baseline).
typedef double Double4 __attribute__((vector_size(32)));

/// out = p[0..3] converted to double: one vector load (of 4 T).
template <class T>
[[gnu::always_inline]] inline void load4(const T* p, Double4& out) {
    typedef T Four __attribute__((vector_size(4 * sizeof(T))));
    Four v;
    load_vector(v, p);
    out = __builtin_convertvector(v, Double4);
}

/// w = 1 / max(u, floor) over a row's n stored entries: the reciprocals the KL coordinate descent
/// (updates/cd_kl.hpp) keeps beside u, so that a coordinate's first derivatives take no division.
inline void cd_kl_inverse(const double* __restrict u, Eigen::Index n, double floor,
                          double* __restrict w) {
#pragma omp simd
    for (Eigen::Index p = 0; p < n; ++p) w[p] = 1.0 / std::max(u[p], floor);
}

/// A row's first pass where G is given (updates/cd_kl.hpp: rows that store every column share
/// F's columns in double, G row-major k x n, row r at G + r ld): u_p = Σ_r x_r G(r, p), each term
/// added to u_p in r's order from 0, as take_rows sums it (the same bits), and
/// w_p = 1 / max(u_p, floor). Sixteen entries at a time, their sums in registers; scalar loops
/// otherwise (vectorized over r, GCC multiplied and added separately where take_rows fuses them).
NMFKIT_SCALAR_LOOPS inline void cd_kl_row_u(const double* __restrict G, Eigen::Index ld,
                                            const double* __restrict x, Eigen::Index k,
                                            Eigen::Index n, double floor, double* __restrict u,
                                            double* __restrict w) {
    const Double4 fl = Double4{} + floor, one = Double4{} + 1.0;
    Eigen::Index p = 0;
    for (; p + 16 <= n; p += 16) {
        Double4 s[4] = {};
        for (Eigen::Index r = 0; r < k; ++r) {
            const double* g = G + r * ld + p;
            const double xr = x[r];
            for (int q = 0; q < 4; ++q) {
                Double4 v;
                std::memcpy(&v, g + 4 * q, sizeof v);
                s[q] += xr * v;
            }
        }
        for (int q = 0; q < 4; ++q) {
            const Double4 inverse = one / (s[q] < fl ? fl : s[q]);
            std::memcpy(u + p + 4 * q, &s[q], sizeof s[q]);
            std::memcpy(w + p + 4 * q, &inverse, sizeof inverse);
        }
    }
    for (; p < n; ++p) {
        double sum = 0;
        for (Eigen::Index r = 0; r < k; ++r) sum += x[r] * G[r * ld + p];
        u[p] = sum;
        w[p] = 1.0 / std::max(sum, floor);
    }
}

/// The KL coordinate-descent sums run in 16 fixed lanes, four vectors of four doubles per sum:
/// four independent chains of additions where one (a simd reduction's) ran at the adder's latency
/// (docs/benchmarks.md, "KL coordinate descent in sixteen lanes"). Entry p goes to lane p mod 16
/// (a last partial block through zero-padded copies: a = 0 adds nothing), and the lanes are
/// summed in one fixed order, so every target sums in the same order.
struct CdSums {
    Double4 g0 = {}, g1 = {}, g2 = {}, g3 = {}, h0 = {}, h1 = {}, h2 = {}, h3 = {};
    /// Lanes 4C..4C+3 += (a q, a q²) for q = f w, four entries.
    template <int C>
    [[gnu::always_inline]] void add(const Double4& a, const Double4& f, const Double4& w) {
        const Double4 q = f * w;
        const Double4 aq = a * q;
        Double4& g = C == 0 ? g0 : C == 1 ? g1 : C == 2 ? g2 : g3;
        Double4& h = C == 0 ? h0 : C == 1 ? h1 : C == 2 ? h2 : h3;
        g += aq;
        h += aq * q;
    }
    /// gh = (Σ g lanes, Σ h lanes): the four vectors pairwise, then their lanes pairwise.
    void total(double* gh) const {
        const Double4 gs = (g0 + g1) + (g2 + g3), hs = (h0 + h1) + (h2 + h3);
        gh[0] = (gs[0] + gs[1]) + (gs[2] + gs[3]);
        gh[1] = (hs[0] + hs[1]) + (hs[2] + hs[3]);
    }
};

/// f.operator()<C>() for C = 0..3 (compile-time lane blocks: the sums stay in registers).
template <class F>
[[gnu::always_inline]] inline void for_blocks(F&& f) {
    [&]<int... C>(std::integer_sequence<int, C...>) { (f.template operator()<C>(), ...); }
    (std::make_integer_sequence<int, 4>{});
}

/// x + p where 16 entries remain from p, else buf holding x[p .. n) and zeros after them: the
/// sixteen entries of a step of the kernels below (a = 0 in the padding adds nothing).
[[gnu::always_inline]] inline const double* sixteen_at(const double* x, Eigen::Index p,
                                                       Eigen::Index n, double (&buf)[16]) {
    if (p + 16 <= n) return x + p;
    for (Eigen::Index q = 0; q < 16; ++q) buf[q] = q < n - p ? x[p + q] : 0.0;
    return buf;
}

/// The data parts of the KL coordinate-descent derivatives over a row's n stored entries
/// (updates/cd_kl.hpp), at values v given by w = 1 / max(v, floor): gh[0] = Σ a f w,
/// gh[1] = Σ a (f w)², in CdSums' lanes. a holds the row's values and f F(idx, r) per entry.
/// Sixteen entries per step; a last partial step reads zero-padded copies (the caller pads its
/// rows to a multiple of 16, so that it has none).
inline void cd_kl_derivatives(const double* __restrict a, const double* __restrict f,
                              const double* __restrict w, Eigen::Index n, double* gh) {
    CdSums sums;
    double a16[16], f16[16], w16[16];
    for (Eigen::Index p = 0; p < n; p += 16) {
        const double *ap = sixteen_at(a, p, n, a16), *fp = sixteen_at(f, p, n, f16),
                     *wp = sixteen_at(w, p, n, w16);
        for_blocks([&]<int C>() {
            Double4 av, fv, wv;
            load_vector(av, ap + 4 * C);
            load_vector(fv, fp + 4 * C);
            load_vector(wv, wp + 4 * C);
            sums.add<C>(av, fv, wv);
        });
    }
    sums.total(gh);
}

/// The same at the trial values trial = max(0, u + delta f), which it stores with their
/// reciprocals trial_w = 1 / max(trial, floor) (one pass), as std::max's (a NaN gives 0).
/// With Growth also gh[2] = max_p trial_w_p · max(u_p, floor): how much the reciprocals grow at
/// most (the screening bound of updates/cd_kl.hpp; a multiplication, a select and a maximum
/// more per entry, which only rows that screen pay).
template <bool Growth>
inline void cd_kl_trial(const double* __restrict a, const double* __restrict f,
                        const double* __restrict u, double delta, Eigen::Index n, double floor,
                        double* __restrict trial, double* __restrict trial_w, double* gh) {
    const Double4 zero = {}, d = zero + delta, fl = zero + floor, one = zero + 1.0;
    Double4 growth = zero;
    CdSums sums;
    double a16[16], f16[16], u16[16], v16[16], w16[16];
    for (Eigen::Index p = 0; p < n; p += 16) {
        const double *ap = sixteen_at(a, p, n, a16), *fp = sixteen_at(f, p, n, f16),
                     *up = sixteen_at(u, p, n, u16);
        const bool partial = p + 16 > n;
        double *vp = partial ? v16 : trial + p, *wp = partial ? w16 : trial_w + p;
        for_blocks([&]<int C>() {
            Double4 av, fv, uv;
            load_vector(av, ap + 4 * C);
            load_vector(fv, fp + 4 * C);
            load_vector(uv, up + 4 * C);
            Double4 v = uv + d * fv;
            v = zero < v ? v : zero;
            const Double4 wv = one / (v < fl ? fl : v);
            std::memcpy(vp + 4 * C, &v, sizeof v);
            std::memcpy(wp + 4 * C, &wv, sizeof wv);
            sums.add<C>(av, fv, wv);
            if constexpr (Growth) {
                const Double4 ratio = wv * (uv < fl ? fl : uv);
                growth = growth < ratio ? ratio : growth;
            }
        });
        if (partial)
            for (Eigen::Index q = 0; q < n - p; ++q) {
                trial[p + q] = v16[q];
                trial_w[p + q] = w16[q];
            }
    }
    sums.total(gh);
    if constexpr (Growth)
        gh[2] = std::max(std::max(growth[0], growth[1]), std::max(growth[2], growth[3]));
}

/// Σ_{a_p > 0} [a_p log(a_p / max(u_p, floor)) − a_p] over a row's n stored entries, in double
/// (the data part of the KL objective after a coordinate-descent sweep): kl_terms on double
/// copies of a, 256 at a time for float (one vector width in kl_terms' loop).
template <class T>
double cd_kl_terms(const T* a, const double* u, Eigen::Index n, double floor) {
    if constexpr (std::is_same_v<T, double>) {
        return kl_terms(a, u, n, floor);
    } else {
        constexpr Eigen::Index chunk = 256;
        double ad[chunk], sum = 0;
        for (Eigen::Index p0 = 0; p0 < n; p0 += chunk) {
            const Eigen::Index c = std::min(chunk, n - p0);
            for (Eigen::Index p = 0; p < c; ++p) ad[p] = a[p0 + p];
            sum += kl_terms(ad, u + p0, c, floor);
        }
        return sum;
    }
}

/// out = f[idx[p + q]] for q < 4, converted to double (out by reference: a 32-byte vector
/// returned by value would change the baseline target's ABI).
template <class T, class I>
[[gnu::always_inline]] inline void take4(const I* idx, const T* f, Eigen::Index p, Double4& out) {
    typedef T Four __attribute__((vector_size(4 * sizeof(T))));
    const Four v = {f[idx[p]], f[idx[p + 1]], f[idx[p + 2]], f[idx[p + 3]]};
    out = __builtin_convertvector(v, Double4);
}

/// out_p = f[idx[p]] in double over n entries: a factor column at a row's stored entries. Here
/// rather than in the caller so that the portable build compiles it for the CPU's target too.
/// Scalar loads gathered four at a time into a vector by hand (NMFKIT_SCALAR_LOOPS keeps GCC from
/// vectorizing the loop with gather instructions): docs/benchmarks.md, "KL coordinate descent's
/// indexed loops", compares the forms.
template <class T, class I>
NMFKIT_SCALAR_LOOPS void indexed_take(const I* __restrict idx, const T* __restrict f,
                                      Eigen::Index n, double* __restrict out) {
    Eigen::Index p = 0;
    for (; p + 4 <= n; p += 4) {
        Double4 v;
        take4(idx, f, p, v);
        std::memcpy(out + p, &v, sizeof v);
    }
    for (; p < n; ++p) out[p] = static_cast<double>(f[idx[p]]);
}

/// u_p += x · f[idx[p]] over n entries (one coordinate's part of u = X(i, :) F(idx, :)ᵀ).
template <class T, class I>
NMFKIT_SCALAR_LOOPS void indexed_add_scaled(const I* __restrict idx, const T* __restrict f,
                                            double x, Eigen::Index n, double* __restrict u) {
    Eigen::Index p = 0;
    for (; p + 4 <= n; p += 4) {
        Double4 w, v;
        std::memcpy(&w, u + p, sizeof w);
        take4(idx, f, p, v);
        w += x * v;
        std::memcpy(u + p, &w, sizeof w);
    }
    for (; p < n; ++p) u[p] += x * static_cast<double>(f[idx[p]]);
}

/// f[q] = Ft(:, idx[p + q]) for q < 4 (Ft k x cols column-major), after prefetching the columns
/// of the four entries 8 further on, every cache line of each: the column indices are data, so
/// the hardware prefetcher cannot foresee these reads.
template <class T, class I>
[[gnu::always_inline]] inline void four_columns(const I* idx, const T* Ft, Eigen::Index k,
                                                Eigen::Index n, Eigen::Index p, const T* (&f)[4]) {
    constexpr Eigen::Index ahead = 8, line = 64 / sizeof(T);
    if (p + ahead + 4 <= n)
        for (Eigen::Index q = p + ahead; q < p + ahead + 4; ++q) {
            const T* c = Ft + static_cast<Eigen::Index>(idx[q]) * k;
            for (Eigen::Index r = 0; r < k + line; r += line) __builtin_prefetch(c + r);
        }
    for (int q = 0; q < 4; ++q) f[q] = Ft + static_cast<Eigen::Index>(idx[p + q]) * k;
}

/// G's four entries at p for coordinate r (the entries' columns f, in double) stored at g, and
/// u += x · them: one coordinate of a row's first pass (take_rows' last k mod 4, take_screen).
template <class T>
[[gnu::always_inline]] inline void take_coordinate(const T* const (&f)[4], Eigen::Index r, double x,
                                                   double* g, Double4& u) {
    typedef T Four __attribute__((vector_size(4 * sizeof(T))));
    const Four v = {f[0][r], f[1][r], f[2][r], f[3][r]};
    const Double4 d = __builtin_convertvector(v, Double4);
    std::memcpy(g, &d, sizeof d);
    u += x * d;
}

/// Stores four entries' u at p and w = 1 / max(u, floor) beside it, and returns w in `w` (by
/// reference: a 32-byte vector returned by value would change the baseline target's ABI).
[[gnu::always_inline]] inline void store_u_w(const Double4& u, const RowPass& row, Eigen::Index p,
                                             Double4& w) {
    const Double4 fl = Double4{} + row.floor;
    w = (Double4{} + 1.0) / (u < fl ? fl : u);
    std::memcpy(row.u + p, &u, sizeof u);
    std::memcpy(row.w + p, &w, sizeof w);
}

/// A row's first pass where every coordinate is taken (updates/cd_kl.hpp, rows that do not
/// screen), over its n stored entries with column indices idx, from Ft (k x cols column-major):
///   G(r, p) = Ft(r, idx[p]) in double for r < k (G row-major k x n, row r at G + r ld);
///   u_p = Σ_r x_r G(r, p), each term added to u_p in r's order from 0 (as indexed_add_scaled
///     adds a coordinate), and w_p = 1 / max(u_p, floor),
/// with row.x the row's k values: the same bits as adding only the coordinates not at 0 (a term
/// 0 · G(r, p) adds exactly nothing to u_p ≥ 0, G being finite), so no branch per coordinate. Ft's k values of one column index are adjacent, so four entries' columns are read
/// once into cache and then walked through r: four entries per vector store, four r at a time
/// transposed in registers, and u from the same registers.
template <class T, class I>
NMFKIT_SCALAR_LOOPS void indexed_take_rows(const I* __restrict idx, const T* __restrict Ft,
                                           Eigen::Index k, Eigen::Index n, const RowPass& row) {
    const Eigen::Index ld = row.ld;
    const double* __restrict x = row.x;
    double* __restrict G = row.G;
    Eigen::Index p = 0;
    for (; p + 4 <= n; p += 4) {
        const T* f[4];
        four_columns(idx, Ft, k, n, p, f);
        Double4 u = {};
        // Four r at a time: the four entries' values at r..r+3 as four vector loads, transposed
        // in registers (4 x 4) into the four rows' vectors.
        Eigen::Index r = 0;
        for (; r + 4 <= k; r += 4) {
            Double4 c0, c1, c2, c3;  // entry q's values at r..r+3
            load4(f[0] + r, c0);
            load4(f[1] + r, c1);
            load4(f[2] + r, c2);
            load4(f[3] + r, c3);
            const Double4 t0 = __builtin_shufflevector(c0, c1, 0, 4, 2, 6);
            const Double4 t1 = __builtin_shufflevector(c0, c1, 1, 5, 3, 7);
            const Double4 t2 = __builtin_shufflevector(c2, c3, 0, 4, 2, 6);
            const Double4 t3 = __builtin_shufflevector(c2, c3, 1, 5, 3, 7);
            const Double4 rows[4] = {__builtin_shufflevector(t0, t2, 0, 1, 4, 5),
                                     __builtin_shufflevector(t1, t3, 0, 1, 4, 5),
                                     __builtin_shufflevector(t0, t2, 2, 3, 6, 7),
                                     __builtin_shufflevector(t1, t3, 2, 3, 6, 7)};
            for (int q = 0; q < 4; ++q) {
                std::memcpy(G + (r + q) * ld + p, &rows[q], sizeof rows[q]);
                u += x[r + q] * rows[q];
            }
        }
        for (; r < k; ++r) take_coordinate(f, r, x[r], G + r * ld + p, u);
        Double4 w;
        store_u_w(u, row, p, w);
    }
    for (; p < n; ++p) {
        const T* f = Ft + static_cast<Eigen::Index>(idx[p]) * k;
        double u = 0;
        for (Eigen::Index r = 0; r < k; ++r) {
            const double g = static_cast<double>(f[r]);
            G[r * ld + p] = g;
            u += x[r] * g;
        }
        row.u[p] = u;
        row.w[p] = 1.0 / std::max(u, row.floor);
    }
}

/// A screening row's first pass (updates/cd_kl.hpp, NOTE (screening)), over its n stored entries
/// with column indices idx, from Ft (k x cols column-major, at least 3 readable values past every
/// column: Columns' padding):
///   G(j, p) = Ft(rows[j], idx[p]) in double for the coordinates not at 0 (j < count; G row-major,
///     rows ld apart, as take_rows);
///   u_p = Σ_j x_j G(j, p), each term added in j's order from 0 (the same bits as the row's
///     u = X(i, :) F(idx, :)ᵀ added coordinate by coordinate), and w_p = 1 / max(u_p, floor);
///   screened_r = Σ_p a_p w_p Ft(r, idx[p]) for r < k, and where row.observed is not null
///     observed_r = Σ_p Ft(r, idx[p]) (masked rows' column sums), in any summation order (the
///     screen's bound allows it), in 4⌈k/4⌉ lanes each (the lanes past k are scratch).
/// One read of the entries' columns serves them all: the second pass over them a separate screen
/// made is gone. Four entries at a time: their values at the taken coordinates gathered into
/// vectors, then their columns, now in L1, four coordinates per vector into the sums.
template <class T, class I>
NMFKIT_SCALAR_LOOPS void indexed_take_screen(const I* __restrict idx, const T* __restrict Ft,
                                             Eigen::Index k, Eigen::Index n, const RowPass& row) {
    const Eigen::Index chunks = (k + 3) / 4, count = row.count, ld = row.ld;
    const Eigen::Index* __restrict rows = row.rows;
    const double* __restrict x = row.x;
    double* __restrict G = row.G;
    double* __restrict sums = row.screened;
    double* __restrict observed = row.observed;
    std::fill_n(sums, 4 * chunks, 0.0);
    if (observed != nullptr) std::fill_n(observed, 4 * chunks, 0.0);
    // Observed at compile time: masked rows pay for their column sums, the others do not test.
    const auto pass = [&]<bool Observed>() {
        Eigen::Index p = 0;
        for (; p + 4 <= n; p += 4) {
            const T* f[4];
            four_columns(idx, Ft, k, n, p, f);
            Double4 u = {};
            for (Eigen::Index j = 0; j < count; ++j)
                take_coordinate(f, rows[j], x[j], G + j * ld + p, u);
            Double4 w;
            store_u_w(u, row, p, w);
            Double4 a;
            std::memcpy(&a, row.a + p, sizeof a);
            const Double4 c = a * w;
            for (Eigen::Index q = 0; q < chunks; ++q) {
                Double4 c0, c1, c2, c3, s;
                load4(f[0] + 4 * q, c0);
                load4(f[1] + 4 * q, c1);
                load4(f[2] + 4 * q, c2);
                load4(f[3] + 4 * q, c3);
                std::memcpy(&s, sums + 4 * q, sizeof s);
                s += (c[0] * c0 + c[1] * c1) + (c[2] * c2 + c[3] * c3);
                std::memcpy(sums + 4 * q, &s, sizeof s);
                if constexpr (Observed) {
                    Double4 o;
                    std::memcpy(&o, observed + 4 * q, sizeof o);
                    o += (c0 + c1) + (c2 + c3);
                    std::memcpy(observed + 4 * q, &o, sizeof o);
                }
            }
        }
        for (; p < n; ++p) {
            const T* f = Ft + static_cast<Eigen::Index>(idx[p]) * k;
            double u = 0;
            for (Eigen::Index j = 0; j < count; ++j) {
                const double g = static_cast<double>(f[rows[j]]);
                G[j * ld + p] = g;
                u += x[j] * g;
            }
            const double w = 1.0 / std::max(u, row.floor);
            row.u[p] = u;
            row.w[p] = w;
            const double c = row.a[p] * w;
            for (Eigen::Index r = 0; r < k; ++r) {
                sums[r] += c * static_cast<double>(f[r]);
                if constexpr (Observed) observed[r] += static_cast<double>(f[r]);
            }
        }
    };
    if (observed != nullptr)
        pass.template operator()<true>();
    else
        pass.template operator()<false>();
}

/// Σ (a − p)² over n entries in double (a column of the dense residual A − W Ht: the exact
/// Frobenius objective, data/dense.hpp).
template <class T>
double squared_difference(const T* __restrict a, const double* __restrict p, Eigen::Index n) {
    double sum = 0;
#pragma omp simd reduction(+ : sum)
    for (Eigen::Index i = 0; i < n; ++i) {
        const double d = static_cast<double>(a[i]) - p[i];
        sum += d * d;
    }
    return sum;
}

/// Σ (x1 − x0)(s − 2 af) over n entries in double: one column of the change of ‖A − W Htᵀ‖² over
/// a half-step, with s = (x0 + x1) FtF (engine/steps.hpp, half_step_change).
template <class T>
double change_terms(const T* __restrict x0, const T* __restrict x1, const T* __restrict s,
                    const T* __restrict af, Eigen::Index n) {
    double sum = 0;
#pragma omp simd reduction(+ : sum)
    for (Eigen::Index i = 0; i < n; ++i) {
        const double d = static_cast<double>(x1[i]) - static_cast<double>(x0[i]);
        sum += d * (static_cast<double>(s[i]) - 2.0 * static_cast<double>(af[i]));
    }
    return sum;
}

}  // namespace nmfkit::detail::NMFKIT_ISA_NAMESPACE
