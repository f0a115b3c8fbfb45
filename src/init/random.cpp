#include "init/random.hpp"

#include "linalg/parallel.hpp"

namespace nmfkit::detail {
namespace {

// SplitMix64 finalizer (Steele, Lea & Flood, OOPSLA 2014): a bijective 64-bit mixer.
constexpr std::uint64_t mix(std::uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

}  // namespace

double uniform_open01(std::uint64_t seed, Stream stream, std::uint64_t row, std::uint64_t col) {
    std::uint64_t z = mix(seed);
    z = mix(z ^ static_cast<std::uint64_t>(stream));
    z = mix(z ^ row);
    z = mix(z ^ (col * 0x632be59bd9b4e019ULL));
    // 53 random bits, shifted by half a step so that neither 0 nor 1 occurs.
    return (static_cast<double>(z >> 11) + 0.5) * 0x1.0p-53;
}

template <class T>
void random_factor(Matrix<T>& X, std::uint64_t seed, Stream stream, double scale,
                   std::uint64_t row0) {
    const Eigen::Index rows = X.rows(), k = X.cols();
#pragma omp parallel for schedule(static) if (worth_parallel(rows * k * 16))
    for (Eigen::Index i = 0; i < rows; ++i)
        for (Eigen::Index l = 0; l < k; ++l)
            X(i, l) = static_cast<T>(scale * uniform_open01(seed, stream,
                                                            row0 + static_cast<std::uint64_t>(i),
                                                            static_cast<std::uint64_t>(l)));
}

template void random_factor(Matrix<float>&, std::uint64_t, Stream, double, std::uint64_t);
template void random_factor(Matrix<double>&, std::uint64_t, Stream, double, std::uint64_t);

}  // namespace nmfkit::detail
