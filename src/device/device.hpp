#pragma once
// The CUDA device (docs/design.md, "Device"), layer 0 beside linalg/: what the host code may ask
// of a GPU, in plain C++ (no CUDA header here, so the engine compiles with the host compiler).
// EXPERIMENTAL: none of the device code has run on a GPU yet.
//   inventory(), require(),  always built (query.cpp), in the library, which links no CUDA
//   plugin()                 library: the devices or why there are none, and the CUDA plugin
//                            (libnmfkit_cuda.so, plugin_abi.h) dlopened on first use;
//   compute.hpp              in the plugin only: device buffers, a context, cuBLAS and cuSPARSE
//                            calls, the kernels.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nmfkit/options.hpp>

#include "device/plugin_abi.h"

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

/// Asks the CUDA runtime, through the plugin, once per call (cudaGetDeviceCount,
/// cudaGetDeviceProperties). Without the plugin, `note` says why it could not be loaded.
Inventory inventory();

/// The CUDA plugin's table, loaded once per process (dlopen, never closed): the file named by
/// $NMFKIT_CUDA_PLUGIN, else libnmfkit_cuda.so next to the object holding this library (the
/// executable, libnmfkit.so or the Python module; dladdr), in ../<libdir> from there, or in the
/// build tree. Throws InvalidInput naming the reason (built without CUDA, the dlopen error, an
/// ABI or version mismatch).
const NmfkitCudaPlugin& plugin();

/// Throws InvalidInput unless d is the CPU or a CUDA device of this machine (options.hpp's
/// require_device).
void require(const Device& d);

}  // namespace nmfkit::detail::device
