// The device path's kernels (device.hpp): MU's elementwise updates, the HALS sweep, the KL sampled
// product (the ratio A ⊘ W Htᵀ formed entry by entry, never stored), and small helpers. Kept small
// and free of templates beyond float/double: nvcc compiles this file alone.
// EXPERIMENTAL: compiled, never run on a GPU.

#include <cstdint>
#include <stdexcept>
#include <string>

#include <cuda_runtime.h>

#include "device/compute.hpp"

namespace nmfkit::detail::device {
namespace {

constexpr int threads_per_block = 256;
constexpr int warp = 32;
// The KL kernel keeps a row's k accumulators in registers, `lanes_k` per lane: k ≤ 32 · lanes_k.
constexpr int lanes_k = 8;

void launched(const char* kernel) {
    const cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess)
        throw std::runtime_error(std::string("CUDA: ") + kernel + ": " + cudaGetErrorString(e));
}

cudaStream_t stream_of(const Context& c) { return static_cast<cudaStream_t>(c.stream()); }

unsigned blocks_for(std::int64_t n, int per_block = threads_per_block) {
    return static_cast<unsigned>((n + per_block - 1) / per_block);
}

template <class T>
__device__ T smallest_normal();
template <>
__device__ float smallest_normal<float>() {
    return 1.17549435e-38f;
}
template <>
__device__ double smallest_normal<double>() {
    return 2.2250738585072014e-308;
}

// Sum of a double over the block into *total (one atomicAdd per block).
__device__ void block_sum_into(double x, double* total) {
    __shared__ double part[threads_per_block / warp];
    for (int o = warp / 2; o > 0; o /= 2) x += __shfl_xor_sync(0xffffffffu, x, o);
    const int lane = static_cast<int>(threadIdx.x) % warp, w = static_cast<int>(threadIdx.x) / warp;
    if (lane == 0) part[w] = x;
    __syncthreads();
    if (threadIdx.x == 0) {
        double s = 0;
        for (int i = 0; i < static_cast<int>(blockDim.x) / warp; ++i) s += part[i];
        atomicAdd(total, s);
    }
}

template <class T>
__global__ void mu_frobenius_kernel(T* x, const T* a, const T* d, std::int64_t n, T l1) {
    const std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
    if (i >= n) return;
    const T tiny = smallest_normal<T>();
    const T y = x[i] * (a[i] / max(d[i] + l1, tiny));
    x[i] = y >= tiny ? y : T(0);
}

template <class T>
__global__ void mu_kl_kernel(T* X, const T* num, const T* s, std::int64_t rows, std::int64_t k,
                             T l1, T l2) {
    const std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
    if (i >= rows * k) return;
    const T tiny = smallest_normal<T>();
    const T c = s[i / rows] + l1;
    const T y = X[i] * (num[i] / max(c + l2 * X[i], tiny));
    X[i] = y >= tiny ? y : T(0);
}

template <class T>
__global__ void shift_kernel(const T* a, T l1, T* b, std::int64_t n) {
    const std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
    if (i < n) b[i] = a[i] - l1;
}

// One thread per row i of X (rows x k): the row's coordinates in order j = 0..k−1, each using the
// row's already updated ones (the host's hals_update, row by row).
template <class T>
__global__ void hals_kernel(const T* G, const T* B, T* X, std::int64_t rows, std::int64_t k,
                            double* change) {
    const std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
    double local = 0;
    if (i < rows) {
        for (std::int64_t j = 0; j < k; ++j) {
            const T gjj = G[j * k + j];
            if (!(gjj > 0)) continue;
            T t = B[j * rows + i];
            for (std::int64_t l = 0; l < k; ++l) t -= X[l * rows + i] * G[j * k + l];
            const T old = X[j * rows + i];
            const T now = max(T(0), old + t / gjj);
            X[j * rows + i] = now;
            const double dx = static_cast<double>(now) - static_cast<double>(old);
            local += dx * dx;
        }
    }
    block_sum_into(local, change);
}

// One warp per row r of A: for each stored (r, c), y = max(X(r, :) · F(c, :), floor) by a warp
// reduction, then out(r, :) += (v / y) F(c, :) in the lanes' registers (lane owns l ≡ lane mod 32).
template <class T>
__global__ void kl_sampled_kernel(std::int64_t rows, std::int64_t cols, const std::int32_t* ptr,
                                  const std::int32_t* idx, const T* val, std::int64_t row_stride,
                                  std::int64_t col_stride, const T* X, const T* F, std::int64_t k,
                                  T floor, T* out, double* value) {
    const std::int64_t r =
        (blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x) / warp;
    const int lane = static_cast<int>(threadIdx.x) % warp;
    double term = 0;
    if (r < rows) {
        T x[lanes_k], acc[lanes_k];
        for (int q = 0; q < lanes_k; ++q) {
            const std::int64_t l = lane + static_cast<std::int64_t>(warp) * q;
            x[q] = l < k ? X[l * rows + r] : T(0);
            acc[q] = 0;
        }
        const std::int64_t begin = ptr != nullptr ? ptr[r] : 0;
        const std::int64_t end = ptr != nullptr ? ptr[r + 1] : cols;
        for (std::int64_t p = begin; p < end; ++p) {
            const std::int64_t c = ptr != nullptr ? idx[p] : p;
            const T v = ptr != nullptr ? val[p] : val[r * row_stride + c * col_stride];
            if (v == T(0)) continue;  // weight and term are 0
            T part = 0;
            for (int q = 0; q < lanes_k; ++q) {
                const std::int64_t l = lane + static_cast<std::int64_t>(warp) * q;
                if (l < k) part += x[q] * F[l * cols + c];
            }
            for (int o = warp / 2; o > 0; o /= 2) part += __shfl_xor_sync(0xffffffffu, part, o);
            const T y = max(part, floor);
            const T ratio = v / y;
            for (int q = 0; q < lanes_k; ++q) {
                const std::int64_t l = lane + static_cast<std::int64_t>(warp) * q;
                if (l < k) acc[q] += ratio * F[l * cols + c];
            }
            if (value != nullptr && lane == 0) {
                const double vd = static_cast<double>(v);
                term += vd * log(vd / static_cast<double>(y)) - vd;
            }
        }
        for (int q = 0; q < lanes_k; ++q) {
            const std::int64_t l = lane + static_cast<std::int64_t>(warp) * q;
            if (l < k) out[l * rows + r] = acc[q];
        }
    }
    if (value != nullptr) block_sum_into(term, value);
}

template <class T>
__global__ void column_sums_kernel(const T* F, std::int64_t rows, T* s) {
    // One block per column.
    const std::int64_t j = blockIdx.x;
    double x = 0;
    for (std::int64_t i = threadIdx.x; i < rows; i += blockDim.x) x += F[j * rows + i];
    __shared__ double total;
    if (threadIdx.x == 0) total = 0;
    __syncthreads();
    block_sum_into(x, &total);
    __syncthreads();
    if (threadIdx.x == 0) s[j] = static_cast<T>(total);
}

// G (k x k) from SYRK's upper triangle: the lower mirrored, l2 added to the diagonal.
template <class T>
__global__ void symmetrize_kernel(T* G, std::int64_t k, T l2) {
    const std::int64_t e = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
    if (e >= k * k) return;
    const std::int64_t i = e % k, j = e / k;  // G(i, j), column-major
    if (i > j) G[e] = G[i * k + j];
    if (i == j) G[e] += l2;
}

}  // namespace

