// nmfkit-mpi: the distributed mode (src/mpi). Run as
//   mpirun -np P nmfkit-mpi fit INPUT -k K [--grid PRxPC] [options] -W W.csv -H H.csv --report r.json
// Every rank reads its block of INPUT (Matrix Market or .npy), the ranks fit together, rank 0
// writes W, H, the report and the summary. Reference: docs/cli.md ("nmfkit-mpi").
// Errors found before the fit (usage, options, reading) are collective: every rank exits with the
// same status and rank 0 prints the one message. An error during the fit on one rank aborts all.

#include <mpi.h>

#include <algorithm>
#include <cstring>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <atomic>
#include <csignal>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <nmfkit/io/csv.hpp>
#include <nmfkit/io/formats.hpp>
#include <nmfkit/io/output.hpp>

#include "checkpoint.hpp"
#include "common.hpp"
#include "option_flags.hpp"
#include "outputs.hpp"
#include <nmfkit/mpi/fit.hpp>
#include <nmfkit/mpi/grid.hpp>
#include <nmfkit/io/read_block.hpp>

namespace {

using namespace nmfkit;
using namespace nmfkit::cli;
using Clock = std::chrono::steady_clock;

// Ctrl-C under mpirun: mpirun passes the job a SIGTERM (and a terminal's SIGINT may reach the
// ranks too). Either sets this flag; every iteration the ranks agree (an all-reduce of one int)
// and stop together, so W, H and the report are still written (exit 130), as the serial tool does.
std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free);
extern "C" void on_stop_signal(int) { stop_requested.store(true); }

/// While alive, SIGINT and SIGTERM set stop_requested.
struct StopSignals {
    StopSignals() {
        std::signal(SIGINT, on_stop_signal);
        std::signal(SIGTERM, on_stop_signal);
    }
    ~StopSignals() {
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
    }
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;
};

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// The fields of Options nmfkit-mpi takes (flags from nmfkit/option_fields.hpp).
const std::vector<std::string> option_names{
    "rank",       "loss",         "solver",         "init",     "max_iter",  "tol",
    "time_limit", "seed",         "threads",        "restarts", "l1_W",      "l2_W",
    "l1_H",       "l2_H",         "hals_max_inner", "stop",     "normalize", "sort_components",
    "low_memory", "extrapolation"};

Options base_options() {
    Options o;
    o.threads = 1;  // per process
    return o;
}

struct Args {
    std::string input;
    std::string grid;  // PRxPC; empty = chosen from the shape
    OptionFlags options{base_options()};
    std::string dtype = "float64";
    std::string w_out, h_out, report_out;
    bool quiet = false;
    // --checkpoint FILE --checkpoint-every N, --resume FILE (rank 0 writes; checkpoint.hpp)
    std::string checkpoint;
    int checkpoint_every = 0;
    std::string resume;
};

Options options_of(const Args& a) {
    Options opt = a.options.apply();
    check_options(opt);
    return opt;
}

// "PRxPC" → (pr, pc); P must equal pr·pc.
void parse_grid(const std::string& text, int P, int& pr, int& pc) {
    const auto x = text.find('x');
    try {
        if (x == std::string::npos) throw std::invalid_argument(text);
        std::size_t used = 0;
        pr = std::stoi(text.substr(0, x), &used);
        if (used != x) throw std::invalid_argument(text);
        pc = std::stoi(text.substr(x + 1), &used);
        if (used != text.size() - x - 1) throw std::invalid_argument(text);
    } catch (const std::exception&) {
        throw UsageError("--grid " + text + ": expected PRxPC, e.g. 2x4");
    }
    if (pr < 1 || pc < 1 || pr * pc != P)
        throw UsageError("--grid " + text + " has " + std::to_string(pr * pc) + " cells but " +
                         std::to_string(P) + " processes run; PR·PC must equal the process count");
}

