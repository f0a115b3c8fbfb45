// The OpenMP wait policy of the nmfkit executables (omp_env.hpp).

#include "omp_env.hpp"

#include <unistd.h>

#include <cstdlib>

namespace nmfkit::cli {

namespace {

bool is_set(const char* name) { return std::getenv(name) != nullptr; }

}  // namespace

void apply_omp_wait_policy(char** argv) {
    // A value the user set wins; the marker means this process is the re-executed one (or an
    // earlier exec failed in a parent), so never loop.
    if (is_set("OMP_WAIT_POLICY") || is_set("GOMP_SPINCOUNT") || is_set(reexec_marker)) return;
    if (argv == nullptr || argv[0] == nullptr) return;
    if (setenv("OMP_WAIT_POLICY", default_wait_policy, 1) != 0 ||
        setenv(reexec_marker, "1", 1) != 0)
        return;
    execv("/proc/self/exe", argv);
    // Only reached when the exec failed (no /proc, say): this process keeps libgomp's defaults,
    // so take the variables back out rather than report a policy that is not in effect.
    unsetenv("OMP_WAIT_POLICY");
    unsetenv(reexec_marker);
}

std::string omp_wait_policy_description() {
    // libgomp read these at load time; nmfkit changes them only right before an exec, so what the
    // environment holds now is what libgomp uses.
    const char* policy = std::getenv("OMP_WAIT_POLICY");
    const char* spin = std::getenv("GOMP_SPINCOUNT");
    if (policy == nullptr && spin == nullptr)
        return "libgomp default (OMP_WAIT_POLICY and GOMP_SPINCOUNT unset)";
    std::string text;
    if (policy != nullptr) text = std::string("OMP_WAIT_POLICY=") + policy;
    if (spin != nullptr) text += (text.empty() ? "" : ", ") + std::string("GOMP_SPINCOUNT=") + spin;
    const bool ours = is_set(reexec_marker) && spin == nullptr && policy != nullptr &&
                      std::string(policy) == default_wait_policy;
    return text + (ours ? " (set by nmfkit)" : " (from the environment)");
}

}  // namespace nmfkit::cli
