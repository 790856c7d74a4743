// The runner against the embedded kmipd: every shipped scenario passes, and each expectation kind is shown able
// to fail at the right step (altered scenarios), reports are written and read back, and an unreachable or
// uncontrollable KMS gives failed or skipped steps with the reason, quickly.
#include "scenarios/runner.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>

#include "scenarios/embedded_kms.hpp"
#include "scenarios/scenario_parser.hpp"

namespace scenarios {
namespace {

namespace fs = std::filesystem;

fs::path work_root() {
  static const fs::path p = [] {
    auto d = fs::temp_directory_path() / ("kmiph_scenario_runner_test-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return p;
}

const embedded_pki& pki() {
  static const embedded_pki p = [] {
    auto r = make_embedded_pki(work_root() / "pki");
    if (!r) throw std::runtime_error(r.error());
    return *r;
  }();
  return p;
}

runner_options options() {
  runner_options o;
  o.kms = embedded_kms_factory(pki(), work_root());
  o.work_dir = work_root();
  return o;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

scenario parse(const std::string& yaml, const std::string& file) {
  auto s = parse_scenario(yaml, file);
  if (!s) throw std::runtime_error(s.error().to_string());
  return *s;
}

// `yaml` with `from` replaced by `to` (which must occur).
std::string alter(std::string yaml, const std::string& from, const std::string& to) {
  const auto at = yaml.find(from);
  if (at == std::string::npos) throw std::runtime_error("alteration target not found: " + from);
  return yaml.replace(at, from.size(), to);
}

std::string shipped(const std::string& name) { return read_text(fs::path(KMIPH_SCENARIOS_DIR) / name); }

TEST(ScenarioRunner, EveryShippedScenarioPasses) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(KMIPH_SCENARIOS_DIR))
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 10u);
  for (const auto& f : files) {
    SCOPED_TRACE(f.string());
    auto s = load_scenario(f);
    ASSERT_TRUE(s) << s.error().to_string();
    auto o = run_scenario(*s, options());
    EXPECT_EQ(o.verdict, reports::verdict::pass) << o.failed_step_name << ": " << o.message;
    EXPECT_FALSE(o.failed_step);
    if (s->name == "scale-500-vms") {
      ASSERT_EQ(o.rates.size(), 2u);  // encryptions, power-ons
      EXPECT_GT(o.rates[0].second, 0);
    }
  }
}

// The kill-switch without its revoke: the first expectation that depends on it fails (the key is merely not in
// the rebooted host's cache); without that one, the refused power-on is not refused.
TEST(ScenarioRunner, KillSwitchWithoutRevokeFailsAtTheRightStep) {
  const std::string revoke =
      "  - name: revoke the KEK of vm-1\n"
      "    revoke_key: {vm: vm-1, reason: key_compromise}\n"
      "    expect: {vm: vm-1, vm_state: powered_on, key_state: KeyStateNotActiveOrEnabled}\n";
  auto yaml = alter(shipped("revocation-kill-switch.yaml"), revoke, "");
  auto o = run_scenario(parse(yaml, "kill-switch-no-revoke.yaml"), options());
  ASSERT_EQ(o.verdict, reports::verdict::fail);
  ASSERT_TRUE(o.failed_step);
  EXPECT_EQ(*o.failed_step, 7u);
  EXPECT_EQ(o.failed_step_name, "reboot_host esxi-1");
  EXPECT_NE(o.message.find("expected KeyStateNotActiveOrEnabled, got KeyStateMissingInCache"), std::string::npos) << o.message;

  yaml = alter(yaml, "expect: {vm: vm-1, vm_state: powered_off, key_state: KeyStateNotActiveOrEnabled}",
               "expect: {vm: vm-1, vm_state: powered_off}");
  o = run_scenario(parse(yaml, "kill-switch-no-revoke-2.yaml"), options());
  ASSERT_TRUE(o.failed_step);
  EXPECT_EQ(*o.failed_step, 8u);
  EXPECT_EQ(o.failed_step_name, "power-on refused as locked");
  EXPECT_NE(o.message.find("expected the step to fail with 'locked', but it succeeded"), std::string::npos) << o.message;
  // The report: the failing step is marked, the later ones not run.
  ASSERT_EQ(o.result.steps.size(), 1u + 11u);  // setup + steps
  EXPECT_EQ(o.result.steps[1 + 8].verdict, reports::verdict::fail);
  EXPECT_EQ(o.result.steps[1 + 9].verdict, reports::verdict::skip);
  EXPECT_NE(o.result.steps[1 + 9].detail.find("not run"), std::string::npos);
}

// Key persistence is what lets the revoked VM power on after the reboot: without it, that step fails as locked.
TEST(ScenarioRunner, KeyPersistenceRemovedLocksTheVm) {
  auto yaml = alter(shipped("key-persistence.yaml"), "  - name: esxi-tpm\n    key_persistence: true\n",
                    "  - name: esxi-tpm\n");
  auto o = run_scenario(parse(yaml, "key-persistence-off.yaml"), options());
  ASSERT_TRUE(o.failed_step);
  EXPECT_EQ(*o.failed_step, 12u);
  EXPECT_EQ(o.failed_step_name, "the persisted KEK powers the VM on without the KMS");
  EXPECT_NE(o.message.find("locked"), std::string::npos) << o.message;
}

TEST(ScenarioRunner, WrongDataExpectationFails) {
  auto yaml = alter(shipped("power-on.yaml"), "guest_read: {vm: vm-1, offset: 0, length: 64KiB, pattern: 1}",
                    "guest_read: {vm: vm-1, offset: 0, length: 64KiB, pattern: 9}");
  auto o = run_scenario(parse(yaml, "power-on-wrong-data.yaml"), options());
  ASSERT_TRUE(o.failed_step);
  EXPECT_EQ(*o.failed_step, 4u);
  EXPECT_EQ(o.failed_step_name, "guest_read vm-1");
  EXPECT_NE(o.message.find("data: expected intact"), std::string::npos) << o.message;

  // At rest: a locked VM whose KEK was destroyed is not "intact".
  yaml = alter(shipped("destroyed-key.yaml"), "expect: {data: unreadable}", "expect: {data: intact}");
  o = run_scenario(parse(yaml, "destroyed-key-intact.yaml"), options());
  ASSERT_TRUE(o.failed_step);
  EXPECT_EQ(*o.failed_step, 12u);
  EXPECT_EQ(o.failed_step_name, "the data is gone with the key");
}

// A KMS that lost a key: destroyed behind vCenter's back while the host was down.
TEST(ScenarioRunner, KeyLostOnTheKmsFailsTheNextFetch) {
  auto yaml = alter(shipped("power-on.yaml"), "  - name: power-on fetches the KEK from the KMS again\n",
                    "  - name: the KMS loses the key\n    destroy_key: {vm: vm-1}\n"
                    "  - name: power-on fetches the KEK from the KMS again\n");
  auto o = run_scenario(parse(yaml, "power-on-lost-key.yaml"), options());
  ASSERT_TRUE(o.failed_step);
  EXPECT_EQ(*o.failed_step, 10u);
  EXPECT_EQ(o.failed_step_name, "power-on fetches the KEK from the KMS again");
  EXPECT_NE(o.message.find("KeyStateMissingInKMS"), std::string::npos) << o.message;
  // Evidence: the decoded Get that the KMS refused.
  const auto& st = o.result.steps.at(1 + 10);
  ASSERT_FALSE(st.evidence.empty());
  bool refused_get = false;
  for (const auto& e : st.evidence)
    if (e.title.find("Get") != std::string::npos && e.response.find("Item Not Found") != std::string::npos) refused_get = true;
  EXPECT_TRUE(refused_get);
}

TEST(ScenarioRunner, WrongKmsResultAndHostStateFail) {
  auto yaml = alter(shipped("host-encryption-core-dump.yaml"),
                    "expect: {host_crypto_state: safe, key_state: available, kms_result: Success}",
                    "expect: {host_crypto_state: safe, key_state: available, kms_result: ItemNotFound}");
  auto o = run_scenario(parse(yaml, "hostenc-kms-result.yaml"), options());
  ASSERT_TRUE(o.failed_step);
  EXPECT_EQ(*o.failed_step, 1u);
  EXPECT_NE(o.message.find("kms_result: expected ItemNotFound, got Success"), std::string::npos) << o.message;

  yaml = alter(shipped("host-encryption-core-dump.yaml"), "expect: {host_crypto_state: incapable}",
               "expect: {host_crypto_state: safe}");
  o = run_scenario(parse(yaml, "hostenc-state.yaml"), options());
  ASSERT_TRUE(o.failed_step);
  EXPECT_EQ(*o.failed_step, 0u);
  EXPECT_NE(o.message.find("expected safe, got incapable"), std::string::npos) << o.message;
}

TEST(ScenarioRunner, ReportsAreWrittenAndParse) {
  std::vector<scenario> list{parse(shipped("power-on.yaml"), "power-on.yaml"),
                             parse(alter(shipped("power-on.yaml"), "pattern: 1}\n    expect: {data: intact}",
                                         "pattern: 3}\n    expect: {data: intact}"),
                                   "power-on-bad.yaml")};
  list[1].name = "power-on-bad";
  std::vector<scenario_outcome> outcomes;
  auto run = run_scenarios(list, options(), "runner test", &outcomes);
  const auto dir = work_root() / "reports";
  ASSERT_TRUE(reports::write_reports(run, dir));
  for (const char* f : {"junit.xml", "report.json", "report.html"}) EXPECT_TRUE(fs::exists(dir / f)) << f;
  auto back = reports::parse_json(read_text(dir / "report.json"));
  ASSERT_TRUE(back) << back.error();
  ASSERT_EQ(back->suites.size(), 1u);
  ASSERT_EQ(back->suites[0].cases.size(), 2u);
  EXPECT_EQ(back->suites[0].cases[0].verdict, reports::verdict::pass);
  EXPECT_EQ(back->suites[0].cases[1].verdict, reports::verdict::fail);
  const auto* d = back->suites[0].cases[1].deciding_step();
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->name, "guest_read vm-1");
  EXPECT_NE(read_text(dir / "junit.xml").find("guest_read vm-1"), std::string::npos);
}

TEST(ScenarioRunner, UnreachableKmsFailsQuicklyWithTheReason) {
  runner_options o = options();
  o.kms = [](const std::vector<std::string>&, bool, std::uint64_t)
      -> common::expected<std::unique_ptr<kms_backend>, std::string> {
    kmip::net::client_tls_options tls;
    tls.ca_files = {pki().ca_cert.string()};
    tls.cert_file = pki().client_cert.string();
    tls.key_file = pki().client_key.string();
    return make_external_kms("127.0.0.1", 1, tls);  // nothing listens on port 1
  };
  const auto t0 = std::chrono::steady_clock::now();
  auto out = run_scenario(parse(shipped("power-on.yaml"), "power-on.yaml"), o);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_EQ(out.verdict, reports::verdict::fail);
  EXPECT_FALSE(out.failed_step);  // setup failed: adding the KMS cluster
  EXPECT_NE(out.message.find("KeyStateClusterUnreachable"), std::string::npos) << out.message;
  ASSERT_FALSE(out.result.steps.empty());
  EXPECT_EQ(out.result.steps[0].verdict, reports::verdict::fail);
}

// Against a KMS the harness does not control, KMS-side faults are SKIPs with the reason, never silent.
TEST(ScenarioRunner, KmsFaultsOnAnExternalKmsAreSkipped) {
  struct holder final : kms_backend {
    std::unique_ptr<kms_backend> embedded, external;
    std::vector<kms_endpoint> endpoints() const override { return external->endpoints(); }
    kmip::net::client_tls_options tls() const override { return external->tls(); }
    std::string describe() const override { return external->describe(); }
    bool controllable(std::string& why) const override { return external->controllable(why); }
    common::expected<void, std::string> stop(std::size_t i) override { return external->stop(i); }
    common::expected<void, std::string> start(std::size_t i) override { return external->start(i); }
    common::expected<void, std::string> partition(std::size_t i) override { return external->partition(i); }
    common::expected<void, std::string> heal(std::size_t i) override { return external->heal(i); }
  };
  runner_options o = options();
  o.kms = [](const std::vector<std::string>& servers, bool shared, std::uint64_t seed)
      -> common::expected<std::unique_ptr<kms_backend>, std::string> {
    auto h = std::make_unique<holder>();
    auto e = start_embedded_kms(pki(), servers, shared, seed, work_root() / "external");
    if (!e) return common::unexpected<std::string>(e.error());
    h->embedded = std::move(*e);
    const auto ep = h->embedded->endpoints().at(0);
    h->external = make_external_kms(ep.host, ep.port, h->embedded->tls(), servers);
    return std::unique_ptr<kms_backend>(std::move(h));
  };
  auto out = run_scenario(parse(shipped("vmotion.yaml"), "vmotion.yaml"), o);
  ASSERT_GE(out.result.steps.size(), 6u);
  EXPECT_EQ(out.result.steps[1 + 4].verdict, reports::verdict::skip);  // kms_stop
  EXPECT_NE(out.result.steps[1 + 4].detail.find("external"), std::string::npos) << out.result.steps[1 + 4].detail;
  // The KMS never went down, so the move vCenter should not manage does succeed: that step fails.
  ASSERT_TRUE(out.failed_step);
  EXPECT_EQ(*out.failed_step, 6u);
}

// for_each with parallel: iterations really overlap (several KMS exchanges in flight at once), and the results —
// every step's verdict and the failing iteration — are the same on every run and the same as a serial run's.
const char* const parallel_yaml = R"(version: 1
name: parallel-power-ons
seed: 77
hosts:
  - generate: {pattern: "esxi-{i}", count: 4}
vms:
  - generate: {pattern: "vm-{i:02}", count: 24}
    placement: round_robin
    disk: 64KiB
steps:
  - for_each:
      vm: all
      parallel: 8
      steps:
        - encrypt_vm: "{vm}"
        - power_on: "{vm}"
        - guest_write: {vm: "{vm}", length: 4KiB, pattern: 3}
        - guest_read: {vm: "{vm}", length: 4KiB, pattern: 3}
          expect: {data: intact}
        - power_off: "{vm}"
  - destroy_key: {vm: vm-07}
  - destroy_key: {vm: vm-19}
  - for_each:
      host: all
      parallel: 4
      steps:
        - reboot_host: "{host}"
  - for_each:
      vm: all
      parallel: 8
      steps:
        - power_on: "{vm}"
          expect: {vm_state: powered_on, key_state: available}
)";

