// A simulated ESXi host: a key cache filled by vCenter, and the VMs registered on it. It never talks to a KMS
// (DESIGN.md, "ESXi simulation"): vCenter pushes KEKs by ID; reboot() forgets every key and powers every VM off.
// The environment (random source) is injected, so a scenario replays from its seed.
// Thread safety: none; one thread drives a host.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "common/random.hpp"
#include "esxi_sim/key_cache.hpp"
#include "esxi_sim/vm.hpp"

namespace esxi_sim {

class host {
 public:
  // REQUIRES: random outlives the host.
  host(std::string name, common::random_source& random) : name_(std::move(name)), random_(random) {}

  const std::string& name() const noexcept { return name_; }

  // vCenter -> host key push and eviction (eviction wipes the key).
  void push_kek(const std::string& kek_id, std::span<const std::uint8_t> kek) { keys_.put_kek(kek_id, kek); }
  bool evict_kek(const std::string& kek_id) { return keys_.evict_kek(kek_id); }
  const key_cache& keys() const noexcept { return keys_; }
  key_cache& keys() noexcept { return keys_; }

  // Creates a new encrypted VM on a datastore (a folder) and registers it.
  result<vm*> create_vm(const std::filesystem::path& datastore, const vm_spec& spec);
  // Registers an existing VM folder (e.g. after a reboot, or a VM created elsewhere).
  result<vm*> register_vm(const std::filesystem::path& vm_dir);
  void unregister_vm(const std::string& name);
  // The registered VM of that name, or nullptr.
  vm* find(const std::string& name);

  // Host reboot: every VM is dropped to powered off without flushing (a crash, as far as the VM knows) and the key
  // cache is wiped. VMs stay registered; powering them on needs vCenter to push their KEKs again.
  void reboot();

 private:
  std::string name_;
  common::random_source& random_;
  key_cache keys_;
  std::map<std::string, std::unique_ptr<vm>> vms_;
};

}  // namespace esxi_sim
