// A simulated ESXi host: a key cache filled by vCenter, and the VMs registered on it. It never talks to a KMS
// (DESIGN.md, "ESXi simulation"): vCenter pushes KEKs by ID; reboot() forgets every key and powers every VM off.
// The environment (random source) is injected, so a scenario replays from its seed.
// Host encryption mode (vSphere's "crypto safe" host): vCenter pushes a host key and enables the mode; from then
// on host core dumps are sealed under the host key. VM core dumps are sealed under the VM's DEK (vSphere 6.7+).
// vMotion of a running VM between hosts is in vmotion.hpp. The host owns a crypto_helper thread that its VMs'
// disks use for large requests (the second core).
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
  // cache is wiped. VMs stay registered; powering them on needs vCenter to push their KEKs again. Encryption mode
  // stays enabled (vSphere keeps a crypto-safe host crypto safe) but the host key must be pushed again.
  // With key persistence the KEKs (the host key among them) survive the reboot and only the DEKs go: the VMs
  // power on again without the KMS, whatever the KMS now says of their keys.
  void reboot();

  // Key persistence (vSphere 7.0 U2+, `esxcli system security keypersistence enable`): ESXi seals its key cache
  // in the host's TPM 2.0 so that it survives a reboot. Simulated by keeping the KEKs in memory across reboot();
  // no TPM is simulated and nothing is written to disk. Off by default.
  void set_key_persistence(bool on) noexcept { key_persistence_ = on; }
  bool key_persistence() const noexcept { return key_persistence_; }

  // Enables host encryption mode with the host key `host_key_id`, which vCenter has pushed into the key cache
  // (errc::locked if it is absent or not 32 bytes). Once enabled the host is crypto safe; enabling again with
  // another key replaces the host key.
  result<void> enable_encryption_mode(const std::string& host_key_id);
  bool crypto_safe() const noexcept { return crypto_safe_; }
  const std::string& host_key_id() const noexcept { return host_key_id_; }

  // A host core dump (host name, every registered VM's name and state, and the RAM of running VMs) sealed under
  // the host key into `p`. REQUIRES crypto safe (else errc::bad_state: the dump would be clear); errc::locked if
  // the host key is no longer cached. Read it with read_sealed_file(p, sealed_kind::host_core_dump, host_key).
  result<void> write_core_dump(const std::filesystem::path& p);
  // A core dump of the running VM `vm_name` (RAM and device state) sealed under its DEK into `p`. Read it with
  // read_sealed_file(p, sealed_kind::vm_core_dump, dek).
  result<void> write_vm_core_dump(const std::string& vm_name, const std::filesystem::path& p);

  crypto_helper& helper() noexcept { return helper_; }
  common::random_source& random() noexcept { return random_; }

 private:
  friend class vmotion_access;

  std::string name_;
  common::random_source& random_;
  crypto_helper helper_;
  key_cache keys_;
  std::map<std::string, std::unique_ptr<vm>> vms_;
  struct incoming_vm {
    std::unique_ptr<vm> v;
    common::secure_bytes state;  // decrypted RAM and device state, until vmotion_resume
  };
  std::map<std::string, incoming_vm> incoming_;  // vMotion: received, not yet resumed
  bool crypto_safe_ = false;
  bool key_persistence_ = false;
  std::string host_key_id_;
};

}  // namespace esxi_sim
