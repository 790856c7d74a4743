// `kmip-harness scenario run`: see scenario_command.hpp.
#include "tools/scenario_command.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "reports/report.hpp"
#include "scenarios/embedded_kms.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_parser.hpp"

namespace kmiph::tools {
namespace {

namespace fs = std::filesystem;

// Some expectation did not hold (or a step could not run): the run's verdict, not a usage error.
constexpr int exit_failed = 1;

struct scenario_options {
  std::vector<std::string> paths;
  std::string kms, ca, cert, key;
  std::string profile;
  std::string report_dir;
  std::optional<std::uint64_t> seed;
};

int run(const scenario_options& o) {
  // Files, or folders (their *.yaml, sorted).
  std::vector<fs::path> files;
  for (const auto& p : o.paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> in;
      for (const auto& e : fs::directory_iterator(p, ec))
        if (e.is_regular_file() && e.path().extension() == ".yaml") in.push_back(e.path());
      std::sort(in.begin(), in.end());
      if (in.empty()) {
        std::cerr << "kmip-harness: scenario: " << p << ": no *.yaml files\n";
        return exit_bad_input;
      }
      files.insert(files.end(), in.begin(), in.end());
    } else {
      files.emplace_back(p);
    }
  }
  std::vector<scenarios::scenario> list;
  for (const auto& f : files) {
    auto s = scenarios::load_scenario(f);
    if (!s) {
      std::cerr << s.error().to_string() << "\n";
      return exit_bad_input;
    }
    list.push_back(std::move(*s));
  }

  const fs::path work = fs::temp_directory_path() / ("kmip-harness-scenario-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::create_directories(work, ec);
  struct cleanup {
    fs::path p;
    ~cleanup() {
      std::error_code e;
      fs::remove_all(p, e);
    }
  } remove_work{work};

  scenarios::runner_options ro;
  ro.work_dir = work;
  ro.seed = o.seed;
  ro.progress = &std::cout;
  if (!o.profile.empty()) {
    for (auto p : {scenarios::kms_profile::vcenter_6_7, scenarios::kms_profile::vcenter_7_0, scenarios::kms_profile::vcenter_8_0})
      if (scenarios::to_string(p) == o.profile) ro.profile = p;
  }
  std::string kms_text;
  if (!o.kms.empty()) {
    const auto colon = o.kms.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      std::cerr << "kmip-harness: scenario: --kms must be HOST:PORT\n";
      return exit_usage;
    }
    const std::string host = o.kms.substr(0, colon);
    int port = 0;
    try {
      port = std::stoi(o.kms.substr(colon + 1));
    } catch (const std::exception&) {
      port = -1;
    }
    if (port <= 0 || port > 65535) {
      std::cerr << "kmip-harness: scenario: --kms port must be 1..65535\n";
      return exit_usage;
    }
    kmip::net::client_tls_options tls;
    if (!o.ca.empty()) tls.ca_files = {o.ca};
    tls.cert_file = o.cert;
    tls.key_file = o.key;
    ro.kms = [host, port, tls](const std::vector<std::string>& servers, bool, std::uint64_t)
        -> common::expected<std::unique_ptr<scenarios::kms_backend>, std::string> {
      // Every server of the scenario's cluster is the one external KMS.
      return scenarios::make_external_kms(host, static_cast<std::uint16_t>(port), tls, servers);
    };
    kms_text = "external KMS " + o.kms;
  } else {
    auto pki = scenarios::make_embedded_pki(work / "pki");
    if (!pki) {
      std::cerr << "kmip-harness: scenario: " << pki.error() << "\n";
      return exit_internal;
    }
    ro.kms = scenarios::embedded_kms_factory(*pki, work);
    kms_text = "embedded kmipd (fresh store per scenario)";
  }

  std::string title = "kmip-harness scenario run";
  for (const auto& p : o.paths) title += " " + p;
  std::cout << "kmip-harness scenario run: " << list.size() << " scenario(s) against " << kms_text << "\n";
  std::vector<scenarios::scenario_outcome> outcomes;
  auto report = scenarios::run_scenarios(list, ro, title, &outcomes);
  report.environment.push_back({"KMS", kms_text});
  if (ro.profile) report.environment.push_back({"profile override", std::string(scenarios::to_string(*ro.profile))});
  if (o.seed) report.environment.push_back({"seed override", std::to_string(*o.seed)});

  const auto sum = reports::summarize(report);
  std::cout << "\n" << sum.pass << " passed, " << sum.fail << " failed, " << sum.skip << " skipped of " << sum.total()
            << " scenario(s) in " << std::fixed << std::setprecision(1) << report.duration_s << " s\n";
  for (const auto& oc : outcomes)
    if (oc.verdict == reports::verdict::fail) std::cout << "  FAIL " << oc.name << ": " << oc.result.message << "\n";
  if (!o.report_dir.empty()) {
    if (auto w = reports::write_reports(report, o.report_dir); !w) {
      std::cerr << "kmip-harness: scenario: writing reports: " << w.error() << "\n";
      return exit_internal;
    }
    std::cout << "report: " << (fs::path(o.report_dir) / "report.html").string() << " (also junit.xml, report.json)\n";
  }
  return sum.fail == 0 ? exit_ok : exit_failed;
}

}  // namespace

void add_scenario_command(CLI::App& app, action& chosen) {
  auto o = std::make_shared<scenario_options>();
  CLI::App* sc = app.add_subcommand("scenario", "run vCenter scenarios (docs/scenario-runner.md)");
  sc->require_subcommand(1);
  CLI::App* r = sc->add_subcommand("run", "run scenario files or folders of *.yaml against a KMS");
  r->add_option("paths", o->paths, "scenario files or folders")->required();
  r->add_option("--kms", o->kms, "HOST:PORT of an external KMS (default: an embedded kmipd)");
  r->add_option("--ca", o->ca, "CA (or pinned server certificate) for --kms");
  r->add_option("--cert", o->cert, "client certificate for --kms");
  r->add_option("--key", o->key, "client key for --kms");
  r->add_option("--profile", o->profile, "override every scenario's vCenter profile")
      ->check(CLI::IsMember({"vcenter-6.7", "vcenter-7.0", "vcenter-8.0"}));
  r->add_option("--report-dir", o->report_dir, "write junit.xml, report.json and report.html here");
  r->add_option("--seed", o->seed, "override every scenario's seed");
  r->callback([&chosen, o] {
    if (!o->kms.empty() && (o->cert.empty() != o->key.empty())) throw CLI::ValidationError("--cert and --key go together");
    chosen = [o] { return run(*o); };
  });
}

}  // namespace kmiph::tools
