#include <nmfkit/mpi/fit.hpp>

#include "mpi/distributed.hpp"

#include <omp.h>

#include <chrono>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "engine/any_data.hpp"
#include "engine/data_scale.hpp"
#include "engine/loop.hpp"
#include "engine/run.hpp"
#include "engine/scaling.hpp"
#include "engine/steps.hpp"
#include "linalg/threads.hpp"
#include "engine/validate.hpp"
#include "data/dense.hpp"
#include "data/sparse.hpp"
#include "init/nndsvd.hpp"
#include "init/random.hpp"

namespace nmfkit::mpi {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The options the distributed mode cannot run, as a message ("" when it can).
template <class T>
std::string unsupported(const Options& opt, std::int64_t m, std::int64_t n,
                        const InitialFactors<T>* start) {
    try {
        detail::validate_options(opt);
    } catch (const InvalidInput& e) {
        return e.what();
    }
    if (opt.mask || opt.missing != Missing::none)
        return "missing values and masks are not available in the distributed mode yet";
    // Which pairs run here is the registry's `distributed` trait (engine/registry.cpp).
    std::string losses;
    for (Loss l : all_losses())
        for (Solver t : solvers_for(l))
            if (solver_traits(t, l).distributed) {
                losses += (losses.empty() ? "" : " or ") + std::string(to_string(l));
                break;
            }
    const Solver s = resolved_solver(opt);
    if (!solver_traits(s, opt.loss).distributed) {
        std::string here;
        for (Solver t : solvers_for(opt.loss))
            if (solver_traits(t, opt.loss).distributed)
                here += (here.empty() ? "" : ", ") + std::string(to_string(t));
        if (here.empty())
            return "loss " + std::string(to_string(opt.loss)) +
                   " is not available in the distributed mode; use " + losses;
        return "solver " + std::string(to_string(s)) + " for " + std::string(to_string(opt.loss)) +
               " updates one entry at a time along whole rows of V, which the process grid splits; "
               "use solver " +
               here;
    }
    try {
        detail::check_start(opt, start, m,
                            n);  // the serial fit's checks of the start and its messages
    } catch (const InvalidInput& e) {
        return e.what();
    }
    return "";
}

// The first negative or non-finite entry of the block, named by its global (0-based) position.
template <class T>
std::string bad_entry(T v, std::int64_t row, std::int64_t col) {
    if (std::isfinite(v) && v >= T(0)) return "";
    std::ostringstream msg;
    msg << (std::isnan(v) ? "NaN entry" : std::isinf(v) ? "infinite entry " : "negative entry ");
    if (!std::isnan(v)) msg << v;
    msg << " in V at row " << row << ", column " << col << " (0-based)";
    return msg.str();
}

template <class T>
std::string check_block(const Matrix<T>& block, Range rows, Range cols) {
    if (block.rows() != rows.size || block.cols() != cols.size)
        return "block of " + std::to_string(block.rows()) + " x " + std::to_string(block.cols()) +
               " given, the grid's block here is " + std::to_string(rows.size) + " x " +
               std::to_string(cols.size);
    for (Eigen::Index c = 0; c < block.cols(); ++c)
        for (Eigen::Index r = 0; r < block.rows(); ++r)
            if (auto e = bad_entry(block(r, c), rows.begin + r, cols.begin + c); !e.empty())
                return e;
    return "";
}

template <class T>
std::string check_block(const Eigen::SparseMatrix<T, Eigen::ColMajor, int>& block, Range rows,
                        Range cols) {
    if (block.rows() != rows.size || block.cols() != cols.size)
        return "block of " + std::to_string(block.rows()) + " x " + std::to_string(block.cols()) +
               " given, the grid's block here is " + std::to_string(rows.size) + " x " +
               std::to_string(cols.size);
    if (!block.isCompressed()) return "the sparse block must be compressed (makeCompressed())";
    for (Eigen::Index c = 0; c < block.outerSize(); ++c)
        for (typename Eigen::SparseMatrix<T, Eigen::ColMajor, int>::InnerIterator it(block, c); it;
             ++it)
            if (auto e = bad_entry(it.value(), rows.begin + it.row(), cols.begin + c); !e.empty())
                return e;
    return "";
}

// The whole factor (Σ rows x k) on rank 0 from every rank's own rows; pieces[r] is rank r's range.
template <class T>
Matrix<T> gather_rows(const Grid& grid, const Matrix<T>& own, const std::vector<Range>& pieces,
                      std::int64_t rows) {
    const Eigen::Index k = own.cols();
    std::vector<int> counts, displs;
    for (const Range& p : pieces) {
        counts.push_back(mpi_count(static_cast<double>(p.size * k), "gathering a factor"));
        displs.push_back(mpi_count(static_cast<double>(p.begin * k), "gathering a factor"));
    }
    const Matrix<T> send = own.transpose();  // k x own
    Matrix<T> packed;                        // k x rows on rank 0
    if (grid.rank() == 0) packed.resize(k, rows);
    MPI_Gatherv(send.data(), static_cast<int>(send.size()), mpi_type<T>(), packed.data(),
                counts.data(), displs.data(), mpi_type<T>(), 0, grid.world());
    return grid.rank() == 0 ? Matrix<T>(packed.transpose()) : Matrix<T>();
}

// (b − a) / count, phase by phase.
PhaseTimes difference(const PhaseTimes& b, const PhaseTimes& a, int count) {
    const double c = count;
    return {(b.local_product - a.local_product) / c,
            (b.gram - a.gram) / c,
            (b.all_gather - a.all_gather) / c,
            (b.reduce_scatter - a.reduce_scatter) / c,
            (b.all_reduce - a.all_reduce) / c,
            (b.words_all_gather - a.words_all_gather) / c,
            (b.words_reduce_scatter - a.words_reduce_scatter) / c,
            (b.words_all_reduce - a.words_all_reduce) / c};
}

// One run on the distributed adapter A: the start of engine/run.hpp (this rank's rows of it),
// then the loop; scaling waits for the gathered factors.
template <class T, class D>
Result<T> run_one(const D& A, const Options& opt, const InitialFactors<T>* start,
                  const Callbacks& callbacks, double& seconds_init) {
    const auto t0 = Clock::now();
    Matrix<T> W, Ht;  // own rows: w_rows().size x k, h_rows().size x k
    const Init init = detail::start_factors(A, opt, start, W, Ht);
    seconds_init += seconds_since(t0);
    auto run = [&](auto& step) {
        Result<T> r = detail::alternate(A, step, std::move(W), std::move(Ht), opt, callbacks);
        r.init = init;
        return r;
    };
    if (opt.loss == Loss::frobenius) {
        detail::FrobeniusStep<T, D> step(A, resolved_solver(opt), opt);
        return run(step);
    }
    detail::KullbackLeiblerStep<T, D> step(A, opt);
    return run(step);
}

template <class T, class Local>
DistributedFit<T> run(const Grid& grid, const Layout& layout, const Local& local,
                      const Options& opt, const InitialFactors<T>* start,
                      const Callbacks& callbacks) {
    const auto start_time = Clock::now();
    DistributedFit<T> out;
    const DistributedData<Local> A(grid, layout, local, out.times);
    // The restarts of the serial fit (engine/run.hpp: seeds, resolved init, the best run); each
    // run's phase counters at its first and last iteration give one iteration's cost.
    std::vector<PhaseTimes> per_iteration(static_cast<std::size_t>(std::max(1, opt.restarts)));
    Result<T> best = detail::run_restarts(
        A, opt, start, callbacks,
        [&](const Options& o, const InitialFactors<T>* s, const Callbacks& cb) {
            PhaseTimes first, last;
            Callbacks counted = cb;  // checkpoints and resume as given
            counted.on_iteration = [&](const IterationStats& st) {
                (st.iteration == 1 ? first : last) = out.times;
                return !cb.on_iteration || cb.on_iteration(st);
            };
            Result<T> res = run_one<T>(A, o, s, counted, out.seconds_init);
            if (res.iterations >= 2)
                per_iteration[static_cast<std::size_t>(o.seed - opt.seed)] =
                    difference(last, first, res.iterations - 1);
            return res;
        });
    out.per_iteration = per_iteration[static_cast<std::size_t>(best.best_restart)];
    best.threads = omp_get_max_threads();

    const auto t0 = Clock::now();
    std::vector<Range> w_pieces, h_pieces;  // by world rank
    for (int q = 0; q < grid.size(); ++q) {
        w_pieces.push_back(layout.w_rows(q / grid.pc(), q % grid.pc()));
        h_pieces.push_back(layout.h_rows(q / grid.pc(), q % grid.pc()));
    }
    Matrix<T> W = gather_rows(grid, best.W, w_pieces, layout.m);
    Matrix<T> Ht = gather_rows(grid, Matrix<T>(best.H.transpose()), h_pieces, layout.n);
    best.W = std::move(W);
    best.H = Ht.transpose();
    if (grid.rank() == 0) detail::scale_components(best, opt);
    out.seconds_gather = seconds_since(t0);
    out.seconds_total = seconds_since(start_time);
    out.result = std::move(best);
    return out;
}

template <class T, class Block, class MakeLocal>
DistributedFit<T> fit_on_grid(const Grid& grid, std::int64_t m, std::int64_t n, const Block& block,
                              const Options& given, const InitialFactors<T>* start,
                              const Callbacks& callbacks, MakeLocal make_local) {
    const Options opt = distributed_options(given);
    const Layout layout = grid.layout(m, n);
    std::string error = unsupported(opt, m, n, start);
    if (error.empty()) error = check_block(block, layout.rows(grid.i()), layout.cols(grid.j()));
    all_ok(grid.world(), error, 65);
    const detail::ThreadScope threads(opt.threads);  // per process; 0 = all cores, as serial
    // The fit of V' = 2^-e V (e from the global max|V|, engine/data_scale.hpp), as the serial fit().
    return make_local([&](const auto& local, int e) {
        DistributedFit<T> out;
        Result<T> r = detail::run_scaled<T>(
            detail::DataScale::balanced(e), opt, start, callbacks,
            [&](const Options& o, const InitialFactors<T>* s, const Callbacks& cb) {
                out = run<T>(grid, layout, local, o, s, cb);
                return std::move(out.result);
            });
        out.result = std::move(r);
        return out;
    });
}

// The exponent e of the global max|V| over every rank's block of values (validated: ≥ 0, finite).
template <class T>
int global_scale_exponent(const Grid& grid, const T* values, std::size_t count) {
    const double local = detail::max_entry(values, count);
    double global = 0;
    MPI_Allreduce(&local, &global, 1, MPI_DOUBLE, MPI_MAX, grid.world());
    return detail::scale_exponent<T>(global);
}

}  // namespace