// Runs f on every rank; an exception on any becomes the same CollectiveError on all.
template <class F>
void collectively(MPI_Comm comm, F&& f) {
    std::string error;
    int status = exit_ok;
    try {
        f();
    } catch (const UsageError& e) {
        error = e.what();
        status = exit_usage;
    } catch (const InvalidInput& e) {
        error = e.what();
        status = exit_data;
    } catch (const io::IoError& e) {
        error = e.what();
        status = exit_io;
    } catch (const std::bad_alloc&) {
        error = "out of memory";
        status = exit_failure;
    }
    mpi::all_ok(comm, error, status);
}

// The phase costs: max and mean over the ranks (on rank 0).
struct PhaseStats {
    std::vector<double> max, mean, sum;
};

std::vector<double> as_vector(const mpi::PhaseTimes& t) {
    return {t.local_product,        t.gram,
            t.all_gather,           t.reduce_scatter,
            t.all_reduce,           t.words_all_gather,
            t.words_reduce_scatter, t.words_all_reduce};
}

// The phases, the words and, last, `rest`: this rank's time outside the five phases (updates,
// objective parts, the start's own work).
PhaseStats phase_stats(const mpi::Grid& grid, const mpi::PhaseTimes& t, double rest) {
    std::vector<double> mine = as_vector(t);
    mine.push_back(rest);
    PhaseStats s{mine, mine, mine};
    const int count = static_cast<int>(mine.size());
    MPI_Reduce(mine.data(), s.max.data(), count, MPI_DOUBLE, MPI_MAX, 0, grid.world());
    MPI_Reduce(mine.data(), s.sum.data(), count, MPI_DOUBLE, MPI_SUM, 0, grid.world());
    for (std::size_t q = 0; q < s.sum.size(); ++q) s.mean[q] = s.sum[q] / grid.size();
    return s;
}

const char* const phase_names[] = {"local_product", "gram", "all_gather", "reduce_scatter",
                                   "all_reduce"};
const char* const word_names[] = {"all_gather", "reduce_scatter", "all_reduce"};

template <class T>
nlohmann::ordered_json report(const Args& a, const mpi::Grid& grid, const mpi::LocalBlock& in,
                              std::int64_t nnz, const Options& opt,
                              const mpi::DistributedFit<T>& fit, const PhaseStats& total,
                              const PhaseStats& per_it, double read_max, double write_seconds,
                              bool interrupted) {
    const Result<T>& r = fit.result;
    nlohmann::ordered_json j;
    j["interrupted"] = interrupted;
    j["input"] = {{"path", a.input},        {"rows", in.m},  {"cols", in.n},
                  {"sparse", in.is_sparse}, {"stored", nnz}, {"dtype", a.dtype}};
    j["grid"] = {{"processes", grid.size()}, {"pr", grid.pr()}, {"pc", grid.pc()}};
    nlohmann::ordered_json options;
    write_option_fields(options, opt, option_names);  // the table's fields, then what was resolved
    options["solver"] = to_string(resolved_solver(opt));
    options["extrapolation"] = resolved_extrapolation(opt) ? "on" : "off";
    options["init"] = to_string(r.init);
    options.erase("threads");
    options["threads_per_process"] = r.threads;
    j["options"] = std::move(options);
    j["result"] = {{"status", to_string(r.status)},
                   {"iterations", r.iterations},
                   {"objective", r.objective},
                   {"relative_error", r.relative_error},
                   {"initial_objective", r.initial_objective}};
    nlohmann::ordered_json phases;
    for (std::size_t q = 0; q < 5; ++q)
        phases[phase_names[q]] = {{"max_seconds", total.max[q]},
                                  {"mean_seconds", total.mean[q]},
                                  {"max_seconds_per_iteration", per_it.max[q]}};
    phases["update_and_rest"] = {{"max_seconds", total.max[8]},
                                 {"mean_seconds", total.mean[8]},
                                 {"max_seconds_per_iteration", per_it.max[8]}};
    phases["read"] = {{"max_seconds", read_max}};
    phases["gather_factors"] = {{"seconds", fit.seconds_gather}};
    phases["write"] = {{"seconds", write_seconds}};
    j["phases"] = phases;
    const mpi::PhaseTimes model =
        mpi::model_words_per_iteration(grid.layout(in.m, in.n), opt.rank, opt.loss);
    const std::vector<double> modelled = as_vector(model);
    nlohmann::ordered_json words;
    for (std::size_t q = 0; q < 3; ++q)
        words[word_names[q]] = {{"measured", per_it.sum[5 + q]}, {"model", modelled[5 + q]}};
    j["words_per_iteration_all_ranks"] = words;
    j["seconds"] = {{"fit", r.seconds},
                    {"per_iteration", r.iterations > 0 ? r.seconds / r.iterations : 0.0},
                    {"start", fit.seconds_init},
                    {"total", fit.seconds_total}};
    return j;
}

