#pragma once
// A GoogleTest fixture with a fresh directory per test (named after the suite and the test),
// removed afterwards, and small file helpers. Used by the io tests.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
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

}  // namespace nmfkit::test
