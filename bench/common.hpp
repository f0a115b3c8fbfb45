#pragma once
// Shared by the benchmark programs: "--name value" argument parsing, and the machine-limit probe: measured streaming read bandwidth and BLAS GEMM peak, and from them a
// lower bound on one NMF iteration: it must read V at least twice (A·Ht and Aᵀ·W) and do at
// least 4·nnz·k flops (2·nnz·k per product; nnz = m·n for dense V).

#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace nmfkit::bench {

/// Applies "--name value" pairs to the setters in @p flags; exits with 2 on an unknown name.
inline void parse_flags(int argc, char** argv,
                        const std::map<std::string, std::function<void(const char*)>>& flags) {
    for (int i = 1; i + 1 < argc; i += 2) {
        const auto it = flags.find(argv[i]);
        if (it == flags.end()) {
            std::fprintf(stderr, "unknown option %s\n", argv[i]);
            std::exit(2);
        }
        it->second(argv[i + 1]);
    }
    if (argc % 2 == 0) {
        std::fprintf(stderr, "option %s needs a value\n", argv[argc - 1]);
        std::exit(2);
    }
}

/// Which precisions a --scalar value asks for: float64 (or double), float32 (or float), or both;
/// exits with 2, naming the value, on anything else (a misspelt value ran nothing, silently).
struct Scalars {
    bool float64 = false, float32 = false;
};
inline Scalars parse_scalars(const std::string& value) {
    if (value == "float64" || value == "double") return {true, false};
    if (value == "float32" || value == "float") return {false, true};
    if (value == "both") return {true, true};
    std::fprintf(stderr, "--scalar %s: expected float64 (double), float32 (float) or both\n",
                 value.c_str());
    std::exit(2);
}

struct MachineLimits {
    double read_bytes_per_s = 0;  ///< streaming read bandwidth with the given threads
    double flops_per_s = 0;       ///< BLAS GEMM rate for the scalar type, given threads

    /// Lower bound on one iteration's seconds: max(2·bytes(V) / bandwidth, 4·nnz·k / peak).
    double iteration_bound(double bytes_of_V, double nnz, int k) const {
        return std::max(2.0 * bytes_of_V / read_bytes_per_s, 4.0 * nnz * k / flops_per_s);
    }
};

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// The instruction set the probes read with on this CPU: the widest it has, whatever the
/// benchmark program was compiled for and whatever NMFKIT_ISA says (they measure the machine).
/// Compiled for baseline x86-64, the factor reads of k = 20 float64 rows spilled out of SSE2's 16
/// registers and read at half the speed of the same loop built -march=native (2.2x on a Zen 4).
inline const char* probe_isa() {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) return "avx512";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "avx2";
    return "baseline";
}

/// Σ x over the blocks [b0, b1) of 8 pieces of 32 bytes, in 8 independent partial sums.
inline double stream_sum(const double* x, std::size_t b0, std::size_t b1) {
    typedef double Piece __attribute__((vector_size(32)));
    constexpr std::size_t lanes = sizeof(Piece) / sizeof(double), chains = 8;
    Piece part[chains] = {};
    for (std::size_t b = b0; b < b1; ++b)
        for (std::size_t u = 0; u < chains; ++u) {
            Piece v;
            std::memcpy(&v, x + (b * chains + u) * lanes, sizeof v);
            part[u] += v;
        }
    double s = 0;
    for (const Piece& p : part)
        for (std::size_t l = 0; l < lanes; ++l) s += p[l];
    return s;
}
// stream_sum and read_slices (below) compiled for wider vectors (flatten: the plain function is
// inlined into each and generated for its target), chosen by probe_isa().
[[gnu::target("avx2,fma"), gnu::flatten]] inline double stream_sum_avx2(const double* x,
                                                                        std::size_t b0,
                                                                        std::size_t b1) {
    return stream_sum(x, b0, b1);
}
[[gnu::target("avx512f,avx512vl,avx2,fma"), gnu::flatten]] inline double stream_sum_avx512(
    const double* x, std::size_t b0, std::size_t b1) {
    return stream_sum(x, b0, b1);
}

/// Best of a few runs of a 512 MB sum (bandwidth) and a 1500³ GEMM in T (peak).
/// The sum keeps 8 independent 32-byte partial sums per thread: a plain `s += x[i]` loop is one
/// chain of dependent additions (not vectorized without -ffast-math) and measured the adder's
/// latency, 25 GB/s here, where the memory streams 48-52 GB/s (64-byte partial sums: 42-44).
template <class T>
MachineLimits probe(int threads) {
    omp_set_num_threads(threads);
    MachineLimits lim;
    const std::size_t words = std::size_t{64} << 20;  // 512 MB of doubles
    const std::size_t blocks = words / 32;            // of 8 pieces of 32 bytes
    std::vector<double> big(words, 1.0);
    const std::string isa = probe_isa();
    auto* sum = isa == "avx512" ? &stream_sum_avx512
                : isa == "avx2" ? &stream_sum_avx2
                                : &stream_sum;
    double best = 1e300, sink = 0;
    for (int rep = 0; rep < 5; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        double s = 0;
#pragma omp parallel reduction(+ : s)
        {
            const auto t = static_cast<std::size_t>(omp_get_thread_num());
            const auto n = static_cast<std::size_t>(omp_get_num_threads());
            s += sum(big.data(), blocks * t / n, blocks * (t + 1) / n);
        }
        best = std::min(best, seconds_since(t0));
        sink += s;
    }
    lim.read_bytes_per_s = static_cast<double>(words * sizeof(double)) / best;

    const Eigen::Index d = 1500;
    const Eigen::Matrix<T, -1, -1> A = Eigen::Matrix<T, -1, -1>::Random(d, d);
    const Eigen::Matrix<T, -1, -1> B = Eigen::Matrix<T, -1, -1>::Random(d, d);
    Eigen::Matrix<T, -1, -1> C(d, d);
    best = 1e300;
    for (int rep = 0; rep < 3; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        C.noalias() = A * B;
        best = std::min(best, seconds_since(t0));
    }
    lim.flops_per_s = 2.0 * static_cast<double>(d) * d * d / best;
    if (sink + static_cast<double>(C(0, 0)) == 42.4242) std::printf(" ");  // keep the work
    return lim;
}

