// `kmip-harness replay`: see replay_command.hpp.
#include "tools/replay_command.hpp"

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "kmip/traffic/importers.hpp"
#include "kmip/traffic/oasis_runner.hpp"
#include "kmip/traffic/replay.hpp"
#include "kmip/traffic/tls_connector.hpp"
#include "reports/report.hpp"

namespace kmiph::tools {
namespace {

namespace fs = std::filesystem;
namespace traffic = kmip::traffic;

constexpr int exit_failed = 1;

struct replay_options {
  std::string input;
  std::vector<std::string> oasis;
  std::string kms, ca, cert, key;
  bool serial = false;
  bool timing = false;
  bool shift_dates = false;
  bool no_shift_dates = false;
  std::int64_t date_tolerance = 300;
  std::vector<std::string> masks;
  std::string report_dir;
};

reports::verdict verdict_of(traffic::difference_class c) {
  switch (c) {
    case traffic::difference_class::harmless: return reports::verdict::pass;
    case traffic::difference_class::vcenter_visible: return reports::verdict::warn;
    case traffic::difference_class::breaking: return reports::verdict::fail;
  }
  return reports::verdict::fail;
}

reports::suite_result trace_suite(const traffic::connection_outcome& c) {
  reports::suite_result suite;
  suite.name = "connection " + std::to_string(c.connection) + (c.peer.empty() ? "" : " (" + c.peer + ")");
  for (const auto& e : c.exchanges) {
    reports::case_result k;
    k.name = "#" + std::to_string(e.index) + " " + e.title + (e.line ? " (line " + std::to_string(e.line) + ")" : "");
    k.duration_s = e.duration_s;
    k.verdict = (e.error.empty() && e.differences.empty()) ? reports::verdict::pass : verdict_of(e.worst());
    if (!e.error.empty()) {
      k.message = e.error;
    } else if (!e.differences.empty()) {
      k.message = std::to_string(e.differences.size()) + " difference(s), worst " +
                  std::string(traffic::to_string(e.worst()));
    }
    for (const auto& d : e.differences) {
      reports::step_result s;
      s.name = d.path;
      s.verdict = verdict_of(d.cls);
      s.detail = std::string(traffic::to_string(d.cls)) + ": " + d.why + "\nrecorded: " + d.recorded +
                 "\nreplayed: " + d.replayed;
      k.steps.push_back(std::move(s));
    }
    reports::step_result ex;
    ex.name = "exchange";
    ex.verdict = k.verdict;
    ex.detail = e.error.empty() ? "recorded and replayed responses, decoded" : e.error;
    ex.evidence.push_back(
        {"the request as sent, and the replayed response", e.request_text, e.replayed_text, "Request", "Response"});
    ex.evidence.push_back(
        {"recorded and replayed responses, side by side", e.recorded_text, e.replayed_text, "Recorded", "Replayed"});
    k.steps.push_back(std::move(ex));
    suite.cases.push_back(std::move(k));
  }
  return suite;
}

int finish(reports::run& report, const std::string& report_dir) {
  const auto sum = reports::summarize(report);
  if (!report_dir.empty()) {
    if (auto w = reports::write_reports(report, report_dir); !w) {
      std::cerr << "kmip-harness: replay: writing reports: " << w.error() << "\n";
      return exit_internal;
    }
    std::cout << "report: " << (fs::path(report_dir) / "report.html").string() << " (also junit.xml, report.json)\n";
  }
  return sum.fail == 0 ? exit_ok : exit_failed;
}

int run(const replay_options& o) {
  if (o.input.empty() == o.oasis.empty()) {
    std::cerr << "kmip-harness: replay: give either a TRACE or LOG file, or --oasis FILE...\n";
    return exit_usage;
  }
  auto target = parse_host_port(o.kms);
  if (!target) {
    std::cerr << "kmip-harness: replay: --kms must be HOST:PORT (port 1..65535)\n";
    return exit_usage;
  }
  kmip::client::connection_options co;
  co.host = target->first;
  co.port = target->second;
  if (!o.ca.empty()) co.tls.ca_files.push_back(o.ca);
  co.tls.cert_file = o.cert;
  co.tls.key_file = o.key;
  const auto connect = traffic::tls_connector(co);

  reports::run report;
  report.tool = reports::tool_kind::replay;
  report.started = std::chrono::system_clock::now();
  report.environment.push_back({"KMS", o.kms});
  const auto t0 = std::chrono::steady_clock::now();

  if (!o.oasis.empty()) {
    report.title = "kmip-harness replay --oasis";
    reports::suite_result suite;
    suite.name = "OASIS test cases";
    std::size_t pass = 0, fail = 0, skip = 0;
    for (const auto& file : o.oasis) {
      auto tc = traffic::load_test_case(file);
      if (!tc) {
        std::cerr << "kmip-harness: replay: " << tc.error() << "\n";
        return exit_bad_input;
      }
      traffic::case_result r;
      r.requests_total = tc->steps.size();
      if (auto why = traffic::skip_reason(tc->name)) {
        r.name = tc->name;
        r.outcome = traffic::verdict::skip;
        r.reason = std::string(*why);
      } else if (auto ex = connect(); !ex) {
        r.name = tc->name;
        r.outcome = traffic::verdict::fail;
        r.reason = ex.error();
      } else {
        traffic::run_options ro;
        ro.now = [] {
          return static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count());
        };
        r = traffic::run_test_case(*tc, *ex, ro);
      }
      std::cout << r.to_string() << "\n";
      reports::case_result k;
      k.name = r.name;
      k.verdict = r.outcome == traffic::verdict::pass   ? reports::verdict::pass
                  : r.outcome == traffic::verdict::skip ? reports::verdict::skip
                                                        : reports::verdict::fail;
      k.message = r.reason;
      for (const auto& m : r.mismatches)
        k.steps.push_back({m.path, reports::verdict::fail, 0, "expected " + m.expected + "\ngot " + m.got, {}});
      (r.outcome == traffic::verdict::pass ? pass : r.outcome == traffic::verdict::skip ? skip : fail) += 1;
      suite.cases.push_back(std::move(k));
    }
    std::cout << "\n" << pass << " passed, " << fail << " failed, " << skip << " skipped of " << o.oasis.size()
              << " test case(s)\n";
    report.suites.push_back(std::move(suite));
    report.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return finish(report, o.report_dir);
  }

