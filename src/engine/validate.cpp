#include "engine/validate.hpp"

#include <cmath>
#include <algorithm>
#include <sstream>
#include <vector>
#include <string>

namespace nmfkit::detail {
namespace {

enum class Defect { none, negative, nan, infinite };

template <class T>
Defect classify(T v) {
    if (std::isnan(v)) return Defect::nan;
    if (std::isinf(v)) return Defect::infinite;
    if (v < T(0)) return Defect::negative;
    return Defect::none;
}

template <class T>
[[noreturn]] void throw_defect(const std::string& what, T value, Eigen::Index i, Eigen::Index j) {
    std::ostringstream msg;
    switch (classify(value)) {
        case Defect::nan: msg << "NaN entry"; break;
        case Defect::infinite: msg << "infinite entry " << value; break;
        default: msg << "negative entry " << value; break;
    }
    msg << " in " << what << " at row " << i << ", column " << j << " (0-based)";
    throw InvalidInput(msg.str());
}

// Finds the first bad entry in reading order of a strided matrix; (-1, -1) if none.
// `at(i, j)` returns the entry.
template <class T, class At>
void check_entries(const std::string& what, Eigen::Index m, Eigen::Index n, bool row_major, At at) {
    if (row_major) {
        for (Eigen::Index i = 0; i < m; ++i)
            for (Eigen::Index j = 0; j < n; ++j)
                if (classify<T>(at(i, j)) != Defect::none) throw_defect(what, at(i, j), i, j);
        return;
    }
    Eigen::Index best_i = -1, best_j = -1;
    for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index i = 0; i < m && (best_i < 0 || i < best_i); ++i)
            if (classify<T>(at(i, j)) != Defect::none) {
                best_i = i;
                best_j = j;
                break;
            }
    if (best_i >= 0) throw_defect(what, at(best_i, best_j), best_i, best_j);
}

// Which pairs have a trait, from the registry: "every frobenius solver and cd for
// kullback_leibler" (a loss whose every solver does is named as a whole).
template <class Has>
std::string pairs_with(Has has) {
    std::vector<std::string> parts;
    for (Loss l : all_losses()) {
        std::vector<std::string> names;
        bool every = true;
        for (Solver s : solvers_for(l)) {
            if (has(s, l))
                names.emplace_back(to_string(s));
            else
                every = false;
        }
        if (names.empty()) continue;
        std::string list;
        for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
        parts.push_back(every ? "every " + std::string(to_string(l)) + " solver"
                              : list + " for " + std::string(to_string(l)));
    }
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i)
        out += (i == 0 ? "" : i + 1 == parts.size() ? " and by " : ", by ") + parts[i];
    return out;
}

}  // namespace

namespace {

// What the CUDA path (docs/design.md, "Device") does not do, then whether the device is there:
// every refusal names the option, never a silent run on the CPU.
void validate_device_options(const Options& opt) {
    const std::string on = "device " + to_string(opt.device) + ": ";
    const Solver s = resolved_solver(opt);
    if (!device_supports(s, opt.loss))
        throw InvalidInput(on + "solver " + std::string(to_string(s)) + " with loss " +
                           std::string(to_string(opt.loss)) +
                           " runs on the CPU only; the device runs mu and hals with frobenius "
                           "and mu with kullback_leibler (use device cpu)");
    if (opt.missing != Missing::none || opt.mask)
        throw InvalidInput(on + "missing values and masks run on the CPU only (use device cpu)");
    if (!opt.fixed_w_columns.empty())
        throw InvalidInput(on + "fixed_w_columns run on the CPU only (use device cpu)");
    if (opt.stop == StopRule::projected_gradient)
        throw InvalidInput(on +
                           "the projected_gradient rule runs on the CPU only; use "
                           "relative_objective");
    if (opt.extrapolation == Extrapolation::on)
        throw InvalidInput(on + "extrapolation runs on the CPU only; turn it off");
    require_device(opt.device);
}

}  // namespace

void refuse_device(const Options& opt, const char* what) {
    if (opt.device.kind == Device::Kind::cuda)
        throw InvalidInput("device " + to_string(opt.device) + ": " + what +
                           " runs on the CPU only (use device cpu)");
}

