#pragma once
// Small numeric helpers shared by the update rules.

#include <limits>

namespace nmfkit::detail {

/// x, or 0 when x is below the smallest normal number. NOTE: multiplicative updates drive unused
/// entries toward 0 geometrically; once subnormal, every operation on them is much slower on x86
/// (docs/benchmarks-history.md, "Measurements behind constants"), and such an entry is 0 at any
/// precision that matters.
template <class T>
inline T flush_subnormal(T x) {
    return x >= std::numeric_limits<T>::min() ? x : T(0);
}

}  // namespace nmfkit::detail
