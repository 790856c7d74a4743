// A small SVG writer for the HTML report's charts: shapes and text with every string escaped, and the two
// chart kinds of the result model (line: x/y series; bar: grouped bars per category). The output is an inline
// <svg> element for an HTML5 page (no namespace declaration, no external reference).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "reports/report.hpp"

namespace reports::svg {

class writer {
 public:
  writer(double width, double height, std::string_view label);
  void line(double x1, double y1, double x2, double y2, std::string_view stroke, double width = 1, bool dashed = false);
  void rect(double x, double y, double w, double h, std::string_view fill, std::string_view title = {});
  void polyline(const std::vector<point>& pts, std::string_view stroke, double width = 2);
  void circle(double cx, double cy, double r, std::string_view fill, std::string_view title = {});
  enum class anchor { start, middle, end };
  void text(double x, double y, std::string_view s, anchor a = anchor::start, double size = 11,
            std::string_view fill = "#333", bool vertical = false);
  std::string str() const;  // the complete <svg> element

 private:
  double width_, height_;
  std::string label_;
  std::string body_;
};

// Ticks for an axis from lo to hi: about `target` round values (1, 2 or 5 times a power of ten).
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

// The chart as an <svg>; an empty chart (no points) gives a short note instead.
std::string render_chart(const chart& c, double width = 560, double height = 300);

// The colour of the i-th series.
std::string_view palette(std::size_t i);

}  // namespace reports::svg