/// What identifies V for a checkpoint: the global shape and stored entries, the dtype, the grid,
/// and a checksum of V's entries that does not depend on the grid (so that a checkpoint can be
/// resumed on another one): the sum, mod 2^64, of a hash of each stored entry's global row,
/// column and value bits, over every rank's block as read. The same on every rank (collective).
InputFingerprint block_fingerprint(const Args& a, const mpi::Grid& grid, const mpi::LocalBlock& in,
                                   std::int64_t nnz) {
    InputFingerprint f;
    f.rows = in.m;
    f.cols = in.n;
    f.stored = in.is_sparse ? nnz : in.m * in.n;
    f.dtype = a.dtype;
    f.grid = std::to_string(grid.pr()) + "x" + std::to_string(grid.pc());
    // splitmix64's finaliser (Steele, Lea & Flood, OOPSLA 2014): every input bit reaches every
    // output bit, so that moved or changed entries change the sum.
    auto mix = [](std::uint64_t x) {
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        return x ^ (x >> 31);
    };
    auto entry = [&](std::int64_t i, std::int64_t j, double v) {
        std::uint64_t bits = 0;
        std::memcpy(&bits, &v, sizeof bits);
        return mix(mix(mix(static_cast<std::uint64_t>(i)) ^ static_cast<std::uint64_t>(j)) ^ bits);
    };
    const mpi::Layout layout = grid.layout(in.m, in.n);
    const std::int64_t r0 = layout.rows(grid.i()).begin, c0 = layout.cols(grid.j()).begin;
    std::uint64_t mine = 0;
    if (in.is_sparse) {
        const auto& S = in.sparse;
        for (Eigen::Index j = 0; j < S.outerSize(); ++j)
            for (Eigen::SparseMatrix<double, Eigen::ColMajor, int>::InnerIterator it(S, j); it;
                 ++it)
                mine += entry(r0 + it.row(), c0 + j, it.value());
    } else {
        for (Eigen::Index j = 0; j < in.dense.cols(); ++j)
            for (Eigen::Index i = 0; i < in.dense.rows(); ++i)
                mine += entry(r0 + i, c0 + j, in.dense(i, j));
    }
    std::uint64_t all = 0;
    MPI_Allreduce(&mine, &all, 1, MPI_UINT64_T, MPI_SUM, grid.world());
    f.checksum = all;
    return f;
}

