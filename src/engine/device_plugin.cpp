// The CUDA plugin libnmfkit_cuda.so (docs/design.md, "Device"): the device path's step behind the
// C table of device/plugin_abi.h, built only with NMFKIT_WITH_CUDA and the only part of nmfkit
// that links cudart, cuBLAS and cuSPARSE. Frobenius mu and hals mirror FrobeniusStep with the
// registry's updates (updates/mu.hpp, updates/hals.hpp), KL mu mirrors KullbackLeiblerStep
// (docs/algorithms.md); the formulas are the host's, the order of the sums is the device's. The
// host decides every setting (NmfkitCudaStepParams); nothing here reads Options.
// EXPERIMENTAL: compiled, never run on a GPU.

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <nmfkit/version.hpp>

#include "data/device.hpp"
#include "device/plugin_abi.h"

namespace nmfkit::detail {
namespace {

struct FitBase {
    int scalar = 0;
    virtual ~FitBase() = default;
};
struct StepBase {
    virtual ~StepBase() = default;
    virtual double start(const void* W, const void* Ht) = 0;
    virtual double iterate() = 0;
    virtual void finish(void* W, void* Ht) = 0;
};

template <class T>
HostMatrix<T> host_of(const NmfkitCudaMatrix& v) {
    HostMatrix<T> h;
    h.rows = v.rows;
    h.cols = v.cols;
    if (v.dense != nullptr) {
        h.dense = static_cast<const T*>(v.dense);
        h.ld = v.ld;
        h.transposed = v.transposed != 0;
        return h;
    }
    const std::int32_t nnz = v.ptr[v.rows];
    h.ptr.assign(v.ptr, v.ptr + v.rows + 1);
    h.idx.assign(v.idx, v.idx + nnz);
    h.ptr_t.assign(v.ptr_t, v.ptr_t + v.cols + 1);
    h.idx_t.assign(v.idx_t, v.idx_t + nnz);
    h.val.assign(static_cast<const T*>(v.val), static_cast<const T*>(v.val) + nnz);
    h.val_t.assign(static_cast<const T*>(v.val_t), static_cast<const T*>(v.val_t) + nnz);
    return h;
}

/// V on a device with the context it lives in: built once per fit, shared by its restarts.
template <class T>
struct Fit final : FitBase {
    device::Context context;
    DeviceData<T> data;
    Fit(const NmfkitCudaMatrix& V, int index) : context(index), data(context, host_of<T>(V)) {
        scalar = sizeof(T);
    }
};

template <class T>
struct Step final : StepBase {
    const device::Context& c;
    const DeviceData<T>& A;
    NmfkitCudaStepParams p;
    std::int64_t m, n, k;
    // Factors and products on the device, column-major: W, AHt, scratch m x k; Ht, AtW n x k;
    // Grams k x k (HtH, WtW without penalty; G with it).
    device::Buffer<T> W, Ht, AHt, AtW, scratch_m, scratch_n, HtH, WtW, G, sums_w, sums_h;

    Step(Fit<T>& fit, const NmfkitCudaStepParams& params)
        : c(fit.context),
          A(fit.data),
          p(params),
          m(A.rows()),
          n(A.cols()),
          k(params.rank),
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

    T floor() const { return static_cast<T>(p.kl_floor); }

    // l1 ΣX + ½ l2 ‖X‖² of a device factor (rows x k), from its column sums and a dot.
    double penalty_of(const T* X, std::int64_t rows, double l1, double l2,
                      device::Buffer<T>& sums) {
        if (l1 == 0 && l2 == 0) return 0;
        double f = 0;
        if (l1 != 0) {
            device::column_sums<T>(c, X, rows, k, sums.data());
            std::vector<T> s(static_cast<std::size_t>(k));
            sums.download(s.data(), s.size());
            double total = 0;
            for (T x : s) total += static_cast<double>(x);
            f += l1 * total;
        }
        if (l2 != 0) f += 0.5 * l2 * device::dot<T>(c, X, X, rows * k);
        return f;
    }
    double penalties() {
        return penalty_of(W.data(), m, p.w_l1, p.w_l2, sums_w) +
               penalty_of(Ht.data(), n, p.h_l1, p.h_l2, sums_h);
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
        return 0.5 * std::max(0.0, p.norm2 - 2 * cross + grams) + penalties();
    }