/// The reads of slices [j0, j1) for factor_read_seconds: each stored entry's factor row (P pieces
/// of 32 bytes) summed into registers, with the kernels' prefetch 8 entries ahead. Two sets of
/// partial sums while P ≤ 4 (so that no chain of dependent additions sets the pace), one above
/// (P independent chains already; a second set would not fit in 16 registers and spill).
template <class T, class I, int P>
inline double read_slices(const I* outer, const I* inner, const T* table, int k, Eigen::Index j0,
                          Eigen::Index j1) {
    typedef T Piece __attribute__((vector_size(32)));
    constexpr int lanes = static_cast<int>(sizeof(Piece) / sizeof(T)), sets = P <= 4 ? 2 : 1;
    double s = 0;
    for (Eigen::Index j = j0; j < j1; ++j) {
        Piece acc[sets][P] = {};
        const I end = outer[j + 1];
        I p = outer[j];
        for (; p + sets <= end; p += sets)
            for (int u = 0; u < sets; ++u) {
                if (p + 8 + u < end)
                    __builtin_prefetch(table + static_cast<std::size_t>(inner[p + 8 + u]) * k);
                const T* f = table + static_cast<std::size_t>(inner[p + u]) * k;
                for (int c = 0; c < P; ++c) {
                    Piece x;
                    std::memcpy(&x, f + c * lanes, sizeof x);
                    acc[u][c] += x;
                }
            }
        for (; p < end; ++p) {
            const T* f = table + static_cast<std::size_t>(inner[p]) * k;
            for (int c = 0; c < P; ++c) {
                Piece x;
                std::memcpy(&x, f + c * lanes, sizeof x);
                acc[0][c] += x;
            }
        }
        for (int u = 0; u < sets; ++u)
            for (int c = 0; c < P; ++c)
                for (int l = 0; l < lanes; ++l) s += static_cast<double>(acc[u][c][l]);
    }
    return s;
}
template <class T, class I, int P>
[[gnu::target("avx2,fma"), gnu::flatten]] double read_slices_avx2(const I* outer, const I* inner,
                                                                  const T* table, int k,
                                                                  Eigen::Index j0,
                                                                  Eigen::Index j1) {
    return read_slices<T, I, P>(outer, inner, table, k, j0, j1);
}
template <class T, class I, int P>
[[gnu::target("avx512f,avx512vl,avx2,fma"), gnu::flatten]] double read_slices_avx512(
    const I* outer, const I* inner, const T* table, int k, Eigen::Index j0, Eigen::Index j1) {
    return read_slices<T, I, P>(outer, inner, table, k, j0, j1);
}

/// Seconds (best of 5, `threads` threads) to read what one sparse product must fetch besides V:
/// for every stored entry, in storage order, the k-vector of the factor it multiplies (a table of
/// `rows` k-vectors stored contiguously, as the kernels keep a factor; k ≤ 16 pieces of 32 bytes).
/// Slice s holds entries [outer[s], outer[s+1]) with table rows inner[p]. The reads are summed
/// (read_slices, on probe_isa's target) and nothing else is computed: the product's memory
/// traffic without its arithmetic. For a factor larger than L2 the rows come from L3 at random,
/// 160 bytes per entry at k = 20 in float64 against V's 12, which the flops-and-bytes bound does
/// not count.
template <class T, class I>
double factor_read_seconds(const I* outer, const I* inner, Eigen::Index slices, Eigen::Index rows,
                           int k, int threads) {
    constexpr int lanes = static_cast<int>(32 / sizeof(T));
    std::vector<T> table(static_cast<std::size_t>(rows) * k + 64, T(1));
    const std::string isa = probe_isa();
    double best = 1e300, sink = 0;
    // P pieces per row, known at compile time so that the partial sums stay in registers.
    auto read_all = [&]<int P>(std::integral_constant<int, P>) {
        auto* read = isa == "avx512" ? &read_slices_avx512<T, I, P>
                     : isa == "avx2" ? &read_slices_avx2<T, I, P>
                                     : &read_slices<T, I, P>;
        constexpr Eigen::Index chunk = 256;
        const Eigen::Index chunks = (slices + chunk - 1) / chunk;
        double s = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) reduction(+ : s)
        for (Eigen::Index c = 0; c < chunks; ++c)
            s += read(outer, inner, table.data(), k, c * chunk, std::min(slices, (c + 1) * chunk));
        return s;
    };
    const int pieces = (k + lanes - 1) / lanes;
    for (int rep = 0; rep < 5; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        double s = 0;
        [&]<int... J>(std::integer_sequence<int, J...>) {
            ((pieces == J + 1 ? (s = read_all(std::integral_constant<int, J + 1>{}), true)
                              : false) ||
             ...);
        }
        (std::make_integer_sequence<int, 16>{});
        best = std::min(best, seconds_since(t0));
        sink += s;
    }
    if (sink == 42.4242) std::printf(" ");  // keep the work
    return best;
}

}  // namespace nmfkit::bench
