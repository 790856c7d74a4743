// A virtual machine on a datastore: a folder holding descriptor.json (clear, non-secret) and one encrypted extent
// per disk (docs/esxi-sim.md). A vm object is what a host has registered; it opens the disks only at power-on,
// which needs the KEK in the host's key cache. Without it (or with a wrong KEK or a tampered locator) the VM is
// `locked` and its files are left untouched.
// Thread safety: none; the owning host serialises access.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/random.hpp"
#include "esxi_sim/descriptor.hpp"
#include "esxi_sim/encrypted_disk.hpp"
#include "esxi_sim/error.hpp"
#include "esxi_sim/fault_injector.hpp"
#include "esxi_sim/key_cache.hpp"

namespace esxi_sim {

enum class power_state { powered_off, powered_on, locked };

struct vm_spec {
  std::string name;                           // folder name under the datastore
  std::string key_provider;
  std::string kek_id;                         // must be in the key cache
  std::vector<std::uint64_t> disk_capacities; // bytes, any size (the last sector is partly beyond capacity)
  std::uint32_t sector_size = 4096;           // 512 or 4096
};

class vm {
 public:
  // Creates <datastore>/<spec.name>: generates a DEK, seals it under the KEK, writes empty sparse extents and the
  // descriptor. Fails (and creates nothing) if the folder exists or the KEK is not cached. Starts powered off.
  static result<std::unique_ptr<vm>> create(const std::filesystem::path& datastore, const vm_spec& spec,
                                            key_cache& keys, common::random_source& random);
  // Registers an existing VM folder: parses and validates the descriptor (corrupt -> error naming the file).
  static result<std::unique_ptr<vm>> open(const std::filesystem::path& dir);

  const std::filesystem::path& dir() const noexcept { return dir_; }
  const vm_descriptor& descriptor() const noexcept { return desc_; }
  power_state state() const noexcept { return state_; }
  // Why the VM is locked (valid when state() == locked).
  const std::optional<error>& lock_reason() const noexcept { return lock_reason_; }

  // Re-reads the descriptor, completes an interrupted deep re-key if one is recorded, verifies the key locator
  // with the KEK, unwraps the DEK into the key cache and opens the disks. errc::locked (state locked) if a needed
  // KEK is absent or fails the locator's checks; errc::corrupt if a file is damaged. Files are not modified unless
  // a deep re-key is being completed.
  result<void> power_on(key_cache& keys);
  // Flushes and closes the disks. The DEK stays in the key cache until the host reboots or evicts it.
  result<void> power_off(key_cache& keys);

  // Guest I/O on disk `disk`. REQUIRES state() == powered_on (else errc::bad_state).
  result<void> write(std::size_t disk, std::uint64_t offset, std::span<const std::uint8_t> data);
  result<void> read(std::size_t disk, std::uint64_t offset, std::span<std::uint8_t> out);
  result<void> trim(std::size_t disk, std::uint64_t offset, std::uint64_t len);

  // Shallow re-key: the DEK is re-wrapped under new_kek_id (in the cache) and the descriptor replaced atomically;
  // no sector is touched. Allowed powered on (DEK from the cache) or off (DEK unwrapped with the current KEK).
  result<void> shallow_rekey(key_cache& keys, const std::string& new_kek_id);
  // Deep re-key: a new DEK sealed under new_kek_id, every allocated sector re-encrypted, crash-safe (see
  // docs/esxi-sim.md). REQUIRES powered off (vSphere's rule); both KEKs in the cache. `faults` is a test hook.
  result<void> deep_rekey(key_cache& keys, const std::string& new_kek_id, common::random_source& random,
                          fault_injector* faults = nullptr);

  // Forgets open disks without flushing (host crash / reboot); the state becomes powered_off.
  void drop() noexcept;

 private:
  vm(std::filesystem::path dir, vm_descriptor d) : dir_(std::move(dir)), desc_(std::move(d)) {}
  std::string id() const { return dir_.string(); }
  result<common::secure_bytes> unlock(const key_cache& keys, const key_locator& loc) const;
  result<encrypted_disk*> guest_disk(std::size_t disk);
  result<void> lock(error e);
  // Deep re-key core: re-encrypts from (disk, sector) to the end, journaling each batch, then commits.
  result<void> reencrypt_and_commit(const common::secure_bytes& old_dek, const common::secure_bytes& new_dek,
                                    std::size_t disk, std::uint64_t sector, std::uint64_t next_seq,
                                    fault_injector* faults);
  result<void> recover_deep_rekey(key_cache& keys);

  std::filesystem::path dir_;
  vm_descriptor desc_;
  power_state state_ = power_state::powered_off;
  std::optional<error> lock_reason_;
  std::vector<encrypted_disk> disks_;
};

}  // namespace esxi_sim
