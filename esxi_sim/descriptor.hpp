// The VM descriptor: the only clear-text file of a VM (docs/esxi-sim.md has the format). It holds what a host needs
// to find the key and lay out the disks, and nothing secret: key provider, KEK ID, wrapped DEK, MAC, disk geometry.
// Parsing validates every field and reports the file and the field at fault; nothing is repaired or rewritten.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "esxi_sim/error.hpp"
#include "esxi_sim/fault_injector.hpp"
#include "esxi_sim/key_locator.hpp"

namespace esxi_sim {

struct disk_info {
  std::string extent;               // file name of the extent, relative to the VM folder
  std::uint64_t capacity_bytes = 0; // guest-visible size; the extent holds ceil(capacity / sector) sectors
  std::vector<std::string> deltas;  // snapshot chain, oldest first: deltas[k] is the delta over snapshot k

  friend bool operator==(const disk_info&, const disk_info&) = default;
};

// Present while a deep re-key is in progress (crash recovery reads it).
struct rekey_info {
  std::string id;            // random hex; journal records carry it, so stale journals are ignored
  key_locator new_locator;   // the new DEK under the new KEK

  friend bool operator==(const rekey_info&, const rekey_info&) = default;
};

struct snapshot_info {
  std::string name;

  friend bool operator==(const snapshot_info&, const snapshot_info&) = default;
};

struct vm_descriptor {
  // Version 2 added the .vmx, memory size, snapshots and the suspended flag. Version 1 files are read as version 2
  // with no .vmx, default memory, no snapshots, not suspended, and written back as version 2 at the next save.
  static constexpr int format_version = 2;
  static constexpr std::string_view file_name = "descriptor.json";
  static constexpr std::uint64_t default_memory_bytes = 256 * 1024;
  static constexpr std::size_t max_snapshots = 32;  // vSphere's limit on a chain

  std::string name;
  std::uint32_t sector_size = 4096;  // 512 or 4096: the XTS data unit
  std::uint64_t memory_bytes = default_memory_bytes;  // guest RAM: the size of .vmem and .vswp
  std::optional<std::string> vmx;    // the encrypted configuration file, absent for migrated version-1 VMs
  key_locator locator;
  std::vector<disk_info> disks;
  std::vector<snapshot_info> snapshots;  // one linear chain; every disk has one delta per snapshot
  bool suspended = false;                // .vmss/.vmem hold the running state (the commit point of suspend)
  std::optional<rekey_info> rekey;

  friend bool operator==(const vm_descriptor&, const vm_descriptor&) = default;
};

std::string to_json(const vm_descriptor& d);
// `file` names the source in errors.
result<vm_descriptor> parse_descriptor(std::string_view text, const std::string& file);
result<vm_descriptor> load_descriptor(const std::filesystem::path& vm_dir);
result<void> save_descriptor(const std::filesystem::path& vm_dir, const vm_descriptor& d,
                             fault_injector* faults = nullptr);

}  // namespace esxi_sim
