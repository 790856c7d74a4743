// The scenario reader: every shipped scenario parses; every kind of bad input is refused at the exact
// file:line:col with a message saying what was expected; the schema document's examples parse.
#include "scenarios/scenario_parser.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace scenarios {
namespace {

namespace fs = std::filesystem;

TEST(ScenarioFiles, EveryShippedScenarioParses) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(KMIPH_SCENARIOS_DIR)) {
    if (e.path().extension() != ".yaml") continue;
    ++n;
    const auto r = load_scenario(e.path());
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().to_string());
    if (r) {
      EXPECT_EQ(r->name + ".yaml", e.path().filename().string()) << "a scenario's name is its file name";
      EXPECT_FALSE(r->description.empty()) << e.path();
    }
  }
  EXPECT_GE(n, 10u);
}

TEST(ScenarioFiles, ScaleScenarioHas500VmsOver16Hosts) {
  const auto r = load_scenario(fs::path(KMIPH_SCENARIOS_DIR) / "scale-500-vms.yaml");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->hosts.size(), 16u);
  ASSERT_EQ(r->vms.size(), 500u);
  EXPECT_EQ(r->vms.front().name, "vm-001");
  EXPECT_EQ(r->vms.front().host, "esxi-01");
  EXPECT_EQ(r->vms[17].host, "esxi-02");  // round robin
  EXPECT_EQ(r->vms.back().disk_bytes, 64u << 10);
  const auto& loop = std::get<for_each>(r->steps.front().what);
  EXPECT_EQ(loop.names.size(), 500u);
  EXPECT_EQ(loop.parallel, 16u);
  EXPECT_EQ(loop.report_rate, "encryptions");
  EXPECT_EQ(expanded_step_count(r->steps), 500u + 1500u + 16u + 500u + 20u);
}

TEST(ScenarioFiles, TypedStepsAndExpectations) {
  const auto r = load_scenario(fs::path(KMIPH_SCENARIOS_DIR) / "revocation-kill-switch.yaml");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->seed, 505u);
  EXPECT_EQ(r->kms.profile, kms_profile::vcenter_7_0);
  ASSERT_EQ(r->kms.servers.size(), 1u);
  EXPECT_FALSE(r->kms.servers[0].address.has_value());
  const step* revoke = nullptr;
  const step* refused = nullptr;
  for (const auto& s : r->steps) {
    if (std::holds_alternative<revoke_key>(s.what)) revoke = &s;
    if (s.name == "power-on refused as locked") refused = &s;
  }
  ASSERT_NE(revoke, nullptr);
  EXPECT_EQ(std::get<revoke_key>(revoke->what).key.vm, "vm-1");
  EXPECT_EQ(std::get<revoke_key>(revoke->what).reason, revocation_reason::key_compromise);
  EXPECT_EQ(revoke->expect.key_state, key_state::KeyStateNotActiveOrEnabled);
  ASSERT_NE(refused, nullptr);
  EXPECT_TRUE(std::holds_alternative<power_on>(refused->what));
  EXPECT_EQ(refused->expect.error, "locked");
  EXPECT_EQ(refused->expect.vm_state, vm_state::locked);
  EXPECT_TRUE(refused->where.file.ends_with("revocation-kill-switch.yaml"));
  EXPECT_GT(refused->where.line, 30);
  EXPECT_EQ(refused->where.column, 5);
  // Default step names say what and whom.
  EXPECT_EQ(r->steps[0].name, "encrypt_vm vm-1");
}

TEST(ScenarioFiles, KmsResultTakesSpecOrCamelNames) {
  const char* yaml = R"(version: 1
name: t
hosts: [{name: h}]
vms: [{name: v, host: h}]
steps:
  - power_on: v
    expect: {kms_result: Item Not Found}
  - power_on: v
    expect: {kms_result: PermissionDenied}
)";
  const auto r = parse_scenario(yaml, "t.yaml");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->steps[0].expect.kms_result->name, "ItemNotFound");
  EXPECT_EQ(r->steps[0].expect.kms_result->code, 1u);
  EXPECT_EQ(r->steps[1].expect.kms_result->name, "PermissionDenied");
}