/// --resume FILE: rank 0 reads the file, every rank gets its bytes and checks it against this
/// fit (collective: a bad file is the same error, exit 65 or 74, on every rank).
std::shared_ptr<const FitState> resumed_state(const Args& a, const mpi::Grid& grid,
                                              const InputFingerprint& now, const Options& opt) {
    std::string bytes;
    collectively(grid.world(), [&] {
        if (grid.rank() != 0) return;
        std::ifstream f(a.resume, std::ios::binary);
        if (!f) throw io::IoError("cannot open checkpoint \"" + a.resume + "\"");
        bytes.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
        if (f.bad()) throw io::IoError("cannot read checkpoint \"" + a.resume + "\"");
    });
    auto size = static_cast<std::uint64_t>(bytes.size());
    MPI_Bcast(&size, 1, MPI_UINT64_T, 0, grid.world());
    bytes.resize(size);
    // In pieces: a count is an int.
    constexpr std::uint64_t piece = std::uint64_t{1} << 30;
    for (std::uint64_t at = 0; at < size; at += piece)
        MPI_Bcast(bytes.data() + at, static_cast<int>(std::min(piece, size - at)), MPI_CHAR, 0,
                  grid.world());
    std::shared_ptr<const FitState> state;
    collectively(grid.world(), [&] {
        Checkpoint c = parse_checkpoint(bytes, a.resume);
        // Another process grid: the state holds the whole factors, and each rank takes its rows
        // of the new grid (the library's own_rows). The sums then run in another order, so the
        // fit goes on validly but not bit for bit as the interrupted run would have.
        InputFingerprint here = now;
        if (!c.input.grid.empty() && c.input.grid != now.grid) {
            if (grid.rank() == 0)
                std::cerr << "nmfkit-mpi: note: " << a.resume << " was written on grid "
                          << c.input.grid << ", this fit runs on grid " << now.grid
                          << ": W and H are redistributed; the fit continues, but its sums run "
                             "in another order, so its result is not bit for bit that of an "
                             "uninterrupted run\n";
            here.grid = c.input.grid;
        }
        check_resumable(c, a.resume, here, options_record(opt), false);
        // What the library would refuse inside the fit is refused here, on every rank alike.
        const FitState& s = c.state;
        auto bad = [&](const std::string& why) { throw InvalidInput(a.resume + ": " + why); };
        if (s.version != FitState::current_version)
            bad("fit state version " + std::to_string(s.version) + ", this build reads " +
                std::to_string(FitState::current_version));
        if (s.single_precision != (a.dtype == "float32"))
            bad("the checkpoint's precision is not --dtype " + a.dtype);
        if (s.W.rows() != now.rows || s.W.cols() != opt.rank || s.Ht.rows() != now.cols ||
            s.Ht.cols() != opt.rank)
            bad("the checkpoint's W and H are not of V's shape at k = " + std::to_string(opt.rank));
        if (s.iteration < 0 || static_cast<std::size_t>(s.iteration) != s.history.size())
            bad("the checkpoint's iteration does not match its history");
        if (s.iteration >= opt.max_iter)
            bad("the checkpoint is at iteration " + std::to_string(s.iteration) + ", --max-iter " +
                std::to_string(opt.max_iter) + " leaves nothing to do");
        state = std::make_shared<const FitState>(std::move(c.state));
    });
    return state;
}

