// Key cache maps; wiping is done by secure_bytes' allocator on every erase.
#include "esxi_sim/key_cache.hpp"

namespace esxi_sim {

void key_cache::put_kek(const std::string& kek_id, std::span<const std::uint8_t> key) {
  keks_.insert_or_assign(kek_id, common::secure_bytes(key.begin(), key.end()));
}

const common::secure_bytes* key_cache::kek(std::string_view kek_id) const {
  auto it = keks_.find(kek_id);
  return it == keks_.end() ? nullptr : &it->second;
}

bool key_cache::evict_kek(std::string_view kek_id) {
  auto it = keks_.find(kek_id);
  if (it == keks_.end()) return false;
  keks_.erase(it);
  return true;
}

void key_cache::put_dek(const std::string& vm_id, common::secure_bytes dek) {
  deks_.insert_or_assign(vm_id, std::move(dek));
}

const common::secure_bytes* key_cache::dek(std::string_view vm_id) const {
  auto it = deks_.find(vm_id);
  return it == deks_.end() ? nullptr : &it->second;
}

bool key_cache::evict_dek(std::string_view vm_id) {
  auto it = deks_.find(vm_id);
  if (it == deks_.end()) return false;
  deks_.erase(it);
  return true;
}

void key_cache::clear() noexcept {
  keks_.clear();
  deks_.clear();
}

void key_cache::clear_deks() noexcept { deks_.clear(); }

}  // namespace esxi_sim
