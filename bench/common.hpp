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

/// Best of a few runs of a 512 MB sum (bandwidth) and a 1500³ GEMM in T (peak).
/// The sum keeps 8 independent 32-byte partial sums per thread: a plain `s += x[i]` loop is one
/// chain of dependent additions (not vectorized without -ffast-math) and measured the adder's
/// latency, 25 GB/s here, where the memory streams 48-52 GB/s (64-byte partial sums: 42-44).
template <class T>
MachineLimits probe(int threads) {
    omp_set_num_threads(threads);
    MachineLimits lim;
    typedef double Piece __attribute__((vector_size(32)));
    constexpr std::size_t lanes = sizeof(Piece) / sizeof(double), chains = 8;
    const std::size_t words = std::size_t{64} << 20;  // 512 MB of doubles
    std::vector<double> big(words, 1.0);
    double best = 1e300, sink = 0;
    for (int rep = 0; rep < 5; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        double s = 0;
#pragma omp parallel reduction(+ : s)
        {
            Piece part[chains] = {};
#pragma omp for schedule(static)
            for (std::size_t b = 0; b < words / (lanes * chains); ++b)
                for (std::size_t u = 0; u < chains; ++u) {
                    Piece x;
                    std::memcpy(&x, &big[(b * chains + u) * lanes], sizeof x);
                    part[u] += x;
                }
            for (const Piece& p : part)
                for (std::size_t l = 0; l < lanes; ++l) s += p[l];
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

/// Seconds (best of 5, `threads` threads) to read what one sparse product must fetch besides V:
/// for every stored entry, in storage order, the k-vector of the factor it multiplies (a table of
/// `rows` k-vectors stored contiguously, as the kernels keep a factor; k ≤ 16 pieces of 32 bytes). Slice s holds entries
/// [outer[s], outer[s+1]) with table rows inner[p]. The reads are summed in 32-byte pieces
/// (two sets of partial sums, so that no chain of dependent additions sets the pace) with the
/// kernels' prefetch 8 entries ahead, and nothing else is computed: the product's memory traffic
/// without its arithmetic. For a factor larger than L2 the rows come from L3 at random, 160 bytes
/// per entry at k = 20 in float64 against V's 12, which the flops-and-bytes bound does not count.
template <class T, class I>
double factor_read_seconds(const I* outer, const I* inner, Eigen::Index slices, Eigen::Index rows,
                           int k, int threads) {
    typedef T Piece __attribute__((vector_size(32)));
    constexpr int lanes = static_cast<int>(sizeof(Piece) / sizeof(T));
    std::vector<T> table(static_cast<std::size_t>(rows) * k + 64, T(1));
    double best = 1e300, sink = 0;
    // P pieces per row, known at compile time so that the partial sums stay in registers.
    auto read_all = [&]<int P>(std::integral_constant<int, P>) {
        double s = 0;
#pragma omp parallel for schedule(dynamic, 256) num_threads(threads) reduction(+ : s)
        for (Eigen::Index j = 0; j < slices; ++j) {
            Piece a[P] = {}, b[P] = {};
            const I end = outer[j + 1];
            I p = outer[j];
            auto add = [&](Piece* acc, I q) {
                const T* f = &table[static_cast<std::size_t>(inner[q]) * k];
                for (int c = 0; c < P; ++c) {
                    Piece x;
                    std::memcpy(&x, f + c * lanes, sizeof x);
                    acc[c] += x;
                }
            };
            for (; p + 1 < end; p += 2) {
                if (p + 9 < end) {
                    __builtin_prefetch(&table[static_cast<std::size_t>(inner[p + 8]) * k]);
                    __builtin_prefetch(&table[static_cast<std::size_t>(inner[p + 9]) * k]);
                }
                add(a, p);
                add(b, p + 1);
            }
            if (p < end) add(a, p);
            for (int c = 0; c < P; ++c)
                for (int l = 0; l < lanes; ++l) s += static_cast<double>(a[c][l] + b[c][l]);
        }
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
