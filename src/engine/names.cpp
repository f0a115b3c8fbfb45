// Enumerator name tables; the solver names and the solver/loss queries read the registry.
#include <charconv>
#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <utility>

#include <stdexcept>

#include <nmfkit/errors.hpp>
#include <nmfkit/options.hpp>

#include "engine/registry.hpp"

namespace nmfkit {
namespace {

template <class E, std::size_t N>
using NameTable = std::array<std::pair<std::string_view, E>, N>;

constexpr NameTable<Loss, 4> loss_names{{{"frobenius", Loss::frobenius},
                                         {"kullback_leibler", Loss::kullback_leibler},
                                         {"itakura_saito", Loss::itakura_saito},
                                         {"beta", Loss::beta}}};
constexpr NameTable<Loss, 7> loss_aliases{{{"fro", Loss::frobenius},
                                           {"euclidean", Loss::frobenius},
                                           {"kl", Loss::kullback_leibler},
                                           {"kullback-leibler", Loss::kullback_leibler},
                                           {"kullback_leibler", Loss::kullback_leibler},
                                           {"is", Loss::itakura_saito},
                                           {"itakura-saito", Loss::itakura_saito}}};
constexpr NameTable<StopRule, 2> stop_names{{{"relative_objective", StopRule::relative_objective},
                                             {"projected_gradient", StopRule::projected_gradient}}};
constexpr NameTable<Missing, 3> missing_names{
    {{"none", Missing::none}, {"nan", Missing::nan}, {"zeros", Missing::zeros}}};
constexpr NameTable<Normalize, 3> normalize_names{
    {{"none", Normalize::none}, {"l1", Normalize::l1}, {"l2", Normalize::l2}}};
constexpr NameTable<Init, 5> init_names{{{"random", Init::random},
                                         {"nndsvd", Init::nndsvd},
                                         {"nndsvda", Init::nndsvda},
                                         {"nndsvdar", Init::nndsvdar},
                                         {"custom", Init::custom}}};
constexpr NameTable<Extrapolation, 2> extrapolation_names{
    {{"off", Extrapolation::off}, {"on", Extrapolation::on}}};
constexpr NameTable<Status, 4> status_names{{{"converged", Status::converged},
                                             {"max_iter_reached", Status::max_iter_reached},
                                             {"time_limit_reached", Status::time_limit_reached},
                                             {"stopped_by_callback", Status::stopped_by_callback}}};

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

std::string_view to_string(Solver s) {
    for (const auto& row : detail::registry_rows())
        if (row.solver == s) return row.name;
    return "unknown";
}
std::string_view to_string(Loss l) { return name_of(loss_names, l); }
std::string_view to_string(Init i) { return name_of(init_names, i); }
std::string_view to_string(Status s) { return name_of(status_names, s); }
std::string_view to_string(StopRule s) { return name_of(stop_names, s); }
std::string_view to_string(Normalize n) { return name_of(normalize_names, n); }
std::string_view to_string(Missing m) { return name_of(missing_names, m); }
std::string_view to_string(Extrapolation e) { return name_of(extrapolation_names, e); }

Extrapolation extrapolation_from_string(std::string_view name) {
    for (const auto& [n, v] : extrapolation_names)
        if (n == name) return v;
    throw InvalidInput("unknown extrapolation \"" + std::string(name) +
                       "\"; expected one of: " + joined(extrapolation_names));
}

std::string to_string(const Device& d) {
    if (d.kind == Device::Kind::cpu) return "cpu";
    return d.index == 0 ? "cuda" : "cuda:" + std::to_string(d.index);
}

Device device_from_string(std::string_view name) {
    if (name == "cpu") return {};
    if (name == "cuda") return {Device::Kind::cuda, 0};
    const std::string_view prefix = "cuda:";
    if (name.substr(0, prefix.size()) == prefix) {
        const std::string_view number = name.substr(prefix.size());
        int index = 0;
        const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), index);
        if (!number.empty() && ec == std::errc() && end == number.data() + number.size() &&
            index >= 0)
            return {Device::Kind::cuda, index};
    }
    throw InvalidInput("unknown device \"" + std::string(name) +
                       "\"; expected cpu, cuda or cuda:N (N a device number >= 0)");
}

