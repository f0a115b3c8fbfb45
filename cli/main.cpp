// The nmfkit command-line tool: parses the command line, runs the chosen command and maps what
// went wrong to an exit status (common.hpp, ExitStatus). Reference: docs/cli.md.
//
//   nmfkit fit INPUT -k K [options]            factorize V ≈ W H, write W, H, a report
//   nmfkit transform INPUT --components H -o W  project onto fixed components (or --basis W)
//   nmfkit top W.csv [-n N]                     the highest-weighted labels of each component
//   nmfkit info                                 version, build, BLAS, threads, formats
//   nmfkit rank INPUT -k 2:12 -o DIR            survey k: restarts, CV, consensus, plots
#include <csignal>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "common.hpp"
#include "rank.hpp"

namespace {

using namespace nmfkit::cli;

int run(int argc, char** argv) {
    CLI::App app{"nmfkit: non-negative matrix factorization V ~ W H with W, H >= 0", "nmfkit"};
    app.set_version_flag("--version", "nmfkit " + std::string(nmfkit::version));
    app.require_subcommand(1);
    app.failure_message([](const CLI::App*, const CLI::Error& e) {
        return "nmfkit: error: " + std::string(e.what()) +
               "\nRun with --help for more information.\n";
    });
    app.footer(R"(Examples:
  nmfkit fit counts.mtx -k 10 -W W.csv -H H.csv --report run.json
  nmfkit top H.csv --transpose -n 10
  nmfkit transform new.mtx --components H.csv -o W_new.csv
  nmfkit info
  nmfkit rank counts.mtx -k 2:12 --restarts 20 -o survey/

Run `nmfkit COMMAND --help` for the options of a command; docs/cli.md has the full reference.
Exit status: 0 success, 2 usage error, 65 bad data, 74 I/O error, 130 interrupted, 1 other.)");

    const std::vector<Command> commands{add_fit_command(app), add_transform_command(app),
                                        add_top_command(app), add_info_command(app),
                                        add_rank_command(app)};
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? exit_ok : exit_usage;
    }
    int status = exit_ok;
    for (const Command& c : commands)
        if (c.app->parsed()) status = c.run();
    std::cout.flush();
    if (!std::cout) throw nmfkit::io::IoError("cannot write to standard output");
    return status;
}

void print_error(const std::string& message) {
    std::cout.flush();
    std::cerr << "nmfkit: error: " << message << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    nmfkit::cli::apply_omp_wait_policy(argv);  // first: libgomp reads its policy at load
    // A file-size limit (ulimit -f) must not kill the process half-way through an output: with
    // SIGXFSZ ignored, the write fails with EFBIG, reported as an I/O error (exit 74), and the
    // temporary file is removed.
    std::signal(SIGXFSZ, SIG_IGN);
    try {
        return run(argc, argv);
    } catch (const UsageError& e) {
        print_error(e.what());
        return exit_usage;
    } catch (const nmfkit::InvalidInput& e) {
        print_error(e.what());
        return exit_data;
    } catch (const nmfkit::io::IoError& e) {
        print_error(e.what());
        return exit_io;
    } catch (const std::bad_alloc&) {
        print_error("out of memory");
    } catch (const std::exception& e) {
        print_error(e.what());
    } catch (...) {
        print_error("unknown exception");
    }
    return exit_failure;
}
