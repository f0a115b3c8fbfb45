#pragma once
// The CUDA device (docs/design.md, "Device"), layer 0 beside linalg/: what the host code may ask
// of a GPU, in plain C++ (no CUDA header here, so the engine compiles with the host compiler).
// EXPERIMENTAL: none of the device code has run on a GPU yet.
//   inventory(), require()   always built (query.cpp): the devices, or why there are none;
//   compute.hpp              only with NMFKIT_WITH_CUDA: device buffers, a context, cuBLAS and
//                            cuSPARSE calls, the kernels.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nmfkit/options.hpp>

namespace nmfkit::detail::device {

/// One CUDA device as the runtime reports it.
struct Gpu {
    int index = 0;
    std::string name;
    std::size_t memory = 0;    ///< bytes of global memory
    int major = 0, minor = 0;  ///< compute capability
};

/// The CUDA devices of this machine, or why there are none.
struct Inventory {
    bool built = false;     ///< NMFKIT_WITH_CUDA
    std::string runtime;    ///< the CUDA runtime's version, "13.0"
    std::vector<Gpu> gpus;  ///< empty: see note
    std::string note;       ///< why gpus is empty ("" when it is not)
};

/// Asks the CUDA runtime once per call (cudaGetDeviceCount, cudaGetDeviceProperties).
Inventory inventory();

/// Throws InvalidInput unless d is the CPU or a CUDA device of this machine (options.hpp's
/// require_device).
void require(const Device& d);

}  // namespace nmfkit::detail::device
