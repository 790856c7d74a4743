// report.json (docs/report-format.md): the run as versioned JSON, keys in a fixed order, and its reader.
// Strings are made valid UTF-8 first (each invalid byte becomes U+FFFD): JSON text is Unicode.
#include <nlohmann/json.hpp>

#include "reports/report.hpp"
#include "reports/text.hpp"

namespace reports {

namespace {

using ojson = nlohmann::ordered_json;

std::string u(std::string_view s) { return text::valid_utf8(s); }

struct bad : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const ojson& member(const ojson& o, const char* key, const std::string& where) {
  if (!o.is_object()) throw bad(where + ": expected an object");
  const auto it = o.find(key);
  if (it == o.end()) throw bad(where + "/" + key + ": missing");
  return *it;
}

std::string str(const ojson& o, const char* key, const std::string& where) {
  const auto& v = member(o, key, where);
  if (!v.is_string()) throw bad(where + "/" + key + ": expected a string");
  return v.get<std::string>();
}

double num(const ojson& o, const char* key, const std::string& where) {
  const auto& v = member(o, key, where);
  if (!v.is_number()) throw bad(where + "/" + key + ": expected a number");
  return v.get<double>();
}

const ojson& arr(const ojson& o, const char* key, const std::string& where) {
  const auto& v = member(o, key, where);
  if (!v.is_array()) throw bad(where + "/" + key + ": expected an array");
  return v;
}

verdict verdict_of(const ojson& o, const std::string& where) {
  const auto v = verdict_from_string(str(o, "verdict", where));
  if (!v) throw bad(where + "/verdict: expected pass, fail, warn or skip");
  return *v;
}

}  // namespace

std::string render_json(const run& r) {
  ojson j;
  j["format_version"] = format_version;
  j["tool"] = to_string(r.tool);
  j["title"] = u(r.title);
  j["started"] = format_time(r.started);
  j["duration_s"] = r.duration_s;
  j["seed"] = r.seed;
  ojson env = ojson::array();
  for (const auto& [k, v] : r.environment) env.push_back({{"name", u(k)}, {"value", u(v)}});
  j["environment"] = env;
  const auto sum = summarize(r);
  j["summary"] = {{"verdict", to_string(sum.overall())}, {"total", sum.total()}, {"pass", sum.pass},
                  {"fail", sum.fail}, {"warn", sum.warn}, {"skip", sum.skip}};
  ojson suites = ojson::array();
  for (const auto& s : r.suites) {
    ojson cases = ojson::array();
    for (const auto& c : s.cases) {
      ojson steps = ojson::array();
      for (const auto& st : c.steps) {
        ojson ev = ojson::array();
        for (const auto& e : st.evidence)
          ev.push_back({{"title", u(e.title)}, {"request", u(e.request)}, {"response", u(e.response)}});
        steps.push_back({{"name", u(st.name)}, {"verdict", to_string(st.verdict)}, {"duration_s", st.duration_s},
                         {"detail", u(st.detail)}, {"evidence", ev}});
      }
      cases.push_back({{"name", u(c.name)}, {"verdict", to_string(c.verdict)}, {"duration_s", c.duration_s},
                       {"message", u(c.message)}, {"steps", steps}});
    }
    suites.push_back({{"name", u(s.name)}, {"duration_s", s.duration_s()}, {"cases", cases}});
  }
  j["suites"] = suites;
  ojson metrics = ojson::array();
  for (const auto& m : r.metrics) {
    ojson series = ojson::array();
    for (const auto& s : m.series) {
      ojson pts = ojson::array();
      for (const auto& p : s.points) pts.push_back({p.x, p.y});
      series.push_back({{"name", u(s.name)}, {"points", pts}});
    }
    ojson cats = ojson::array();
    for (const auto& c : m.categories) cats.push_back(u(c));
    metrics.push_back({{"title", u(m.title)}, {"kind", to_string(m.kind)}, {"x_label", u(m.x_label)},
                       {"y_label", u(m.y_label)}, {"categories", cats}, {"series", series}});
  }
  j["metrics"] = metrics;
  return j.dump(2) + "\n";
}

common::expected<run, std::string> parse_json(std::string_view text) {
  try {
    const auto j = ojson::parse(text);
    if (!j.is_object()) return common::unexpected(std::string("/: expected an object"));
    const auto& fv = member(j, "format_version", "");
    if (!fv.is_number_integer() || fv.get<int>() != format_version)
      return common::unexpected("/format_version: unsupported; this reader knows " + std::to_string(format_version));
    run r;
    const auto tool = tool_from_string(str(j, "tool", ""));
    if (!tool) return common::unexpected(std::string("/tool: expected scenario, check, replay or bench"));
    r.tool = *tool;
    r.title = str(j, "title", "");
    const auto started = parse_time(str(j, "started", ""));
    if (!started) return common::unexpected(std::string("/started: expected YYYY-MM-DDTHH:MM:SS.mmmZ"));
    r.started = *started;
    r.duration_s = num(j, "duration_s", "");
    const auto& seed = member(j, "seed", "");
    if (!seed.is_number_unsigned() && !(seed.is_number_integer() && seed.get<std::int64_t>() >= 0))
      return common::unexpected(std::string("/seed: expected an unsigned integer"));
    r.seed = seed.get<std::uint64_t>();
    std::size_t i = 0;
    for (const auto& e : arr(j, "environment", "")) {
      const std::string w = "/environment/" + std::to_string(i++);
      r.environment.emplace_back(str(e, "name", w), str(e, "value", w));
    }
    i = 0;
    for (const auto& s : arr(j, "suites", "")) {
      const std::string ws = "/suites/" + std::to_string(i++);
      suite_result suite;
      suite.name = str(s, "name", ws);
      std::size_t ci = 0;
      for (const auto& c : arr(s, "cases", ws)) {
        const std::string wc = ws + "/cases/" + std::to_string(ci++);
        case_result cr;
        cr.name = str(c, "name", wc);
        cr.verdict = verdict_of(c, wc);
        cr.duration_s = num(c, "duration_s", wc);
        cr.message = str(c, "message", wc);
        std::size_t si = 0;
        for (const auto& st : arr(c, "steps", wc)) {
          const std::string wst = wc + "/steps/" + std::to_string(si++);
          step_result sr;
          sr.name = str(st, "name", wst);
          sr.verdict = verdict_of(st, wst);
          sr.duration_s = num(st, "duration_s", wst);
          sr.detail = str(st, "detail", wst);
          std::size_t ei = 0;
          for (const auto& e : arr(st, "evidence", wst)) {
            const std::string we = wst + "/evidence/" + std::to_string(ei++);
            sr.evidence.push_back(
                {str(e, "title", we), str(e, "request", we), str(e, "response", we), "Request", "Response"});
          }
          cr.steps.push_back(std::move(sr));
        }
        suite.cases.push_back(std::move(cr));
      }
      r.suites.push_back(std::move(suite));
    }
    i = 0;
    for (const auto& m : arr(j, "metrics", "")) {
      const std::string wm = "/metrics/" + std::to_string(i++);
      chart c;
      c.title = str(m, "title", wm);
      const std::string kind = str(m, "kind", wm);
      if (kind != "line" && kind != "bar") return common::unexpected(wm + "/kind: expected line or bar");
      c.kind = kind == "line" ? chart_kind::line : chart_kind::bar;
      c.x_label = str(m, "x_label", wm);
      c.y_label = str(m, "y_label", wm);
      for (const auto& cat : arr(m, "categories", wm)) {
        if (!cat.is_string()) return common::unexpected(wm + "/categories: expected strings");
        c.categories.push_back(cat.get<std::string>());
      }
      std::size_t k = 0;
      for (const auto& s : arr(m, "series", wm)) {
        const std::string wser = wm + "/series/" + std::to_string(k++);
        series se;
        se.name = str(s, "name", wser);
        for (const auto& p : arr(s, "points", wser)) {
          if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number())
            return common::unexpected(wser + "/points: expected [x, y] pairs of numbers");
          se.points.push_back({p[0].get<double>(), p[1].get<double>()});
        }
        c.series.push_back(std::move(se));
      }
      r.metrics.push_back(std::move(c));
    }
    return r;
  } catch (const bad& e) {
    return common::unexpected(std::string(e.what()));
  } catch (const nlohmann::json::exception& e) {
    return common::unexpected(std::string("not JSON: ") + e.what());
  }
}

}  // namespace reports
