#pragma once
// V on a CUDA device (docs/design.md, "Device"): the device path's data adapter. It holds V as
// stored, dense column-major (or the column-major Vᵀ of a row-major V) or sparse as CSR of V and
// CSR of Vᵀ (= CSC of V), so both products stream rows; it offers the products the device steps
// ask for, on device factors: A·F and Aᵀ·F (cuBLAS GEMM, cuSPARSE SpMM) and the KL sampled
// products (device/kernels.cu). Everything on the host (‖V‖², the final residual, the start) stays
// with the host adapter the loop is given. EXPERIMENTAL: compiled, never run on a GPU.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include <nmfkit/errors.hpp>
#include <nmfkit/views.hpp>

#include "device/compute.hpp"
#include "device/device.hpp"

namespace nmfkit::detail {

/// V as the host holds it, in the form the device adapter uploads: dense (a column-major buffer of
/// V, or of Vᵀ when `transposed`) or sparse as 32-bit CSR of V and of Vᵀ.
template <class T>
struct HostMatrix {
    std::int64_t rows = 0, cols = 0;  ///< V is rows x cols
    // Dense: `dense` is V (rows x cols), or Vᵀ when transposed, column-major with leading dimension ld.
    const T* dense = nullptr;
    std::int64_t ld = 0;
    bool transposed = false;
    // Sparse: CSR of V (rows + 1 offsets) and of Vᵀ (cols + 1 offsets).
    std::vector<std::int32_t> ptr, idx, ptr_t, idx_t;
    std::vector<T> val, val_t;
    bool sparse() const { return dense == nullptr; }
};

template <class T>
HostMatrix<T> host_matrix(const DenseView<T>& V) {
    HostMatrix<T> h;
    h.rows = V.rows;
    h.cols = V.cols;
    h.dense = V.data;
    h.ld = V.leading_dimension();
    h.transposed = V.layout == Layout::row_major;
    return h;
}

/// The compressed slices of a sparse V as 32-bit CSR of both orientations (counting sort):
/// (outer, inner) is the CSR of an `outer_n x inner_n` matrix.
template <class T, class I>
HostMatrix<T> host_matrix(const SparseView<T, I>& V) {
    constexpr auto most = static_cast<std::int64_t>(std::numeric_limits<std::int32_t>::max());
    const std::int64_t nnz = V.outer[V.outer_size()];
    if (nnz > most || V.rows > most || V.cols > most)
        throw InvalidInput(
            "device: sparse V must have fewer than 2^31 rows, columns and stored "
            "entries (32-bit indices on the device)");
    const bool csr = V.layout == SparseLayout::csr;
    const std::int64_t outer_n = csr ? V.rows : V.cols, inner_n = csr ? V.cols : V.rows;
    std::vector<std::int32_t> p(static_cast<std::size_t>(outer_n) + 1),
        q(static_cast<std::size_t>(nnz));
    std::vector<T> v(static_cast<std::size_t>(nnz));
    for (std::int64_t s = 0; s <= outer_n; ++s) p[s] = static_cast<std::int32_t>(V.outer[s]);
    for (std::int64_t e = 0; e < nnz; ++e) {
        q[e] = static_cast<std::int32_t>(V.inner[e]);
        v[e] = V.values[e];
    }
    // The other orientation: CSR of the inner_n x outer_n transpose.
    std::vector<std::int32_t> pt(static_cast<std::size_t>(inner_n) + 1, 0),
        qt(static_cast<std::size_t>(nnz));
    std::vector<T> vt(static_cast<std::size_t>(nnz));
    for (std::int64_t e = 0; e < nnz; ++e) ++pt[q[e] + 1];
    for (std::int64_t s = 0; s < inner_n; ++s) pt[s + 1] += pt[s];
    std::vector<std::int32_t> next(pt.begin(), pt.end() - 1);
    for (std::int64_t s = 0; s < outer_n; ++s)
        for (std::int32_t e = p[s]; e < p[s + 1]; ++e) {
            const std::int32_t at = next[q[e]]++;
            qt[at] = static_cast<std::int32_t>(s);
            vt[at] = v[e];
        }
    HostMatrix<T> h;
    h.rows = V.rows;
    h.cols = V.cols;
    if (csr) {
        h.ptr = std::move(p), h.idx = std::move(q), h.val = std::move(v);
        h.ptr_t = std::move(pt), h.idx_t = std::move(qt), h.val_t = std::move(vt);
    } else {
        h.ptr = std::move(pt), h.idx = std::move(qt), h.val = std::move(vt);
        h.ptr_t = std::move(p), h.idx_t = std::move(q), h.val_t = std::move(v);
    }
    return h;
}

#ifdef NMFKIT_WITH_CUDA

/// V (m x n) in device memory, with the products of the device steps. Factors are device arrays,
/// column-major: W m x k, Ht n x k.
template <class T>
class DeviceData {
public:
    DeviceData(const device::Context& c, const HostMatrix<T>& h) : c_(c), m_(h.rows), n_(h.cols) {
        if (h.sparse()) {
            csr_.emplace(h.rows, h.cols, h.ptr.data(), h.idx.data(), h.val.data());
            csr_t_.emplace(h.cols, h.rows, h.ptr_t.data(), h.idx_t.data(), h.val_t.data());
            return;
        }
        // The buffer packed (leading dimension = its row count) on the way to the device.
        transposed_ = h.transposed;
        const std::int64_t inner = transposed_ ? n_ : m_, outer = transposed_ ? m_ : n_;
        dense_ = device::Buffer<T>(static_cast<std::size_t>(inner * outer));
        if (h.ld == inner) {
            dense_.upload(h.dense, static_cast<std::size_t>(inner * outer));
        } else {
            std::vector<T> packed(static_cast<std::size_t>(inner * outer));
            for (std::int64_t j = 0; j < outer; ++j)
                std::copy(h.dense + j * h.ld, h.dense + j * h.ld + inner,
                          packed.begin() + j * inner);
            dense_.upload(packed.data(), packed.size());
        }
    }

