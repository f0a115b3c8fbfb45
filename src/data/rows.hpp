#pragma once
// Row-block access to an adapter: the stored entries of consecutive rows in compressed-row form.
// Solvers that work row by row on the entries of A (KL coordinate descent, β-divergence updates)
// read A through this, so they do not know dense from sparse or which orientation is stored.

#include <vector>

#include <nmfkit/result.hpp>

namespace nmfkit::detail {

/// The entries of rows [r0, r0 + rows) of A: row r0 + t holds (index[p], values[p]) for p in
/// [ptr[t], ptr[t + 1]), column indices increasing. Not owned; ptr[0] need not be 0.
template <class T, class I>
struct RowBlock {
    using Index = I;
    Eigen::Index r0 = 0;
    Eigen::Index rows = 0;
    const I* ptr = nullptr;
    const I* index = nullptr;
    const T* values = nullptr;
};

/// Storage for a RowBlock that an adapter has to gather (dense A: its non-zero entries).
template <class T>
struct RowScratch {
    std::vector<Eigen::Index> ptr, index;
    std::vector<T> values;
};

}  // namespace nmfkit::detail
