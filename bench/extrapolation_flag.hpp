#pragma once
// The benchmarks' --extrapolation flag (bench_solvers, bench_sparse). Apart from common.hpp,
// which the peer probes (compare/) include without the library.

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include <nmfkit/errors.hpp>
#include <nmfkit/options.hpp>

namespace nmfkit::bench {

/// A --extrapolation value: "on", "off" or "default" (the registry's choice per row); exits with
/// 2, naming the value, on anything else.
inline std::optional<nmfkit::Extrapolation> extrapolation_flag(const char* v) {
    if (std::string(v) == "default") return std::nullopt;
    try {
        return nmfkit::extrapolation_from_string(v);
    } catch (const nmfkit::InvalidInput& e) {
        std::fprintf(stderr, "--extrapolation: %s\n", e.what());
        std::exit(2);
    }
}

/// Sets o.extrapolation to the flag's value where the row can extrapolate (SolverTraits), so that
/// "--extrapolation off" separates an iteration's own cost from its extrapolation's on the rows
/// that extrapolate by default (hals, cd, anls_bpp, nenmf), and "on" skips the rows that cannot.
inline void apply_extrapolation(nmfkit::Options& o, std::optional<nmfkit::Extrapolation> flag) {
    if (flag && o.solver && nmfkit::solver_traits(*o.solver, o.loss).extrapolation)
        o.extrapolation = flag;
}

}  // namespace nmfkit::bench
