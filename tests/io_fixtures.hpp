#pragma once
// Shared by the io tests: a GoogleTest fixture with a fresh directory per test (named after the
// suite and the test), removed afterwards, with small file helpers; and exact-round-trip helpers.

#include <gtest/gtest.h>
#include <unistd.h>

#include <Eigen/Core>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace nmfkit::test {

class TempDirTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = std::filesystem::temp_directory_path() /
               ("nmfkit_" + std::string(info->test_suite_name()) + "_" +
                std::to_string(::getpid()) + "_" + info->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    /// The path of @p name inside the test's directory.
    std::string path(const std::string& name) const { return (dir_ / name).string(); }

    /// Writes @p text (bytes as they are) to @p name in the test's directory; returns its path.
    std::string write_text(const std::string& name, const std::string& text) const {
        const std::string p = path(name);
        std::ofstream(p, std::ios::binary) << text;
        return p;
    }

    /// The bytes of the file at @p p.
    static std::string read_text(const std::string& p) {
        std::ifstream in(p, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }

    /// The names in the test's directory.
    std::set<std::string> entries() const {
        std::set<std::string> out;
        for (const auto& e : std::filesystem::directory_iterator(dir_))
            out.insert(e.path().filename().string());
        return out;
    }

    std::filesystem::path dir_;
};

/// Doubles spread over the whole exponent range, both signs, with subnormals and signed zeros.
inline Eigen::MatrixXd random_doubles(Eigen::Index m, Eigen::Index n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> mantissa(0.5, 1.0);
    std::uniform_int_distribution<int> exponent(-1070, 1023);
    Eigen::MatrixXd M(m, n);
    for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index i = 0; i < m; ++i)
            M(i, j) = ((rng() & 1) != 0 ? -1.0 : 1.0) * std::ldexp(mantissa(rng), exponent(rng));
    M(0, 0) = 0.0;
    M(1, 0) = -0.0;
    M(2, 0) = std::numeric_limits<double>::denorm_min();
    M(3, 0) = std::numeric_limits<double>::max();
    M(4, 0) = 0.1;
    return M;
}

/// Same shape and the same bits in every entry.
inline void expect_bitwise_equal(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
    ASSERT_EQ(a.rows(), b.rows());
    ASSERT_EQ(a.cols(), b.cols());
    for (Eigen::Index j = 0; j < a.cols(); ++j)
        for (Eigen::Index i = 0; i < a.rows(); ++i)
            ASSERT_EQ(std::memcmp(&a(i, j), &b(i, j), sizeof(double)), 0)
                << "at (" << i << ", " << j << "): " << a(i, j) << " vs " << b(i, j);
}

}  // namespace nmfkit::test