template <class T>
int fit_and_write(const Args& a, const Options& opt, const mpi::Grid& grid,
                  const mpi::LocalBlock& in, double read_seconds) {
    std::int64_t local_nnz = in.is_sparse ? in.sparse.nonZeros() : in.dense.size(), nnz = 0;
    MPI_Allreduce(&local_nnz, &nnz, 1, MPI_INT64_T, MPI_SUM, grid.world());
    mpi::DistributedFit<T> fit;
    bool interrupted = false;
    Callbacks callbacks;
    callbacks.on_iteration = [&grid, &interrupted](const IterationStats&) {
        int mine = stop_requested.load() ? 1 : 0, any = 0;
        MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, grid.world());
        interrupted = any != 0;
        return !interrupted;
    };
    const InputFingerprint fingerprint = !a.checkpoint.empty() || !a.resume.empty()
                                             ? block_fingerprint(a, grid, in, nnz)
                                             : InputFingerprint{};
    if (!a.resume.empty()) callbacks.resume = resumed_state(a, grid, fingerprint, opt);
    bool checkpointed = false;
    if (!a.checkpoint.empty()) {
        // Every rank is called at the same iteration with the state gathered to rank 0, which
        // writes it; a failed write stops every rank together (exit 74).
        callbacks.checkpoint_every = a.checkpoint_every;
        callbacks.on_checkpoint = [&](const FitState& s) {
            collectively(grid.world(), [&] {
                if (grid.rank() != 0) return;
                Checkpoint c;
                c.state = s;
                c.input = fingerprint;
                c.options = options_record(opt);
                write_checkpoint(a.checkpoint, c);
            });
            checkpointed = true;
        };
    }
    try {
        const StopSignals signals;
        if (in.is_sparse) {
            Eigen::SparseMatrix<T, Eigen::ColMajor, int> block = in.sparse.template cast<T>();
            block.makeCompressed();
            fit = mpi::fit_block<T>(grid, in.m, in.n, block, opt, nullptr, callbacks);
        } else {
            fit = mpi::fit_block<T>(grid, in.m, in.n, Matrix<T>(in.dense.template cast<T>()), opt,
                                    nullptr, callbacks);
        }
    } catch (const mpi::CollectiveError&) {
        throw;
    } catch (const std::exception& e) {
        // One rank failed inside the fit while the others may wait in a collective: abort them all.
        std::cerr << "nmfkit-mpi: error: rank " << grid.rank() << ": " << e.what() << "\n";
        MPI_Abort(grid.world(), exit_failure);
    }
    auto phases_sum = [](const mpi::PhaseTimes& t) {
        return t.local_product + t.gram + t.all_gather + t.reduce_scatter + t.all_reduce;
    };
    const double rest = fit.seconds_total - fit.seconds_gather - phases_sum(fit.times);
    const double iteration =
        fit.result.iterations > 0 ? fit.result.seconds / fit.result.iterations : 0.0;
    const PhaseStats total = phase_stats(grid, fit.times, rest),
                     per_it = phase_stats(grid, fit.per_iteration,
                                          iteration - phases_sum(fit.per_iteration));
    double read_max = 0;
    MPI_Reduce(&read_seconds, &read_max, 1, MPI_DOUBLE, MPI_MAX, 0, grid.world());
    double write_seconds = 0;
    collectively(grid.world(), [&] {
        if (grid.rank() != 0) return;
        const auto t0 = Clock::now();
        const Result<T>& r = fit.result;
        // As `nmfkit fit` writes a matrix without labels: plain numbers.
        // Staged, then renamed as a set (outputs.hpp).
        OutputSet out;
        if (!a.w_out.empty())
            out.stage("-W", [&] {
                return stage_factor(a.w_out, r.W.template cast<double>(), {}, {}, WriteArgs{});
            });
        if (!a.h_out.empty())
            out.stage("-H", [&] {
                return stage_factor(a.h_out, r.H.template cast<double>(), {}, {}, WriteArgs{});
            });
        write_seconds = seconds_since(t0);
        if (!a.report_out.empty())
            out.stage("--report", [&] {
                std::vector<io::StagedFile> files;
                files.push_back(
                    io::stage_bytes(a.report_out, report(a, grid, in, nnz, opt, fit, total, per_it,
                                                         read_max, write_seconds, interrupted)
                                                          .dump(2) +
                                                      "\n"));
                return files;
            });
        out.commit();
    });
    if (grid.rank() == 0 && !a.quiet) {
        const Result<T>& r = fit.result;
        std::printf("fit: %lld x %lld, k = %d, solver %s, loss %s, %d processes on a %dx%d grid\n",
                    static_cast<long long>(in.m), static_cast<long long>(in.n), opt.rank,
                    std::string(to_string(resolved_solver(opt))).c_str(),
                    std::string(to_string(opt.loss)).c_str(), grid.size(), grid.pr(), grid.pc());
        std::printf(
            "%s after %s: relative error %.6g, objective %.10g, %.3f s (%.4f s per iteration)\n",
            std::string(to_string(r.status)).c_str(), plural(r.iterations, "iteration").c_str(),
            r.relative_error, r.objective, r.seconds,
            r.iterations > 0 ? r.seconds / r.iterations : 0.0);
        std::printf("phases, start included (max over ranks, s): read %.3f", read_max);
        for (std::size_t q = 0; q < 5; ++q) std::printf(", %s %.3f", phase_names[q], total.max[q]);
        std::printf(", update and rest %.3f\n", total.max[8]);
    }
    if (interrupted && grid.rank() == 0) {
        std::fprintf(stderr, "nmfkit-mpi: interrupted; the result so far was written\n");
        if (checkpointed)
            std::fprintf(stderr,
                         "nmfkit-mpi: checkpoint written to %s; continue with --resume %s\n",
                         a.checkpoint.c_str(), a.checkpoint.c_str());
    }
    return interrupted ? exit_interrupted : exit_ok;
}

