#pragma once
// The hot kernels as the rest of the library calls them: through a table of function pointers
// chosen once per process from the CPU (docs/design.md, "Instruction set"). The kernels
// (linalg/dense_kernels.hpp, linalg/sparse_kernels.hpp, linalg/kl_kernels.hpp,
// linalg/update_kernels.hpp) are compiled three
// times, by linalg/kernels_isa.cpp, for baseline x86-64, AVX2 + FMA and AVX-512, each copy in its
// own namespace; this header, the compressed-matrix views and the factor layout they read are
// compiled once, with the library's flags. Every product sums each entry in an order fixed by
// its shapes, so the targets differ only by rounding (fused multiply-adds, vector widths).

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include <Eigen/Core>

#include <nmfkit/result.hpp>

#include "linalg/parallel.hpp"
#include "linalg/sampled_loss.hpp"

namespace nmfkit::detail {

/// The instruction sets the kernels are compiled for, in increasing order.
enum class Isa : int { baseline = 0, avx2 = 1, avx512 = 2 };

/// "baseline", "avx2" or "avx512".
const char* isa_name(Isa isa);

/// The best target the CPU (and the operating system's saved register state) supports.
Isa cpu_isa();

/// The highest target this build compiled kernels for (CMake's NMFKIT_KERNEL_ISAS; all three by
/// default). The targets below it are always there.
Isa built_isa();

/// The best target this process can use: the lower of cpu_isa() and built_isa().
Isa best_isa();

/// A compressed matrix seen slice by slice; not owned. Slice s holds entries (inner[p], values[p])
/// for p in [outer[s], outer[s+1]) (columns of CSC, rows of CSR).
template <class T, class I>
struct Compressed {
    Eigen::Index outer_size = 0;  ///< number of slices
    Eigen::Index inner_size = 0;  ///< range of inner indices
    const I* outer = nullptr;     ///< outer_size + 1 offsets
    const I* inner = nullptr;     ///< inner index of each entry
    const T* values = nullptr;    ///< value of each entry

