// Device buffers, the context, and the cuBLAS / cuSPARSE calls of the device path (device.hpp).
// Host code only (the CUDA runtime, cuBLAS and cuSPARSE are host APIs): the host compiler builds
// it, nvcc only kernels.cu. Every failing call throws std::runtime_error naming the call.
// EXPERIMENTAL: compiled, never run on a GPU.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cusparse.h>

#include "device/compute.hpp"

namespace nmfkit::detail::device {
namespace {

void check(cudaError_t e, const char* call) {
    if (e != cudaSuccess)
        throw std::runtime_error(std::string("CUDA: ") + call + ": " + cudaGetErrorString(e));
}
void check(cublasStatus_t e, const char* call) {
    if (e != CUBLAS_STATUS_SUCCESS)
        throw std::runtime_error(std::string("cuBLAS: ") + call + ": " + cublasGetStatusString(e));
}
void check(cusparseStatus_t e, const char* call) {
    if (e != CUSPARSE_STATUS_SUCCESS)
        throw std::runtime_error(std::string("cuSPARSE: ") + call + ": " +
                                 cusparseGetErrorString(e));
}
#define NMFKIT_CUDA(call) check(call, #call)

cudaStream_t stream_of(const Context& c) { return static_cast<cudaStream_t>(c.stream()); }
cublasHandle_t blas_of(const Context& c) { return static_cast<cublasHandle_t>(c.blas()); }
cusparseHandle_t sparse_of(const Context& c) { return static_cast<cusparseHandle_t>(c.sparse()); }

template <class T>
constexpr cudaDataType_t data_type() {
    return std::is_same_v<T, float> ? CUDA_R_32F : CUDA_R_64F;
}

}  // namespace

// --- Buffer ---

template <class T>
Buffer<T>::Buffer(std::size_t n) : n_(n) {
    if (n > 0) NMFKIT_CUDA(cudaMalloc(reinterpret_cast<void**>(&p_), n * sizeof(T)));
}

template <class T>
Buffer<T>& Buffer<T>::operator=(Buffer&& o) noexcept {
    if (this != &o) {
        if (p_ != nullptr) cudaFree(p_);
        p_ = o.p_, n_ = o.n_;
        o.p_ = nullptr, o.n_ = 0;
    }
    return *this;
}

template <class T>
Buffer<T>::~Buffer() {
    if (p_ != nullptr) cudaFree(p_);
}

template <class T>
void Buffer<T>::upload(const T* host, std::size_t n) {
    if (n > n_) throw std::logic_error("device upload larger than the buffer");
    if (n > 0) NMFKIT_CUDA(cudaMemcpy(p_, host, n * sizeof(T), cudaMemcpyHostToDevice));
}

template <class T>
void Buffer<T>::download(T* host, std::size_t n) const {
    if (n > n_) throw std::logic_error("device download larger than the buffer");
    if (n > 0) NMFKIT_CUDA(cudaMemcpy(host, p_, n * sizeof(T), cudaMemcpyDeviceToHost));
}

template class Buffer<float>;
template class Buffer<double>;
template class Buffer<std::int32_t>;
template class Buffer<char>;

// --- Context ---

Context::Context(int device) {
    NMFKIT_CUDA(cudaSetDevice(device));
    cudaStream_t s = nullptr;
    // A blocking stream: it waits for the synchronous copies of Buffer (legacy default stream).
    NMFKIT_CUDA(cudaStreamCreate(&s));
    stream_ = s;
    cublasHandle_t b = nullptr;
    NMFKIT_CUDA(cublasCreate(&b));
    blas_ = b;
    NMFKIT_CUDA(cublasSetStream(b, s));
    // Results of dot products come back to host memory.
    NMFKIT_CUDA(cublasSetPointerMode(b, CUBLAS_POINTER_MODE_HOST));
    cusparseHandle_t sp = nullptr;
    NMFKIT_CUDA(cusparseCreate(&sp));
    sparse_ = sp;
    NMFKIT_CUDA(cusparseSetStream(sp, s));
    NMFKIT_CUDA(cudaMalloc(reinterpret_cast<void**>(&sums_), 2 * sizeof(double)));
}

Context::~Context() {
    if (sums_ != nullptr) cudaFree(sums_);
    if (sparse_ != nullptr) cusparseDestroy(static_cast<cusparseHandle_t>(sparse_));
    if (blas_ != nullptr) cublasDestroy(static_cast<cublasHandle_t>(blas_));
    if (stream_ != nullptr) cudaStreamDestroy(static_cast<cudaStream_t>(stream_));
}

void Context::zero_sums() const {
    NMFKIT_CUDA(cudaMemsetAsync(sums_, 0, 2 * sizeof(double), stream_of(*this)));
}

double Context::read_sum() const {
    double x = 0;
    NMFKIT_CUDA(
        cudaMemcpyAsync(&x, sums_, sizeof(double), cudaMemcpyDeviceToHost, stream_of(*this)));
    NMFKIT_CUDA(cudaStreamSynchronize(stream_of(*this)));
    return x;
}

// --- cuBLAS ---

template <class T>
void gemm(const Context& c, bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k,
          const T* A, std::int64_t lda, const T* B, std::int64_t ldb, T* C, std::int64_t ldc) {
    const T one = 1, zero = 0;
    const cublasOperation_t oa = ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                            ob = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
    if constexpr (std::is_same_v<T, float>)
        NMFKIT_CUDA(
            cublasSgemm_64(blas_of(c), oa, ob, m, n, k, &one, A, lda, B, ldb, &zero, C, ldc));
    else
        NMFKIT_CUDA(
            cublasDgemm_64(blas_of(c), oa, ob, m, n, k, &one, A, lda, B, ldb, &zero, C, ldc));
}

template <class T>
void gram(const Context& c, const T* F, std::int64_t rows, std::int64_t k, double l2, T* G) {
    // SYRK forms the upper triangle of Fᵀ F; symmetrize() mirrors it and adds l2 I.
    const T one = 1, zero = 0;
    if constexpr (std::is_same_v<T, float>)
        NMFKIT_CUDA(cublasSsyrk_64(blas_of(c), CUBLAS_FILL_MODE_UPPER, CUBLAS_OP_T, k, rows, &one,
                                   F, rows, &zero, G, k));
    else
        NMFKIT_CUDA(cublasDsyrk_64(blas_of(c), CUBLAS_FILL_MODE_UPPER, CUBLAS_OP_T, k, rows, &one,
                                   F, rows, &zero, G, k));
    symmetrize<T>(c, G, k, static_cast<T>(l2));
}

template <class T>
void copy(const Context& c, const T* src, T* dst, std::int64_t n) {
    if (n > 0)
        NMFKIT_CUDA(cudaMemcpyAsync(dst, src, static_cast<std::size_t>(n) * sizeof(T),
                                    cudaMemcpyDeviceToDevice, stream_of(c)));
}

template <class T>
double dot(const Context& c, const T* x, const T* y, std::int64_t n) {
    T r = 0;
    if constexpr (std::is_same_v<T, float>)
        NMFKIT_CUDA(cublasSdot_64(blas_of(c), n, x, 1, y, 1, &r));
    else
        NMFKIT_CUDA(cublasDdot_64(blas_of(c), n, x, 1, y, 1, &r));
    return static_cast<double>(r);
}

// --- cuSPARSE ---

template <class T>
Csr<T>::Csr(std::int64_t rows, std::int64_t cols, const std::int32_t* ptr, const std::int32_t* idx,
            const T* val)
    : rows_(rows),
      cols_(cols),
      nnz_(ptr[rows]),
      ptr_(static_cast<std::size_t>(rows) + 1),
      idx_(static_cast<std::size_t>(nnz_)),
      val_(static_cast<std::size_t>(nnz_)) {
    ptr_.upload(ptr, static_cast<std::size_t>(rows) + 1);
    idx_.upload(idx, static_cast<std::size_t>(nnz_));
    val_.upload(val, static_cast<std::size_t>(nnz_));
    cusparseSpMatDescr_t d = nullptr;
    NMFKIT_CUDA(cusparseCreateCsr(&d, rows, cols, nnz_, ptr_.data(), idx_.data(), val_.data(),
                                  CUSPARSE_INDEX_32I, CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO,
                                  data_type<T>()));
    descr_ = d;
}

template <class T>
Csr<T>::~Csr() {
    if (descr_ != nullptr) cusparseDestroySpMat(static_cast<cusparseSpMatDescr_t>(descr_));
}

template <class T>
void spmm(const Context& c, const Csr<T>& A, const T* F, std::int64_t k, T* out,
          Buffer<char>& work) {
    cusparseDnMatDescr_t f = nullptr, o = nullptr;
    NMFKIT_CUDA(cusparseCreateDnMat(&f, A.cols(), k, A.cols(), const_cast<T*>(F), data_type<T>(),
                                    CUSPARSE_ORDER_COL));
    NMFKIT_CUDA(
        cusparseCreateDnMat(&o, A.rows(), k, A.rows(), out, data_type<T>(), CUSPARSE_ORDER_COL));
    const T one = 1, zero = 0;
    const auto a = static_cast<cusparseSpMatDescr_t>(A.descriptor());
    std::size_t bytes = 0;
    NMFKIT_CUDA(cusparseSpMM_bufferSize(sparse_of(c), CUSPARSE_OPERATION_NON_TRANSPOSE,
                                        CUSPARSE_OPERATION_NON_TRANSPOSE, &one, a, f, &zero, o,
                                        data_type<T>(), CUSPARSE_SPMM_ALG_DEFAULT, &bytes));
    if (bytes > work.size()) work = Buffer<char>(bytes);
    NMFKIT_CUDA(cusparseSpMM(sparse_of(c), CUSPARSE_OPERATION_NON_TRANSPOSE,
                             CUSPARSE_OPERATION_NON_TRANSPOSE, &one, a, f, &zero, o, data_type<T>(),
                             CUSPARSE_SPMM_ALG_DEFAULT, work.data()));
    cusparseDestroyDnMat(f);
    cusparseDestroyDnMat(o);
}

#define NMFKIT_DEVICE_LINALG(T)                                                                 \
    template void gemm<T>(const Context&, bool, bool, std::int64_t, std::int64_t, std::int64_t, \
                          const T*, std::int64_t, const T*, std::int64_t, T*, std::int64_t);    \
    template void gram<T>(const Context&, const T*, std::int64_t, std::int64_t, double, T*);    \
    template void copy<T>(const Context&, const T*, T*, std::int64_t);                          \
    template double dot<T>(const Context&, const T*, const T*, std::int64_t);                   \
    template class Csr<T>;                                                                      \
    template void spmm<T>(const Context&, const Csr<T>&, const T*, std::int64_t, T*, Buffer<char>&);
NMFKIT_DEVICE_LINALG(float)
NMFKIT_DEVICE_LINALG(double)
#undef NMFKIT_DEVICE_LINALG

}  // namespace nmfkit::detail::device