    // X (rows x k) from F's Gram FtF (k x k) and AF (rows x k), the registry row's rule; HALS
    // sweeps at most max_inner times (the host's Gillis-Glineur budget, updates/hals.hpp).
    void frobenius_update(const device::Buffer<T>& FtF, const T* AF, T* X, std::int64_t rows,
                          double l1, double l2, int max_inner, double epsilon,
                          device::Buffer<T>& scratch) {
        // G = FtF + l2 I.
        device::copy<T>(c, FtF.data(), G.data(), k * k);
        device::symmetrize<T>(c, G.data(), k, static_cast<T>(l2));
        if (p.hals == 0) {
            device::gemm<T>(c, false, false, rows, k, k, X, rows, G.data(), k, scratch.data(),
                            rows);
            device::mu_frobenius<T>(c, X, AF, scratch.data(), rows * k, static_cast<T>(l1));
            return;
        }
        // HALS: B = AF − l1, then the sweeps.
        device::shift<T>(c, AF, static_cast<T>(l1), scratch.data(), rows * k);
        // The host's rounding floor (updates/hals.hpp): (2 k u)² ‖X‖² at the start.
        const double ku = 2 * static_cast<double>(k) * std::numeric_limits<T>::epsilon() / 2;
        const double floor_change = ku * ku * device::dot<T>(c, X, X, rows * k);
        double first = 0;
        for (int inner = 0; inner < max_inner; ++inner) {
            const double change = device::hals_sweep<T>(c, G.data(), scratch.data(), X, rows, k);
            if (inner == 0) first = change;
            if (change <= floor_change || (inner > 0 && change <= epsilon * epsilon * first)) break;
        }
    }

    double kl_objective_and_numerator() {
        const double terms = A.kl_times(W.data(), Ht.data(), k, floor(), AHt.data(), true);
        return terms + total_of_product() + penalties();
    }

    double start(const void* W0, const void* Ht0) override {
        W.upload(static_cast<const T*>(W0), static_cast<std::size_t>(m * k));
        Ht.upload(static_cast<const T*>(Ht0), static_cast<std::size_t>(n * k));
        if (p.kl != 0) return kl_objective_and_numerator();  // AHt holds the W numerator R Ht
        device::gram<T>(c, Ht.data(), n, k, 0.0, HtH.data());
        device::gram<T>(c, W.data(), m, k, 0.0, WtW.data());
        A.transpose_times(W.data(), k, AtW.data());
        A.times(Ht.data(), k, AHt.data());
        return frobenius_objective();
    }

    double iterate() override {
        if (p.kl != 0) {
            // W from the numerator of the last pass, Ht from a pass at the new W, then the
            // objective and the next W numerator in one pass (KullbackLeiblerStep).
            device::column_sums<T>(c, Ht.data(), n, k, sums_h.data());
            device::mu_kl<T>(c, W.data(), AHt.data(), sums_h.data(), m, k, static_cast<T>(p.w_l1),
                             static_cast<T>(p.w_l2));
            A.kl_transpose_times(W.data(), Ht.data(), k, floor(), AtW.data(), false);
            device::column_sums<T>(c, W.data(), m, k, sums_w.data());
            device::mu_kl<T>(c, Ht.data(), AtW.data(), sums_w.data(), n, k, static_cast<T>(p.h_l1),
                             static_cast<T>(p.h_l2));
            return kl_objective_and_numerator();
        }
        frobenius_update(HtH, AHt.data(), W.data(), m, p.w_l1, p.w_l2, p.w_max_inner, p.w_epsilon,
                         scratch_m);
        device::gram<T>(c, W.data(), m, k, 0.0, WtW.data());
        A.transpose_times(W.data(), k, AtW.data());
        frobenius_update(WtW, AtW.data(), Ht.data(), n, p.h_l1, p.h_l2, p.h_max_inner, p.h_epsilon,
                         scratch_n);
        device::gram<T>(c, Ht.data(), n, k, 0.0, HtH.data());
        const double f = frobenius_objective();
        A.times(Ht.data(), k, AHt.data());  // for the next W update
        return f;
    }

