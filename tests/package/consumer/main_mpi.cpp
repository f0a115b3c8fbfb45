// The MPI consumer of an installed nmfkit (nmfkit::mpi), run under mpiexec with any number of
// processes: each rank cuts its block A_ij out of the same V, fit_block fits it over the process
// grid, and rank 0 checks that the gathered W and H are the serial fit's. Exits 0 on every rank
// when every check holds, else 1 with the failed check on stderr.
#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <string>

#include <Eigen/Core>

#include <nmfkit/mpi/fit.hpp>
#include <nmfkit/nmfkit.hpp>

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
    if (!ok) {
        std::fprintf(stderr, "consumer_mpi: FAILED: %s\n", what.c_str());
        ++failures;
    }
}

}  // namespace

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int rank = 0, P = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &P);
    {
        // V (24 x 18) with entries in [1, 2): the same matrix on every rank.
        const std::int64_t m = 24, n = 18;
        Eigen::MatrixXd V(m, n);
        for (std::int64_t j = 0; j < n; ++j)
            for (std::int64_t i = 0; i < m; ++i)
                V(i, j) = 1.0 + static_cast<double>((i * 31 + j * 17) % 23) / 23.0;

        int pr = 1, pc = 1;
        nmfkit::mpi::choose_grid(P, m, n, pr, pc);
        const nmfkit::mpi::Grid grid(MPI_COMM_WORLD, pr, pc);
        const nmfkit::mpi::Layout layout = grid.layout(m, n);
        const nmfkit::mpi::Range rows = layout.rows(grid.i()), cols = layout.cols(grid.j());
        const Eigen::MatrixXd block = V.block(rows.begin, cols.begin, rows.size, cols.size);

        nmfkit::Options opt;
        opt.rank = 3;
        opt.seed = 5;
        opt.max_iter = 50;
        opt.threads = 1;
        const auto fit = nmfkit::mpi::fit_block<double>(grid, m, n, block, opt);
        check(fit.result.iterations > 0, "the distributed fit ran");
        if (rank == 0) {
            // The serial fit of the whole V from the same start: the same factors up to rounding.
            const nmfkit::Result<double> serial =
                nmfkit::fit(nmfkit::DenseView<double>(V), nmfkit::mpi::distributed_options(opt));
            check(fit.result.W.rows() == m && fit.result.W.cols() == 3 &&
                      fit.result.H.rows() == 3 && fit.result.H.cols() == n,
                  "rank 0 holds the whole W (m x k) and H (k x n)");
            if (fit.result.W.size() == serial.W.size() && fit.result.H.size() == serial.H.size()) {
                const double dW = (fit.result.W - serial.W).norm() / serial.W.norm();
                const double dH = (fit.result.H - serial.H).norm() / serial.H.norm();
                check(dW < 1e-8 && dH < 1e-8,
                      "distributed W, H equal the serial fit's (relative "
                      "differences " +
                          std::to_string(dW) + ", " + std::to_string(dH) + ")");
            }
            check(fit.result.iterations == serial.iterations,
                  "as many iterations as the serial fit");
        } else {
            check(fit.result.W.size() == 0 && fit.result.H.size() == 0,
                  "ranks other than 0 hold no factors");
        }
    }
    int any = failures, total = 0;
    MPI_Allreduce(&any, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0 && total == 0)
        std::printf("consumer_mpi: %d processes: distributed fit equals the serial fit\n", P);
    MPI_Finalize();
    return total == 0 ? 0 : 1;
}