void validate_options(const Options& opt) {
    if (opt.rank < 1)
        throw InvalidInput("rank must be at least 1, got " + std::to_string(opt.rank));
    if (opt.max_iter < 0)
        throw InvalidInput("max_iter must be at least 0, got " + std::to_string(opt.max_iter));
    if (!(opt.tol >= 0) || !std::isfinite(opt.tol))
        throw InvalidInput("tol must be a finite number ≥ 0, got " + std::to_string(opt.tol));
    if (!(opt.time_limit >= 0) || !std::isfinite(opt.time_limit))
        throw InvalidInput("time_limit must be a finite number of seconds ≥ 0, got " +
                           std::to_string(opt.time_limit));
    if (opt.threads < 0)
        throw InvalidInput("threads must be ≥ 0 (0 = all cores), got " +
                           std::to_string(opt.threads));
    if (opt.hals_max_inner < 0)
        throw InvalidInput("hals_max_inner must be ≥ 0, got " + std::to_string(opt.hals_max_inner));
    if (!(opt.hals_alpha >= 0) || !std::isfinite(opt.hals_alpha))
        throw InvalidInput("hals_alpha must be a finite number ≥ 0");
    if (!(opt.hals_epsilon >= 0) || !std::isfinite(opt.hals_epsilon))
        throw InvalidInput("hals_epsilon must be a finite number ≥ 0");
    if (!(opt.missing_weight >= 0 && opt.missing_weight < 1))
        throw InvalidInput("missing_weight must be in [0, 1), got " +
                           std::to_string(opt.missing_weight));
    if (opt.loss == Loss::beta && !std::isfinite(opt.beta))
        throw InvalidInput("beta must be a finite number, got " + std::to_string(opt.beta));
    auto check_penalty = [](const Penalty& p, const char* factor) {
        if (!(p.l1 >= 0) || !std::isfinite(p.l1) || !(p.l2 >= 0) || !std::isfinite(p.l2))
            throw InvalidInput(std::string("penalties on ") + factor +
                               " must be finite numbers ≥ 0, got l1 = " + std::to_string(p.l1) +
                               ", l2 = " + std::to_string(p.l2));
    };
    check_penalty(opt.w, "W");
    check_penalty(opt.h, "H");
    if (opt.cd_newton_steps < 1)
        throw InvalidInput("cd_newton_steps must be at least 1, got " +
                           std::to_string(opt.cd_newton_steps));
    if (opt.stop == StopRule::projected_gradient && opt.loss != Loss::frobenius)
        throw InvalidInput(
            "stopping rule projected_gradient is defined for the frobenius loss; "
            "use relative_objective with loss " +
            std::string(to_string(opt.loss)));
    if (opt.restarts < 1)
        throw InvalidInput("restarts must be at least 1, got " + std::to_string(opt.restarts));
    if (opt.restarts > 1 &&
        (opt.init == Init::custom || opt.init == Init::nndsvd || opt.init == Init::nndsvda))
        throw InvalidInput("restarts > 1 need a random start (random or nndsvdar); with init " +
                           std::string(to_string(*opt.init)) + " every run would be the same");
    {
        std::vector<char> seen(static_cast<std::size_t>(std::max(opt.rank, 0)), 0);
        for (int c : opt.fixed_w_columns) {
            if (c < 0 || c >= opt.rank)
                throw InvalidInput("fixed_w_columns: column " + std::to_string(c) +
                                   " is outside 0.." + std::to_string(opt.rank - 1));
            if (seen[static_cast<std::size_t>(c)]++)
                throw InvalidInput("fixed_w_columns: column " + std::to_string(c) +
                                   " is listed twice");
        }
    }
    if (opt.missing != Missing::none || opt.mask) {
        const Solver s = resolved_solver(opt);
        const std::string what = opt.missing != Missing::none
                                     ? "missing " + std::string(to_string(opt.missing))
                                     : "a mask";
        if (supports(s, opt.loss) && !supports_missing(s, opt.loss))
            throw InvalidInput("missing values (" + what + ") are supported by " +
                               pairs_with(supports_missing) + ", not by solver " +
                               std::string(to_string(s)) + " with loss " +
                               std::string(to_string(opt.loss)));
        if (!opt.fixed_w_columns.empty())
            throw InvalidInput("fixed_w_columns cannot be combined with missing values yet");
    }
    if (!opt.fixed_w_columns.empty() && opt.init != Init::custom)
        throw InvalidInput(
            "fixed_w_columns keep columns of the starting W; give it with init custom");
    if (opt.diagonal && opt.normalize == Normalize::none)
        throw InvalidInput(
            "diagonal needs a normalisation (normalize l1 or l2) to define the scales");
    const Solver s = resolved_solver(opt);
    if (!supports(s, opt.loss)) {
        std::string list;
        for (Solver t : solvers_for(opt.loss))
            list += (list.empty() ? "" : ", ") + std::string(to_string(t));
        throw InvalidInput("solver " + std::string(to_string(s)) + " does not support loss " +
                           std::string(to_string(opt.loss)) + "; solvers for " +
                           std::string(to_string(opt.loss)) + ": " + list);
    }
    if (opt.extrapolation == Extrapolation::on) {
        const std::string pair = "solver " + std::string(to_string(s)) + " with loss " +
                                 std::string(to_string(opt.loss));
        if (!solver_traits(s, opt.loss).extrapolation)
            throw InvalidInput(
                "extrapolation on: it is done by " +
                pairs_with([](Solver t, Loss l) { return solver_traits(t, l).extrapolation; }) +
                ", not by " + pair + "; turn it off");
        if (opt.missing != Missing::none || opt.mask)
            throw InvalidInput(
                "extrapolation on: fits with missing values or a mask do not extrapolate; "
                "turn it off");
        if (opt.stop == StopRule::projected_gradient)
            throw InvalidInput(
                "extrapolation on: the projected_gradient rule needs the gradient at the "
                "kept point, which extrapolation does not compute; use relative_objective "
                "or turn it off");
    }
    if (opt.device.kind == Device::Kind::cuda) validate_device_options(opt);
}

