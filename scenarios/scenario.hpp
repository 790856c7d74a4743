// The scenario format as typed C++ (docs/scenario-schema.md): what a scenario YAML file says, checked once by
// scenario_parser and never re-read as text. A scenario names a KMS cluster, simulated ESXi hosts and VMs, and
// a list of steps; each step is one typed action (vCenter-side, guest I/O, clock, or KMS-side) with an optional
// expectation. Loops (`repeat`, `for_each`) are kept as written so that the runner can time them and print a
// rate; their bodies are templates whose `{vm}`, `{host}` and `{i}` placeholders bind() fills in. Every name a
// step uses was checked against the declared hosts, VMs and KMS servers, for every iteration of every loop.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace scenarios {

inline constexpr int schema_version = 1;

// Where something was written: file, 1-based line and column. line == 0 when unknown.
struct source_location {
  std::string file;
  int line = 0;
  int column = 0;
  // "scenarios/power-on.yaml:12:7"
  std::string to_string() const;
};

// ---- the KMS cluster (vCenter's "key provider") ----------------------------------------------------------------

// The KMIP conversation vcenter_sim holds (reference/vcenter-kmip.md §1-2): 6.7 sends no `x-` attribute tagging,
// 7.0 tags keys with the 3-item AddAttribute batch, 8.0 also sends a Username/Password credential when set.
enum class kms_profile { vcenter_6_7, vcenter_7_0, vcenter_8_0 };
std::string_view to_string(kms_profile p);  // "vcenter-7.0"

struct kms_server {
  std::string name;                    // "kms-a": what KMS-side steps name
  std::optional<std::string> address;  // "host:port"; absent: an embedded kmipd the runner starts
  source_location where;
};

struct kms_credentials {
  std::string username;
  std::string password;
};

enum class kms_store { shared, separate };  // embedded servers: one object store for all of them, or one each

struct kms_config {
  std::vector<kms_server> servers;  // failover order, as vCenter tries them
  kms_profile profile = kms_profile::vcenter_7_0;
  std::optional<kms_credentials> credentials;
  kms_store store = kms_store::shared;
};

// ---- inventory -------------------------------------------------------------------------------------------------

struct host_spec {
  std::string name;
  bool encryption_mode = false;  // host encryption mode already enabled when the scenario starts
  bool key_persistence = false;  // 7.0 U2 TPM key persistence: the key cache survives a reboot
  source_location where;
};

struct vm_spec {
  std::string name;
  std::string host;                    // where it is registered (placement resolved by the parser)
  std::uint64_t disk_bytes = 8u << 20;  // one virtual disk
  std::uint32_t sector_size = 4096;     // 4096 or 512
  source_location where;
};

// ---- expectations ----------------------------------------------------------------------------------------------

enum class vm_state { powered_on, powered_off, suspended, locked };
// vCenter's CryptoManagerKmipCryptoKeyStatus reasons (reference §5), plus `available` for a key with no problem.
enum class key_state {
  available,
  KeyStateMissingInCache,
  KeyStateClusterInvalid,
  KeyStateClusterUnreachable,
  KeyStateMissingInKMS,
  KeyStateNotActiveOrEnabled,
  WrappingKeyMissingInKMS,
};
enum class data_state { intact, unreadable };
enum class host_crypto_state { incapable, prepared, safe };  // vSphere HostCryptoState

std::string_view to_string(vm_state s);
std::string_view to_string(key_state s);
std::string_view to_string(data_state s);
std::string_view to_string(host_crypto_state s);

// The KMIP outcome of the step's last KMS exchange: Success, or a Result Reason by its spec name.
struct kms_result {
  std::string name;                   // CamelCase spec name: "Success", "ItemNotFound", "PermissionDenied"
  std::optional<std::uint32_t> code;  // the Result Reason value; empty for Success
};

// What must hold after the step. All fields optional; absent fields are not checked. Without `error`, the step
// itself must succeed; with it, the step must fail with a message containing that text ("" matches any failure).
struct expectation {
  std::optional<std::string> vm;    // subject VM; default: the step's VM
  std::optional<std::string> host;  // subject host; default: the step's host, else the subject VM's host
  std::optional<scenarios::vm_state> vm_state;
  std::optional<scenarios::key_state> key_state;  // of the subject VM's KEK, or the subject host's host key
  std::optional<data_state> data;       // every pattern written to the subject VM reads back (intact) or not
  std::optional<scenarios::host_crypto_state> host_crypto_state;
  std::optional<std::string> error;
  std::optional<scenarios::kms_result> kms_result;
  source_location where;

  bool empty() const {
    return !vm_state && !key_state && !data && !host_crypto_state && !error && !kms_result;
  }
};

// ---- actions ---------------------------------------------------------------------------------------------------
// One struct per action. String fields naming a VM, host or server may hold `{vm}`, `{host}` or `{i}` inside a
// loop body; bind() replaces them.