int fit_command(const Args& a, MPI_Comm world) {
    int P = 1, me = 0;
    MPI_Comm_size(world, &P);
    MPI_Comm_rank(world, &me);
    Options opt;
    mpi::FileShape shape;
    int pr = 1, pc = 1;
    collectively(world, [&] {
        // An unsupported solver/loss pair is a usage error (2), as in `nmfkit fit`.
        opt = usage_checked([&] { return mpi::distributed_options(options_of(a)); });
        if (a.dtype != "float32" && a.dtype != "float64")
            throw UsageError("--dtype " + a.dtype + ": expected float32 or float64");
        if (a.checkpoint_every < 0)
            throw UsageError("--checkpoint-every must be ≥ 0, got " +
                             std::to_string(a.checkpoint_every));
        if (a.checkpoint_every > 0 && a.checkpoint.empty())
            throw UsageError("--checkpoint-every needs --checkpoint FILE");
        if (me == 0) {
            Files files;
            files.reads("INPUT", a.input);
            files.reads("--resume", a.resume);
            if (!a.checkpoint.empty() &&
                !(!a.resume.empty() && io::same_file(a.resume, a.checkpoint)))
                files.writes("--checkpoint", a.checkpoint);
            files.writes_matrix("-W", a.w_out);
            files.writes_matrix("-H", a.h_out);
            files.writes("--report", a.report_out);
            files.check();
        }
        shape = mpi::read_shape(a.input);
        if (a.grid.empty())
            mpi::choose_grid(P, shape.m, shape.n, pr, pc);
        else
            parse_grid(a.grid, P, pr, pc);
    });
    const mpi::Grid grid(world, pr, pc);
    const auto t0 = Clock::now();
    const mpi::LocalBlock block = mpi::read_block(a.input, grid);
    const double read_seconds = seconds_since(t0);
    return a.dtype == "float32" ? fit_and_write<float>(a, opt, grid, block, read_seconds)
                                : fit_and_write<double>(a, opt, grid, block, read_seconds);
}

// "frobenius: mu, als, ...; kullback_leibler: mu": the pairs the registry marks distributed.
std::string distributed_solvers() {
    std::string out;
    for (Loss l : all_losses()) {
        std::string names;
        for (Solver s : solvers_for(l))
            if (solver_traits(s, l).distributed)
                names += (names.empty() ? "" : ", ") + std::string(to_string(s));
        if (!names.empty())
            out += (out.empty() ? "" : "; ") + std::string(to_string(l)) + ": " + names;
    }
    return out;
}

