// `kmip-harness bench` end to end against the real kmipd process (tests/kmipd): every profile runs briefly and its
// report.json must be complete; bad options are refused naming the option; a KMS that accepts TCP but never
// answers yields a report of timeouts within the run's bounds. Not a timed test: only completeness is checked.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "reports/report.hpp"
#include "tests/kmipd/kmipd_process.hpp"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using tests::kmipd::kmipd_process;

class BenchCommand : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto p = kmipd_process::create();
    ASSERT_TRUE(p) << p.error();
    kms_ = p->release();
    auto err = kms_->start();
    ASSERT_FALSE(err) << *err;
  }
  static void TearDownTestSuite() {
    delete kms_;
    kms_ = nullptr;
  }

  // Runs kmip-harness bench with `args` after the connection options; returns the exit status.
  int bench(const std::vector<std::string>& args, std::string& output, std::uint16_t port = 0) {
    std::vector<std::string> argv{tests::kmipd::harness_executable().string(), "bench",
                                  "--kms", "127.0.0.1:" + std::to_string(port ? port : kms_->kmip_port()),
                                  "--ca", kms_->pki().ca_cert.string(),
                                  "--cert", kms_->pki().client_cert.string(),
                                  "--key", kms_->pki().client_key.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    const fs::path out = kms_->dir() / "bench-output.txt";
    const int status = tests::kmipd::run_program(argv, out, 120s);
    output = tests::kmipd::slurp(out);
    return status;
  }

  fs::path report_dir(const std::string& name) { return kms_->dir() / ("bench-" + name); }

  static kmipd_process* kms_;
};
kmipd_process* BenchCommand::kms_ = nullptr;

const reports::chart* find_chart(const reports::run& r, std::string_view title) {
  for (const auto& c : r.metrics)
    if (c.title == title) return &c;
  return nullptr;
}

class EveryProfile : public BenchCommand, public ::testing::WithParamInterface<const char*> {};

TEST_P(EveryProfile, RunsAgainstKmipdAndWritesACompleteReport) {
  const std::string profile = GetParam();
  const fs::path dir = report_dir(profile);
  std::string output;
  const int status = bench({"--profile", profile, "--connections", "1,2", "--warmup", "0.2", "--duration", "0.5",
                            "--keys", "5", "--report-dir", dir.string(), "--quiet"},
                           output);
  EXPECT_EQ(status, 0) << output;
  auto run = reports::parse_json(tests::kmipd::slurp(dir / "report.json"));
  ASSERT_TRUE(run) << run.error();
  EXPECT_EQ(run->tool, reports::tool_kind::bench);
  ASSERT_EQ(run->suites.size(), 1u);
  EXPECT_EQ(run->suites[0].name, profile);
  ASSERT_EQ(run->suites[0].cases.size(), 2u) << "one case per concurrency of the sweep";
  for (const auto& c : run->suites[0].cases) {
    EXPECT_EQ(c.verdict, reports::verdict::pass) << c.name << ": " << c.message;
    EXPECT_NE(c.message.find("ops/s"), std::string::npos);
    EXPECT_NE(c.message.find("p99.9"), std::string::npos);
    EXPECT_FALSE(c.steps.empty()) << "per-operation figures";
  }
  for (const char* title : {"Throughput against concurrency", "Latency against concurrency (ms)",
                            "Latency percentiles (ms)", "Latency distribution (cumulative)",
                            "Errors, timeouts and late tasks"}) {
    const auto* chart = find_chart(*run, title);
    ASSERT_NE(chart, nullptr) << title;
    ASSERT_FALSE(chart->series.empty()) << title;
    for (const auto& s : chart->series) EXPECT_FALSE(s.points.empty()) << title << " / " << s.name;
  }
  const auto* tp = find_chart(*run, "Throughput against concurrency");
  ASSERT_EQ(tp->series[0].points.size(), 2u);
  for (const auto& pt : tp->series[0].points) EXPECT_GT(pt.y, 0) << "ops/s at " << pt.x << " connections";
  if (profile.rfind("vcenter-", 0) == 0) {
    ASSERT_EQ(tp->series.size(), 2u) << "handshakes/s for the connection-per-task profiles";
    for (const auto& pt : tp->series[1].points) EXPECT_GT(pt.y, 0);
  }
  const auto* latency = find_chart(*run, "Latency percentiles (ms)");
  EXPECT_EQ(latency->categories, (std::vector<std::string>{"p50", "p90", "p99", "p99.9", "max"}));
  for (const auto& s : latency->series) {
    ASSERT_EQ(s.points.size(), 5u);
    for (std::size_t i = 1; i < 5; ++i) EXPECT_LE(s.points[i - 1].y, s.points[i].y) << "percentiles are monotonic";
  }
  EXPECT_TRUE(fs::exists(dir / "report.html"));
  EXPECT_TRUE(fs::exists(dir / "junit.xml"));
}

