// The checkpoint file of `nmfkit fit --checkpoint/--resume`, `nmfkit-mpi fit` and the Python
// module: its bytes, written and parsed, and what a resume checks of them (checkpoint.hpp).
// Needs only public headers, so that the fuzz harness (tests/fuzz/fuzz_checkpoint.cpp) and the
// Python module (python/src/module.cpp) build it without the CLI; the file I/O is checkpoint.cpp's.

#include "checkpoint.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <cstring>
#include <map>
#include <sstream>

#include <nmfkit/errors.hpp>
#include <nmfkit/mask.hpp>

namespace nmfkit::cli {
namespace {

static_assert(std::endian::native == std::endian::little, "the checkpoint file is little-endian");

constexpr std::string_view magic = "NMFKITCK";
constexpr std::string_view trailer = "END!";
constexpr std::uint32_t file_version = 1;
constexpr int history_columns = 7;

template <class X>
std::string_view bytes_of(const X* data, std::size_t count) {
    return {reinterpret_cast<const char*>(data), count * sizeof(X)};
}

template <class X>
void put(std::string& out, X x) {
    out.append(reinterpret_cast<const char*>(&x), sizeof(X));
}

void put_name(std::string& out, char kind, std::string_view name) {
    out.push_back(kind);
    put(out, static_cast<std::uint16_t>(name.size()));
    out.append(name);
}

void put_matrix(std::string& out, std::string_view name, const Eigen::MatrixXd& X) {
    put_name(out, 'd', name);
    put(out, static_cast<std::uint64_t>(X.rows()));
    put(out, static_cast<std::uint64_t>(X.cols()));
    out.append(bytes_of(X.data(), static_cast<std::size_t>(X.size())));
}

void put_text(std::string& out, std::string_view name, std::string_view text) {
    put_name(out, 't', name);
    put(out, static_cast<std::uint64_t>(text.size()));
    out.append(text);
}

/// Reads the records of a checkpoint; every length is checked against what is left.
class Reader {
public:
    Reader(std::string_view bytes, const std::string& name) : b_(bytes), name_(name) {}

