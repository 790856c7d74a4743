// The deep re-key journal (docs/esxi-sim.md, "Crash safety"). Before a batch of sectors is overwritten with the new
// DEK's ciphertext, its OLD ciphertext is recorded here and synced. Two slots alternate, so a torn journal write
// always leaves the previous record intact. Records carry the re-key ID (from the descriptor) and a SHA-256 over
// the record, so stale or damaged records are ignored. The journal holds ciphertext only, never a key or plaintext.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "esxi_sim/error.hpp"
#include "esxi_sim/fault_injector.hpp"
#include "esxi_sim/file.hpp"

namespace esxi_sim {

class rekey_journal {
 public:
  static constexpr std::string_view file_name = "rekey.journal";
  static constexpr std::size_t max_batch_sectors = 16;

  struct record {
    std::uint64_t seq = 0;
    std::uint32_t disk = 0;
    std::uint64_t first_sector = 0;
    std::vector<std::uint8_t> old_ciphertext;  // whole sectors starting at first_sector
  };

  // Opens (creating if absent) the journal of re-key `id`; records of any other ID are ignored.
  static result<rekey_journal> open(const std::filesystem::path& vm_dir, std::string id, std::size_t sector_size);

  // The valid record of this re-key with the highest sequence number, if any.
  result<std::optional<record>> last() const;

  // Writes a record in slot seq % 2 and syncs it. REQUIRES: old_ciphertext is 1..max_batch_sectors sectors.
  result<void> append(const record& r, fault_injector* faults);

  static void remove(const std::filesystem::path& vm_dir);

 private:
  rekey_journal(file f, std::string id, std::size_t sector) : file_(std::move(f)), id_(std::move(id)), sector_(sector) {}
  std::size_t slot_size() const noexcept;

  file file_;
  std::string id_;
  std::size_t sector_;
};

}  // namespace esxi_sim