INSTANTIATE_TEST_SUITE_P(Profiles, EveryProfile,
                         ::testing::Values("get", "create", "vcenter-power-on", "vcenter-encrypt", "mix"),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           for (auto& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

TEST_F(BenchCommand, OpenLoopAndConnectionPerTask) {
  const fs::path dir = report_dir("open-loop");
  std::string output;
  EXPECT_EQ(bench({"--profile", "get", "--per-task", "--rate", "50", "--connections", "2", "--warmup", "0",
                   "--duration", "0.5", "--keys", "3", "--report-dir", dir.string(), "--quiet"},
                  output),
            0)
      << output;
  auto run = reports::parse_json(tests::kmipd::slurp(dir / "report.json"));
  ASSERT_TRUE(run) << run.error();
  const auto* tp = find_chart(*run, "Throughput against concurrency");
  ASSERT_NE(tp, nullptr);
  ASSERT_EQ(tp->series.size(), 2u);
  EXPECT_GT(tp->series[1].points.at(0).y, 0) << "a handshake per task";
}

// The workers' busy polling is chosen per concurrency and said in the report: explicit here, and the environment
// table says which rule chose it.
TEST_F(BenchCommand, BusyPollingIsReportedPerConcurrency) {
  for (const std::string spin : {"0", "100"}) {
    const fs::path dir = report_dir("busy-poll-" + spin);
    std::string output;
    ASSERT_EQ(bench({"--profile", "get", "--busy-poll-us", spin, "--connections", "1,2", "--warmup", "0",
                     "--duration", "0.3", "--keys", "3", "--report-dir", dir.string(), "--quiet"},
                    output),
              0)
        << output;
    auto run = reports::parse_json(tests::kmipd::slurp(dir / "report.json"));
    ASSERT_TRUE(run) << run.error();
    bool listed = false;
    for (const auto& [k, v] : run->environment)
      if (k == "generator busy polling") listed = (v == spin + " us");
    EXPECT_TRUE(listed) << "the environment table names the setting";
    ASSERT_EQ(run->suites.at(0).cases.size(), 2u);
    for (const auto& c : run->suites[0].cases) {
      EXPECT_EQ(c.verdict, reports::verdict::pass) << c.message;
      const bool said = c.message.find("generator busy-polled 100 us") != std::string::npos;
      EXPECT_EQ(said, spin == "100") << c.message;
    }
  }
}

TEST_F(BenchCommand, BadOptionsNameTheOption) {
  struct bad {
    std::vector<std::string> args;
    std::string names;
  };
  const std::vector<bad> cases = {
      {{"--profile", "storm"}, "--profile"},
      {{"--profile", "get", "--connections", "0"}, "--connections"},
      {{"--profile", "get", "--connections", "1,x"}, "--connections"},
      {{"--profile", "get", "--rate", "-3"}, "--rate"},
      {{"--profile", "get", "--duration", "0"}, "--duration"},
      {{"--profile", "get", "--timeout", "abc"}, "--timeout"},
      {{"--profile", "get", "--busy-poll-us", "20000"}, "--busy-poll-us"},
      {{"--profile", "get", "--busy-poll-us", "fast"}, "--busy-poll-us"},
  };
  for (const auto& c : cases) {
    std::string output;
    EXPECT_EQ(bench(c.args, output), 1) << output;
    EXPECT_NE(output.find(c.names), std::string::npos) << output;
  }
  std::string output;
  const std::vector<std::string> argv{tests::kmipd::harness_executable().string(), "bench", "--kms", "localhost",
                                      "--ca", kms_->pki().ca_cert.string(), "--cert", kms_->pki().client_cert.string(),
                                      "--key", kms_->pki().client_key.string(), "--profile", "get"};
  const fs::path out = kms_->dir() / "bad-kms.txt";
  EXPECT_EQ(tests::kmipd::run_program(argv, out, 30s), 1);
  EXPECT_NE(tests::kmipd::slurp(out).find("--kms"), std::string::npos) << tests::kmipd::slurp(out);
}

// A "KMS" that accepts TCP connections and never says a word: the set-up's TLS handshake times out; the command
// ends within its timeout and still writes a report saying why.
TEST_F(BenchCommand, ASilentKmsEndsInTimeAndIsReported) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  const fs::path dir = report_dir("silent");
  std::string output;
  const auto t0 = std::chrono::steady_clock::now();
  const int status = bench({"--profile", "get", "--timeout", "0.3", "--duration", "0.5", "--warmup", "0",
                            "--report-dir", dir.string(), "--quiet"},
                           output, ntohs(a.sin_port));
  const auto took = std::chrono::steady_clock::now() - t0;
  ::close(fd);
  EXPECT_EQ(status, 2) << output;
  EXPECT_NE(output.find("timeout"), std::string::npos) << output;
  EXPECT_LT(took, 20s);  // a bound on the wait, generous for a loaded CI machine; not a performance figure
  auto run = reports::parse_json(tests::kmipd::slurp(dir / "report.json"));
  ASSERT_TRUE(run) << run.error();
  ASSERT_EQ(run->suites.at(0).cases.size(), 1u);
  EXPECT_EQ(run->suites[0].cases[0].verdict, reports::verdict::fail);
  EXPECT_NE(run->suites[0].cases[0].message.find("timeout"), std::string::npos);
}

}  // namespace
