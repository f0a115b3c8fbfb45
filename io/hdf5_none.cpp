// A build without HDF5 (NMFKIT_WITH_HDF5=OFF): the functions of nmfkit/io/hdf5.hpp exist and say
// that this build cannot read the file.
#include <nmfkit/io/hdf5.hpp>

namespace nmfkit::io {

bool has_hdf5() { return false; }

const char* to_string(Hdf5Layout layout) {
    switch (layout) {
        case Hdf5Layout::csr: return "csr";
        case Hdf5Layout::csc: return "csc";
        case Hdf5Layout::dense: return "dense";
    }
    return "";
}

struct Hdf5Matrix::State {};

Hdf5Matrix::Hdf5Matrix(const std::string& path, const ReadOptions& /*opt*/) {
    throw InvalidInput(path +
                       ": this build has no HDF5 support (AnnData .h5ad and 10x Genomics .h5 "
                       "need nmfkit configured with the HDF5 C library: apt-get install "
                       "libhdf5-dev, then cmake -DNMFKIT_WITH_HDF5=ON)");
}
Hdf5Matrix::~Hdf5Matrix() = default;
Hdf5Matrix::Hdf5Matrix(Hdf5Matrix&&) noexcept = default;
Hdf5Matrix& Hdf5Matrix::operator=(Hdf5Matrix&&) noexcept = default;

// Unreachable: no object can be constructed.
Eigen::Index Hdf5Matrix::rows() const { return 0; }
Eigen::Index Hdf5Matrix::cols() const { return 0; }
std::int64_t Hdf5Matrix::stored() const { return 0; }
Hdf5Layout Hdf5Matrix::layout() const { return Hdf5Layout::dense; }
const std::string& Hdf5Matrix::source_dtype() const {
    static const std::string none;
    return none;
}
const std::string& Hdf5Matrix::matrix_name() const { return source_dtype(); }
const std::vector<std::string>& Hdf5Matrix::row_labels() const {
    static const std::vector<std::string> none;
    return none;
}
const std::vector<std::string>& Hdf5Matrix::col_labels() const { return row_labels(); }
LoadedMatrix Hdf5Matrix::read_rows(Eigen::Index, Eigen::Index) const { return {}; }
LoadedMatrix Hdf5Matrix::read_columns(Eigen::Index, Eigen::Index) const { return {}; }
LoadedMatrix Hdf5Matrix::read_rows_transposed(Eigen::Index, Eigen::Index) const { return {}; }
LoadedMatrix Hdf5Matrix::read_all() const { return {}; }

}  // namespace nmfkit::io
