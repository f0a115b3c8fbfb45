// Consensus clustering, the average-linkage tree and the quality measures of select.hpp
// (docs/algorithms.md, "Rank selection").

#include <nmfkit/errors.hpp>
#include <nmfkit/select.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "select/linkage_detail.hpp"

namespace nmfkit {

namespace {

/// argmax of the entries x(0..k−1) read by @p at; −1 when all are zero (or k = 0).
template <class At>
int argmax_component(Eigen::Index k, At at) {
    int best = -1;
    double value = 0;
    for (Eigen::Index q = 0; q < k; ++q)
        if (at(q) > value) {
            value = at(q);
            best = static_cast<int>(q);
        }
    return best;
}

double median_of(std::vector<double> x) {
    if (x.empty()) return std::numeric_limits<double>::quiet_NaN();
    const std::size_t h = x.size() / 2;
    std::nth_element(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(h), x.end());
    const double upper = x[h];
    if (x.size() % 2 == 1) return upper;
    const double lower = *std::max_element(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(h));
    return 0.5 * (lower + upper);
}

/// Contingency counts n(q, c) of clusters (rows) against classes (columns).
Eigen::MatrixXd contingency(const std::vector<int>& clusters, const std::vector<int>& classes,
                            const char* what) {
    if (clusters.size() != classes.size())
        throw InvalidInput(std::string(what) + ": " + std::to_string(clusters.size()) +
                           " cluster labels but " + std::to_string(classes.size()) +
                           " class labels; they must match");
    int q_max = -1, c_max = -1;
    for (std::size_t i = 0; i < clusters.size(); ++i) {
        if (classes[i] < 0)
            throw InvalidInput(std::string(what) + ": class label of sample " + std::to_string(i) +
                               " is negative");
        q_max = std::max(q_max, clusters[i]);
        c_max = std::max(c_max, classes[i]);
    }
    Eigen::MatrixXd N = Eigen::MatrixXd::Zero(q_max + 1, c_max + 1);
    for (std::size_t i = 0; i < clusters.size(); ++i)
        if (clusters[i] >= 0) N(clusters[i], classes[i]) += 1;
    return N;
}

}  // namespace

std::vector<int> column_components(const Eigen::MatrixXd& H) {
    std::vector<int> out(static_cast<std::size_t>(H.cols()));
    for (Eigen::Index j = 0; j < H.cols(); ++j)
        out[static_cast<std::size_t>(j)] =
            argmax_component(H.rows(), [&](Eigen::Index q) { return H(q, j); });
    return out;
}

std::vector<int> row_components(const Eigen::MatrixXd& W) {
    std::vector<int> out(static_cast<std::size_t>(W.rows()));
    for (Eigen::Index i = 0; i < W.rows(); ++i)
        out[static_cast<std::size_t>(i)] =
            argmax_component(W.cols(), [&](Eigen::Index q) { return W(i, q); });
    return out;
}

Eigen::MatrixXd consensus_matrix(const std::vector<std::vector<int>>& labels) {
    if (labels.empty()) throw InvalidInput("consensus_matrix: no clusterings given");
    const std::size_t n = labels.front().size();
    for (std::size_t r = 0; r < labels.size(); ++r)
        if (labels[r].size() != n)
            throw InvalidInput("consensus_matrix: clustering " + std::to_string(r) + " labels " +
                               std::to_string(labels[r].size()) + " samples, clustering 0 labels " +
                               std::to_string(n));
    const auto N = static_cast<Eigen::Index>(n);
    Eigen::MatrixXd C = Eigen::MatrixXd::Zero(N, N);  // n x n
    // Connectivity of one run: M(i, j) = 1 when i and j share a cluster (Brunet et al. 2004).
    for (const std::vector<int>& l : labels)
        for (Eigen::Index j = 0; j < N; ++j) {
            const int lj = l[static_cast<std::size_t>(j)];
            if (lj < 0) continue;
            for (Eigen::Index i = 0; i < N; ++i)
                if (l[static_cast<std::size_t>(i)] == lj) C(i, j) += 1;
        }
    C /= static_cast<double>(labels.size());
    return C;
}

std::vector<int> Linkage::cut(int clusters) const {
    const int n = static_cast<int>(order.size());
    if (n == 0) return {};
    clusters = std::clamp(clusters, 1, n);
    detail::UnionFind uf(n);
    for (int t = 0; t < n - clusters; ++t)
        uf.join(left[static_cast<std::size_t>(t)], right[static_cast<std::size_t>(t)], n + t);
    std::vector<int> label(static_cast<std::size_t>(n), -1),
        root_label(static_cast<std::size_t>(2 * n), -1);
    int next = 0;
    for (int item : order) {
        int& rl = root_label[static_cast<std::size_t>(uf.find(item))];
        if (rl < 0) rl = next++;
        label[static_cast<std::size_t>(item)] = rl;
    }
    return label;
}

Eigen::MatrixXd Linkage::cophenetic() const {
    const int n = static_cast<int>(order.size());
    Eigen::MatrixXd out = Eigen::MatrixXd::Zero(n, n);
    detail::for_each_cophenetic_pair(*this, [&](int i, int j, double h) {
        out(i, j) = h;
        out(j, i) = h;
    });
    return out;
}

Linkage average_linkage(const Eigen::MatrixXd& D) {
    if (D.rows() != D.cols())
        throw InvalidInput("average_linkage: the distance matrix is " + std::to_string(D.rows()) +
                           " x " + std::to_string(D.cols()) + ", not square");
    Eigen::MatrixXd work = D;
    return detail::average_linkage_in_place(work);
}

double cophenetic_correlation(const Eigen::MatrixXd& C) {
    if (C.rows() != C.cols())
        throw InvalidInput("cophenetic_correlation: the consensus matrix is " +
                           std::to_string(C.rows()) + " x " + std::to_string(C.cols()) +
                           ", not square");
    if (C.rows() < 2) return std::numeric_limits<double>::quiet_NaN();
    Eigen::MatrixXd D = (1.0 - C.array()).matrix();
    const Eigen::MatrixXd distances = D;
    const Linkage tree = detail::average_linkage_in_place(D);
    return detail::cophenetic_correlation(distances, tree);
}

double dispersion(const Eigen::MatrixXd& C) {
    const double n2 = static_cast<double>(C.rows()) * static_cast<double>(C.cols());
    if (n2 == 0) return std::numeric_limits<double>::quiet_NaN();
    return 4.0 * (C.array() - 0.5).square().sum() / n2;
}

double average_silhouette(const Eigen::MatrixXd& D, const std::vector<int>& clusters) {
    const auto n = static_cast<Eigen::Index>(clusters.size());
    if (D.rows() != n || D.cols() != n)
        throw InvalidInput("average_silhouette: " + std::to_string(n) + " labels for a " +
                           std::to_string(D.rows()) + " x " + std::to_string(D.cols()) +
                           " distance matrix");
    if (n == 0) return std::numeric_limits<double>::quiet_NaN();
    const int c = *std::max_element(clusters.begin(), clusters.end()) + 1;
    std::vector<double> count(static_cast<std::size_t>(c), 0);
    for (int l : clusters) {
        if (l < 0) throw InvalidInput("average_silhouette: negative cluster label");
        count[static_cast<std::size_t>(l)] += 1;
    }
    const auto used = std::count_if(count.begin(), count.end(), [](double x) { return x > 0; });
    if (used < 2) return 0;
    double total = 0;
    std::vector<double> sum(static_cast<std::size_t>(c));
    for (Eigen::Index i = 0; i < n; ++i) {
        std::fill(sum.begin(), sum.end(), 0.0);
        for (Eigen::Index j = 0; j < n; ++j)
            sum[static_cast<std::size_t>(clusters[static_cast<std::size_t>(j)])] += D(i, j);
        const auto own = static_cast<std::size_t>(clusters[static_cast<std::size_t>(i)]);
        if (count[own] <= 1) continue;  // s(i) = 0 in a singleton cluster
        const double a = sum[own] / (count[own] - 1);
        double b = std::numeric_limits<double>::infinity();
        for (std::size_t q = 0; q < sum.size(); ++q)
            if (q != own && count[q] > 0) b = std::min(b, sum[q] / count[q]);
        const double denom = std::max(a, b);
        if (denom > 0) total += (b - a) / denom;
    }
    return total / static_cast<double>(n);
}

double hoyer_sparseness(const Eigen::Ref<const Eigen::VectorXd>& x) {
    const double n = static_cast<double>(x.size());
    const double l2 = x.norm();
    if (x.size() < 2 || l2 == 0) return 0;
    const double sn = std::sqrt(n);
    return (sn - x.lpNorm<1>() / l2) / (sn - 1);
}

double sparseness_of_columns(const Eigen::MatrixXd& W) {
    if (W.cols() == 0) return std::numeric_limits<double>::quiet_NaN();
    double s = 0;
    for (Eigen::Index q = 0; q < W.cols(); ++q) s += hoyer_sparseness(W.col(q));
    return s / static_cast<double>(W.cols());
}

double sparseness_of_rows(const Eigen::MatrixXd& H) {
    const Eigen::MatrixXd Ht = H.transpose();  // n x k
    return sparseness_of_columns(Ht);
}

std::vector<double> feature_scores(const Eigen::MatrixXd& W) {
    const Eigen::Index k = W.cols();
    std::vector<double> score(static_cast<std::size_t>(W.rows()), 0.0);
    for (Eigen::Index i = 0; i < W.rows(); ++i) {
        const double total = W.row(i).sum();
        if (total <= 0) continue;
        if (k == 1) {
            score[static_cast<std::size_t>(i)] = 1;
            continue;
        }
        double plogp = 0;  // Σ_q p log₂ p, with 0 log 0 = 0
        for (Eigen::Index q = 0; q < k; ++q) {
            const double p = W(i, q) / total;
            if (p > 0) plogp += p * std::log2(p);
        }
        score[static_cast<std::size_t>(i)] = 1 + plogp / std::log2(static_cast<double>(k));
    }
    return score;
}

std::vector<std::vector<int>> specific_features(const Eigen::MatrixXd& W) {
    std::vector<std::vector<int>> out(static_cast<std::size_t>(W.cols()));
    if (W.rows() == 0 || W.cols() == 0) return out;
    const std::vector<double> score = feature_scores(W);
    const double med = median_of(score);
    std::vector<double> deviation(score.size());
    for (std::size_t i = 0; i < score.size(); ++i) deviation[i] = std::abs(score[i] - med);
    const double mad = median_of(deviation);
    const double w_median = median_of(std::vector<double>(W.data(), W.data() + W.size()));
    const std::vector<int> owner = row_components(W);
    for (Eigen::Index i = 0; i < W.rows(); ++i) {
        const auto s = static_cast<std::size_t>(i);
        if (owner[s] >= 0 && score[s] > med + 3 * mad && W.row(i).maxCoeff() > w_median)
            out[static_cast<std::size_t>(owner[s])].push_back(static_cast<int>(i));
    }
    for (auto& list : out)
        std::stable_sort(list.begin(), list.end(), [&](int a, int b) {
            return score[static_cast<std::size_t>(a)] > score[static_cast<std::size_t>(b)];
        });
    return out;
}

double purity(const std::vector<int>& clusters, const std::vector<int>& classes) {
    const Eigen::MatrixXd N = contingency(clusters, classes, "purity");
    if (clusters.empty()) return std::numeric_limits<double>::quiet_NaN();
    double s = 0;
    for (Eigen::Index q = 0; q < N.rows(); ++q) s += N.row(q).maxCoeff();
    return s / static_cast<double>(clusters.size());
}

double entropy(const std::vector<int>& clusters, const std::vector<int>& classes) {
    const Eigen::MatrixXd N = contingency(clusters, classes, "entropy");
    if (clusters.empty()) return std::numeric_limits<double>::quiet_NaN();
    const auto c = (N.colwise().sum().array() > 0).count();  // classes present
    if (c < 2) return 0;
    double s = 0;
    for (Eigen::Index q = 0; q < N.rows(); ++q) {
        const double nq = N.row(q).sum();
        for (Eigen::Index l = 0; l < N.cols(); ++l)
            if (N(q, l) > 0) s += N(q, l) * std::log2(N(q, l) / nq);
    }
    // s ≤ 0; 0 - s keeps a pure clustering at +0, not −0.
    return (0.0 - s) / (static_cast<double>(clusters.size()) * std::log2(static_cast<double>(c)));
}

}  // namespace nmfkit
