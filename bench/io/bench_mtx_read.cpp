// Reading speed of nmfkit's Matrix Market reader against scipy.io.mmread on the same file.
//
//   nmfkit_bench_mtx_read [--rows 200000] [--cols 50000] [--nnz 10000000] [--repeat 3]
//                         [--scipy-repeat 1] [--file /tmp/nmfkit_bench_10M.mtx]
//                         [--python /usr/bin/python3]
//
// Writes (once; reused while its size line matches) a random coordinate real general file with
// values of 6 significant digits, reads it with nmfkit::io::read_matrix (one thread: the reader is
// serial) and with scipy.io.mmread (one thread), best of --repeat / --scipy-repeat runs, checks that both read
// the same matrix (entry count and sum), and prints MB/s for both and their ratio.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>

#include <nmfkit/io/formats.hpp>

namespace {

struct Args {
    long long rows = 200000, cols = 50000, nnz = 10000000;
    int repeat = 3;
    int scipy_repeat = 1;
    std::string file = "/tmp/nmfkit_bench_10M.mtx";
    std::string python = "/usr/bin/python3";
};

std::string size_line(const Args& a) {
    return std::to_string(a.rows) + " " + std::to_string(a.cols) + " " + std::to_string(a.nnz);
}

bool usable(const Args& a) {
    std::ifstream in(a.file);
    std::string banner, line;
    return std::getline(in, banner) && std::getline(in, line) && line == size_line(a);
}

void generate(const Args& a) {
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<long long> row(1, a.rows), col(1, a.cols);
    std::uniform_real_distribution<double> value(0.0, 1000.0);
    std::FILE* f = std::fopen(a.file.c_str(), "wb");
    if (f == nullptr) {
        std::perror(a.file.c_str());
        std::exit(1);
    }
    std::fprintf(f, "%%%%MatrixMarket matrix coordinate real general\n%s\n", size_line(a).c_str());
    for (long long k = 0; k < a.nnz; ++k)
        std::fprintf(f, "%lld %lld %.6g\n", row(rng), col(rng), value(rng));
    std::fclose(f);
}

}  // namespace

int main(int argc, char** argv) {
    Args a;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--rows")
            a.rows = std::stoll(v);
        else if (k == "--cols")
            a.cols = std::stoll(v);
        else if (k == "--nnz")
            a.nnz = std::stoll(v);
        else if (k == "--repeat")
            a.repeat = std::stoi(v);
        else if (k == "--scipy-repeat")
            a.scipy_repeat = std::stoi(v);
        else if (k == "--file")
            a.file = v;
        else if (k == "--python")
            a.python = v;
        else {
            std::cerr << "unknown option " << k << "\n";
            return 2;
        }
    }
    if (!usable(a)) {
        std::cout << "writing " << a.file << " ..." << std::endl;
        generate(a);
    }
    const double mb = static_cast<double>(std::filesystem::file_size(a.file)) / 1e6;
    std::cout << "file: " << a.file << ", " << size_line(a) << ", " << mb << " MB\n";

    double best = 1e300;
    nmfkit::io::LoadedMatrix m;
    for (int r = 0; r < a.repeat; ++r) {
        const auto start = std::chrono::steady_clock::now();
        m = nmfkit::io::read_matrix(a.file);
        const std::chrono::duration<double> s = std::chrono::steady_clock::now() - start;
        best = std::min(best, s.count());
    }
    double sum = 0;
    for (Eigen::Index k = 0; k < m.sparse.nonZeros(); ++k) sum += m.sparse.valuePtr()[k];
    std::printf("nmfkit read_matrix: %.3f s, %.1f MB/s (nnz after summing duplicates %lld)\n", best,
                mb / best, static_cast<long long>(m.sparse.nonZeros()));

    const std::string command = a.python + " " + NMFKIT_COMPARE_MMREAD + " " + a.file + " " +
                                std::to_string(a.scipy_repeat);
    std::FILE* p = ::popen(command.c_str(), "r");
    double scipy_s = 0, scipy_sum = 0;
    long long scipy_nnz = 0;
    char version[64] = "";
    if (p == nullptr ||
        std::fscanf(p, "%lf %lld %lf %63s", &scipy_s, &scipy_nnz, &scipy_sum, version) != 4) {
        std::cerr << "could not run: " << command << "\n";
        if (p != nullptr) ::pclose(p);
        return 1;
    }
    ::pclose(p);
    std::printf("scipy %s io.mmread: %.3f s, %.1f MB/s (nnz %lld)\n", version, scipy_s,
                mb / scipy_s, scipy_nnz);
    std::printf("ratio: nmfkit is %.1fx faster\n", scipy_s / best);
    const bool same =
        scipy_nnz == m.sparse.nonZeros() && std::abs(scipy_sum - sum) <= 1e-9 * std::abs(sum);
    std::printf("same matrix (nnz, sum): %s\n", same ? "yes" : "NO");
    return same ? 0 : 1;
}
