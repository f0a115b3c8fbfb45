// The adapters against the named concepts of src/data/concepts.hpp and src/linalg/reduce.hpp, at
// compile time (a failing check stops the build), and the concepts' rejection of look-alikes.
// tests/compile_fail/ holds the check that a misspelt axis-3 member is a compile error.

#include <gtest/gtest.h>

#include <cstdint>

#include "data/concepts.hpp"
#include "data/dense.hpp"
#include "data/held_out.hpp"
#include "data/observed.hpp"
#include "data/sparse.hpp"
#include "data/transposed.hpp"
#include "loss/kl.hpp"

namespace {

using nmfkit::Matrix;
using namespace nmfkit::detail;

template <class D>
constexpr bool entrywise_kl_adapter =
    DataMatrix<D>&& EntrywiseData<D>&& SampledData<D, KullbackLeibler<typename D::Scalar>> &&
    !D::distributed;

static_assert(entrywise_kl_adapter<DenseData<float>>);
static_assert(entrywise_kl_adapter<DenseData<double>>);
static_assert(entrywise_kl_adapter<SparseData<float, int>>);
static_assert(entrywise_kl_adapter<SparseData<double, std::int64_t>>);
static_assert(entrywise_kl_adapter<ObservedData<double>>);
static_assert(entrywise_kl_adapter<Transposed<DenseData<float>>>);
static_assert(entrywise_kl_adapter<Transposed<SparseData<double, int>>>);
static_assert(entrywise_kl_adapter<Transposed<ObservedData<float>>>);
static_assert(entrywise_kl_adapter<Transposed<Transposed<DenseData<double>>>>);
// Held-out entries: products and the residual only (its steps are Frobenius).
static_assert(DataMatrix<HeldOutData<DenseData<double>>> &&
              DataMatrix<HeldOutData<SparseData<float, int>>>);
static_assert(DataMatrix<Transposed<HeldOutData<DenseData<double>>>>);
static_assert(!EntrywiseData<HeldOutData<DenseData<double>>>);
static_assert(!spread_over_processes<DenseData<double>> &&
              !spread_over_processes<Transposed<SparseData<double, int>>>);

// A stand-in for DistributedData (src/mpi/distributed.hpp, checked there with MPI): a distributed
// DataMatrix is a Reducer, and Transposed passes both on.
struct Reducing {
    using Scalar = double;
    using BlockIndex = Eigen::Index;
    static constexpr bool distributed = true;
    Eigen::Index rows() const { return 2; }
    Eigen::Index cols() const { return 3; }
    double squared_norm() const { return 0; }
    double sum() const { return 0; }
    Eigen::Index nonzero_count() const { return 0; }
    double product_flops(Eigen::Index) const { return 0; }
    void times(const Matrix<double>&, Matrix<double>&) const {}
    void transpose_times(const Matrix<double>&, Matrix<double>&) const {}
    double residual_squared_norm(const Matrix<double>&, const Matrix<double>&) const { return 0; }
    double all_sum(double x) const { return 2 * x; }
    template <class S>
    void all_sum(S*, Eigen::Index) const {}
    double all_max(double x) const { return x; }
    template <class S>
    void make_same(S*, Eigen::Index) const {}
    int agree(int code) const { return code; }
    void gram(const Matrix<double>&, Matrix<double>&) const {}
    Eigen::Index local_rows() const { return 1; }
    Eigen::Index local_cols() const { return 1; }
    std::uint64_t first_row() const { return 1; }
    std::uint64_t first_col() const { return 0; }
};
static_assert(Reducer<Reducing> && DataMatrix<Reducing> && spread_over_processes<Reducing>);
static_assert(Reducer<Transposed<Reducing>> && DataMatrix<Transposed<Reducing>> &&
              spread_over_processes<Transposed<Reducing>>);

// Look-alikes the concepts reject.
struct MisspeltReducer : Reducing {  // all_sum(double) hidden by a misspelt one
    double all_sum(float*, Eigen::Index) const;
    double all_summ(double x) const { return x; }
};
static_assert(!Reducer<MisspeltReducer> && !DataMatrix<MisspeltReducer>);
struct Unstated {  // no `distributed`: not an adapter, though every other member is there
    using Scalar = double;
    Eigen::Index rows() const { return 2; }
    Eigen::Index cols() const { return 3; }
    double squared_norm() const { return 0; }
    double sum() const { return 0; }
    Eigen::Index nonzero_count() const { return 0; }
    double product_flops(Eigen::Index) const { return 0; }
    void times(const Matrix<double>&, Matrix<double>&) const {}
    void transpose_times(const Matrix<double>&, Matrix<double>&) const {}
    double residual_squared_norm(const Matrix<double>&, const Matrix<double>&) const { return 0; }
};
static_assert(!DataMatrix<Unstated>);
struct NoTerms {  // a policy without its value
    [[maybe_unused]] static constexpr bool adds_sum_of_product = false;
    double weight(double v, double) const { return v; }
    void weights(const double*, double*, Eigen::Index) const {}
};
static_assert(!SampledLoss<NoTerms, double> && !SampledData<DenseData<double>, NoTerms>);
static_assert(!SampledLoss<KullbackLeibler<float>, double>);  // the policy's scalar is the data's

// The helpers take the distributed path exactly when the flag says so.
TEST(Concepts, ReductionHelpersFollowTheDistributedFlag) {
    const Reducing distributed;
    EXPECT_EQ(all_sum(distributed, 1.5), 3.0);
    EXPECT_EQ(all_sum(Transposed<Reducing>(distributed), 1.5), 3.0);
    EXPECT_EQ(first_row(distributed), 1u);
    EXPECT_EQ(first_col(Transposed<Reducing>(distributed)), 1u);  // swapped
    const Matrix<double> A = Matrix<double>::Ones(2, 3);
    const DenseData<double> serial(A.data(), 2, 3, 2);
    EXPECT_EQ(all_sum(serial, 1.5), 1.5);
    EXPECT_EQ(local_rows(serial), 2);
}

}  // namespace
