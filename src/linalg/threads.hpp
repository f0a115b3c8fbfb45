#pragma once
// Per-call thread count without global state.

#include <omp.h>

namespace nmfkit::detail {

/// Sets the calling thread's OpenMP thread count (which our loops and the OpenMP build of
/// OpenBLAS both follow) for the lifetime of the scope, and restores the previous value.
/// NOTE: omp_set_num_threads changes only the calling thread's ICV, so concurrent fits on other
/// threads keep their own counts.
class ThreadScope {
public:
    explicit ThreadScope(int threads) : previous_(omp_get_max_threads()) {
        threads_ = threads > 0 ? threads : omp_get_num_procs();
        omp_set_num_threads(threads_);
    }
    ~ThreadScope() { omp_set_num_threads(previous_); }
    ThreadScope(const ThreadScope&) = delete;
    ThreadScope& operator=(const ThreadScope&) = delete;
    int threads() const { return threads_; }

private:
    int previous_;
    int threads_ = 1;
};

}  // namespace nmfkit::detail
