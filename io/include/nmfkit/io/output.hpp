#pragma once
/// @file output.hpp
/// @brief Outputs written in two steps, so that several files can be replaced as a set: stage
/// each one (write it in full to a temporary file beside its target and flush it to disk), then
/// commit them all (rename each over its target). A staged file that is never committed is
/// removed again. write_matrix, write_text and write_labels are stage + commit of one file.
///
/// @code
/// std::vector<nmfkit::io::StagedFile> set;
/// set.push_back(nmfkit::io::stage_matrix("W.csv", W));   // may throw: nothing replaced yet
/// set.push_back(nmfkit::io::stage_matrix("H.csv", H));
/// for (auto& f : set) f.commit();                       // renames only
/// @endcode

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <nmfkit/io/formats.hpp>

namespace nmfkit::io {

/// A file written in full under a temporary name in its target's directory (".NAME.tmp-PID-N"),
/// flushed to disk, and not yet renamed. Move-only; the destructor removes it unless it was
/// committed or kept aside.
class StagedFile {
public:
    StagedFile(StagedFile&&) noexcept;
    StagedFile& operator=(StagedFile&&) noexcept;
    ~StagedFile();

    /// The name it replaces on commit().
    const std::string& target() const { return target_; }
    /// Renames it over target() (an atomic replacement).
    /// @throws IoError "cannot write "TARGET": REASON"
    void commit();
    /// Renames it to the first of STEM.new.EXT, STEM.new2.EXT, ... beside target() that no file
    /// has (never replacing one), and returns that name. For a set that could not be written
    /// whole: this run's file is kept without replacing the older one at target().
    /// @throws IoError
    std::string keep_aside();

private:
    struct Impl;
    StagedFile(std::string target, std::unique_ptr<Impl> impl);
    std::string target_;
    std::unique_ptr<Impl> impl_;

    friend StagedFile stage_bytes(const std::string&, std::string_view);
    friend StagedFile stage_matrix(const std::string&, const Eigen::Ref<const Eigen::MatrixXd>&,
                                   const WriteOptions&);
};

/// Stages @p M as write_matrix(@p path, @p M, @p opt) would write it.
/// @throws InvalidInput, IoError as write_matrix does
StagedFile stage_matrix(const std::string& path, const Eigen::Ref<const Eigen::MatrixXd>& M,
                        const WriteOptions& opt = {});
/// Stages @p bytes as the whole content of @p path.
/// @throws IoError
StagedFile stage_bytes(const std::string& path, std::string_view bytes);
/// Stages @p labels one a line, as write_labels does.
/// @throws InvalidInput for a label that holds a line break; IoError
StagedFile stage_labels(const std::string& path, const std::vector<std::string>& labels);

/// Why write_matrix could never write @p path, found from its name alone (an extension it does
/// not write: ".xlsx", ".npz", ".csv.gz", none); empty when it can.
std::string matrix_name_problem(const std::string& path);

/// What kind of file @p path is when it exists and is not a regular file ("a directory", "a
/// character device", "a FIFO", "a socket", "a block device"); empty when it is a regular file
/// or does not exist. Symbolic links are followed.
std::string non_regular_kind(const std::string& path);

/// True when @p a and @p b name the same file: the same device and inode when both exist (hard
/// links and symbolic links included), else the same absolute path once "." and ".." and the
/// symbolic links of its existing part are resolved.
bool same_file(const std::string& a, const std::string& b);

}  // namespace nmfkit::io