PhaseTimes model_words_per_iteration(const Layout& layout, int k, Loss loss) {
    const double kd = k, P = layout.ranks();
    const double w_words = kd * static_cast<double>(layout.m) * (layout.pc - 1);  // W's rows, once
    const double h_words = kd * static_cast<double>(layout.n) * (layout.pr - 1);  // Ht's rows, once
    PhaseTimes words;
    if (loss == Loss::kullback_leibler) {
        words.words_all_gather = 2 * (w_words + h_words);
        words.words_reduce_scatter = w_words + h_words;
        words.words_all_reduce = 2 * kd * P;  // the column sums 1ᵀHt and 1ᵀW
    } else {
        words.words_all_gather = w_words + h_words;
        words.words_reduce_scatter = w_words + h_words;
        words.words_all_reduce = 2 * kd * kd * P;
    }
    return words;
}

Options distributed_options(Options opt) {
    // The serial default when it runs distributed, else the first solver of the loss that does.
    if (!opt.solver && !solver_traits(default_solver(opt.loss), opt.loss).distributed)
        for (Solver s : solvers_for(opt.loss))
            if (solver_traits(s, opt.loss).distributed) {
                opt.solver = s;
                break;
            }
    return opt;
}

template <class T>
DistributedFit<T> fit_block(const Grid& grid, std::int64_t m, std::int64_t n,
                            const Matrix<T>& block, const Options& opt,
                            const InitialFactors<T>* start, const Callbacks& callbacks) {
    return fit_on_grid<T>(grid, m, n, block, opt, start, callbacks, [&](auto run_on) {
        const int e =
            global_scale_exponent(grid, block.data(), static_cast<std::size_t>(block.size()));
        Matrix<T> scaled;  // the block · 2^-e when e ≠ 0
        if (e != 0) {
            scaled = block;
            detail::scale_values(scaled.data(), static_cast<std::size_t>(scaled.size()), e);
        }
        const Matrix<T>& b = e != 0 ? scaled : block;
        const detail::DenseData<T> local(b.data(), b.rows(), b.cols(), b.rows());
        return run_on(detail::AnyProducts<T>(local), e);
    });
}

