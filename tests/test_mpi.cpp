// Distributed equals serial (src/mpi): for every grid pr x pc of the world's P ranks, dense and
// sparse blocks, every solver the distributed mode runs, the factors gathered on rank 0 equal the
// serial library's from the same seed to 1e-10 relative (double); only the reduction order
// differs. Run under mpiexec with P = 1, 2, 3, 4 (tests/mpi.cmake). Every rank runs every test;
// comparisons come after the last collective, so a failed check never leaves a rank waiting.

#include <mpi.h>

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include <Eigen/SparseCore>

#include "helpers.hpp"
#include "mpi_helpers.hpp"
#include <nmfkit/mpi/fit.hpp>

namespace {

using nmfkit::Init;
using nmfkit::Loss;
using nmfkit::Matrix;
using nmfkit::Options;
using nmfkit::Solver;
using nmfkit::mpi::Grid;
using nmfkit::mpi::Layout;
using Sparse = Eigen::SparseMatrix<double, Eigen::ColMajor, int>;

using nmfkit::test::grids;
using nmfkit::test::world_rank;
using nmfkit::test::world_size;

/// A planted non-negative V (m x n) of rank 5 plus noise, with about `zero_fraction` exact zeros
/// (the same on every rank: fixed seeds).
Matrix<double> planted(Eigen::Index m, Eigen::Index n, double zero_fraction) {
    using namespace nmfkit::test;
    Matrix<double> V =
        sparse_factor<double>(m, 5, 11, 0.3) * sparse_factor<double>(n, 5, 12, 0.3).transpose();
    const Matrix<double> noise = uniform<double>(m, n, 13, 0, 0.1);
    const Matrix<double> drop = uniform<double>(m, n, 14);
    for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index i = 0; i < m; ++i)
            V(i, j) = drop(i, j) < zero_fraction ? 0.0 : V(i, j) + noise(i, j);
    return V;
}

double relative_difference(const Matrix<double>& X, const Matrix<double>& Y) {
    return (X - Y).norm() / std::max(1e-300, Y.norm());
}

struct Case {
    Solver solver;
    Loss loss;
};

// Every pair the registry marks distributed.
std::vector<Case> distributed_cases() {
    std::vector<Case> out;
    for (auto [s, l] : nmfkit::test::supported_pairs())
        if (solver_traits(s, l).distributed) out.push_back({s, l});
    return out;
}

Options fit_options(Case c, int k = 4) {
    Options o = nmfkit::test::options(c.solver, c.loss, k, 25, 0.0, 7);
    o.threads = 1;
    return o;
}

template <class Block>
Block block_of(const Matrix<double>& V, const Layout& layout, int i, int j);

template <>
Matrix<double> block_of(const Matrix<double>& V, const Layout& layout, int i, int j) {
    const auto r = layout.rows(i), c = layout.cols(j);
    return V.block(r.begin, c.begin, r.size, c.size);
}

template <>
Sparse block_of(const Matrix<double>& V, const Layout& layout, int i, int j) {
    Sparse S = block_of<Matrix<double>>(V, layout, i, j).sparseView();
    S.makeCompressed();
    return S;
}

/// Runs every case on every grid with blocks of type Block and compares with the serial fit of the
/// same storage kind on rank 0.
template <class Block>
void expect_distributed_equals_serial(Eigen::Index m, Eigen::Index n, double zero_fraction,
                                      int k = 4) {
    const Matrix<double> V = planted(m, n, zero_fraction);
    Sparse Vs = V.sparseView();
    Vs.makeCompressed();
    for (auto [pr, pc] : grids()) {
        const Grid grid(MPI_COMM_WORLD, pr, pc);
        const Layout layout = grid.layout(m, n);
        const Block block = block_of<Block>(V, layout, grid.i(), grid.j());
        for (Case c : distributed_cases()) {
            const Options o = fit_options(c, k);
            const auto d = nmfkit::mpi::fit_block<double>(grid, m, n, block, o);
            if (world_rank() != 0) continue;
            const auto s = std::is_same_v<Block, Sparse>
                               ? nmfkit::fit(nmfkit::SparseView<double>(Vs), o)
                               : nmfkit::fit(nmfkit::DenseView<double>(V), o);
            const std::string where = nmfkit::test::label(c.solver, c.loss) + " on grid " +
                                      std::to_string(pr) + "x" + std::to_string(pc);
            EXPECT_EQ(d.result.iterations, s.iterations) << where;
            EXPECT_LE(relative_difference(d.result.W, s.W), 1e-10) << where;
            EXPECT_LE(relative_difference(d.result.H, s.H), 1e-10) << where;
            EXPECT_NEAR(d.result.relative_error, s.relative_error, 1e-12) << where;
            EXPECT_NEAR(d.result.objective, s.objective, 1e-10 * s.objective) << where;
            ASSERT_EQ(d.result.history.size(), s.history.size()) << where;
            for (std::size_t t = 0; t < s.history.size(); ++t)
                EXPECT_NEAR(d.result.history[t].objective, s.history[t].objective,
                            1e-9 * s.history[t].objective)
                    << where << ", iteration " << t + 1;
        }
    }
}

