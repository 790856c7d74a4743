// Figures to report model. Chart titles are part of the report's contract for bench (docs/benchmarks.md).
#include "bench/report.hpp"

#include <cstdio>
#include <set>
#include <thread>

namespace kmiph::bench {
namespace {

constexpr double ns_per_ms = 1e6;

struct pct {
  const char* name;
  double q;
};
constexpr pct percentiles[] = {{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p99.9", 0.999}};

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string latency_line(const histogram& h) {
  std::string s;
  for (const auto& p : percentiles) s += std::string(p.name) + " " + format_ns(h.percentile(p.q)) + ", ";
  return s + "max " + format_ns(h.max());
}

std::string label(unsigned connections) {
  return std::to_string(connections) + (connections == 1 ? " connection" : " connections");
}

}  // namespace

std::string format_ns(std::uint64_t ns) {
  if (ns >= 1'000'000'000) return fixed(static_cast<double>(ns) / 1e9, 2) + " s";
  if (ns >= 1'000'000) return fixed(static_cast<double>(ns) / 1e6, 2) + " ms";
  return fixed(static_cast<double>(ns) / 1e3, 1) + " us";
}

reports::run to_report(const options& o, const result* r, const std::string& setup_error, const std::string& title,
                       std::chrono::system_clock::time_point started, double duration_s) {
  reports::run run;
  run.tool = reports::tool_kind::bench;
  run.title = title;
  run.started = started;
  run.duration_s = duration_s;
  run.seed = o.seed;
  auto& env = run.environment;
  env.push_back({"KMS", o.host + ":" + std::to_string(o.port)});
  env.push_back({"profile", std::string(to_string(o.profile))});
  env.push_back({"connection mode", std::string(to_string(is_vcenter(o.profile) ? connection_mode::per_task : o.mode))});
  env.push_back({"loop", o.rate ? "open, " + fixed(*o.rate, 1) + " tasks/s offered" : std::string("closed")});
  env.push_back({"warm-up", fixed(static_cast<double>(o.warmup.count()) / 1000, 1) + " s"});
  env.push_back({"duration", fixed(static_cast<double>(o.duration.count()) / 1000, 1) + " s per concurrency"});
  env.push_back({"timeout", fixed(static_cast<double>(o.timeout.count()) / 1000, 1) + " s"});
  env.push_back({"keys", std::to_string(r ? r->keys : 0)});
  if (r) env.push_back({"TLS", r->tls_session});
  if (r) env.push_back({"set-up", fixed(r->setup_seconds, 2) + " s"});
  env.push_back({"generator host", std::to_string(std::thread::hardware_concurrency()) + " hardware threads, " +
                                       std::to_string(usable_cpus()) + " usable by the generator"});
  env.push_back({"generator busy polling",
                 o.busy_poll ? std::to_string(o.busy_poll->count()) + " us"
                             : std::string("auto (50 us while connections x 2 <= usable hardware threads, else none)")});

  reports::suite_result suite;
  suite.name = std::string(to_string(o.profile));
  if (!setup_error.empty()) {
    reports::case_result c;
    c.name = "set-up";
    c.verdict = reports::verdict::fail;
    c.message = setup_error;
    suite.cases.push_back(std::move(c));
    run.suites.push_back(std::move(suite));
    return run;
  }

  reports::chart throughput{"Throughput against concurrency", reports::chart_kind::line, "connections", "per second", {}, {}};
  reports::series ops{"ops/s", {}}, hs{"handshakes/s", {}};
  reports::chart by_conc{"Latency against concurrency (ms)", reports::chart_kind::line, "connections", "ms", {}, {}};
  std::vector<reports::series> pct_series;
  for (const auto& p : percentiles) pct_series.push_back({p.name, {}});
  pct_series.push_back({"max", {}});
  reports::chart bars{"Latency percentiles (ms)", reports::chart_kind::bar, "percentile", "ms",
                      {"p50", "p90", "p99", "p99.9", "max"}, {}};
  reports::chart dist{"Latency distribution (cumulative)", reports::chart_kind::line, "latency (ms)", "fraction of tasks", {}, {}};
  reports::chart failures{"Errors, timeouts and late tasks", reports::chart_kind::line, "connections", "tasks", {}, {}};
  reports::series err{"errors", {}}, to{"timeouts", {}}, late{"late", {}};
  reports::chart reasons{"Errors by Result Reason", reports::chart_kind::bar, "reason", "tasks", {}, {}};
  std::set<std::string> all_reasons;
  for (const auto& p : r->points)
    for (const auto& [k, v] : p.errors_by_reason) all_reasons.insert(k);
  reasons.categories.assign(all_reasons.begin(), all_reasons.end());

  for (const auto& p : r->points) {
    const double x = p.connections;
    ops.points.push_back({x, p.ops_per_second()});
    hs.points.push_back({x, p.handshakes_per_second()});
    for (std::size_t i = 0; i < std::size(percentiles); ++i)
      pct_series[i].points.push_back({x, static_cast<double>(p.latency.percentile(percentiles[i].q)) / ns_per_ms});
    pct_series.back().points.push_back({x, static_cast<double>(p.latency.max()) / ns_per_ms});
    reports::series b{label(p.connections), {}};
    double i = 0;
    for (const auto& q : percentiles) b.points.push_back({i++, static_cast<double>(p.latency.percentile(q.q)) / ns_per_ms});
    b.points.push_back({i, static_cast<double>(p.latency.max()) / ns_per_ms});
    bars.series.push_back(std::move(b));
    reports::series d{label(p.connections), {}};
    for (const auto& [ns, f] : p.latency.cumulative()) d.points.push_back({static_cast<double>(ns) / ns_per_ms, f});
    dist.series.push_back(std::move(d));
    err.points.push_back({x, static_cast<double>(p.errors)});
    to.points.push_back({x, static_cast<double>(p.timeouts)});
    late.points.push_back({x, static_cast<double>(p.late)});
    reports::series rs{label(p.connections), {}};
    double j = 0;
    for (const auto& reason : reasons.categories) {
      auto it = p.errors_by_reason.find(reason);
      rs.points.push_back({j++, it == p.errors_by_reason.end() ? 0.0 : static_cast<double>(it->second)});
    }
    reasons.series.push_back(std::move(rs));

    reports::case_result c;
    c.name = label(p.connections);
    c.duration_s = p.seconds;
    c.verdict = p.ok == 0 ? reports::verdict::fail : (p.errors || p.late) ? reports::verdict::warn : reports::verdict::pass;
    c.message = fixed(p.ops_per_second(), 1) + " ops/s, " + latency_line(p.latency) + "; " + std::to_string(p.errors) +
                " errors (" + std::to_string(p.timeouts) + " timeouts)";
    if (p.handshakes) c.message += ", " + fixed(p.handshakes_per_second(), 1) + " handshakes/s";
    if (p.late) c.message += ", " + std::to_string(p.late) + " late";
    if (p.busy_poll.count() > 0) c.message += "; generator busy-polled " + std::to_string(p.busy_poll.count()) + " us";
    for (const auto& [name, f] : p.operations) {
      reports::step_result s;
      s.name = name;
      s.duration_s = p.seconds;
      s.detail = std::to_string(f.ok) + " ok, " + fixed(p.seconds > 0 ? static_cast<double>(f.ok) / p.seconds : 0, 1) +
                 " ops/s; latency " + latency_line(f.latency);
      c.steps.push_back(std::move(s));
    }
    if (p.errors) {
      reports::step_result s;
      s.name = "errors";
      s.verdict = p.ok ? reports::verdict::warn : reports::verdict::fail;
      for (const auto& [k, v] : p.errors_by_reason) s.detail += k + ": " + std::to_string(v) + "\n";
      s.detail += "first: " + p.first_error;
      c.steps.push_back(std::move(s));
    }
    suite.cases.push_back(std::move(c));
  }
  throughput.series = {std::move(ops)};
  if (is_vcenter(o.profile) || o.mode == connection_mode::per_task) throughput.series.push_back(std::move(hs));
  by_conc.series = std::move(pct_series);
  failures.series = {std::move(err), std::move(to), std::move(late)};
  run.metrics = {std::move(throughput), std::move(by_conc), std::move(bars), std::move(dist), std::move(failures)};
  if (!reasons.categories.empty()) run.metrics.push_back(std::move(reasons));
  run.suites.push_back(std::move(suite));
  return run;
}

}  // namespace kmiph::bench
