#pragma once
// The Frobenius objective from Gram matrices and the cross product, never forming WH.

#include <algorithm>

#include "linalg/gram.hpp"

namespace nmfkit::detail {

/// ‖A − W Htᵀ‖²_F = ‖A‖² − 2⟨AᵀW, Ht⟩ + ⟨WᵀW, HtᵀHt⟩, in double, clamped at 0 against rounding.
/// cross = ⟨AᵀW, Ht⟩ (AtW and Ht are n x k: cost O(nk); a distributed fit sums it over the
/// processes), WtW and HtH are k x k.
template <class T>
double rss_from_grams(double normA2, double cross, const Matrix<T>& WtW, const Matrix<T>& HtH) {
    return std::max(0.0, normA2 - 2.0 * cross + dot(WtW, HtH));
}

}  // namespace nmfkit::detail
