// The SVG writer and the two chart layouts (svg.hpp).
#include "reports/svg.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "reports/text.hpp"

namespace reports::svg {

namespace {
std::string n(double v) { return text::number(v, 1); }
}  // namespace

std::string_view palette(std::size_t i) {
  static constexpr std::string_view colours[] = {"#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2",
                                                 "#db2777", "#4b5563"};
  return colours[i % std::size(colours)];
}

writer::writer(double width, double height, std::string_view label)
    : width_(width), height_(height), label_(label) {}

void writer::line(double x1, double y1, double x2, double y2, std::string_view stroke, double width, bool dashed) {
  body_ += "<line x1=\"" + n(x1) + "\" y1=\"" + n(y1) + "\" x2=\"" + n(x2) + "\" y2=\"" + n(y2) + "\" stroke=\"" +
           text::html(stroke) + "\" stroke-width=\"" + n(width) + "\"" + (dashed ? " stroke-dasharray=\"3 3\"" : "") +
           "/>\n";
}

void writer::rect(double x, double y, double w, double h, std::string_view fill, std::string_view title) {
  body_ += "<rect x=\"" + n(x) + "\" y=\"" + n(y) + "\" width=\"" + n(w) + "\" height=\"" + n(h) + "\" fill=\"" +
           text::html(fill) + "\">" + (title.empty() ? "" : "<title>" + text::html(title) + "</title>") + "</rect>\n";
}

void writer::polyline(const std::vector<point>& pts, std::string_view stroke, double width) {
  std::string p;
  for (const auto& pt : pts) p += n(pt.x) + "," + n(pt.y) + " ";
  body_ += "<polyline fill=\"none\" stroke=\"" + text::html(stroke) + "\" stroke-width=\"" + n(width) +
           "\" stroke-linejoin=\"round\" points=\"" + p + "\"/>\n";
}

void writer::circle(double cx, double cy, double r, std::string_view fill, std::string_view title) {
  body_ += "<circle cx=\"" + n(cx) + "\" cy=\"" + n(cy) + "\" r=\"" + n(r) + "\" fill=\"" + text::html(fill) + "\">" +
           (title.empty() ? "" : "<title>" + text::html(title) + "</title>") + "</circle>\n";
}

void writer::text(double x, double y, std::string_view s, anchor a, double size, std::string_view fill,
                  bool vertical) {
  const char* an = a == anchor::start ? "start" : a == anchor::middle ? "middle" : "end";
  body_ += "<text x=\"" + n(x) + "\" y=\"" + n(y) + "\" font-size=\"" + n(size) + "\" fill=\"" + text::html(fill) +
           "\" text-anchor=\"" + an + "\"" +
           (vertical ? " transform=\"rotate(-90 " + n(x) + " " + n(y) + ")\"" : std::string()) + ">" +
           text::html(s) + "</text>\n";
}

std::string writer::str() const {
  return "<svg class=\"chart\" role=\"img\" aria-label=\"" + text::html(label_) + "\" width=\"" + n(width_) +
         "\" height=\"" + n(height_) + "\" viewBox=\"0 0 " + n(width_) + " " + n(height_) +
         "\" font-family=\"system-ui, sans-serif\">\n" + body_ + "</svg>\n";
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / std::max(target, 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (const double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) {
      step = m * mag;
      break;
    }
  std::vector<double> ticks;
  const double first = std::floor(lo / step), last = std::ceil(hi / step);
  for (double k = first; k <= last && ticks.size() < 50; k += 1) {
    const double t = k * step;
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0 : t);
  }
  return ticks;
}

std::string render_chart(const chart& c, double width, double height) {
  double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, ymax = 0, ymin = 0;
  std::size_t count = 0;
  for (const auto& s : c.series)
    for (const auto& p : s.points) {
      if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
      xmin = std::min(xmin, p.x);
      xmax = std::max(xmax, p.x);
      ymax = std::max(ymax, p.y);
      ymin = std::min(ymin, p.y);
      ++count;
    }
  if (count == 0) return "<p class=\"muted\">" + text::html(c.title) + ": no data</p>\n";

  const double left = 64, right = 16, top = 34, bottom = 48;
  const double legend = c.series.size() > 1 ? 18.0 * static_cast<double>((c.series.size() + 2) / 3) : 0;
  const double pw = width - left - right, ph = height - top - bottom - legend;
  writer w(width, height, c.title);
  w.text(left, 18, c.title, writer::anchor::start, 13, "#111");

  const auto yt = nice_ticks(ymin, ymax);
  const double y0 = yt.front(), y1 = yt.back();
  auto Y = [&](double v) { return top + ph - (v - y0) / (y1 - y0) * ph; };
  for (const double t : yt) {
    w.line(left, Y(t), left + pw, Y(t), "#e5e7eb");
    w.text(left - 6, Y(t) + 4, text::number(t, 3), writer::anchor::end, 10, "#555");
  }
  w.line(left, top + ph, left + pw, top + ph, "#9ca3af");
  w.line(left, top, left, top + ph, "#9ca3af");
  w.text(14, top + ph / 2, c.y_label, writer::anchor::middle, 11, "#444", true);
  w.text(left + pw / 2, top + ph + 36, c.x_label, writer::anchor::middle, 11, "#444");

  if (c.kind == chart_kind::bar) {
    std::size_t cats = c.categories.size();
    for (const auto& s : c.series) cats = std::max(cats, s.points.size());
    const double group = pw / static_cast<double>(std::max<std::size_t>(cats, 1));
    const double bw = group * 0.8 / static_cast<double>(std::max<std::size_t>(c.series.size(), 1));
    for (std::size_t i = 0; i < cats; ++i) {
      const std::string label = i < c.categories.size() ? c.categories[i] : std::to_string(i + 1);
      w.text(left + group * (static_cast<double>(i) + 0.5), top + ph + 16, label, writer::anchor::middle, 10, "#555");
      for (std::size_t k = 0; k < c.series.size(); ++k) {
        if (i >= c.series[k].points.size() || !std::isfinite(c.series[k].points[i].y)) continue;
        const double v = c.series[k].points[i].y;
        const double x = left + group * static_cast<double>(i) + group * 0.1 + bw * static_cast<double>(k);
        w.rect(x, std::min(Y(v), Y(0)), bw - 1, std::abs(Y(0) - Y(v)), palette(k),
               c.series[k].name + " " + label + ": " + text::number(v, 3));
      }
    }
  } else {
    const auto xt = nice_ticks(xmin, xmax);
    const double x0 = xt.front(), x1 = xt.back();
    auto X = [&](double v) { return left + (v - x0) / (x1 - x0) * pw; };
    for (const double t : xt) {
      w.line(X(t), top + ph, X(t), top + ph + 4, "#9ca3af");
      w.text(X(t), top + ph + 16, text::number(t, 3), writer::anchor::middle, 10, "#555");
    }
    for (std::size_t k = 0; k < c.series.size(); ++k) {
      std::vector<point> pts;
      for (const auto& p : c.series[k].points)
        if (std::isfinite(p.x) && std::isfinite(p.y)) pts.push_back({X(p.x), Y(p.y)});
      w.polyline(pts, palette(k));
      if (pts.size() <= 40)
        for (std::size_t i = 0, j = 0; i < c.series[k].points.size(); ++i) {
          const auto& p = c.series[k].points[i];
          if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
          w.circle(pts[j].x, pts[j].y, 3, palette(k),
                   c.series[k].name + ": " + text::number(p.x, 3) + ", " + text::number(p.y, 3));
          ++j;
        }
    }
  }
  if (c.series.size() > 1) {
    for (std::size_t k = 0; k < c.series.size(); ++k) {
      const double lx = left + static_cast<double>(k % 3) * (pw / 3);
      const double ly = height - legend + 4 + 18.0 * static_cast<double>(k / 3);
      w.rect(lx, ly, 10, 10, palette(k));
      // Legends share the width three ways; a long name is cut rather than run into its neighbour.
      const std::string name = text::valid_utf8(c.series[k].name);
      std::size_t cut = 0, chars = 0;
      while (cut < name.size() && chars < 28) {
        ++chars;
        do ++cut;
        while (cut < name.size() && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80);
      }
      w.text(lx + 14, ly + 9, cut < name.size() ? name.substr(0, cut) + "\u2026" : name, writer::anchor::start, 11,
             "#333");
    }
  }
  return w.str();
}

}  // namespace reports::svg
