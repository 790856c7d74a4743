// A host's in-RAM key cache: KEKs pushed by vCenter (by KMS key ID) and the DEKs unwrapped from VM key locators
// (by VM folder). RAM only: nothing here is ever written to a file, and clear() (host reboot) forgets everything.
// Every key lives in common::secure_bytes, so eviction, replacement and clear() wipe the bytes before freeing them.
// Thread safety: none; the owning host serialises access.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "common/secure.hpp"

namespace esxi_sim {

class key_cache {
 public:
  // Stores (or replaces) a KEK. vCenter's KEKs are AES-256 keys (32 bytes); other sizes are stored as given.
  void put_kek(const std::string& kek_id, std::span<const std::uint8_t> key);
  // The KEK, or nullptr. The pointer is valid until the entry is evicted or replaced.
  const common::secure_bytes* kek(std::string_view kek_id) const;
  bool evict_kek(std::string_view kek_id);

  void put_dek(const std::string& vm_id, common::secure_bytes dek);
  const common::secure_bytes* dek(std::string_view vm_id) const;
  bool evict_dek(std::string_view vm_id);

  // Forgets every key (host reboot).
  void clear() noexcept;
  // Forgets the DEKs only (a reboot of a host with key persistence: its KEKs survive).
  void clear_deks() noexcept;
  std::size_t kek_count() const noexcept { return keks_.size(); }
  std::size_t dek_count() const noexcept { return deks_.size(); }

 private:
  std::map<std::string, common::secure_bytes, std::less<>> keks_;
  std::map<std::string, common::secure_bytes, std::less<>> deks_;
};

}  // namespace esxi_sim
