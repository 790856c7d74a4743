// report.html: one self-contained page (inline CSS, inline SVG, no script, no external resource) that a person
// reads top-down: the verdict and counts, the environment, the charts, then per suite a table of cases. Each case
// opens (already open when it failed) on its steps with timings; a failed or warning step shows its detail and
// the decoded KMIP request and response in <details>. Everything from the run is escaped.
#include <string>

#include "reports/report.hpp"
#include "reports/svg.hpp"
#include "reports/text.hpp"

namespace reports {

namespace {

using text::html;

constexpr std::string_view css = R"css(
:root{--pass:#15803d;--fail:#b91c1c;--warn:#b45309;--skip:#6b7280;--line:#e5e7eb;--bg:#f8fafc}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;margin:0;background:var(--bg)}
main{max-width:1120px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.muted{color:#6b7280}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:12px 0}
.header{display:flex;gap:16px;align-items:center;flex-wrap:wrap}
.badge{display:inline-block;min-width:44px;text-align:center;border-radius:4px;padding:1px 7px;font-size:12px;
  font-weight:600;color:#fff;text-transform:uppercase;letter-spacing:.03em}
.big{font-size:16px;padding:4px 12px}
.badge.pass,.bar .pass{background:var(--pass)}.badge.fail,.bar .fail{background:var(--fail)}
.badge.warn,.bar .warn{background:var(--warn)}.badge.skip,.bar .skip{background:var(--skip)}
.counts span{margin-right:14px}
.bar{display:flex;height:8px;border-radius:4px;overflow:hidden;background:var(--line);margin-top:8px}
.bar div{height:100%}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:#4b5563;font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.env td:first-child{color:#4b5563;width:220px}
details.case{background:#fff;border:1px solid var(--line);border-radius:8px;margin:8px 0}
details.case>summary{cursor:pointer;padding:8px 12px;display:flex;gap:10px;align-items:baseline}
details.case>summary .name{font-weight:600;flex:1;overflow-wrap:anywhere}
details.case>summary .msg{color:#4b5563;flex:2;overflow-wrap:anywhere}
details.case[open]>summary{border-bottom:1px solid var(--line)}
.steps{padding:6px 12px 12px}
tr.fail td{background:#fef2f2}tr.warn td{background:#fffbeb}
.detail{white-space:pre-wrap;overflow-wrap:anywhere}
details.evidence{margin:6px 0;border-left:3px solid #cbd5e1;padding-left:8px}
details.evidence>summary{cursor:pointer;color:#1f2937}
.exchange{display:grid;grid-template-columns:1fr 1fr;gap:8px}
.exchange h4{margin:6px 0 2px;font-size:12px;color:#4b5563}
pre{margin:0;background:#0f172a;color:#e2e8f0;padding:8px 10px;border-radius:6px;font:12px/1.4 ui-monospace,
  SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;overflow-wrap:anywhere;max-height:420px;overflow:auto}
.charts{display:flex;flex-wrap:wrap;gap:12px}
.charts .card{margin:0}
footer{margin:32px 0 8px;color:#6b7280;font-size:12px}
)css";

std::string badge(verdict v, bool big = false) {
  return "<span class=\"badge " + std::string(to_string(v)) + (big ? " big" : "") + "\">" +
         std::string(to_string(v)) + "</span>";
}

std::string secs(double s) {
  if (s < 1) return text::number(s * 1000, 1) + " ms";
  if (s < 120) return text::number(s, 2) + " s";
  return text::number(s / 60, 1) + " min";
}

std::string evidence_block(const evidence& e, bool open) {
  return "<details class=\"evidence\"" + std::string(open ? " open" : "") + "><summary>KMIP exchange: " +
         html(e.title) + "</summary><div class=\"exchange\"><div><h4>" + html(e.left_label) + "</h4><pre>" +
         html(e.request) + "</pre></div><div><h4>" + html(e.right_label) + "</h4><pre>" + html(e.response) +
         "</pre></div></div></details>\n";
}

std::string case_block(const case_result& c) {
  const bool open = c.verdict == verdict::fail;
  std::string out = "<details class=\"case\"" + std::string(open ? " open" : "") + "><summary>" + badge(c.verdict) +
                    "<span class=\"name\">" + html(c.name) + "</span><span class=\"msg\">" + html(c.message) +
                    "</span><span class=\"muted\">" + secs(c.duration_s) + "</span></summary>\n";
  out += "<div class=\"steps\">";
  if (c.steps.empty()) {
    out += "<p class=\"muted\">No steps recorded.</p>";
  } else {
    out += "<table><thead><tr><th class=\"num\">#</th><th>Step</th><th>Verdict</th><th class=\"num\">Time</th>"
           "<th>Detail</th></tr></thead><tbody>\n";
    std::size_t i = 0;
    for (const auto& s : c.steps) {
      out += "<tr class=\"" + std::string(to_string(s.verdict)) + "\"><td class=\"num\">" + std::to_string(++i) +
             "</td><td>" + html(s.name) + "</td><td>" + badge(s.verdict) + "</td><td class=\"num\">" +
             secs(s.duration_s) + "</td><td><div class=\"detail\">" + html(s.detail) + "</div>";
      const bool show = s.verdict == verdict::fail || s.verdict == verdict::warn;
      for (const auto& e : s.evidence) out += evidence_block(e, show && s.verdict == verdict::fail);
      out += "</td></tr>\n";
    }
    out += "</tbody></table>";
  }
  return out + "</div></details>\n";
}

}  // namespace

std::string render_html(const run& r) {
  const auto sum = summarize(r);
  const std::string title = "kmip-harness " + std::string(to_string(r.tool)) + (r.title.empty() ? "" : ": " + r.title);
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n"
                    "<title>" + html(title) + "</title>\n<style>" + std::string(css) + "</style>\n</head>\n<body><main>\n";

  out += "<div class=\"card\"><div class=\"header\">" + badge(sum.overall(), true) + "<div><h1>" + html(title) +
         "</h1><div class=\"muted\">started " + html(format_time(r.started)) + " · duration " + secs(r.duration_s) +
         " · seed " + std::to_string(r.seed) + "</div></div></div>\n";
  out += "<div class=\"counts\" style=\"margin-top:10px\"><span><b>" + std::to_string(sum.total()) +
         "</b> cases</span><span style=\"color:var(--pass)\"><b>" + std::to_string(sum.pass) +
         "</b> passed</span><span style=\"color:var(--fail)\"><b>" + std::to_string(sum.fail) +
         "</b> failed</span><span style=\"color:var(--warn)\"><b>" + std::to_string(sum.warn) +
         "</b> warnings</span><span style=\"color:var(--skip)\"><b>" + std::to_string(sum.skip) +
         "</b> skipped</span></div>\n";
  if (sum.total() > 0) {
    out += "<div class=\"bar\">";
    const auto part = [&](std::size_t k, const char* cls) {
      if (k > 0)
        out += "<div class=\"" + std::string(cls) + "\" style=\"width:" +
               text::number(100.0 * static_cast<double>(k) / static_cast<double>(sum.total()), 2) + "%\"></div>";
    };
    part(sum.pass, "pass");
    part(sum.warn, "warn");
    part(sum.fail, "fail");
    part(sum.skip, "skip");
    out += "</div>";
  }
  out += "</div>\n";

  if (!r.environment.empty()) {
    out += "<h2>Environment</h2><div class=\"card\"><table class=\"env\"><tbody>\n";
    for (const auto& [k, v] : r.environment) out += "<tr><td>" + html(k) + "</td><td>" + html(v) + "</td></tr>\n";
    out += "</tbody></table></div>\n";
  }

  if (!r.metrics.empty()) {
    out += "<h2>Metrics</h2><div class=\"charts\">\n";
    for (const auto& c : r.metrics) out += "<div class=\"card\">" + svg::render_chart(c, 490, 290) + "</div>\n";
    out += "</div>\n";
  }

  for (const auto& s : r.suites) {
    std::size_t f = 0, w = 0;
    for (const auto& c : s.cases) {
      f += c.verdict == verdict::fail;
      w += c.verdict == verdict::warn;
    }
    out += "<h2>" + html(s.name) + " <span class=\"muted\" style=\"font-weight:400;font-size:13px\">" +
           std::to_string(s.cases.size()) + " cases, " + std::to_string(f) + " failed, " + std::to_string(w) +
           " warnings · " + secs(s.duration_s()) + "</span></h2>\n";
    for (const auto& c : s.cases) out += case_block(c);
  }
  out += "<footer>Generated by kmip-harness · report format " + std::to_string(format_version) +
         " · the same run is in report.json and junit.xml</footer>\n</main></body>\n</html>\n";
  return out;
}

}  // namespace reports
