#pragma once
// Scaling of V by a power of two around a fit (docs/algorithms.md, "Scaling of V"). NMF is
// scale-equivariant: if (W', H') fits V' = 2^-e V, then (2^a W', 2^b H') with a + b = e fits V.
// fit() and transform() scale V so that max|V| lies in [1/2, 1), run the unchanged solvers on the
// scaled copy, and scale the factors, objectives and penalties back here, so that no solver knows
// and no intermediate (‖V‖², products, Grams) overflows or underflows. Multiplying by a power of
// two is exact (short of leaving the normal range), so V and 2^j V give the same V' bit for bit.

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <nmfkit/errors.hpp>
#include <type_traits>

#include <nmfkit/fit.hpp>

#include "linalg/parallel.hpp"

namespace nmfkit::detail {

/// The largest |V| the solvers take as it is, in scalar T: 2^100 in double (squares and sums of
/// squares stay far from overflow, 2^±200), 2^20 in float (a Gram or product of up to 2^30 terms
/// of size 2^40 stays below float's 2^128). Data inside [1/max, max] are fitted as given (no
/// copy, the same iterates as without the scaling); data outside are scaled to [1/2, 1).
template <class T>
constexpr int safe_exponent() {
    return std::is_same_v<T, float> ? 20 : 100;
}

/// The exponent e with max_abs = f · 2^e, f in [1/2, 1) (frexp), when max_abs is outside the
/// safe range of T (safe_exponent); 0 when it is inside, or 0 (nothing to scale).
template <class T>
int scale_exponent(double max_abs) {
    if (!(max_abs > 0) || !std::isfinite(max_abs)) return 0;
    int e = 0;
    std::frexp(max_abs, &e);
    if (e > -safe_exponent<T>() && e <= safe_exponent<T>()) return 0;
    return e;
}

/// x · 2^p for a real p: exact (ldexp) when p is an integer, else rounded (x · exp2(p)).
inline double times_power_of_two(double x, double p) {
    if (x == 0) return 0;
    if (p == std::floor(p) && std::abs(p) < 1e6) return std::ldexp(x, static_cast<int>(p));
    return x * std::exp2(p);
}

/// values[0..count) ← values · 2^-e, in place (count entries of a buffer the library owns). A
/// product by a normal power of two is rounded exactly as ldexp is (exact unless the result is
/// subnormal), so it is used where 2^-e is a normal T.
template <class T>
void scale_values(T* values, std::size_t count, int e) {
    if (e == 0) return;
    using limits = std::numeric_limits<T>;
    if (-e >= limits::min_exponent - 1 && -e < limits::max_exponent) {
        const T f = std::ldexp(T(1), -e);
#pragma omp simd
        for (std::size_t q = 0; q < count; ++q) values[q] *= f;
    } else {
        for (std::size_t q = 0; q < count; ++q) values[q] = std::ldexp(values[q], -e);
    }
}

/// max V(i, j) over a dense V (validated: entries ≥ 0, finite), in storage order.
template <class T>
double max_entry(const DenseView<T>& V) {
    const bool row_major = V.layout == Layout::row_major;
    const Eigen::Index inner = row_major ? V.cols : V.rows, outer = row_major ? V.rows : V.cols;
    const Eigen::Map<const Matrix<T>, 0, Eigen::OuterStride<>> A(
        V.data, inner, outer, Eigen::OuterStride<>(V.leading_dimension()));
    return static_cast<double>(A.maxCoeff());
}

/// max of values[0..count) (validated: ≥ 0, finite; NaN entries, which are missing, skipped).
template <class T>
double max_entry(const T* values, std::size_t count) {
    T m = 0;
    for (std::size_t q = 0; q < count; ++q) m = values[q] > m ? values[q] : m;
    return static_cast<double>(m);
}

/// V' = 2^-e V as a view: a scaled copy in `copy` with V's layout (packed), or V itself when e = 0.
/// The caller's buffer is never written.
template <class T>
DenseView<T> scaled_view(const DenseView<T>& V, int e, Matrix<T>& copy) {
    if (e == 0) return V;
    const bool row_major = V.layout == Layout::row_major;
    const Eigen::Index inner = row_major ? V.cols : V.rows, outer = row_major ? V.rows : V.cols;
    const Eigen::Index ld = V.leading_dimension();
    copy.resize(inner, outer);
    // One pass, read and scaled per column (each column's pages first touched by its thread).
#pragma omp parallel for schedule(static) if (worth_parallel(inner * outer))
    for (Eigen::Index j = 0; j < outer; ++j) {
        T* to = copy.data() + j * inner;
        const T* from = V.data + j * ld;
        std::copy(from, from + inner, to);
        scale_values(to, static_cast<std::size_t>(inner), e);
    }
    return DenseView<T>(copy.data(), V.rows, V.cols, V.layout, inner);
}

/// How V was scaled: V = 2^e V'; W = 2^a W', H = 2^b H' with a + b = e (integers or halves).
struct DataScale {
    int e = 0;
    double a = 0;
    double b = 0;

