#pragma once
/// @file version.hpp
/// @brief Library version.

#include <string>
#include <string_view>
#include <vector>

namespace nmfkit {

/// Version string "MAJOR.MINOR.PATCH".
inline constexpr std::string_view version = "0.1.0";

/// How this copy of the library was built and what it runs on (for `nmfkit info`).
struct BuildInfo {
    std::string version;               ///< nmfkit version
    std::string build_type;            ///< CMake build type, e.g. "Release"
    std::string compiler;              ///< compiler and version
    std::string blas;                  ///< BLAS library and its configuration string
    std::string blas_core;             ///< the CPU kernel set BLAS selected (e.g. "Haswell")
    bool blas_follows_openmp = false;  ///< BLAS is the OpenMP build (per-call thread counts)
    int max_threads = 1;               ///< threads a fit with threads = 0 uses
    std::vector<std::string> scalars;  ///< supported scalar types
    std::vector<std::string> storage;  ///< supported storage kinds
    bool sanitizers = false;           ///< built with AddressSanitizer/UBSan
    /// The instruction set of the hot kernels in use ("baseline", "avx2" or "avx512"): the best
    /// the CPU supports, capped by the environment variable NMFKIT_ISA.
    std::string isa;
    std::string isa_best;  ///< the best instruction set the CPU supports
    /// The instruction sets this build has kernels for (CMake's NMFKIT_KERNEL_ISAS; by default
    /// "baseline", "avx2", "avx512"). A target the CPU supports but the build lacks is not used.
    std::vector<std::string> isa_built;
    /// Built with the (experimental) CUDA device path, NMFKIT_WITH_CUDA.
    bool cuda = false;
    std::string cuda_runtime;          ///< CUDA runtime version ("13.0"); "" without CUDA
    std::vector<std::string> devices;  ///< the CUDA devices found ("cuda:0 NVIDIA H200, ...")
    std::string devices_note;          ///< why there are none (no CUDA build, no driver, ...)
};

/// Describes the build and the machine's BLAS and threads.
BuildInfo build_info();

}  // namespace nmfkit
