// The hot kernels of one instruction set, gathered into a KernelTable (linalg/kernels.hpp).
// Compiled three times (CMakeLists.txt: nmfkit_kernels_baseline, _avx2, _avx512), each with its
// -m flags and NMFKIT_ISA_TARGET; everything defined here lies in that target's namespace
// (linalg/isa_target.hpp), which tests/check_isa_symbols.py checks on the objects.

#include <cstdint>

#include "linalg/dense_kernels.hpp"
#include "linalg/isa_target.hpp"
#include "linalg/kernels.hpp"
#include "linalg/kl_kernels.hpp"
#include "linalg/sparse_kernels.hpp"
#include "linalg/update_kernels.hpp"

namespace nmfkit::detail::NMFKIT_ISA_NAMESPACE {

namespace {

template <class T>
DenseKernels<T> dense_entries() {
    DenseKernels<T> d;
    d.times = &dense_times<T>;
    d.transpose_times = &dense_transpose_times<T>;
    return d;
}

template <class T, class I>
void gather_entry(const Compressed<T, I>& A, const T* F, Eigen::Index k, T* out) {
    gather(A, ColumnsView<T>{F, k}, out);
}

template <class T, class I>
void scatter_entry(const Compressed<T, I>& A, const T* F, Eigen::Index k, T* out) {
    scatter(A, ColumnsView<T>{F, k}, out);
}

template <class T, class I>
double kl_gather_entry(const Compressed<T, I>& A, const T* X, const T* F, Eigen::Index k, T floor,
                       T* out, bool value) {
    return sampled_gather(A, ColumnsView<T>{X, k}, ColumnsView<T>{F, k}, KlPolicy<T>{floor}, out,
                          value);
}

template <class T, class I>
double kl_scatter_entry(const Compressed<T, I>& A, const T* F, const T* X, Eigen::Index k, T floor,
                        T* out, bool value) {
    return sampled_scatter(A, ColumnsView<T>{F, k}, ColumnsView<T>{X, k}, KlPolicy<T>{floor}, out,
                           value);
}

template <class T, class I>
double cross_entry(const Compressed<T, I>& A, const T* X, const T* F, Eigen::Index k) {
    return sampled_cross(A, ColumnsView<T>{X, k}, ColumnsView<T>{F, k});
}

template <class T, class I>
double cross_double_entry(const Compressed<T, I>& A, const double* X, const double* F,
                          Eigen::Index k) {
    return sampled_cross(A, ColumnsView<double>{X, k}, ColumnsView<double>{F, k});
}

template <class T, class I>
SparseKernels<T, I> sparse_entries() {
    SparseKernels<T, I> s;
    s.gather = &gather_entry<T, I>;
    s.scatter = &scatter_entry<T, I>;
    s.kl_gather = &kl_gather_entry<T, I>;
    s.kl_scatter = &kl_scatter_entry<T, I>;
    s.cross = &cross_entry<T, I>;
    s.cross_double = &cross_double_entry<T, I>;
    return s;
}

template <class T>
double kl_terms_entry(const T* v, const T* wh, Eigen::Index n, T floor) {
    return kl_terms(v, wh, n, floor);
}

template <class T>
UpdateKernels<T> update_entries() {
    UpdateKernels<T> u;
    u.mu_frobenius = &mu_frobenius<T>;
    u.mu_kl = &mu_kl<T>;
    u.mu_beta = &mu_beta<T>;
    u.kl_weights = &kl_weights<T>;
    u.kl_weights_terms = [](const T* v, T* wh, Eigen::Index n, T floor) {
        return kl_weights_terms(v, wh, n, floor);
    };
    u.kl_terms_of_weights = [](const T* v, const T* w, Eigen::Index n) {
        return kl_terms_of_weights(v, w, n);
    };
    u.beta_entries = &beta_entries<T>;
    u.hals_block = &hals_block<T>;
    u.cd_kl_inverse = &cd_kl_inverse;
    u.cd_kl_row_u = &cd_kl_row_u;
    u.cd_kl_derivatives = &cd_kl_derivatives;
    u.cd_kl_trial = &cd_kl_trial<false>;
    u.cd_kl_trial_growth = &cd_kl_trial<true>;
    u.cd_kl_terms = &cd_kl_terms<T>;
    u.squared_difference = &squared_difference<T>;
    u.change_terms = &change_terms<T>;
    u.indexed_int = {&indexed_take<T, int>, &indexed_add_scaled<T, int>, &indexed_take_rows<T, int>,
                     &indexed_take_screen<T, int>};
    u.indexed_int64 = {&indexed_take<T, std::int64_t>, &indexed_add_scaled<T, std::int64_t>,
                       &indexed_take_rows<T, std::int64_t>, &indexed_take_screen<T, std::int64_t>};
    return u;
}

}  // namespace

/// This target's table (declared in linalg/kernels.cpp).
KernelTable kernel_table() {
    KernelTable t;
    t.isa = static_cast<Isa>(NMFKIT_ISA_TARGET);
    t.streaming_max_k = streaming_max_k;
    t.dense_float = dense_entries<float>();
    t.dense_double = dense_entries<double>();
    t.sparse_float_int = sparse_entries<float, int>();
    t.sparse_float_int64 = sparse_entries<float, std::int64_t>();
    t.sparse_double_int = sparse_entries<double, int>();
    t.sparse_double_int64 = sparse_entries<double, std::int64_t>();
    t.kl_terms_float = &kl_terms_entry<float>;
    t.kl_terms_double = &kl_terms_entry<double>;
    t.update_float = update_entries<float>();
    t.update_double = update_entries<double>();
    return t;
}

}  // namespace nmfkit::detail::NMFKIT_ISA_NAMESPACE