    /// fit(): a = b = e/2, so that each factor scales like √max|V| (all of e on W would overflow W
    /// for V near the top of the range) and the start is the unscaled fit's start to rounding (the
    /// random and NNDSVD starts put √mean or √σ in both factors). For odd e, 2^(e/2) =
    /// 2^⌊e/2⌋·√2 costs one rounding; fixed columns of W are restored exactly (run_scaled).
    static DataScale balanced(int e) { return {e, e / 2.0, e / 2.0}; }
    /// transform(): H is the caller's and stays; W carries the whole scale.
    static DataScale on_w(int e) { return {e, static_cast<double>(e), 0.0}; }
};

/// x · 2^p for p an integer (exact, short of leaving the normal range) or an integer + ½ (one
/// rounding: x · √2 · 2^⌊p⌋).
template <class T>
T scaled_by(T x, double p) {
    const double whole = std::floor(p);
    const T y = p == whole ? x : static_cast<T>(x * static_cast<T>(1.4142135623730950488));
    return std::ldexp(y, static_cast<int>(whole));
}

/// The options of the scaled problem: a loss of degree β (D(cV‖cX) = c^β D(V‖X)) divided by
/// 2^{βe}, with penalties l1·ΣW + ½ l2‖W‖² (and H's) rewritten in W' = 2^-a W, H' = 2^-b H:
/// l1_W' = l1_W 2^{a−βe}, l2_W' = l2_W 2^{2a−βe}, l1_H' = l1_H 2^{b−βe}, l2_H' = l2_H 2^{2b−βe},
/// so that the scaled objective is the original one times 2^{−βe} and has the same minimisers.
inline Options scaled_options(const Options& opt, const DataScale& s) {
    Options o = opt;
    const double beta = resolved_beta(opt);
    const double be = beta * s.e;
    o.w.l1 = times_power_of_two(opt.w.l1, s.a - be);
    o.w.l2 = times_power_of_two(opt.w.l2, 2.0 * s.a - be);
    o.h.l1 = times_power_of_two(opt.h.l1, s.b - be);
    o.h.l2 = times_power_of_two(opt.h.l2, 2.0 * s.b - be);
    return o;
}

/// Throws InvalidInput when W, H or d hold a NaN or an infinity: a fit never returns one as a
/// result (`when`: "in the fit" or "after scaling back").
template <class T>
void check_finite_factors(const Result<T>& r, const char* when) {
    auto check = [&](const auto& X, const char* name) {
        for (Eigen::Index j = 0; j < X.cols(); ++j)
            for (Eigen::Index i = 0; i < X.rows(); ++i)
                if (!std::isfinite(X(i, j)))
                    throw InvalidInput(std::string("the fit produced a non-finite factor: ") +
                                       name + "(" + std::to_string(i) + ", " + std::to_string(j) +
                                       ") is " + (std::isnan(X(i, j)) ? "NaN" : "infinite") + " " +
                                       when +
                                       "; the result is not usable (scale V or use float64)");
    };
    check(r.W, "W");
    check(r.H, "H");
    if (r.d.size() > 0) check(r.d, "d");
}

/// Runs `run(options, start, callbacks)` on V' = 2^-e V (the caller passes the scaled adapter in
/// `run`) and returns the result for V: factors scaled back by the split `s` (into H when the
/// columns of W are normalised, into d with `diagonal`), objectives by 2^{βe}; the start's factors
/// and the penalties are scaled in, the callback sees objectives in V's units. Non-finite factors
/// are an error, scaled or not.
template <class T, class Run>
Result<T> run_scaled(const DataScale& s, const Options& opt, const InitialFactors<T>* start,
                     const Callbacks& callbacks, Run run) {
    if (s.e == 0) {
        Result<T> r = run(opt, start, callbacks);
        check_finite_factors(r, "in the fit");
        return r;
    }
    const double be = resolved_beta(opt) * s.e;
    auto objective = [be](double f) { return times_power_of_two(f, be); };
    InitialFactors<T> scaled_start;
    if (start != nullptr) {
        // W' = 2^-a W, H' = 2^-b H (fixed columns of W included, so they come back exactly).
        scaled_start.W = start->W.unaryExpr([&](T x) { return scaled_by(x, -s.a); });
        scaled_start.H = start->H.unaryExpr([&](T x) { return scaled_by(x, -s.b); });
    }
    Callbacks cb = callbacks;
    if (callbacks.on_iteration)
        cb.on_iteration = [&callbacks, &objective](const IterationStats& st) {
            IterationStats u = st;
            u.objective = objective(st.objective);
            return callbacks.on_iteration(u);
        };
    Result<T> r = run(scaled_options(opt, s), start != nullptr ? &scaled_start : nullptr, cb);
    check_finite_factors(r, "in the fit");
    r.initial_objective = objective(r.initial_objective);
    r.objective = objective(r.objective);
    for (IterationStats& st : r.history) st.objective = objective(st.objective);
    for (double& f : r.restart_objectives) f = objective(f);
    auto scale = [](auto& X, double p) { X = X.unaryExpr([p](T x) { return scaled_by(x, p); }); };
    if (opt.normalize == Normalize::none) {
        scale(r.W, s.a);
        scale(r.H, s.b);
    } else if (opt.diagonal) {
        scale(r.d, s.e);  // W and H are normalised: the scale is d's
    } else {
        scale(r.H, s.e);  // W's columns are normalised: the scale is H's
    }
    // Fixed columns are the caller's, bit for bit (2^-a then 2^a may round twice for odd e).
    if (start != nullptr && opt.normalize == Normalize::none)
        for (int c : opt.fixed_w_columns) r.W.col(c) = start->W.col(c);
    check_finite_factors(r, "after scaling back to V's range");
    return r;
}

}  // namespace nmfkit::detail
