#pragma once
// The process grid of distributed NMF (HPC-NMF: Kannan, Ballard & Park, PPoPP 2016, Section 4).
// P = pr x pc ranks; rank (i, j) = i·pc + j holds the block A_ij of V: rows R_i (the i-th of pr
// near-equal row blocks) and columns C_j (the j-th of pc column blocks). Of the factors it owns
// the j-th of pc pieces of W's rows R_i and the i-th of pr pieces of Ht's rows C_j, so W and Ht are
// each spread over all P ranks, and A_ij never moves.

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace nmfkit::mpi {

/// A contiguous range [begin, begin + size).
struct Range {
    std::int64_t begin = 0;
    std::int64_t size = 0;
    std::int64_t end() const { return begin + size; }
};

/// Part `index` of `count` items split into `parts` near-equal contiguous parts (the first
/// count % parts parts hold one more).
inline Range split(std::int64_t count, int parts, int index) {
    const std::int64_t base = count / parts, extra = count % parts;
    return {index * base + std::min<std::int64_t>(index, extra), base + (index < extra ? 1 : 0)};
}

/// The part of `count` items split into `parts` that holds item `item`.
inline int part_of(std::int64_t count, int parts, std::int64_t item) {
    const std::int64_t base = count / parts, extra = count % parts;
    const std::int64_t big = extra * (base + 1);  // items held by the larger parts
    if (item < big) return static_cast<int>(item / (base + 1));
    return static_cast<int>(extra + (item - big) / base);
}

/// pr x pc with pr·pc = P that moves the fewest words per iteration: W's rows R_i are all-gathered
/// over the pc ranks of a grid row and Ht's rows C_j over the pr ranks of a grid column, k·m·(pc − 1)
/// + k·n·(pr − 1) words over all ranks (and as many reduce-scattered back; HPC-NMF, Section 5), so
/// the blocks come out near square, m/pr ≈ n/pc. Ties go to the smaller pr.
inline void choose_grid(int P, std::int64_t m, std::int64_t n, int& pr, int& pc) {
    pr = 1;
    pc = P;
    double best = -1;
    for (int r = 1; r <= P; ++r) {
        if (P % r != 0) continue;
        const int c = P / r;
        const double words = static_cast<double>(m) * (c - 1) + static_cast<double>(n) * (r - 1);
        if (best < 0 || words < best) {
            best = words;
            pr = r;
            pc = c;
        }
    }
}

/// The layout of V and of the factors over the grid, for global shape m x n.
struct Layout {
    std::int64_t m = 0, n = 0;
    int pr = 1, pc = 1;

    int ranks() const { return pr * pc; }
    int rank_of(int i, int j) const { return i * pc + j; }
    Range rows(int i) const { return split(m, pr, i); }  ///< R_i
    Range cols(int j) const { return split(n, pc, j); }  ///< C_j
    /// W's rows owned by rank (i, j): the j-th of pc pieces of R_i (global row numbers).
    Range w_rows(int i, int j) const {
        const Range r = rows(i), piece = split(r.size, pc, j);
        return {r.begin + piece.begin, piece.size};
    }
    /// Ht's rows (V's columns) owned by rank (i, j): the i-th of pr pieces of C_j.
    Range h_rows(int i, int j) const {
        const Range c = cols(j), piece = split(c.size, pr, i);
        return {c.begin + piece.begin, piece.size};
    }
    /// The rank whose block A_ij holds entry (row, col).
    int owner(std::int64_t row, std::int64_t col) const {
        return rank_of(part_of(m, pr, row), part_of(n, pc, col));
    }
};

/// This rank's place in the grid with its communicators: `row` joins the pc ranks of grid row i
/// (same R_i), `col` the pr ranks of grid column j (same C_j). Owns row and col.
class Grid {
public:
    Grid(MPI_Comm world, int pr, int pc) : world_(world), pr_(pr), pc_(pc) {
        MPI_Comm_rank(world, &rank_);
        MPI_Comm_size(world, &size_);
        if (pr < 1 || pc < 1 || pr * pc != size_)
            throw std::invalid_argument("grid " + std::to_string(pr) + "x" + std::to_string(pc) +
                                        " does not match " + std::to_string(size_) +
                                        " processes; pr·pc must equal the process count");
        i_ = rank_ / pc;
        j_ = rank_ % pc;
        MPI_Comm_split(world, i_, j_, &row_);  // rank in row_ = j
        MPI_Comm_split(world, j_, i_, &col_);  // rank in col_ = i
    }
    ~Grid() {
        MPI_Comm_free(&row_);
        MPI_Comm_free(&col_);
    }
    Grid(const Grid&) = delete;
    Grid& operator=(const Grid&) = delete;

    MPI_Comm world() const { return world_; }
    MPI_Comm row() const { return row_; }
    MPI_Comm col() const { return col_; }
    int rank() const { return rank_; }
    int size() const { return size_; }
    int pr() const { return pr_; }
    int pc() const { return pc_; }
    int i() const { return i_; }
    int j() const { return j_; }
    Layout layout(std::int64_t m, std::int64_t n) const { return {m, n, pr_, pc_}; }

private:
    MPI_Comm world_, row_ = MPI_COMM_NULL, col_ = MPI_COMM_NULL;
    int pr_, pc_, rank_ = 0, size_ = 1, i_ = 0, j_ = 0;
};

/// An error that every rank of a communicator raised together (see all_ok), with the exit
/// status the command line gives it (65 bad data, 66 cannot open input, 74 I/O, 2 usage, 1 other).
class CollectiveError : public std::runtime_error {
public:
    CollectiveError(const std::string& message, int exit_status)
        : std::runtime_error(message), exit_status_(exit_status) {}
    int exit_status() const { return exit_status_; }

private:
    int exit_status_;
};

/// A collective check: every rank passes its error ("" when it has none) and that error's exit
/// status; when any rank has one, every rank throws CollectiveError with the message and status of
/// the lowest failing rank, so all of them stop together with the same message and none waits in a
/// later collective.
inline void all_ok(MPI_Comm comm, const std::string& error, int exit_status = 1) {
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    int mine = error.empty() ? INT32_MAX : rank, first = INT32_MAX;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
    if (first == INT32_MAX) return;
    int header[2] = {rank == first ? static_cast<int>(error.size()) : 0, exit_status};
    MPI_Bcast(header, 2, MPI_INT, first, comm);
    std::string message(static_cast<std::size_t>(header[0]), '\0');
    if (rank == first) message = error;
    MPI_Bcast(message.data(), header[0], MPI_CHAR, first, comm);
    throw CollectiveError(message, header[1]);
}

}  // namespace nmfkit::mpi
