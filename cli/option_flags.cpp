#include "option_flags.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "common.hpp"

namespace nmfkit::cli {

void OptionFlags::add(CLI::App& cmd, const std::vector<Pick>& picks, const std::string& group) {
    for (const Pick& p : picks) {
        const OptionField& f = option_field(p.name);
        Bound& b = bound_.emplace_back();
        b.field = &f;
        const std::string flag(f.flag), help = p.help.empty() ? std::string(f.help) : p.help;
        const OptionValue now = f.get(base_);
        CLI::Option* o = nullptr;
        switch (f.kind) {
            case OptionKind::integer:
                b.integer = std::get<long long>(now);
                o = cmd.add_option(flag, b.integer, help)->type_name("INT")->capture_default_str();
                break;
            case OptionKind::real:
                b.real = std::get<double>(now);
                o = cmd.add_option(flag, b.real, help)->type_name("FLOAT")->capture_default_str();
                break;
            case OptionKind::flag:
                b.flag = std::get<bool>(now);
                o = cmd.add_flag(flag, b.flag, help);
                break;
            case OptionKind::seed:
                b.text = option_text(now);
                o = cmd.add_option(flag, b.text, help)->type_name("UINT")->capture_default_str();
                break;
            case OptionKind::name:
                b.text = option_text(now);
                o = cmd.add_option(flag, b.text, help);
                if (!b.text.empty()) o->capture_default_str();
                break;
            case OptionKind::columns:
                b.columns = std::get<std::vector<int>>(now);
                o = cmd.add_option(flag, b.columns, help)->delimiter(',');
                break;
            case OptionKind::mask:
                throw std::logic_error(
                    "Options::mask has no generic flag; the command reads its file");
        }
        if (!group.empty()) o->group(group);
        b.option = o;
    }
}

CLI::Option* OptionFlags::option(const std::string& name) const {
    for (const Bound& b : bound_)
        if (b.field->name == name) return b.option;
    throw std::logic_error("option " + name + " was not picked");
}

Options OptionFlags::apply() const {
    Options o = base_;
    for (const Bound& b : bound_) {
        const OptionField& f = *b.field;
        switch (f.kind) {
            case OptionKind::integer:
                if (b.integer < std::numeric_limits<int>::min() ||
                    b.integer > std::numeric_limits<int>::max())
                    throw UsageError(b.option->get_name() + " " + std::to_string(b.integer) +
                                     " is out of range (" +
                                     std::to_string(std::numeric_limits<int>::min()) + " to " +
                                     std::to_string(std::numeric_limits<int>::max()) + ")");
                f.set(o, b.integer);
                break;
            case OptionKind::real: f.set(o, b.real); break;
            case OptionKind::flag: f.set(o, b.flag); break;
            case OptionKind::seed: f.set(o, parse_seed(b.text)); break;
            case OptionKind::name:
                usage_checked([&] {
                    f.set(o, b.text);
                    return 0;
                });
                break;
            case OptionKind::columns: f.set(o, b.columns); break;
            case OptionKind::mask: break;
        }
    }
    return o;
}

void write_option_fields(nlohmann::ordered_json& j, const Options& opt,
                         const std::vector<std::string>& names) {
    for (const OptionField& f : option_fields()) {
        if (!names.empty() && std::find(names.begin(), names.end(), f.name) == names.end())
            continue;
        nlohmann::ordered_json value = std::visit(
            [&](const auto& x) -> nlohmann::ordered_json {
                using X = std::decay_t<decltype(x)>;
                if constexpr (std::is_same_v<X, std::shared_ptr<const Mask>>)
                    return nullptr;
                else if constexpr (std::is_same_v<X, std::string>) {
                    if (f.optional && x.empty()) return nullptr;
                    return x;
                } else
                    return x;
            },
            f.get(opt));
        if (f.group.empty())
            j[f.json_key()] = std::move(value);
        else
            j[std::string(f.group)][f.json_key()] = std::move(value);
    }
}

}  // namespace nmfkit::cli
