#pragma once
// Random initialization from a counter-based generator: entry (row, col) of a factor depends only
// on (seed, stream, row, col), so the start never depends on thread or process count.

#include <cstdint>

#include <nmfkit/result.hpp>

namespace nmfkit::detail {

/// Which factor a stream of random numbers belongs to; `sketch` is the Gaussian test matrix of the
/// randomized SVD behind NNDSVD (src/init/svd.hpp), kept apart from the fills of W and Ht.
enum class Stream : std::uint64_t { w = 1, h = 2, sketch = 3 };

/// A uniform number in the open interval (0, 1) for (seed, stream, row, col).
double uniform_open01(std::uint64_t seed, Stream stream, std::uint64_t row, std::uint64_t col);

/// X (rows x k) with X(i, l) = scale · u(seed, stream, row0 + i, l): tall factors, keyed by their
/// global row, which is a row of V for W and a column of V for Ht (a process that owns rows
/// row0, row0 + 1, ... of a factor draws exactly the serial run's values for them).
template <class T>
void random_factor(Matrix<T>& X, std::uint64_t seed, Stream stream, double scale,
                   std::uint64_t row0 = 0);

}  // namespace nmfkit::detail
