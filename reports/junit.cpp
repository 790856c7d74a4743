// JUnit XML as Jenkins (junit-10.xsd) and GitLab read it: <testsuites>, one <testsuite> per suite, one
// <testcase> per case. A failed case carries <failure message type> whose text is the step list, the failing
// step's detail and its decoded KMIP exchanges; a skipped case <skipped message>; a warning (JUnit has no such
// verdict) passes with the warning in <system-out>, or fails under junit_options::warn_as_failure.
// Run-level facts (tool, seed, environment) are <properties> of each suite, where the schema allows them.
#include <string>

#include "reports/report.hpp"
#include "reports/text.hpp"

namespace reports {

namespace {

using text::xml_attribute;
using text::xml_text;

std::string attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + xml_attribute(value) + "\"";
}

std::string seconds(double s) { return text::number(s, 3); }

// The text shown under a failure: each step with its verdict, then the deciding step in full.
std::string case_body(const case_result& c) {
  std::string out;
  if (!c.message.empty()) out += c.message + "\n\n";
  std::size_t i = 0;
  for (const auto& s : c.steps) {
    out += "step " + std::to_string(++i) + " " + std::string(to_string(s.verdict)) + " (" + seconds(s.duration_s) +
           " s): " + s.name + "\n";
  }
  if (const auto* d = c.deciding_step(); d && c.verdict != verdict::pass) {
    out += "\n" + std::string(to_string(d->verdict)) + " at step '" + d->name + "'\n";
    if (!d->detail.empty()) out += d->detail + "\n";
    for (const auto& e : d->evidence) {
      out += "\n--- " + e.title + " ---\nrequest:\n" + e.request + "\nresponse:\n" + e.response + "\n";
    }
  }
  return out;
}

std::string one_line(const case_result& c) {
  std::string m = c.message;
  if (const auto* d = c.deciding_step(); d && c.verdict != verdict::pass) {
    if (!m.empty()) m += " ";
    m += "[step '" + d->name + "']";
  }
  return m;
}

}  // namespace

std::string render_junit(const run& r, const junit_options& options) {
  const auto sum = summarize(r);
  const std::size_t failures = sum.fail + (options.warn_as_failure ? sum.warn : 0);
  const std::string stamp = format_time(r.started).substr(0, 19);  // JUnit timestamps carry no zone: UTC
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites" + attr("name", "kmip-harness " + std::string(to_string(r.tool)) +
                                          (r.title.empty() ? "" : ": " + r.title)) +
         attr("tests", std::to_string(sum.total())) + attr("failures", std::to_string(failures)) +
         attr("errors", "0") + attr("skipped", std::to_string(sum.skip)) + attr("time", seconds(r.duration_s)) +
         attr("timestamp", stamp) + ">\n";
  std::size_t id = 0;
  for (const auto& suite : r.suites) {
    std::size_t f = 0, sk = 0;
    for (const auto& c : suite.cases) {
      if (c.verdict == verdict::fail || (options.warn_as_failure && c.verdict == verdict::warn)) ++f;
      if (c.verdict == verdict::skip) ++sk;
    }
    out += "  <testsuite" + attr("name", suite.name) + attr("tests", std::to_string(suite.cases.size())) +
           attr("failures", std::to_string(f)) + attr("errors", "0") + attr("skipped", std::to_string(sk)) +
           attr("time", seconds(suite.duration_s())) + attr("timestamp", stamp) + attr("id", std::to_string(id++)) +
           ">\n";
    out += "    <properties>\n";
    out += "      <property" + attr("name", "tool") + attr("value", to_string(r.tool)) + "/>\n";
    out += "      <property" + attr("name", "seed") + attr("value", std::to_string(r.seed)) + "/>\n";
    for (const auto& [k, v] : r.environment) out += "      <property" + attr("name", k) + attr("value", v) + "/>\n";
    out += "    </properties>\n";
    const std::string classname = "kmip-harness." + std::string(to_string(r.tool)) + "." + suite.name;
    for (const auto& c : suite.cases) {
      out += "    <testcase" + attr("name", c.name) + attr("classname", classname) + attr("time", seconds(c.duration_s));
      const bool failed = c.verdict == verdict::fail || (options.warn_as_failure && c.verdict == verdict::warn);
      std::string inner;
      if (failed) {
        inner += "      <failure" + attr("message", one_line(c)) + attr("type", to_string(c.verdict));
        inner += options.text_bodies ? ">" + xml_text(case_body(c)) + "</failure>\n" : "/>\n";
      } else if (c.verdict == verdict::skip) {
        inner += "      <skipped" + attr("message", c.message) + "/>\n";
      }
      if (options.text_bodies && (c.verdict == verdict::warn || c.verdict == verdict::pass) && !c.steps.empty() &&
          !failed)
        inner += "      <system-out>" + xml_text(case_body(c)) + "</system-out>\n";
      out += inner.empty() ? "/>\n" : ">\n" + inner + "    </testcase>\n";
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

}  // namespace reports
