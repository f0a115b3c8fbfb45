// A CUDA plugin of another ABI (tests/CMakeLists.txt, cmd.fit_device_plugin_wrong_abi): the
// library must refuse it with a message naming both ABIs, and never call into its table.

#include "device/plugin_abi.h"

namespace {
const NmfkitCudaPlugin table = {NMFKIT_CUDA_ABI + 1000,
                                "0.0.0-test",
                                nullptr,
                                nullptr,
                                nullptr,
                                nullptr,
                                nullptr,
                                nullptr,
                                nullptr,
                                nullptr,
                                nullptr,
                                nullptr};
}  // namespace

extern "C" __attribute__((visibility("default"))) const NmfkitCudaPlugin* nmfkit_cuda_plugin() {
    return &table;
}
