#pragma once
/// @file mpi/fit.hpp
/// @brief Distributed fit over a process grid (MPI builds only: target nmfkit::mpi).
///
/// The serial library's steps and loop over the distributed adapter (src/mpi/distributed.hpp) on
/// a process grid (grid.hpp). Each rank passes its block A_ij of V (read with
/// nmfkit::mpi::read_block from <nmfkit/io/read_block.hpp>, or built by the caller); the factors
/// are gathered to rank 0.
///
/// @code
/// MPI_Init(&argc, &argv);
/// {
///     int P = 0;
///     MPI_Comm_size(MPI_COMM_WORLD, &P);
///     int pr = 1, pc = 1;
///     nmfkit::mpi::choose_grid(P, m, n, pr, pc);
///     nmfkit::mpi::Grid grid(MPI_COMM_WORLD, pr, pc);
///     const nmfkit::mpi::Layout layout = grid.layout(m, n);
///     // block: rows layout.rows(grid.i()), columns layout.cols(grid.j()) of V (m x n)
///     auto fit = nmfkit::mpi::fit_block<double>(grid, m, n, block, opt);
///     // rank 0: fit.result.W (m x k), fit.result.H (k x n)
/// }  // the Grid frees its communicators before MPI_Finalize
/// MPI_Finalize();
/// @endcode

#include <cstdint>

#include <Eigen/SparseCore>

#include <nmfkit/fit.hpp>
#include <nmfkit/mpi/grid.hpp>

namespace nmfkit::mpi {

/// Seconds and words per phase on this rank, accumulated over a fit (docs/design.md, "MPI").
struct PhaseTimes {
    double local_product = 0;     ///< A_ij·F and A_ijᵀ·F, the sampled products, the residual
    double gram = 0;              ///< local SYRKs
    double all_gather = 0;        ///< factor rows to the grid row / column
    double reduce_scatter = 0;    ///< partial products back to their owners
    double all_reduce = 0;        ///< Gram matrices and scalars
    double words_all_gather = 0;  ///< words received by all-gathers
    double words_reduce_scatter = 0;  ///< words sent by reduce-scatters (all but this rank's piece)
    double words_all_reduce = 0;      ///< words of the all-reduced matrices and scalars
};

/// What a distributed fit returns. On rank 0 `result` is the serial fit's Result: W (m x k) and
/// H (k x n) whole, normalised and ordered as Options asks; on the other ranks W and H are empty
/// and the rest (status, objectives, history) is the same as on rank 0.
template <class T>
struct DistributedFit {
    Result<T> result;
    PhaseTimes times;  ///< this rank's phase costs, summed over iterations and restarts
    /// this rank's phase costs of one iteration: the change between the kept run's first and last
    /// iteration divided by their distance (all zero when it ran fewer than two iterations)
    PhaseTimes per_iteration;
    double seconds_gather = 0;  ///< gathering W and H to rank 0
    double seconds_init = 0;    ///< building the start (NNDSVD's products also count in `times`)
    double seconds_total = 0;   ///< the whole call on this rank: setup, starts, fits, gathering
};

/// The words one iteration moves, summed over all ranks, by the communication model of HPC-NMF
/// (Kannan, Ballard & Park 2016, Section 5) for this layout: each all-gather of W's rows R_i
/// brings every rank of grid row i the m_i·k words it does not own, k·m·(pc − 1) in all, and each
/// of Ht's k·n·(pr − 1); each reduce-scatter sends the same amounts back; each Gram all-reduce
/// passes k² words per rank (KL's column sums k). Frobenius: one of each per half-step; KL (MU):
/// both factors are gathered for each of its two sampled products. The few scalars summed per
/// iteration (objective parts, HALS's inner stop) are left out of the model.
PhaseTimes model_words_per_iteration(const Layout& layout, int k, Loss loss);

/// Fits V (m x n) given this rank's block A_ij (layout grid.layout(m, n)) with the solvers whose
/// updates are row-local: Frobenius with mu, hals (cd), anls_bpp, als; KL with mu. Every init:
/// random (keyed by the global row, so the start is the serial run's), nndsvd/nndsvda/nndsvdar
/// (the randomized SVD over the distributed products, with Cholesky QR for the tall bases: the
/// serial start up to rounding), custom (`start` holds the whole W and H on every rank; each takes
/// its rows). Options::threads is per process (0 = all cores, as a serial fit; with one process per
/// core, 1). Collective over grid.world(); options and data
/// are checked on every rank and a failure throws the same CollectiveError on all of them.
/// T is float or double (instantiated in the library).
template <class T>
DistributedFit<T> fit_block(const Grid& grid, std::int64_t m, std::int64_t n,
                            const Matrix<T>& block, const Options& opt,
                            const InitialFactors<T>* start = nullptr,
                            const Callbacks& callbacks = {});
template <class T>
DistributedFit<T> fit_block(const Grid& grid, std::int64_t m, std::int64_t n,
                            const Eigen::SparseMatrix<T, Eigen::ColMajor, int>& block,
                            const Options& opt, const InitialFactors<T>* start = nullptr,
                            const Callbacks& callbacks = {});

/// The options a distributed fit runs with: as given and, for kullback_leibler, solver mu when it
/// is unset (the serial default cd is not row-local).
Options distributed_options(Options opt);

}  // namespace nmfkit::mpi
