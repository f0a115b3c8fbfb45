#pragma once
// Dense products with a skinny factor: A·F and Aᵀ·F for a column-major A (m x n) and F with k
// columns, k small next to m and n. A general GEMM packs A into panels before its kernel runs,
// which for k = 20 costs more than the product itself (docs/benchmarks-history.md, "Dense
// products"). These kernels read A once, in storage order, straight from the caller's memory, and
// keep register tiles of the result.
// Every entry of the result is summed in an order fixed by (m, n, k) and the target's vector
// width, not by the thread count: A·F sums each entry over j in increasing order on every target
// (so AVX2 and AVX-512 agree exactly); Aᵀ·F keeps one partial sum per vector lane, so its order
// follows the lane count (4 doubles with AVX2, 8 with AVX-512) and the two differ by rounding.
// Compiled once per target by linalg/kernels_isa.cpp and called through the kernel table
// (linalg/kernels.hpp); the adapters use them where the target's streaming_products says so
// (AVX-512, AVX2 + FMA), else BLAS.

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <Eigen/Core>

#include "linalg/isa_target.hpp"
#include "linalg/parallel.hpp"

namespace nmfkit::detail::NMFKIT_ISA_NAMESPACE {

// The tiles and blocks per target (docs/benchmarks-history.md, "Measurements behind constants"):
// times: R vectors of rows x C columns of the result (R·C accumulators + R loads + 1 broadcast);
// transpose_times: J columns of A x C columns of F (J·C accumulators + J loads + 1 load of F).
// times_block: columns of A per block (the A panel of a tile, R vectors x block columns, is
// reused by every column group of F). times_prefetch: how many panels ahead, in rows, the first
// column group's pass prefetches its columns of A (0: none); times_locality: the prefetch's
// locality hint (3: into L1, prefetcht0; 1: into L2 only, prefetcht2). tt_prefetch_bytes: how far
// ahead in each column of A the first column group of transpose_times prefetches, into L2 (0:
// none). With 32 columns read 256 bytes at a time the hardware prefetchers fall behind; a
// software prefetch into L1 a panel ahead competes with the loads for L1's miss buffers, one into
// L2 four panels ahead does not (docs/benchmarks.md, "Dense products: prefetch into L2").
// A block's columns are few: each is a different page (of 4 KiB where the heap has no huge
// pages), and 32 or 48 of them stay in the first-level TLB, where 512 missed it on every load.
#if NMFKIT_ISA_TARGET == 2
// 32 registers of 64 bytes: 4 x 6 + 4 + 1 and 6 x 4 + 6 + 1 of 32. A panel is 4 cache lines per
// column; the next panel is prefetched.
inline constexpr Eigen::Index streaming_max_k = Eigen::Index{1} << 40;
inline constexpr int simd_bytes = 64;
inline constexpr int times_rows = 4, times_cols = 6;
inline constexpr int tt_columns = 6, tt_cols = 4;
inline constexpr int times_prefetch = 4, times_locality = 1;
inline constexpr int tt_prefetch_bytes = 2048;
inline constexpr Eigen::Index times_block(Eigen::Index k) { return k <= 24 ? 32 : 48; }
#elif NMFKIT_ISA_TARGET == 1
// 16 registers of 32 bytes: 2 x 6 + 2 + 1 = 15 and 3 x 4 + 3 + 1 = 16. A panel is one cache line
// per column; the rows 4 panels below are prefetched. Faster than OpenBLAS's GEMM at k = 10 and 20,
// slower at 50 (docs/benchmarks.md, "AVX2 kernels"): BLAS above 32 columns.
inline constexpr Eigen::Index streaming_max_k = 32;
inline constexpr int simd_bytes = 32;
inline constexpr int times_rows = 2, times_cols = 6;
inline constexpr int tt_columns = 3, tt_cols = 4;
inline constexpr int times_prefetch = 4, times_locality = 3;
inline constexpr int tt_prefetch_bytes = 2048;
inline constexpr Eigen::Index times_block(Eigen::Index k) { return k <= 24 ? 32 : 48; }
#else
// Baseline x86-64 (SSE2): the dense adapter calls BLAS; the kernels compile for tests and benches.
inline constexpr Eigen::Index streaming_max_k = 0;
inline constexpr int simd_bytes = 64;
inline constexpr int times_rows = 4, times_cols = 6;
inline constexpr int tt_columns = 6, tt_cols = 4;
inline constexpr int times_prefetch = 0, times_locality = 3;
inline constexpr int tt_prefetch_bytes = 0;
inline constexpr Eigen::Index times_block(Eigen::Index /*k*/) { return 512; }
#endif

/// One SIMD register of T (GCC vector extension).
template <class T>
struct SimdOf {
    typedef T type __attribute__((vector_size(simd_bytes)));
};
template <class T>
using Simd = typename SimdOf<T>::type;
template <class T>
inline constexpr int simd_lanes = static_cast<int>(simd_bytes / sizeof(T));

/// Calls f(std::integral_constant<int, c>) for 1 ≤ c ≤ Max.
template <int Max, class F>
void with_count(int c, F&& f) {
    [&]<int... J>(std::integer_sequence<int, J...>) {
        (void)((c == J + 1 ? (f(std::integral_constant<int, J + 1>{}), true) : false) || ...);
    }
    (std::make_integer_sequence<int, Max>{});
}

/// The width of column group g of k columns split into ⌈k / C⌉ groups as evenly as possible (the
/// first k mod groups one wider): k = 20 in tiles of at most 6 is 5, 5, 5, 5, not 6, 6, 6, 2.
inline Eigen::Index group_width(Eigen::Index k, int C, Eigen::Index g) {
    const Eigen::Index groups = (k + C - 1) / C;
    return k / groups + (g < k % groups ? 1 : 0);
}

/// out(i : i + R·lanes, 0 : C) += Σ_{0 ≤ j < jb} A(i : i + R·lanes, j) · Fp(j, 0 : C), with the
/// R x C tile of out held in registers. A has leading dimension ld; Fp is F's rows j of the tile's
/// columns, packed row by row (jb x C, row-major), out has leading dimension ldo. With Prefetch,
/// each column's rows `ahead` further down are prefetched (one cache line per 64 bytes of panel).
template <int R, int C, bool Prefetch, class T>
inline void times_tile(const T* A, Eigen::Index ld, Eigen::Index i, Eigen::Index jb, const T* Fp,
                       T* out, Eigen::Index ldo, Eigen::Index ahead) {
    constexpr int W = simd_lanes<T>;
    constexpr int lines = std::max<int>(1, R * simd_bytes / 64);
    Simd<T> acc[R][C];
    for (int r = 0; r < R; ++r)
        for (int c = 0; c < C; ++c)
            std::memcpy(&acc[r][c], out + c * ldo + i + r * W, sizeof(Simd<T>));
    const T* a = A + i;
    // Unrolled explicitly: left to GCC, tiles with R or J ≥ 3 kept their accumulators on the
    // stack (docs/benchmarks-history.md, "Measurements behind constants").
#pragma GCC unroll 4
    for (Eigen::Index j = 0; j < jb; ++j) {
        const T* aj = a + j * ld;
        if constexpr (Prefetch)
            for (int l = 0; l < lines; ++l)
                __builtin_prefetch(aj + ahead + l * static_cast<int>(64 / sizeof(T)), 0,
                                   times_locality);
        Simd<T> x[R];
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) std::memcpy(&x[r], aj + r * W, sizeof(Simd<T>));
        const T* f = Fp + j * C;
#pragma GCC unroll 16
        for (int c = 0; c < C; ++c) {
            const T fc = f[c];
#pragma GCC unroll 16
            for (int r = 0; r < R; ++r) acc[r][c] += x[r] * fc;
        }
    }
    for (int r = 0; r < R; ++r)
        for (int c = 0; c < C; ++c)
            std::memcpy(out + c * ldo + i + r * W, &acc[r][c], sizeof(Simd<T>));
}

