// Memory: a 200000 x 50000 sparse matrix with 10 million non-zeros (a dense copy would take
// 80 GB) fits at k = 20 with peak resident memory within a small multiple of the sparse storage
// plus (m + n)·k. A separate executable, since peak RSS is per process; not run under ASan.

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdint>
#include <random>
#include <vector>

#include <nmfkit/nmfkit.hpp>

namespace nmfkit::test {
namespace {

double peak_rss_bytes() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_maxrss) * 1024.0;
}

TEST(Memory, TenMillionNonZerosNeverFormAnMByNArray) {
    constexpr Eigen::Index m = 200000, n = 50000, per_column = 200, k = 20;
    const double baseline = peak_rss_bytes();

    // CSC with 200 distinct rows per column: start + t·7919 mod m (7919 is prime to m).
    std::vector<int> outer(n + 1), inner(static_cast<std::size_t>(n * per_column));
    std::vector<double> values(inner.size());
    std::mt19937_64 gen(42);
    std::uniform_int_distribution<Eigen::Index> row(0, m - 1);
    std::poisson_distribution<int> count(2.0);
    for (Eigen::Index j = 0; j < n; ++j) {
        outer[static_cast<std::size_t>(j)] = static_cast<int>(j * per_column);
        const Eigen::Index start = row(gen);
        for (Eigen::Index t = 0; t < per_column; ++t) {
            const std::size_t p = static_cast<std::size_t>(j * per_column + t);
            inner[p] = static_cast<int>((start + t * 7919) % m);
            values[p] = 1.0 + count(gen);
        }
    }
    outer[n] = static_cast<int>(n * per_column);
    const SparseView<double> V(m, n, outer.data(), inner.data(), values.data());
    const double storage = static_cast<double>(values.size()) * (sizeof(double) + sizeof(int)) +
                           static_cast<double>(outer.size()) * sizeof(int);
    const double factors = static_cast<double>((m + n) * k) * sizeof(double);
    const double dense = static_cast<double>(m) * static_cast<double>(n) * sizeof(double);

    for (bool low_memory : {true, false}) {
        // The β losses other than KL visit every entry of WH (O(mnk)); Itakura-Saito refuses zeros.
        for (Loss loss : {Loss::frobenius, Loss::kullback_leibler}) {
            Options o;
            o.rank = k;
            o.loss = loss;
            // KL's default cd reads V by rows and by columns, which low_memory refuses.
            if (low_memory && loss == Loss::kullback_leibler) o.solver = Solver::mu;
            o.max_iter = 2;
            o.tol = 0;
            o.seed = 1;
            o.low_memory = low_memory;
            // The SVD start (NNDSVDa, the default) and its workspace are part of the Frobenius
            // fits' peak; the KL fits start at random, which halves the test's time.
            if (loss == Loss::kullback_leibler) o.init = Init::random;
            const Result<double> r = fit(V, o);
            EXPECT_TRUE(std::isfinite(r.relative_error));
            EXPECT_EQ(r.iterations, 2);
        }
        // The default mode adds one transposed copy of the storage; both stay far below dense.
        const double used = peak_rss_bytes() - baseline;
        const double bound = (low_memory ? 1.1 : 2.1) * storage + 8 * factors;
        EXPECT_LT(used, bound) << (low_memory ? "low_memory" : "default") << ": peak " << used / 1e6
                               << " MB, storage " << storage / 1e6 << " MB, factors "
                               << factors / 1e6 << " MB";
        EXPECT_LT(used, dense / 50);
        std::printf("%s: peak %.0f MB over baseline; storage %.0f MB, (m+n)k factors %.0f MB\n",
                    low_memory ? "low_memory" : "default", used / 1e6, storage / 1e6,
                    factors / 1e6);
    }
}

}  // namespace
}  // namespace nmfkit::test
