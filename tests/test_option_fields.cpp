// The table of Options fields (nmfkit/option_fields.hpp) that the CLI, Python and the report
// derive from: it must name every field of Options once, and get/set each.

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <tuple>

#include <nmfkit/errors.hpp>
#include <nmfkit/mask.hpp>
#include <nmfkit/option_fields.hpp>

namespace {

using nmfkit::OptionField;
using nmfkit::OptionKind;
using nmfkit::Options;
using nmfkit::OptionValue;

bool same(const nmfkit::Penalty& a, const nmfkit::Penalty& b) {
    return a.l1 == b.l1 && a.l2 == b.l2;
}
template <class X>
bool same(const X& a, const X& b) {
    return a == b;
}

// The members of Options, by structured binding: this fails to compile when a member is added or
// removed. Then add the new member here AND to the table (src/engine/option_fields.cpp); the test
// below fails while the table does not set it.
constexpr std::size_t options_members = 28;
auto members(const Options& o) {
    const auto& [rank, solver, loss, beta, w, h, init, max_iter, tol, stop, extrapolation,
                 time_limit, seed, threads, low_memory, hals_max_inner, hals_alpha, hals_epsilon,
                 cd_newton_steps, normalize, diagonal, sort_components, restarts, fixed_w_columns,
                 missing, mask, missing_weight, device] = o;
    return std::tie(rank, solver, loss, beta, w, h, init, max_iter, tol, stop, extrapolation,
                    time_limit, seed, threads, low_memory, hals_max_inner, hals_alpha, hals_epsilon,
                    cd_newton_steps, normalize, diagonal, sort_components, restarts,
                    fixed_w_columns, missing, mask, missing_weight, device);
}

// Which members of a differ from b's, as a bit set by position.
std::set<std::size_t> changed(const Options& a, const Options& b) {
    std::set<std::size_t> out;
    const auto ma = members(a), mb = members(b);
    std::size_t i = 0;
    std::apply(
        [&](const auto&... x) {
            std::apply(
                [&](const auto&... y) { ((same(x, y) ? void() : void(out.insert(i)), ++i), ...); },
                mb);
        },
        ma);
    return out;
}

// A value of the field's kind that differs from its default.
OptionValue other_value(const OptionField& f) {
    const OptionValue now = f.get(Options{});
    switch (f.kind) {
        case OptionKind::integer: return std::get<long long>(now) + 3;
        case OptionKind::real: return std::get<double>(now) + 0.25;
        case OptionKind::flag: return !std::get<bool>(now);
        case OptionKind::seed: return std::get<std::uint64_t>(now) + 12345;
        case OptionKind::name:
            for (const std::string& n : f.choices)
                if (n != std::get<std::string>(now)) return n;
            break;
        case OptionKind::columns: return std::vector<int>{1, 2};
        case OptionKind::mask:
            return std::make_shared<const nmfkit::Mask>(
                nmfkit::Mask::from_positions(2, 2, {{0, 1}}));
    }
    ADD_FAILURE() << f.name << ": no value other than the default";
    return now;
}

TEST(OptionFields, EveryMemberOfOptionsIsSetByExactlyItsOwnFields) {
    static_assert(std::tuple_size_v<decltype(members(Options{}))> == options_members);
    std::set<std::size_t> covered;
    std::set<std::string> names;
    for (const OptionField& f : nmfkit::option_fields()) {
        EXPECT_TRUE(names.insert(std::string(f.name)).second) << f.name << " is listed twice";
        Options o;
        const OptionValue v = other_value(f);
        f.set(o, v);
        // The value comes back, and it moved exactly one member of Options.
        EXPECT_EQ(nmfkit::option_text(f.get(o)), nmfkit::option_text(v)) << f.name;
        if (f.kind == OptionKind::mask) {
            EXPECT_EQ(std::get<std::shared_ptr<const nmfkit::Mask>>(f.get(o)),
                      std::get<std::shared_ptr<const nmfkit::Mask>>(v));
        }
        const std::set<std::size_t> moved = changed(o, Options{});
        EXPECT_EQ(moved.size(), 1u) << f.name << " changed " << moved.size() << " members";
        covered.insert(moved.begin(), moved.end());
    }
    // Every member is reached by some field (the penalties w and h by two fields each).
    EXPECT_EQ(covered.size(), options_members);
    for (std::size_t i = 0; i < options_members; ++i)
        EXPECT_TRUE(covered.count(i))
            << "member " << i << " of Options (in declaration order) is in no table field";
}

TEST(OptionFields, NamesFlagsAndKeysFollowOneRule) {
    for (const OptionField& f : nmfkit::option_fields()) {
        // The CLI flag is the name with '-' for '_', lower-cased (an alias or short form may join it).
        std::string flag = "--" + f.json_key();
        for (char& c : flag)
            if (c == '_') c = '-';
        EXPECT_NE(std::string(f.flag).find(flag), std::string::npos) << f.name << ": " << f.flag;
        EXPECT_FALSE(f.help.empty()) << f.name;
        EXPECT_EQ(f.kind == OptionKind::name, !f.choices.empty()) << f.name;
    }
    EXPECT_EQ(nmfkit::option_field("l1_W").json_key(), "l1_w");
    EXPECT_THROW(nmfkit::option_field("no_such_field"), std::out_of_range);
}

TEST(OptionFields, DefaultsAreOptionsDefaults) {
    const Options d;
    EXPECT_EQ(std::get<long long>(nmfkit::option_field("max_iter").get(d)), d.max_iter);
    EXPECT_EQ(std::get<double>(nmfkit::option_field("tol").get(d)), d.tol);
    EXPECT_EQ(std::get<std::string>(nmfkit::option_field("loss").get(d)), "frobenius");
    EXPECT_EQ(std::get<std::string>(nmfkit::option_field("solver").get(d)), "");  // unset
}

TEST(OptionFields, SettingChecksNamesAndIntRange) {
    Options o;
    EXPECT_THROW(nmfkit::option_field("loss").set(o, std::string("nope")), nmfkit::InvalidInput);
    EXPECT_THROW(nmfkit::option_field("max_iter").set(o, 1LL << 40), nmfkit::InvalidInput);
    nmfkit::option_field("solver").set(o, std::string("mu"));
    ASSERT_TRUE(o.solver.has_value());
    nmfkit::option_field("solver").set(o, std::string());
    EXPECT_FALSE(o.solver.has_value());
    nmfkit::option_field("loss").set(o, std::string("kl"));  // aliases are parsed as everywhere
    EXPECT_EQ(o.loss, nmfkit::Loss::kullback_leibler);
}

}  // namespace
