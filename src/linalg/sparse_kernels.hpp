#pragma once
// Sparse kernels, written once for both orientations. A compressed matrix is a list of outer
// slices (columns of CSC, rows of CSR); slice s holds entries (inner[p], values[p]) for
// p in [outer[s], outer[s+1]). Dense factors enter transposed, k x N column-major (each row of
// the tall factor contiguous), so an entry touches one contiguous k-vector.

// Compiled once per target by linalg/kernels_isa.cpp and called through the kernel table
// (linalg/kernels.hpp), on plain arrays: out parameters are column-major and sized by the caller.

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <utility>

#include <omp.h>

#include <Eigen/Core>

#include "linalg/dense_kernels.hpp"
#include "linalg/isa_target.hpp"
#include "linalg/kernels.hpp"
#include "linalg/parallel.hpp"
#include "linalg/sampled_loss.hpp"

namespace nmfkit::detail::NMFKIT_ISA_NAMESPACE {

/// A's stored entries. Here rather than Compressed::nonzeros(): a member of a type outside this
/// namespace, which an unoptimised or instrumented build emits as a weak function, would be code
/// of this target that other objects may link to (tests/check_isa_symbols.py).
template <class T, class I>
inline Eigen::Index stored_entries(const Compressed<T, I>& A) {
    return static_cast<Eigen::Index>(A.outer[A.outer_size]);
}

/// The columns of a factor as the kernels read them: Columns' data (linalg/kernels.hpp), k x N
/// column-major, padded by max_lanes zeros.
template <class T>
struct ColumnsView {
    const T* data;
    Eigen::Index k_;
    Eigen::Index k() const { return k_; }
    const T* col(Eigen::Index j) const { return data + j * k_; }
};

/// A buffer of T from malloc (std::vector's members would be compiled here for this target and
/// could be the copy the linker keeps for every caller; see linalg/isa_target.hpp).
template <class T>
class Buffer {
public:
    Buffer() = default;
    /// n zeros.
    explicit Buffer(Eigen::Index n) {
        resize(n);
        for (Eigen::Index i = 0; i < n; ++i) data_[i] = T(0);
    }
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    ~Buffer() { std::free(data_); }
    /// At least n entries, and at least one: data() is never null after it (the contents are
    /// not kept when it grows).
    void resize(Eigen::Index n) {
        if (data_ != nullptr && n <= size_) return;
        std::free(data_);
        size_ = n > 0 ? n : 1;
        data_ = static_cast<T*>(std::malloc(sizeof(T) * static_cast<std::size_t>(size_)));
        if (data_ == nullptr) std::abort();
    }
    T* data() { return data_; }
    T& operator[](Eigen::Index i) { return data_[i]; }

private:
    T* data_ = nullptr;
    Eigen::Index size_ = 0;
};

/// Σ_s acc[s] in slice order.
inline double sum_in_order(const double* acc, Eigen::Index n) {
    double total = 0;
    for (Eigen::Index s = 0; s < n; ++s) total += acc[s];
    return total;
}

/// How many entries ahead the gathers prefetch the factor's column: it pays when the factor does
/// not fit in L2 (docs/benchmarks-history.md, "Measurements behind constants").
constexpr int prefetch_distance = 8;

/// The register-blocked kernels keep a slice's k sums in L lanes, L = k rounded up to a multiple
/// of 32 bytes (4 doubles, 8 floats), for k up to max_lanes (linalg/kernels.hpp); a larger k
/// takes the generic loops (L = 0), which keep the sums in memory. With L fixed at compile time
/// the sums stay in SIMD registers (docs/benchmarks.md, "Kernels").
template <class T>
constexpr int lane_step = static_cast<int>(32 / sizeof(T));

/// Calls f(std::integral_constant<int, L>) with the lane count for k (0: generic).
template <class T, class F>
void with_lanes(Eigen::Index k, F&& f) {
    [&]<int... J>(std::integer_sequence<int, J...>) {
        const bool blocked =
            ((k <= (J + 1) * lane_step<T>
                  ? (f(std::integral_constant<int, (J + 1) * lane_step<T>>{}), true)
                  : false) ||
             ...);
        if (!blocked) f(std::integral_constant<int, 0>{});
    }
    (std::make_integer_sequence<int, max_lanes / lane_step<T>>{});
}

/// 32 bytes of T as one SIMD value (GCC vector extension; two SSE registers without AVX).
template <class T>
struct PieceOf;
template <>
struct PieceOf<double> {
    typedef double type __attribute__((vector_size(32)));
};
template <>
struct PieceOf<float> {
    typedef float type __attribute__((vector_size(32)));
};
template <class T>
using Piece = typename PieceOf<T>::type;

/// Σ of t's lanes by halving: the upper half of the lanes added to the lower half, in a vector of
/// half the width, down to two lanes; for 8 lanes ((t0 + t4) + (t2 + t6)) + ((t1 + t5) + (t3 + t7)).
/// Only the first step crosses the 128-bit halves of a 256-bit vector (an extraction); the rest
/// are 128-bit operations. NOTE: rotating the whole vector and adding, the sum in the same order,
/// took a cross-lane permutation of the full width per step, slower where 256-bit operations
/// are split in two (docs/benchmarks.md, "Vector loads through the stack"). Vectors pass by
/// reference: by value, a 32-byte vector's calling convention differs with and without AVX,
/// which GCC reports as an error under -Werror in the baseline build.
template <class V>
[[gnu::always_inline]] inline auto sum_halves(const V& t) {
    constexpr int n = static_cast<int>(sizeof(V) / sizeof(t[0]));
    if constexpr (n == 2) {
        return t[0] + t[1];
    } else {
        const auto half = [&]<int... Q>(std::integer_sequence<int, Q...>) {
            return __builtin_shufflevector(t, t, Q...) +
                   __builtin_shufflevector(t, t, (Q + n / 2)...);
        }
        (std::make_integer_sequence<int, n / 2>{});
        return sum_halves(half);
    }
}

/// ⟨x, y⟩ over L lanes (L > 0; x zero past k) or over k (L = 0). The blocked form sums 32-byte
/// pieces vertically into one register and halves it at the end (sum_halves), where a simd
/// reduction is spilled to the stack for doubles. The generic form leaves the partial sums to the simd
/// reduction (a plain loop would be one serial chain of k dependent additions).
template <int L, class T>
[[gnu::always_inline]] inline T dot_lanes(const T* __restrict x, const T* __restrict y,
                                          Eigen::Index k) {
    if constexpr (L > 0) {
        constexpr int W = lane_step<T>;
        Piece<T> sum = {};
        for (int c = 0; c < L; c += W) {
            Piece<T> a, b;
            std::memcpy(&a, x + c, sizeof a);
            std::memcpy(&b, y + c, sizeof b);
            sum += a * b;
        }
        return sum_halves(sum);
    } else {
        T sum = 0;
#pragma omp simd reduction(+ : sum)
        for (Eigen::Index l = 0; l < k; ++l) sum += x[l] * y[l];
        return sum;
    }
}

/// A k-vector as the kernels read it against over-read columns: L lanes, zero past k (L > 0),
/// or the vector itself (L = 0).
template <int L, class T>
class Lanes {
public:
    Lanes(const T* x, Eigen::Index k) : x_(x) {
        if constexpr (L > 0) std::copy_n(x, k, v_);
    }
    const T* data() const {
        if constexpr (L > 0)
            return v_;
        else
            return x_;
    }

private:
    T v_[L > 0 ? L : 1] = {};
    const T* x_;
};

/// The gather shape: out(s, :) = Σ_p c_s(p, f_p) · f_pᵀ with f_p = F.col(inner[p]), for every
/// slice s, where c_s = c(lanes, s, acc_s) is made once per slice (it may read the whole slice
/// first). F is k x inner_size; out is outer_size x k, the layout of the tall factors, written
/// directly (saving a transpose of a k x outer_size result). c may add to acc_s, a double per
/// slice; the return value is Σ_s acc_s.
/// Each slice is one thread's, summed in storage order, and the acc_s are summed in slice order,
/// so nothing depends on the thread count.
template <class T, class I, class Coefficient>
double gather_with(const Compressed<T, I>& A, const ColumnsView<T>& F, T* out, Coefficient c) {
    const Eigen::Index k = F.k();
    Buffer<double> acc(A.outer_size);
    with_lanes<T>(k, [&](auto lanes) {
        constexpr int L = decltype(lanes)::value;
#pragma omp parallel if (worth_parallel(stored_entries(A) * k))
        {
            Buffer<T> generic(L > 0 ? 0 : k);  // the sums when L = 0
#pragma omp for schedule(dynamic, 256)
            for (Eigen::Index s = 0; s < A.outer_size; ++s) {
                T sums[L > 0 ? L : 1] = {};
                T* __restrict y = L > 0 ? sums : generic.data();
                if constexpr (L == 0)
                    for (Eigen::Index l = 0; l < k; ++l) generic[l] = T(0);
                double a = 0;
                const auto c_s = c(lanes, s, a);
                const I end = A.outer[s + 1];
                for (I p = A.outer[s]; p < end; ++p) {
                    if (p + prefetch_distance < end)
                        __builtin_prefetch(
                            F.col(static_cast<Eigen::Index>(A.inner[p + prefetch_distance])));
                    const T* __restrict f = F.col(static_cast<Eigen::Index>(A.inner[p]));
                    const T v = c_s(p, f);
                    const Eigen::Index n = L > 0 ? L : k;
#pragma omp simd
                    for (Eigen::Index l = 0; l < n; ++l) y[l] += v * f[l];
                }
                for (Eigen::Index l = 0; l < k; ++l) out[l * A.outer_size + s] = y[l];
                acc[s] = a;
            }
        }
    });
    return sum_in_order(acc.data(), A.outer_size);
}

/// The scatter shape: out(:, inner[p]) += c_s(p) · F(:, s) for every entry p of slice s
/// (c_s = c(lanes, s, acc_s)): the product in the other orientation from the same storage. F is k x outer_size, out is k x inner_size; returns Σ_s acc_s as gather_with does.
/// Threads scatter into private buffers (L x inner_size each, L ≥ k) that are summed in thread
/// order at the end.
template <class T, class I, class Coefficient>
double scatter_with(const Compressed<T, I>& A, const ColumnsView<T>& F, T* out, Coefficient c) {
    const Eigen::Index k = F.k();
    Buffer<double> acc(A.outer_size);
    const bool parallel = worth_parallel(stored_entries(A) * k) && omp_get_max_threads() > 1;
    const int teams = parallel ? omp_get_max_threads() : 1;
    with_lanes<T>(k, [&](auto lanes) {
        constexpr int L = decltype(lanes)::value;
        const Eigen::Index stride = L > 0 ? L : k;
        // The teams' buffers, stride x inner_size each; the first is out itself when the lanes
        // are exactly k (no copy).
        const Eigen::Index size = stride * A.inner_size;
        const bool in_place = stride == k;
        Buffer<T> partial(in_place ? (teams - 1) * size : teams * size);
        auto buffer = [&](int t) {
            return in_place ? (t == 0 ? out : partial.data() + (t - 1) * size)
                            : partial.data() + t * size;
        };
#pragma omp parallel num_threads(teams) if (parallel)
        {
            T* mine = buffer(omp_get_thread_num());
            for (Eigen::Index e = 0; e < size; ++e) mine[e] = T(0);
#pragma omp for schedule(static)
            for (Eigen::Index s = 0; s < A.outer_size; ++s) {
                const Lanes<L, T> f(F.col(s), k);
                double a = 0;
                const auto c_s = c(lanes, s, a);
                for (I p = A.outer[s]; p < A.outer[s + 1]; ++p) {
                    const Eigen::Index i = static_cast<Eigen::Index>(A.inner[p]);
                    const T v = c_s(p);
                    T* __restrict o = mine + i * stride;
                    const T* __restrict x = f.data();
#pragma omp simd
                    for (Eigen::Index l = 0; l < stride; ++l) o[l] += v * x[l];
                }
                acc[s] = a;
            }
        }
        T* first = buffer(0);
        for (int t = 1; t < teams; ++t) {
            const T* other = buffer(t);
            for (Eigen::Index e = 0; e < size; ++e) first[e] += other[e];
        }
        if (!in_place)
            for (Eigen::Index i = 0; i < A.inner_size; ++i)
                for (Eigen::Index l = 0; l < k; ++l) out[i * k + l] = first[i * stride + l];
    });
    return sum_in_order(acc.data(), A.outer_size);
}

/// out(s, :) = Σ_p values[p] · F(:, inner[p])ᵀ: Aᵀ·F from CSC, A·F from CSR (out outer_size x k).
template <class T, class I>
void gather(const Compressed<T, I>& A, const ColumnsView<T>& F, T* out) {
    gather_with(A, F, out, [&A](auto, Eigen::Index, double&) {
        return [&A](I p, const T*) { return A.values[p]; };
    });
}

/// out(:, inner[p]) += values[p] · F(:, s): A·F from CSC in the low-memory mode.
template <class T, class I>
void scatter(const Compressed<T, I>& A, const ColumnsView<T>& F, T* out) {
    scatter_with(A, F, out,
                 [&A](auto, Eigen::Index, double&) { return [&A](I p) { return A.values[p]; }; });
}

/// The first phase of the two-pass sampled kernels for one slice: r_q = ⟨x, G(:, inner[b + q])⟩
/// for the slice's entries q (x: the slice's own factor column as Lanes), then
/// r_q = policy.weight(values[b + q], r_q), with `value` the slice's loss terms of the same r added
/// to acc. The dot products are independent of each other, so they overlap; the weights and the
/// terms are the policy's vector loop.
template <int L, class T, class I, SampledLoss<T> Policy>
const T* slice_weights(const Compressed<T, I>& A, Eigen::Index s, const Lanes<L, T>& x,
                       const ColumnsView<T>& G, const Policy& policy, bool value, double& acc) {
    thread_local Buffer<T> r;
    const I b = A.outer[s], e = A.outer[s + 1];
    r.resize(static_cast<Eigen::Index>(e - b));
    for (I p = b; p < e; ++p) {
        if (p + prefetch_distance < e)
            __builtin_prefetch(G.col(static_cast<Eigen::Index>(A.inner[p + prefetch_distance])));
        r[static_cast<Eigen::Index>(p - b)] =
            dot_lanes<L>(x.data(), G.col(static_cast<Eigen::Index>(A.inner[p])), G.k());
    }
    const T* v = A.values + b;
    T* weight = r.data();
    const Eigen::Index n = static_cast<Eigen::Index>(e - b);
    acc += policy.weights(v, weight, n, value);
    return weight;  // r_q for the entry p = b + q
}

/// The widest SIMD value the one-pass sampled gather works in for float64: 64 bytes with AVX-512,
/// else 32 (AVX2; a 64-byte GCC vector without AVX-512 is emulated in pieces and its shuffles cost
/// more than they save).
#if NMFKIT_ISA_TARGET == 2
inline constexpr int wide_bytes = 64;
#else
inline constexpr int wide_bytes = 32;
#endif
template <class T>
struct WideOf {
    typedef T type __attribute__((vector_size(wide_bytes)));
};
template <class T>
using Wide = typename WideOf<T>::type;

/// The lane sums of eight 8-lane vectors as one vector (lane u: Σ of t[u]'s lanes), each in
/// sum_halves' order ((t0 + t4) + (t2 + t6)) + ((t1 + t5) + (t3 + t7)): upper halves added to
/// lower halves two vectors at a time, then pairs of lanes two vectors at a time, then the last
/// pairs, and the lanes put back in order. One vector of shuffles per step instead of a
/// reduction per vector.
/// (out by reference: a 32-byte vector returned by value changes the baseline target's ABI.)
template <class V>
[[gnu::always_inline]] inline void sum_lanes8(const V (&t)[8], V& out) {
    V u[4], w[2];
    for (int j = 0; j < 4; ++j)  // [t_2j halves summed | t_2j+1 halves summed]
        u[j] = __builtin_shufflevector(t[2 * j], t[2 * j + 1], 0, 1, 2, 3, 8, 9, 10, 11) +
               __builtin_shufflevector(t[2 * j], t[2 * j + 1], 4, 5, 6, 7, 12, 13, 14, 15);
    for (int j = 0; j < 2; ++j)  // lanes (0 + 2, 1 + 3) of four vectors' halves
        w[j] = __builtin_shufflevector(u[2 * j], u[2 * j + 1], 0, 1, 8, 9, 4, 5, 12, 13) +
               __builtin_shufflevector(u[2 * j], u[2 * j + 1], 2, 3, 10, 11, 6, 7, 14, 15);
    const V z = __builtin_shufflevector(w[0], w[1], 0, 2, 8, 10, 4, 6, 12, 14) +
                __builtin_shufflevector(w[0], w[1], 1, 3, 9, 11, 5, 7, 13, 15);
    out = __builtin_shufflevector(z, z, 0, 4, 1, 5, 2, 6, 3, 7);  // z = [t0 t2 t4 t6 | t1 ...]
}

/// The SIMD value the one-pass sampled gather works in: Wide for float64; for float32 the
/// 32-byte Piece of the two-pass form's dot_lanes, so that both forms make the same operations
/// on the same values (see sampled_gather).
template <class T>
struct OnePassOf {
    using type = Wide<T>;
};
template <>
struct OnePassOf<float> {
    using type = Piece<float>;
};

/// Sampled gather (sample, then multiply; the weight matrix is never stored):
/// out(s, :) = Σ_p policy.weight(values[p], wh_p) · F(:, inner[p])ᵀ, wh_p = ⟨X(:, s), F(:, inner[p])⟩.
/// X is k x outer_size (the factor being updated), F is k x inner_size, out is outer_size x k.
/// With `value`, also returns Σ_p policy.term(values[p], wh_p) from the same wh_p (else 0).
/// For KL (loss/kl.hpp) the weight is v / max(wh, floor) and the term v log(v/wh) − v.
/// k ≤ max_lanes: one pass per entry. F's column is loaded once into N SIMD registers (N·lanes
/// ≥ k; X's column is zero past k, and the lanes of out past k are dropped), its dot product
/// with X(:, s) taken and summed across lanes, and the same registers multiplied into the sums,
/// so the factor's column is read once instead of twice (the two-pass form: all the slice's dot
/// products, then a gather) and more entries' loads are in flight. Larger k takes the two-pass
/// form, and so does the baseline target.
/// float64 works in 64-byte registers with AVX-512, and the value comes from the kept weights
/// (policy.terms_of_weights). float32 works in the 32-byte pieces of dot_lanes, each dot product
/// a chain of fused multiply-adds from zero summed by sum_halves, and keeps wh_p for the value
/// (policy.weights, the terms from double quotients): the results equal the two-pass form's
/// bit for bit, and no new kind of operation meets the small factor entries of fitted float32
/// factors. An earlier float32 one-pass kernel, in 64-byte registers with a plain first
/// multiplication, lost to the two-pass form in float32 KL fits on a Xeon, where many dot-product
/// terms underflow to subnormal numbers (docs/benchmarks-history.md, "Measurements behind
/// constants"); docs/benchmarks.md, "The float32 KL gather in one pass", measures this one.
template <class T, class I, SampledLoss<T> Policy>
double sampled_gather(const Compressed<T, I>& A, const ColumnsView<T>& X, const ColumnsView<T>& F,
                      const Policy& policy, T* out, bool value) {
    const Eigen::Index k = F.k();
    constexpr bool is_float = std::is_same_v<T, float>;
    // Baseline x86-64 keeps the two-pass form: without AVX the one-pass kernel's 32-byte values
    // are pairs of SSE registers, and it ran 1.1-1.9x slower than the two-pass form there
    // (docs/benchmarks.md, "The float32 KL gather in one pass").
    if (k > max_lanes || NMFKIT_ISA_TARGET == 0)
        return gather_with(A, F, out, [&](auto lanes, Eigen::Index s, double& acc) {
            constexpr int L = decltype(lanes)::value;
            const T* weight =
                slice_weights(A, s, Lanes<L, T>(X.col(s), X.k()), F, policy, value, acc);
            return [weight, b = A.outer[s]](I p, const T*) { return weight[p - b]; };
        });
    using V = typename OnePassOf<T>::type;
    constexpr int W = static_cast<int>(sizeof(V) / sizeof(T));
    Buffer<double> acc(A.outer_size);
    // Value and N are compile-time: no test per entry, and the partial sums in registers.
    auto run = [&]<bool Value, int N>() {
#pragma omp parallel if (worth_parallel(stored_entries(A) * k))
        {
            const Policy loss = policy;  // a local copy: the stores below cannot alias it
            Buffer<T> kept;  // the slice's weights (float64) or wh_p (float32), for the value
#pragma omp for schedule(dynamic, 256)
            for (Eigen::Index s = 0; s < A.outer_size; ++s) {
                V x[N] = {}, y[N] = {};
                std::memcpy(x, X.col(s), static_cast<std::size_t>(k) * sizeof(T));
                const I b = A.outer[s], e = A.outer[s + 1];
                if constexpr (Value) kept.resize(static_cast<Eigen::Index>(e - b));
                I p = b;
                if constexpr (is_float && NMFKIT_ISA_TARGET > 0)
                    for (; p + W <= e; p += W) {
                        // W = 8 entries: their dot products reduced together (sum_lanes8, each
                        // in sum_halves' order), one vector division for their weights, then
                        // the columns, now in L1, multiplied into the sums in entry order.
                        V t[W];
                        for (int u = 0; u < W; ++u) {
                            if (p + u + prefetch_distance < e)
                                __builtin_prefetch(F.col(
                                    static_cast<Eigen::Index>(A.inner[p + u + prefetch_distance])));
                            const T* f = F.col(static_cast<Eigen::Index>(A.inner[p + u]));
                            t[u] = V{};
                            for (int c = 0; c < N; ++c) {
                                V g;
                                load_vector(g, f + c * W);
                                t[u] += x[c] * g;
                            }
                        }
                        V wh, v, w;
                        sum_lanes8(t, wh);
                        load_vector(v, A.values + p);
                        loss.weight_lanes(v, wh, w);
                        if constexpr (Value) std::memcpy(kept.data() + (p - b), &wh, sizeof wh);
                        for (int u = 0; u < W; ++u) {
                            const T* f = F.col(static_cast<Eigen::Index>(A.inner[p + u]));
                            for (int c = 0; c < N; ++c) {
                                V g;
                                load_vector(g, f + c * W);
                                y[c] += w[u] * g;
                            }
                        }
                    }
                for (; p < e; ++p) {
                    if (p + prefetch_distance < e)
                        __builtin_prefetch(
                            F.col(static_cast<Eigen::Index>(A.inner[p + prefetch_distance])));
                    const T* f = F.col(static_cast<Eigen::Index>(A.inner[p]));
                    V g[N];
                    for (int c = 0; c < N; ++c) load_vector(g[c], f + c * W);
                    V t;
                    if constexpr (is_float) {
                        t = V{};  // as dot_lanes: every term a multiply-add
                        for (int c = 0; c < N; ++c) t += x[c] * g[c];
                    } else {
                        t = x[0] * g[0];
                        for (int c = 1; c < N; ++c) t += x[c] * g[c];
                    }
                    const T wh = sum_halves(t);
                    const T v = loss.weight(A.values[p], wh);
                    if constexpr (Value) kept[static_cast<Eigen::Index>(p - b)] = is_float ? wh : v;
                    for (int c = 0; c < N; ++c) y[c] += v * g[c];
                }
                if constexpr (Value) {
                    if constexpr (is_float)
                        acc[s] = loss.weights(A.values + b, kept.data(), e - b, true);
                    else
                        acc[s] = loss.terms_of_weights(A.values + b, kept.data(), e - b);
                }
                T sums[max_lanes];  // N·W ≤ max_lanes, a multiple of W
                std::memcpy(sums, y, sizeof y);
                for (Eigen::Index l = 0; l < k; ++l) out[l * A.outer_size + s] = sums[l];
            }
        }
    };
    with_count<max_lanes / W>(static_cast<int>((k + W - 1) / W), [&](auto pieces) {
        constexpr int N = decltype(pieces)::value;
        if (value)
            run.template operator()<true, N>();
        else
            run.template operator()<false, N>();
    });
    return sum_in_order(acc.data(), A.outer_size);
}

/// Sampled scatter: out(:, inner[p]) += policy.weight(values[p], wh_p) · F(:, s), with
/// wh_p = ⟨F(:, s), X(:, inner[p])⟩: the update of the factor indexed by the inner dimension,
/// from the same storage. F is k x outer_size, X (being updated) is k x inner_size, out is
/// k x inner_size. With `value`, also returns Σ_p policy.term(values[p], wh_p).
template <class T, class I, SampledLoss<T> Policy>
double sampled_scatter(const Compressed<T, I>& A, const ColumnsView<T>& F, const ColumnsView<T>& X,
                       const Policy& policy, T* out, bool value) {
    return scatter_with(A, F, out, [&](auto lanes, Eigen::Index s, double& acc) {
        constexpr int L = decltype(lanes)::value;
        const T* weight = slice_weights(A, s, Lanes<L, T>(F.col(s), F.k()), X, policy, value, acc);
        return [weight, b = A.outer[s]](I p) { return weight[p - b]; };
    });
}

/// Σ_p v_p · ⟨X(:, s), F(:, inner[p])⟩ over the stored entries, in double, one partial per
/// slice summed in order. X is k x outer_size, F is k x inner_size. The factors' type Tf may be
/// wider than the values' (double factors for float V: the float objective's exact anchor,
/// data/sparse.hpp residual_squared_norm).
template <class T, class I, class Tf>
double sampled_cross(const Compressed<T, I>& A, const ColumnsView<Tf>& X,
                     const ColumnsView<Tf>& F) {
    const Eigen::Index k = F.k();
    Buffer<double> c(A.outer_size);
    with_lanes<Tf>(k, [&](auto lanes) {
        constexpr int L = decltype(lanes)::value;
#pragma omp parallel for schedule(dynamic, 256) if (worth_parallel(stored_entries(A) * k))
        for (Eigen::Index s = 0; s < A.outer_size; ++s) {
            const Lanes<L, Tf> x(X.col(s), k);
            double cs = 0;
            for (I p = A.outer[s]; p < A.outer[s + 1]; ++p)
                cs += static_cast<double>(A.values[p]) *
                      static_cast<double>(
                          dot_lanes<L>(x.data(), F.col(static_cast<Eigen::Index>(A.inner[p])), k));
            c[s] = cs;
        }
    });
    return sum_in_order(c.data(), A.outer_size);
}

}  // namespace nmfkit::detail::NMFKIT_ISA_NAMESPACE