struct encrypt_vm { std::string vm; };                  // new KEK on the KMS (Create + tagging), DEK wrapped with it
struct enable_host_encryption { std::string host; };    // host key created on the KMS and pushed: host is crypto safe
struct power_on { std::string vm; };                    // KEK fetched when the host lacks it; else locked
struct power_off { std::string vm; };
struct suspend { std::string vm; };
struct resume { std::string vm; };
struct reboot_host { std::string host; };                // key cache lost; vCenter re-pushes what it can fetch
struct register_vm { std::string vm; std::string host; };  // add an existing VM's files to a host's inventory
struct snapshot { std::string vm; std::string name; };
struct consolidate { std::string vm; };                  // delete every snapshot, merging into the base disk
struct shallow_rekey { std::string vm; };                // new KEK; any power state; one snapshot chain
struct deep_rekey { std::string vm; };                   // new KEK and DEK; powered off, no snapshots
struct vmotion { std::string vm; std::string to; };      // KEK fetched for the destination when it lacks it
struct clone { std::string vm; std::string as; std::optional<std::string> host; };  // `as` declares a new VM
struct guest_write { std::string vm; std::uint64_t offset = 0; std::uint64_t length = 0; std::uint64_t pattern = 1; };
struct guest_read { std::string vm; std::uint64_t offset = 0; std::uint64_t length = 0; std::uint64_t pattern = 1; };
struct advance_clock { std::uint64_t seconds = 0; };    // the virtual clock vCenter's health poll runs on
struct core_dump { std::string host; std::optional<std::string> vm; };  // host dump (host key) or VM dump (VM key)
// Does nothing; its expectation is checked against the named VM or host ("data still intact on disk").
struct verify { std::optional<std::string> vm; std::optional<std::string> host; };

// KMS-side: what a KMS administrator (or a network fault) does. `vm` names that VM's current KEK, `host` that
// host's host key; exactly one is set.
struct key_ref {
  std::optional<std::string> vm;
  std::optional<std::string> host;
};
enum class revocation_reason { unspecified, key_compromise, ca_compromise, affiliation_changed, superseded,
                               cessation_of_operation, privilege_withdrawn };
std::string_view to_string(revocation_reason r);
struct revoke_key { key_ref key; revocation_reason reason = revocation_reason::cessation_of_operation; };
struct destroy_key { key_ref key; };                    // an Active key is revoked first, as KMIP requires
struct kms_stop { std::optional<std::string> server; }; // absent: every server of the cluster
struct kms_start { std::optional<std::string> server; };
struct kms_restart { std::optional<std::string> server; };
struct partition { std::string server; };               // unreachable from vCenter, still running
struct heal { std::string server; };                    // undo partition

struct step;

struct repeat {
  std::uint32_t count = 1;
  std::vector<step> steps;  // `{i}`: 0 .. count-1
  std::optional<std::string> report_rate;  // "power-ons": the runner prints iterations per second
};

enum class loop_over { vms, hosts };
struct for_each {
  loop_over over = loop_over::vms;
  std::vector<std::string> names;  // resolved: `all`, a list, or a generated range
  std::uint32_t parallel = 1;      // iterations the runner may run at once
  std::vector<step> steps;         // `{vm}` or `{host}`, and `{i}`
  std::optional<std::string> report_rate;
};

using action = std::variant<encrypt_vm, enable_host_encryption, power_on, power_off, suspend, resume, reboot_host,
                            register_vm, snapshot, consolidate, shallow_rekey, deep_rekey, vmotion, clone,
                            guest_write, guest_read, advance_clock, core_dump, verify, revoke_key, destroy_key,
                            kms_stop, kms_start, kms_restart, partition, heal, repeat, for_each>;

// The YAML key of each action, in variant order ("encrypt_vm", ...).
std::string_view action_name(const action& a);

struct step {
  std::string name;  // as written, else "<action> <subject>" ("power_on vm-1")
  action what;
  expectation expect;
  source_location where;  // the step's first key
};

// ---- the scenario ----------------------------------------------------------------------------------------------

struct scenario {
  int version = schema_version;
  std::string name;
  std::string description;
  std::uint64_t seed = 1;  // every random choice (patterns, key material of the simulators) derives from it
  kms_config kms;
  std::vector<host_spec> hosts;
  std::vector<vm_spec> vms;  // declared VMs; clones add more while running
  std::vector<step> steps;
  source_location where;     // the file

  const host_spec* find_host(std::string_view n) const;
  const vm_spec* find_vm(std::string_view n) const;
};

// Placeholder values for one loop iteration.
struct binding {
  std::optional<std::string> vm;
  std::optional<std::string> host;
  std::optional<std::uint64_t> i;
};

// `s` with `{vm}`, `{host}` and `{i}` replaced in every name it holds (nested loops keep their own
// placeholders unbound only where the inner loop rebinds them).
step bind(const step& s, const binding& b);
std::string bind(std::string_view text, const binding& b);

// Steps run when the scenario runs, loops unrolled (for a dry run and for counting).
std::size_t expanded_step_count(const std::vector<step>& steps);

}  // namespace scenarios
