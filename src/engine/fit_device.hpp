#pragma once
// fit() on a CUDA device (docs/design.md, "Device"): the restarts of run.hpp and the one loop of
// loop.hpp with the device step (engine/device_step.hpp). The host adapter A gives the start and
// the final residual; V is also uploaded once (HostMatrix → DeviceFit) by the CUDA plugin. Without
// NMFKIT_WITH_CUDA, or without the plugin, require_device refuses (validate_options already did).

#include <string>

#include "engine/device_step.hpp"
#include "engine/run.hpp"

namespace nmfkit::detail {

template <class T, class D>
Result<T> run_device_fit(const D& A, const HostMatrix<T>& V, const Options& opt,
                         const InitialFactors<T>* start, const Callbacks& callbacks) {
    require_device(opt.device);
    const std::string on = "device " + to_string(opt.device) + ": ";
    if (callbacks.resume || (callbacks.on_checkpoint && callbacks.checkpoint_every >= 0))
        throw InvalidInput(on + "checkpoints run on the CPU only (use device cpu)");
    if (opt.rank > device_max_rank)
        throw InvalidInput(on + "rank " + std::to_string(opt.rank) + " is above the device's " +
                           std::to_string(device_max_rank) + " (use device cpu)");
    DeviceFit<T> device(V, opt.device.index);
    // One device: restarts run one after the other, never on parallel host threads (run_restarts
    // runs them in sequence when an iteration callback is set).
    Callbacks cb = callbacks;
    if (!cb.on_iteration) cb.on_iteration = [](const IterationStats&) { return true; };
    return run_restarts(
        A, opt, start, cb, [&](const Options& o, const InitialFactors<T>* s, const Callbacks& c) {
            Matrix<T> W, Ht;  // m x k, n x k
            const Init init = start_factors(A, o, s, W, Ht);
            // HALS's budget from the non-zeros, as FrobeniusStep's (GramSubproblem).
            DeviceStep<T> step(device, resolved_solver(o), o, A.squared_norm(),
                               2.0 * static_cast<double>(A.nonzero_count()) * o.rank);
            Result<T> r = alternate(A, step, std::move(W), std::move(Ht), o, c);
            r.init = init;
            scale_components(r, o);
            return r;
        });
}

}  // namespace nmfkit::detail
