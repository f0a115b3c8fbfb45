#pragma once
// The body shared by the fuzz harnesses: parse, then check the invariants of the result.

#include <cstdlib>
#include <string_view>

#include <nmfkit/io/formats.hpp>

namespace nmfkit::fuzz {

/// Parses @p bytes as @p format with a 64 MiB memory limit; a thrown InvalidInput is a normal
/// outcome, any other exception or a broken invariant aborts (so libFuzzer reports it).
inline void check(std::string_view bytes, io::Format format) {
    io::ReadOptions opt;
    opt.max_memory = std::uint64_t{64} << 20;
    try {
        const io::LoadedMatrix m = io::parse_matrix(bytes, "fuzz", format, opt);
        if (m.is_sparse) {
            const auto& S = m.sparse;
            if (!S.isCompressed() || S.outerIndexPtr()[0] != 0 ||
                S.outerIndexPtr()[S.outerSize()] != S.nonZeros())
                std::abort();
            for (Eigen::Index j = 0; j < S.outerSize(); ++j)
                for (int p = S.outerIndexPtr()[j]; p < S.outerIndexPtr()[j + 1]; ++p) {
                    const int i = S.innerIndexPtr()[p];
                    if (i < 0 || i >= S.rows() ||
                        (p > S.outerIndexPtr()[j] && S.innerIndexPtr()[p - 1] >= i))
                        std::abort();  // rows sorted and unique within a column
                }
        } else {
            if (m.dense.rows() < 0 || m.dense.cols() < 0) std::abort();
            if (!m.row_labels.empty() &&
                static_cast<Eigen::Index>(m.row_labels.size()) != m.dense.rows())
                std::abort();
            if (!m.col_labels.empty() &&
                static_cast<Eigen::Index>(m.col_labels.size()) != m.dense.cols())
                std::abort();
        }
    } catch (const InvalidInput&) {
    }
}

}  // namespace nmfkit::fuzz
