// `kmip-harness bench`: see bench_command.hpp.
#include "tools/bench_command.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/load_generator.hpp"
#include "bench/report.hpp"
#include "reports/report.hpp"

namespace kmiph::tools {
namespace {

constexpr int exit_failed = 1;

struct bench_cli {
  std::string kms, ca, cert, key, profile, report_dir, title;
  std::vector<unsigned> connections{1};
  bool per_task = false;
  std::optional<double> rate;
  double warmup = 2, duration = 10, timeout = 5;
  std::size_t keys = 100;
  std::uint64_t seed = 1;
  std::string busy_poll = "auto";
  bool quiet = false;
};

std::chrono::milliseconds ms(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

// The progress line: on a terminal rewritten in place every second, otherwise a line every five seconds.
class progress_line {
 public:
  progress_line(const kmiph::bench::progress& p, std::string profile, double warmup, double duration)
      : p_(p), profile_(std::move(profile)), warmup_(warmup), duration_(duration), tty_(::isatty(2) == 1) {
    thread_ = std::jthread([this](std::stop_token st) { loop(st); });
  }
  ~progress_line() {
    thread_.request_stop();
    thread_.join();
    if (tty_) std::cerr << "\n";
  }

 private:
  void loop(std::stop_token st) {
    unsigned last_conn = 0;
    auto since = std::chrono::steady_clock::now();
    int tick = 0;
    std::uint64_t last_tasks = 0;
    while (!st.stop_requested()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // a display refresh, not synchronisation
      if (++tick % 5) continue;
      const unsigned conn = p_.connections.load();
      if (conn != last_conn) {
        last_conn = conn;
        since = std::chrono::steady_clock::now();
        last_tasks = 0;
      }
      const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
      const std::uint64_t tasks = p_.tasks.load();
      char line[200];
      if (p_.warming.load())
        std::snprintf(line, sizeof line, "[%s] %u conn  warming up %.0f/%.0f s", profile_.c_str(), conn, t, warmup_);
      else
        std::snprintf(line, sizeof line, "[%s] %u conn  %.0f/%.0f s  %llu tasks (%llu/s)  %llu errors  %llu timeouts",
                      profile_.c_str(), conn, std::max(0.0, t - warmup_), duration_,
                      static_cast<unsigned long long>(tasks), static_cast<unsigned long long>(tasks - last_tasks),
                      static_cast<unsigned long long>(p_.errors.load()),
                      static_cast<unsigned long long>(p_.timeouts.load()));
      last_tasks = tasks;
      if (tty_)
        std::cerr << "\r" << line << "\x1b[K" << std::flush;
      else if (tick % 25 == 0)
        std::cerr << line << "\n";
    }
  }

  const kmiph::bench::progress& p_;
  std::string profile_;
  double warmup_, duration_;
  bool tty_;
  std::jthread thread_;
};

int run(const bench_cli& c) {
  kmiph::bench::options o;
  const auto colon = c.kms.rfind(':');
  o.host = c.kms.substr(0, colon);
  o.port = static_cast<std::uint16_t>(std::stoi(c.kms.substr(colon + 1)));
  if (!c.ca.empty()) o.tls.ca_files = {c.ca};
  o.tls.cert_file = c.cert;
  o.tls.key_file = c.key;
  o.profile = *kmiph::bench::parse_profile(c.profile);
  o.mode = c.per_task ? kmiph::bench::connection_mode::per_task : kmiph::bench::connection_mode::persistent;
  o.connections = c.connections;
  o.rate = c.rate;
  o.warmup = ms(c.warmup);
  o.duration = ms(c.duration);
  o.timeout = ms(c.timeout);
  o.keys = c.keys;
  o.seed = c.seed;
  if (c.busy_poll != "auto") o.busy_poll = std::chrono::microseconds(std::stoul(c.busy_poll));

  const auto started = std::chrono::system_clock::now();
  const auto t0 = std::chrono::steady_clock::now();
  kmiph::bench::progress live;
  common::expected<kmiph::bench::result, std::string> r = common::unexpected{std::string()};
  {
    std::optional<progress_line> line;
    if (!c.quiet) line.emplace(live, c.profile, c.warmup, c.duration);
    r = kmiph::bench::run(o, &live);
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string setup_error = r ? std::string() : r.error();
  auto report = kmiph::bench::to_report(o, r ? &*r : nullptr, setup_error, c.title, started, elapsed);

  int status = exit_ok;
  if (!r) {
    std::cerr << "kmip-harness: bench: " << r.error() << "\n";
    status = exit_bad_input;
  } else {
    for (const auto& cs : report.suites.front().cases) {
      std::cout << c.profile << " " << cs.name << ": " << cs.message << "\n";
      if (cs.verdict != reports::verdict::pass) status = exit_failed;
    }
  }
  if (!c.report_dir.empty()) {
    if (auto w = reports::write_reports(report, c.report_dir); !w) {
      std::cerr << "kmip-harness: bench: writing reports: " << w.error() << "\n";
      return exit_internal;
    }
    std::cout << "report: " << (std::filesystem::path(c.report_dir) / "report.html").string()
              << " (also junit.xml, report.json)\n";
  }
  return status;
}

}  // namespace

void add_bench_command(CLI::App& app, action& chosen) {
  auto c = std::make_shared<bench_cli>();
  CLI::App* b = app.add_subcommand("bench", "KEK-throughput benchmark against a KMS (docs/benchmarks.md)");
  b->add_option("--kms", c->kms, "HOST:PORT of the KMS")->required()->check([](const std::string& s) -> std::string {
    const auto colon = s.rfind(':');
    if (colon == std::string::npos || colon == 0) return "expected HOST:PORT";
    const std::string port = s.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) < 1 || std::stoi(port) > 65535)
      return "the port must be 1..65535";
    return {};
  });
  b->add_option("--ca", c->ca, "CA (or pinned server certificate) of the KMS")->required()->check(CLI::ExistingFile);
  b->add_option("--cert", c->cert, "client certificate")->required()->check(CLI::ExistingFile);
  b->add_option("--key", c->key, "client key")->required()->check(CLI::ExistingFile);
  b->add_option("--profile", c->profile, "get, create, vcenter-power-on, vcenter-encrypt or mix")
      ->required()
      ->check(CLI::IsMember({"get", "create", "vcenter-power-on", "vcenter-encrypt", "mix"}));
  b->add_option("--connections", c->connections, "concurrent connections; a list (1,4,16) is a sweep")
      ->delimiter(',')
      ->check(CLI::Range(1u, 4096u))
      ->capture_default_str();
  b->add_flag("--per-task", c->per_task, "a new TLS connection per task (always so for the vcenter-* profiles)");
  b->add_option("--rate", c->rate, "open loop: tasks/s offered over all connections (default: closed loop)")
      ->check(CLI::PositiveNumber);
  b->add_option("--warmup", c->warmup, "seconds of warm-up before each measured interval")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  b->add_option("--duration", c->duration, "seconds measured per concurrency")
      ->check(CLI::Range(0.1, 86400.0))
      ->capture_default_str();
  b->add_option("--keys", c->keys, "size of the key set Get and vcenter-power-on pick from")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}))
      ->capture_default_str();
  b->add_option("--timeout", c->timeout, "seconds allowed for each connect and each exchange")
      ->check(CLI::Range(0.01, 600.0))
      ->capture_default_str();
  b->add_option("--seed", c->seed, "seed of the key choice and the mix")->capture_default_str();
  b->add_option("--busy-poll-us", c->busy_poll,
                 "microseconds a worker spins for its response before sleeping, 0..10000, or auto (50 while the "
                 "connections leave half the usable CPUs free, else 0)")
      ->check([](const std::string& s) -> std::string {
        if (s == "auto") return {};
        if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos ||
            std::stoul(s) > 10000)
          return "expected auto or a whole number of microseconds 0..10000, got '" + s + "'";
        return {};
      })
      ->capture_default_str();
  b->add_option("--report-dir", c->report_dir, "write junit.xml, report.json and report.html here");
  b->add_flag("--quiet", c->quiet, "no progress line");
  b->callback([&chosen, c, b] {
    c->title = "kmip-harness bench --profile " + c->profile + " --kms " + c->kms;
    if (b->count("--connections")) {
      c->title += " --connections ";
      for (std::size_t i = 0; i < c->connections.size(); ++i) c->title += (i ? "," : "") + std::to_string(c->connections[i]);
    }
    if (c->per_task) c->title += " --per-task";
    chosen = [c] { return run(*c); };
  });
}

}  // namespace kmiph::tools
