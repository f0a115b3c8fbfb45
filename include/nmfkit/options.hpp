#pragma once
/// @file options.hpp
/// @brief Enumerations, their user-facing names, and the options of a fit.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nmfkit {

struct Mask;  // mask.hpp

/// The update rule. Each enumerator's text is the name used by the CLI and Python. What each
/// minimises and how is one row per (solver, loss) of the registry (src/engine/registry.cpp).
enum class Solver {
    mu,        ///< Lee & Seung multiplicative updates (every loss; the only one for IS and β)
    als,       ///< alternating least squares, negative entries set to zero (Frobenius)
    hals,      ///< hierarchical ALS / coordinate descent, Gillis-Glineur accelerated (Frobenius)
    anls_bpp,  ///< exact alternating NNLS by block principal pivoting, Kim & Park 2011 (Frobenius)
    cd,     ///< coordinate descent: HALS for Frobenius, Newton steps for KL (Hsieh & Dhillon 2011)
    nenmf,  ///< Nesterov's optimal gradient method per NNLS subproblem, Guan et al. 2012 (Frobenius)
};

/// The objective minimised.
enum class Loss {
    frobenius,         ///< ½‖V − WH‖²_F
    kullback_leibler,  ///< D(V‖WH) = Σ V log(V/WH) − V + WH, with 0·log 0 = 0
    itakura_saito,     ///< D(V‖WH) = Σ V/WH − log(V/WH) − 1 (β = 0); V must be positive
    beta,              ///< β-divergence with β = Options::beta (docs/algorithms.md)
};

/// Which entries of V are missing (left out of the objective and every update).
enum class Missing {
    none,  ///< every entry is observed; NaN is an error
    nan,   ///< dense V: NaN entries are missing (the others, zeros included, are observed)
    zeros,  ///< only stored (sparse) or non-zero (dense) entries are observed: the recommender setting
};

/// The stopping rule that Options::tol applies to.
enum class StopRule {
    relative_objective,  ///< |f_prev − f| ≤ tol · f_prev
    projected_gradient,  ///< ‖∇ᴾf(W, H)‖_F ≤ tol · ‖∇ᴾf(W₀, H₀)‖_F (Lin 2007), Frobenius only
};

/// Normalisation of W's columns after the fit; the scale moves into H (or into Result::d).
enum class Normalize {
    none,  ///< factors as the solver left them
    l1,    ///< each column of W sums to 1
    l2,    ///< each column of W has unit Euclidean norm
};

/// How W and H start.
enum class Init {
    random,  ///< seeded uniform entries in (0, 2√(mean(V)/k)), keyed by (seed, row)
    nndsvd,  ///< NNDSVD (Boutsidis & Gallopoulos 2008) from a randomized truncated SVD; k ≤ min(m, n)
    nndsvda,   ///< NNDSVD with its zeros replaced by mean(V)
    nndsvdar,  ///< NNDSVD with its zeros replaced by small seeded random values
    custom,    ///< the caller's W and H (see InitialFactors)
};

/// Extrapolation of the alternating iterates with restarts (Ang & Gillis 2019;
/// docs/algorithms.md, "Extrapolation").
enum class Extrapolation {
    off,  ///< plain iterations
    on,   ///< extrapolate each factor after its update; drop any point that raises the objective
};

/// Where a fit runs (Options::device): the CPU, or CUDA device `index` ("cuda", "cuda:N").
/// EXPERIMENTAL: the CUDA path needs a build with NMFKIT_WITH_CUDA and has not yet run on a GPU
/// (docs/design.md, "Device"). A device that is not there is an error, never a CPU fallback.
struct Device {
    enum class Kind { cpu, cuda };
    Kind kind = Kind::cpu;
    int index = 0;  ///< the CUDA device number (cuda only)
    bool operator==(const Device&) const = default;
};

/// Why a fit stopped.
enum class Status {
    converged,            ///< the stopping rule (Options::stop) met Options::tol
    max_iter_reached,     ///< max_iter iterations ran
    time_limit_reached,   ///< the wall-time limit passed
    stopped_by_callback,  ///< the iteration callback asked to stop
};

/// Name of an enumerator, equal to its text (e.g. "kullback_leibler").
std::string_view to_string(Solver s);
std::string_view to_string(Loss l);
std::string_view to_string(Init i);
std::string_view to_string(Status s);
std::string_view to_string(StopRule s);
std::string_view to_string(Normalize n);
std::string_view to_string(Missing m);
std::string_view to_string(Extrapolation e);

