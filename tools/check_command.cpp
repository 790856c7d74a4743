// `kmip-harness check`: see check_command.hpp.
#include "tools/check_command.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "reports/report.hpp"
#include "vcenter_sim/check/check.hpp"

namespace kmiph::tools {
namespace {

namespace fs = std::filesystem;
namespace check = vcenter_sim::check;

constexpr int exit_failed = 1;

struct check_cli {
  std::vector<std::string> kms;
  std::string ca, cert, key;
  std::string cert_no_eku, key_no_eku, cert_kms_own, key_kms_own;
  std::string username, password_file;
  std::string restart_cmd;
  double restart_timeout_s = 60;
  std::string profile = "vcenter-7.0";
  std::string report_dir;
  bool strict = false;
  double timeout_s = 5;
  unsigned scale_keys = 50;
  unsigned latency_polls = 20;
};

common::expected<vcenter_sim::kms_server, std::string> parse_address(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return common::unexpected{"--kms must be HOST:PORT (got \"" + text + "\")"};
  int port = -1;
  try {
    std::size_t used = 0;
    port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1) port = -1;
  } catch (const std::exception&) {
  }
  if (port <= 0 || port > 65535) return common::unexpected{"--kms port must be 1..65535 (got \"" + text + "\")"};
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return vcenter_sim::kms_server{text, host, static_cast<std::uint16_t>(port)};
}

// Runs `/bin/sh -c command`, at most `deadline`; then waits (polling, bounded by the same deadline) until the KMS
// accepts TCP connections again.
common::expected<vcenter_sim::kms_server, std::string> restart(const std::string& command,
                                                               const vcenter_sim::kms_server& kms,
                                                               std::chrono::milliseconds deadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  const pid_t pid = ::fork();
  if (pid < 0) return common::unexpected{std::string("cannot start the restart command")};
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (std::chrono::steady_clock::now() > end) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return common::unexpected{"the restart command did not finish within " + std::to_string(deadline.count()) + " ms"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return common::unexpected{"the restart command failed (status " + std::to_string(status) + ")"};
  while (std::chrono::steady_clock::now() < end) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(kms.host.c_str(), std::to_string(kms.port).c_str(), &hints, &res) == 0) {
      bool up = false;
      for (addrinfo* a = res; a && !up; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) continue;
        up = ::connect(fd, a->ai_addr, a->ai_addrlen) == 0;
        ::close(fd);
      }
      ::freeaddrinfo(res);
      if (up) return kms;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return common::unexpected{"the KMS did not listen again within " + std::to_string(deadline.count()) + " ms"};
}

int run(const check_cli& c) {
  check::check_options o;
  for (std::size_t i = 0; i < c.kms.size(); ++i) {
    auto a = parse_address(c.kms[i]);
    if (!a) {
      std::cerr << "kmip-harness: check: " << a.error() << "\n";
      return exit_usage;
    }
    if (i == 0) o.kms = *a;
    else o.second_kms = *a;
  }
  o.ca_files = {c.ca};
  o.identity = {c.cert, c.key};
  if (!c.cert_no_eku.empty()) o.no_eku_identity = check::client_identity{c.cert_no_eku, c.key_no_eku};
  if (!c.cert_kms_own.empty()) o.kms_own_identity = check::client_identity{c.cert_kms_own, c.key_kms_own};
  if (!c.username.empty()) {
    o.username = c.username;
    if (!c.password_file.empty()) {
      std::ifstream in(c.password_file, std::ios::binary);
      if (!in) {
        std::cerr << "kmip-harness: check: cannot read --password-file " << c.password_file << "\n";
        return exit_bad_input;
      }
      std::string p((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      while (!p.empty() && (p.back() == '\n' || p.back() == '\r')) p.pop_back();
      o.password = std::move(p);
    }
  }
  o.profile = *vcenter_sim::parse_profile(c.profile);
  const auto timeout = std::chrono::milliseconds(static_cast<long long>(c.timeout_s * 1000));
  o.connect_timeout = timeout;
  o.io_timeout = timeout * 2;
  o.scale_keys = c.scale_keys;
  o.latency_polls = c.latency_polls;
  if (!c.restart_cmd.empty()) {
    const auto deadline = std::chrono::milliseconds(static_cast<long long>(c.restart_timeout_s * 1000));
    o.restart = [cmd = c.restart_cmd, kms = o.kms, deadline] { return restart(cmd, kms, deadline); };
  }
  o.progress = [](const reports::case_result& r) {
    std::string v(reports::to_string(r.verdict));
    for (auto& ch : v) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    std::cout << std::left << std::setw(5) << v << " " << r.name;
    if (r.verdict != reports::verdict::pass && !r.message.empty()) std::cout << "\n      " << r.message;
    std::cout << std::endl;
  };

  std::cout << "kmip-harness check: " << check::all_checks().size() << " vCenter-compatibility checks against "
            << c.kms.front() << " (profile " << c.profile << ")\n";
  auto report = check::run_checks(o);
  const auto sum = reports::summarize(report);
  std::cout << "\n" << sum.pass << " passed, " << sum.warn << " warned, " << sum.fail << " failed, " << sum.skip
            << " skipped in " << std::fixed << std::setprecision(1) << report.duration_s << " s\n";
  int status = sum.fail == 0 && (!c.strict || sum.warn == 0) ? exit_ok : exit_failed;
  if (!c.report_dir.empty()) {
    reports::junit_options jo;
    jo.warn_as_failure = c.strict;
    if (auto w = reports::write_reports(report, c.report_dir, jo); !w) {
      std::cerr << "kmip-harness: check: writing reports: " << w.error() << "\n";
      return exit_internal;
    }
    std::cout << "report: " << (fs::path(c.report_dir) / "report.html").string() << " (also junit.xml, report.json)\n";
  }
  return status;
}

}  // namespace

void add_check_command(CLI::App& app, action& chosen) {
  auto o = std::make_shared<check_cli>();
  CLI::App* s = app.add_subcommand("check", "vCenter-compatibility verdicts for a KMS (docs/checks.md)");
  s->add_option("--kms", o->kms, "HOST:PORT of the KMS; a second --kms names another node of the same cluster")
      ->required()
      ->expected(1, 2)
      ->take_all();
  s->add_option("--ca", o->ca, "CA (or pinned server certificate) of the KMS, PEM")->required()->check(CLI::ExistingFile);
  s->add_option("--cert", o->cert, "vCenter's client certificate, PEM")->required()->check(CLI::ExistingFile);
  s->add_option("--key", o->key, "its private key, PEM")->required()->check(CLI::ExistingFile);
  s->add_option("--report-dir", o->report_dir, "write junit.xml, report.json and report.html here");
  s->add_option("--profile", o->profile, "the vCenter to play (default vcenter-7.0)")
      ->check(CLI::IsMember({"vcenter-6.7", "vcenter-7.0", "vcenter-8.0"}));
  s->add_flag("--strict", o->strict, "exit 1 when any check WARNs too (JUnit then reports WARN as failure)");
  s->add_option("--cert-no-eku", o->cert_no_eku, "VC-CERT-01: a client certificate without EKU the KMS trusts")
      ->check(CLI::ExistingFile);
  s->add_option("--key-no-eku", o->key_no_eku, "its key")->check(CLI::ExistingFile);
  s->add_option("--cert-kms-own", o->cert_kms_own, "VC-CERT-02: the KMS's own certificate")->check(CLI::ExistingFile);
  s->add_option("--key-kms-own", o->key_kms_own, "its key")->check(CLI::ExistingFile);
  s->add_option("--username", o->username, "VC-AUTH-01/02: KMIP Username/Password credential user");
  s->add_option("--password-file", o->password_file, "file holding the password (trailing newline ignored)")
      ->check(CLI::ExistingFile);
  s->add_option("--restart-cmd", o->restart_cmd,
                "VC-PERSIST-01: shell command that restarts the KMS (it must listen on the same address after)");
  s->add_option("--restart-timeout", o->restart_timeout_s, "seconds for the restart and the KMS to listen again (60)")
      ->check(CLI::Range(1.0, 3600.0));
  s->add_option("--timeout", o->timeout_s, "seconds for each connect; exchanges get twice as long (5)")
      ->check(CLI::Range(0.1, 600.0));
  s->add_option("--scale-keys", o->scale_keys, "VC-SCALE-01: keys created with one x-Name (50)")->check(CLI::Range(2, 100000));
  s->add_option("--latency-polls", o->latency_polls, "VC-LAT-01: health polls measured (20)")->check(CLI::Range(1, 100000));
  s->callback([&chosen, o] {
    if (o->kms.size() > 2) throw CLI::ValidationError("--kms: at most two (a KMS and a second node of its cluster)");
    if (o->cert_no_eku.empty() != o->key_no_eku.empty()) throw CLI::ValidationError("--cert-no-eku and --key-no-eku go together");
    if (o->cert_kms_own.empty() != o->key_kms_own.empty()) throw CLI::ValidationError("--cert-kms-own and --key-kms-own go together");
    if (!o->password_file.empty() && o->username.empty()) throw CLI::ValidationError("--password-file needs --username");
    chosen = [o] { return run(*o); };
  });
}

}  // namespace kmiph::tools
