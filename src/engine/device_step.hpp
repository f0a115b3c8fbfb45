#pragma once
// The device path's step (docs/design.md, "Device"): one iteration of Frobenius mu/hals or KL mu on
// factors held on a CUDA device, driven by the one loop (engine/loop.hpp) like any host step. The
// loop's W and Ht are the start when start() runs and the result once finish() has run; between
// them the factors live on the device, and only k x k matrices and scalars come back per
// iteration. Built in every build: device_step.cpp forwards to the CUDA plugin (libnmfkit_cuda.so,
// engine/device_plugin.cpp) through device/plugin_abi.h, which device/query.cpp loads on first use.
// EXPERIMENTAL: compiled, never run on a GPU.

#include <cstdint>

#include <nmfkit/fit.hpp>

#include "data/device.hpp"

namespace nmfkit::detail {

/// V on a device with the context it lives in: built once per fit, shared by its restarts.
template <class T>
class DeviceFit {
public:
    DeviceFit(const HostMatrix<T>& V, int device);
    ~DeviceFit();
    DeviceFit(const DeviceFit&) = delete;
    DeviceFit& operator=(const DeviceFit&) = delete;
    void* handle() const { return handle_; }  ///< the plugin's fit
    std::int64_t rows() const { return rows_; }
    std::int64_t cols() const { return cols_; }

private:
    void* handle_ = nullptr;
    std::int64_t rows_, cols_;
};

/// The step: start() uploads (W, Ht) and forms the products, iterate() runs one iteration on the
/// device and returns the objective, finish() downloads (W, Ht) for the loop's last part (the
/// residual, the penalty, the result). `norm2` is ‖A‖² and `product_flops` the cost of A·F
/// counted over V's non-zeros (the HALS budget), both from the host adapter.
template <class T>
class DeviceStep {
public:
    DeviceStep(DeviceFit<T>& fit, Solver solver, const Options& opt, double norm2,
               double product_flops);
    ~DeviceStep();
    DeviceStep(const DeviceStep&) = delete;
    DeviceStep& operator=(const DeviceStep&) = delete;
    double start(const Matrix<T>& W, const Matrix<T>& Ht);
    double iterate(Matrix<T>& W, Matrix<T>& Ht);
    void finish(Matrix<T>& W, Matrix<T>& Ht);
    double penalty(const Matrix<T>& W, const Matrix<T>& Ht) const;

private:
    void* handle_ = nullptr;  // the plugin's step
    Penalty w_, h_;
};

/// The largest rank the device kernels take (the KL kernel keeps a row's k sums in registers).
constexpr int device_max_rank = 256;

}  // namespace nmfkit::detail
