// Enumerator name tables and the one solver/loss support table.
#include <array>
#include <string>
#include <utility>

#include <nmfkit/errors.hpp>
#include <nmfkit/options.hpp>

namespace nmfkit {
namespace {

template <class E, std::size_t N>
using NameTable = std::array<std::pair<std::string_view, E>, N>;

constexpr NameTable<Solver, 3> solver_names{{
    {"mu", Solver::mu}, {"als", Solver::als}, {"hals", Solver::hals}}};
constexpr NameTable<Loss, 2> loss_names{{
    {"frobenius", Loss::frobenius}, {"kullback_leibler", Loss::kullback_leibler}}};
constexpr NameTable<Loss, 5> loss_aliases{{
    {"fro", Loss::frobenius}, {"euclidean", Loss::frobenius}, {"kl", Loss::kullback_leibler},
    {"kullback-leibler", Loss::kullback_leibler}, {"kullback_leibler", Loss::kullback_leibler}}};
constexpr NameTable<Init, 2> init_names{{{"random", Init::random}, {"custom", Init::custom}}};
constexpr NameTable<Status, 4> status_names{{
    {"converged", Status::converged}, {"max_iter_reached", Status::max_iter_reached},
    {"time_limit_reached", Status::time_limit_reached},
    {"stopped_by_callback", Status::stopped_by_callback}}};

// The one solver x loss table: validation, the CLI help and the docs read it.
struct Support {
    Solver solver;
    Loss loss;
};
constexpr std::array<Support, 4> support_table{{
    {Solver::mu, Loss::frobenius},
    {Solver::mu, Loss::kullback_leibler},
    {Solver::als, Loss::frobenius},
    {Solver::hals, Loss::frobenius},
}};

template <class E, std::size_t N>
std::string_view name_of(const NameTable<E, N>& table, E value) {
    for (const auto& [name, v] : table)
        if (v == value) return name;
    return "unknown";
}

template <class E, std::size_t N>
std::string joined(const NameTable<E, N>& table) {
    std::string out;
    for (const auto& [name, v] : table) {
        if (!out.empty()) out += ", ";
        out += name;
    }
    return out;
}

}  // namespace

std::string_view to_string(Solver s) { return name_of(solver_names, s); }
std::string_view to_string(Loss l) { return name_of(loss_names, l); }
std::string_view to_string(Init i) { return name_of(init_names, i); }
std::string_view to_string(Status s) { return name_of(status_names, s); }

Solver solver_from_string(std::string_view name) {
    for (const auto& [n, v] : solver_names)
        if (n == name) return v;
    throw InvalidInput("unknown solver \"" + std::string(name) + "\"; expected one of: " +
                       joined(solver_names));
}

Loss loss_from_string(std::string_view name) {
    for (const auto& [n, v] : loss_names)
        if (n == name) return v;
    for (const auto& [n, v] : loss_aliases)
        if (n == name) return v;
    throw InvalidInput("unknown loss \"" + std::string(name) + "\"; expected one of: " +
                       joined(loss_names) + " (aliases: fro, kl)");
}

Init init_from_string(std::string_view name) {
    for (const auto& [n, v] : init_names)
        if (n == name) return v;
    throw InvalidInput("unknown init \"" + std::string(name) + "\"; expected one of: " +
                       joined(init_names));
}

const std::vector<Solver>& all_solvers() {
    static const std::vector<Solver> all{Solver::mu, Solver::als, Solver::hals};
    return all;
}

const std::vector<Loss>& all_losses() {
    static const std::vector<Loss> all{Loss::frobenius, Loss::kullback_leibler};
    return all;
}

bool supports(Solver s, Loss l) {
    for (const auto& row : support_table)
        if (row.solver == s && row.loss == l) return true;
    return false;
}

std::vector<Solver> solvers_for(Loss l) {
    std::vector<Solver> out;
    for (Solver s : all_solvers())
        if (supports(s, l)) out.push_back(s);
    return out;
}

Solver default_solver(Loss l) { return l == Loss::frobenius ? Solver::hals : Solver::mu; }

}  // namespace nmfkit
