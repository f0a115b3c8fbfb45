#pragma once
// A small SVG writer and the plots of `nmfkit rank` (docs/cli.md, "rank"): no plotting runtime,
// plain SVG 1.1 text that browsers and rsvg/Inkscape open. Every data point is a <circle
// class="point">, every heatmap cell a <rect class="cell">, so tests can count them.

#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

namespace nmfkit::cli::svg {

/// Text with &, <, >, " and ' escaped for XML.
std::string escape(std::string_view text);

/// An SVG document of a fixed size in user units (pixels), built element by element.
class Document {
public:
    Document(double width, double height);
    void rect(double x, double y, double w, double h, const std::string& fill,
              const std::string& css_class = "", const std::string& title = "");
    void line(double x1, double y1, double x2, double y2, const std::string& stroke,
              double width = 1, const std::string& dash = "");
    void polyline(const std::vector<std::pair<double, double>>& points, const std::string& stroke,
                  double width = 1.5);
    void circle(double cx, double cy, double r, const std::string& fill,
                const std::string& css_class = "", const std::string& title = "");
    /// anchor: start, middle or end; rotate: degrees about (x, y).
    void text(double x, double y, const std::string& content, double size = 12,
              const std::string& anchor = "start", double rotate = 0,
              const std::string& weight = "normal");
    /// The document as text (XML declaration, <svg> root, the elements in order).
    std::string str() const;

private:
    double width_, height_;
    std::string body_;
};

/// "#rrggbb" of t in [0, 1] on a white → dark-blue scale (NaN: grey).
std::string blues(double t);

/// One metric against k.
struct Series {
    std::string name;            ///< panel title
    std::vector<double> values;  ///< one per k; NaN = not measured (no point drawn)
};

/// A grid of line plots, one panel per series, of the values against @p ks, with the suggested k
/// marked by a dashed vertical line. Each finite value is one <circle class="point">.
std::string metric_panels(const std::vector<int>& ks, const std::vector<Series>& series,
                          int suggested_k, const std::string& title);

/// A heatmap of M (rows x cols) with its row and column labels (drawn when at most 60 per
/// side; empty = none), a colour bar, and one <rect class="cell"> per entry. Values are scaled by
/// [lo, hi] onto blues().
std::string heatmap(const Eigen::MatrixXd& M, const std::vector<std::string>& row_labels,
                    const std::vector<std::string>& col_labels, double lo, double hi,
                    const std::string& title);

/// M (rows x cols) averaged over at most @p max_rows x @p max_cols equal bins of consecutive rows
/// and columns (returned unchanged when it already fits), so a heatmap stays a few hundred cells
/// wide. @p bins_r / @p bins_c receive each bin's first and last index (0-based, inclusive).
Eigen::MatrixXd bin_average(const Eigen::MatrixXd& M, Eigen::Index max_rows, Eigen::Index max_cols,
                            std::vector<std::pair<Eigen::Index, Eigen::Index>>& bins_r,
                            std::vector<std::pair<Eigen::Index, Eigen::Index>>& bins_c);

}  // namespace nmfkit::cli::svg
