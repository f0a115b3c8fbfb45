// Test helper for the CLI tests: prints "ROWS x COLS" of a matrix file read with
// nmfkit::io::read_csv, and exits 1 when an entry is negative or not finite (factors must be >= 0).
#include <iostream>

#include <nmfkit/io/csv.hpp>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: csv_shape FILE\n";
        return 2;
    }
    try {
        const auto m = nmfkit::io::read_csv(argv[1]);
        std::cout << m.values.rows() << " x " << m.values.cols() << "\n";
        if (!m.values.allFinite() || (m.values.array() < 0).any()) {
            std::cerr << argv[1] << ": has a negative or non-finite entry\n";
            return 1;
        }
    } catch (const std::exception& e) {
        std::cerr << e.what() << "\n";
        return 2;
    }
    return 0;
}
