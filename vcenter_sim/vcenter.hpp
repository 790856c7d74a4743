// The simulated vCenter: an inventory of esxi_sim hosts and encrypted VMs, driven through the life of encrypted
// VMs with keys from a key_provider (reference/vcenter-kmip.md §5). vCenter keeps key IDs only; it fetches a KEK
// from the KMS when a host needs it and pushes it to the host's RAM key cache.
//
// Where a key is needed and vCenter cannot supply it, the VM locks exactly where vSphere's would (V-locked,
// V-states): power-on, registration, or migration to a host without the key. The lock records the reason and
// vCenter's key state (KeyStateMissingInKMS, KeyStateNotActiveOrEnabled, KeyStateClusterUnreachable). Running VMs
// never need the KMS: they keep running when it disappears, or when their key is revoked.
//
// Determinism: the random source (instance UUIDs, vMotion keys) and the virtual clock are injected; advance()
// moves the clock and runs the 5-minute health polls that fall due. Thread safety: none; one thread at a time drives
// it (vcenter_options::before_kms/after_kms let a caller's lock be released while a KMS exchange is in flight).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "common/random.hpp"
#include "esxi_sim/host.hpp"
#include "vcenter_sim/key_provider.hpp"

namespace vcenter_sim {

enum class errc : std::uint8_t {
  not_found,        // no such host or VM
  invalid_argument, // a name taken, a bad spec
  precondition,     // vSphere refuses the operation in this state (deep re-key powered on, ...)
  locked,           // the VM is locked: its key could not be supplied (key_state says why)
  kms,              // the KMS did not give what was needed (key_state says why); nothing changed
  host,             // the ESXi host failed the operation
};
std::string_view to_string(errc e) noexcept;

struct error {
  error() = default;
  error(errc c, std::string m, std::optional<key_state> k = std::nullopt) : code(c), message(std::move(m)), key(k) {}
  errc code = errc::host;
  std::string message;
  std::optional<key_state> key;
  std::string to_string() const;  // "locked (KeyStateNotActiveOrEnabled): ..."
};
template <class T>
using result = common::expected<T, error>;

// What vCenter shows for a VM.
enum class vm_state : std::uint8_t { powered_off, powered_on, suspended, locked };
std::string_view to_string(vm_state s) noexcept;

struct vm_status {
  std::string name;
  std::string host;
  std::string kek_id;
  std::string instance_uuid;
  vm_state state = vm_state::powered_off;
  key_state key = key_state::available;  // the reason when locked; available otherwise
  std::string lock_reason;
  std::size_t snapshots = 0;
};

struct new_vm {
  std::string name;
  std::vector<std::uint64_t> disk_capacities{1u << 20};
  std::uint32_t sector_size = 4096;
  std::uint64_t memory_bytes = 1u << 20;
  std::string instance_uuid;  // empty: drawn from the random source
};

struct health_poll {
  std::chrono::seconds at{};
  bool ok = false;
  std::string message;
};

struct vcenter_options {
  std::filesystem::path datastore;        // the shared datastore every host sees
  std::chrono::seconds health_interval{300};
  bool health_polls = true;
  // Called around every KMS exchange (the key provider is thread-safe, vcenter is not): a caller that serialises
  // its vcenter calls with a lock releases it in before_kms and takes it back in after_kms, so that other threads
  // use the simulator while this one waits on the KMS. Both or neither.
  std::function<void()> before_kms{}, after_kms{};
};

class vcenter {
 public:
  // REQUIRES: kms and random outlive the vcenter.
  vcenter(key_provider& kms, common::random_source& random, vcenter_options options);
  ~vcenter();

  key_provider& kms() noexcept { return kms_; }

  // Registers the KMS cluster (connection test and vendor lookup on each server).
  result<void> add_kms();

  // ---- hosts ----
  // A new host owned by vCenter, or a borrowed one (REQUIRES: outlives the vcenter).
  esxi_sim::host& add_host(const std::string& name);
  result<void> add_host(esxi_sim::host& borrowed);
  esxi_sim::host* host(const std::string& name);
  // Host encryption mode: a new host key from the KMS (tagged "ESXi Server"), pushed, mode enabled.
  result<void> enable_host_encryption(const std::string& host);
  // Reboot: the host forgets its keys and its running VMs stop. If the host is crypto safe vCenter fetches the host
  // key again and pushes it (V-core); failing that the reboot still happens and the error says why.
  result<void> reboot_host(const std::string& host);
  // A host core dump under the host key (REQUIRES crypto safe).
  result<void> write_host_core_dump(const std::string& host, const std::filesystem::path& p);