    std::int64_t rows() const { return m_; }
    std::int64_t cols() const { return n_; }
    bool sparse() const { return csr_.has_value(); }

    /// out (m x k) = A F, F n x k.
    void times(const T* F, std::int64_t k, T* out) const {
        if (sparse()) return device::spmm<T>(c_, *csr_, F, k, out, work_);
        if (!transposed_)
            return device::gemm<T>(c_, false, false, m_, k, n_, dense_.data(), m_, F, n_, out, m_);
        device::gemm<T>(c_, true, false, m_, k, n_, dense_.data(), n_, F, n_, out, m_);
    }

    /// out (n x k) = Aᵀ F, F m x k.
    void transpose_times(const T* F, std::int64_t k, T* out) const {
        if (sparse()) return device::spmm<T>(c_, *csr_t_, F, k, out, work_);
        if (!transposed_)
            return device::gemm<T>(c_, true, false, n_, k, m_, dense_.data(), m_, F, m_, out, n_);
        device::gemm<T>(c_, false, false, n_, k, m_, dense_.data(), n_, F, m_, out, n_);
    }

    /// out (m x k) = R Ht, R = A ⊘ max(W Htᵀ, floor) at the stored entries; with `value`,
    /// returns Σ v log(v/y) − v over them.
    double kl_times(const T* W, const T* Ht, std::int64_t k, T floor, T* out, bool value) const {
        if (sparse())
            return device::kl_sampled<T>(c_, m_, n_, csr_->ptr(), csr_->idx(), csr_->val(), 0, 0, W,
                                         Ht, k, floor, out, value);
        // A(i, j) = buffer[i + j m] (column-major V) or buffer[j + i n] (the buffer holds Vᵀ).
        return device::kl_sampled<T>(c_, m_, n_, nullptr, nullptr, dense_.data(),
                                     transposed_ ? n_ : 1, transposed_ ? 1 : m_, W, Ht, k, floor,
                                     out, value);
    }

    /// out (n x k) = Rᵀ W, as kl_times over the rows of Aᵀ.
    double kl_transpose_times(const T* W, const T* Ht, std::int64_t k, T floor, T* out,
                              bool value) const {
        if (sparse())
            return device::kl_sampled<T>(c_, n_, m_, csr_t_->ptr(), csr_t_->idx(), csr_t_->val(), 0,
                                         0, Ht, W, k, floor, out, value);
        return device::kl_sampled<T>(c_, n_, m_, nullptr, nullptr, dense_.data(),
                                     transposed_ ? 1 : m_, transposed_ ? n_ : 1, Ht, W, k, floor,
                                     out, value);
    }

private:
    const device::Context& c_;
    std::int64_t m_, n_;
    bool transposed_ = false;
    device::Buffer<T> dense_;
    std::optional<device::Csr<T>> csr_, csr_t_;
    mutable device::Buffer<char> work_;  // cuSPARSE SpMM's work buffer
};

#endif  // NMFKIT_WITH_CUDA

}  // namespace nmfkit::detail
