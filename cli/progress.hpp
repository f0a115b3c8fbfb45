#pragma once
// Feedback on long fits: a progress bar (terminal) or periodic lines (pipe, file) on stderr, one
// JSON line per iteration (--log-json), and Ctrl-C that stops after the current iteration.

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include <nmfkit/result.hpp>

#include <CLI/CLI.hpp>

namespace nmfkit::cli {

/// The progress options of `fit`.
struct ProgressArgs {
    bool quiet = false;     ///< --quiet: no progress on stderr
    double interval = 1.0;  ///< --progress-interval: seconds between plain lines
    std::string log_json;   ///< --log-json FILE: one JSON object per iteration
};
void add_progress_options(CLI::App& cmd, ProgressArgs& args);

/// Shows the progress of one fit. Constructed before the fit (opens the log: io::IoError);
/// on_iteration is the fit's callback; finish() ends the display and closes the log. The log
/// (--log-json) is appended to, opened at the first iteration; it is never truncated or removed.
class Progress {
public:
    Progress(const ProgressArgs& args, int max_iter, double time_limit);
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    /// Shows @p s; returns false when Ctrl-C was pressed (the fit stops after this iteration).
    bool on_iteration(const IterationStats& s);
    /// Ends the display after the fit whose history is @p history: shows and logs the iterations
    /// that on_iteration did not see (the fit does not call back on the iteration that converges),
    /// ends the bar with a newline, and checks that the log was written.
    void finish(const std::vector<IterationStats>& history);
    /// Throws io::IoError when a write to the --log-json file failed (called after the outputs).
    void check_log() const;

private:
    std::string line(const IterationStats& s) const;
    void draw_bar(const IterationStats& s);
    void log(const IterationStats& s);

    enum class Mode { quiet, bar, lines };
    Mode mode_;
    double interval_;
    int max_iter_;
    double time_limit_;
    std::string log_path_;
    std::ofstream log_;
    IterationStats last_;
    bool shown_last_ = true;      // the last iteration is on screen
    double last_shown_ = -1e300;  // fit seconds of the last line or redraw
    std::size_t bar_width_ = 0;   // characters of the last bar drawn
    bool log_failed_ = false;     // a write to --log-json failed: logging stopped
};

/// While alive, SIGINT sets a flag (and restores the default handler, so a second Ctrl-C kills).
class InterruptGuard {
public:
    InterruptGuard();
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;
    /// True once SIGINT arrived.
    static bool requested();
};

}  // namespace nmfkit::cli