// The KMS names keys in the order Creates arrive, which a parallel loop does not fix: messages compare with the
// key IDs masked.
std::string masked(const std::string& message) {
  static const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  return std::regex_replace(message, uuid, "<key id>");
}

std::vector<std::string> step_verdicts(const scenario_outcome& o) {
  std::vector<std::string> out;
  for (const auto& st : o.result.steps) out.push_back(st.name + " " + std::string(reports::to_string(st.verdict)));
  return out;
}

TEST(ScenarioRunner, ParallelForEachOverlapsAndIsDeterministic) {
  const auto s = parse(parallel_yaml, "parallel.yaml");
  // Eight TLS connections at once on a loaded 2-core machine: generous timeouts, so that a slow exchange is not
  // mistaken for a different result.
  auto patient = [] {
    auto o = options();
    o.connect_timeout = std::chrono::seconds(20);
    o.io_timeout = std::chrono::seconds(20);
    return o;
  };
  const auto first = run_scenario(s, patient());
  ASSERT_EQ(first.loops.size(), 3u);
  EXPECT_EQ(first.loops[0].workers, 8u);
  EXPECT_EQ(first.loops[0].iterations, 24u);
  // Encryptions of different VMs were on the wire at the same time.
  EXPECT_GT(first.loops[0].most_kms_exchanges, 1);
  // The rate's same-run reference: how much of the loop's wall time had a KMS exchange in flight.
  EXPECT_GT(first.loops[0].kms_busy_seconds, 0);
  EXPECT_LE(first.loops[0].kms_busy_seconds, first.loops[0].seconds);
  EXPECT_EQ(first.loops[1].workers, 4u);
  // The first VM whose KEK is gone, whatever order the workers finished in.
  ASSERT_TRUE(first.failed_step);
  EXPECT_EQ(*first.failed_step, 4u);
  EXPECT_EQ(first.failed_step_name, "for_each [vm-07] power_on vm-07");
  EXPECT_NE(first.message.find("KeyStateMissingInKMS"), std::string::npos) << first.message;
  EXPECT_NE(masked(first.message).find("Get <key id> failed"), std::string::npos) << first.message;
  for (int run = 0; run < 2; ++run) {
    const auto again = run_scenario(s, patient());
    EXPECT_EQ(step_verdicts(again), step_verdicts(first));
    EXPECT_EQ(again.failed_step, first.failed_step);
    EXPECT_EQ(again.failed_step_name, first.failed_step_name);
    EXPECT_EQ(masked(again.message), masked(first.message));
  }
  auto serial = s;
  for (auto& st : serial.steps)
    if (auto* fe = std::get_if<for_each>(&st.what)) fe->parallel = 1;
  const auto one_at_a_time = run_scenario(serial, patient());
  EXPECT_EQ(one_at_a_time.loops.at(0).workers, 1u);
  EXPECT_EQ(step_verdicts(one_at_a_time), step_verdicts(first));
  EXPECT_EQ(one_at_a_time.failed_step_name, first.failed_step_name);
  EXPECT_EQ(masked(one_at_a_time.message), masked(first.message));
}

// An iteration that reaches beyond its own VM cannot run beside the others: the loop fails and says why.
TEST(ScenarioRunner, ParallelLoopThatCrossesVmsIsRefused) {
  auto yaml = alter(parallel_yaml, "        - power_off: \"{vm}\"\n", "        - vmotion: {vm: \"{vm}\", to: esxi-1}\n");
  auto o = run_scenario(parse(yaml, "parallel-vmotion.yaml"), options());
  ASSERT_TRUE(o.failed_step);
  EXPECT_EQ(*o.failed_step, 0u);
  EXPECT_NE(o.message.find("parallel: 8 cannot be honoured: 'vmotion'"), std::string::npos) << o.message;
}

// The shared work folder (certificates, stores, reports) goes when the test program ends.
class remove_work_root : public ::testing::Environment {
 public:
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(work_root(), ec);
  }
};
const auto* const registered = ::testing::AddGlobalTestEnvironment(new remove_work_root);

}  // namespace
}  // namespace scenarios