void validate_mask(const Options& opt, Eigen::Index m, Eigen::Index n) {
    if (!opt.mask) return;
    const Mask& mask = *opt.mask;
    if (mask.rows != m || mask.cols != n)
        throw InvalidInput("the mask is " + std::to_string(mask.rows) + " x " +
                           std::to_string(mask.cols) + " but V is " + std::to_string(m) + " x " +
                           std::to_string(n) + "; they must match");
    if (mask.col_ptr.size() != static_cast<std::size_t>(n) + 1 || mask.col_ptr[0] != 0 ||
        mask.col_ptr.back() != mask.size())
        throw InvalidInput(
            "the mask's column offsets must number n + 1 = " + std::to_string(n + 1) +
            ", start at 0 and end at its " + std::to_string(mask.size()) + " positions");
    for (Eigen::Index j = 0; j < n; ++j) {
        const auto first = mask.col_ptr[static_cast<std::size_t>(j)],
                   last = mask.col_ptr[static_cast<std::size_t>(j) + 1];
        if (last < first)
            throw InvalidInput("the mask's column offsets decrease at column " +
                               std::to_string(j + 1));
        for (auto p = first; p < last; ++p) {
            const auto i = mask.row_index[static_cast<std::size_t>(p)];
            if (i < 0 || i >= m ||
                (p > first && i <= mask.row_index[static_cast<std::size_t>(p) - 1]))
                throw InvalidInput("the mask's column " + std::to_string(j + 1) + " lists row " +
                                   std::to_string(i + 1) +
                                   " out of range or out of increasing order");
        }
    }
}

