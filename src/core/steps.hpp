#pragma once
// One iteration (update W, then Ht) for each loss family; the loop in loop.hpp drives them.
// A step provides start() → objective at the start, and iterate() → objective after one
// iteration. Both factors are tall: W (m x k), Ht (n x k); At is the adapter's transpose.

#include "core/gram.hpp"
#include "data/transposed.hpp"
#include "loss/frobenius.hpp"
#include "updates/als.hpp"
#include "updates/hals.hpp"
#include "updates/mu.hpp"

namespace nmfkit::detail {

/// Frobenius solvers share one shape: update X given FtF (k x k) and AF (rows x k).
/// Objective ½‖A − W Htᵀ‖²_F from the Grams (DESIGN.md, "one alternating loop").
template <class T, class D>
class FrobeniusStep {
public:
    FrobeniusStep(const D& A, Solver solver, const Options& opt) : A_(A), At_(A), solver_(solver), opt_(opt) {}

    double start(const Matrix<T>& W, const Matrix<T>& Ht) {
        gram(Ht, HtH_);
        gram(W, WtW_);
        At_.times(W, AtW_);
        return 0.5 * rss_from_grams(A_.squared_norm(), AtW_, Ht, WtW_, HtH_);
    }

    double iterate(Matrix<T>& W, Matrix<T>& Ht) {
        A_.times(Ht, AHt_);                       // m x k
        update(HtH_, AHt_, W, Ht.rows());
        gram(W, WtW_);                            // k x k
        At_.times(W, AtW_);                       // n x k
        update(WtW_, AtW_, Ht, W.rows());
        gram(Ht, HtH_);                           // k x k, reused by the next W update
        return 0.5 * rss_from_grams(A_.squared_norm(), AtW_, Ht, WtW_, HtH_);
    }

private:
    void update(const Matrix<T>& FtF, const Matrix<T>& AF, Matrix<T>& X, Eigen::Index rows_f) {
        switch (solver_) {
            case Solver::mu: mu_update(FtF, AF, X); break;
            case Solver::als: als_update(FtF, AF, X); break;
            case Solver::hals:
                hals_update(FtF, AF, X,
                            hals_budget(A_.product_flops(X.cols()), X.rows(), rows_f, X.cols(),
                                        opt_.hals_alpha, opt_.hals_epsilon, opt_.hals_max_inner));
                break;
        }
    }

    const D& A_;
    Transposed<D> At_;
    Solver solver_;
    const Options& opt_;
    Matrix<T> HtH_, WtW_, AHt_, AtW_;
};

/// Generalized KL divergence with multiplicative updates. The pass that evaluates the objective at
/// the end of an iteration also computes the numerator (A ⊘ W Htᵀ) Ht of the next W update from the
/// same WH, so an iteration makes two passes over A, not three.
template <class T, class D>
class KullbackLeiblerStep {
public:
    explicit KullbackLeiblerStep(const D& A) : A_(A), At_(A) {}

    double start(const Matrix<T>& W, const Matrix<T>& Ht) {
        return A_.kl_ratio_times(W, Ht, numerator_W_, true);
    }

    double iterate(Matrix<T>& W, Matrix<T>& Ht) {
        mu_kl_apply(numerator_W_, Ht, W);                  // numerator from the previous pass
        mu_kl_update(At_, W, Ht);
        return A_.kl_ratio_times(W, Ht, numerator_W_, true);  // objective + next numerator
    }

private:
    const D& A_;
    Transposed<D> At_;
    Matrix<T> numerator_W_;  // m x k: (A ⊘ W Htᵀ) Ht at the current (W, Ht)
};

/// Projection onto fixed components: only W changes, Ht (n x k) stays as given. Frobenius: one
/// HALS sweep per iteration on the NNLS problem min_{W ≥ 0} ½‖A − W Htᵀ‖² (whose AHt and HtH
/// are computed once), converging to its exact solution; KL: multiplicative updates of W.
template <class T, class D>
class ProjectionStep {
public:
    ProjectionStep(const D& A, Loss loss) : A_(A), loss_(loss) {}

    double start(const Matrix<T>& W, const Matrix<T>& Ht) {
        if (loss_ == Loss::kullback_leibler) return A_.kl_ratio_times(W, Ht, numerator_W_, true);
        gram(Ht, HtH_);
        A_.times(Ht, AHt_);
        return objective(W);
    }

    double iterate(Matrix<T>& W, Matrix<T>& Ht) {
        if (loss_ == Loss::kullback_leibler) {
            // One pass per iteration: the objective's pass also gives the next numerator.
            mu_kl_apply(numerator_W_, Ht, W);
            return A_.kl_ratio_times(W, Ht, numerator_W_, true);
        }
        hals_update(HtH_, AHt_, W, HalsBudget{1, 0.0});
        return objective(W);
    }

private:
    // ½‖A − W Htᵀ‖² = ½(‖A‖² − 2⟨A Ht, W⟩ + ⟨WᵀW, HtᵀHt⟩).
    double objective(const Matrix<T>& W) {
        gram(W, WtW_);
        return 0.5 * rss_from_grams(A_.squared_norm(), AHt_, W, WtW_, HtH_);
    }

    const D& A_;
    Loss loss_;
    Matrix<T> HtH_, AHt_, WtW_;
    Matrix<T> numerator_W_;  // KL: (A ⊘ W Htᵀ) Ht at the current W
};

}  // namespace nmfkit::detail