/// Parse a name; also accepts the customary aliases ("fro", "kl", "frobenius", ...).
/// @throws InvalidInput listing the accepted names when @p name is not one of them.
Solver solver_from_string(std::string_view name);
Loss loss_from_string(std::string_view name);
Init init_from_string(std::string_view name);
StopRule stop_rule_from_string(std::string_view name);
Normalize normalize_from_string(std::string_view name);
Missing missing_from_string(std::string_view name);
Extrapolation extrapolation_from_string(std::string_view name);

/// "cpu", "cuda" (device 0) or "cuda:N".
std::string to_string(const Device& d);
/// Parses "cpu", "cuda" or "cuda:N" (N a device number ≥ 0).
/// @throws InvalidInput naming the accepted forms.
Device device_from_string(std::string_view name);
/// Throws InvalidInput unless a fit can run on @p d here: the CPU always; CUDA device N only in a
/// build with NMFKIT_WITH_CUDA on a machine whose CUDA runtime reports more than N devices. The
/// message says which of these is missing.
void require_device(const Device& d);

/// True when the solver can fit with missing entries (Options::missing): every Frobenius solver
/// and cd for KL (docs/algorithms.md, "Missing values").
bool supports_missing(Solver s, Loss l);

/// What the registry (src/engine/registry.cpp) records about one (solver, loss) pair; every
/// field is false for a pair it does not support.
struct SolverTraits {
    bool supported = false;      ///< the solver minimises the loss (supports())
    bool is_default = false;     ///< default_solver(loss) is this solver
    bool monotone = false;       ///< the objective never increases from one iteration to the next
    bool entry_access = false;   ///< reads V by rows and by columns (refused by sparse low_memory)
    bool missing = false;        ///< fits with missing values and masks (supports_missing())
    bool distributed = false;    ///< runs in the distributed mode (nmfkit-mpi)
    bool extrapolation = false;  ///< can extrapolate (Options::extrapolation = on is accepted)
    bool extrapolation_default = false;  ///< extrapolates when Options::extrapolation is unset
};
/// The registry's row for (s, l).
SolverTraits solver_traits(Solver s, Loss l);

/// All solvers, in declaration order.
const std::vector<Solver>& all_solvers();
/// All losses, in declaration order.
const std::vector<Loss>& all_losses();
/// The one solver/loss table: true when @p s minimises @p l.
bool supports(Solver s, Loss l);
/// The solvers that minimise @p l, in declaration order.
std::vector<Solver> solvers_for(Loss l);
/// The solver used when Options::solver is not set: the one that wins the time-to-objective
/// benchmarks of docs/benchmarks.md (hals for Frobenius, cd for Kullback-Leibler, mu otherwise).
Solver default_solver(Loss l);

/// L1 and L2 penalties on one factor X: l1 · Σ X + ½ · l2 · ‖X‖²_F, added to the loss.
/// NOTE: the weights are absolute (not scaled by the matrix size); from_sklearn() gives
/// scikit-learn's size-scaled convention.
struct Penalty {
    double l1 = 0;  ///< weight of Σ_ij X_ij (X ≥ 0, so this is ‖X‖₁); ≥ 0
    double l2 = 0;  ///< weight of ½‖X‖²_F; ≥ 0
};

/// The penalties on W and on H.
struct Penalties {
    Penalty w;  ///< on W (m x k)
    Penalty h;  ///< on H (k x n)
};

/// scikit-learn's NMF regularization (≥ 1.0) for V with n_samples = m rows and n_features = n
/// columns: l1_W = alpha_W · l1_ratio · n, l2_W = alpha_W · (1 − l1_ratio) · n,
/// l1_H = alpha_H · l1_ratio · m, l2_H = alpha_H · (1 − l1_ratio) · m.
/// @throws InvalidInput when an alpha is negative or l1_ratio is outside [0, 1].
Penalties from_sklearn(double alpha_W, double alpha_H, double l1_ratio, std::int64_t n_samples,
                       std::int64_t n_features);

