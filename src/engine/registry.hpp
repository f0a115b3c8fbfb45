#pragma once
// The solver registry: one constexpr row per supported (solver, loss) pair. Everything that
// depends on which solver minimises which loss is read from here: the names (to_string,
// solver_from_string), supports / solvers_for / default_solver / supports_missing /
// solver_traits (engine/names.cpp), the step and update a fit runs (engine/run.hpp,
// engine/steps.hpp), the low_memory refusal, the validation messages (engine/validate.cpp), the
// distributed mode's checks (mpi/fit_distributed.cpp), and through the public queries the CLI's
// help, Python's accepted values and the tests' pair lists (docs/design.md, "Registry").
// A new Frobenius solver is its own file in updates/ (a struct with `update` and `row`, the
// shapes of nnls/subproblem.hpp), one enumerator in include/nmfkit/options.hpp and one row here.

#include <array>
#include <string_view>
#include <type_traits>

#include <nmfkit/options.hpp>

#include "nnls/bpp.hpp"
#include "nnls/subproblem.hpp"
#include "updates/als.hpp"
#include "updates/hals.hpp"
#include "updates/mu.hpp"
#include "updates/nenmf.hpp"

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

/// SolverTraits fields, in order: supported, is_default, monotone, entry_access, missing,
/// distributed, extrapolation, extrapolation_default. Rows are grouped by solver in the order of
/// enum Solver (names and all_solvers() follow it). monotone: true where theory guarantees it
/// (tests check it on every such row, with and without extrapolation). extrapolation: the
/// family's step takes the hooks of engine/extrapolation.hpp (gram, kl_cd);
/// extrapolation_default: on when Options::extrapolation is unset: for Frobenius hals, cd,
/// anls_bpp and nenmf, which reached every error in fewer iterations on the benchmark and the real
/// matrices; off for mu (a projected zero is one MU never leaves), als and KL cd, which ended
/// worse or slower on some (docs/benchmarks.md, "Extrapolation").
inline constexpr std::array<SolverRow, 10> solver_registry{{
    gram_row<MuFrobenius>(Solver::mu, "mu", {true, false, true, false, true, true, true, false},
                          true),
    other_row(Solver::mu, "mu", Loss::kullback_leibler, Family::kl_mu,
              {true, false, true, false, false, true}),
    other_row(Solver::mu, "mu", Loss::itakura_saito, Family::beta_mu,
              {true, true, true, true, false, false}),
    other_row(Solver::mu, "mu", Loss::beta, Family::beta_mu,
              {true, true, true, true, false, false}),
    gram_row<Als>(Solver::als, "als", {true, false, false, false, true, true, true, false}),
    gram_row<Hals>(Solver::hals, "hals", {true, true, true, false, true, true, true, true}),
    gram_row<AnlsBpp>(Solver::anls_bpp, "anls_bpp",
                      {true, false, true, false, true, true, true, true}),
    gram_row<Hals>(Solver::cd, "cd", {true, false, true, false, true, true, true, true}),
    other_row(Solver::cd, "cd", Loss::kullback_leibler, Family::kl_cd,
              {true, true, true, true, true, false, true, false}),
    gram_row<Nenmf>(Solver::nenmf, "nenmf", {true, false, true, false, true, true, true, true}),
}};

/// The row of (s, l), or nullptr when the pair is not supported.
constexpr const SolverRow* find_row(Solver s, Loss l) {
    for (const SolverRow& r : solver_registry)
        if (r.solver == s && r.loss == l) return &r;
    return nullptr;
}

/// Every loss has exactly one default solver, a solver has one name in all its rows, and only
/// the families whose step takes the extrapolation hooks extrapolate.
constexpr bool registry_is_consistent() {
    for (const SolverRow& r : solver_registry) {
        const bool hooks = r.family == Family::gram || r.family == Family::kl_cd;
        if ((r.traits.extrapolation && !hooks) ||
            (r.traits.extrapolation_default && !r.traits.extrapolation))
            return false;
    }
    for (Loss l : {Loss::frobenius, Loss::kullback_leibler, Loss::itakura_saito, Loss::beta}) {
        int defaults = 0;
        for (const SolverRow& r : solver_registry) defaults += r.loss == l && r.traits.is_default;
        if (defaults != 1) return false;
    }
    for (const SolverRow& a : solver_registry)
        for (const SolverRow& b : solver_registry)
            if (a.solver == b.solver && a.name != b.name) return false;
    return true;
}
static_assert(
    registry_is_consistent(),
    "each loss needs one default solver; each solver one name; extrapolation needs hooks");

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
