// Held-out RMSE of masked NMF (missing = zeros) against the per-item-mean baseline on a synthetic
// ratings matrix (no real ratings data is available offline), for several Options::missing_weight.
// docs/benchmarks.md, "Missing values: a synthetic ratings matrix (issue 24)".
//
// V: 943 users x 1682 items (MovieLens-100k's shape). Truth T = A B (A 943 x 10 uniform [0, 1),
// B 10 x 1682 products of two uniforms), scaled to [1, 5]; a rating is T + N(0, 0.5²), rounded and
// clipped to 1..5. Items are drawn by Zipf-like popularity (weight 1 / rank, ranks shuffled); user
// i rates 5 + Exp(mean 60) items (at most n / 2); 10% of the ratings are held out at random.
#include <nmfkit/nmfkit.hpp>

#include <Eigen/Sparse>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <tuple>
#include <vector>

int main() {
    using namespace nmfkit;
    const int m = 943, n = 1682, r = 10;
    std::mt19937_64 gen(7);
    std::uniform_real_distribution<double> u(0, 1);
    std::normal_distribution<double> noise(0, 0.5);
    Eigen::MatrixXd A(m, r), B(r, n);  // m x r, r x n
    for (int i = 0; i < m; ++i)
        for (int l = 0; l < r; ++l) A(i, l) = u(gen);
    for (int l = 0; l < r; ++l)
        for (int j = 0; j < n; ++j) B(l, j) = u(gen) * u(gen);
    Eigen::MatrixXd T = A * B;  // m x n
    T = (1 + 4 * (T.array() - T.minCoeff()) / (T.maxCoeff() - T.minCoeff())).matrix();
    std::vector<double> popularity(static_cast<std::size_t>(n));
    for (int j = 0; j < n; ++j) popularity[static_cast<std::size_t>(j)] = 1.0 / (1 + j);
    std::shuffle(popularity.begin(), popularity.end(), gen);
    std::discrete_distribution<int> item(popularity.begin(), popularity.end());
    std::exponential_distribution<double> activity(1.0 / 60);
    std::vector<Eigen::Triplet<double>> train;
    std::vector<std::tuple<int, int, double>> test;  // (user, item, rating)
    for (int i = 0; i < m; ++i) {
        const int count = std::min(n / 2, 5 + static_cast<int>(activity(gen)));
        std::vector<char> seen(static_cast<std::size_t>(n), 0);
        for (int got = 0; got < count;) {
            const int j = item(gen);
            if (seen[static_cast<std::size_t>(j)]) continue;
            seen[static_cast<std::size_t>(j)] = 1;
            ++got;
            const double v = std::clamp(std::round(T(i, j) + noise(gen)), 1.0, 5.0);
            if (u(gen) < 0.1)
                test.emplace_back(i, j, v);
            else
                train.emplace_back(i, j, v);
        }
    }
    Eigen::SparseMatrix<double> V(m, n);
    V.setFromTriplets(train.begin(), train.end());

    // Baseline: the item's mean training rating (the global mean for items without one).
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(n), count = Eigen::VectorXd::Zero(n);
    double global = 0;
    for (const auto& t : train) {
        sum(t.col()) += t.value();
        count(t.col()) += 1;
        global += t.value();
    }
    global /= static_cast<double>(train.size());
    double se = 0;
    for (const auto& [i, j, v] : test) {
        const double p = count(j) > 0 ? sum(j) / count(j) : global;
        se += (v - p) * (v - p);
    }
    std::printf("%d x %d, %zu training and %zu held-out ratings; per-item-mean RMSE %.4f\n", m, n,
                train.size(), test.size(), std::sqrt(se / static_cast<double>(test.size())));
    for (double weight : {0.0, 0.01, 0.05, 0.2})
        for (int k : {5, 10}) {
            Options o;
            o.rank = k;
            o.missing = Missing::zeros;
            o.missing_weight = weight;
            o.max_iter = 100;
            o.tol = 0;
            o.seed = 1;
            const auto t0 = std::chrono::steady_clock::now();
            const Result<double> res = fit(SparseView<double>(V), o);
            const double seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            double s2 = 0, worst = 0;
            for (const auto& [i, j, v] : test) {
                const double p = res.W.row(i).dot(res.H.col(j));
                s2 += (v - p) * (v - p);
                worst = std::max(worst, p);
            }
            std::printf(
                "k = %2d, missing_weight %-4g: held-out RMSE %.4f, largest prediction %.3g, "
                "rows / columns with < k observed %lld / %lld, %.2f s\n",
                k, weight, std::sqrt(s2 / static_cast<double>(test.size())), worst,
                static_cast<long long>(res.underobserved_rows),
                static_cast<long long>(res.underobserved_cols), seconds);
        }
    return 0;
}