    void finish(void* W0, void* Ht0) override {
        W.download(static_cast<T*>(W0), static_cast<std::size_t>(m * k));
        Ht.download(static_cast<T*>(Ht0), static_cast<std::size_t>(n * k));
    }
};

void put(const char* what, char* err, std::size_t size) {
    if (err != nullptr && size > 0) std::snprintf(err, size, "%s", what);
}

// Runs f, turning any exception into a message and a non-zero return (no exception crosses the C
// interface).
template <class F>
int guarded(char* err, std::size_t size, F&& f) {
    try {
        f();
        return 0;
    } catch (const std::exception& e) {
        put(e.what(), err, size);
    } catch (...) {
        put("unknown error in the CUDA plugin", err, size);
    }
    return 1;
}

int runtime_version() {
    int v = 0;
    return cudaRuntimeGetVersion(&v) == cudaSuccess ? v : 0;
}

int device_count(int* count, char* err, std::size_t size) {
    *count = 0;
    const cudaError_t e = cudaGetDeviceCount(count);
    if (e != cudaSuccess) {
        // No driver, no device, or a driver older than the runtime: all say "none here".
        *count = 0;
        put((std::string("the CUDA runtime finds no device: ") + cudaGetErrorString(e) + " (" +
             cudaGetErrorName(e) + ")")
                .c_str(),
            err, size);
        (void)cudaGetLastError();  // clear the sticky error
    } else if (*count == 0) {
        put("the CUDA runtime reports 0 devices", err, size);
    }
    return 0;
}

int device_properties(int index, char* name, std::size_t name_size, std::size_t* memory, int* major,
                      int* minor, char* err, std::size_t size) {
    cudaDeviceProp p{};
    const cudaError_t e = cudaGetDeviceProperties(&p, index);
    if (e != cudaSuccess) {
        put(cudaGetErrorString(e), err, size);
        return 1;
    }
    put(p.name, name, name_size);
    *memory = p.totalGlobalMem;
    *major = p.major;
    *minor = p.minor;
    return 0;
}

int fit_create(int scalar, const NmfkitCudaMatrix* V, int index, void** fit, char* err,
               std::size_t size) {
    *fit = nullptr;
    return guarded(err, size, [&] {
        std::unique_ptr<FitBase> f;
        if (scalar == 4)
            f = std::make_unique<Fit<float>>(*V, index);
        else if (scalar == 8)
            f = std::make_unique<Fit<double>>(*V, index);
        else
            throw std::invalid_argument("CUDA plugin: scalar size " + std::to_string(scalar));
        *fit = f.release();
    });
}

void fit_destroy(void* fit) { delete static_cast<FitBase*>(fit); }

int step_create(void* fit, const NmfkitCudaStepParams* p, void** step, char* err,
                std::size_t size) {
    *step = nullptr;
    return guarded(err, size, [&] {
        auto* f = static_cast<FitBase*>(fit);
        std::unique_ptr<StepBase> s;
        if (f->scalar == 4)
            s = std::make_unique<Step<float>>(*static_cast<Fit<float>*>(f), *p);
        else
            s = std::make_unique<Step<double>>(*static_cast<Fit<double>*>(f), *p);
        *step = s.release();
    });
}

void step_destroy(void* step) { delete static_cast<StepBase*>(step); }

int step_start(void* step, const void* W, const void* Ht, double* objective, char* err,
               std::size_t size) {
    return guarded(err, size, [&] { *objective = static_cast<StepBase*>(step)->start(W, Ht); });
}

int step_iterate(void* step, double* objective, char* err, std::size_t size) {
    return guarded(err, size, [&] { *objective = static_cast<StepBase*>(step)->iterate(); });
}

int step_finish(void* step, void* W, void* Ht, char* err, std::size_t size) {
    return guarded(err, size, [&] { static_cast<StepBase*>(step)->finish(W, Ht); });
}

const NmfkitCudaPlugin table = {
    NMFKIT_CUDA_ABI, version.data(), runtime_version, device_count, device_properties, fit_create,
    fit_destroy,     step_create,    step_destroy,    step_start,   step_iterate,      step_finish,
};

}  // namespace
}  // namespace nmfkit::detail

extern "C" __attribute__((visibility("default"))) const NmfkitCudaPlugin* nmfkit_cuda_plugin() {
    return &nmfkit::detail::table;
}