TEST(Distributed, DenseEqualsSerialOnEveryGrid) {
    expect_distributed_equals_serial<Matrix<double>>(37, 23, 0.0);
}

TEST(Distributed, SparseEqualsSerialOnEveryGrid) {
    expect_distributed_equals_serial<Sparse>(41, 29, 0.7);
}

// Fewer rows than ranks: some ranks own no rows of W (or of Ht) and still take part (k ≤ m so
// that ALS's least-squares problems stay well posed).
TEST(Distributed, EmptyPiecesEqualSerial) {
    expect_distributed_equals_serial<Matrix<double>>(3, 17, 0.2, 2);
}

TEST(Distributed, StartEqualsSerialStart) {
    // With no iteration the gathered factors are the start: the serial random start, bit for bit
    // up to the global mean's summation order.
    const Eigen::Index m = 29, n = 31;
    const Matrix<double> V = planted(m, n, 0.0);
    for (auto [pr, pc] : grids()) {
        const Grid grid(MPI_COMM_WORLD, pr, pc);
        Options o = fit_options({Solver::hals, Loss::frobenius});
        o.max_iter = 0;
        o.normalize = nmfkit::Normalize::none;
        o.sort_components = false;
        const auto d = nmfkit::mpi::fit_block<double>(
            grid, m, n, block_of<Matrix<double>>(V, grid.layout(m, n), grid.i(), grid.j()), o);
        if (world_rank() != 0) continue;
        const auto s = nmfkit::fit(nmfkit::DenseView<double>(V), o);
        EXPECT_LE(relative_difference(d.result.W, s.W), 1e-15);
        EXPECT_LE(relative_difference(d.result.H, s.H), 1e-15);
    }
}

// NNDSVD over the distributed randomized SVD (Cholesky QR instead of Householder for the tall
// bases): the serial start and fit up to rounding, for each fill and a wide and a tall V.
TEST(Distributed, NndsvdEqualsSerial) {
    for (auto [m, n] : {std::pair<Eigen::Index, Eigen::Index>{43, 31}, {26, 47}}) {
        const Matrix<double> V = planted(m, n, 0.3);
        for (auto [pr, pc] : grids()) {
            const Grid grid(MPI_COMM_WORLD, pr, pc);
            const Matrix<double> block =
                block_of<Matrix<double>>(V, grid.layout(m, n), grid.i(), grid.j());
            for (Init init : {Init::nndsvd, Init::nndsvda, Init::nndsvdar}) {
                for (int iterations : {0, 20}) {
                    Options o = fit_options({Solver::hals, Loss::frobenius});
                    o.init = init;
                    o.max_iter = iterations;
                    const auto d = nmfkit::mpi::fit_block<double>(grid, m, n, block, o);
                    if (world_rank() != 0) continue;
                    const auto s = nmfkit::fit(nmfkit::DenseView<double>(V), o);
                    const std::string where =
                        std::string(nmfkit::to_string(init)) + ", " + std::to_string(iterations) +
                        " iterations, " + std::to_string(m) + " x " + std::to_string(n) +
                        " on grid " + std::to_string(pr) + "x" + std::to_string(pc);
                    EXPECT_LE(relative_difference(d.result.W, s.W), 1e-10) << where;
                    EXPECT_LE(relative_difference(d.result.H, s.H), 1e-10) << where;
                }
            }
        }
    }
}

TEST(Distributed, RestartsKeepTheSerialBest) {
    const Eigen::Index m = 30, n = 20;
    const Matrix<double> V = planted(m, n, 0.0);
    const Grid grid(MPI_COMM_WORLD, 1, world_size());
    Options o = fit_options({Solver::hals, Loss::frobenius});
    o.restarts = 3;
    o.init.reset();
    const auto d = nmfkit::mpi::fit_block<double>(
        grid, m, n, block_of<Matrix<double>>(V, grid.layout(m, n), 0, grid.j()), o);
    if (world_rank() != 0) return;
    const auto s = nmfkit::fit(nmfkit::DenseView<double>(V), o);
    EXPECT_EQ(d.result.best_restart, s.best_restart);
    ASSERT_EQ(d.result.restart_objectives.size(), 3u);
    for (std::size_t r = 0; r < 3; ++r)
        EXPECT_NEAR(d.result.restart_objectives[r], s.restart_objectives[r],
                    1e-10 * s.restart_objectives[r]);
    EXPECT_LE(relative_difference(d.result.W, s.W), 1e-10);
}

