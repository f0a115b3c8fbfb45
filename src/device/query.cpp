// The CUDA devices of this machine (device.hpp: inventory, require). Built in every build; only a
// build with NMFKIT_WITH_CUDA asks the CUDA runtime, the others say that they were built without.

#include <string>

#include <nmfkit/errors.hpp>

#include "device/device.hpp"

#ifdef NMFKIT_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

namespace nmfkit::detail::device {

Inventory inventory() {
    Inventory inv;
#ifdef NMFKIT_WITH_CUDA
    inv.built = true;
    int version = 0;
    if (cudaRuntimeGetVersion(&version) == cudaSuccess)
        inv.runtime = std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        // No driver, no device, or a driver older than the runtime: all say "none here".
        inv.note = std::string("the CUDA runtime finds no device: ") + cudaGetErrorString(e) +
                   " (" + cudaGetErrorName(e) + ")";
        (void)cudaGetLastError();  // clear the sticky error
        return inv;
    }
    if (count == 0) {
        inv.note = "the CUDA runtime reports 0 devices";
        return inv;
    }
    for (int i = 0; i < count; ++i) {
        cudaDeviceProp p{};
        if (cudaGetDeviceProperties(&p, i) != cudaSuccess) continue;
        inv.gpus.push_back({i, p.name, p.totalGlobalMem, p.major, p.minor});
    }
#else
    inv.note = "built without CUDA (NMFKIT_WITH_CUDA=OFF)";
#endif
    return inv;
}

void require(const Device& d) {
    if (d.kind == Device::Kind::cpu) return;
    const std::string name = to_string(d);
    const Inventory inv = inventory();
    if (!inv.built)
        throw InvalidInput("device " + name +
                           ": this nmfkit was built without CUDA (NMFKIT_WITH_CUDA=OFF); use "
                           "device cpu");
    if (inv.gpus.empty())
        throw InvalidInput("device " + name + ": no CUDA device is available (" + inv.note +
                           "); use device cpu");
    if (d.index >= static_cast<int>(inv.gpus.size()))
        throw InvalidInput("device " + name + ": there " +
                           (inv.gpus.size() == 1 ? std::string("is 1 CUDA device (cuda:0)")
                                                 : "are " + std::to_string(inv.gpus.size()) +
                                                       " CUDA devices (cuda:0 to cuda:" +
                                                       std::to_string(inv.gpus.size() - 1) + ")"));
}

}  // namespace nmfkit::detail::device

namespace nmfkit {

void require_device(const Device& d) { detail::device::require(d); }

}  // namespace nmfkit
