#pragma once
// The Frobenius objective from Gram matrices and the cross product, never forming WH.

#include <algorithm>

#include "core/gram.hpp"

namespace nmfkit::detail {

/// ‖A − W Htᵀ‖²_F = ‖A‖² − 2⟨AᵀW, Ht⟩ + ⟨WᵀW, HtᵀHt⟩, in double, clamped at 0 against rounding.
/// AtW is n x k (Aᵀ W for the current W), Ht is n x k, WtW and HtH are k x k. Cost O(nk + k²).
template <class T>
double rss_from_grams(double normA2, const Matrix<T>& AtW, const Matrix<T>& Ht,
                      const Matrix<T>& WtW, const Matrix<T>& HtH) {
    return std::max(0.0, normA2 - 2.0 * dot(AtW, Ht) + dot(WtW, HtH));
}

}  // namespace nmfkit::detail
