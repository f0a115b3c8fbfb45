#pragma once
// Dense products with a skinny factor: A·F and Aᵀ·F for a column-major A (m x n) and F with k
// columns, k small next to m and n. A general GEMM packs A into panels before its kernel runs,
// which for k = 20 costs more than the product itself: OpenBLAS reached 35-40 GFLOP/s here, a
// third of the machine's. These kernels read A once, in storage order, straight from the caller's
// memory, and keep register tiles of the result (docs/benchmarks.md, "Dense products").
// Every entry of the result is summed in an order fixed by (m, n, k) alone, not by the thread
// count. Compiled once per target by linalg/kernels_isa.cpp and called through the kernel table
// (linalg/kernels.hpp); the adapters use them where the target's streaming_products says so,
// else BLAS.

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <Eigen/Core>

#include "linalg/isa_target.hpp"
#include "linalg/parallel.hpp"

namespace nmfkit::detail::NMFKIT_ISA_NAMESPACE {

// Only with AVX-512: an AVX2 build of the same kernels (16 registers) did not beat OpenBLAS at
// every k (docs/benchmarks-history.md, "Measurements behind constants"), so there BLAS stays.
#if NMFKIT_ISA_TARGET == 2
inline constexpr bool streaming_products = true;
#else
inline constexpr bool streaming_products = false;
#endif

// Register tiles for AVX-512's 32 registers of 64 bytes. times: R vectors of rows x C columns of
// the result (R·C accumulators + R loads + 1 broadcast); transpose_times: J columns of A x C
// columns of F (J·C accumulators + J loads + 1). The shapes were the best of the candidates that
// fit the register file (docs/benchmarks-history.md, "Measurements behind constants").
inline constexpr int simd_bytes = 64;
inline constexpr int times_rows = 4, times_cols = 6;
inline constexpr int tt_columns = 6, tt_cols = 4;

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

/// Columns of A per block in dense_times: a panel of rows x this many columns stays in L2
/// while the column groups of F pass over it (the best of 128, 512 and 2048 at k = 20 and 50).
inline constexpr Eigen::Index times_block = 512;

/// out(i : i + R·lanes, 0 : C) += Σ_{j0 ≤ j < j1} A(i : i + R·lanes, j) · F(j, 0 : C), with the
/// R x C tile of out held in registers. A has leading dimension ld, F and out ldf and ldo.
template <int R, int C, class T>
inline void times_tile(const T* A, Eigen::Index ld, Eigen::Index i, Eigen::Index j0,
                       Eigen::Index j1, const T* F, Eigen::Index ldf, T* out, Eigen::Index ldo) {
    constexpr int W = simd_lanes<T>;
    Simd<T> acc[R][C];
    for (int r = 0; r < R; ++r)
        for (int c = 0; c < C; ++c)
            std::memcpy(&acc[r][c], out + c * ldo + i + r * W, sizeof(Simd<T>));
    for (Eigen::Index j = j0; j < j1; ++j) {
        const T* a = A + j * ld + i;
        Simd<T> x[R];
        for (int r = 0; r < R; ++r) std::memcpy(&x[r], a + r * W, sizeof(Simd<T>));
        for (int c = 0; c < C; ++c) {
            const T f = F[c * ldf + j];
            for (int r = 0; r < R; ++r) acc[r][c] += x[r] * f;
        }
    }
    for (int r = 0; r < R; ++r)
        for (int c = 0; c < C; ++c)
            std::memcpy(out + c * ldo + i + r * W, &acc[r][c], sizeof(Simd<T>));
}

/// out = A F (m x k) for A (m x n, leading dimension ld) and F (n x k), all column-major; out is
/// overwritten. Rows in whole panels of times_rows vectors are split over the threads; the last
/// m mod panel rows are summed in scalar.
template <class T>
void dense_times(const T* A, Eigen::Index m, Eigen::Index n, Eigen::Index ld, const T* F,
                 Eigen::Index k, T* out) {
    for (Eigen::Index e = 0; e < m * k; ++e) out[e] = T(0);
    constexpr Eigen::Index panel = times_rows * simd_lanes<T>;
    const Eigen::Index panels = m / panel, full = panels * panel;
#pragma omp parallel if (worth_parallel(m * n * k))
    for (Eigen::Index j0 = 0; j0 < n; j0 += times_block) {
        const Eigen::Index j1 = std::min(n, j0 + times_block);
#pragma omp for schedule(static)
        for (Eigen::Index q = 0; q < panels; ++q)
            for (Eigen::Index c0 = 0; c0 < k; c0 += times_cols)
                with_count<times_cols>(
                    static_cast<int>(std::min<Eigen::Index>(times_cols, k - c0)), [&](auto cols) {
                        times_tile<times_rows, decltype(cols)::value>(
                            A, ld, q * panel, j0, j1, F + c0 * n, n, out + c0 * m, m);
                    });
    }
    for (Eigen::Index c = 0; c < k; ++c)
        for (Eigen::Index j = 0; j < n; ++j)
            for (Eigen::Index i = full; i < m; ++i) out[c * m + i] += A[j * ld + i] * F[c * n + j];
}

/// s_u(c) += Σ_{i0 ≤ i < i1} a_u(i) · F(i, c) for the J columns a_u of A and c < C, with the J x C
/// tile of vector partial sums in registers, reduced across lanes at the end of the rows.
template <int J, int C, class T>
inline void transpose_times_tile(const T* const* a, const T* F, Eigen::Index ldf, Eigen::Index i0,
                                 Eigen::Index i1, T* const* s) {
    constexpr int W = simd_lanes<T>;
    Simd<T> acc[J][C] = {};
    Eigen::Index i = i0;
    for (; i + W <= i1; i += W) {
        Simd<T> x[J];
        for (int u = 0; u < J; ++u) std::memcpy(&x[u], a[u] + i, sizeof(Simd<T>));
        for (int c = 0; c < C; ++c) {
            Simd<T> f;
            std::memcpy(&f, F + c * ldf + i, sizeof f);
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
                T* s[tt_columns];
                for (int u = 0; u < tt_columns; ++u) {
                    // A short last group repeats its last column; those sums are dropped.
                    a[u] = A + std::min(g * tt_columns + u, n - 1) * ld;
                    s[u] = sums + u * k;
                }
                for (Eigen::Index e = 0; e < tt_columns * k; ++e) sums[e] = T(0);
                for (Eigen::Index c0 = 0; c0 < k; c0 += tt_cols) {
                    T* sc[tt_columns];
                    for (int u = 0; u < tt_columns; ++u) sc[u] = s[u] + c0;
                    with_count<tt_cols>(static_cast<int>(std::min<Eigen::Index>(tt_cols, k - c0)),
                                        [&](auto cols) {
                                            transpose_times_tile<tt_columns, decltype(cols)::value>(
                                                a, F + c0 * m, m, i0, i1, sc);
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
