// The CUDA devices of this machine (device.hpp: inventory, require, plugin). Built in every build
// and linked to no CUDA library: a build with NMFKIT_WITH_CUDA dlopens the plugin
// libnmfkit_cuda.so (plugin_abi.h) the first time a device is asked for or listed, so a process
// that never asks pays nothing for CUDA; the others say that they were built without.

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include <nmfkit/errors.hpp>
#include <nmfkit/version.hpp>

#include "device/device.hpp"

namespace nmfkit::detail::device {

namespace {

#ifdef NMFKIT_WITH_CUDA
constexpr const char* plugin_name = "libnmfkit_cuda.so";

// The folder of the file (executable or shared object) that holds this function.
std::string own_folder() {
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&own_folder), &info) == 0 || info.dli_fname == nullptr)
        return "";
    std::string path = info.dli_fname;
    const std::size_t slash = path.rfind('/');
    return slash == std::string::npos ? "." : path.substr(0, slash);
}

// Loads the plugin or returns why not (in `why`).
const NmfkitCudaPlugin* load(std::string& why) {
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("NMFKIT_CUDA_PLUGIN"); env != nullptr && *env != 0) {
        candidates.emplace_back(env);  // tried even if absent: dlopen names the problem
    } else {
        const std::string here = own_folder();
        if (!here.empty()) {
            candidates.push_back(here + "/" + plugin_name);
            candidates.push_back(here + "/../" NMFKIT_INSTALL_LIBDIR "/" + plugin_name);
        }
        candidates.push_back(std::string(NMFKIT_CUDA_PLUGIN_BUILD_DIR "/") + plugin_name);
    }
    const bool forced = candidates.size() == 1 && std::getenv("NMFKIT_CUDA_PLUGIN") != nullptr;
    for (const std::string& path : candidates) {
        if (!forced && access(path.c_str(), F_OK) != 0) continue;
        void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            const char* e = dlerror();
            why = std::string("the CUDA plugin could not be loaded: ") +
                  (e != nullptr ? e : path + ": dlopen failed");
            return nullptr;
        }
        auto entry = reinterpret_cast<NmfkitCudaEntry>(dlsym(handle, NMFKIT_CUDA_ENTRY));
        if (entry == nullptr) {
            why =
                "the CUDA plugin " + path + " has no " NMFKIT_CUDA_ENTRY " (not an nmfkit plugin)";
            return nullptr;
        }
        const NmfkitCudaPlugin* table = entry();
        const std::string theirs = table->version != nullptr ? table->version : "?";
        if (table->abi != NMFKIT_CUDA_ABI || theirs != version) {
            why = "the CUDA plugin " + path + " is of nmfkit " + theirs + " (plugin ABI " +
                  std::to_string(table->abi) + "), this nmfkit is " + std::string(version) +
                  " (plugin ABI " + std::to_string(NMFKIT_CUDA_ABI) +
                  "): install the matching libnmfkit_cuda.so";
            return nullptr;
        }
        return table;
    }
    why = std::string("the CUDA plugin ") + plugin_name + " was not found (looked in: ";
    for (std::size_t i = 0; i < candidates.size(); ++i) why += (i > 0 ? ", " : "") + candidates[i];
    why += "; set NMFKIT_CUDA_PLUGIN to its path)";
    return nullptr;
}
#endif

struct Loaded {
    const NmfkitCudaPlugin* table = nullptr;
    std::string why;
};

const Loaded& loaded() {
    static Loaded l;
    static std::once_flag once;
    std::call_once(once, [] {
#ifdef NMFKIT_WITH_CUDA
        l.table = load(l.why);
#else
        l.why = "built without CUDA (NMFKIT_WITH_CUDA=OFF)";
#endif
    });
    return l;
}

}  // namespace

const NmfkitCudaPlugin& plugin() {
    const Loaded& l = loaded();
    if (l.table == nullptr) throw InvalidInput("device: " + l.why);
    return *l.table;
}

Inventory inventory() {
    Inventory inv;
#ifdef NMFKIT_WITH_CUDA
    inv.built = true;
#endif
    const Loaded& l = loaded();
    if (l.table == nullptr) {
        inv.note = l.why;
        return inv;
    }
    const int v = l.table->runtime_version();
    if (v > 0) inv.runtime = std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
    char err[1024] = "";
    int count = 0;
    l.table->device_count(&count, err, sizeof err);
    if (count == 0) {
        inv.note = err;
        return inv;
    }
    for (int i = 0; i < count; ++i) {
        char name[256] = "";
        std::size_t memory = 0;
        int major = 0, minor = 0;
        if (l.table->device_properties(i, name, sizeof name, &memory, &major, &minor, err,
                                       sizeof err) != 0)
            continue;
        inv.gpus.push_back({i, name, memory, major, minor});
    }
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