    Eigen::Index nonzeros() const { return static_cast<Eigen::Index>(outer[outer_size]); }
};

/// The register-blocked sparse kernels keep a slice's k sums in L lanes, L = k rounded up to a
/// multiple of 32 bytes, for k up to max_lanes (linalg/sparse_kernels.hpp). Columns pads its data
/// by this many zeros so that those kernels may read L lanes from any column.
constexpr int max_lanes = 64;

/// dst = srcᵀ: src is rows x cols and dst cols x rows, both column-major and contiguous. In
/// 64 x 64 tiles, so that each tile reads and writes whole cache lines (Eigen's plain
/// `B = A.transpose()` of a tall factor reads k strided streams).
template <class T>
void transpose_into(const T* __restrict src, Eigen::Index rows, Eigen::Index cols,
                    T* __restrict dst) {
    constexpr Eigen::Index tile = 64;
#pragma omp parallel for collapse(2) schedule(static) if (worth_parallel(rows * cols * 2))
    for (Eigen::Index j0 = 0; j0 < cols; j0 += tile)
        for (Eigen::Index i0 = 0; i0 < rows; i0 += tile) {
            const Eigen::Index i1 = std::min(rows, i0 + tile), j1 = std::min(cols, j0 + tile);
            for (Eigen::Index j = j0; j < j1; ++j)
                for (Eigen::Index i = i0; i < i1; ++i) dst[i * cols + j] = src[j * rows + i];
        }
}

/// out = srcᵀ (tiled, see transpose_into).
template <class T>
void transpose_to(const Matrix<T>& src, Matrix<T>& out) {
    out.resize(src.cols(), src.rows());
    transpose_into(src.data(), src.rows(), src.cols(), out.data());
}

/// The columns of a factor for the kernels: F (N x k) stored transposed, k x N column-major (each
/// row of F contiguous), followed by max_lanes zeros, so that a kernel may read L lanes from any
/// column: lanes past k hold the next column's values (or the zeros), which the kernels multiply
/// only by zeros or drop.
template <class T>
class Columns {
public:
    explicit Columns(const Matrix<T>& F) : k_(F.cols()), n_(F.rows()), data_(F.size() + max_lanes) {
        transpose_into(F.data(), n_, k_, data_.data());
        data_.tail(max_lanes).setZero();
    }
    Eigen::Index k() const { return k_; }
    Eigen::Index cols() const { return n_; }
    const T* data() const { return data_.data(); }
    const T* col(Eigen::Index j) const { return data_.data() + j * k_; }

private:
    Eigen::Index k_, n_;
    Eigen::Matrix<T, Eigen::Dynamic, 1> data_;
};

/// The dense products with a skinny factor (linalg/dense_kernels.hpp), on plain column-major
/// arrays: out = A F (times: out m x k, F n x k) and out = Aᵀ F (transpose_times: out n x k,
/// F m x k) for A (m x n, leading dimension ld); out is overwritten.
template <class T>
struct DenseKernels {
    void (*times)(const T* A, Eigen::Index m, Eigen::Index n, Eigen::Index ld, const T* F,
                  Eigen::Index k, T* out) = nullptr;
    void (*transpose_times)(const T* A, Eigen::Index m, Eigen::Index n, Eigen::Index ld, const T* F,
                            Eigen::Index k, T* out) = nullptr;
};

/// The sparse kernels (linalg/sparse_kernels.hpp). Factors are Columns data: k x N, column-major,
/// padded by max_lanes zeros. gather: out (outer_size x k) = Σ values · F(:, inner)ᵀ per slice;
/// scatter: out (k x inner_size) += values · F(:, s); kl_gather / kl_scatter: the same with the
/// KL weights v / max(⟨X, F⟩, floor), returning the KL terms when `value` (else 0); cross:
/// Σ_p v_p ⟨X(:, s), F(:, inner[p])⟩ in double; cross_double: the same with double factors
/// (the products too in double, whatever T).
template <class T, class I>
struct SparseKernels {
    void (*gather)(const Compressed<T, I>& A, const T* F, Eigen::Index k, T* out) = nullptr;
    void (*scatter)(const Compressed<T, I>& A, const T* F, Eigen::Index k, T* out) = nullptr;
    double (*kl_gather)(const Compressed<T, I>& A, const T* X, const T* F, Eigen::Index k, T floor,
                        T* out, bool value) = nullptr;
    double (*kl_scatter)(const Compressed<T, I>& A, const T* F, const T* X, Eigen::Index k, T floor,
                         T* out, bool value) = nullptr;
    double (*cross)(const Compressed<T, I>& A, const T* X, const T* F, Eigen::Index k) = nullptr;
    double (*cross_double)(const Compressed<T, I>& A, const double* X, const double* F,
                           Eigen::Index k) = nullptr;
};

/// Σ_q [v_q log(v_q / max(wh_q, floor)) − v_q] over n entries (0 where v_q = 0), in double
/// (linalg/kl_kernels.hpp).
template <class T>
using KlTerms = double (*)(const T* v, const T* wh, Eigen::Index n, T floor);

/// The elementwise passes of the update rules on plain arrays (linalg/update_kernels.hpp), one
/// column segment (or one block of rows) per call; the callers split the work among threads.
///   mu_frobenius: x ← x ⊙ a ⊘ max(d + l1, tiny) (n entries);
///   mu_kl: x ← x ⊙ numerator ⊘ max(c + l2 x, tiny);
///   mu_beta: x ← x ⊙ (numerator ⊘ max(denominator + l1 + l2 x, tiny))^γ, in double;
///   kl_weights: wh ← v ⊘ max(wh, floor); kl_weights_terms: the same, returning the KL terms
///     Σ_{v > 0} v log w − v of the same quotients w in double; kl_terms_of_weights: those terms
///     from weights w a kernel kept (exact for double; from rounded weights for float);
///   beta_entries: the entrywise part of the β products (loss/beta.hpp): r ← x y^(β−2),
///     y ← y^(β−1) with x = r, y = max(y, floor), and the divergence of the entries if asked;
///   hals_block: one HALS sweep over rows [r0, r0 + r) of X (ld x k), returns the squared change
///     (t: r scratch entries);
///   cd_kl_inverse: w = 1 / max(u, floor); cd_kl_row_u: u = xᵀG (k x n, rows ld apart) summed
///     as take_rows sums it, and its w;
///   cd_kl_derivatives / cd_kl_trial: gh = (Σ a f w, Σ a (f w)²) with w = 1 / max(v, floor), at
///     the v whose w is given, or at trial = max(0, u + δ f), which cd_kl_trial stores with its w
///     (a: the row's values in double, so that a row's many passes convert them once);
///     cd_kl_trial_growth is cd_kl_trial that also returns gh[2] = max trial_w · max(u, floor),
///     the reciprocals' growth;
///   cd_kl_terms: Σ_{a_p > 0} [a_p log(a_p / max(u_p, floor)) − a_p] in double (a: T, u: double);
///   squared_difference: Σ (a − p)² in double (a: T, p: double); change_terms:
///     Σ (x1 − x0)(s − 2 af) in double (the Frobenius objective's residual and half-step change);
///   indexed_int / indexed_int64: the row's indexed loops, IndexedKernels.
/// The indexed loops of the KL coordinate descent (updates/cd_kl.hpp) over a row's n stored
/// entries with column indices idx, on a factor column f (T):
///   take: out_p = f[idx[p]] (in double);  add_scaled: u_p += x · f[idx[p]];
///   take_rows: a row's first pass (update_kernels.hpp, indexed_take_rows): G(r, p) =
///     Ft(r, idx[p]) in double for every coordinate (G k x n row-major with rows ld ≥ n apart, Ft
///     k x cols column-major), u = X(i, :) G and w = 1 / max(u, floor);
///   take_screen: a screening row's first pass (indexed_take_screen): G for the coordinates not
///     at 0, u and w from them, every coordinate's screen sum and, for masked rows, its column
///     sum over the row's entries.
/// The arguments of take_rows and take_screen past the row's indices and F: the coordinates taken
/// (take_screen: rows[0 .. count), ascending, the ones not at 0) with their values x (take_rows:
/// all k); the row's values a (double, take_screen) and the floor of u; the outputs G (a row per
/// coordinate taken, ld apart), u, w (n each) and for take_screen screened and, unless null,
/// observed (4⌈k/4⌉ each).
struct RowPass {
    const Eigen::Index* rows = nullptr;
    const double* x = nullptr;
    Eigen::Index count = 0;
    const double* a = nullptr;
    double floor = 0;
    Eigen::Index ld = 0;
    double* G = nullptr;
    double* u = nullptr;
    double* w = nullptr;
    double* screened = nullptr;
    double* observed = nullptr;
};

template <class T, class I>
struct IndexedKernels {
    void (*take)(const I* idx, const T* f, Eigen::Index n, double* out) = nullptr;
    void (*add_scaled)(const I* idx, const T* f, double x, Eigen::Index n, double* u) = nullptr;
    void (*take_rows)(const I* idx, const T* Ft, Eigen::Index k, Eigen::Index n,
                      const RowPass& row) = nullptr;
    void (*take_screen)(const I* idx, const T* Ft, Eigen::Index k, Eigen::Index n,
                        const RowPass& row) = nullptr;
};

template <class T>
struct UpdateKernels {
    void (*mu_frobenius)(T* x, const T* a, const T* d, Eigen::Index n, T l1) = nullptr;
    void (*mu_kl)(T* x, const T* numerator, Eigen::Index n, T c, T l2) = nullptr;
    void (*mu_beta)(T* x, const T* numerator, const T* denominator, Eigen::Index n, double l1,
                    double l2, double gamma) = nullptr;
    void (*kl_weights)(const T* v, T* wh, Eigen::Index n, T floor) = nullptr;
    double (*kl_weights_terms)(const T* v, T* wh, Eigen::Index n, T floor) = nullptr;
    double (*kl_terms_of_weights)(const T* v, const T* w, Eigen::Index n) = nullptr;
    double (*beta_entries)(T* r, T* y, Eigen::Index n, double beta, double floor,
                           bool divergence) = nullptr;
    double (*hals_block)(const T* FtF, const T* AF, T* X, Eigen::Index ld, Eigen::Index k,
                         Eigen::Index r0, Eigen::Index r, T* t) = nullptr;
    void (*cd_kl_inverse)(const double* u, Eigen::Index n, double floor, double* w) = nullptr;
    void (*cd_kl_row_u)(const double* G, Eigen::Index ld, const double* x, Eigen::Index k,
                        Eigen::Index n, double floor, double* u, double* w) = nullptr;
    void (*cd_kl_derivatives)(const double* a, const double* f, const double* w, Eigen::Index n,
                              double* gh) = nullptr;
    void (*cd_kl_trial)(const double* a, const double* f, const double* u, double delta,
                        Eigen::Index n, double floor, double* trial, double* trial_w,
                        double* gh) = nullptr;
    void (*cd_kl_trial_growth)(const double* a, const double* f, const double* u, double delta,
                               Eigen::Index n, double floor, double* trial, double* trial_w,
                               double* gh) = nullptr;
    double (*cd_kl_terms)(const T* a, const double* u, Eigen::Index n, double floor) = nullptr;
    double (*squared_difference)(const T* a, const double* p, Eigen::Index n) = nullptr;
    double (*change_terms)(const T* x0, const T* x1, const T* s, const T* af,
                           Eigen::Index n) = nullptr;
    IndexedKernels<T, int> indexed_int;
    IndexedKernels<T, std::int64_t> indexed_int64;
};

/// One target's kernels.
struct KernelTable {
    Isa isa = Isa::baseline;
    /// Up to how many result columns the dense adapter and the Grams use the streaming products
    /// of this target rather than BLAS (linalg/dense_kernels.hpp says where they win).
    Eigen::Index streaming_max_k = 0;
    DenseKernels<float> dense_float;
    DenseKernels<double> dense_double;
    SparseKernels<float, int> sparse_float_int;
    SparseKernels<float, std::int64_t> sparse_float_int64;
    SparseKernels<double, int> sparse_double_int;
    SparseKernels<double, std::int64_t> sparse_double_int64;
    KlTerms<float> kl_terms_float = nullptr;
    KlTerms<double> kl_terms_double = nullptr;
    UpdateKernels<float> update_float;
    UpdateKernels<double> update_double;
};

/// The table of the active target: the best the CPU supports, capped by the environment variable
/// NMFKIT_ISA (baseline, avx2 or avx512), read on the first call. A value that names no target,
/// or a target the CPU lacks, gives a one-line warning on stderr and the best supported target
/// below it (never an instruction the CPU lacks).
const KernelTable& kernels();

/// The table of one target, for tests that compare targets; nullptr where the CPU lacks it.
const KernelTable* kernels_for(Isa isa);

template <class T>
const DenseKernels<T>& dense_kernels(const KernelTable& t = kernels()) {
    if constexpr (std::is_same_v<T, float>)
        return t.dense_float;
    else
        return t.dense_double;
}

template <class T>
const UpdateKernels<T>& update_kernels(const KernelTable& t = kernels()) {
    if constexpr (std::is_same_v<T, float>)
        return t.update_float;
    else
        return t.update_double;
}

/// The indexed loops for index type I (int or std::int64_t) of an UpdateKernels.
template <class I, class T>
const IndexedKernels<T, I>& indexed_kernels(const UpdateKernels<T>& u) {
    static_assert(std::is_same_v<I, int> || std::is_same_v<I, std::int64_t>,
                  "the indexed kernels are compiled for int and std::int64_t indices");
    if constexpr (std::is_same_v<I, int>)
        return u.indexed_int;
    else
        return u.indexed_int64;
}

template <class T, class I>
const SparseKernels<T, I>& sparse_kernels(const KernelTable& t = kernels()) {
    static_assert(std::is_same_v<I, int> || std::is_same_v<I, std::int64_t>,
                  "the sparse kernels are compiled for int and std::int64_t indices");
    if constexpr (std::is_same_v<T, float> && std::is_same_v<I, int>)
        return t.sparse_float_int;
    else if constexpr (std::is_same_v<T, float>)
        return t.sparse_float_int64;
    else if constexpr (std::is_same_v<I, int>)
        return t.sparse_double_int;
    else
        return t.sparse_double_int64;
}

/// Whether the active target's streaming dense products replace BLAS for a result of k columns.
inline bool streaming_products(Eigen::Index k) { return k <= kernels().streaming_max_k; }

/// out = A F (m x k) for A (m x n, leading dimension ld) and F (n x k): the streaming kernel.
template <class T>
void dense_times(const T* A, Eigen::Index m, Eigen::Index n, Eigen::Index ld, const Matrix<T>& F,
                 Matrix<T>& out) {
    out.resize(m, F.cols());
    dense_kernels<T>().times(A, m, n, ld, F.data(), F.cols(), out.data());
}

/// out = Aᵀ F (n x k) for A (m x n, leading dimension ld) and F (m x k): the streaming kernel.
template <class T>
void dense_transpose_times(const T* A, Eigen::Index m, Eigen::Index n, Eigen::Index ld,
                           const Matrix<T>& F, Matrix<T>& out) {
    out.resize(n, F.cols());
    dense_kernels<T>().transpose_times(A, m, n, ld, F.data(), F.cols(), out.data());
}

/// out = X G for a tall X (rows x k) and a small G (k x c): the streaming kernel where the target
/// uses it, else BLAS. (OpenBLAS threads such a product and synchronizes its threads with
/// sched_yield, which a profile of the sparse MU loop showed as a visible cost.)
template <class T>
void tall_times(const Matrix<T>& X, const Matrix<T>& G, Matrix<T>& out) {
    if (streaming_products(G.cols()))
        dense_times(X.data(), X.rows(), X.cols(), X.rows(), G, out);
    else
        out.noalias() = X * G;
}

/// out(s, :) = Σ_p values[p] · F(:, inner[p])ᵀ: Aᵀ·F from CSC, A·F from CSR (out outer_size x k).
template <class T, class I>
void gather(const Compressed<T, I>& A, const Columns<T>& F, Matrix<T>& out) {
    out.resize(A.outer_size, F.k());
    sparse_kernels<T, I>().gather(A, F.data(), F.k(), out.data());
}

/// out(:, inner[p]) += values[p] · F(:, s): A·F from CSC in the low-memory mode (out k x inner_size).
template <class T, class I>
void scatter(const Compressed<T, I>& A, const Columns<T>& F, Matrix<T>& out) {
    out.resize(F.k(), A.inner_size);
    sparse_kernels<T, I>().scatter(A, F.data(), F.k(), out.data());
}

/// Σ_p v_p · ⟨X(:, s), F(:, inner[p])⟩ over the stored entries, in double, one partial per
/// slice summed in order. X is k x outer_size, F is k x inner_size.
template <class T, class I>
double sampled_cross(const Compressed<T, I>& A, const Columns<T>& X, const Columns<T>& F) {
    return sparse_kernels<T, I>().cross(A, X.data(), F.data(), F.k());
}

/// The same with double factors for any V (for float V, the products and sums in double).
template <class T, class I>
double sampled_cross(const Compressed<T, I>& A, const Columns<double>& X,
                     const Columns<double>& F) requires(!std::is_same_v<T, double>) {
    return sparse_kernels<T, I>().cross_double(A, X.data(), F.data(), F.k());
}

/// Sampled gather (sample, then multiply; the weight matrix is never stored):
/// out(s, :) = Σ_p weight(values[p], wh_p) · F(:, inner[p])ᵀ, wh_p = ⟨X(:, s), F(:, inner[p])⟩,
/// for the policy's kernel (SampledKernel). X is k x outer_size (the factor being updated), F is
/// k x inner_size, out is outer_size x k. With `value`, also returns Σ_p term(values[p], wh_p).
template <class T, class I, SampledLoss<T> Policy>
double sampled_gather(const Compressed<T, I>& A, const Columns<T>& X, const Columns<T>& F,
                      const Policy& policy, Matrix<T>& out, bool value) {
    static_assert(Policy::kernel == SampledKernel::kl);
    out.resize(A.outer_size, F.k());
    return sparse_kernels<T, I>().kl_gather(A, X.data(), F.data(), F.k(), policy.floor, out.data(),
                                            value);
}

/// Sampled scatter: out(:, inner[p]) += weight(values[p], wh_p) · F(:, s), with
/// wh_p = ⟨F(:, s), X(:, inner[p])⟩. F is k x outer_size, X (being updated) is k x inner_size,
/// out is k x inner_size. With `value`, also returns Σ_p term(values[p], wh_p).
template <class T, class I, SampledLoss<T> Policy>
double sampled_scatter(const Compressed<T, I>& A, const Columns<T>& F, const Columns<T>& X,
                       const Policy& policy, Matrix<T>& out, bool value) {
    static_assert(Policy::kernel == SampledKernel::kl);
    out.resize(F.k(), A.inner_size);
    return sparse_kernels<T, I>().kl_scatter(A, F.data(), X.data(), F.k(), policy.floor, out.data(),
                                             value);
}

/// Σ_q [v_q log(v_q / max(wh_q, floor)) − v_q] over n entries (0 where v_q = 0), in double.
inline double kl_terms(const double* v, const double* wh, Eigen::Index n, double floor) {
    return kernels().kl_terms_double(v, wh, n, floor);
}
inline double kl_terms(const float* v, const float* wh, Eigen::Index n, float floor) {
    return kernels().kl_terms_float(v, wh, n, floor);
}

/// wh[q] ← v[q] / max(wh[q], floor) for n entries (the KL weights).
template <class T>
void kl_weights(const T* v, T* wh, Eigen::Index n, T floor) {
    update_kernels<T>().kl_weights(v, wh, n, floor);
}

/// kl_weights, returning Σ_{v_q > 0} [v_q log w_q − v_q] of the same quotients w_q, in double (the
/// terms of kl_terms, one division per entry for both).
template <class T>
double kl_weights_terms(const T* v, T* wh, Eigen::Index n, T floor) {
    return update_kernels<T>().kl_weights_terms(v, wh, n, floor);
}

/// Σ_{v_q > 0} [v_q log w_q − v_q] from weights w_q = v_q / max(wh_q, floor) kept by a kernel, in
/// double (for float, the weights' rounding shows in the terms).
template <class T>
double kl_terms_of_weights(const T* v, const T* w, Eigen::Index n) {
    return update_kernels<T>().kl_terms_of_weights(v, w, n);
}

}  // namespace nmfkit::detail