bool resolved_extrapolation(const Options& o) {
    if (o.device.kind == Device::Kind::cuda) return false;  // the device step does not extrapolate
    if (o.extrapolation) return *o.extrapolation == Extrapolation::on;
    return solver_traits(resolved_solver(o), o.loss).extrapolation_default &&
           o.missing == Missing::none && !o.mask && o.stop == StopRule::relative_objective;
}

Missing missing_from_string(std::string_view name) {
    for (const auto& [n, v] : missing_names)
        if (n == name) return v;
    throw InvalidInput("unknown missing-value mode \"" + std::string(name) +
                       "\"; expected one of: " + joined(missing_names));
}

bool supports_missing(Solver s, Loss l) { return solver_traits(s, l).missing; }

SolverTraits solver_traits(Solver s, Loss l) {
    const detail::SolverRow* row = detail::find_row(s, l);
    return row != nullptr ? row->traits : SolverTraits{};
}

Solver solver_from_string(std::string_view name) {
    std::string names;
    for (Solver s : all_solvers()) {
        if (to_string(s) == name) return s;
        names += (names.empty() ? "" : ", ") + std::string(to_string(s));
    }
    throw InvalidInput("unknown solver \"" + std::string(name) + "\"; expected one of: " + names);
}

Loss loss_from_string(std::string_view name) {
    for (const auto& [n, v] : loss_names)
        if (n == name) return v;
    for (const auto& [n, v] : loss_aliases)
        if (n == name) return v;
    throw InvalidInput("unknown loss \"" + std::string(name) +
                       "\"; expected one of: " + joined(loss_names) + " (aliases: fro, kl, is)");
}

Init init_from_string(std::string_view name) {
    for (const auto& [n, v] : init_names)
        if (n == name) return v;
    throw InvalidInput("unknown init \"" + std::string(name) +
                       "\"; expected one of: " + joined(init_names));
}

StopRule stop_rule_from_string(std::string_view name) {
    for (const auto& [n, v] : stop_names)
        if (n == name) return v;
    throw InvalidInput("unknown stopping rule \"" + std::string(name) +
                       "\"; expected one of: " + joined(stop_names));
}

Normalize normalize_from_string(std::string_view name) {
    for (const auto& [n, v] : normalize_names)
        if (n == name) return v;
    throw InvalidInput("unknown normalisation \"" + std::string(name) +
                       "\"; expected one of: " + joined(normalize_names));
}

const std::vector<Solver>& all_solvers() {
    static const std::vector<Solver> all = [] {
        std::vector<Solver> out;
        for (const auto& row : detail::registry_rows())
            if (std::find(out.begin(), out.end(), row.solver) == out.end())
                out.push_back(row.solver);
        return out;
    }();
    return all;
}

const std::vector<Loss>& all_losses() {
    static const std::vector<Loss> all{Loss::frobenius, Loss::kullback_leibler, Loss::itakura_saito,
                                       Loss::beta};
    return all;
}

bool supports(Solver s, Loss l) { return detail::find_row(s, l) != nullptr; }

std::vector<Solver> solvers_for(Loss l) {
    std::vector<Solver> out;
    for (Solver s : all_solvers())
        if (supports(s, l)) out.push_back(s);
    return out;
}

Solver default_solver(Loss l) {
    for (const auto& row : detail::registry_rows())
        if (row.loss == l && row.traits.is_default) return row.solver;
    throw std::logic_error("the solver registry has no default solver for a loss");
}

Penalties from_sklearn(double alpha_W, double alpha_H, double l1_ratio, std::int64_t n_samples,
                       std::int64_t n_features) {
    if (!(alpha_W >= 0) || !(alpha_H >= 0) || !std::isfinite(alpha_W) || !std::isfinite(alpha_H))
        throw InvalidInput("alpha_W and alpha_H must be finite numbers ≥ 0");
    if (!(l1_ratio >= 0 && l1_ratio <= 1))
        throw InvalidInput("l1_ratio must be in [0, 1], got " + std::to_string(l1_ratio));
    const double m = static_cast<double>(n_samples), n = static_cast<double>(n_features);
    Penalties p;
    p.w = {alpha_W * l1_ratio * n, alpha_W * (1 - l1_ratio) * n};
    p.h = {alpha_H * l1_ratio * m, alpha_H * (1 - l1_ratio) * m};
    return p;
}

}  // namespace nmfkit
