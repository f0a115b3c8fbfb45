// The SVG writer and the plots of `nmfkit rank` (svg.hpp).

#include "svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace nmfkit::cli::svg {

namespace {

std::string num(double x) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f", x);
    std::string s = buffer;
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s == "-0" ? "0" : s;
}

std::string tick(double x) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3g", x);
    return buffer;
}

std::string title_element(const std::string& title) {
    return title.empty() ? "" : "<title>" + escape(title) + "</title>";
}

/// Ends an element opened in @p body: "/>" without a title, else its <title> child and end tag.
void close(std::string& body, const char* tag, const std::string& title) {
    if (title.empty()) {
        body.append("/>\n");
        return;
    }
    body.append(">").append(title_element(title)).append("</").append(tag).append(">\n");
}

std::string class_attribute(const std::string& css_class) {
    return css_class.empty() ? "" : " class=\"" + escape(css_class) + "\"";
}

}  // namespace

std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default:
                // Control characters are not allowed in XML 1.0.
                if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') out += c;
        }
    }
    return out;
}

Document::Document(double width, double height) : width_(width), height_(height) {}

void Document::rect(double x, double y, double w, double h, const std::string& fill,
                    const std::string& css_class, const std::string& title) {
    body_ += "<rect" + class_attribute(css_class) + " x=\"" + num(x) + "\" y=\"" + num(y) +
             "\" width=\"" + num(w) + "\" height=\"" + num(h) + "\" fill=\"" + fill + "\"";
    close(body_, "rect", title);
}

void Document::line(double x1, double y1, double x2, double y2, const std::string& stroke,
                    double width, const std::string& dash) {
    body_ += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" +
             num(y2) + "\" stroke=\"" + stroke + "\" stroke-width=\"" + num(width) + "\"" +
             (dash.empty() ? "" : " stroke-dasharray=\"" + dash + "\"") + "/>\n";
}

void Document::polyline(const std::vector<std::pair<double, double>>& points,
                        const std::string& stroke, double width) {
    if (points.size() < 2) return;
    std::string p;
    for (const auto& [x, y] : points) {
        if (!p.empty()) p.push_back(' ');
        p.append(num(x)).append(",").append(num(y));
    }
    body_ += "<polyline points=\"" + p + "\" fill=\"none\" stroke=\"" + stroke +
             "\" stroke-width=\"" + num(width) + "\"/>\n";
}

void Document::circle(double cx, double cy, double r, const std::string& fill,
                      const std::string& css_class, const std::string& title) {
    body_ += "<circle" + class_attribute(css_class) + " cx=\"" + num(cx) + "\" cy=\"" + num(cy) +
             "\" r=\"" + num(r) + "\" fill=\"" + fill + "\"";
    close(body_, "circle", title);
}

void Document::text(double x, double y, const std::string& content, double size,
                    const std::string& anchor, double rotate, const std::string& weight) {
    body_ +=
        "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(size) +
        "\" text-anchor=\"" + anchor + "\"" +
        (weight == "normal" ? "" : " font-weight=\"" + weight + "\"") +
        (rotate == 0 ? ""
                     : " transform=\"rotate(" + num(rotate) + " " + num(x) + " " + num(y) + ")\"") +
        ">" + escape(content) + "</text>\n";
}

std::string Document::str() const {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" +
           num(width_) + "\" height=\"" + num(height_) + "\" viewBox=\"0 0 " + num(width_) + " " +
           num(height_) +
           "\" font-family=\"Helvetica, Arial, sans-serif\">\n"
           "<rect x=\"0\" y=\"0\" width=\"" +
           num(width_) + "\" height=\"" + num(height_) + "\" fill=\"white\"/>\n" + body_ +
           "</svg>\n";
}

std::string blues(double t) {
    if (!std::isfinite(t)) return "#bbbbbb";
    t = std::clamp(t, 0.0, 1.0);
    // White (247, 251, 255) to dark blue (8, 48, 107), ColorBrewer's Blues ends.
    const auto mix = [t](double a, double b) {
        return static_cast<int>(std::lround(a + (b - a) * t));
    };
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "#%02x%02x%02x", mix(247, 8), mix(251, 48), mix(255, 107));
    return buffer;
}