  // ---- VMs ----
  // Encrypts a new VM on `host`: a new KEK from the KMS (tagged "Virtual Machine"), pushed, the VM created.
  result<void> create_encrypted_vm(const std::string& host, const new_vm& spec);
  // Registers an existing VM folder on `host`. vCenter checks its key at once: a key it cannot supply leaves the
  // VM registered but locked.
  result<void> register_vm(const std::string& host, const std::filesystem::path& dir);
  // Power-on: the KEK is fetched and pushed when the host lacks it (Get, State, Activate if Pre-Active); a KEK
  // that cannot be supplied locks the VM (errc::locked with the key state).
  result<void> power_on(const std::string& vm);
  result<void> power_off(const std::string& vm);
  result<void> suspend(const std::string& vm);
  result<void> snapshot(const std::string& vm, const std::string& name);
  // Shallow re-key: a new KEK, the DEK re-wrapped; any power state, at most a single snapshot chain.
  result<void> shallow_rekey(const std::string& vm);
  // Deep re-key: a new DEK and KEK; REQUIRES powered off and no snapshots (vSphere's preconditions).
  result<void> deep_rekey(const std::string& vm);
  // Encrypted vMotion of a running VM; the KEK is fetched for the destination when it lacks it. The migration key
  // comes from vCenter's random source, never from the KMS. On failure the VM keeps running on the source.
  result<void> vmotion(const std::string& vm, const std::string& destination);
  // Clone: a new VM with its own new KEK on `host`, the guest data copied. The source must not be suspended; it
  // is powered on for the copy if it was off (needing its key) and returned to its state.
  result<void> clone(const std::string& vm, const std::string& new_name, const std::string& host);

  result<vm_status> status(const std::string& vm) const;
  std::vector<vm_status> vms() const;
  esxi_sim::vm* esxi_vm(const std::string& vm);
  // The key's state on the KMS as vCenter reports it (Get + State, no Activate).
  key_state key_status(const std::string& key_id) {
    return off_lock([&] { return kms_.key_status(key_id); });
  }

  // ---- time ----
  std::chrono::seconds now() const noexcept { return now_; }
  // Moves the virtual clock; runs every health poll that falls due on the way, in order.
  void advance(std::chrono::seconds d);
  const std::vector<health_poll>& polls() const noexcept { return polls_; }

 private:
  // f() between options_.before_kms and options_.after_kms.
  template <class F>
  auto off_lock(F&& f) -> decltype(f()) {
    if (!options_.before_kms) return f();
    options_.before_kms();
    struct relock {
      const std::function<void()>& after;
      ~relock() { after(); }
    } r{options_.after_kms};
    return f();
  }
  struct vm_record {
    std::string name;
    std::string host;
    std::string instance_uuid;
    std::filesystem::path dir;
    std::optional<key_state> locked;  // set while vCenter holds the VM locked
    std::string lock_reason;
  };

  result<vm_record*> find_vm(const std::string& name);
  result<const vm_record*> find_vm(const std::string& name) const;
  result<esxi_sim::host*> find_host(const std::string& name);
  esxi_sim::vm* vm_of(const vm_record& r);
  // Makes sure `h` holds `kek_id`: nothing to do if cached, else fetch from the KMS and push.
  kms_result<void> ensure_key(esxi_sim::host& h, const std::string& kek_id);
  std::string uuid();

  key_provider& kms_;
  common::random_source& random_;
  vcenter_options options_;
  std::map<std::string, std::unique_ptr<esxi_sim::host>> owned_;
  std::map<std::string, esxi_sim::host*> hosts_;
  std::map<std::string, std::string> host_uuids_;
  std::map<std::string, vm_record> vms_;
  std::chrono::seconds now_{0};
  std::chrono::seconds next_poll_{0};
  std::vector<health_poll> polls_;
};

}  // namespace vcenter_sim