template <class T>
void mu_frobenius(const Context& c, T* x, const T* a, const T* d, std::int64_t n, T l1) {
    if (n == 0) return;
    mu_frobenius_kernel<T><<<blocks_for(n), threads_per_block, 0, stream_of(c)>>>(x, a, d, n, l1);
    launched("mu_frobenius");
}

template <class T>
void mu_kl(const Context& c, T* X, const T* num, const T* s, std::int64_t rows, std::int64_t k,
           T l1, T l2) {
    if (rows * k == 0) return;
    mu_kl_kernel<T>
        <<<blocks_for(rows * k), threads_per_block, 0, stream_of(c)>>>(X, num, s, rows, k, l1, l2);
    launched("mu_kl");
}

template <class T>
void shift(const Context& c, const T* AF, T l1, T* B, std::int64_t n) {
    if (n == 0) return;
    shift_kernel<T><<<blocks_for(n), threads_per_block, 0, stream_of(c)>>>(AF, l1, B, n);
    launched("shift");
}

template <class T>
double hals_sweep(const Context& c, const T* G, const T* B, T* X, std::int64_t rows,
                  std::int64_t k) {
    c.zero_sums();
    if (rows > 0)
        hals_kernel<T>
            <<<blocks_for(rows), threads_per_block, 0, stream_of(c)>>>(G, B, X, rows, k, c.sums());
    launched("hals_sweep");
    return c.read_sum();
}