/// out = A F (m x k) for A (m x n, leading dimension ld) and F (n x k), all column-major; out is
/// overwritten. F's columns are packed in groups of at most times_cols (n x width, row-major
/// each); A goes in blocks of times_block(k) columns, and in each block rows in whole panels of
/// times_rows vectors are split over the threads (the same panels to the same thread in every
/// block: a static schedule over the same count); the last m mod panel rows are summed in scalar.
/// Every out(i, c) is summed over j in increasing order.
template <class T>
void dense_times(const T* A, Eigen::Index m, Eigen::Index n, Eigen::Index ld, const T* F,
                 Eigen::Index k, T* out) {
    for (Eigen::Index e = 0; e < m * k; ++e) out[e] = T(0);
    if (k == 0 || n == 0) return;
    constexpr Eigen::Index panel = times_rows * simd_lanes<T>;
    const Eigen::Index panels = m / panel, full = panels * panel;
    // Group at c0: n x width at c0 · n (malloc, not std::vector: no std:: function may be
    // compiled here, see linalg/isa_target.hpp).
    T* packed = static_cast<T*>(std::malloc(sizeof(T) * static_cast<std::size_t>(n * k)));
    for (Eigen::Index g = 0, c0 = 0; c0 < k; c0 += group_width(k, times_cols, g++)) {
        const Eigen::Index w = group_width(k, times_cols, g);
        for (Eigen::Index j = 0; j < n; ++j)
            for (Eigen::Index c = 0; c < w; ++c) packed[c0 * n + j * w + c] = F[(c0 + c) * n + j];
    }
    // Blocks of at most times_block(k) columns, of equal width (n = 50 at a block of 48: 25 + 25,
    // not 48 + 2, whose 2-column pass would mostly load and store the tiles).
    const Eigen::Index blocks = (n + times_block(k) - 1) / times_block(k);
    const Eigen::Index block = (n + blocks - 1) / blocks;
#pragma omp parallel if (worth_parallel(m * n * k))
    for (Eigen::Index j0 = 0; j0 < n; j0 += block) {
        const Eigen::Index jb = std::min(n, j0 + block) - j0;
#pragma omp for schedule(static) nowait
        for (Eigen::Index q = 0; q < panels; ++q)
            for (Eigen::Index g = 0, c0 = 0; c0 < k; c0 += group_width(k, times_cols, g++)) {
                const Eigen::Index w = group_width(k, times_cols, g);
                const T* Fp = packed + c0 * n + j0 * w;
                T* o = out + c0 * m;
                // The first group's pass brings the rows times_prefetch panels below into cache.
                const bool ahead = times_prefetch > 0 && g == 0 && q + times_prefetch < panels;
                with_count<times_cols>(static_cast<int>(w), [&](auto cols) {
                    constexpr int C = decltype(cols)::value;
                    if (ahead)
                        times_tile<times_rows, C, true>(A + j0 * ld, ld, q * panel, jb, Fp, o, m,
                                                        times_prefetch * panel);
                    else
                        times_tile<times_rows, C, false>(A + j0 * ld, ld, q * panel, jb, Fp, o, m,
                                                         0);
                });
            }
    }
    std::free(packed);
    for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index c = 0; c < k; ++c)
            for (Eigen::Index i = full; i < m; ++i) out[c * m + i] += A[j * ld + i] * F[c * n + j];
}

