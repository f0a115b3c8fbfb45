// The table of Options fields (option_fields.hpp): name, CLI flag, kind, help, get and set.
#include <nmfkit/option_fields.hpp>

#include <cctype>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include <nmfkit/errors.hpp>
#include <nmfkit/mask.hpp>

namespace nmfkit {
namespace {

template <class F>
using Access = F& (*)(Options&);

// The field's value type → its kind.
template <class F>
constexpr OptionKind kind_of() {
    if constexpr (std::is_same_v<F, int>)
        return OptionKind::integer;
    else if constexpr (std::is_same_v<F, double>)
        return OptionKind::real;
    else if constexpr (std::is_same_v<F, bool>)
        return OptionKind::flag;
    else if constexpr (std::is_same_v<F, std::uint64_t>)
        return OptionKind::seed;
    else if constexpr (std::is_same_v<F, std::vector<int>>)
        return OptionKind::columns;
    else
        return OptionKind::mask;
}

// A plain field: int, double, bool, seed, column list, mask.
template <class F>
OptionField plain(std::string_view name, std::string_view flag, std::string_view help, Access<F> at,
                  std::string_view group = "") {
    OptionField f{name, flag, kind_of<F>(), false, group, help, {}, {}, {}};
    f.get = [at](const Options& o) -> OptionValue {
        const F& v = at(const_cast<Options&>(o));
        if constexpr (std::is_same_v<F, int>)
            return static_cast<long long>(v);
        else
            return v;
    };
    f.set = [at, name](Options& o, const OptionValue& v) {
        (void)name;  // used by the int instantiation only
        if constexpr (std::is_same_v<F, int>) {
            const long long x = std::get<long long>(v);
            if (x < std::numeric_limits<int>::min() || x > std::numeric_limits<int>::max())
                throw InvalidInput("option " + std::string(name) + " = " + std::to_string(x) +
                                   " is out of range (" +
                                   std::to_string(std::numeric_limits<int>::min()) + " to " +
                                   std::to_string(std::numeric_limits<int>::max()) + ")");
            at(o) = static_cast<int>(x);
        } else {
            at(o) = std::get<F>(v);
        }
    };
    return f;
}

// The enumerators of E by name, in declaration order (to_string says "unknown" past the last).
template <class E>
std::vector<std::string> names_of() {
    std::vector<std::string> out;
    for (int i = 0;; ++i) {
        const std::string_view n = to_string(static_cast<E>(i));
        if (n == "unknown") return out;
        out.emplace_back(n);
    }
}

// An enumerator field, set by name through options.hpp's parser.
template <class E>
OptionField named(std::string_view name, std::string_view flag, std::string_view help, Access<E> at,
                  E (*parse)(std::string_view)) {
    OptionField f{name, flag, OptionKind::name, false, "", help, {}, {}, names_of<E>()};
    f.get = [at](const Options& o) -> OptionValue {
        return std::string(to_string(at(const_cast<Options&>(o))));
    };
    f.set = [at, parse](Options& o, const OptionValue& v) {
        at(o) = parse(std::get<std::string>(v));
    };
    return f;
}

// An optional enumerator field: "" = unset (the resolved default).
template <class E>
OptionField optional_named(std::string_view name, std::string_view flag, std::string_view help,
                           Access<std::optional<E>> at, E (*parse)(std::string_view)) {
    OptionField f{name, flag, OptionKind::name, true, "", help, {}, {}, names_of<E>()};
    f.get = [at](const Options& o) -> OptionValue {
        const std::optional<E>& v = at(const_cast<Options&>(o));
        return v ? std::string(to_string(*v)) : std::string();
    };
    f.set = [at, parse](Options& o, const OptionValue& v) {
        const std::string& text = std::get<std::string>(v);
        if (text.empty())
            at(o).reset();
        else
            at(o) = parse(text);
    };
    return f;
}

std::vector<OptionField> make_fields() {
    // NOTE: the order is the report's (tests/cli_commands.cmake checks a stretch of it).
    std::vector<OptionField> t;
    t.push_back(plain<int>("rank", "-k,--rank", "number of components k (>= 1)",
                           [](Options& o) -> int& { return o.rank; }));
    t.push_back(optional_named<Solver>(
        "solver", "--solver", "update rule (default: the one marked * below)",
        [](Options& o) -> std::optional<Solver>& { return o.solver; }, solver_from_string));
    t.push_back(named<Loss>(
        "loss", "--loss", "objective (aliases fro, kl, is)",
        [](Options& o) -> Loss& { return o.loss; }, loss_from_string));
    t.push_back(optional_named<Init>(
        "init", "--init",
        "start: random, nndsvd, nndsvda, nndsvdar, or custom (with --init-w and "
        "--init-h); default nndsvda when k <= min(m, n) and one run, else random",
        [](Options& o) -> std::optional<Init>& { return o.init; }, init_from_string));
    t.push_back(plain<std::uint64_t>("seed", "--seed",
                                     "seed of the random initialization (0 to 2^64 - 1)",
                                     [](Options& o) -> std::uint64_t& { return o.seed; }));
    t.push_back(plain<int>("max_iter", "--max-iter", "maximum number of iterations",
                           [](Options& o) -> int& { return o.max_iter; }));
    t.push_back(plain<double>("tol", "--tol", "tolerance of the stopping rule --stop",
                              [](Options& o) -> double& { return o.tol; }));
    t.push_back(plain<double>("time_limit", "--time-limit", "wall-time limit in seconds (0 = none)",
                              [](Options& o) -> double& { return o.time_limit; }));
    t.push_back(plain<bool>("low_memory", "--low-memory",
                            "sparse V: keep one copy (no transposed copy; slower products)",
                            [](Options& o) -> bool& { return o.low_memory; }));
    t.push_back(plain<int>("hals_max_inner", "--hals-max-inner",
                           "hals: cap on inner sweeps per half-step (0 = Gillis-Glineur rule)",
                           [](Options& o) -> int& { return o.hals_max_inner; }));
    t.push_back(plain<double>("hals_alpha", "--hals-alpha",
                              "hals: inner budget 1 + alpha * (cost of cross product / sweep)",
                              [](Options& o) -> double& { return o.hals_alpha; }));
    t.push_back(
        plain<double>("hals_epsilon", "--hals-epsilon",
                      "hals: stop inner sweeps when a change <= epsilon * first change (or at the "
                      "rounding floor)",
                      [](Options& o) -> double& { return o.hals_epsilon; }));
    t.push_back(plain<int>("cd_newton_steps", "--cd-newton-steps",
                           "cd with kl: Newton steps per coordinate at most",
                           [](Options& o) -> int& { return o.cd_newton_steps; }));
    t.push_back(plain<double>("beta", "--beta",
                              "beta of --loss beta (0 = itakura_saito, 1 = kl, 2 = frobenius)",
                              [](Options& o) -> double& { return o.beta; }));
    t.push_back(plain<double>(
        "l1_W", "--l1-w", "L1 weight on W", [](Options& o) -> double& { return o.w.l1; },
        "penalties"));
    t.push_back(plain<double>(
        "l2_W", "--l2-w", "L2 weight on W", [](Options& o) -> double& { return o.w.l2; },
        "penalties"));
    t.push_back(plain<double>(
        "l1_H", "--l1-h", "L1 weight on H", [](Options& o) -> double& { return o.h.l1; },
        "penalties"));
    t.push_back(plain<double>(
        "l2_H", "--l2-h", "L2 weight on H", [](Options& o) -> double& { return o.h.l2; },
        "penalties"));
    t.push_back(named<StopRule>(
        "stop", "--stop",
        "stopping rule: relative_objective (|f_prev - f| <= tol f_prev) or "
        "projected_gradient (||grad_P f|| <= tol ||grad_P f at start||, frobenius)",
        [](Options& o) -> StopRule& { return o.stop; }, stop_rule_from_string));
    t.push_back(named<Normalize>(
        "normalize", "--normalize", "none, l1 or l2: unit columns of W, the scale moves into H",
        [](Options& o) -> Normalize& { return o.normalize; }, normalize_from_string));
    t.push_back(plain<bool>("diagonal", "--diagonal",
                            "with --normalize: unit rows of H too, scales in d (V ~ W diag(d) H)",
                            [](Options& o) -> bool& { return o.diagonal; }));
    t.push_back(plain<bool>("sort_components", "--sort,--sort-components",
                            "order components by the norm of their rank-one term, largest first",
                            [](Options& o) -> bool& { return o.sort_components; }));
    t.push_back(plain<int>(
        "restarts", "--restarts",
        "fits from seeds seed, seed+1, ...; keeps the lowest objective (the report lists all)",
        [](Options& o) -> int& { return o.restarts; }));
    t.push_back(named<Missing>(
        "missing", "--missing",
        "none; nan (dense: NaN entries are missing); zeros (only stored / non-zero "
        "entries are observed)",
        [](Options& o) -> Missing& { return o.missing; }, missing_from_string));
    t.push_back(
        plain<std::vector<int>>("fixed_W_columns", "--fixed-w-columns",
                                "0-based columns of W kept as given by --init-w (comma-separated)",
                                [](Options& o) -> std::vector<int>& { return o.fixed_w_columns; }));
    t.push_back(plain<int>("threads", "--threads", "threads to use (0 = all cores)",
                           [](Options& o) -> int& { return o.threads; }));
    t.push_back(plain<double>(
        "missing_weight", "--missing-weight",
        "weight in [0, 1) of the missing entries as zeros (Frobenius); keeps rows and "
        "columns with few observed entries bounded; 0 = leave them out entirely",
        [](Options& o) -> double& { return o.missing_weight; }));
    t.push_back(plain<std::shared_ptr<const Mask>>(
        "mask", "--mask", "more missing entries, given apart from V (a file on the command line)",
        [](Options& o) -> std::shared_ptr<const Mask>& { return o.mask; }));
    t.push_back(optional_named<Extrapolation>(
        "extrapolation", "--extrapolate,--extrapolation",
        "on or off: extrapolate W and H after each update, dropping any point that raises the "
        "objective (Ang & Gillis 2019); default: on where the solver's registry row says so",
        [](Options& o) -> std::optional<Extrapolation>& { return o.extrapolation; },
        extrapolation_from_string));
    {
        OptionField f{"device",
                      "--device",
                      OptionKind::name,
                      false,
                      "",
                      "where the fit runs: cpu, or cuda / cuda:N (EXPERIMENTAL: needs a CUDA "
                      "build, not yet validated on a GPU; mu and hals with frobenius, mu with "
                      "kullback_leibler)",
                      {},
                      {},
                      {"cpu", "cuda"}};
        f.get = [](const Options& o) -> OptionValue { return to_string(o.device); };
        f.set = [](Options& o, const OptionValue& v) {
            o.device = device_from_string(std::get<std::string>(v));
        };
        t.push_back(std::move(f));
    }
    return t;
}

}  // namespace

std::string OptionField::json_key() const {
    std::string key(name);
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return key;
}

const std::vector<OptionField>& option_fields() {
    static const std::vector<OptionField> fields = make_fields();
    return fields;
}

const OptionField& option_field(std::string_view name) {
    for (const OptionField& f : option_fields())
        if (f.name == name) return f;
    throw std::out_of_range("no Options field \"" + std::string(name) + "\"");
}

std::string option_text(const OptionValue& v) {
    return std::visit(
        [](const auto& x) -> std::string {
            using X = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<X, bool>)
                return x ? "true" : "false";
            else if constexpr (std::is_same_v<X, long long> || std::is_same_v<X, std::uint64_t>)
                return std::to_string(x);
            else if constexpr (std::is_same_v<X, double>) {
                char buf[32];
                std::snprintf(buf, sizeof buf, "%g", x);
                return buf;
            } else if constexpr (std::is_same_v<X, std::string>)
                return x;
            else if constexpr (std::is_same_v<X, std::vector<int>>) {
                std::string out;
                for (int c : x) {
                    if (!out.empty()) out += ',';
                    out += std::to_string(c);
                }
                return out;
            } else
                return "";
        },
        v);
}

}  // namespace nmfkit
