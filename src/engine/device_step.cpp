// The device path's step (engine/device_step.hpp), compiled in CUDA builds only. Frobenius mu and
// hals mirror FrobeniusStep with the registry's updates (updates/mu.hpp, updates/hals.hpp), KL mu
// mirrors KullbackLeiblerStep (docs/algorithms.md); the formulas are the host's, the order of the
// sums is the device's. EXPERIMENTAL: compiled, never run on a GPU.

#include "engine/device_step.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "engine/validate.hpp"
#include "loss/kl.hpp"
#include "updates/hals.hpp"

namespace nmfkit::detail {

template <class T>
struct DeviceFit<T>::Impl {
    device::Context context;
    DeviceData<T> data;
    Impl(const HostMatrix<T>& V, int index) : context(index), data(context, V) {}
};

template <class T>
DeviceFit<T>::DeviceFit(const HostMatrix<T>& V, int device)
    : impl_(std::make_unique<Impl>(V, device)) {}

template <class T>
DeviceFit<T>::~DeviceFit() = default;

template <class T>
struct DeviceStep<T>::Impl {
    const device::Context& c;
    const DeviceData<T>& A;
    Solver solver;
    const Options& opt;
    double norm2, product_flops;
    std::int64_t m, n, k;
    // Factors and products on the device, column-major: W, AHt, scratch m x k; Ht, AtW n x k;
    // Grams k x k (HtH, WtW without penalty; G with it).
    device::Buffer<T> W, Ht, AHt, AtW, scratch_m, scratch_n, HtH, WtW, G, sums_w, sums_h;

    Impl(DeviceFit<T>& fit, Solver s, const Options& o, double a2, double flops)
        : c(fit.impl().context),
          A(fit.impl().data),
          solver(s),
          opt(o),
          norm2(a2),
          product_flops(flops),
          m(A.rows()),
          n(A.cols()),
          k(o.rank),
          W(static_cast<std::size_t>(m * k)),
          Ht(static_cast<std::size_t>(n * k)),
          AHt(static_cast<std::size_t>(m * k)),
          AtW(static_cast<std::size_t>(n * k)),
          scratch_m(static_cast<std::size_t>(m * k)),
          scratch_n(static_cast<std::size_t>(n * k)),
          HtH(static_cast<std::size_t>(k * k)),
          WtW(static_cast<std::size_t>(k * k)),
          G(static_cast<std::size_t>(k * k)),
          sums_w(static_cast<std::size_t>(k)),
          sums_h(static_cast<std::size_t>(k)) {}

    bool kl() const { return opt.loss == Loss::kullback_leibler; }

    // l1 ΣX + ½ l2 ‖X‖² of a device factor (rows x k), from its column sums and a dot.
    double penalty_of(const T* X, std::int64_t rows, const Penalty& p, device::Buffer<T>& sums) {
        if (p.l1 == 0 && p.l2 == 0) return 0;
        double f = 0;
        if (p.l1 != 0) {
            device::column_sums<T>(c, X, rows, k, sums.data());
            std::vector<T> s(static_cast<std::size_t>(k));
            sums.download(s.data(), s.size());
            double total = 0;
            for (T x : s) total += static_cast<double>(x);
            f += p.l1 * total;
        }
        if (p.l2 != 0) f += 0.5 * p.l2 * device::dot<T>(c, X, X, rows * k);
        return f;
    }
    double penalties() {
        return penalty_of(W.data(), m, opt.w, sums_w) + penalty_of(Ht.data(), n, opt.h, sums_h);
    }

    // Σ_ij (W Htᵀ)_ij = (1ᵀW)(Htᵀ1): two k-vectors to the host.
    double total_of_product() {
        device::column_sums<T>(c, W.data(), m, k, sums_w.data());
        device::column_sums<T>(c, Ht.data(), n, k, sums_h.data());
        std::vector<T> a(static_cast<std::size_t>(k)), b(static_cast<std::size_t>(k));
        sums_w.download(a.data(), a.size());
        sums_h.download(b.data(), b.size());
        double t = 0;
        for (std::int64_t l = 0; l < k; ++l) t += static_cast<double>(a[l]) * b[l];
        return t;
    }

    // ½‖A − W Htᵀ‖² = ½(‖A‖² − 2⟨AᵀW, Ht⟩ + ⟨WᵀW, HtᵀHt⟩), with AtW at the current W.
    double frobenius_objective() {
        const double cross = device::dot<T>(c, AtW.data(), Ht.data(), n * k);
        const double grams = device::dot<T>(c, WtW.data(), HtH.data(), k * k);
        return 0.5 * std::max(0.0, norm2 - 2 * cross + grams) + penalties();
    }