  report.title = "kmip-harness replay " + o.input;
  std::vector<traffic::frame> frames;
  if (traffic::looks_like_trace(o.input)) {
    auto t = traffic::read_trace(o.input);
    if (!t) {
      std::cerr << "kmip-harness: replay: " << t.error() << "\n";
      return exit_bad_input;
    }
    frames = std::move(*t);
  } else {
    auto log = traffic::import_pykmip_log(o.input);
    if (!log) {
      std::cerr << "kmip-harness: replay: " << log.error() << "\n";
      return exit_bad_input;
    }
    for (const auto& s : log->skipped) std::cout << "skipped: " << s << "\n";
    frames = std::move(log->frames);
  }
  traffic::replay_options ro;
  ro.serial = o.serial;
  ro.timing = o.timing;
  ro.dates = o.shift_dates ? traffic::date_shift::all
             : o.no_shift_dates ? traffic::date_shift::none
                                : traffic::date_shift::marked;
  ro.date_tolerance = o.date_tolerance;
  for (const auto& m : o.masks) {
    auto rule = traffic::parse_mask_rule(m);
    if (!rule) {
      std::cerr << "kmip-harness: replay: " << rule.error() << "\n";
      return exit_usage;
    }
    ro.masks.push_back(std::move(*rule));
  }
  report.environment.push_back({"input", o.input});
  report.environment.push_back({"mode", o.serial ? "serialised" : "connections in parallel as recorded"});
  for (const auto& m : o.masks) report.environment.push_back({"mask", m});

