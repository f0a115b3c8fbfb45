// The choice of the kernel table (linalg/kernels.hpp): the CPU's best target, capped by
// NMFKIT_ISA. Compiled once, with the library's flags.

#include "linalg/kernels.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace nmfkit::detail {

// The highest target compiled into this build (CMake's NMFKIT_KERNEL_ISAS: baseline, then
// optionally avx2, then optionally avx512), by its Isa number.
#ifndef NMFKIT_KERNELS_BUILT
#define NMFKIT_KERNELS_BUILT 2
#endif

// Each defined in its own compilation of linalg/kernels_isa.cpp.
namespace isa_baseline {
KernelTable kernel_table();
}
#if NMFKIT_KERNELS_BUILT >= 1
namespace isa_avx2 {
KernelTable kernel_table();
}
#endif
#if NMFKIT_KERNELS_BUILT >= 2
namespace isa_avx512 {
KernelTable kernel_table();
}
#endif

const char* isa_name(Isa isa) {
    switch (isa) {
        case Isa::avx512: return "avx512";
        case Isa::avx2: return "avx2";
        case Isa::baseline: break;
    }
    return "baseline";
}

Isa cpu_isa() {
    // __builtin_cpu_supports also asks the operating system (XGETBV) whether it saves the
    // registers of AVX and AVX-512; the flags are those linalg/kernels_isa.cpp compiles with.
    __builtin_cpu_init();
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
        return Isa::avx512;
    return avx2 ? Isa::avx2 : Isa::baseline;
}

Isa built_isa() { return static_cast<Isa>(NMFKIT_KERNELS_BUILT); }

Isa best_isa() { return std::min(cpu_isa(), built_isa()); }

const KernelTable* kernels_for(Isa isa) {
    // Only a target the CPU supports is touched: even filling a table, code compiled for AVX-512
    // may use its instructions. A target this build lacks has no table.
    if (static_cast<int>(isa) > static_cast<int>(best_isa())) return nullptr;
    switch (isa) {
        case Isa::avx512: {
#if NMFKIT_KERNELS_BUILT >= 2
            static const KernelTable t = isa_avx512::kernel_table();
            return &t;
#else
            return nullptr;
#endif
        }
        case Isa::avx2: {
#if NMFKIT_KERNELS_BUILT >= 1
            static const KernelTable t = isa_avx2::kernel_table();
            return &t;
#else
            return nullptr;
#endif
        }
        case Isa::baseline: break;
    }
    static const KernelTable t = isa_baseline::kernel_table();
    return &t;
}

namespace {

/// The best target, capped by NMFKIT_ISA; warns once on stderr about a value it cannot follow.
Isa chosen_isa() {
    const Isa best = best_isa();
    const char* request = std::getenv("NMFKIT_ISA");
    if (request == nullptr || *request == '\0') return best;
    Isa cap;
    if (std::strcmp(request, "baseline") == 0) {
        cap = Isa::baseline;
    } else if (std::strcmp(request, "avx2") == 0) {
        cap = Isa::avx2;
    } else if (std::strcmp(request, "avx512") == 0) {
        cap = Isa::avx512;
    } else {
        std::fprintf(stderr,
                     "nmfkit: warning: NMFKIT_ISA=%s is not baseline, avx2 or avx512; using %s\n",
                     request, isa_name(best));
        return best;
    }
    if (static_cast<int>(cap) > static_cast<int>(best)) {
        std::fprintf(stderr, "nmfkit: warning: NMFKIT_ISA=%s: %s %s; using %s\n", request,
                     static_cast<int>(cap) > static_cast<int>(built_isa())
                         ? "this build has no kernels for"
                         : "this CPU lacks",
                     request, isa_name(best));
        return best;
    }
    return cap;
}

}  // namespace

const KernelTable& kernels() {
    static const KernelTable* const active = kernels_for(chosen_isa());
    return *active;
}

}  // namespace nmfkit::detail
