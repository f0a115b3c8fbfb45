// build_info(): what `nmfkit info` reports.

#include <cblas.h>
#include <omp.h>

#include <nmfkit/version.hpp>

#include "device/device.hpp"
#include "linalg/kernels.hpp"

#ifndef NMFKIT_BUILD_TYPE
#define NMFKIT_BUILD_TYPE "unknown"
#endif

namespace nmfkit {

BuildInfo build_info() {
    BuildInfo b;
    b.version = std::string(version);
    b.build_type = NMFKIT_BUILD_TYPE;
#if defined(__clang__)
    b.compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
    b.compiler = "g++ " __VERSION__;
#endif
    b.blas = std::string("OpenBLAS ") + openblas_get_config();
    b.blas_core = openblas_get_corename();
    b.blas_follows_openmp = openblas_get_parallel() == 2;
    b.max_threads = omp_get_num_procs();
    b.scalars = {"float32", "float64"};
    b.storage = {"dense (column- or row-major)", "sparse (CSC or CSR, int32 or int64 indices)"};
    b.isa = detail::isa_name(detail::kernels().isa);
    b.isa_best = detail::isa_name(detail::cpu_isa());
    for (int i = 0; i <= static_cast<int>(detail::built_isa()); ++i)
        b.isa_built.emplace_back(detail::isa_name(static_cast<detail::Isa>(i)));
    const detail::device::Inventory inv = detail::device::inventory();
    b.cuda = inv.built;
    b.cuda_runtime = inv.runtime;
    for (const detail::device::Gpu& g : inv.gpus)
        b.devices.push_back("cuda:" + std::to_string(g.index) + " " + g.name + ", " +
                            std::to_string(g.memory >> 20) + " MiB, compute capability " +
                            std::to_string(g.major) + "." + std::to_string(g.minor));
    b.devices_note = inv.note;
#if defined(__SANITIZE_ADDRESS__)
    b.sanitizers = true;
#endif
    return b;
}

}  // namespace nmfkit
