// The result model's small helpers: names, summaries, the deciding step, times in ISO 8601.
#include "reports/report.hpp"

#include <array>
#include <cstdio>
#include <ctime>

namespace reports {

namespace {
constexpr std::array<std::string_view, 4> verdict_names{"pass", "fail", "warn", "skip"};
constexpr std::array<std::string_view, 4> tool_names{"scenario", "check", "replay", "bench"};
}  // namespace

std::string_view to_string(verdict v) { return verdict_names[static_cast<std::size_t>(v)]; }
std::string_view to_string(tool_kind t) { return tool_names[static_cast<std::size_t>(t)]; }
std::string_view to_string(chart_kind k) { return k == chart_kind::line ? "line" : "bar"; }

std::optional<verdict> verdict_from_string(std::string_view s) {
  for (std::size_t i = 0; i < verdict_names.size(); ++i)
    if (verdict_names[i] == s) return static_cast<verdict>(i);
  return std::nullopt;
}

std::optional<tool_kind> tool_from_string(std::string_view s) {
  for (std::size_t i = 0; i < tool_names.size(); ++i)
    if (tool_names[i] == s) return static_cast<tool_kind>(i);
  return std::nullopt;
}

const step_result* case_result::deciding_step() const {
  for (const auto& s : steps)
    if (s.verdict == verdict) return &s;
  return nullptr;
}

double suite_result::duration_s() const {
  double d = 0;
  for (const auto& c : cases) d += c.duration_s;
  return d;
}

verdict summary::overall() const {
  if (fail > 0) return verdict::fail;
  if (warn > 0) return verdict::warn;
  return verdict::pass;
}

summary summarize(const run& r) {
  summary s;
  for (const auto& suite : r.suites)
    for (const auto& c : suite.cases) {
      switch (c.verdict) {
        case verdict::pass: ++s.pass; break;
        case verdict::fail: ++s.fail; break;
        case verdict::warn: ++s.warn; break;
        case verdict::skip: ++s.skip; break;
      }
    }
  return s;
}

std::string format_time(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  auto secs = static_cast<std::time_t>(ms / 1000);
  auto frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(frac));
  return buf;
}

std::optional<std::chrono::system_clock::time_point> parse_time(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0;
  char z = 0;
  const std::string str(s);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &y, &mo, &d, &h, &mi, &sec, &ms, &z) != 8 ||
      z != 'Z' || str.size() != 24)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  const std::time_t t = timegm(&tm);
  return std::chrono::system_clock::from_time_t(t) + std::chrono::milliseconds(ms);
}

}  // namespace reports
