#include "mpi/fit_distributed.hpp"

#include <omp.h>

#include <chrono>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "engine/data_scale.hpp"
#include "engine/loop.hpp"
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
std::string unsupported(const Options& opt, std::int64_t m, std::int64_t n, bool has_start) {
    try {
        detail::validate_options(opt);
    } catch (const InvalidInput& e) {
        return e.what();
    }
    if (opt.mask || opt.missing != Missing::none)
        return "missing values and masks are not available in the distributed mode yet";
    // Which pairs run here is the registry's `distributed` trait (engine/registry.hpp).
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
            if (solver_traits(t, opt.loss).distributed) here += (here.empty() ? "" : ", ") + std::string(to_string(t));
        if (here.empty())
            return "loss " + std::string(to_string(opt.loss)) +
                   " is not available in the distributed mode; use " + losses;
        return "solver " + std::string(to_string(s)) + " for " + std::string(to_string(opt.loss)) +
               " updates one entry at a time along whole rows of V, which the process grid splits; use solver " +
               here;
    }
    const Init init = resolved_init(opt, m, n);
    if ((init == Init::nndsvd || init == Init::nndsvda || init == Init::nndsvdar) && opt.rank > std::min(m, n))
        return "init " + std::string(to_string(init)) + " needs k ≤ min(m, n) = " +
               std::to_string(std::min(m, n)) + ", got k = " + std::to_string(opt.rank) + "; use init random";
    if (init == Init::custom && !has_start)
        return "init custom needs starting factors W and H";
    if (init != Init::custom && has_start)
        return "starting factors were given but init is not custom; set init to custom";
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
            if (auto e = bad_entry(block(r, c), rows.begin + r, cols.begin + c); !e.empty()) return e;
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
        for (typename Eigen::SparseMatrix<T, Eigen::ColMajor, int>::InnerIterator it(block, c); it; ++it)
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
    MPI_Gatherv(send.data(), static_cast<int>(send.size()), mpi_type<T>(), packed.data(), counts.data(),
                displs.data(), mpi_type<T>(), 0, grid.world());
    return grid.rank() == 0 ? Matrix<T>(packed.transpose()) : Matrix<T>();
}

// (b − a) / count, phase by phase.
PhaseTimes difference(const PhaseTimes& b, const PhaseTimes& a, int count) {
    const double c = count;
    return {(b.local_product - a.local_product) / c, (b.gram - a.gram) / c,
            (b.all_gather - a.all_gather) / c,       (b.reduce_scatter - a.reduce_scatter) / c,
            (b.all_reduce - a.all_reduce) / c,       (b.words_all_gather - a.words_all_gather) / c,
            (b.words_reduce_scatter - a.words_reduce_scatter) / c,
            (b.words_all_reduce - a.words_all_reduce) / c};
}

// One run from `seed` on the distributed adapter A: this rank's rows of the start, then the loop.
template <class T, class D>
Result<T> run_one(const D& A, const Options& opt, const InitialFactors<T>* start,
                  const Callbacks& callbacks, double& seconds_init) {
    const auto t0 = Clock::now();
    const Range wr = A.w_rows(), hr = A.h_rows();
    const int k = opt.rank;
    Matrix<T> W, Ht;  // own rows: wr.size x k, hr.size x k
    const Init init = resolved_init(opt, A.rows(), A.cols());
    if (start != nullptr) {
        W = start->W.middleRows(wr.begin, wr.size);
        Ht = start->H.transpose().middleRows(hr.begin, hr.size);
    } else if (init != Init::random) {
        // NNDSVD from the distributed randomized SVD (init/svd.hpp, init/nndsvd.hpp over A).
        const auto fill = init == Init::nndsvd    ? detail::NndsvdFill::zeros
                          : init == Init::nndsvda ? detail::NndsvdFill::mean
                                                  : detail::NndsvdFill::random;
        detail::nndsvd_start(A, k, fill, opt.seed, W, Ht);
    } else {
        // The serial random start (engine/run.hpp), each rank drawing its rows by their global keys.
        const double mean = A.sum() / (static_cast<double>(A.rows()) * static_cast<double>(A.cols()));
        const double scale = 2.0 * std::sqrt(mean / k);
        W.resize(wr.size, k);
        Ht.resize(hr.size, k);
        detail::random_factor(W, opt.seed, detail::Stream::w, scale, static_cast<std::uint64_t>(wr.begin));
        detail::random_factor(Ht, opt.seed, detail::Stream::h, scale, static_cast<std::uint64_t>(hr.begin));
    }
    seconds_init += seconds_since(t0);
    if (opt.loss == Loss::frobenius) {
        detail::FrobeniusStep<T, D> step(A, resolved_solver(opt), opt);
        return detail::alternate(A, step, std::move(W), std::move(Ht), opt, callbacks);
    }
    detail::KullbackLeiblerStep<T, D> step(A, opt);
    return detail::alternate(A, step, std::move(W), std::move(Ht), opt, callbacks);
}

