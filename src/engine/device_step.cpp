// The device step on the host side (engine/device_step.hpp): every call goes to the CUDA plugin's
// C table (device/plugin_abi.h, loaded by device/query.cpp); the settings are decided here, from
// Options, so the plugin never sees a C++ type of the library.

#include "engine/device_step.hpp"

#include <stdexcept>
#include <string>

#include "device/plugin_abi.h"
#include "engine/validate.hpp"
#include "loss/kl.hpp"
#include "updates/hals.hpp"

namespace nmfkit::detail {

namespace {

// A failed plugin call: the plugin's message, as the CUDA wrappers throw it (std::runtime_error).
void check(int rc, const char* err) {
    if (rc != 0) throw std::runtime_error(std::string("device: ") + err);
}

}  // namespace

template <class T>
DeviceFit<T>::DeviceFit(const HostMatrix<T>& V, int device) : rows_(V.rows), cols_(V.cols) {
    NmfkitCudaMatrix v{};
    v.rows = V.rows;
    v.cols = V.cols;
    v.dense = V.dense;
    v.ld = V.ld;
    v.transposed = V.transposed ? 1 : 0;
    if (V.sparse()) {
        v.ptr = V.ptr.data(), v.idx = V.idx.data(), v.val = V.val.data();
        v.ptr_t = V.ptr_t.data(), v.idx_t = V.idx_t.data(), v.val_t = V.val_t.data();
    }
    char err[1024] = "";
    check(device::plugin().fit_create(static_cast<int>(sizeof(T)), &v, device, &handle_, err,
                                      sizeof err),
          err);
}

template <class T>
DeviceFit<T>::~DeviceFit() {
    if (handle_ != nullptr) device::plugin().fit_destroy(handle_);
}

template <class T>
DeviceStep<T>::DeviceStep(DeviceFit<T>& fit, Solver solver, const Options& opt, double norm2,
                          double product_flops)
    : w_(opt.w), h_(opt.h) {
    if (!device_supports(solver, opt.loss))
        throw InvalidInput("device: solver " + std::string(to_string(solver)) + " with loss " +
                           std::string(to_string(opt.loss)) + " runs on the CPU only");
    NmfkitCudaStepParams p{};
    p.hals = solver == Solver::hals ? 1 : 0;
    p.kl = opt.loss == Loss::kullback_leibler ? 1 : 0;
    p.rank = opt.rank;
    p.w_l1 = opt.w.l1, p.w_l2 = opt.w.l2, p.h_l1 = opt.h.l1, p.h_l2 = opt.h.l2;
    p.norm2 = norm2;
    // HALS's budget (updates/hals.hpp), W's update over m rows against Ht's n, and the reverse.
    const std::int64_t m = fit.rows(), n = fit.cols();
    const HalsBudget bw = hals_budget(product_flops, m, n, opt.rank, opt.hals_alpha,
                                      opt.hals_epsilon, opt.hals_max_inner);
    const HalsBudget bh = hals_budget(product_flops, n, m, opt.rank, opt.hals_alpha,
                                      opt.hals_epsilon, opt.hals_max_inner);
    p.w_max_inner = bw.max_inner, p.w_epsilon = bw.epsilon;
    p.h_max_inner = bh.max_inner, p.h_epsilon = bh.epsilon;
    p.kl_floor = static_cast<double>(kl_floor<T>());
    char err[1024] = "";
    check(device::plugin().step_create(fit.handle(), &p, &handle_, err, sizeof err), err);
}

template <class T>
DeviceStep<T>::~DeviceStep() {
    if (handle_ != nullptr) device::plugin().step_destroy(handle_);
}

template <class T>
double DeviceStep<T>::start(const Matrix<T>& W, const Matrix<T>& Ht) {
    char err[1024] = "";
    double f = 0;
    check(device::plugin().step_start(handle_, W.data(), Ht.data(), &f, err, sizeof err), err);
    return f;
}

template <class T>
double DeviceStep<T>::iterate(Matrix<T>&, Matrix<T>&) {
    char err[1024] = "";
    double f = 0;
    check(device::plugin().step_iterate(handle_, &f, err, sizeof err), err);
    return f;
}

template <class T>
void DeviceStep<T>::finish(Matrix<T>& W, Matrix<T>& Ht) {
    char err[1024] = "";
    check(device::plugin().step_finish(handle_, W.data(), Ht.data(), err, sizeof err), err);
}

template <class T>
double DeviceStep<T>::penalty(const Matrix<T>& W, const Matrix<T>& Ht) const {
    // l1 ΣX + ½ l2 ‖X‖² in double, as steps.hpp's penalty_value (not included: this unit stays
    // light).
    auto of = [](const Matrix<T>& X, const Penalty& p) {
        if (p.l1 == 0 && p.l2 == 0) return 0.0;
        return p.l1 * X.template cast<double>().sum() +
               0.5 * p.l2 * X.template cast<double>().squaredNorm();
    };
    return of(W, w_) + of(Ht, h_);
}

template class DeviceFit<float>;
template class DeviceFit<double>;
template class DeviceStep<float>;
template class DeviceStep<double>;

}  // namespace nmfkit::detail
