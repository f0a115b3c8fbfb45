#pragma once
// Average linkage by the nearest-neighbour chain, and the cophenetic pairs of a tree
// (measures.cpp, survey.cpp). References: Murtagh (1983), "A survey of recent advances in
// hierarchical clustering algorithms"; Müllner (2011), "Modern hierarchical, agglomerative
// clustering algorithms", section 3 (NN-chain) and the Lance-Williams update for UPGMA.

#include <nmfkit/select.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

namespace nmfkit::detail {

/// Union-find over the items 0..n−1 whose roots carry the SciPy cluster id (n + t after merge t).
class UnionFind {
public:
    explicit UnionFind(int n) : parent_(static_cast<std::size_t>(2 * n), -1) {}
    /// The cluster id that contains @p x (an item or a cluster id).
    int find(int x) {
        int root = x;
        while (parent_[static_cast<std::size_t>(root)] >= 0)
            root = parent_[static_cast<std::size_t>(root)];
        while (parent_[static_cast<std::size_t>(x)] >= 0) {
            const int next = parent_[static_cast<std::size_t>(x)];
            parent_[static_cast<std::size_t>(x)] = root;
            x = next;
        }
        return root;
    }
    /// Joins the clusters @p a and @p b (ids) into the new id @p merged.
    void join(int a, int b, int merged) {
        parent_[static_cast<std::size_t>(find(a))] = merged;
        parent_[static_cast<std::size_t>(find(b))] = merged;
    }

private:
    std::vector<int> parent_;  // −1 at a root
};

/// Average-linkage tree of the distances in @p D (n x n, symmetric), which it overwrites.
/// NN-chain: follow nearest neighbours until two clusters are each other's nearest (reciprocal
/// nearest neighbours), merge them, update by Lance-Williams
/// d(a ∪ b, x) = (|a| d(a, x) + |b| d(b, x)) / (|a| + |b|). UPGMA is reducible, so the merges
/// sorted by height form the same tree as the naive algorithm.
inline Linkage average_linkage_in_place(Eigen::MatrixXd& D) {
    const int n = static_cast<int>(D.rows());
    Linkage out;
    if (n == 0) return out;
    struct Merge {
        int a, b;  // matrix slots (items) that represent the two clusters
        double h;
    };
    std::vector<Merge> merges;
    merges.reserve(static_cast<std::size_t>(n - 1));
    std::vector<int> size(static_cast<std::size_t>(n), 1);
    std::vector<char> active(static_cast<std::size_t>(n), 1);
    std::vector<int> chain;
    chain.reserve(static_cast<std::size_t>(n));
    for (int left = n; left > 1;) {
        if (chain.empty()) {
            int first = 0;
            while (!active[static_cast<std::size_t>(first)]) ++first;
            chain.push_back(first);
        }
        const int a = chain.back();
        const int prev = chain.size() >= 2 ? chain[chain.size() - 2] : -1;
        // Nearest active neighbour of a; the previous chain element wins ties (no cycles).
        int b = prev;
        double best = prev >= 0 ? D(a, prev) : std::numeric_limits<double>::infinity();
        for (int x = 0; x < n; ++x)
            if (x != a && active[static_cast<std::size_t>(x)] && D(a, x) < best) {
                best = D(a, x);
                b = x;
            }
        if (b != prev) {
            chain.push_back(b);
            continue;
        }
        chain.pop_back();
        chain.pop_back();
        const int keep = std::min(a, b), drop = std::max(a, b);
        merges.push_back({keep, drop, best});
        const double sa = size[static_cast<std::size_t>(keep)],
                     sb = size[static_cast<std::size_t>(drop)];
        for (int x = 0; x < n; ++x)
            if (active[static_cast<std::size_t>(x)] && x != keep && x != drop) {
                const double d = (sa * D(keep, x) + sb * D(drop, x)) / (sa + sb);
                D(keep, x) = d;
                D(x, keep) = d;
            }
        active[static_cast<std::size_t>(drop)] = 0;
        size[static_cast<std::size_t>(keep)] += size[static_cast<std::size_t>(drop)];
        --left;
    }
    std::stable_sort(merges.begin(), merges.end(),
                     [](const Merge& x, const Merge& y) { return x.h < y.h; });
    UnionFind uf(n);
    std::vector<int> cluster_size(static_cast<std::size_t>(2 * n), 1);
    for (int t = 0; t < n - 1; ++t) {
        const Merge& m = merges[static_cast<std::size_t>(t)];
        int x = uf.find(m.a), y = uf.find(m.b);
        if (x > y) std::swap(x, y);
        out.left.push_back(x);
        out.right.push_back(y);
        out.height.push_back(m.h);
        const auto merged_id = static_cast<std::size_t>(n) + static_cast<std::size_t>(t);
        cluster_size[merged_id] =
            cluster_size[static_cast<std::size_t>(x)] + cluster_size[static_cast<std::size_t>(y)];
        out.size.push_back(cluster_size[merged_id]);
        uf.join(x, y, n + t);
    }
    // Leaves of the dendrogram from the root, left subtree first (iterative depth-first walk).
    std::vector<int> stack{n == 1 ? 0 : 2 * n - 2};
    while (!stack.empty()) {
        const int c = stack.back();
        stack.pop_back();
        if (c < n) {
            out.order.push_back(c);
            continue;
        }
        stack.push_back(out.right[static_cast<std::size_t>(c - n)]);
        stack.push_back(out.left[static_cast<std::size_t>(c - n)]);
    }
    return out;
}

/// Calls f(i, j, h) once for every pair of items i ≠ j with the height h of the merge that first
/// joins them; O(n²) in all.
template <class F>
void for_each_cophenetic_pair(const Linkage& tree, F f) {
    const int n = static_cast<int>(tree.order.size());
    std::vector<std::vector<int>> members(static_cast<std::size_t>(2 * n));
    for (int i = 0; i < n; ++i) members[static_cast<std::size_t>(i)] = {i};
    for (int t = 0; t + 1 < n; ++t) {
        auto& a = members[static_cast<std::size_t>(tree.left[static_cast<std::size_t>(t)])];
        auto& b = members[static_cast<std::size_t>(tree.right[static_cast<std::size_t>(t)])];
        for (int i : a)
            for (int j : b) f(i, j, tree.height[static_cast<std::size_t>(t)]);
        auto& merged = members[static_cast<std::size_t>(n) + static_cast<std::size_t>(t)];
        merged = std::move(a);
        merged.insert(merged.end(), b.begin(), b.end());
        std::vector<int>().swap(b);
    }
}

/// Pearson correlation over the pairs i < j of @p distances (n x n) and the cophenetic
/// distances of @p tree; 1 when the distances are all equal (the tree then has one height).
inline double cophenetic_correlation(const Eigen::MatrixXd& distances, const Linkage& tree) {
    // Two passes (means, then centred sums), so near-constant distances do not cancel.
    double sx = 0, sy = 0, count = 0;
    for_each_cophenetic_pair(tree, [&](int i, int j, double h) {
        sx += distances(i, j);
        sy += h;
        count += 1;
    });
    if (count == 0) return std::numeric_limits<double>::quiet_NaN();
    const double mx = sx / count, my = sy / count;
    double sxx = 0, syy = 0, sxy = 0;
    for_each_cophenetic_pair(tree, [&](int i, int j, double h) {
        const double x = distances(i, j) - mx, y = h - my;
        sxx += x * x;
        syy += y * y;
        sxy += x * y;
    });
    constexpr double flat = 1e-24;  // per pair: distances equal to rounding
    if (sxx <= flat * count && syy <= flat * count) return 1;
    if (sxx <= flat * count || syy <= flat * count) return 0;
    return sxy / std::sqrt(sxx * syy);
}

}  // namespace nmfkit::detail