    [[noreturn]] void fail(const std::string& why) const { throw InvalidInput(name_ + ": " + why); }
    std::string_view take(std::uint64_t n, const char* what) {
        if (n > b_.size() - at_)
            fail(std::string("truncated in ") + what + " (byte " + std::to_string(at_) +
                 "): not a complete checkpoint");
        const std::string_view s = b_.substr(at_, n);
        at_ += n;
        return s;
    }
    template <class X>
    X get(const char* what) {
        X x;
        std::memcpy(&x, take(sizeof(X), what).data(), sizeof(X));
        return x;
    }
    std::size_t at() const { return at_; }
    std::size_t size() const { return b_.size(); }

private:
    std::string_view b_;
    const std::string& name_;
    std::size_t at_ = 0;
};

/// @p x as an integer of type I, or a failure naming @p what (a crafted file may hold anything).
template <class I>
I integer(const Reader& r, double x, const char* what) {
    if (!(x >= -9.0e15 && x <= 9.0e15) || x != std::floor(x) ||
        x < static_cast<double>(std::numeric_limits<I>::min()) ||
        x > static_cast<double>(std::numeric_limits<I>::max()))
        r.fail(std::string("record ") + what + " holds no valid integer");
    return static_cast<I>(x);
}

std::map<std::string, std::string> lines_of(const std::string& text) {
    std::map<std::string, std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        const auto eq = line.find('=');
        if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return out;
}

std::string input_text(const InputFingerprint& f) {
    return "rows=" + std::to_string(f.rows) + "\ncols=" + std::to_string(f.cols) +
           "\nstored=" + std::to_string(f.stored) + "\ndtype=" + f.dtype +
           "\ntranspose=" + (f.transpose ? "1" : "0") + "\nchecksum=" + std::to_string(f.checksum) +
           "\n" + (f.grid.empty() ? "" : "grid=" + f.grid + "\n") +
           (f.mask.empty() ? "" : "mask=" + f.mask + "\n") +
           (f.storage.empty() ? "" : "storage=" + f.storage + "\n");
}

Eigen::MatrixXd history_matrix(const std::vector<IterationStats>& h) {
    Eigen::MatrixXd history(static_cast<Eigen::Index>(h.size()), history_columns);
    for (Eigen::Index i = 0; i < history.rows(); ++i) {
        const IterationStats& x = h[static_cast<std::size_t>(i)];
        history.row(i) << x.iteration, x.objective, x.relative_change, x.projected_gradient,
            x.seconds, x.extrapolation, (x.restarted ? 1 : 0);
    }
    return history;
}

Eigen::VectorXd vector_of(const std::vector<double>& x) {
    return Eigen::Map<const Eigen::VectorXd>(x.data(), static_cast<Eigen::Index>(x.size()));
}

constexpr int best_head_size = 13;

/// The records of the restarts done (Options::restarts > 1): their objectives and the kept run.
void put_restarts(std::string& out, const FitState& s) {
    put_matrix(out, "restart_objectives", vector_of(s.restart_objectives));
    if (s.best_restart < 0) return;
    const Result<double>& b = s.best;
    Eigen::MatrixXd head(1, best_head_size);
    head << s.best_restart, static_cast<double>(b.status), b.iterations,
        static_cast<double>(b.solver), static_cast<double>(b.loss), static_cast<double>(b.init),
        b.initial_objective, b.objective, b.relative_error, b.seconds, b.threads,
        static_cast<double>(b.underobserved_rows), static_cast<double>(b.underobserved_cols);
    put_matrix(out, "best", head);
    put_matrix(out, "best_W", b.W);
    put_matrix(out, "best_H", b.H);
    put_matrix(out, "best_d", b.d);
    put_matrix(out, "best_history", history_matrix(b.history));
}

/// The records of a full-batch fit's state.
void put_fit_state(std::string& out, const FitState& s) {
    Eigen::MatrixXd head(1, 7);
    head << s.version, (s.single_precision ? 1 : 0), s.restart, s.iteration, s.objective,
        s.initial_objective, s.gradient0;
    put_matrix(out, "state", head);
    put_matrix(out, "W", s.W);
    put_matrix(out, "Ht", s.Ht);
    put_matrix(out, "history", history_matrix(s.history));
    put_matrix(out, "scalars", vector_of(s.scalars));
    for (const Eigen::MatrixXd& X : s.matrices) put_matrix(out, "loop_matrix", X);
    if (s.restart > 0 || !s.restart_objectives.empty() || s.best_restart >= 0) put_restarts(out, s);
}

/// The history records (iteration, objective, ...), checked.
std::vector<IterationStats> history_of(const Reader& r, const Eigen::MatrixXd& history,
                                       const char* key) {
    if (history.cols() != history_columns && history.rows() > 0)
        r.fail(std::string("record ") + key + " has the wrong shape");
    std::vector<IterationStats> out;
    for (Eigen::Index i = 0; i < history.rows(); ++i) {
        IterationStats h;
        h.iteration = integer<int>(r, history(i, 0), key);
        h.objective = history(i, 1);
        h.relative_change = history(i, 2);
        h.projected_gradient = history(i, 3);
        h.seconds = history(i, 4);
        h.extrapolation = history(i, 5);
        h.restarted = history(i, 6) != 0;
        out.push_back(h);
    }
    return out;
}

/// An enum stored as its integer, checked against its last enumerator @p last.
template <class E>
E enum_of(const Reader& r, double x, E last, const char* key) {
    const int v = integer<int>(r, x, key);
    if (v < 0 || v > static_cast<int>(last))
        r.fail(std::string("record ") + key + " holds no valid value");
    return static_cast<E>(v);
}

/// The restart records into @p s (absent: none).
void get_restarts(const Reader& r, std::map<std::string, Eigen::MatrixXd>& m, FitState& s) {
    if (const auto it = m.find("restart_objectives"); it != m.end())
        s.restart_objectives.assign(it->second.data(), it->second.data() + it->second.size());
    const auto head_it = m.find("best");
    if (head_it == m.end()) return;
    for (const char* key : {"best_W", "best_H", "best_d", "best_history"})
        if (m.count(key) == 0) r.fail(std::string("no record ") + key);
    const Eigen::MatrixXd& head = head_it->second;
    if (head.size() != best_head_size) r.fail("record best has the wrong size");
    Result<double>& b = s.best;
    s.best_restart = integer<int>(r, head(0), "best");
    b.status = enum_of(r, head(1), Status::stopped_by_callback, "best");
    b.iterations = integer<int>(r, head(2), "best");
    b.solver = enum_of(r, head(3), Solver::nenmf, "best");
    b.loss = enum_of(r, head(4), Loss::beta, "best");
    b.init = enum_of(r, head(5), Init::custom, "best");
    b.initial_objective = head(6);
    b.objective = head(7);
    b.relative_error = head(8);
    b.seconds = head(9);
    b.threads = integer<int>(r, head(10), "best");
    b.underobserved_rows = integer<std::int64_t>(r, head(11), "best");
    b.underobserved_cols = integer<std::int64_t>(r, head(12), "best");
    b.W = std::move(m["best_W"]);
    b.H = std::move(m["best_H"]);
    const Eigen::MatrixXd& d = m["best_d"];
    if (d.cols() > 1) r.fail("record best_d has the wrong shape");
    b.d = Eigen::Map<const Eigen::VectorXd>(d.data(), d.size());
    b.history = history_of(r, m["best_history"], "best_history");
}

}  // namespace

std::uint64_t fnv1a(std::string_view bytes, std::uint64_t h) {
    for (const char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

std::uint64_t block_checksum(const io::ColumnBlock& block, std::uint64_t h) {
    const std::int64_t head[] = {
        block.first, block.is_sparse ? block.sparse.rows() : block.dense.rows(), block.cols()};
    h = fnv1a(bytes_of(head, 3), h);
    if (block.is_sparse) {
        const auto& S = block.sparse;
        h = fnv1a(bytes_of(S.outerIndexPtr(), static_cast<std::size_t>(S.outerSize()) + 1), h);
        h = fnv1a(bytes_of(S.innerIndexPtr(), static_cast<std::size_t>(S.nonZeros())), h);
        return fnv1a(bytes_of(S.valuePtr(), static_cast<std::size_t>(S.nonZeros())), h);
    }
    return fnv1a(bytes_of(block.dense.data(), static_cast<std::size_t>(block.dense.size())), h);
}

std::string mask_text(const Mask* mask) {
    if (mask == nullptr) return "";
    const std::int64_t shape[] = {mask->rows, mask->cols};
    std::uint64_t h = fnv1a(bytes_of(shape, 2));
    h = fnv1a(bytes_of(mask->col_ptr.data(), mask->col_ptr.size()), h);
    h = fnv1a(bytes_of(mask->row_index.data(), mask->row_index.size()), h);
    return std::to_string(mask->size()) + ":" + std::to_string(h);
}

std::string checkpoint_bytes(const Checkpoint& c) {
    std::string out(magic);
    put(out, file_version);
    if (c.online) {
        const OnlineProgress& p = c.progress;
        Eigen::MatrixXd head(1, 9);
        head << (p.single_precision ? 1 : 0), static_cast<double>(p.steps),
            static_cast<double>(p.samples_seen), p.ewa_cost, p.ewa_cost_min, p.no_improvement,
            p.pass, static_cast<double>(p.blocks), p.smoothed;
        put_matrix(out, "online", head);
        put_matrix(out, "W", p.W);
        put_matrix(out, "A", p.A);
        put_matrix(out, "B", p.B);
        put_matrix(out, "passes", p.passes);
        put_text(out, "blocks_checksum", std::to_string(p.blocks_checksum));
    } else {
        put_fit_state(out, c.state);
    }
    put_text(out, "input", input_text(c.input));
    std::string options;
    for (const auto& [name, value] : c.options) options += name + "=" + value + "\n";
    put_text(out, "options", options);
    out.append(trailer);
    put(out, fnv1a(out));
    return out;
}

Checkpoint parse_checkpoint(std::string_view bytes, const std::string& name, bool verify_checksum) {
    Reader r(bytes, name);
    if (bytes.substr(0, magic.size()) != magic)
        r.fail("not an nmfkit checkpoint (it does not start with \"NMFKITCK\")");
    r.take(magic.size(), "the header");
    const auto version = r.get<std::uint32_t>("the header");
    if (version != file_version)
        r.fail("checkpoint format version " + std::to_string(version) + ", this nmfkit reads " +
               std::to_string(file_version));
    // The checksum covers every byte before it: a damaged or truncated file stops here.
    if (bytes.size() < r.at() + trailer.size() + 8) r.fail("truncated: not a complete checkpoint");
    const std::size_t body_end = bytes.size() - 8;
    std::uint64_t stored = 0;
    std::memcpy(&stored, bytes.data() + body_end, 8);
    if (bytes.substr(body_end - trailer.size(), trailer.size()) != trailer ||
        (verify_checksum && fnv1a(bytes.substr(0, body_end)) != stored))
        r.fail("damaged or truncated checkpoint (its checksum does not match)");

    Checkpoint c;
    std::map<std::string, Eigen::MatrixXd> m;
    std::map<std::string, std::string> texts;
    while (r.at() < body_end - trailer.size()) {
        const char kind = r.get<char>("a record");
        const auto len = r.get<std::uint16_t>("a record name");
        const std::string key(r.take(len, "a record name"));
        if (kind == 'd') {
            const auto rows = r.get<std::uint64_t>(key.c_str());
            const auto cols = r.get<std::uint64_t>(key.c_str());
            constexpr std::uint64_t most = std::uint64_t{1} << 40;  // a bound on either dimension
            if (rows > most || cols > most || (cols != 0 && rows > (r.size() - r.at()) / 8 / cols))
                r.fail("record " + key + " is larger than the file");
            Eigen::MatrixXd X(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
            const std::string_view data = r.take(rows * cols * 8, key.c_str());
            if (!data.empty()) std::memcpy(X.data(), data.data(), data.size());
            if (key == "loop_matrix")
                c.state.matrices.push_back(std::move(X));
            else
                m[key] = std::move(X);
        } else if (kind == 't') {
            const auto n = r.get<std::uint64_t>(key.c_str());
            texts[key] = std::string(r.take(n, key.c_str()));
        } else {
            r.fail("unknown record kind at byte " + std::to_string(r.at() - 3 - len));
        }
    }
    for (const char* key : {"input", "options"})
        if (texts.count(key) == 0) r.fail(std::string("no record ") + key);
    if (m.count("online") > 0) {
        for (const char* key : {"W", "A", "B", "passes"})
            if (m.count(key) == 0) r.fail(std::string("no record ") + key);
        const Eigen::MatrixXd& head = m["online"];
        if (head.size() != 9) r.fail("record online has the wrong size");
        if (m["passes"].rows() > 0 && m["passes"].cols() != 4)
            r.fail("record passes has the wrong shape");
        OnlineProgress& p = c.progress;
        c.online = true;
        p.single_precision = head(0) != 0;
        p.steps = integer<std::int64_t>(r, head(1), "online");
        p.samples_seen = integer<std::int64_t>(r, head(2), "online");
        p.ewa_cost = head(3);
        p.ewa_cost_min = head(4);
        p.no_improvement = integer<int>(r, head(5), "online");
        p.pass = integer<int>(r, head(6), "online");
        p.blocks = integer<std::int64_t>(r, head(7), "online");
        p.smoothed = head(8);
        p.W = std::move(m["W"]);
        p.A = std::move(m["A"]);
        p.B = std::move(m["B"]);
        p.passes = std::move(m["passes"]);
        if (texts.count("blocks_checksum") == 0) r.fail("no record blocks_checksum");
        try {
            std::size_t used = 0;
            p.blocks_checksum = std::stoull(texts["blocks_checksum"], &used);
            if (used != texts["blocks_checksum"].size()) throw std::invalid_argument("");
        } catch (const std::exception&) {
            r.fail("record blocks_checksum holds no valid checksum");
        }
        for (Eigen::Index i = 0; i < p.passes.rows(); ++i) {
            integer<int>(r, p.passes(i, 0), "passes");
            integer<std::int64_t>(r, p.passes(i, 2), "passes");
        }
        m["W"] = m["Ht"] = m["history"] = m["scalars"] = Eigen::MatrixXd();
        m["state"] = Eigen::MatrixXd::Zero(1, 7);
        m["state"](0) = FitState::current_version;
    }
    for (const char* key : {"state", "W", "Ht", "history", "scalars"})
        if (m.count(key) == 0) r.fail(std::string("no record ") + key);
    const Eigen::MatrixXd& head = m["state"];
    if (head.size() != 7) r.fail("record state has the wrong size");
    FitState& s = c.state;
    s.version = integer<int>(r, head(0), "state");
    s.single_precision = head(1) != 0;
    s.restart = integer<int>(r, head(2), "state");
    s.iteration = integer<int>(r, head(3), "state");
    s.objective = head(4);
    s.initial_objective = head(5);
    s.gradient0 = head(6);
    s.W = std::move(m["W"]);
    s.Ht = std::move(m["Ht"]);
    s.history = history_of(r, m["history"], "history");
    get_restarts(r, m, s);
    const Eigen::MatrixXd& scalars = m["scalars"];
    s.scalars.assign(scalars.data(), scalars.data() + scalars.size());
    const auto in = lines_of(texts["input"]);
    try {
        c.input.rows = std::stoll(in.at("rows"));
        c.input.cols = std::stoll(in.at("cols"));
        c.input.stored = std::stoll(in.at("stored"));
        c.input.dtype = in.at("dtype");
        c.input.transpose = in.at("transpose") == "1";
        c.input.checksum = std::stoull(in.at("checksum"));
        if (const auto g = in.find("grid"); g != in.end()) c.input.grid = g->second;
        if (const auto q = in.find("mask"); q != in.end()) c.input.mask = q->second;
        if (const auto q = in.find("storage"); q != in.end()) c.input.storage = q->second;
    } catch (const std::exception&) {
        r.fail("record input is incomplete");
    }
    std::istringstream opts(texts["options"]);
    std::string line;
    while (std::getline(opts, line)) {
        const auto eq = line.find('=');
        if (eq == std::string::npos) r.fail("record options holds a line without '='");
        c.options.emplace_back(line.substr(0, eq), line.substr(eq + 1));
    }
    return c;
}

void check_resumable(const Checkpoint& c, const std::string& path, const InputFingerprint& now,
                     const std::vector<std::pair<std::string, std::string>>& options, bool online,
                     const std::string& matrix) {
    const InputFingerprint& was = c.input;
    auto refuse = [&](const std::string& why) {
        throw InvalidInput(path + ": the checkpoint is not of this fit: " + why);
    };
    // The command-line tools leave the storage empty; the Python module names X's.
    if (now.storage.empty() != was.storage.empty())
        refuse(std::string("it was written by ") +
               (was.storage.empty() ? "the command-line nmfkit" : "the Python module") +
               ", this fit is " +
               (now.storage.empty() ? "the command line's" : "the Python module's"));
    if (c.online != online)
        refuse(std::string("it was written by a ") + (c.online ? "" : "full-batch ") + "fit" +
               (c.online ? " --online" : "") + ", this one is " +
               (online ? "--online" : "full-batch"));
    // A distributed fit sums in an order set by its grid: another grid (or the serial tool)
    // would not continue to the result the interrupted run was heading for.
    auto who = [](const std::string& grid) {
        if (grid.empty()) return std::string("nmfkit fit (serial)");
        const auto x = grid.find('x');
        int processes = 0;
        try {
            processes = std::stoi(grid.substr(0, x)) * std::stoi(grid.substr(x + 1));
        } catch (const std::exception&) {
            return "nmfkit-mpi on grid " + grid;
        }
        return "nmfkit-mpi on " + std::to_string(processes) + " processes (grid " + grid + ")";
    };
    if (now.grid != was.grid)
        refuse("it was written by " + who(was.grid) + ", this fit is " + who(now.grid) +
               "; resume with the same command and process count");
    if (now.rows != was.rows || now.cols != was.cols)
        refuse("it was written for " + matrix + " of " + std::to_string(was.rows) + " x " +
               std::to_string(was.cols) + ", this " + matrix + " is " + std::to_string(now.rows) +
               " x " + std::to_string(now.cols));
    if (now.stored != was.stored)
        refuse("it was written for " + matrix + " with " + std::to_string(was.stored) +
               " stored entries, this " + matrix + " has " + std::to_string(now.stored));
    if (now.dtype != was.dtype)
        refuse("it was written by a " + was.dtype + " fit, this is " + now.dtype);
    if (now.transpose != was.transpose) refuse("--transpose differs");
    if (now.storage != was.storage)
        refuse(matrix + "'s storage differs: " + was.storage + " then, " + now.storage + " now");
    if (now.checksum != was.checksum)
        refuse(matrix + "'s entries differ (the checksum of its arrays does not match)");
    // The mask's pattern, as its count of positions and a checksum ("" without a mask).
    if (now.mask != was.mask) {
        auto mask = [](const std::string& m) {
            return m.empty() ? std::string("no mask")
                             : "a mask of " + m.substr(0, m.find(':')) + " positions";
        };
        refuse("it was written by a fit with " + mask(was.mask) + ", this fit has " +
               mask(now.mask) +
               (was.mask.empty() || now.mask.empty() ? "" : " (the patterns differ)"));
    }
    // The options that shape the iterations must be those of the fit that wrote it.
    const auto& ours = options;
    std::map<std::string, std::string> theirs(c.options.begin(), c.options.end());
    for (const auto& [field, value] : ours) {
        if (field == "max_iter" || field == "time_limit" || field == "threads") continue;
        const auto it = theirs.find(field);
        const std::string saved = it == theirs.end() ? "(absent)" : it->second;
        if (saved != value)
            refuse("option " + field + " is " + (value.empty() ? "unset" : value) +
                   " here but was " + (saved.empty() ? "unset" : saved));
    }
}

}  // namespace nmfkit::cli
