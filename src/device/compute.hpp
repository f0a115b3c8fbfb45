#pragma once
// The CUDA device's compute (docs/design.md, "Device"), in plain C++17 without CUDA headers, so
// the engine compiles with the host compiler and nvcc compiles kernels.cu alone: device buffers,
// a context (stream, cuBLAS and cuSPARSE handles), cuBLAS GEMM/SYRK/dot and cuSPARSE SpMM
// (linalg.cpp), the elementwise and sampled kernels (kernels.cu). Built only with
// NMFKIT_WITH_CUDA. Matrices are column-major; `rows x k` factors are tall, as on the host.
// EXPERIMENTAL: none of it has run on a GPU yet.

#include <cstddef>
#include <cstdint>

namespace nmfkit::detail::device {

/// Device memory of n T's (cudaMalloc), freed with the object.
template <class T>
class Buffer {
public:
    Buffer() = default;
    explicit Buffer(std::size_t n);
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    Buffer(Buffer&& o) noexcept : p_(o.p_), n_(o.n_) { o.p_ = nullptr, o.n_ = 0; }
    Buffer& operator=(Buffer&& o) noexcept;
    ~Buffer();
    T* data() { return p_; }
    const T* data() const { return p_; }
    std::size_t size() const { return n_; }
    void upload(const T* host, std::size_t n);    ///< the first n from the host (synchronous)
    void download(T* host, std::size_t n) const;  ///< the first n to the host (synchronous)

private:
    T* p_ = nullptr;
    std::size_t n_ = 0;
};

/// The device a fit runs on: cudaSetDevice, one stream, a cuBLAS and a cuSPARSE handle on it,
/// and a few doubles of device scratch for the kernels' sums.
class Context {
public:
    explicit Context(int device);
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;
    ~Context();
    void* stream() const { return stream_; }
    void* blas() const { return blas_; }
    void* sparse() const { return sparse_; }
    double* sums() const { return sums_; }  ///< 2 doubles of device memory
    /// The sums scratch's first value, after the stream's work (synchronises).
    double read_sum() const;
    void zero_sums() const;

private:
    void* stream_ = nullptr;
    void* blas_ = nullptr;
    void* sparse_ = nullptr;
    double* sums_ = nullptr;
};

/// C (m x n) = op(A) op(B) with op = transpose where ta/tb; ld* are leading dimensions.
template <class T>
void gemm(const Context& c, bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k,
          const T* A, std::int64_t lda, const T* B, std::int64_t ldb, T* C, std::int64_t ldc);

/// G = Fᵀ F + l2 I (k x k, both triangles), F rows x k (SYRK, then symmetrize()).
template <class T>
void gram(const Context& c, const T* F, std::int64_t rows, std::int64_t k, double l2, T* G);

/// dst = src, n entries (device to device, on the context's stream).
template <class T>
void copy(const Context& c, const T* src, T* dst, std::int64_t n);

/// xᵀ y over n entries, in T, returned as double (synchronises).
template <class T>
double dot(const Context& c, const T* x, const T* y, std::int64_t n);

/// A sparse matrix in CSR on the device (rows x cols, 32-bit indices) with its cuSPARSE
/// descriptor. V is held twice, as CSR of V and CSR of Vᵀ (= CSC of V), so both products
/// stream rows.
template <class T>
class Csr {
public:
    Csr(std::int64_t rows, std::int64_t cols, const std::int32_t* ptr, const std::int32_t* idx,
        const T* val);  ///< uploads host CSR arrays
    Csr(const Csr&) = delete;
    Csr& operator=(const Csr&) = delete;
    ~Csr();
    std::int64_t rows() const { return rows_; }
    std::int64_t cols() const { return cols_; }
    std::int64_t nonzeros() const { return nnz_; }
    const std::int32_t* ptr() const { return ptr_.data(); }
    const std::int32_t* idx() const { return idx_.data(); }
    const T* val() const { return val_.data(); }
    void* descriptor() const { return descr_; }

private:
    std::int64_t rows_, cols_, nnz_;
    Buffer<std::int32_t> ptr_, idx_;
    Buffer<T> val_;
    void* descr_ = nullptr;
};

/// out (A.rows() x k) = A F, F (A.cols() x k) by cuSPARSE SpMM (its work buffer kept in `work`).
template <class T>
void spmm(const Context& c, const Csr<T>& A, const T* F, std::int64_t k, T* out,
          Buffer<char>& work);

// --- kernels.cu ---

/// Frobenius MU, elementwise over n entries: x ← x ⊙ a ⊘ max(d + l1, tiny), flushed below the
/// smallest normal (the host's mu_frobenius, linalg/update_kernels.hpp).
template <class T>
void mu_frobenius(const Context& c, T* x, const T* a, const T* d, std::int64_t n, T l1);

/// KL MU: X(i, j) ← X(i, j) · num(i, j) / max(s(j) + l1 + l2 X(i, j), tiny), X rows x k
/// (the host's mu_kl), s the column sums of the other factor.
template <class T>
void mu_kl(const Context& c, T* X, const T* num, const T* s, std::int64_t rows, std::int64_t k,
           T l1, T l2);

/// One HALS sweep over all rows of X (rows x k): for j = 0..k−1,
/// X(i, j) ← max(0, X(i, j) + (B(i, j) − Σ_l X(i, l) G(l, j)) / G(j, j)), G(j, j) > 0; rows are
/// independent, one thread each. Returns Σ (change)² in double (synchronises).
template <class T>
double hals_sweep(const Context& c, const T* G, const T* B, T* X, std::int64_t rows,
                  std::int64_t k);

/// Column sums of F (rows x k) into s (k), summed in double.
template <class T>
void column_sums(const Context& c, const T* F, std::int64_t rows, std::int64_t k, T* s);

/// G (k x k) from its upper triangle: the lower one mirrored, l2 added to the diagonal.
template <class T>
void symmetrize(const Context& c, T* G, std::int64_t k, T l2);

/// B = AF − l1 (n entries), for HALS.
template <class T>
void shift(const Context& c, const T* AF, T l1, T* B, std::int64_t n);

/// The KL sampled product over the rows of A (rows x cols) stored as CSR (ptr, idx, val) or,
/// with ptr = nullptr, dense with A(r, c) = val[r·row_stride + c·col_stride]:
/// out(r, :) = Σ_c R(r, c) F(c, :), R = A ⊘ max(X Fᵀ, floor) at the stored entries, computed
/// entry by entry and never stored; X is rows x k, F cols x k. With `value`, returns
/// Σ (v log(v / y) − v) over the stored entries, y = max(x_r · f_c, floor) (synchronises).
template <class T>
double kl_sampled(const Context& c, std::int64_t rows, std::int64_t cols, const std::int32_t* ptr,
                  const std::int32_t* idx, const T* val, std::int64_t row_stride,
                  std::int64_t col_stride, const T* X, const T* F, std::int64_t k, T floor, T* out,
                  bool value);

}  // namespace nmfkit::detail::device