/// s_u(c) += Σ_{i0 ≤ i < i1} a_u(i) · F(i, c) for the J columns a_u of A and c < C, with the J x C
/// tile of vector partial sums in registers, reduced across lanes at the end of the rows. With
/// `next` (not null), each column's cache line tt_prefetch_bytes further down is prefetched into
/// L2, continuing past i1 into the columns next[u] from row i0 (the columns the thread reads
/// next) while that stays within their m rows.
template <int J, int C, class T>
inline void transpose_times_tile(const T* const* a, const T* F, Eigen::Index ldf, Eigen::Index m,
                                 Eigen::Index i0, Eigen::Index i1, T* const* s,
                                 const T* const* next) {
    constexpr int W = simd_lanes<T>;
    // One prefetch per cache line: every step, or every second one with 32-byte vectors.
    constexpr int step_lines = std::max<int>(1, static_cast<int>(64 / (W * sizeof(T))));
    constexpr Eigen::Index dist = tt_prefetch_bytes / static_cast<Eigen::Index>(sizeof(T));
    Simd<T> acc[J][C] = {};
    Eigen::Index i = i0;
    for (; i + W <= i1; i += W) {
        if (dist > 0 && next != nullptr && ((i - i0) / W) % step_lines == 0) {
            const Eigen::Index p = i + dist;
            if (p < i1) {
#pragma GCC unroll 16
                for (int u = 0; u < J; ++u) __builtin_prefetch(a[u] + p, 0, 1);
            } else if (i0 + (p - i1) < m) {
#pragma GCC unroll 16
                for (int u = 0; u < J; ++u) __builtin_prefetch(next[u] + i0 + (p - i1), 0, 1);
            }
        }
        Simd<T> x[J];
#pragma GCC unroll 16
        for (int u = 0; u < J; ++u) std::memcpy(&x[u], a[u] + i, sizeof(Simd<T>));
#pragma GCC unroll 16
        for (int c = 0; c < C; ++c) {
            Simd<T> f;
            std::memcpy(&f, F + c * ldf + i, sizeof f);
#pragma GCC unroll 16
            for (int u = 0; u < J; ++u) acc[u][c] += x[u] * f;
        }
    }
    for (int u = 0; u < J; ++u)
        for (int c = 0; c < C; ++c) {
            T sum = 0;
            for (int w = 0; w < W; ++w) sum += acc[u][c][w];
            for (Eigen::Index t = i; t < i1; ++t) sum += a[u][t] * F[c * ldf + t];
            s[u][c] += sum;
        }
}

