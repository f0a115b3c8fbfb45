// Compiled by the tests concepts.* (tests/CMakeLists.txt), not linked: an adapter that says it is
// distributed but misspells an axis-3 member must not compile (before, the reduction helpers
// probed each member and would have run it serially). With -DNMFKIT_SPELT_RIGHT the same adapter,
// spelt right, must compile: the control that the failure is the misspelling's.

#include <cstdint>

#include "linalg/reduce.hpp"

struct Adapter {
    using Scalar = double;
    static constexpr bool distributed = true;
#ifdef NMFKIT_SPELT_RIGHT
    double all_sum(double x) const { return x; }
#else
    double all_summ(double x) const { return x; }
#endif
    template <class S>
    void all_sum(S*, Eigen::Index) const {}
    double all_max(double x) const { return x; }
    template <class S>
    void make_same(S*, Eigen::Index) const {}
    int agree(int code) const { return code; }
    void gram(const nmfkit::Matrix<double>& F, nmfkit::Matrix<double>& G) const {
        G = F.transpose() * F;
    }
    Eigen::Index local_rows() const { return 1; }
    Eigen::Index local_cols() const { return 1; }
    std::uint64_t first_row() const { return 0; }
    std::uint64_t first_col() const { return 0; }
};

double total(const Adapter& a) { return nmfkit::detail::all_sum(a, 1.0); }