    // X (rows x k) from F's Gram FtF (k x k) and AF (rows x k), the registry row's rule.
    void frobenius_update(const device::Buffer<T>& FtF, const T* AF, T* X, std::int64_t rows,
                          std::int64_t rows_f, const Penalty& p, device::Buffer<T>& scratch) {
        // G = FtF + l2 I.
        device::copy<T>(c, FtF.data(), G.data(), k * k);
        device::symmetrize<T>(c, G.data(), k, static_cast<T>(p.l2));
        if (solver == Solver::mu) {
            device::gemm<T>(c, false, false, rows, k, k, X, rows, G.data(), k, scratch.data(),
                            rows);
            device::mu_frobenius<T>(c, X, AF, scratch.data(), rows * k, static_cast<T>(p.l1));
            return;
        }
        // HALS: B = AF − l1, then sweeps within the Gillis-Glineur budget (updates/hals.hpp).
        device::shift<T>(c, AF, static_cast<T>(p.l1), scratch.data(), rows * k);
        const HalsBudget budget = hals_budget(product_flops, rows, rows_f, k, opt.hals_alpha,
                                              opt.hals_epsilon, opt.hals_max_inner);
        double first = 0;
        for (int inner = 0; inner < budget.max_inner; ++inner) {
            const double change = device::hals_sweep<T>(c, G.data(), scratch.data(), X, rows, k);
            if (inner == 0) first = change;
            if (change == 0 || (inner > 0 && change <= budget.epsilon * budget.epsilon * first))
                break;
        }
    }

    double kl_objective_and_numerator() {
        const double terms = A.kl_times(W.data(), Ht.data(), k, kl_floor<T>(), AHt.data(), true);
        return terms + total_of_product() + penalties();
    }

    double start(const Matrix<T>& W0, const Matrix<T>& Ht0) {
        W.upload(W0.data(), static_cast<std::size_t>(m * k));
        Ht.upload(Ht0.data(), static_cast<std::size_t>(n * k));
        if (kl()) return kl_objective_and_numerator();  // AHt holds the W numerator R Ht
        device::gram<T>(c, Ht.data(), n, k, 0.0, HtH.data());
        device::gram<T>(c, W.data(), m, k, 0.0, WtW.data());
        A.transpose_times(W.data(), k, AtW.data());
        A.times(Ht.data(), k, AHt.data());
        return frobenius_objective();
    }

    double iterate() {
        if (kl()) {
            // W from the numerator of the last pass, Ht from a pass at the new W, then the
            // objective and the next W numerator in one pass (KullbackLeiblerStep).
            device::column_sums<T>(c, Ht.data(), n, k, sums_h.data());
            device::mu_kl<T>(c, W.data(), AHt.data(), sums_h.data(), m, k, static_cast<T>(opt.w.l1),
                             static_cast<T>(opt.w.l2));
            A.kl_transpose_times(W.data(), Ht.data(), k, kl_floor<T>(), AtW.data(), false);
            device::column_sums<T>(c, W.data(), m, k, sums_w.data());
            device::mu_kl<T>(c, Ht.data(), AtW.data(), sums_w.data(), n, k,
                             static_cast<T>(opt.h.l1), static_cast<T>(opt.h.l2));
            return kl_objective_and_numerator();
        }
        frobenius_update(HtH, AHt.data(), W.data(), m, n, opt.w, scratch_m);
        device::gram<T>(c, W.data(), m, k, 0.0, WtW.data());
        A.transpose_times(W.data(), k, AtW.data());
        frobenius_update(WtW, AtW.data(), Ht.data(), n, m, opt.h, scratch_n);
        device::gram<T>(c, Ht.data(), n, k, 0.0, HtH.data());
        const double f = frobenius_objective();
        A.times(Ht.data(), k, AHt.data());  // for the next W update
        return f;
    }
};

template <class T>
DeviceStep<T>::DeviceStep(DeviceFit<T>& fit, Solver solver, const Options& opt, double norm2,
                          double product_flops)
    : impl_(std::make_unique<Impl>(fit, solver, opt, norm2, product_flops)) {
    if (!device_supports(solver, opt.loss))
        throw InvalidInput("device: solver " + std::string(to_string(solver)) + " with loss " +
                           std::string(to_string(opt.loss)) + " runs on the CPU only");
}

template <class T>
DeviceStep<T>::~DeviceStep() = default;

template <class T>
double DeviceStep<T>::start(const Matrix<T>& W, const Matrix<T>& Ht) {
    return impl_->start(W, Ht);
}

template <class T>
double DeviceStep<T>::iterate(Matrix<T>&, Matrix<T>&) {
    return impl_->iterate();
}

template <class T>
void DeviceStep<T>::finish(Matrix<T>& W, Matrix<T>& Ht) {
    impl_->W.download(W.data(), static_cast<std::size_t>(W.size()));
    impl_->Ht.download(Ht.data(), static_cast<std::size_t>(Ht.size()));
}

template <class T>
double DeviceStep<T>::penalty(const Matrix<T>& W, const Matrix<T>& Ht) const {
    // l1 ΣX + ½ l2 ‖X‖² in double, as steps.hpp's penalty_value (not included: this unit stays
    // light).
    auto of = [](const Matrix<T>& X, const Penalty& p) {
        if (p.l1 == 0 && p.l2 == 0) return 0.0;
        const Matrix<double> Xd = X.template cast<double>();
        return p.l1 * Xd.sum() + 0.5 * p.l2 * Xd.squaredNorm();
    };
    return of(W, impl_->opt.w) + of(Ht, impl_->opt.h);
}

template class DeviceFit<float>;
template class DeviceFit<double>;
template class DeviceStep<float>;
template class DeviceStep<double>;

}  // namespace nmfkit::detail
