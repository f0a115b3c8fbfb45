#pragma once
// Tests parametrized by the (solver, loss) pair: one ctest case per pair, so that `ctest -j` runs
// the pairs of a long test side by side and a failure names its pair.

#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "helpers.hpp"

namespace nmfkit::test {

struct Pair {
    Solver solver;
    Loss loss;
};

/// How gtest prints the parameter (and ctest shows it after the name): solver/loss.
inline void PrintTo(const Pair& p, std::ostream* os) { *os << label(p.solver, p.loss); }

/// The case's name in gtest (and ctest): solver_loss, e.g. hals_frobenius.
inline std::string pair_name(const ::testing::TestParamInfo<Pair>& info) {
    return std::string(to_string(info.param.solver)) + "_" +
           std::string(to_string(info.param.loss));
}

/// The pairs of `pairs` (supported_pairs(), pairs_accepting_zeros()) whose solver is not `excluded`.
inline std::vector<Pair> pair_params(const std::vector<std::pair<Solver, Loss>>& pairs,
                                     std::optional<Solver> excluded = std::nullopt) {
    std::vector<Pair> out;
    for (auto [s, l] : pairs)
        if (s != excluded) out.push_back({s, l});
    return out;
}

}  // namespace nmfkit::test
