// Staged outputs (output.hpp): each file is written whole under a temporary name, then renamed;
// write_matrix and write_labels are a stage and a commit of one file.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <system_error>

#include <nmfkit/io/output.hpp>

#include "detail.hpp"

#include <sys/stat.h>

namespace nmfkit::io {
namespace {

namespace fs = std::filesystem;

/// The extensions write_matrix writes, and which writer each takes.
enum class Writer { none, npy, delimited, matrix_market };

Writer writer_for(const std::string& path, std::string& ext, bool& gz) {
    const fs::path p(path);
    ext = detail::lower(p.extension().string());
    gz = ext == ".gz";
    if (gz) ext = detail::lower(p.stem().extension().string());
    if (gz) return Writer::none;
    if (ext == ".npy") return Writer::npy;
    if (ext == ".csv" || ext == ".tsv" || ext == ".tab") return Writer::delimited;
    if (ext == ".mtx" || ext == ".mm") return Writer::matrix_market;
    return Writer::none;
}

}  // namespace

struct StagedFile::Impl {
    Impl(const fs::path& target, const std::string& shown) : file(target, shown) {}
    detail::TempFile file;
};

StagedFile::StagedFile(std::string target, std::unique_ptr<Impl> impl)
    : target_(std::move(target)), impl_(std::move(impl)) {}
StagedFile::StagedFile(StagedFile&&) noexcept = default;
StagedFile& StagedFile::operator=(StagedFile&&) noexcept = default;
StagedFile::~StagedFile() = default;  // TempFile removes an uncommitted file

void StagedFile::commit() { impl_->file.rename_to(fs::path(target_)); }

std::string StagedFile::keep_aside() {
    const fs::path target(target_);
    // STEM.new.EXT keeps the extension, so the kept file reads back in its format.
    const std::string ext = target.extension().string();
    const std::string stem = target.stem().string();
    for (int n = 1; n < 1000; ++n) {
        const std::string name = stem + ".new" + (n == 1 ? std::string() : std::to_string(n)) + ext;
        const fs::path aside =
            target.has_parent_path() ? target.parent_path() / name : fs::path(name);
        if (impl_->file.rename_to(aside, /*no_replace=*/true)) return aside.string();
    }
    impl_->file.fail(EEXIST);
}

std::string matrix_name_problem(const std::string& path) {
    std::string ext;
    bool gz = false;
    if (writer_for(path, ext, gz) != Writer::none) return {};
    if (gz) return "writing compressed (.gz) files is not supported";
    return "unknown extension " + detail::shown(ext) + " (expected .npy, .csv, .tsv, .tab or .mtx)";
}

StagedFile stage_bytes(const std::string& path, std::string_view bytes) {
    const fs::path target = detail::output_path(path);
    auto impl = std::make_unique<StagedFile::Impl>(target, path);
    impl->file.write(bytes);
    impl->file.finish();
    return StagedFile(path, std::move(impl));
}

StagedFile stage_matrix(const std::string& path, const Eigen::Ref<const Eigen::MatrixXd>& M,
                        const WriteOptions& opt) {
    const fs::path target = detail::output_path(path);
    std::string ext;
    bool gz = false;
    const Writer writer = writer_for(path, ext, gz);
    if (writer == Writer::none)
        throw InvalidInput("cannot write \"" + path + "\": " + matrix_name_problem(path));
    if (writer == Writer::npy) return stage_bytes(path, detail::npy_bytes(M));
    auto impl = std::make_unique<StagedFile::Impl>(target, path);
    if (writer == Writer::delimited)
        detail::write_delimited(impl->file, M, ext == ".csv" ? ',' : '\t', path, opt.row_labels,
                                opt.col_labels);
    else
        detail::write_matrix_market(impl->file, M, opt.mtx_coordinate);
    impl->file.finish();
    return StagedFile(path, std::move(impl));
}

StagedFile stage_labels(const std::string& path, const std::vector<std::string>& labels) {
    std::string text;
    for (std::size_t k = 0; k < labels.size(); ++k) {
        if (labels[k].find_first_of("\n\r") != std::string::npos)
            throw InvalidInput("cannot write \"" + path + "\": label " + std::to_string(k + 1) +
                               " holds a line break");
        text += labels[k];
        text += '\n';
    }
    return stage_bytes(path, text);
}

void write_matrix(const std::string& path, const Eigen::Ref<const Eigen::MatrixXd>& M,
                  const WriteOptions& opt) {
    stage_matrix(path, M, opt).commit();
}

void write_labels(const std::string& path, const std::vector<std::string>& labels) {
    stage_labels(path, labels).commit();
}

std::string non_regular_kind(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode)) return {};
    if (S_ISDIR(st.st_mode)) return "a directory";
    if (S_ISCHR(st.st_mode)) return "a character device";
    if (S_ISBLK(st.st_mode)) return "a block device";
    if (S_ISFIFO(st.st_mode)) return "a FIFO";
    if (S_ISSOCK(st.st_mode)) return "a socket";
    return "not a regular file";
}

bool same_file(const std::string& a, const std::string& b) {
    struct stat sa {
    }, sb{};
    const bool ea = ::stat(a.c_str(), &sa) == 0;
    const bool eb = ::stat(b.c_str(), &sb) == 0;
    if (ea && eb) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (ea != eb) return false;  // one exists, the other does not
    std::error_code ca, cb;
    const fs::path pa = fs::weakly_canonical(fs::absolute(a, ca), ca);
    const fs::path pb = fs::weakly_canonical(fs::absolute(b, cb), cb);
    if (ca || cb) return fs::absolute(a).lexically_normal() == fs::absolute(b).lexically_normal();
    return pa == pb;
}

}  // namespace nmfkit::io