template <class T>
void validate_matrix(const DenseView<T>& V, bool allow_nan, const Mask* mask) {
    if (V.rows <= 0 || V.cols <= 0)
        throw InvalidInput("V is empty (" + std::to_string(V.rows) + " x " +
                           std::to_string(V.cols) + "); it needs at least one row and one column");
    if (V.data == nullptr) throw InvalidInput("V has no data (null pointer)");
    const bool row_major = V.layout == Layout::row_major;
    const Eigen::Index ld = V.leading_dimension();
    const Eigen::Index min_ld = row_major ? V.cols : V.rows;
    if (ld < min_ld)
        throw InvalidInput("V's leading dimension " + std::to_string(ld) + " is smaller than " +
                           std::to_string(min_ld));
    const T* d = V.data;
    // With missing values, a NaN is a missing entry, not a defect.
    // Entries at masked positions are missing whatever they hold.
    auto entry = [allow_nan, mask](T v, Eigen::Index i, Eigen::Index j) {
        if (mask != nullptr && mask->contains(i, j)) return T(0);
        return allow_nan && std::isnan(v) ? T(0) : v;
    };
    if (row_major)
        check_entries<T>("V", V.rows, V.cols, true, [d, ld, entry](Eigen::Index i, Eigen::Index j) {
            return entry(d[i * ld + j], i, j);
        });
    else
        check_entries<T>(
            "V", V.rows, V.cols, false,
            [d, ld, entry](Eigen::Index i, Eigen::Index j) { return entry(d[i + j * ld], i, j); });
}

template <class T, class I>
void validate_sparse(const SparseView<T, I>& V, bool allow_nan, const Mask* mask) {
    if (V.rows <= 0 || V.cols <= 0)
        throw InvalidInput("V is empty (" + std::to_string(V.rows) + " x " +
                           std::to_string(V.cols) + "); it needs at least one row and one column");
    const bool csc = V.layout == SparseLayout::csc;
    const char* outer_name = csc ? "column" : "row";
    const char* inner_name = csc ? "row" : "column";
    if (V.outer == nullptr) throw InvalidInput("sparse V has no offsets (indptr) array");
    const Eigen::Index slices = V.outer_size(), inner_size = csc ? V.rows : V.cols;
    if (V.outer[0] != 0)
        throw InvalidInput("sparse V: indptr[0] is " + std::to_string(V.outer[0]) + ", expected 0");
    for (Eigen::Index s = 0; s < slices; ++s)
        if (V.outer[s + 1] < V.outer[s])
            throw InvalidInput("sparse V: indptr decreases at position " + std::to_string(s + 1) +
                               " (" + std::to_string(V.outer[s + 1]) + " after " +
                               std::to_string(V.outer[s]) + ")");
    const Eigen::Index nnz = V.nonzeros();
    if (nnz > 0 && (V.inner == nullptr || V.values == nullptr))
        throw InvalidInput("sparse V has " + std::to_string(nnz) +
                           " entries but no indices or values array");
    Eigen::Index bad_row = -1, bad_col = -1;
    T bad_value = 0;
    for (Eigen::Index s = 0; s < slices; ++s)
        for (I p = V.outer[s]; p < V.outer[s + 1]; ++p) {
            const auto idx = static_cast<Eigen::Index>(V.inner[p]);
            if (idx < 0 || idx >= inner_size)
                throw InvalidInput("sparse V: entry " + std::to_string(p) + " (" + outer_name +
                                   " " + std::to_string(s) + ") has " + inner_name + " index " +
                                   std::to_string(idx) + ", outside 0.." +
                                   std::to_string(inner_size - 1));
            if (classify(V.values[p]) == Defect::none || (allow_nan && std::isnan(V.values[p])))
                continue;
            const Eigen::Index i = csc ? idx : s, j = csc ? s : idx;
            if (mask != nullptr && mask->contains(i, j)) continue;
            if (bad_row < 0 || i < bad_row || (i == bad_row && j < bad_col)) {
                bad_row = i;
                bad_col = j;
                bad_value = V.values[p];
            }
        }
    if (bad_row >= 0) throw_defect("V", bad_value, bad_row, bad_col);
}

namespace {

std::string positive_message(const Options& opt, Eigen::Index i, Eigen::Index j, bool sparse) {
    // The position in the form every entry defect uses ("... in V at row R, column C (0-based)"),
    // so that the command-line tool names it in the file (FILE: row R, column C, 1-based).
    std::ostringstream msg;
    msg << "zero entry in V at row " << i << ", column " << j << " (0-based)"
        << (sparse ? " (entries not stored are zeros)" : "") << ": loss " << to_string(opt.loss)
        << " (beta = " << resolved_beta(opt)
        << ") needs every entry of V to be positive (it divides by V and takes log V)";
    return msg.str();
}

}  // namespace