/// out = Aᵀ F (n x k) for A (m x n, leading dimension ld) and F (m x k), all column-major; out is
/// overwritten. Rows go in blocks whose slice of F (block x k) fills a quarter of L2; in each
/// block, groups of tt_columns columns of A are split over the threads and each reads its columns
/// once against the whole slice of F.
template <class T>
void dense_transpose_times(const T* A, Eigen::Index m, Eigen::Index n, Eigen::Index ld, const T* F,
                           Eigen::Index k, T* out) {
    for (Eigen::Index e = 0; e < n * k; ++e) out[e] = T(0);
    if (k == 0) return;
    constexpr Eigen::Index W = simd_lanes<T>;
    const Eigen::Index block = std::max<Eigen::Index>(
        8 * W, (Eigen::Index{256 * 1024} / (static_cast<Eigen::Index>(sizeof(T)) * k)) / W * W);
    const Eigen::Index groups = (n + tt_columns - 1) / tt_columns;
#pragma omp parallel if (worth_parallel(m * n * k))
    {
        // The thread's sums, tt_columns x k (malloc, not std::vector: no std:: function may be
        // compiled here, see linalg/isa_target.hpp).
        T* sums =
            static_cast<T*>(std::malloc(sizeof(T) * static_cast<std::size_t>(tt_columns * k)));
        for (Eigen::Index i0 = 0; i0 < m; i0 += block) {
            const Eigen::Index i1 = std::min(m, i0 + block);
#pragma omp for schedule(static)
            for (Eigen::Index g = 0; g < groups; ++g) {
                const T* a[tt_columns];
                const T* next[tt_columns];
                T* s[tt_columns];
                for (int u = 0; u < tt_columns; ++u) {
                    // A short last group repeats its last column; those sums are dropped.
                    a[u] = A + std::min(g * tt_columns + u, n - 1) * ld;
                    next[u] = A + std::min((g + 1) * tt_columns + u, n - 1) * ld;
                    s[u] = sums + u * k;
                }
                for (Eigen::Index e = 0; e < tt_columns * k; ++e) sums[e] = T(0);
                for (Eigen::Index h = 0, c0 = 0; c0 < k; c0 += group_width(k, tt_cols, h++)) {
                    T* sc[tt_columns];
                    for (int u = 0; u < tt_columns; ++u) sc[u] = s[u] + c0;
                    with_count<tt_cols>(
                        static_cast<int>(group_width(k, tt_cols, h)), [&](auto cols) {
                            transpose_times_tile<tt_columns, decltype(cols)::value>(
                                a, F + c0 * m, m, m, i0, i1, sc, h == 0 ? next : nullptr);
                        });
                }
                for (int u = 0; u < tt_columns && g * tt_columns + u < n; ++u)
                    for (Eigen::Index c = 0; c < k; ++c) out[c * n + g * tt_columns + u] += s[u][c];
            }
        }
        std::free(sums);
    }
}

}  // namespace nmfkit::detail::NMFKIT_ISA_NAMESPACE
