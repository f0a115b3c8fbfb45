#pragma once
// The instruction set a test run asks for with NMFKIT_ISA (src/linalg/kernels.hpp; ctest sets it,
// tests/CMakeLists.txt): a program that includes this header skips every test when the CPU or the
// build lacks that target, so ctest reports the run as skipped rather than passing it on another
// target. A skip in the environment prints no "[  SKIPPED ]" line (GoogleTest 1.12 reports the
// program as passed), so the message starts with "nmfkit-isa: skipped", which ctest looks for.

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <optional>

#include "linalg/kernels.hpp"

namespace nmfkit_test {

/// The target NMFKIT_ISA names, if it names one.
inline std::optional<nmfkit::detail::Isa> requested_isa() {
    using nmfkit::detail::Isa;
    const char* r = std::getenv("NMFKIT_ISA");
    if (r == nullptr) return std::nullopt;
    for (Isa isa : {Isa::baseline, Isa::avx2, Isa::avx512})
        if (std::strcmp(r, nmfkit::detail::isa_name(isa)) == 0) return isa;
    return std::nullopt;
}

class IsaEnvironment : public ::testing::Environment {
public:
    void SetUp() override {
        const auto isa = requested_isa();
        const auto best = nmfkit::detail::best_isa();
        if (isa && static_cast<int>(*isa) > static_cast<int>(nmfkit::detail::built_isa()))
            GTEST_SKIP() << "nmfkit-isa: skipped: this build has no "
                         << nmfkit::detail::isa_name(*isa)
                         << " kernels (NMFKIT_KERNEL_ISAS; best here: "
                         << nmfkit::detail::isa_name(best) << ")";
        if (isa && static_cast<int>(*isa) > static_cast<int>(best))
            GTEST_SKIP() << "nmfkit-isa: skipped: this CPU lacks " << nmfkit::detail::isa_name(*isa)
                         << " (best: " << nmfkit::detail::isa_name(best) << ")";
    }
};

/// Registered once per program, however many of its files include this header.
inline ::testing::Environment* const isa_environment =
    ::testing::AddGlobalTestEnvironment(new IsaEnvironment);

}  // namespace nmfkit_test
