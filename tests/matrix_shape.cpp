// Test helper for the CLI tests, reading any matrix file with nmfkit::io::read_matrix:
//   matrix_shape FILE          prints "ROWS x COLS"; exits 1 when an entry is negative or not
//                              finite (factors must be >= 0)
//   matrix_shape A B TOL       exits 0 when A and B have the same shape and
//                              max |A - B| <= TOL * max |A|, else prints the difference, exits 1
#include <cstdlib>
#include <iostream>

#include <nmfkit/io/formats.hpp>

namespace {

Eigen::MatrixXd read(const char* path) {
    const nmfkit::io::LoadedMatrix m = nmfkit::io::read_matrix(path);
    return m.is_sparse ? Eigen::MatrixXd(m.sparse) : m.dense;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2 && argc != 4) {
        std::cerr << "usage: matrix_shape FILE | matrix_shape A B TOL\n";
        return 2;
    }
    try {
        const Eigen::MatrixXd A = read(argv[1]);
        if (argc == 2) {
            std::cout << A.rows() << " x " << A.cols() << "\n";
            if (!A.allFinite() || (A.array() < 0).any()) {
                std::cerr << argv[1] << ": has a negative or non-finite entry\n";
                return 1;
            }
            return 0;
        }
        const Eigen::MatrixXd B = read(argv[2]);
        const double tol = std::atof(argv[3]);
        if (A.rows() != B.rows() || A.cols() != B.cols()) {
            std::cout << argv[1] << " is " << A.rows() << " x " << A.cols() << ", " << argv[2]
                      << " is " << B.rows() << " x " << B.cols() << "\n";
            return 1;
        }
        const double diff = (A - B).cwiseAbs().maxCoeff();
        const double scale = A.cwiseAbs().maxCoeff();
        if (diff > tol * scale) {
            std::cout << "max |A - B| = " << diff << " > " << tol << " * " << scale << "\n";
            return 1;
        }
    } catch (const std::exception& e) {
        std::cerr << e.what() << "\n";
        return 2;
    }
    return 0;
}
