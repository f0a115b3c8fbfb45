#pragma once
// Shared by the MPI test programs (tests/mpi.cmake): this rank, the world's size, its grids.

#include <mpi.h>

#include <utility>
#include <vector>

namespace nmfkit::test {

inline int world_rank() {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
}

inline int world_size() {
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size;
}

/// Every grid pr x pc with pr·pc = P (for P = 4: 1x4, 2x2, 4x1).
inline std::vector<std::pair<int, int>> grids() {
    std::vector<std::pair<int, int>> out;
    for (int pr = 1; pr <= world_size(); ++pr)
        if (world_size() % pr == 0) out.emplace_back(pr, world_size() / pr);
    return out;
}

}  // namespace nmfkit::test