std::string metric_panels(const std::vector<int>& ks, const std::vector<Series>& series,
                          int suggested_k, const std::string& title) {
    const int columns = 3;
    const int rows = static_cast<int>((series.size() + columns - 1) / columns);
    const double pw = 280, ph = 200, top = 40;
    const double left = 55, right = 15, upper = 28, lower = 38;  // inside a panel
    Document doc(columns * pw, top + rows * ph);
    doc.text(columns * pw / 2, 24, title, 16, "middle", 0, "bold");
    const double k_lo = ks.empty() ? 0 : *std::min_element(ks.begin(), ks.end());
    const double k_hi = ks.empty() ? 1 : *std::max_element(ks.begin(), ks.end());
    for (std::size_t s = 0; s < series.size(); ++s) {
        const double x0 = static_cast<double>(s % columns) * pw;
        // NOLINTNEXTLINE(bugprone-integer-division): the panel's row
        const double y0 = top + static_cast<double>(s / columns) * ph;
        const double ax = x0 + left, ay = y0 + upper, aw = pw - left - right,
                     ah = ph - upper - lower;
        doc.text(x0 + pw / 2, y0 + 16, series[s].name, 13, "middle", 0, "bold");
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (double v : series[s].values)
            if (std::isfinite(v)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
        doc.rect(ax, ay, aw, ah, "#f7f7f7");
        if (!std::isfinite(lo)) {
            doc.text(ax + aw / 2, ay + ah / 2, "not measured", 12, "middle");
            continue;
        }
        if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {
            lo -= 0.5 * std::max(1e-3, std::abs(lo) * 0.05);
            hi += 0.5 * std::max(1e-3, std::abs(hi) * 0.05);
        }
        const double pad = 0.08 * (hi - lo);
        lo -= pad;
        hi += pad;
        const auto X = [&](double k) {
            return k_hi > k_lo ? ax + (k - k_lo) / (k_hi - k_lo) * aw : ax + aw / 2;
        };
        const auto Y = [&](double v) { return ay + ah - (v - lo) / (hi - lo) * ah; };
        for (int t = 0; t <= 4; ++t) {  // y ticks
            const double v = lo + (hi - lo) * t / 4;
            doc.line(ax, Y(v), ax + aw, Y(v), "#dddddd", 0.5);
            doc.text(ax - 4, Y(v) + 4, tick(v), 10, "end");
        }
        for (int k : ks) doc.text(X(k), ay + ah + 14, std::to_string(k), 10, "middle");
        doc.text(ax + aw / 2, ay + ah + 30, "k", 11, "middle");
        if (suggested_k > 0)
            doc.line(X(suggested_k), ay, X(suggested_k), ay + ah, "#d62728", 1, "4,3");
        std::vector<std::pair<double, double>> points;
        for (std::size_t a = 0; a < ks.size() && a < series[s].values.size(); ++a)
            if (std::isfinite(series[s].values[a]))
                points.emplace_back(X(ks[a]), Y(series[s].values[a]));
        doc.polyline(points, "#1f77b4");
        for (std::size_t a = 0; a < ks.size() && a < series[s].values.size(); ++a)
            if (std::isfinite(series[s].values[a]))
                doc.circle(X(ks[a]), Y(series[s].values[a]), 3.5, "#1f77b4", "point",
                           "k = " + std::to_string(ks[a]) + ": " + tick(series[s].values[a]));
    }
    return doc.str();
}

std::string heatmap(const Eigen::MatrixXd& M, const std::vector<std::string>& row_labels,
                    const std::vector<std::string>& col_labels, double lo, double hi,
                    const std::string& title) {
    const auto rows = static_cast<double>(M.rows()), cols = static_cast<double>(M.cols());
    const double cell = std::clamp(600.0 / std::max(rows, cols), 1.0, 24.0);
    const bool show_r = !row_labels.empty() && M.rows() <= 60;
    const bool show_c = !col_labels.empty() && M.cols() <= 60;
    std::size_t longest_r = 0, longest_c = 0;
    for (const auto& l : row_labels) longest_r = std::max(longest_r, l.size());
    for (const auto& l : col_labels) longest_c = std::max(longest_c, l.size());
    const double font = std::clamp(cell * 0.8, 7.0, 11.0);
    const double left =
        10 + (show_r
                  ? 6.5 * font / 11 * static_cast<double>(std::min<std::size_t>(longest_r, 24)) + 8
                  : 0);
    const double top =
        40 + (show_c
                  ? 6.5 * font / 11 * static_cast<double>(std::min<std::size_t>(longest_c, 24)) + 8
                  : 0);
    // Wide enough for the title too (about 0.55 em per character at 15 px, bold).
    const double title_width = 20 + 8.5 * static_cast<double>(title.size());
    const double width = std::max({left + cols * cell + 90, 320.0, title_width});
    const double height = top + rows * cell + 20;
    Document doc(width, height);
    doc.text(10, 24, title, 15, "start", 0, "bold");
    const double span = hi > lo ? hi - lo : 1;
    for (Eigen::Index i = 0; i < M.rows(); ++i)
        for (Eigen::Index j = 0; j < M.cols(); ++j)
            doc.rect(left + static_cast<double>(j) * cell, top + static_cast<double>(i) * cell,
                     cell, cell, blues((M(i, j) - lo) / span), "cell", tick(M(i, j)));
    if (show_r)
        for (Eigen::Index i = 0; i < M.rows(); ++i)
            doc.text(left - 4, top + (static_cast<double>(i) + 0.5) * cell + font / 3,
                     row_labels[static_cast<std::size_t>(i)].substr(0, 24), font, "end");
    if (show_c)
        for (Eigen::Index j = 0; j < M.cols(); ++j) {
            const double x = left + (static_cast<double>(j) + 0.5) * cell + font / 3, y = top - 4;
            doc.text(x, y, col_labels[static_cast<std::size_t>(j)].substr(0, 24), font, "start",
                     -90);
        }
    // Colour bar: 10 steps from lo to hi.
    const double bx = left + cols * cell + 20, bh = std::min(rows * cell, 200.0);
    for (int t = 0; t < 10; ++t)
        doc.rect(bx, top + bh - (t + 1) * bh / 10, 14, bh / 10, blues((t + 0.5) / 10));
    doc.text(bx + 18, top + 8, tick(hi), 10);
    doc.text(bx + 18, top + bh, tick(lo), 10);
    return doc.str();
}

Eigen::MatrixXd bin_average(const Eigen::MatrixXd& M, Eigen::Index max_rows, Eigen::Index max_cols,
                            std::vector<std::pair<Eigen::Index, Eigen::Index>>& bins_r,
                            std::vector<std::pair<Eigen::Index, Eigen::Index>>& bins_c) {
    const auto bins = [](Eigen::Index n, Eigen::Index most) {
        std::vector<std::pair<Eigen::Index, Eigen::Index>> out;
        const Eigen::Index b = std::min(n, std::max<Eigen::Index>(most, 1));
        for (Eigen::Index t = 0; t < b; ++t) out.emplace_back(t * n / b, (t + 1) * n / b - 1);
        return out;
    };
    bins_r = bins(M.rows(), max_rows);
    bins_c = bins(M.cols(), max_cols);
    Eigen::MatrixXd out(static_cast<Eigen::Index>(bins_r.size()),
                        static_cast<Eigen::Index>(bins_c.size()));
    for (std::size_t a = 0; a < bins_r.size(); ++a)
        for (std::size_t b = 0; b < bins_c.size(); ++b) {
            const auto [r0, r1] = bins_r[a];
            const auto [c0, c1] = bins_c[b];
            out(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b)) =
                M.block(r0, c0, r1 - r0 + 1, c1 - c0 + 1).mean();
        }
    return out;
}

}  // namespace nmfkit::cli::svg
