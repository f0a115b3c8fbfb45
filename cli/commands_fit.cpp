// `nmfkit fit`: factorize a matrix file, write W and H (with labels), a JSON report, progress.

#include <algorithm>
#include <chrono>
#include <thread>
#include <iostream>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

#include <nmfkit/io/blocks.hpp>
#include <nmfkit/io/csv.hpp>
#include <nmfkit/mask.hpp>
#include <nmfkit/online.hpp>

#include "checkpoint.hpp"
#include "common.hpp"
#include "option_flags.hpp"
#include "outputs.hpp"
#include "progress.hpp"
#include "rank.hpp"

#include <nlohmann/json.hpp>

namespace nmfkit::cli {
namespace {

/// The arguments of `nmfkit fit`; defaults come from nmfkit::Options.
struct FitArgs {
    std::string input;
    /// The Options fields (flags from nmfkit/option_fields.hpp; defaults from nmfkit::Options).
    std::shared_ptr<OptionFlags> options = std::make_shared<OptionFlags>();
    std::string init_w;
    std::string init_h;
    std::optional<double> alpha_w, alpha_h;  // scikit-learn's convention
    double l1_ratio = 0;
    std::string scales_out;
    std::string mask;  // --mask: a matrix file whose non-zero entries are missing
    ReadArgs read;
    WriteArgs write;
    ProgressArgs progress;
    std::string w_out;
    std::string h_out;
    std::string report_out;
    std::string assignments_out;  // --assignments: each sample's and feature's component
    bool print = false;
    // --online: stream V in blocks of columns (nmfkit/online.hpp)
    bool online = false;
    OnlineOptions online_options{.batch_size = 1024, .max_no_improvement = 0};
    int passes = 1;
    // --checkpoint FILE --checkpoint-every N, --resume FILE (checkpoint.hpp)
    std::string checkpoint;
    int checkpoint_every = 0;
    std::string resume;
};

std::vector<io::StagedFile> one(io::StagedFile f) {
    std::vector<io::StagedFile> files;
    files.push_back(std::move(f));
    return files;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// The penalties: absolute --l1-w ... or scikit-learn's --alpha-w/--alpha-h/--l1-ratio, which
/// depend on V's shape (m = n_samples, n = n_features), so they are resolved after reading V.
Penalties penalties_of(const FitArgs& a, const Options& opt, Eigen::Index m, Eigen::Index n) {
    if (!a.alpha_w && !a.alpha_h) return {opt.w, opt.h};
    const double alpha_w = a.alpha_w.value_or(0), alpha_h = a.alpha_h.value_or(alpha_w);
    return usage_checked([&] { return from_sklearn(alpha_w, alpha_h, a.l1_ratio, m, n); });
}

Options options_of(const FitArgs& a) {
    Options opt = a.options->apply();
    if (!a.init_w.empty() || !a.init_h.empty()) {
        if (a.init_w.empty() || a.init_h.empty())
            throw UsageError("--init-w and --init-h go together");
        opt.init = Init::custom;
    } else if (opt.init == Init::custom) {
        throw UsageError("--init custom needs --init-w W_FILE and --init-h H_FILE");
    }
    const Penalty none{};
    const bool absolute =
        opt.w.l1 != none.l1 || opt.w.l2 != none.l2 || opt.h.l1 != none.l1 || opt.h.l2 != none.l2;
    if (absolute && (a.alpha_w || a.alpha_h))
        throw UsageError(
            "--l1-w/--l2-w/--l1-h/--l2-h and --alpha-w/--alpha-h are two ways to give "
            "the penalties; use one");
    if (!a.scales_out.empty() && !opt.diagonal)
        throw UsageError("--scales writes d of V ≈ W diag(d) H; it needs --diagonal");
    if (opt.device.kind == Device::Kind::cuda && (!a.checkpoint.empty() || !a.resume.empty()))
        throw UsageError("--device " + to_string(opt.device) +
                         ": --checkpoint and --resume run on the CPU only (use --device cpu)");
    check_options(opt);
    return opt;
}

/// Timings of the phases of a run, in seconds.
struct Timings {
    double read = 0;
    double fit = 0;
    double write = 0;
};

/// The run as JSON: input, options, outcome, timings and the per-iteration history.
template <class T>
std::string json_report(const FitArgs& args, const Input& in, const Options& opt,
                        const Result<T>& r, bool interrupted, const Timings& t) {
    nlohmann::ordered_json history;
    const bool gradient = opt.stop == StopRule::projected_gradient;
    for (const char* key : {"iteration", "objective", "relative_change", "seconds"})
        history[key] = nlohmann::json::array();
    if (gradient) history["projected_gradient"] = nlohmann::json::array();
    const bool extrapolated = resolved_extrapolation(opt);
    if (extrapolated)
        for (const char* key : {"extrapolation", "restarted"})
            history[key] = nlohmann::json::array();
    for (const IterationStats& s : r.history) {
        history["iteration"].push_back(s.iteration);
        history["objective"].push_back(s.objective);
        history["relative_change"].push_back(s.relative_change);
        history["seconds"].push_back(s.seconds);
        if (gradient) history["projected_gradient"].push_back(s.projected_gradient);
        if (extrapolated) {
            history["extrapolation"].push_back(s.extrapolation);
            history["restarted"].push_back(s.restarted);
        }
    }
    nlohmann::ordered_json j;
    j["nmfkit"] = std::string(version);
    j["command"] = "fit";
    j["input"] = args.input;
    j["format"] = std::string(io::to_string(in.format));
    j["storage"] = in.is_sparse() ? "sparse" : "dense";
    j["dtype"] = in.dtype();
    j["source_dtype"] = in.file.source_dtype;
    j["transpose"] = in.transpose;
    j["rows"] = in.rows();
    j["cols"] = in.cols();
    j["rank"] = opt.rank;
    j["nnz"] = in.nnz();
    // The options from the table (nmfkit/option_fields.hpp), then what the fit resolved.
    write_option_fields(j, opt);
    j["solver"] = std::string(to_string(r.solver));
    j["loss"] = std::string(to_string(r.loss));
    j["init"] = std::string(to_string(r.init));
    j["extrapolation"] = extrapolated ? "on" : "off";
    j["beta"] = resolved_beta(opt);
    j["threads"] = r.threads;
    j["mask"] = args.mask;
    j["masked_entries"] = opt.mask ? opt.mask->size() : 0;
    j["underobserved_rows"] = r.underobserved_rows;
    j["underobserved_cols"] = r.underobserved_cols;
    {
        const BuildInfo b = build_info();
        j["isa"] = b.isa;  // the kernels' instruction set (NMFKIT_ISA caps it)
        j["isa_best"] = b.isa_best;
    }
    j["status"] = std::string(to_string(r.status));
    j["iterations"] = r.iterations;
    j["interrupted"] = interrupted;
    j["initial_objective"] = r.initial_objective;
    j["objective"] = r.objective;
    j["relative_error"] = r.relative_error;
    if (!r.restart_objectives.empty()) {
        j["restart_objectives"] = r.restart_objectives;
        j["best_restart"] = r.best_restart;
        j["best_seed"] = opt.seed + static_cast<std::uint64_t>(r.best_restart);
    }
    if (r.d.size() > 0) {
        j["d"] = nlohmann::json::array();
        for (Eigen::Index l = 0; l < r.d.size(); ++l) j["d"].push_back(static_cast<double>(r.d(l)));
    }
    j["seconds"] = r.seconds;
    j["timings"] = {{"read", t.read}, {"fit", t.fit}, {"write", t.write}};
    j["history"] = std::move(history);
    return j.dump(2) + "\n";
}

template <class T>
InitialFactors<T> read_start(const FitArgs& args) {
    InitialFactors<T> start;
    start.W = dense_of(read_factor(args.init_w)).cast<T>();
    start.H = dense_of(read_factor(args.init_h)).cast<T>();
    return start;
}

template <class T>
int fit_and_write(const FitArgs& args, const Input& in, const Options& opt, Timings& t) {
    std::optional<InitialFactors<T>> start;
    if (opt.init == Init::custom) start = read_start<T>(args);

    Callbacks callbacks;
    if (!args.resume.empty()) {
        Checkpoint c = read_checkpoint(args.resume);
        check_resumable(c, args.resume, fingerprint_of(in, opt.mask.get()), options_record(opt),
                        false);
        callbacks.resume = std::make_shared<const FitState>(std::move(c.state));
    }
    // The checkpoint holds V's fingerprint and the options once; each write adds the state.
    const InputFingerprint fingerprint =
        args.checkpoint.empty() ? InputFingerprint{} : fingerprint_of(in, opt.mask.get());
    if (!args.checkpoint.empty()) {
        callbacks.checkpoint_every = args.checkpoint_every;
        callbacks.on_checkpoint = [&](const FitState& s) {
            Checkpoint c;
            c.state = s;
            c.input = fingerprint;
            c.options = options_record(opt);
            write_checkpoint(args.checkpoint, c);
        };
    }
    Progress progress(args.progress, opt.max_iter, opt.time_limit);
    callbacks.on_iteration = [&progress](const IterationStats& s) {
        return progress.on_iteration(s);
    };
    const auto t0 = std::chrono::steady_clock::now();
    // A pair, not a structured binding: the writers' lambdas below capture r and interrupted,
    // which clang before 16 (clang-tidy 14) refuses for structured bindings.
    const auto outcome = [&] {
        const InterruptGuard guard;
        Result<T> result = located(in, false, [&] {
            return with_view<T>(in, false, [&](const auto& V) {
                return start ? fit(V, opt, *start, callbacks) : fit(V, opt, callbacks);
            });
        });
        return std::pair{std::move(result), InterruptGuard::requested()};
    }();
    const Result<T>& r = outcome.first;
    const bool interrupted = outcome.second;
    t.fit = seconds_since(t0);
    progress.finish(r.history);
    if (r.underobserved_rows > 0 || r.underobserved_cols > 0)
        std::cerr
            << "nmfkit fit: warning: " << plural(r.underobserved_rows, "row") << " and "
            << plural(r.underobserved_cols, "column") << " of V have fewer than k = " << opt.rank
            << " observed entries, so their factors are not determined by the data alone; they "
               "rest on "
            << "--missing-weight " << format("%g", opt.missing_weight)
            << " (missing entries pulled towards 0): raise it, add --l2-w/--l2-h, or lower -k\n";

    // Labels: W's rows are V's rows, H's columns are V's columns, the components are c1..ck.
    // A CSV/TSV factor carries labels when V has any (a matrix without labels gives plain numbers).
    const bool labelled = !in.row_labels.empty() || !in.col_labels.empty();
    const std::vector<std::string> components =
        labelled ? component_names(opt.rank) : std::vector<std::string>{};
    const Eigen::MatrixXd W = r.W.template cast<double>();  // m x k
    const Eigen::MatrixXd H = r.H.template cast<double>();  // k x n
    // Every output is staged (written in full under a temporary name) before any is renamed over
    // its target, so that a failure (disk full) never leaves a new W beside an old H.
    OutputSet out;
    const auto t1 = std::chrono::steady_clock::now();
    if (!args.w_out.empty())
        out.stage("-W", [&] {
            return stage_factor(args.w_out, W, in.row_labels, components, args.write);
        });
    if (!args.h_out.empty())
        out.stage("-H", [&] {
            return stage_factor(args.h_out, H, components, in.col_labels, args.write);
        });
    if (!args.scales_out.empty())
        out.stage("--scales", [&] {
            return stage_factor(args.scales_out, r.d.template cast<double>(), components, {"d"},
                                args.write);
        });
    t.write = seconds_since(t1);
    if (!args.report_out.empty())
        out.stage("--report", [&] {
            return one(
                io::stage_bytes(args.report_out, json_report(args, in, opt, r, interrupted, t)));
        });
    if (!args.assignments_out.empty())
        out.stage("--assignments", [&] {
            return one(io::stage_bytes(args.assignments_out,
                                       assignments_text(W, H, in.row_labels, in.col_labels)));
        });

    std::cout << "fit: " << in.rows() << " x " << in.cols() << ", k = " << opt.rank << ", solver "
              << to_string(r.solver) << ", loss " << to_string(r.loss) << ", "
              << plural(r.iterations, "iteration") << ", "
              << (interrupted ? std::string("interrupted") : std::string(to_string(r.status)))
              << ", relative error " << format("%.6g", r.relative_error) << ", objective "
              << format("%.3e", r.objective) << ", " << format("%.3g", t.fit) << " s, "
              << plural(r.threads, "thread") << "\n";
    if (args.print) {
        std::cout << '\n';
        print_matrix("V", in.dense_copy());
        print_matrix("W", W);
        print_matrix("H", H);
        print_matrix("WH", W * H);
        std::cout << "relative error ||V - WH||_F / ||V||_F = " << format("%.6g", r.relative_error)
                  << "\n";
    }
    out.commit();
    progress.check_log();
    return interrupted ? exit_interrupted : exit_ok;
}

// The --mask file, read as INPUT is (same --transpose and text options, without INPUT's label
// files, always float64): its non-zero entries (NaN included) are V's missing ones.
std::shared_ptr<const Mask> read_mask(const std::string& path, ReadArgs read, const Input& in) {
    read.row_labels_file.clear();
    read.col_labels_file.clear();
    read.dtype = "float64";
    const Input mask_in = read_input(path, read);
    if (mask_in.rows() != in.rows() || mask_in.cols() != in.cols())
        throw InvalidInput("--mask " + path + " is " + std::to_string(mask_in.rows()) + " x " +
                           std::to_string(mask_in.cols()) + " but " + in.path + " is " +
                           std::to_string(in.rows()) + " x " + std::to_string(in.cols()) +
                           (in.transpose ? " (both transposed)" : "") + "; they must match");
    return with_view<double>(mask_in, false, [](const auto& M) {
        if constexpr (std::is_same_v<std::decay_t<decltype(M)>, DenseView<double>>)
            return std::make_shared<const Mask>(Mask::from_dense(M));
        else
            return std::make_shared<const Mask>(Mask::from_sparse(M));
    });
}

/// --low-memory drops the row copy of sparse V (12 bytes per stored entry in float64, 8 in
/// float32, plus the row offsets) but the scattered product A·F needs a k x m result and one
/// m x k partial per thread: one warning line when that is more than the copy it saves.
void warn_low_memory(const Input& in, const Options& opt) {
    const double scalar = in.float32 ? 4.0 : 8.0;
    const double m = static_cast<double>(in.rows()), nnz = static_cast<double>(in.nnz());
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const double threads = opt.threads > 0 ? opt.threads : cores;
    const double saved = nnz * (4 + scalar) + 4 * (m + 1);
    const double needed = (1 + threads) * m * opt.rank * scalar;
    if (needed > saved)
        std::cerr << "nmfkit: warning: --low-memory saves " << format("%.3g", saved / 1048576)
                  << " MiB (the row copy of V) but its scattered products need "
                  << format("%.3g", needed / 1048576) << " MiB at k = " << opt.rank
                  << "; it raises the peak memory for this matrix (docs/cli.md, --low-memory)\n";
}

// --- nmfkit fit --online: V streamed in blocks of columns (io/blocks.hpp, nmfkit/online.hpp) ---

/// Refuses the options that the online fit does not take, before anything is read.
void check_online_args(const FitArgs& a, const Options& opt) {
    auto refuse = [](const std::string& what) {
        throw UsageError(what + " is not available with --online");
    };
    if (!a.mask.empty()) refuse("--mask");
    if (opt.init == Init::custom) refuse("--init-w/--init-h");
    if (!a.assignments_out.empty()) refuse("--assignments");
    if (!a.scales_out.empty() || opt.diagonal) refuse("--diagonal/--scales");
    if (opt.normalize != Normalize::none || opt.sort_components) refuse("--normalize/--sort");
    if (a.print) refuse("--print");
    if (opt.restarts > 1) refuse("--restarts");
    if (opt.missing != Missing::none) refuse("--missing");
    if (opt.stop == StopRule::projected_gradient) refuse("--stop projected_gradient");
    if (opt.device.kind == Device::Kind::cuda) refuse("--device " + to_string(opt.device));
    if (!a.read.row_labels_file.empty() || !a.read.col_labels_file.empty())
        refuse("--row-labels/--col-labels");
    if (a.alpha_w || a.alpha_h) refuse("--alpha-w/--alpha-h (give --l1-w ... as absolute weights)");
    if (a.passes < 1) throw UsageError("--passes must be >= 1, got " + std::to_string(a.passes));
    usage_checked([&] {
        validate(a.online_options);
        // The library's own refusals (loss, solver), before any data is read.
        const OnlineNMF<double> probe(1, opt, a.online_options);
        return 0;
    });
}

/// Bytes an online fit holds at once: one block as read (double) and as fitted (T), the block's
/// coefficients, and the dictionary with its statistics and work arrays (m x k, a few times).
double online_bytes(const io::BlockSource& src, std::int64_t batch, int k, double scalar) {
    const double m = static_cast<double>(src.rows()), n = static_cast<double>(src.cols());
    const double b = std::min<double>(static_cast<double>(batch), n), K = k;
    double block = 0;
    if (src.is_sparse()) {
        // Triplets as read (16 bytes), the CSC block (12), float values (4); per entry, at the
        // file's mean number of entries per column.
        block = static_cast<double>(src.entries()) / n * b * (16 + 12 + scalar);
    } else {
        block = m * b * (8 + scalar);
    }
    return block + scalar * (6 * m * K + 4 * b * K + 4 * K * K);
}

/// ‖V_b − W H_b‖² in double: dense entry by entry; sparse as ‖V_b‖² − 2Σ v (WH) + ⟨WᵀW, H Hᵀ⟩.
double block_residual(const io::ColumnBlock& blk, const Eigen::MatrixXd& W,
                      const Eigen::MatrixXd& H) {
    if (!blk.is_sparse) return (blk.dense - W * H).squaredNorm();
    const auto& S = blk.sparse;
    double norm = 0, cross = 0;
    for (Eigen::Index j = 0; j < S.outerSize(); ++j)
        for (Eigen::SparseMatrix<double, Eigen::ColMajor, int>::InnerIterator it(S, j); it; ++it) {
            norm += it.value() * it.value();
            cross += it.value() * W.row(it.row()).dot(H.col(j));
        }
    const double quad = ((W.transpose() * W).array() * (H * H.transpose()).array()).sum();
    return std::max(0.0, norm - 2 * cross + quad);
}

/// Calls f(view) with the block as the library's view in T (float: a cast copy in `store`).
template <class T, class F>
decltype(auto) with_block_view(const io::ColumnBlock& blk, Matrix<T>& dense_store,
                               std::vector<T>& value_store, F&& f) {
    if (blk.is_sparse) {
        const auto& S = blk.sparse;
        const T* values = nullptr;
        if constexpr (std::is_same_v<T, double>) {
            values = S.valuePtr();
        } else {
            value_store.assign(S.valuePtr(), S.valuePtr() + S.nonZeros());
            values = value_store.data();
        }
        return f(SparseView<T, int>(S.rows(), S.cols(), S.outerIndexPtr(), S.innerIndexPtr(),
                                    values, SparseLayout::csc));
    }
    if constexpr (std::is_same_v<T, double>) {
        return f(DenseView<T>(blk.dense));
    } else {
        dense_store = blk.dense.cast<T>();
        return f(DenseView<T>(dense_store));
    }
}

/// Runs @p f on a block; a library InvalidInput is rethrown naming the block's columns of V.
template <class F>
auto located_block(const io::ColumnBlock& blk, F&& f) {
    try {
        return f();
    } catch (const InvalidInput& e) {
        throw InvalidInput("columns " + std::to_string(blk.first + 1) + " to " +
                           std::to_string(blk.first + blk.cols()) + " of V: " + e.what());
    }
}

/// What a checkpoint of `fit --online` checks of V: its shape and type here; its values by the
/// checksum of its blocks as read (InputFingerprint::checksum once a pass has ended,
/// OnlineProgress::blocks_checksum for the pass in progress), checked by check_online_values.
InputFingerprint online_fingerprint(const io::BlockSource& src, bool transpose, bool float32) {
    InputFingerprint f;
    f.rows = src.rows();
    f.cols = src.cols();
    f.stored = src.entries();
    f.dtype = float32 ? "float32" : "float64";
    f.transpose = transpose;
    return f;
}

/// Refuses (InvalidInput) a V whose blocks differ from those of the fit that wrote @p c: when it
/// knows V's whole checksum, V is read once (I/O, no fitting); otherwise the blocks done of the
/// pass in progress are.
void check_online_values(io::BlockSource& src, std::int64_t batch_size, const Checkpoint& c,
                         const std::string& path) {
    const bool whole = c.input.checksum != 0;
    const std::int64_t done = c.progress.blocks;
    if (!whole && done == 0) return;
    src.rewind();
    io::ColumnBlock blk;
    std::uint64_t h = fnv1a({}), prefix = h;
    std::int64_t blocks = 0;
    while ((whole || blocks < done) && src.next(batch_size, blk)) {
        h = block_checksum(blk, h);
        if (++blocks == done) prefix = h;
    }
    if (blocks < done || prefix != c.progress.blocks_checksum || (whole && h != c.input.checksum))
        throw InvalidInput(path +
                           ": the checkpoint is not of this fit: V's entries differ (the checksum "
                           "of its blocks does not match)");
}

/// The options record of an online fit: Options' and the online parameters but --passes.
std::vector<std::pair<std::string, std::string>> online_record(const Options& opt,
                                                               const OnlineOptions& on) {
    auto r = options_record(opt);
    r.emplace_back("online.batch_size", std::to_string(on.batch_size));
    r.emplace_back("online.forget_factor", format("%.17g", on.forget_factor));
    r.emplace_back("online.max_no_improvement", std::to_string(on.max_no_improvement));
    r.emplace_back("online.fresh_restarts_max_iter", std::to_string(on.fresh_restarts_max_iter));
    return r;
}

template <class T>
OnlineState<T> online_state_of(const OnlineProgress& p) {
    OnlineState<T> s;
    s.W = p.W.cast<T>();
    s.A = p.A.cast<T>();
    s.B = p.B.cast<T>();
    s.steps = p.steps;
    s.samples_seen = p.samples_seen;
    s.ewa_cost = p.ewa_cost;
    s.ewa_cost_min = p.ewa_cost_min;
    s.no_improvement = p.no_improvement;
    return s;
}

template <class T>
int fit_online_and_write(const FitArgs& args, io::BlockSource& src, const Options& opt,
                         Timings& t) {
    OnlineOptions on = args.online_options;
    on.samples = src.cols();
    // The final pass's KL solve (Frobenius is exact): as many iterations as a block's solve.
    on.transform_max_iter = on.fresh_restarts_max_iter;
    const Eigen::Index m = src.rows(), n = src.cols(), k = opt.rank;
    // Its checksum is V's once a pass has read all of it (0 before).
    InputFingerprint fingerprint =
        online_fingerprint(src, args.read.transpose, std::is_same_v<T, float>);
    const auto record = online_record(opt, on);
    std::optional<Checkpoint> resumed;
    if (!args.resume.empty()) {
        resumed = read_checkpoint(args.resume);
        fingerprint.checksum = resumed->input.checksum;  // checked by reading V below
        check_resumable(*resumed, args.resume, fingerprint, record, true);
        check_online_values(src, on.batch_size, *resumed, args.resume);
    }
    OnlineNMF<T> model = resumed ? OnlineNMF<T>(online_state_of<T>(resumed->progress), opt, on)
                                 : OnlineNMF<T>(m, opt, on);
    io::ColumnBlock blk;
    Matrix<T> dense_store;
    std::vector<T> value_store;
    const auto t0 = std::chrono::steady_clock::now();
    const InterruptGuard guard;
    bool interrupted = false, stopped = false;
    std::string stop_rule;
    int passes_run = 0;
    std::int64_t steps = 0;
    nlohmann::ordered_json history;
    for (const char* key : {"pass", "smoothed_cost", "blocks", "seconds"})
        history[key] = nlohmann::json::array();
    // A resumed fit: the passes done, and the blocks of the pass in progress (read, not fitted).
    int first_pass = 0;
    std::int64_t skip = 0;
    if (resumed) {
        const OnlineProgress& p = resumed->progress;
        first_pass = p.pass;
        skip = p.blocks;
        steps = p.steps;
        passes_run = p.pass;
        for (Eigen::Index i = 0; i < p.passes.rows(); ++i) {
            history["pass"].push_back(static_cast<int>(p.passes(i, 0)));
            history["smoothed_cost"].push_back(p.passes(i, 1));
            history["blocks"].push_back(static_cast<std::int64_t>(p.passes(i, 2)));
            history["seconds"].push_back(p.passes(i, 3));
        }
    }
    std::uint64_t pass_checksum = 0;  // of the blocks read in the pass in progress
    // The state after `blocks` blocks of pass `pass` (0-based), for --checkpoint.
    auto save = [&](int pass, std::int64_t blocks, double smoothed) {
        Checkpoint c;
        c.online = true;
        OnlineProgress& p = c.progress;
        const OnlineState<T>& s = model.state();
        p.single_precision = std::is_same_v<T, float>;
        p.W = s.W.template cast<double>();
        p.A = s.A.template cast<double>();
        p.B = s.B.template cast<double>();
        p.steps = s.steps;
        p.samples_seen = s.samples_seen;
        p.ewa_cost = s.ewa_cost;
        p.ewa_cost_min = s.ewa_cost_min;
        p.no_improvement = s.no_improvement;
        p.pass = pass;
        p.blocks = blocks;
        p.smoothed = smoothed;
        p.blocks_checksum = pass_checksum;
        p.passes.resize(static_cast<Eigen::Index>(history["pass"].size()), 4);
        for (Eigen::Index i = 0; i < p.passes.rows(); ++i) {
            const auto at = static_cast<std::size_t>(i);
            p.passes.row(i) << history["pass"][at].get<double>(),
                history["smoothed_cost"][at].get<double>(), history["blocks"][at].get<double>(),
                history["seconds"][at].get<double>();
        }
        c.input = fingerprint;
        c.options = record;
        write_checkpoint(args.checkpoint, c);
    };
    for (int pass = first_pass; pass < args.passes && !stopped && !interrupted; ++pass) {
        src.rewind();
        double smoothed = 0;
        std::int64_t blocks = 0;
        pass_checksum = fnv1a({});
        if (pass == first_pass && skip > 0) {
            while (blocks < skip && src.next(on.batch_size, blk)) {
                pass_checksum = block_checksum(blk, pass_checksum);
                ++blocks;
            }
            smoothed = resumed->progress.smoothed;
        }
        bool whole_pass = true;
        while (src.next(on.batch_size, blk)) {
            pass_checksum = block_checksum(blk, pass_checksum);
            const OnlineStep s = located_block(blk, [&] {
                return with_block_view<T>(blk, dense_store, value_store,
                                          [&](const auto& V) { return model.partial_fit(V); });
            });
            smoothed = s.smoothed_cost;
            ++blocks;
            ++steps;
            if (!s.stop.empty()) {
                stop_rule = s.stop;
                stopped = true;
                whole_pass = false;
                break;
            }
            const bool interrupt = InterruptGuard::requested();
            if (!args.checkpoint.empty() &&
                (interrupt || (args.checkpoint_every > 0 && steps % args.checkpoint_every == 0)))
                save(pass, blocks, smoothed);
            if (interrupt) {
                interrupted = true;
                whole_pass = false;
                break;
            }
        }
        if (whole_pass) fingerprint.checksum = pass_checksum;  // all of V, as read
        passes_run = pass + 1;
        const double sec = seconds_since(t0);
        history["pass"].push_back(passes_run);
        history["smoothed_cost"].push_back(smoothed);
        history["blocks"].push_back(blocks);
        history["seconds"].push_back(sec);
        if (!args.progress.quiet)
            std::cerr << "pass " << passes_run << "/" << args.passes << ": " << blocks
                      << " blocks, smoothed cost per sample " << format("%.6g", smoothed) << ", "
                      << format("%.3g", sec) << " s\n";
    }
    t.fit = seconds_since(t0);

    // The final pass: each block's H with the final W (written as it comes for .npy), and the
    // objective and relative error over all of V.
    const auto t1 = std::chrono::steady_clock::now();
    const Eigen::MatrixXd W = model.W().template cast<double>();  // m x k
    const bool stream_h = !args.h_out.empty() && io::format_for(args.h_out) == io::Format::npy;
    std::unique_ptr<io::NpyColumnWriter> h_writer;
    if (stream_h && !interrupted)
        h_writer = std::make_unique<io::NpyColumnWriter>(args.h_out, k, n);
    Eigen::MatrixXd H_all;  // k x n, only for an -H that is not .npy
    if (!args.h_out.empty() && !stream_h && !interrupted) H_all.resize(k, n);
    double objective = 0, rss = 0, norm2 = 0;
    src.rewind();
    while (!interrupted && src.next(on.batch_size, blk)) {
        const Eigen::MatrixXd H = located_block(blk, [&] {
            return with_block_view<T>(blk, dense_store, value_store, [&](const auto& V) {
                const Matrix<T> Hb = model.transform(V);
                objective += model.objective(V, Hb);
                return Eigen::MatrixXd(Hb.template cast<double>());
            });
        });
        rss += block_residual(blk, W, H);
        norm2 += blk.is_sparse ? blk.sparse.squaredNorm() : blk.dense.squaredNorm();
        if (h_writer) h_writer->append(H);
        if (H_all.size() > 0) H_all.middleCols(blk.first, H.cols()) = H;
    }
    const Penalty& pw = opt.w;
    objective += pw.l1 * W.sum() + 0.5 * pw.l2 * W.squaredNorm();
    const double relative_error = norm2 > 0 ? std::sqrt(rss / norm2) : std::sqrt(rss);
    const double evaluate = seconds_since(t1);

    const std::string status = interrupted ? "interrupted"
                               : stopped   ? "converged"
                                           : "max_iter_reached";
    OutputSet out;
    const auto t2 = std::chrono::steady_clock::now();
    if (!args.w_out.empty())
        out.stage("-W", [&] { return stage_factor(args.w_out, W, {}, {}, args.write); });
    if (H_all.size() > 0)
        out.stage("-H", [&] { return stage_factor(args.h_out, H_all, {}, {}, args.write); });
    t.write = seconds_since(t2);
    if (!args.report_out.empty())
        out.stage("--report", [&] {
            nlohmann::ordered_json j;
            j["nmfkit"] = std::string(version);
            j["command"] = "fit";
            j["input"] = args.input;
            j["storage"] = src.is_sparse() ? "sparse" : "dense";
            j["dtype"] = std::is_same_v<T, float> ? "float32" : "float64";
            j["source_dtype"] = src.source_dtype();
            j["transpose"] = args.read.transpose;
            j["rows"] = m;
            j["cols"] = n;
            j["rank"] = opt.rank;
            j["online"] = {{"batch_size", on.batch_size},
                           {"passes", args.passes},
                           {"forget_factor", on.forget_factor},
                           {"max_no_improvement", on.max_no_improvement}};
            write_option_fields(j, opt);
            j["solver"] = std::string(to_string(model.solver()));
            j["loss"] = std::string(to_string(opt.loss));
            j["status"] = status;
            j["stop_rule"] = stop_rule;
            j["passes_run"] = passes_run;
            j["steps"] = steps;
            j["objective"] = objective;
            j["relative_error"] = relative_error;
            j["timings"] = {{"fit", t.fit}, {"evaluate", evaluate}, {"write", t.write}};
            j["history"] = history;
            return one(io::stage_bytes(args.report_out, j.dump(2) + "\n"));
        });
    std::cout << "fit --online: " << m << " x " << n << ", k = " << k << ", solver "
              << to_string(model.solver()) << ", loss " << to_string(opt.loss) << ", " << passes_run
              << (passes_run == 1 ? " pass" : " passes") << " (" << steps << " blocks of up to "
              << on.batch_size << " columns), " << status << ", relative error "
              << format("%.6g", relative_error) << ", objective " << format("%.3e", objective)
              << ", " << format("%.3g", t.fit) << " s\n";
    out.commit();
    if (h_writer && !interrupted) h_writer->commit();
    return interrupted ? exit_interrupted : exit_ok;
}

/// The block source of INPUT for --online (and the full-batch memory check): --format hdf5,
/// --layer and --max-memory reach the HDF5 reader (the limit then also bounds each block read).
std::unique_ptr<io::BlockSource> open_input_blocks(const FitArgs& args) {
    io::ReadOptions ro;
    if (!args.read.format.empty()) ro.format = io::parse_format(args.read.format);
    ro.layer = args.read.layer;
    if (!args.read.max_memory.empty())
        ro.max_memory = parse_bytes("--max-memory", args.read.max_memory);
    return io::open_blocks(args.input, args.read.transpose, ro);
}

int run_fit_online(const FitArgs& args, Options opt) {
    check_online_args(args, opt);
    Files files;
    files.reads("INPUT", args.input);
    files.reads("--resume", args.resume);
    if (!args.checkpoint.empty() &&
        !(!args.resume.empty() && io::same_file(args.resume, args.checkpoint)))
        files.writes("--checkpoint", args.checkpoint);
    files.writes_matrix("-W", args.w_out, args.write.sidecar_labels);
    files.writes_matrix("-H", args.h_out, args.write.sidecar_labels);
    files.writes("--report", args.report_out);
    files.check();
    Timings t;
    const std::unique_ptr<io::BlockSource> src = open_input_blocks(args);
    const bool float32 =
        args.read.dtype.empty() ? src->source_dtype() == "float32" : args.read.dtype == "float32";
    const std::uint64_t limit = args.read.max_memory.empty()
                                    ? io::default_max_memory()
                                    : parse_bytes("--max-memory", args.read.max_memory);
    const double need =
        online_bytes(*src, args.online_options.batch_size, opt.rank, float32 ? 4.0 : 8.0);
    if (need > static_cast<double>(limit))
        throw UsageError(
            "--online with --batch-size " + std::to_string(args.online_options.batch_size) +
            " at k = " + std::to_string(opt.rank) + " needs about " +
            format("%.3g", need / 1048576) + " MiB, more than --max-memory (" +
            format("%.3g", static_cast<double>(limit) / 1048576) + " MiB); lower --batch-size");
    return float32 ? fit_online_and_write<float>(args, *src, opt, t)
                   : fit_online_and_write<double>(args, *src, opt, t);
}

/// A full-batch fit holds V: refuse early, suggesting --online, when the file's header declares
/// more than --max-memory (only for the formats --online can stream; the reader's own check
/// covers the rest).
void check_full_batch_memory(const FitArgs& args) {
    std::unique_ptr<io::BlockSource> src;
    try {
        src = open_input_blocks(args);
    } catch (const std::exception&) {
        return;  // not streamable, or a bad header: the reader reports it
    }
    const std::uint64_t limit = args.read.max_memory.empty()
                                    ? io::default_max_memory()
                                    : parse_bytes("--max-memory", args.read.max_memory);
    // As read: dense m·n doubles; sparse, 12 bytes per entry for CSC and as much for the copy
    // the fit builds in the other orientation.
    const double bytes = src->is_sparse() ? 24.0 * static_cast<double>(src->entries())
                                          : 8.0 * static_cast<double>(src->rows()) *
                                                static_cast<double>(src->cols());
    if (bytes > static_cast<double>(limit))
        throw InvalidInput(args.input + ": a full-batch fit holds V in memory, about " +
                           format("%.0f", bytes) + " bytes, more than --max-memory (" +
                           std::to_string(limit) +
                           " bytes); use --online to stream it in blocks of columns (memory set "
                           "by --batch-size and k), or raise --max-memory");
}

int run_fit(const FitArgs& args) {
    Options opt = options_of(args);
    if (args.checkpoint_every < 0)
        throw UsageError("--checkpoint-every must be ≥ 0, got " +
                         std::to_string(args.checkpoint_every));
    if (args.checkpoint_every > 0 && args.checkpoint.empty())
        throw UsageError("--checkpoint-every needs --checkpoint FILE");
    if (args.online) return run_fit_online(args, opt);
    if (!args.mask.empty()) {  // a mask's solver/loss limits are usage errors, found before reading
        Options probe = opt;
        probe.mask = std::make_shared<const Mask>();
        usage_checked([&] {
            validate(probe);
            return 0;
        });
    }
    // Fail before reading and fitting when an output can never be written or names a file the
    // command reads (or another output), compared as files.
    Files files;
    files.reads("INPUT", args.input);
    files.reads("--row-labels", args.read.row_labels_file);
    files.reads("--col-labels", args.read.col_labels_file);
    files.reads("--mask", args.mask);
    files.reads("--init-w", args.init_w);
    files.reads("--init-h", args.init_h);
    files.reads("--resume", args.resume);
    // Resuming from the file it keeps writing is the usual case: one name for both.
    if (!args.checkpoint.empty() &&
        !(args.resume.size() > 0 && io::same_file(args.resume, args.checkpoint)))
        files.writes("--checkpoint", args.checkpoint);
    files.writes_matrix("-W", args.w_out, args.write.sidecar_labels);
    files.writes_matrix("-H", args.h_out, args.write.sidecar_labels);
    files.writes_matrix("--scales", args.scales_out, args.write.sidecar_labels);
    files.writes("--report", args.report_out);
    files.writes("--assignments", args.assignments_out);
    files.appends("--log-json", args.progress.log_json);
    files.check();
    Timings t;
    check_full_batch_memory(args);
    const auto t0 = std::chrono::steady_clock::now();
    ReadArgs read = args.read;
    read.csr_as_stored = !opt.low_memory;
    const Input in = read_input(args.input, read);
    t.read = seconds_since(t0);
    check_rank_memory(in, opt.rank);
    if (opt.low_memory && in.is_sparse()) warn_low_memory(in, opt);
    const Penalties p = penalties_of(args, opt, in.rows(), in.cols());
    opt.w = p.w;
    opt.h = p.h;
    if (!args.mask.empty()) opt.mask = read_mask(args.mask, args.read, in);
    if (args.write.sidecar_labels) check_label_lines(in);
    return in.float32 ? fit_and_write<float>(args, in, opt, t)
                      : fit_and_write<double>(args, in, opt, t);
}

}  // namespace

Command add_fit_command(CLI::App& app) {
    auto args = std::make_shared<FitArgs>();
    FitArgs& a = *args;
    CLI::App* cmd = app.add_subcommand(
        "fit", "Factorize a matrix file V (m x n) into W (m x k) and H (k x n), both >= 0");
    cmd->add_option("INPUT", a.input,
                    "matrix file: .csv .tsv .mtx .mtx.gz .npy .npz (sparse .mtx/.npz stay sparse)")
        ->required();
    OptionFlags& o = *a.options;
    o.add(*cmd, {{"rank"}});
    o.option("rank")->required()->default_str("");
    const std::string group = "Solver";
    o.add(*cmd,
          {{"loss", "objective: " + loss_names() + " (aliases fro, kl, is)"},
           {"beta"},
           {"solver", "update rule: " + solver_names() + " (default: the one marked * below)"},
           {"init"}},
          group);
    cmd->add_option("--init-w", a.init_w, "starting W (m x k) file; implies --init custom")
        ->group(group);
    cmd->add_option("--init-h", a.init_h, "starting H (k x n) file; implies --init custom")
        ->group(group);
    o.add(*cmd,
          {{"max_iter"},
           {"tol"},
           {"stop"},
           {"extrapolation"},
           {"time_limit"},
           {"seed"},
           {"threads"},
           {"low_memory"},
           {"hals_max_inner"},
           {"hals_alpha"},
           {"hals_epsilon"},
           {"restarts"},
           {"missing"},
           {"missing_weight"},
           {"device"}},
          group);
    cmd->add_option(
           "--mask", a.mask,
           "matrix file of V's shape (read as INPUT is, --transpose included) whose non-zero "
           "entries are missing; adds to --missing")
        ->group(group);
    o.add(*cmd, {{"fixed_W_columns"}, {"cd_newton_steps"}}, group);
    const std::string penalty_group =
        "Penalties (objective: loss + l1 sum(X) + l2/2 ||X||^2 per factor)";
    o.add(*cmd, {{"l1_W"}, {"l2_W"}, {"l1_H"}, {"l2_H"}}, penalty_group);
    cmd->add_option(
           "--alpha-w", a.alpha_w,
           "scikit-learn's alpha_W: l1_w = alpha_w l1_ratio n, l2_w = alpha_w (1 - l1_ratio) n")
        ->group(penalty_group);
    cmd->add_option("--alpha-h", a.alpha_h,
                    "scikit-learn's alpha_H (default: = alpha_w): scaled by m instead of n")
        ->group(penalty_group);
    cmd->add_option("--l1-ratio", a.l1_ratio, "scikit-learn's l1_ratio in [0, 1]")
        ->capture_default_str()
        ->group(penalty_group);
    const std::string scaling = "Scaling (after the fit; WH is unchanged)";
    o.add(*cmd, {{"normalize"}, {"diagonal"}, {"sort_components"}}, scaling);
    add_read_options(*cmd, a.read);
    cmd->add_option("-W", a.w_out, "write W (m x k): .npy .csv .tsv .mtx, by extension")
        ->group("Output");
    cmd->add_option("-H", a.h_out, "write H (k x n): .npy .csv .tsv .mtx, by extension")
        ->group("Output");
    cmd->add_option("--scales", a.scales_out, "write d (k x 1) of --diagonal")->group("Output");
    cmd->add_option("--assignments", a.assignments_out,
                    "write each sample's (column's) and feature's (row's) largest component as TSV")
        ->group("Output");
    cmd->add_option("--report", a.report_out,
                    "write the run (input, options, status, timings, history) as JSON")
        ->group("Output");
    add_write_options(*cmd, a.write);
    cmd->add_flag("--print", a.print, "also print V, W, H, WH and the relative error (small V)")
        ->group("Output");
    const std::string online_group = "Online (V streamed from disk in blocks of columns)";
    cmd->add_flag("--online", a.online,
                  "online (mini-batch) NMF: read .npy/.mtx INPUT block by block, never whole; "
                  "memory is set by --batch-size and k, not by the number of columns")
        ->group(online_group);
    cmd->add_option("--batch-size", a.online_options.batch_size,
                    "columns (samples) per block; with --transpose, rows")
        ->capture_default_str()
        ->group(online_group);
    cmd->add_option("--passes", a.passes, "passes over V")
        ->capture_default_str()
        ->group(online_group);
    cmd->add_option("--forget-factor", a.online_options.forget_factor,
                    "weight in [0, 1] of the earlier blocks' statistics after a pass "
                    "(scikit-learn's forget_factor)")
        ->capture_default_str()
        ->group(online_group);
    cmd->add_option("--max-no-improvement", a.online_options.max_no_improvement,
                    "stop after this many blocks without a new minimum of the smoothed cost; "
                    "0: never")
        ->capture_default_str()
        ->group(online_group);
    cmd->add_option("--fresh-restarts-max-iter", a.online_options.fresh_restarts_max_iter,
                    "iterations of each block's coefficient solve")
        ->capture_default_str()
        ->group(online_group);
    const std::string checkpoint_group = "Checkpoints";
    cmd->add_option("--checkpoint", a.checkpoint,
                    "write the fit's state to FILE (replaced atomically) every "
                    "--checkpoint-every iterations and on Ctrl-C or the time limit")
        ->group(checkpoint_group);
    cmd->add_option("--checkpoint-every", a.checkpoint_every,
                    "iterations between checkpoints; 0: only when the fit is interrupted")
        ->capture_default_str()
        ->group(checkpoint_group);
    cmd->add_option("--resume", a.resume,
                    "continue the fit saved in FILE by --checkpoint: same INPUT and options "
                    "(--max-iter, --time-limit, --threads may change); the result is that of "
                    "the uninterrupted fit")
        ->group(checkpoint_group);
    add_progress_options(*cmd, a.progress);
    name_file_options(
        *cmd, {"INPUT", "--init-w", "--init-h", "--mask", "-W", "-H", "--scales", "--report",
               "--assignments", "--log-json", "--checkpoint", "--resume"});
    cmd->footer(support_table() + R"(
Examples:
  nmfkit fit counts.mtx -k 20 -W W.csv -H H.csv --report run.json
  nmfkit fit matrix.mtx.gz --row-labels features.tsv --labels-field 2 \
      --col-labels barcodes.tsv -k 10 --loss kl -W W.tsv -H H.npy
  nmfkit fit data.csv -k 5 --solver mu --dtype float32 --max-iter 500 --tol 1e-6
  nmfkit fit data.npy -k 5 --transpose -W W.npy --log-json iterations.jsonl
  nmfkit fit spectrogram.npy -k 8 --loss itakura_saito -W W.npy -H H.npy
  nmfkit fit data.csv -k 5 --alpha-w 0.01 --l1-ratio 0.5 --normalize l1 --sort
  nmfkit fit big.npz -k 20 -W W.npy -H H.npy --checkpoint fit.ckpt --checkpoint-every 50
  nmfkit fit big.npz -k 20 -W W.npy -H H.npy --checkpoint fit.ckpt --resume fit.ckpt

Exit status: 0 success, 2 usage error, 65 bad data, 74 I/O error, 130 interrupted
(Ctrl-C: the result so far is written), 1 anything else.)");
    return {cmd, [args] { return run_fit(*args); }};
}

}  // namespace nmfkit::cli