  auto result = traffic::replay(frames, connect, ro);
  for (const auto& n : result.notes) std::cout << "note: " << n << "\n";
  if (result.dates_shifted_by != 0)
    std::cout << "relative dates shifted by " << result.dates_shifted_by << " s (replay start - recording start)\n";
  report.environment.push_back({"dates", o.shift_dates ? "every Date-Time shifted"
                                         : o.no_shift_dates ? "sent as recorded"
                                                            : "marked $NOW dates shifted by " +
                                                                  std::to_string(result.dates_shifted_by) + " s"});
  for (const auto& c : result.connections) {
    for (const auto& e : c.exchanges) {
      if (!e.error.empty())
        std::cout << "connection " << c.connection << " #" << e.index << " " << e.title << ": breaking: " << e.error
                  << "\n";
      for (const auto& d : e.differences)
        std::cout << "connection " << c.connection << " #" << e.index << " " << e.title << ": "
                  << traffic::to_string(d.cls) << ": " << d.path << ": recorded " << d.recorded << ", replayed "
                  << d.replayed << " (" << d.why << ")\n";
    }
    report.suites.push_back(trace_suite(c));
  }
  const auto s = result.summarize();
  std::cout << "\n" << s.exchanges << " exchange(s): " << s.identical << " identical, " << s.harmless
            << " harmless, " << s.vcenter_visible << " vcenter-visible, " << s.breaking << " breaking\n";
  report.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  finish(report, o.report_dir);
  return s.breaking == 0 ? exit_ok : exit_failed;
}

}  // namespace

std::optional<std::pair<std::string, std::uint16_t>> parse_host_port(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return std::nullopt;
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  for (std::size_t i = colon + 1; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9' || port > 65535) return std::nullopt;
    port = port * 10 + (text[i] - '0');
  }
  if (port < 1 || port > 65535) return std::nullopt;
  return std::pair{host, static_cast<std::uint16_t>(port)};
}

void add_replay_command(CLI::App& app, action& chosen) {
  auto o = std::make_shared<replay_options>();
  CLI::App* r = app.add_subcommand(
      "replay", "replay a trace or PyKMIP log against a KMS, or run OASIS test cases (docs/trace-format.md)");
  r->add_option("input", o->input, "trace file (JSON Lines) or PyKMIP server DEBUG log");
  r->add_option("--oasis", o->oasis, "OASIS KMIP test-case files (KMIP XML encoding) to run instead");
  r->add_option("--kms", o->kms, "HOST:PORT of the KMS to replay against")->required();
  r->add_option("--ca", o->ca, "CA (or pinned server certificate) for --kms");
  r->add_option("--cert", o->cert, "client certificate for --kms");
  r->add_option("--key", o->key, "client key for --kms");
  r->add_flag("--serial", o->serial, "one connection at a time, requests in recorded order");
  r->add_flag("--timing", o->timing, "send each request at its recorded offset from the first");
  auto* shift = r->add_flag("--shift-dates", o->shift_dates,
                             "treat every recorded Date-Time as relative: shift it by (replay start - recording "
                             "start) and compare responses within --date-tolerance");
  r->add_flag("--no-shift-dates", o->no_shift_dates,
              "send every Date-Time as recorded, even those an imported test case marks as $NOW")
      ->excludes(shift);
  r->add_option("--date-tolerance", o->date_tolerance,
                "seconds a relative Date-Time in a response may differ from the shifted one")
      ->capture_default_str();
  r->add_option("--mask", o->masks, "extra mask rule TAG[@ATTRIBUTE][:any-value|may-be-absent|may-be-extra]");
  r->add_option("--report-dir", o->report_dir, "write junit.xml, report.json and report.html here");
  r->callback([o, &chosen] { chosen = [o] { return run(*o); }; });
}

}  // namespace kmiph::tools
