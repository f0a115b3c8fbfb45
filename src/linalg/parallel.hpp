#pragma once
// When a loop is worth an OpenMP team, decided the same way for every parallel region: by the
// region's work, counted in multiply-adds (or comparable scalar operations), against one threshold
// (docs/design.md, "Small loops stay serial; one rule for every region").

#include <Eigen/Core>

namespace nmfkit::detail {

/// The least work, in multiply-adds, that a parallel region must hold (OpenBLAS threads a GEMM
/// from the same size, m·n·k ≥ 4 · 65536). Below it one thread runs the loop. Each region costs a
/// fork and a join; on a busy machine a team member may be descheduled or asleep and the others
/// wait for it, so a region must be worth that wait. The value was chosen on a busy machine
/// (docs/benchmarks-history.md, "A busy machine" and "Measurements behind constants").
inline constexpr Eigen::Index parallel_threshold = Eigen::Index{1} << 18;

/// True when a loop of `work` multiply-adds should run in parallel.
inline bool worth_parallel(Eigen::Index work) { return work >= parallel_threshold; }

}  // namespace nmfkit::detail
