#pragma once
// The solver registry: one constexpr row per supported (solver, loss) pair, written in
// engine/registry.cpp (this header declares the row type and the lookups). Everything that
// depends on which solver minimises which loss is read from here: the names (to_string,
// solver_from_string), supports / solvers_for / default_solver / supports_missing /
// solver_traits (engine/names.cpp), the step and update a fit runs (engine/run.hpp,
// engine/steps.hpp), the low_memory refusal, the validation messages (engine/validate.cpp), the
// distributed mode's checks (mpi/fit_distributed.cpp), and through the public queries the CLI's
// help, Python's accepted values and the tests' pair lists (docs/design.md, "Registry").
// A new Frobenius solver is its own file in updates/ (a struct with `update` and `row`, the
// shapes of nnls/subproblem.hpp), one enumerator in include/nmfkit/options.hpp and one row (with
// its #include) in engine/registry.cpp. The rows stay out of this header: a constexpr table
// takes the address of every solver's update<float> and update<double>, which instantiates them
// all in each unit that sees it (about 6 s of compile time per unit; docs/design.md, "Tests").

#include <span>
#include <string_view>
#include <type_traits>

#include <nmfkit/options.hpp>

#include "nnls/subproblem.hpp"

namespace nmfkit::detail {

/// Which step class runs a pair (engine/steps.hpp).
enum class Family {
    gram,  ///< Frobenius from Grams: FrobeniusStep (masked: MaskedFrobeniusStep, HeldOutFrobeniusStep)
    kl_mu,    ///< KL multiplicative updates: KullbackLeiblerStep
    kl_cd,    ///< KL coordinate descent: KullbackLeiblerCdStep (masked: MaskedKullbackLeiblerStep)
    beta_mu,  ///< β multiplicative updates (Itakura-Saito, β): BetaStep
};

/// One registry row.
struct SolverRow {
    Solver solver;
    std::string_view name;  ///< the solver's name (the same in all its rows)
    Loss loss;
    Family family;
    SolverTraits traits;  ///< traits.supported is true
    /// Updates every entry from the same old values and needs a non-negative numerator (MU):
    /// fixed columns of W are put back after a full update instead of eliminated from B.
    bool multiplicative = false;
    GramUpdate<float> update_float = nullptr;  ///< Family::gram: the whole-factor update
    GramUpdate<double> update_double = nullptr;
    RowUpdate row = nullptr;  ///< Family::gram: the per-row (masked) update
};

/// A Frobenius row for the solver type S (S::update<T>, S::row).
template <class S>
constexpr SolverRow gram_row(Solver s, std::string_view name, SolverTraits t,
                             bool multiplicative = false) {
    return {s,
            name,
            Loss::frobenius,
            Family::gram,
            t,
            multiplicative,
            &S::template update<float>,
            &S::template update<double>,
            &S::row};
}

/// A row of another family (its step class does the work).
constexpr SolverRow other_row(Solver s, std::string_view name, Loss l, Family f, SolverTraits t) {
    return {s, name, l, f, t, false, nullptr, nullptr, nullptr};
}

/// Every row (engine/registry.cpp), grouped by solver in the order of enum Solver.
std::span<const SolverRow> registry_rows();

/// The row of (s, l), or nullptr when the pair is not supported.
const SolverRow* find_row(Solver s, Loss l);

/// The row of a pair that validation accepted (throws std::logic_error otherwise: a bug).
const SolverRow& registry_row(Solver s, Loss l);

/// The whole-factor update of a Frobenius row, for T.
template <class T>
GramUpdate<T> gram_update(const SolverRow& r) {
    if constexpr (std::is_same_v<T, float>)
        return r.update_float;
    else
        return r.update_double;
}

}  // namespace nmfkit::detail
