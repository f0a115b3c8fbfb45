#pragma once
/// @file options.hpp
/// @brief Enumerations, their user-facing names, and the options of a fit.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nmfkit {

/// The update rule. Each enumerator's text is the name used by the CLI (and later Python).
enum class Solver {
    mu,    ///< Lee & Seung multiplicative updates (Frobenius and Kullback-Leibler)
    als,   ///< alternating least squares, negative entries set to zero (Frobenius)
    hals,  ///< hierarchical ALS / coordinate descent, Gillis-Glineur accelerated (Frobenius)
};

/// The objective minimised.
enum class Loss {
    frobenius,         ///< ½‖V − WH‖²_F
    kullback_leibler,  ///< D(V‖WH) = Σ V log(V/WH) − V + WH, with 0·log 0 = 0
};

/// How W and H start.
enum class Init {
    random,  ///< seeded uniform entries scaled by √(mean(V)/k), keyed by (seed, row)
    custom,  ///< the caller's W and H (see InitialFactors)
};

/// Why a fit stopped.
enum class Status {
    converged,            ///< the relative decrease of the objective fell below tol
    max_iter_reached,     ///< max_iter iterations ran
    time_limit_reached,   ///< the wall-time limit passed
    stopped_by_callback,  ///< the iteration callback asked to stop
};

/// Name of an enumerator, equal to its text (e.g. "kullback_leibler").
std::string_view to_string(Solver s);
std::string_view to_string(Loss l);
std::string_view to_string(Init i);
std::string_view to_string(Status s);

/// Parse a name; also accepts the customary aliases ("fro", "kl", "frobenius", ...).
/// @throws InvalidInput listing the accepted names when @p name is not one of them.
Solver solver_from_string(std::string_view name);
Loss loss_from_string(std::string_view name);
Init init_from_string(std::string_view name);

/// All solvers, in declaration order.
const std::vector<Solver>& all_solvers();
/// All losses, in declaration order.
const std::vector<Loss>& all_losses();
/// The one solver/loss table: true when @p s minimises @p l.
bool supports(Solver s, Loss l);
/// The solvers that minimise @p l, in declaration order.
std::vector<Solver> solvers_for(Loss l);
/// The solver used when Options::solver is not set: hals for Frobenius, mu for Kullback-Leibler.
Solver default_solver(Loss l);

/// Options of a fit. Every field has a documented default.
struct Options {
    int rank = 0;                   ///< k, the number of components; must be ≥ 1
    std::optional<Solver> solver;   ///< update rule; unset = default_solver(loss)
    Loss loss = Loss::frobenius;    ///< objective
    Init init = Init::random;       ///< start; custom needs the InitialFactors overload of fit()
    int max_iter = 200;             ///< at most this many iterations (0 = return the start)
    double tol = 1e-4;              ///< converged when |f_prev − f| ≤ tol · f_prev (0 = never)
    double time_limit = 0;          ///< wall-time limit in seconds, checked per iteration (0 = none)
    std::uint64_t seed = 0;         ///< seed of the random initialization
    int threads = 0;                ///< threads for this call (0 = all cores); no global state changes
    bool low_memory = false;        ///< sparse V: keep only the caller's CSC/CSR (no transposed copy)
    int hals_max_inner = 0;         ///< HALS: cap on inner sweeps per half-step (0 = Gillis-Glineur rule)
    double hals_alpha = 0.5;        ///< HALS: inner budget 1 + alpha·(cost of cross product / sweep)
    double hals_epsilon = 0.1;      ///< HALS: stop inner sweeps when a change ≤ epsilon · first change
};

/// The solver that Options resolves to.
inline Solver resolved_solver(const Options& o) { return o.solver ? *o.solver : default_solver(o.loss); }

}  // namespace nmfkit