template <class T, class Local>
DistributedFit<T> run(const Grid& grid, const Layout& layout, const Local& local, const Options& opt,
                      const InitialFactors<T>* start, const Callbacks& callbacks) {
    const auto start_time = Clock::now();
    DistributedFit<T> out;
    const DistributedData<Local> A(grid, layout, local, out.times);
    const Init init = resolved_init(opt, layout.m, layout.n);
    const int runs = opt.restarts;
    Result<T> best;
    std::vector<double> objectives;
    for (int r = 0; r < runs; ++r) {
        Options o = opt;
        o.seed = opt.seed + static_cast<std::uint64_t>(r);
        o.init = init;  // as resolved for the restarts (random), as the serial run_restarts does
        o.restarts = 1;
        // The phase counters at this run's first and last iteration give one iteration's cost.
        PhaseTimes first, last;
        Callbacks counted;
        counted.on_iteration = [&](const IterationStats& s) {
            (s.iteration == 1 ? first : last) = out.times;
            return !callbacks.on_iteration || callbacks.on_iteration(s);
        };
        Result<T> res = run_one<T>(A, o, start, counted, out.seconds_init);
        objectives.push_back(res.objective);
        const bool stopped = res.status == Status::stopped_by_callback;
        if (r == 0 || res.objective < best.objective) {
            if (res.iterations >= 2) out.per_iteration = difference(last, first, res.iterations - 1);
            best = std::move(res);
            best.best_restart = r;
        }
        if (stopped) break;
    }
    if (runs > 1) best.restart_objectives = std::move(objectives);
    best.init = init;
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
DistributedFit<T> fit_any(const Grid& grid, std::int64_t m, std::int64_t n, const Block& block,
                          const Options& given, const InitialFactors<T>* start, const Callbacks& callbacks,
                          MakeLocal make_local) {
    const Options opt = distributed_options(given);
    const Layout layout = grid.layout(m, n);
    std::string error = unsupported(opt, m, n, start != nullptr);
    if (error.empty()) error = check_block(block, layout.rows(grid.i()), layout.cols(grid.j()));
    if (error.empty() && start != nullptr) {
        try {
            detail::validate_factors(*start, m, n, opt.rank);
        } catch (const InvalidInput& e) {
            error = e.what();
        }
    }
    all_ok(grid.world(), error, 65);
    const detail::ThreadScope threads(opt.threads);  // per process; 0 = all cores, as serial
    // The fit of V' = 2^-e V (e from the global max|V|, engine/data_scale.hpp), as the serial fit().
    return make_local([&](const auto& local, int e) {
        DistributedFit<T> out;
        Result<T> r = detail::run_scaled<T>(detail::DataScale::balanced(e), opt, start, callbacks,
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
DistributedFit<T> fit_block(const Grid& grid, std::int64_t m, std::int64_t n, const Matrix<T>& block,
                            const Options& opt, const InitialFactors<T>* start, const Callbacks& callbacks) {
    return fit_any<T>(grid, m, n, block, opt, start, callbacks, [&](auto run_on) {
        const int e = global_scale_exponent(grid, block.data(), static_cast<std::size_t>(block.size()));
        Matrix<T> scaled;  // the block · 2^-e when e ≠ 0
        if (e != 0) {
            scaled = block;
            detail::scale_values(scaled.data(), static_cast<std::size_t>(scaled.size()), e);
        }
        const Matrix<T>& b = e != 0 ? scaled : block;
        const detail::DenseData<T> local(b.data(), b.rows(), b.cols(), b.rows());
        return run_on(local, e);
    });
}

template <class T>
DistributedFit<T> fit_block(const Grid& grid, std::int64_t m, std::int64_t n,
                            const Eigen::SparseMatrix<T, Eigen::ColMajor, int>& block, const Options& opt,
                            const InitialFactors<T>* start, const Callbacks& callbacks) {
    return fit_any<T>(grid, m, n, block, opt, start, callbacks, [&](auto run_on) {
        const auto nnz = static_cast<std::size_t>(block.nonZeros());
        const int e = global_scale_exponent(grid, block.valuePtr(), nnz);
        std::vector<T> values;  // the block's values · 2^-e when e ≠ 0; the indices are shared
        if (e != 0) {
            values.assign(block.valuePtr(), block.valuePtr() + nnz);
            detail::scale_values(values.data(), nnz, e);
        }
        const detail::SparseData<T, int> local(block.rows(), block.cols(), block.outerIndexPtr(),
                                               block.innerIndexPtr(), e != 0 ? values.data() : block.valuePtr(),
                                               !opt.low_memory);
        return run_on(local, e);
    });
}

template DistributedFit<float> fit_block(const Grid&, std::int64_t, std::int64_t, const Matrix<float>&,
                                         const Options&, const InitialFactors<float>*, const Callbacks&);
template DistributedFit<double> fit_block(const Grid&, std::int64_t, std::int64_t, const Matrix<double>&,
                                          const Options&, const InitialFactors<double>*, const Callbacks&);
template DistributedFit<float> fit_block(const Grid&, std::int64_t, std::int64_t,
                                         const Eigen::SparseMatrix<float, Eigen::ColMajor, int>&,
                                         const Options&, const InitialFactors<float>*, const Callbacks&);
template DistributedFit<double> fit_block(const Grid&, std::int64_t, std::int64_t,
                                          const Eigen::SparseMatrix<double, Eigen::ColMajor, int>&,
                                          const Options&, const InitialFactors<double>*, const Callbacks&);

}  // namespace nmfkit::mpi
