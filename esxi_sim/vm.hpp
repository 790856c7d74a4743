// A virtual machine on a datastore: a folder holding descriptor.json (clear, non-secret), one encrypted extent per
// disk, the encrypted configuration (.vmx), and while it applies: snapshot delta disks, the swap file (.vswp,
// powered on only) and the suspend files (.vmss device state, .vmem memory) (docs/esxi-sim.md). Every file but
// the descriptor is encrypted with the DEK or a key derived from it. A vm object is what a host has registered; it
// opens the disks only at power-on/resume, which needs the KEK in the host's key cache. Without it (or with a
// wrong KEK or a tampered locator) the VM is `locked` and its files are left untouched.
// Guest RAM and device state are modelled as byte arrays the test (the "guest") writes, so that suspend, swap,
// core dumps and vMotion have real secrets to protect.
// Thread safety: none; the owning host serialises access.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/random.hpp"
#include "esxi_sim/crypto_helper.hpp"
#include "esxi_sim/descriptor.hpp"
#include "esxi_sim/encrypted_disk.hpp"
#include "esxi_sim/error.hpp"
#include "esxi_sim/fault_injector.hpp"
#include "esxi_sim/key_cache.hpp"

namespace esxi_sim {

enum class power_state { powered_off, powered_on, locked, suspended };

struct vm_spec {
  std::string name;                           // folder name under the datastore
  std::string key_provider;
  std::string kek_id;                         // must be in the key cache
  std::vector<std::uint64_t> disk_capacities; // bytes, any size (the last sector is partly beyond capacity)
  std::uint32_t sector_size = 4096;           // 512 or 4096
  std::uint64_t memory_bytes = vm_descriptor::default_memory_bytes;  // guest RAM
};

// The .vmx configuration: key = "value" lines (vSphere's format); everything but the encryption.* lines is
// encrypted. Keys are [A-Za-z0-9._-]+, values have no '"', '\\' or control characters.
using vm_config = std::map<std::string, std::string>;

class vm {
 public:
  // Creates <datastore>/<spec.name>: generates a DEK, seals it under the KEK, writes empty sparse extents and the
  // descriptor. Fails (and creates nothing) if the folder exists or the KEK is not cached. Starts powered off.
  // `helper` (optional, outlives the vm) lends a second core to large disk I/O.
  static result<std::unique_ptr<vm>> create(const std::filesystem::path& datastore, const vm_spec& spec,
                                            key_cache& keys, common::random_source& random,
                                            crypto_helper* helper = nullptr);
  // Registers an existing VM folder: parses and validates the descriptor (corrupt -> error naming the file).
  // A suspended VM starts in state suspended.
  static result<std::unique_ptr<vm>> open(const std::filesystem::path& dir, crypto_helper* helper = nullptr);

  const std::filesystem::path& dir() const noexcept { return dir_; }
  const vm_descriptor& descriptor() const noexcept { return desc_; }
  power_state state() const noexcept { return state_; }
  // Why the VM is locked (valid when state() == locked).
  const std::optional<error>& lock_reason() const noexcept { return lock_reason_; }

  // Re-reads the descriptor, completes an interrupted deep re-key if one is recorded, verifies the key locator
  // with the KEK, unwraps the DEK into the key cache and opens the disks. errc::locked (state locked) if a needed
  // KEK is absent or fails the locator's checks; errc::corrupt if a file is damaged. Files are not modified unless
  // a deep re-key is being completed.
  // A suspended VM is resumed instead (see resume()).
  result<void> power_on(key_cache& keys);
  // Flushes and closes the disks and deletes the swap file. The DEK stays in the key cache until the host reboots
  // or evicts it. On a suspended VM: discards the suspend files (vSphere's "power off" of a suspended VM).
  result<void> power_off(key_cache& keys);