template <class T>
double kl_sampled(const Context& c, std::int64_t rows, std::int64_t cols, const std::int32_t* ptr,
                  const std::int32_t* idx, const T* val, std::int64_t row_stride,
                  std::int64_t col_stride, const T* X, const T* F, std::int64_t k, T floor, T* out,
                  bool value) {
    if (k > static_cast<std::int64_t>(warp) * lanes_k)
        throw std::logic_error("kl_sampled: k above the kernel's register budget");
    if (value) c.zero_sums();
    if (rows > 0)
        kl_sampled_kernel<T><<<blocks_for(rows * warp), threads_per_block, 0, stream_of(c)>>>(
            rows, cols, ptr, idx, val, row_stride, col_stride, X, F, k, floor, out,
            value ? c.sums() : nullptr);
    launched("kl_sampled");
    return value ? c.read_sum() : 0.0;
}

template <class T>
void column_sums(const Context& c, const T* F, std::int64_t rows, std::int64_t k, T* s) {
    if (k == 0) return;
    column_sums_kernel<T>
        <<<static_cast<unsigned>(k), threads_per_block, 0, stream_of(c)>>>(F, rows, s);
    launched("column_sums");
}

template <class T>
void symmetrize(const Context& c, T* G, std::int64_t k, T l2) {
    if (k == 0) return;
    symmetrize_kernel<T><<<blocks_for(k * k), threads_per_block, 0, stream_of(c)>>>(G, k, l2);
    launched("symmetrize");
}

#define NMFKIT_DEVICE_KERNELS(T)                                                                   \
    template void mu_frobenius<T>(const Context&, T*, const T*, const T*, std::int64_t, T);        \
    template void mu_kl<T>(const Context&, T*, const T*, const T*, std::int64_t, std::int64_t, T,  \
                           T);                                                                     \
    template void shift<T>(const Context&, const T*, T, T*, std::int64_t);                         \
    template double hals_sweep<T>(const Context&, const T*, const T*, T*, std::int64_t,            \
                                  std::int64_t);                                                   \
    template double kl_sampled<T>(const Context&, std::int64_t, std::int64_t, const std::int32_t*, \
                                  const std::int32_t*, const T*, std::int64_t, std::int64_t,       \
                                  const T*, const T*, std::int64_t, T, T*, bool);                  \
    template void column_sums<T>(const Context&, const T*, std::int64_t, std::int64_t, T*);        \
    template void symmetrize<T>(const Context&, T*, std::int64_t, T);
NMFKIT_DEVICE_KERNELS(float)
NMFKIT_DEVICE_KERNELS(double)
#undef NMFKIT_DEVICE_KERNELS

}  // namespace nmfkit::detail::device