TEST(Bind, PlaceholdersInLoopBodies) {
  const char* yaml = R"(version: 1
name: t
hosts: [{name: h1}, {name: h2}]
vms: [{generate: {pattern: "v{i}", count: 3}, placement: round_robin}]
steps:
  - for_each:
      vm: [v1, v2]
      steps:
        - clone: {vm: "{vm}", as: "{vm}-c{i}"}
        - power_on: "{vm}-c{i}"
  - power_on: v1-c0
)";
  const auto r = parse_scenario(yaml, "t.yaml");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->vms[2].host, "h1");
  const auto& loop = std::get<for_each>(r->steps[0].what);
  const step s = bind(loop.steps[0], binding{"v2", std::nullopt, 1});
  EXPECT_EQ(std::get<clone>(s.what).vm, "v2");
  EXPECT_EQ(std::get<clone>(s.what).as, "v2-c1");
  EXPECT_EQ(s.name, "clone v2");
}

struct bad_case {
  const char* label;
  const char* yaml;
  const char* error;  // the whole "file:line:col: message"
};

const char* const minimal_tail = "hosts: [{name: esxi-1}]\nvms: [{name: vm-1, host: esxi-1}]\n";

const bad_case bad_cases[] = {
    {"empty file", "", "bad.yaml:1:1: empty scenario; expected a mapping starting with 'version: 1'"},
    {"comments only", "# nothing\n", "bad.yaml:1:1: empty scenario; expected a mapping starting with 'version: 1'"},
    {"not a mapping", "- version: 1\n",
     "bad.yaml:1:1: expected a mapping for the top level, got a sequence"},
    {"scalar document", "hello\n", "bad.yaml:1:1: expected a mapping for the top level, got the scalar 'hello'"},
    {"yaml syntax error", "version: 1\nname: [unclosed\nhosts: x\n",
     "bad.yaml:3:6: YAML syntax error: end of sequence flow not found"},
    {"missing version", "name: x\nhosts: [{name: esxi-1}]\nsteps: [{power_on: vm-1}]\n",
     "bad.yaml:1:1: missing required key 'version' at the top level; expected 'version: 1'"},
    {"unsupported version", "version: 2\nname: x\n",
     "bad.yaml:1:10: unsupported scenario version 2; this harness reads version 1"},
    {"version not an integer", "version: one\n",
     "bad.yaml:1:10: expected an integer from 0 to 1000000 for 'version', got the scalar 'one'"},
    {"unknown top-level key", "version: 1\nname: x\nsetps: []\n",
     "bad.yaml:3:1: unknown key 'setps' in the top level; expected one of: version, name, description, seed, kms, "
     "hosts, vms, steps"},
    {"unknown key in step",
     "version: 1\nname: x\nhosts: [{name: esxi-1}]\nvms: [{name: vm-1, host: esxi-1}]\nsteps:\n  - encrypt_vm: vm-1\n"
     "  - pwer_on: vm-1\n",
     "bad.yaml:7:5: unknown key 'pwer_on' in step; expected one of: name, expect, encrypt_vm, enable_host_encryption, "
     "power_on, power_off, suspend, resume, reboot_host, register_vm, snapshot, consolidate, shallow_rekey, deep_rekey, "
     "vmotion, clone, guest_write, guest_read, advance_clock, core_dump, verify, revoke_key, destroy_key, kms_stop, "
     "kms_start, kms_restart, partition, heal, repeat, for_each"},
    {"unknown key in expect",
     "version: 1\nname: x\nhosts: [{name: esxi-1}]\nvms: [{name: vm-1, host: esxi-1}]\nsteps:\n  - power_on: vm-1\n"
     "    expect:\n      vm_state: locked\n      keystate: KeyStateMissingInKMS\n",
     "bad.yaml:9:7: unknown key 'keystate' in expect; expected one of: vm, host, vm_state, key_state, data, "
     "host_crypto_state, error, kms_result"},
    {"unknown key in action",
     "version: 1\nname: x\nhosts: [{name: esxi-1}]\nvms: [{name: vm-1, host: esxi-1}]\nsteps:\n"
     "  - vmotion: {vm: vm-1, dest: esxi-1}\n",
     "bad.yaml:6:25: unknown key 'dest' in vmotion; expected one of: vm, to"},
    {"bad enum value",
     "version: 1\nname: x\nhosts: [{name: esxi-1}]\nvms: [{name: vm-1, host: esxi-1}]\nsteps:\n  - power_on: vm-1\n"
     "    expect: {vm_state: lockd}\n",
     "bad.yaml:7:24: bad value 'lockd' for 'vm_state'; expected one of: powered_on, powered_off, suspended, locked"},
    {"bad key state",
     "version: 1\nname: x\nhosts: [{name: esxi-1}]\nvms: [{name: vm-1, host: esxi-1}]\nsteps:\n  - power_on: vm-1\n"
     "    expect: {key_state: Missing}\n",
     "bad.yaml:7:25: bad value 'Missing' for 'key_state'; expected one of: available, KeyStateMissingInCache, "
     "KeyStateClusterInvalid, KeyStateClusterUnreachable, KeyStateMissingInKMS, KeyStateNotActiveOrEnabled, "
     "WrappingKeyMissingInKMS"},
    {"bad profile", "version: 1\nname: x\nkms: {profile: vcenter-6.5}\n",
     "bad.yaml:3:16: bad value 'vcenter-6.5' for 'profile'; expected one of: vcenter-6.7, vcenter-7.0, vcenter-8.0"},
    {"bad kms_result",
     "version: 1\nname: x\nhosts: [{name: esxi-1}]\nvms: [{name: vm-1, host: esxi-1}]\nsteps:\n  - power_on: vm-1\n"
     "    expect: {kms_result: Nope}\n",
     "bad.yaml:7:26: bad value 'Nope' for 'kms_result'; expected Success or a KMIP Result Reason such as ItemNotFound, "
     "PermissionDenied, WrongKeyLifecycleState (spec or CamelCase name)"},
    {"wrong type: steps is a mapping",
     "version: 1\nname: x\nhosts: [{name: esxi-1}]\nsteps: {power_on: vm-1}\n",
     "bad.yaml:4:8: expected a sequence of steps for 'steps', got a mapping"},
    {"wrong type: bool", "version: 1\nname: x\nhosts:\n  - name: esxi-1\n    encryption_mode: yes\n",
     "bad.yaml:5:22: expected true or false for 'encryption_mode', got the scalar 'yes'"},
    {"wrong type: quoted integer",
     "version: 1\nname: x\nhosts: [{name: esxi-1}]\nsteps:\n  - advance_clock: \"30\"\n",
     "bad.yaml:5:20: expected an integer from 1 to 31622400 for 'seconds', got the scalar '30'"},
    {"undefined host",
     "version: 1\nname: x\nhosts: [{name: esxi-1}]\nvms: [{name: vm-1, host: esxi-1}]\nsteps:\n"
     "  - encrypt_vm: vm-1\n  - vmotion: {vm: vm-1, to: esxi-9}\n",
     "bad.yaml:7:5: undefined host 'esxi-9'; declare it under 'hosts'"},
    {"undefined VM",
     "version: 1\nname: x\nhosts: [{name: esxi-1}]\nsteps:\n  - power_on: vm-7\n",
     "bad.yaml:5:5: undefined VM 'vm-7'; declare it under 'vms' or create it with 'clone' first"},
    {"undefined host of a VM", "version: 1\nname: x\nhosts: [{name: esxi-1}]\nvms: [{name: vm-1, host: esx-1}]\n",
     "bad.yaml:4:26: undefined host 'esx-1'; declare it under 'hosts'"},
    {"undefined KMS server", "version: 1\nname: x\nhosts: [{name: esxi-1}]\nsteps:\n  - kms_stop: kms-b\n",
     "bad.yaml:5:5: undefined KMS server 'kms-b'; declare it under 'kms: servers'"},
    {"undefined VM inside a loop",
     "version: 1\nname: x\nhosts: [{name: esxi-1}]\nvms: [{name: vm-1, host: esxi-1}]\nsteps:\n"
     "  - repeat:\n      count: 3\n      steps:\n        - power_on: \"vm-{i}\"\n",
     "bad.yaml:9:11: undefined VM 'vm-0'; declare it under 'vms' or create it with 'clone' first"},
    {"placeholder outside a loop",
     "version: 1\nname: x\nhosts: [{name: esxi-1}]\nsteps:\n  - reboot_host: \"{host}\"\n",
     "bad.yaml:5:5: unbound placeholder in '{host}'; {vm} and {host} work only inside a for_each over them, {i} only "
     "inside a loop"},
    {"repeat count zero",
     "version: 1\nname: x\nhosts: [{name: esxi-1}]\nsteps:\n  - repeat: {count: 0, steps: [advance_clock: 1]}\n",
     "bad.yaml:5:21: value '0' out of range for 'count'; expected an integer from 1 to 10000 for 'count'"},
    {"repeat count too large",
     "version: 1\nname: x\nhosts: [{name: esxi-1}]\nsteps:\n  - repeat: {count: 10001, steps: [advance_clock: 1]}\n",
     "bad.yaml:5:21: value '10001' out of range for 'count'; expected an integer from 1 to 10000 for 'count'"},
    {"duplicate VM names",
     "version: 1\nname: x\nhosts: [{name: esxi-1}]\nvms:\n  - {name: vm-1, host: esxi-1}\n"
     "  - {name: vm-1, host: esxi-1}\n",
     "bad.yaml:6:12: duplicate VM name 'vm-1' (first at 5:12)"},
    {"duplicate host names", "version: 1\nname: x\nhosts:\n  - name: esxi-1\n  - name: esxi-1\n",
     "bad.yaml:5:11: duplicate host name 'esxi-1' (first at 4:11)"},
    {"duplicate generated names",
     "version: 1\nname: x\nhosts:\n  - name: h5\n  - generate: {pattern: \"h{i}\", count: 9}\n",
     "bad.yaml:5:15: duplicate host name 'h5' (first at 4:11)"},
    {"duplicate key", "version: 1\nname: x\nname: y\n",
     "bad.yaml:3:1: duplicate key 'name' in the top level (first at 2:1)"},
    {"clone onto an existing name",
     "version: 1\nname: x\nhosts: [{name: esxi-1}]\nvms: [{name: vm-1, host: esxi-1}, {name: vm-2, host: esxi-1}]\n"
     "steps:\n  - clone: {vm: vm-1, as: vm-2}\n",
     "bad.yaml:6:5: clone target 'vm-2' already names a VM"},
    {"two actions in a step",
     "version: 1\nname: x\nhosts: [{name: esxi-1}]\nvms: [{name: vm-1, host: esxi-1}]\nsteps:\n"
     "  - power_on: vm-1\n    power_off: vm-1\n",
     "bad.yaml:7:5: step has two actions, 'power_on' and 'power_off'; a step has exactly one"},
    {"step without action",
     "version: 1\nname: x\nhosts: [{name: esxi-1}]\nsteps:\n  - name: nothing\n",
     "bad.yaml:5:5: step has no action; expected one of: encrypt_vm, enable_host_encryption, power_on, power_off, "
     "suspend, resume, reboot_host, register_vm, snapshot, consolidate, shallow_rekey, deep_rekey, vmotion, clone, "
     "guest_write, guest_read, advance_clock, core_dump, verify, revoke_key, destroy_key, kms_stop, kms_start, "
     "kms_restart, partition, heal, repeat, for_each"},
    {"expectation without a subject",
     "version: 1\nname: x\nhosts: [{name: esxi-1}]\nsteps:\n  - kms_stop:\n    expect: {vm_state: locked}\n",
     "bad.yaml:6:13: expect 'vm_state' needs a VM and this step names none; add 'vm:' to expect"},
    {"disk too large",
     "version: 1\nname: x\nhosts: [{name: esxi-1}]\nvms: [{name: vm-1, host: esxi-1, disk: 2GiB}]\n",
     "bad.yaml:4:40: value '2GiB' out of range for 'disk'; expected a size in bytes (suffix KiB, MiB or GiB allowed) "
     "from 65536 to 1073741824 for 'disk'"},
    {"bad name", "version: 1\nname: x\nhosts: [{name: \"esxi 1\"}]\n",
     "bad.yaml:3:16: bad name 'esxi 1' for 'name'; expected 1 to 64 characters from A-Z a-z 0-9 . _ - (not starting "
     "with . or -)"},
    {"revoke needs one key", "version: 1\nname: x\nhosts: [{name: esxi-1}]\nsteps:\n  - revoke_key: {}\n",
     "bad.yaml:5:17: revoke_key needs exactly one of 'vm' (that VM's KEK) or 'host' (that host's host key)"},
};