/// Options of a fit. Every field has a documented default.
struct Options {
    int rank = 0;                  ///< k, the number of components; must be ≥ 1
    std::optional<Solver> solver;  ///< update rule; unset = default_solver(loss)
    Loss loss = Loss::frobenius;   ///< objective
    double beta = 1.5;  ///< β of Loss::beta (any finite real; 0 = IS, 1 = KL, 2 = Frobenius)
    Penalty w;          ///< penalty on W: l1 · ΣW + ½ l2 · ‖W‖² (absolute weights)
    Penalty h;          ///< penalty on H: l1 · ΣH + ½ l2 · ‖H‖² (absolute weights)
    std::optional<Init> init;  ///< start; unset = resolved_init(); custom needs InitialFactors
    int max_iter = 200;        ///< at most this many iterations (0 = return the start)
    double tol = 1e-4;         ///< tolerance of the stopping rule `stop` (0 = never converge)
    StopRule stop = StopRule::relative_objective;  ///< what tol measures (docs/algorithms.md)
    /// Extrapolation of the iterates (docs/algorithms.md, "Extrapolation"); unset = the
    /// registry's default for the pair (SolverTraits::extrapolation_default), which applies
    /// only to fits without missing values or a mask, with the relative_objective rule.
    std::optional<Extrapolation> extrapolation;
    double time_limit = 0;    ///< wall-time limit in seconds, checked per iteration (0 = none)
    std::uint64_t seed = 0;   ///< seed of the random initialization
    int threads = 0;          ///< threads for this call (0 = all cores); no global state changes
    bool low_memory = false;  ///< sparse V: keep only the caller's CSC/CSR (no transposed copy)
    int hals_max_inner = 0;   ///< HALS: cap on inner sweeps per half-step (0 = Gillis-Glineur rule)
    double hals_alpha = 0.5;  ///< HALS: inner budget 1 + alpha·(cost of cross product / sweep)
    double hals_epsilon = 0.1;  ///< HALS: stop inner sweeps when a change ≤ epsilon · first change
                                ///< (or at the rounding floor, docs/algorithms.md)
    int cd_newton_steps =
        4;  ///< cd (KL): Newton steps per coordinate at most, ≥ 1; a coordinate stops earlier when a step's predicted decrease is ≤ 1% of its first (docs/algorithms.md)
    Normalize normalize =
        Normalize::none;    ///< after the fit: scale W's columns, move the scale to H
    bool diagonal = false;  ///< with normalize: also scale H's rows, return the scales in Result::d
    bool sort_components =
        false;  ///< after the fit: order components by contribution, largest first
    int restarts =
        1;  ///< fits from seeds seed, seed + 1, ...; the best objective is kept; > 1 needs init random or nndsvdar
    std::vector<int>
        fixed_w_columns;  ///< columns of W kept at their starting values (init custom; not with missing values)
    Missing missing = Missing::none;  ///< entries left out of the fit: none, NaN, or unstored/zero
    std::shared_ptr<const Mask>
        mask;  ///< more missing entries, given apart from V (mask.hpp); null = none
    /// Frobenius with missing entries: each missing entry enters the objective as a zero with weight
    /// ε·min(1, |observed|/|missing|), ε = missing_weight in [0, 1), so that together they weigh at
    /// most ε times the observed entries. It bounds predictions where rows or columns have few
    /// observed entries (the observed-only problem is then ill-posed); 0 = leave them out entirely.
    /// Rows and columns without missing entries solve exactly as before.
    double missing_weight = 0.05;
    /// Where the fit runs (EXPERIMENTAL for cuda; see Device): solvers mu and hals with loss
    /// frobenius and mu with kullback_leibler, dense or sparse V without missing values.
    Device device;
};

/// The solver that Options resolves to.
inline Solver resolved_solver(const Options& o) {
    return o.solver ? *o.solver : default_solver(o.loss);
}

/// True when a fit with these options extrapolates: Options::extrapolation if set, else the
/// registry's default for the pair where it applies (no missing values or mask, the
/// relative_objective rule); never on a CUDA device (Options::device), which does not extrapolate.
bool resolved_extrapolation(const Options& o);

/// The start that Options resolves to for V (m x n): the given init, else (as scikit-learn) nndsvda
/// when k ≤ min(m, n) and a single run, random otherwise (restarts need different starts).
inline Init resolved_init(const Options& o, std::int64_t m, std::int64_t n) {
    if (o.init) return *o.init;
    return o.restarts <= 1 && o.rank <= std::min(m, n) ? Init::nndsvda : Init::random;
}

/// The β of the loss that Options selects: 2 (Frobenius), 1 (KL), 0 (IS) or Options::beta.
inline double resolved_beta(const Options& o) {
    switch (o.loss) {
        case Loss::frobenius: return 2;
        case Loss::kullback_leibler: return 1;
        case Loss::itakura_saito: return 0;
        case Loss::beta: break;
    }
    return o.beta;
}

}  // namespace nmfkit