TEST(Distributed, FloatFollowsDouble) {
    const Eigen::Index m = 40, n = 30;
    const Matrix<double> V = planted(m, n, 0.0);
    const Grid grid(MPI_COMM_WORLD, world_size(), 1);
    const Layout layout = grid.layout(m, n);
    const Matrix<double> block = block_of<Matrix<double>>(V, layout, grid.i(), 0);
    const Options o = fit_options({Solver::hals, Loss::frobenius});
    const auto d = nmfkit::mpi::fit_block<double>(grid, m, n, block, o);
    const auto f = nmfkit::mpi::fit_block<float>(grid, m, n, Matrix<float>(block.cast<float>()), o);
    if (world_rank() != 0) return;
    EXPECT_NEAR(f.result.relative_error, d.result.relative_error,
                1e-4 * d.result.relative_error + 1e-6);
    EXPECT_LE(relative_difference(f.result.W.cast<double>(), d.result.W), 1e-3);
}

TEST(Distributed, PhaseTimesAndWordsAreCounted) {
    const Eigen::Index m = 50, n = 40;
    const Matrix<double> V = planted(m, n, 0.0);
    const Grid grid(MPI_COMM_WORLD, 1, world_size());
    const Layout layout = grid.layout(m, n);
    const Options o = fit_options({Solver::hals, Loss::frobenius});
    const auto d = nmfkit::mpi::fit_block<double>(
        grid, m, n, block_of<Matrix<double>>(V, layout, 0, grid.j()), o);
    EXPECT_GT(d.times.local_product, 0);
    EXPECT_GT(d.times.gram, 0);
    // Per iteration each rank all-reduces two k x k Grams; a 1 x P grid gathers W's rows of the
    // one row block (m x k less its own piece) and reduce-scatters Aᵀ·W's n_j x k partial (less
    // its own piece: the grid column has one rank, so none).
    const double k = o.rank, iterations = d.result.iterations;
    EXPECT_GE(d.times.words_all_reduce, 2 * k * k * iterations);
    const auto own = layout.w_rows(0, grid.j());
    EXPECT_GE(d.times.words_all_gather, (static_cast<double>(m) - own.size) * k * iterations);
}

// The automatic grid moves the fewest words of the model among all pr x pc = P.
TEST(Distributed, ChosenGridMovesFewestWords) {
    for (int P : {1, 2, 4, 6, 12, 64})
        for (auto [m, n] :
             {std::pair<std::int64_t, std::int64_t>{20000, 10000}, {100, 100000}, {5000, 5000}}) {
            int pr = 0, pc = 0;
            nmfkit::mpi::choose_grid(P, m, n, pr, pc);
            ASSERT_EQ(pr * pc, P);
            auto words = [&](int r, int c) {
                const auto w =
                    nmfkit::mpi::model_words_per_iteration(Layout{m, n, r, c}, 10, Loss::frobenius);
                return w.words_all_gather + w.words_reduce_scatter;
            };
            for (int r = 1; r <= P; ++r) {
                if (P % r != 0) continue;
                EXPECT_LE(words(pr, pc), words(r, P / r)) << P << " ranks, " << m << " x " << n;
            }
        }
    int pr = 0, pc = 0;
    nmfkit::mpi::choose_grid(4, 20000, 10000, pr, pc);
    EXPECT_EQ(pr, 2);  // blocks 10000 x 5000, the tie with 4x1 to the smaller pr
}

TEST(Distributed, BadOptionsAndBadDataFailOnEveryRank) {
    const Eigen::Index m = 12, n = 10;
    Matrix<double> V = planted(m, n, 0.0);
    const Grid grid(MPI_COMM_WORLD, world_size(), 1);
    const Layout layout = grid.layout(m, n);
    auto status_of = [&](const Matrix<double>& block,
                         const Options& o) -> std::pair<int, std::string> {
        try {
            nmfkit::mpi::fit_block<double>(grid, m, n, block, o);
        } catch (const nmfkit::mpi::CollectiveError& e) {
            return {e.exit_status(), e.what()};
        }
        return {0, ""};
    };
    Options kl_cd = fit_options({Solver::cd, Loss::kullback_leibler});
    auto [s1, m1] = status_of(block_of<Matrix<double>>(V, layout, grid.i(), 0), kl_cd);
    EXPECT_EQ(s1, 65);
    EXPECT_NE(m1.find("use solver mu"), std::string::npos) << m1;
    Options svd = fit_options({Solver::hals, Loss::frobenius}, static_cast<int>(n) + 1);
    svd.init = Init::nndsvda;
    auto [s2, m2] = status_of(block_of<Matrix<double>>(V, layout, grid.i(), 0), svd);
    EXPECT_EQ(s2, 65);
    EXPECT_NE(m2.find("init nndsvda needs k ≤ min(m, n) = 10"), std::string::npos) << m2;
    // A negative entry in the last rank's block: every rank fails with its global position.
    V(m - 1, 3) = -2;
    auto [s3, m3] = status_of(block_of<Matrix<double>>(V, layout, grid.i(), 0),
                              fit_options({Solver::hals, Loss::frobenius}));
    EXPECT_EQ(s3, 65);
    EXPECT_NE(m3.find("negative entry -2 in V at row " + std::to_string(m - 1) + ", column 3"),
              std::string::npos)
        << m3;
}

}  // namespace