int run(int argc, char** argv, MPI_Comm world) {
    int me = 0;
    MPI_Comm_rank(world, &me);
    CLI::App app{"nmfkit-mpi: distributed non-negative matrix factorization V ~ W H over MPI",
                 "nmfkit-mpi"};
    app.set_version_flag("--version", "nmfkit-mpi " + std::string(nmfkit::version));
    app.require_subcommand(1);
    app.footer(R"(Example:
  mpirun -np 4 nmfkit-mpi fit counts.mtx -k 20 --grid 2x2 -W W.csv -H H.csv --report run.json
  mpirun -np 4 nmfkit-mpi fit counts.mtx -k 20 --grid 2x2 --checkpoint fit.ckpt --checkpoint-every 50
  mpirun -np 4 nmfkit-mpi fit counts.mtx -k 20 --grid 2x2 --checkpoint fit.ckpt --resume fit.ckpt
Exit status: 0 success, 2 usage error, 65 bad data, 74 I/O error, 1 other (every rank alike).)");
    Args a;
    CLI::App* fit =
        app.add_subcommand("fit", "factorize INPUT (Matrix Market or .npy) over all processes");
    fit->add_option("INPUT", a.input, "matrix file: .mtx (sparse or dense) or .npy")->required();
    OptionFlags& o = a.options;
    o.add(*fit, {{"rank", "number of components"}});
    o.option("rank")->required()->default_str("");
    fit->add_option("--grid", a.grid, "process grid PRxPC (default: m/PR ≈ n/PC)");
    o.add(*fit, {{"loss", "frobenius or kullback_leibler"},
                 {"solver", distributed_solvers()},
                 {"init",
                  "random, nndsvd, nndsvda, nndsvdar (default as nmfkit fit: nndsvda for one run)"},
                 {"max_iter", "iterations at most"},
                 {"tol"},
                 {"time_limit"},
                 {"seed"},
                 {"threads", "OpenMP threads per process"},
                 {"restarts", "runs from seeds seed, seed+1, ...; the best is kept"},
                 {"l1_W"},
                 {"l2_W"},
                 {"l1_H"},
                 {"l2_H"},
                 {"hals_max_inner"},
                 {"stop"},
                 {"extrapolation"},
                 {"normalize"},
                 {"sort_components", "order components by contribution"},
                 {"low_memory", "sparse blocks: keep one copy (no transposed copy)"}});
    fit->add_option("--dtype", a.dtype, "float32 or float64 (default)");
    fit->add_option("-W,--w-out", a.w_out, "write W (m x k) here (rank 0)");
    fit->add_option("-H,--h-out", a.h_out, "write H (k x n) here (rank 0)");
    fit->add_option("--report", a.report_out,
                    "write a JSON report with per-phase times here (rank 0)");
    fit->add_flag("-q,--quiet", a.quiet, "print nothing on success");
    const std::string checkpoint_group = "Checkpoints";
    fit->add_option("--checkpoint", a.checkpoint,
                    "rank 0 saves the fit's state (W, H gathered) to FILE, atomically, every "
                    "--checkpoint-every iterations and on Ctrl-C/SIGTERM or the time limit")
        ->group(checkpoint_group);
    fit->add_option("--checkpoint-every", a.checkpoint_every,
                    "iterations between checkpoints; 0: only when the fit is interrupted")
        ->check(CLI::NonNegativeNumber)
        ->group(checkpoint_group);
    fit->add_option("--resume", a.resume,
                    "continue the fit saved in FILE by --checkpoint: same INPUT, options, "
                    "process count and grid (--max-iter and --time-limit may differ)")
        ->group(checkpoint_group);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (me == 0) return app.exit(e) == 0 ? exit_ok : exit_usage;
        return e.get_exit_code() == 0 ? exit_ok : exit_usage;
    }
    return fit_command(a, world);
}

}  // namespace

int main(int argc, char** argv) {
    nmfkit::cli::apply_omp_wait_policy(argv);  // first: libgomp reads its policy at load
    // A file-size limit (ulimit -f) must not kill the process half-way through an output: with
    // SIGXFSZ ignored, the write fails with EFBIG, reported as an I/O error (exit 74), and the
    // temporary file is removed.
    std::signal(SIGXFSZ, SIG_IGN);
    MPI_Init(&argc, &argv);
    int me = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    int status = exit_failure;
    try {
        status = run(argc, argv, MPI_COMM_WORLD);
    } catch (const mpi::CollectiveError& e) {
        if (me == 0) std::cerr << "nmfkit-mpi: error: " << e.what() << "\n";
        status = e.exit_status();
    } catch (const std::exception& e) {
        std::cerr << "nmfkit-mpi: error: rank " << me << ": " << e.what() << "\n";
        MPI_Abort(MPI_COMM_WORLD, exit_failure);
    }
    MPI_Finalize();
    return status;
}
