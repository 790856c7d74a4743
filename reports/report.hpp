// The neutral result model every front end fills in (scenario runs, compatibility checks, replays, benchmarks)
// and the three renderers read: JUnit XML for CI, versioned JSON for machines (docs/report-format.md), and one
// self-contained HTML page for people. A run holds suites of cases; a case holds the steps that led to its
// verdict, and a step the decoded KMIP exchanges that justify it. Metrics are named series for charts.
// Strings may hold anything (KMS answers are hostile input): every renderer escapes, and replaces what its
// format cannot carry (invalid UTF-8, control characters in XML) visibly rather than failing.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/expected.hpp"

namespace reports {

inline constexpr int format_version = 1;

enum class verdict { pass, fail, warn, skip };
enum class tool_kind { scenario, check, replay, bench };

std::string_view to_string(verdict v);  // "pass"
std::string_view to_string(tool_kind t);  // "scenario"
std::optional<verdict> verdict_from_string(std::string_view s);
std::optional<tool_kind> tool_from_string(std::string_view s);

// One KMIP exchange, already decoded to readable text (the TTLV tree, or KMIP JSON/XML).
struct evidence {
  std::string title;     // "Get (batch item QLKC0001)"
  std::string request;
  std::string response;
  // What the HTML page heads the two columns with (a replay shows the recorded and the replayed response side
  // by side). Not part of report.json.
  std::string left_label = "Request";
  std::string right_label = "Response";
};

struct step_result {
  std::string name;
  reports::verdict verdict = verdict::pass;
  double duration_s = 0;
  std::string detail;  // what was expected and what happened
  std::vector<reports::evidence> evidence;
};

struct case_result {
  std::string name;
  reports::verdict verdict = verdict::pass;
  double duration_s = 0;
  std::string message;  // one line: why it failed, warned or was skipped
  std::vector<step_result> steps;

  // The first step whose verdict equals the case's (the step that decided it), or nullptr.
  const step_result* deciding_step() const;
};

struct suite_result {
  std::string name;
  std::vector<case_result> cases;
  double duration_s() const;
};

struct point {
  double x = 0;
  double y = 0;
};
struct series {
  std::string name;
  std::vector<point> points;  // line: (x, y); bar: y per category, x ignored
};
enum class chart_kind { line, bar };
std::string_view to_string(chart_kind k);
struct chart {
  std::string title;
  chart_kind kind = chart_kind::line;
  std::string x_label;
  std::string y_label;
  std::vector<std::string> categories;  // bar charts: one label per point
  std::vector<reports::series> series;
};

struct run {
  tool_kind tool = tool_kind::scenario;
  std::string title;  // "kmip-harness scenario run scenarios/"
  std::chrono::system_clock::time_point started{};
  double duration_s = 0;
  std::uint64_t seed = 0;
  std::vector<std::pair<std::string, std::string>> environment;  // ordered: KMS address, profile, host, version...
  std::vector<suite_result> suites;
  std::vector<chart> metrics;
};

struct summary {
  std::size_t pass = 0, fail = 0, warn = 0, skip = 0;
  std::size_t total() const { return pass + fail + warn + skip; }
  // fail if any case failed, else warn if any warned, else pass (skips do not fail a run).
  reports::verdict overall() const;
};
summary summarize(const run& r);

// ---- renderers -------------------------------------------------------------------------------------------------

struct junit_options {
  bool warn_as_failure = false;  // `check --strict`
  bool text_bodies = true;       // failure/skipped/system-out text; false: attributes only
};
std::string render_junit(const run& r, const junit_options& options = {});

std::string render_json(const run& r);
// Reads what render_json wrote (format_version 1); the error says what is wrong and where (a JSON pointer).
common::expected<run, std::string> parse_json(std::string_view text);

std::string render_html(const run& r);

// Writes junit.xml, report.json and report.html into `dir` (created if missing). Each file is written to a
// temporary name beside it, flushed, and renamed: a reader sees the old file or the new one, never a part.
common::expected<void, std::string> write_reports(const run& r, const std::filesystem::path& dir,
                                                  const junit_options& options = {});

// ISO 8601 UTC with milliseconds, "2024-05-01T12:00:00.123Z", and back.
std::string format_time(std::chrono::system_clock::time_point t);
std::optional<std::chrono::system_clock::time_point> parse_time(std::string_view s);

}  // namespace reports
