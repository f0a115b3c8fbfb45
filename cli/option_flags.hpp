#pragma once
// The CLI flags of Options fields, generated from the one table (nmfkit/option_fields.hpp), and
// the report's options written from it.

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <nmfkit/option_fields.hpp>

namespace nmfkit::cli {

/// A field a command takes, by its table name, with this command's help when it differs.
struct Pick {
    std::string name;
    std::string help = {};  ///< "" = the table's
};

/// The flags of the picked Options fields on one command; their values after parsing.
class OptionFlags {
public:
    /// @p base gives the defaults shown and used (Options{} or the command's own).
    explicit OptionFlags(Options base = {}) : base_(std::move(base)) {}
    OptionFlags(const OptionFlags&) = delete;
    OptionFlags& operator=(const OptionFlags&) = delete;

    /// Adds a flag per picked field to @p cmd, in @p group; returns the last one's CLI option.
    void add(CLI::App& cmd, const std::vector<Pick>& picks, const std::string& group = "");

    /// The CLI option of a picked field (for ->required(), excludes, ...).
    CLI::Option* option(const std::string& name) const;

    /// base with every picked field set from the command line (names parsed: an unknown one is
    /// a usage error). Fields left unset keep base's value.
    Options apply() const;

private:
    struct Bound {
        const OptionField* field = nullptr;
        CLI::Option* option = nullptr;
        long long integer = 0;
        double real = 0;
        bool flag = false;
        std::string text;  // seed and names: parsed in apply()
        std::vector<int> columns;
    };
    Options base_;
    std::deque<Bound> bound_;  // stable addresses: CLI11 keeps references into them
};

/// The picked fields of @p opt as JSON under their report keys (penalties nested), in table order;
/// a mask is written as null (the command names its file itself).
void write_option_fields(nlohmann::ordered_json& j, const Options& opt,
                         const std::vector<std::string>& names = {});

}  // namespace nmfkit::cli