template <class T>
void validate_positive(const DenseView<T>& V, const Options& opt) {
    if (resolved_beta(opt) > 0) return;
    const bool row_major = V.layout == Layout::row_major;
    const Eigen::Index ld = V.leading_dimension();
    for (Eigen::Index i = 0; i < V.rows; ++i)
        for (Eigen::Index j = 0; j < V.cols; ++j)
            if (V.data[row_major ? i * ld + j : i + j * ld] == T(0))
                throw InvalidInput(positive_message(opt, i, j, false));
}

template <class T, class I>
void validate_positive(const SparseView<T, I>& V, const Options& opt) {
    if (resolved_beta(opt) > 0) return;
    // The first zero in reading order: a stored zero, or the first position that is not stored.
    const bool csc = V.layout == SparseLayout::csc;
    const Eigen::Index outer = V.outer_size(), inner = csc ? V.rows : V.cols;
    Eigen::Index best_i = -1, best_j = -1;
    std::vector<char> stored(static_cast<std::size_t>(inner));
    for (Eigen::Index s = 0; s < outer; ++s) {
        std::fill(stored.begin(), stored.end(), 0);
        for (I p = V.outer[s]; p < V.outer[s + 1]; ++p)
            if (V.values[p] != T(0)) stored[static_cast<std::size_t>(V.inner[p])] = 1;
        for (Eigen::Index q = 0; q < inner; ++q) {
            if (stored[static_cast<std::size_t>(q)]) continue;
            const Eigen::Index i = csc ? q : s, j = csc ? s : q;
            if (best_i < 0 || i < best_i || (i == best_i && j < best_j)) {
                best_i = i;
                best_j = j;
            }
            break;
        }
        if (best_i >= 0 && (!csc || best_i == 0)) break;  // no later slice can come first
    }
    if (best_i >= 0) throw InvalidInput(positive_message(opt, best_i, best_j, true));
}

template <class T>
void validate_factors(const InitialFactors<T>& start, Eigen::Index m, Eigen::Index n, int k) {
    auto shape = [](Eigen::Index r, Eigen::Index c) {
        return std::to_string(r) + " x " + std::to_string(c);
    };
    if (start.W.rows() != m || start.W.cols() != k)
        throw InvalidInput("custom W has shape " + shape(start.W.rows(), start.W.cols()) +
                           ", expected " + shape(m, k) + " (rows of V x rank)");
    if (start.H.rows() != k || start.H.cols() != n)
        throw InvalidInput("custom H has shape " + shape(start.H.rows(), start.H.cols()) +
                           ", expected " + shape(k, n) + " (rank x columns of V)");
    check_entries<T>("custom W", m, k, false,
                     [&](Eigen::Index i, Eigen::Index j) { return start.W(i, j); });
    check_entries<T>("custom H", k, n, false,
                     [&](Eigen::Index i, Eigen::Index j) { return start.H(i, j); });
}

template void validate_matrix(const DenseView<float>&, bool, const Mask*);
template void validate_matrix(const DenseView<double>&, bool, const Mask*);
template void validate_sparse(const SparseView<float, int>&, bool, const Mask*);
template void validate_sparse(const SparseView<double, int>&, bool, const Mask*);
template void validate_sparse(const SparseView<float, std::int64_t>&, bool, const Mask*);
template void validate_sparse(const SparseView<double, std::int64_t>&, bool, const Mask*);
template void validate_positive(const DenseView<float>&, const Options&);
template void validate_positive(const DenseView<double>&, const Options&);
template void validate_positive(const SparseView<float, int>&, const Options&);
template void validate_positive(const SparseView<double, int>&, const Options&);
template void validate_positive(const SparseView<float, std::int64_t>&, const Options&);
template void validate_positive(const SparseView<double, std::int64_t>&, const Options&);
template void validate_factors(const InitialFactors<float>&, Eigen::Index, Eigen::Index, int);
template void validate_factors(const InitialFactors<double>&, Eigen::Index, Eigen::Index, int);

}  // namespace nmfkit::detail

namespace nmfkit {

void validate(const Options& opt) { detail::validate_options(opt); }

}  // namespace nmfkit