  // Suspend: device state -> .vmss, memory -> .vmem (each AES-256-GCM sealed under an HKDF-SHA-256 key from the
  // DEK and a fresh salt), then the descriptor says suspended (the commit point), then disks closed, swap deleted,
  // RAM wiped. REQUIRES powered on.
  result<void> suspend(key_cache& keys, common::random_source& random);
  // Resume: like power-on (needs the KEK, else locked with nothing written); authenticates .vmss/.vmem (corrupt ->
  // an error naming the file, the VM stays suspended, nothing written), restores RAM and device state, then clears
  // the suspended flag and deletes the suspend files. REQUIRES state suspended (or locked while suspended).
  result<void> resume(key_cache& keys);

  // Guest RAM and device state (CPU registers and the like). REQUIRES powered on (else errc::bad_state).
  result<void> write_memory(std::uint64_t offset, std::span<const std::uint8_t> data);
  result<void> read_memory(std::uint64_t offset, std::span<std::uint8_t> out) const;
  result<void> set_device_state(std::span<const std::uint8_t> state);
  const common::secure_bytes& device_state() const noexcept { return device_state_; }
  // Host memory pressure: every guest page is written to .vswp (XTS under an HKDF key from the DEK, the page
  // number as tweak). swap_in() reads them back into RAM. REQUIRES powered on.
  result<void> swap_out();
  result<void> swap_in();

  // The configuration in .vmx (needs the DEK: from the cache when powered on, else unwrapped with the KEK).
  result<vm_config> read_config(const key_cache& keys);
  // Sets one entry and rewrites .vmx atomically (a fresh salt, so a fresh key). Not while suspended.
  result<void> set_config(const key_cache& keys, const std::string& key, const std::string& value,
                          common::random_source& random);

  // Snapshots: one linear chain of at most 32. create_snapshot adds a delta extent per disk (sparse, encrypted
  // with an XTS key derived from the DEK and the delta's file name); new writes go to the newest delta and reads
  // fall through the chain. consolidate() merges the chain into the base extents and deletes the deltas
  // (crash-safe: base changes stay invisible until the descriptor drops the deltas). Powered on or off, not
  // suspended; powered off needs the KEK.
  result<void> create_snapshot(key_cache& keys, const std::string& name);
  result<void> consolidate(key_cache& keys);

  // Serialised RAM and device state (the payload of vMotion). REQUIRES powered on.
  result<common::secure_bytes> running_state() const;
  // Checks that `keys` opens this VM's locator (vMotion's destination check); errc::locked if not. Writes nothing.
  result<void> check_keys(const key_cache& keys) const;
  // Starts the VM from a running_state() taken elsewhere (vMotion destination). REQUIRES powered off/locked.
  result<void> resume_from(key_cache& keys, std::span<const std::uint8_t> state);
  // The source side of a finished vMotion: flushes and closes the disks, deletes the swap file, wipes RAM; the VM
  // becomes powered off here (it runs on the destination).
  result<void> release();
  // Writes a VM core dump (RAM and device state) sealed under the DEK to `p`. REQUIRES powered on.
  result<void> write_core_dump(const std::filesystem::path& p, const key_cache& keys,
                               common::random_source& random) const;

  // Guest I/O on disk `disk`. REQUIRES state() == powered_on (else errc::bad_state).
  result<void> write(std::size_t disk, std::uint64_t offset, std::span<const std::uint8_t> data);
  result<void> read(std::size_t disk, std::uint64_t offset, std::span<std::uint8_t> out);
  result<void> trim(std::size_t disk, std::uint64_t offset, std::uint64_t len);

