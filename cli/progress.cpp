// Progress display, the JSON Lines log and the SIGINT flag (progress.hpp).

#include "progress.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>

#include <nmfkit/io/errors.hpp>

#include "common.hpp"

#include <nlohmann/json.hpp>
#include <unistd.h>

namespace nmfkit::cli {
namespace {

// NOTE: a lock-free atomic is the only state a signal handler may touch.
std::atomic<bool> interrupt_flag{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_sigint(int) {
    interrupt_flag.store(true);
    std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

/// "4.2 s", "3m07s", "2h05m".
std::string duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    if (seconds < 60) return format("%.1f s", seconds);
    const long long s = std::llround(seconds);
    if (s < 3600) return std::to_string(s / 60) + "m" + format("%02.0f", double(s % 60)) + "s";
    // NOLINTNEXTLINE(bugprone-integer-division): whole minutes are meant
    return std::to_string(s / 3600) + "h" + format("%02.0f", double((s % 3600) / 60)) + "m";
}

constexpr double bar_redraw_seconds = 0.1;

}  // namespace

void add_progress_options(CLI::App& cmd, ProgressArgs& args) {
    const std::string group = "Progress";
    cmd.add_flag("-q,--quiet", args.quiet, "no progress on stderr")->group(group);
    cmd.add_option("--progress-interval", args.interval,
                   "seconds between progress lines when stderr is not a terminal")
        ->check(at_least(0))
        ->capture_default_str()
        ->group(group);
    cmd.add_option("--log-json", args.log_json,
                   "write one JSON object per iteration to this file (JSON Lines)")
        ->group(group);
}

Progress::Progress(const ProgressArgs& args, int max_iter, double time_limit)
    : mode_(args.quiet ? Mode::quiet : (isatty(STDERR_FILENO) ? Mode::bar : Mode::lines)),
      interval_(args.interval),
      max_iter_(max_iter),
      time_limit_(time_limit),
      log_path_(args.log_json) {}

std::string Progress::line(const IterationStats& s) const {
    // Remaining time: at the rate so far to max_iter, capped by the time limit.
    double eta = s.seconds / std::max(s.iteration, 1) * (max_iter_ - s.iteration);
    if (time_limit_ > 0) eta = std::min(eta, std::max(time_limit_ - s.seconds, 0.0));
    return std::to_string(s.iteration) + "/" + std::to_string(max_iter_) + "  objective " +
           format("%.6e", s.objective) + "  change " + format("%.2e", s.relative_change) +
           "  elapsed " + duration(s.seconds) + "  ETA " + duration(eta);
}

void Progress::draw_bar(const IterationStats& s) {
    constexpr int cells = 24;
    const double done = max_iter_ > 0 ? double(s.iteration) / max_iter_ : 1.0;
    const int filled = std::clamp(static_cast<int>(done * cells), 0, cells);
    std::string bar = "\r" + format("%3.0f%%", 100 * done) + " [" + std::string(filled, '#') +
                      std::string(cells - filled, '.') + "] " + line(s);
    const std::size_t width = bar.size();
    if (width < bar_width_) bar += std::string(bar_width_ - width, ' ');  // erase the old tail
    bar_width_ = width;
    std::cerr << bar << std::flush;
}

void Progress::log(const IterationStats& s) {
    if (log_path_.empty() || log_failed_) return;
    // Opened at the first iteration, for appending: a run that fails before it leaves the file as
    // it was, and nothing that was there is ever truncated or removed.
    if (!log_.is_open()) log_.open(log_path_, std::ios::out | std::ios::app);
    if (!log_) {
        log_failed_ = true;
        return;
    }
    nlohmann::ordered_json j;
    j["iteration"] = s.iteration;
    j["objective"] = s.objective;
    j["relative_change"] = s.relative_change;
    j["seconds"] = s.seconds;
    log_ << j.dump() << '\n';
    log_.flush();  // whole lines, so that `tail -f` follows the run
    log_failed_ = !log_;
}

bool Progress::on_iteration(const IterationStats& s) {
    log(s);
    last_ = s;
    shown_last_ = false;
    const bool first = s.iteration == 1;
    if (mode_ == Mode::bar && (first || s.seconds - last_shown_ >= bar_redraw_seconds)) {
        draw_bar(s);
        last_shown_ = s.seconds;
        shown_last_ = true;
    } else if (mode_ == Mode::lines && (first || s.seconds - last_shown_ >= interval_)) {
        std::cerr << "iteration " << line(s) << '\n';
        last_shown_ = s.seconds;
        shown_last_ = true;
    }
    return !InterruptGuard::requested();
}

void Progress::finish(const std::vector<IterationStats>& history) {
    for (const IterationStats& s : history)
        if (s.iteration > last_.iteration) {
            log(s);
            last_ = s;
            shown_last_ = false;
        }
    if (last_.iteration > 0 && !shown_last_) {
        if (mode_ == Mode::bar) draw_bar(last_);
        if (mode_ == Mode::lines) std::cerr << "iteration " << line(last_) << '\n';
    }
    if (mode_ == Mode::bar && bar_width_ > 0) std::cerr << '\n';
    if (InterruptGuard::requested() && mode_ != Mode::quiet)
        std::cerr << "nmfkit: interrupted; writing the result so far\n";
    if (log_.is_open()) {
        log_.close();
        log_failed_ = log_failed_ || !log_;
    }
}

void Progress::check_log() const {
    // After the outputs were written: a failing log must not cost the result.
    if (log_failed_)
        throw io::IoError("cannot write \"" + log_path_ +
                          "\" (--log-json); the other outputs "
                          "were written");
}

InterruptGuard::InterruptGuard() {
    interrupt_flag.store(false);
    std::signal(SIGINT, on_sigint);
}

InterruptGuard::~InterruptGuard() { std::signal(SIGINT, SIG_DFL); }

bool InterruptGuard::requested() { return interrupt_flag.load(); }

}  // namespace nmfkit::cli