class BadScenario : public ::testing::TestWithParam<bad_case> {};

TEST_P(BadScenario, RefusedAtTheRightPlace) {
  const auto& c = GetParam();
  const auto r = parse_scenario(c.yaml, "bad.yaml");
  ASSERT_FALSE(r.has_value()) << c.label << ": parsed";
  EXPECT_EQ(r.error().to_string(), c.error) << c.label;
}

INSTANTIATE_TEST_SUITE_P(Table, BadScenario, ::testing::ValuesIn(bad_cases),
                         [](const ::testing::TestParamInfo<bad_case>& p) {
                           std::string n = p.param.label;
                           for (auto& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

TEST(Limits, EachBoundAtItsEdge) {
  std::string yaml = "version: 1\nname: x\nhosts:\n  - generate: {pattern: \"h{i}\", count: 4}\n";
  parse_limits l;
  l.max_hosts = 4;
  EXPECT_TRUE(parse_scenario(yaml + "steps: [advance_clock: 1]\n", "l.yaml", l).has_value());
  l.max_hosts = 3;
  const auto r = parse_scenario(yaml + "steps: [advance_clock: 1]\n", "l.yaml", l);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().to_string(), "l.yaml:4:5: too many hosts: more than 3");

  const std::string loops = "steps:\n  - repeat: {count: 10, steps: [advance_clock: 1]}\n";
  l = {};
  l.max_expanded_steps = 10;
  EXPECT_TRUE(parse_scenario(yaml + loops, "l.yaml", l).has_value());
  l.max_expanded_steps = 9;
  const auto r2 = parse_scenario(yaml + loops, "l.yaml", l);
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(r2.error().to_string(), "l.yaml:6:33: too many steps once loops are unrolled: more than 9");

  l = {};
  l.max_input_size = 10;
  EXPECT_FALSE(parse_scenario(yaml, "l.yaml", l).has_value());
}

TEST(Files, MissingFileIsNamed) {
  const auto r = load_scenario("/nonexistent/x.yaml");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().to_string(), "/nonexistent/x.yaml: cannot open the file");
}

// Every ```yaml block of docs/scenario-schema.md is a scenario that parses.
TEST(SchemaDoc, EveryYamlExampleParses) {
  std::ifstream in(fs::path(KMIPH_DOCS_DIR) / "scenario-schema.md");
  ASSERT_TRUE(in) << "docs/scenario-schema.md";
  std::string line, block;
  bool inside = false;
  int blocks = 0, line_no = 0, start = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!inside && line == "```yaml") {
      inside = true;
      block.clear();
      start = line_no;
    } else if (inside && line == "```") {
      inside = false;
      ++blocks;
      const auto r = parse_scenario(block, "scenario-schema.md block at line " + std::to_string(start));
      EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().to_string());
    } else if (inside) {
      block += line + "\n";
    }
  }
  EXPECT_GE(blocks, 2);
}

}  // namespace
}  // namespace scenarios