  // Shallow re-key: the DEK is re-wrapped under new_kek_id (in the cache) and the descriptor replaced atomically;
  // no sector is touched. Allowed powered on (DEK from the cache), off or suspended (DEK unwrapped with the current
  // KEK), and with a snapshot chain (vSphere allows it on a single chain; deltas and suspend files use keys derived
  // from the unchanged DEK).
  result<void> shallow_rekey(key_cache& keys, const std::string& new_kek_id);
  // Deep re-key: a new DEK sealed under new_kek_id, every allocated sector re-encrypted, crash-safe (see
  // docs/esxi-sim.md); the .vmx is re-sealed under the new DEK. REQUIRES powered off, not suspended and no
  // snapshots (vSphere's preconditions; errc::bad_state); both KEKs in the cache. `faults` is a test hook.
  result<void> deep_rekey(key_cache& keys, const std::string& new_kek_id, common::random_source& random,
                          fault_injector* faults = nullptr);

  // Forgets open disks without flushing (host crash / reboot); the state becomes powered_off (suspended if the
  // descriptor says so). RAM is wiped; a stale .vswp stays until the next power-on replaces it.
  void drop() noexcept;

  // File names of the VM's other files.
  std::string vswp_name() const { return desc_.name + ".vswp"; }
  std::string vmss_name() const { return desc_.name + ".vmss"; }
  std::string vmem_name() const { return desc_.name + ".vmem"; }

 private:
  // A disk as the guest sees it: the base extent and the deltas over it, each layer's parent the one below.
  struct disk_chain {
    std::vector<std::unique_ptr<encrypted_disk>> layers;
  };

  vm(std::filesystem::path dir, vm_descriptor d, crypto_helper* helper)
      : dir_(std::move(dir)), desc_(std::move(d)), helper_(helper),
        state_(desc_.suspended ? power_state::suspended : power_state::powered_off) {}
  std::string id() const { return dir_.string(); }
  result<common::secure_bytes> unlock(const key_cache& keys, const key_locator& loc) const;
  result<encrypted_disk*> guest_disk(std::size_t disk);
  result<void> lock(error e);
  // Deep re-key core: re-encrypts from (disk, sector) to the end, journaling each batch, then commits.
  result<void> reencrypt_and_commit(const common::secure_bytes& old_dek, const common::secure_bytes& new_dek,
                                    std::size_t disk, std::uint64_t sector, std::uint64_t next_seq,
                                    fault_injector* faults);
  result<void> recover_deep_rekey(key_cache& keys);
  // The DEK: from the cache when powered on, else unwrapped from the locator.
  result<common::secure_bytes> current_dek(const key_cache& keys) const;
  // Opens every disk chain (base under the DEK, deltas under their derived keys).
  result<std::vector<disk_chain>> open_chains(std::span<const std::uint8_t> dek) const;
  // Opens the chains and a fresh .vswp, and enters powered_on with RAM as given.
  result<void> start_running(key_cache& keys, common::secure_bytes dek, common::secure_bytes memory,
                             common::secure_bytes device_state);
  // Flushes and closes everything of a running VM; deletes .vswp; wipes RAM.
  result<void> stop_running();
  // Finishes step 4 of a committed deep re-key: the staged <vmx>.new (under the new DEK) replaces <vmx>.
  result<void> finish_vmx_rekey();
  result<vm_config> read_config_with(std::span<const std::uint8_t> dek) const;
  // `salt` (32 bytes) must never be reused with the same DEK for a different configuration.
  result<void> write_config_with(const std::filesystem::path& p, const vm_config& c, std::span<const std::uint8_t> dek,
                                 std::span<const std::uint8_t> salt, fault_injector* faults) const;
  // Merges the chains into the base layers; `chains` are open.
  result<void> merge_chains(std::vector<disk_chain>& chains);
  void remove_suspend_files() const;

  std::filesystem::path dir_;
  vm_descriptor desc_;
  crypto_helper* helper_ = nullptr;
  power_state state_ = power_state::powered_off;
  std::optional<error> lock_reason_;
  std::vector<disk_chain> disks_;
  std::unique_ptr<encrypted_disk> swap_;  // .vswp while powered on
  common::secure_bytes memory_;           // guest RAM while powered on
  common::secure_bytes device_state_;
};

}  // namespace esxi_sim
