// The solver registry's rows (the types and lookups: engine/registry.hpp). A new Frobenius solver
// adds one row here and its file's #include.

#include "engine/registry.hpp"

#include <array>
#include <stdexcept>
#include <string>

#include "nnls/bpp.hpp"
#include "updates/als.hpp"
#include "updates/hals.hpp"
#include "updates/mu.hpp"
#include "updates/nenmf.hpp"

namespace nmfkit::detail {
namespace {

/// SolverTraits fields, in order: supported, is_default, monotone, entry_access, missing,
/// distributed, extrapolation, extrapolation_default. Rows are grouped by solver in the order of
/// enum Solver (names and all_solvers() follow it). monotone: true where theory guarantees it
/// (tests check it on every such row, with and without extrapolation). extrapolation: the
/// family's step takes the hooks of engine/extrapolation.hpp (gram, kl_cd);
/// extrapolation_default: on when Options::extrapolation is unset: for Frobenius hals, cd,
/// anls_bpp and nenmf, which reached every error in fewer iterations on the benchmark and the real
/// matrices; off for mu (a projected zero is one MU never leaves), als and KL cd, which ended
/// worse or slower on some (docs/benchmarks.md, "Extrapolation").
constexpr std::array<SolverRow, 10> solver_registry{{
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

}  // namespace

std::span<const SolverRow> registry_rows() { return solver_registry; }

const SolverRow* find_row(Solver s, Loss l) {
    for (const SolverRow& r : solver_registry)
        if (r.solver == s && r.loss == l) return &r;
    return nullptr;
}

const SolverRow& registry_row(Solver s, Loss l) {
    const SolverRow* row = find_row(s, l);
    if (row == nullptr)
        throw std::logic_error("solver " + std::string(to_string(s)) + " with loss " +
                               std::string(to_string(l)) + " reached a fit without validation");
    return *row;
}

}  // namespace nmfkit::detail
