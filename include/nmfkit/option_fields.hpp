#pragma once
/// @file option_fields.hpp
/// @brief The one table of Options fields that the bindings derive from: the CLI flags
/// (cli/option_flags.hpp), the Python keywords (python/src/module.cpp) and the report JSON.
/// Adding a field to Options means adding one entry here (src/engine/option_fields.cpp).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nmfkit/options.hpp>

namespace nmfkit {

/// How a field's value is written and parsed.
enum class OptionKind {
    integer,  ///< int (a C++ int: −2³¹ … 2³¹ − 1); validate() checks the field's own range
    real,     ///< double; validate() checks the field's own range
    flag,     ///< bool; a CLI flag without a value
    seed,     ///< std::uint64_t, 0 … 2⁶⁴ − 1
    name,     ///< an enumerator by its name (options.hpp's *_from_string); "" = unset when optional
    columns,  ///< a list of 0-based column indices (comma-separated on the command line)
    mask,     ///< Options::mask: each binding reads its own form (a file, positions)
};

/// A field's value as the bindings pass it: the alternative is the one of the field's kind
/// (integer: long long, real: double, flag: bool, seed: std::uint64_t, name: std::string,
/// columns: std::vector<int>, mask: the pointer).
using OptionValue = std::variant<long long, double, bool, std::uint64_t, std::string,
                                 std::vector<int>, std::shared_ptr<const Mask>>;

/// One field of Options.
struct OptionField {
    std::string_view name;  ///< Python keyword ("max_iter", "l1_W"); lower-cased, the report's key
    std::string_view flag;  ///< CLI flag(s) in CLI11's syntax ("--max-iter", "-k,--rank")
    OptionKind kind;
    bool optional;  ///< name: the value may be unset ("" / None = the resolved default)
    std::string_view
        group;  ///< report JSON: the object it is nested in ("penalties"), "" = top level
    std::string_view help;  ///< one line for `--help` and docs
    std::function<OptionValue(const Options&)> get;
    /// Sets the field. @throws InvalidInput for an unknown name or an integer outside int's range;
    /// std::bad_variant_access when the value is not of the field's kind.
    std::function<void(Options&, const OptionValue&)> set;
    /// name: the accepted names (declaration order, aliases excluded); empty otherwise.
    std::vector<std::string> choices;

    /// The report JSON key: name lower-cased ("l1_W" → "l1_w").
    std::string json_key() const;
};

/// Every field of Options, once, in the order of the report.
const std::vector<OptionField>& option_fields();

/// The field called @p name. @throws std::out_of_range when there is none.
const OptionField& option_field(std::string_view name);

/// The text of a value as a command line or message gives it ("200", "0.0001", "true",
/// "kullback_leibler", "0,2"; "" for an unset name or a mask).
std::string option_text(const OptionValue& v);

}  // namespace nmfkit
