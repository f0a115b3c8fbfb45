#pragma once
// `nmfkit rank` (commands_rank.cpp) and the assignments file that `nmfkit fit --assignments`
// also writes. Reference: docs/cli.md, "rank" and "Assignments".

#include <string>
#include <vector>

#include <Eigen/Core>

#include "common.hpp"

namespace nmfkit::cli {

Command add_rank_command(CLI::App& app);

/// The assignments TSV of V ≈ W H (W m x k, H k x n): a header line
/// `axis, index, label, component, share`, then one line per sample (column j of V: the argmax
/// component of H(:, j)) and one per feature (row i of V: the argmax of W(i, :)); share is that
/// entry over its column (row) sum; component `none` for a zero column (row). index is 1-based,
/// label is the sample's (feature's) label or, without labels, its index.
std::string assignments_text(const Eigen::MatrixXd& W, const Eigen::MatrixXd& H,
                             const std::vector<std::string>& row_labels,
                             const std::vector<std::string>& col_labels);

}  // namespace nmfkit::cli
