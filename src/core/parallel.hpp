#pragma once
// When a loop is worth an OpenMP team: below this many scalar operations the fork/join costs
// more than it saves (and spinning threads hurt on a loaded 2-core machine).

#include <Eigen/Core>

namespace nmfkit::detail {

/// True when a loop of `work` scalar operations should run in parallel.
inline bool worth_parallel(Eigen::Index work) { return work >= (Eigen::Index{1} << 15); }

}  // namespace nmfkit::detail
