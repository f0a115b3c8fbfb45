#pragma once
// The OpenMP wait policy of the nmfkit executables. libgomp reads OMP_WAIT_POLICY and
// GOMP_SPINCOUNT once, when the library is loaded (before main), so the executables set the
// passive policy in their environment and re-execute themselves once (docs/design.md, "Wait
// policy").

#include <string>

namespace nmfkit::cli {

/// The policy set when the user has set neither variable: a thread that waits at a barrier sleeps
/// at once (libgomp's default spins 300000 times first). docs/benchmarks.md, "A busy machine",
/// has the measurements behind the choice (against bounded spin counts, idle and busy).
inline constexpr const char* default_wait_policy = "passive";

/// The marker the re-executed process finds in its environment (so it re-executes only once).
inline constexpr const char* reexec_marker = "NMFKIT_OMP_ENV";

/// Call first in main(): when neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT is set (and the marker is
/// not), sets OMP_WAIT_POLICY=default_wait_policy and the marker and replaces the process by
/// /proc/self/exe with the same argv. Returns only when nothing needed doing or the exec failed
/// (the environment is then restored and the run goes on with libgomp's defaults).
void apply_omp_wait_policy(char** argv);

/// The wait policy in effect, for `nmfkit info`: e.g. "OMP_WAIT_POLICY=passive (set by nmfkit)" or
/// "OMP_WAIT_POLICY=passive (from the environment)".
std::string omp_wait_policy_description();

}  // namespace nmfkit::cli