template <class T>
DistributedFit<T> fit_block(const Grid& grid, std::int64_t m, std::int64_t n,
                            const Eigen::SparseMatrix<T, Eigen::ColMajor, int>& block,
                            const Options& opt, const InitialFactors<T>* start,
                            const Callbacks& callbacks) {
    return fit_on_grid<T>(grid, m, n, block, opt, start, callbacks, [&](auto run_on) {
        const auto nnz = static_cast<std::size_t>(block.nonZeros());
        const int e = global_scale_exponent(grid, block.valuePtr(), nnz);
        std::vector<T> values;  // the block's values · 2^-e when e ≠ 0; the indices are shared
        if (e != 0) {
            values.assign(block.valuePtr(), block.valuePtr() + nnz);
            detail::scale_values(values.data(), nnz, e);
        }
        const detail::SparseData<T, int> local(
            block.rows(), block.cols(), block.outerIndexPtr(), block.innerIndexPtr(),
            e != 0 ? values.data() : block.valuePtr(), !opt.low_memory);
        return run_on(detail::AnyProducts<T>(local), e);
    });
}

template DistributedFit<float> fit_block(const Grid&, std::int64_t, std::int64_t,
                                         const Matrix<float>&, const Options&,
                                         const InitialFactors<float>*, const Callbacks&);
template DistributedFit<double> fit_block(const Grid&, std::int64_t, std::int64_t,
                                          const Matrix<double>&, const Options&,
                                          const InitialFactors<double>*, const Callbacks&);
template DistributedFit<float> fit_block(const Grid&, std::int64_t, std::int64_t,
                                         const Eigen::SparseMatrix<float, Eigen::ColMajor, int>&,
                                         const Options&, const InitialFactors<float>*,
                                         const Callbacks&);
template DistributedFit<double> fit_block(const Grid&, std::int64_t, std::int64_t,
                                          const Eigen::SparseMatrix<double, Eigen::ColMajor, int>&,
                                          const Options&, const InitialFactors<double>*,
                                          const Callbacks&);

}  // namespace nmfkit::mpi
