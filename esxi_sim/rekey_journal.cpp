// Journal slot layout (all integers little-endian):
//   "ESXJRNL1" | id_len u32 | id (64 bytes, zero padded) | seq u64 | disk u32 | first_sector u64 | count u32 |
//   old ciphertext (count * sector bytes, slot padded to max_batch_sectors) | SHA-256 of all preceding slot bytes
#include "esxi_sim/rekey_journal.hpp"

#include <array>
#include <cstring>

#include <openssl/evp.h>

namespace esxi_sim {

namespace {

constexpr std::string_view magic = "ESXJRNL1";
constexpr std::size_t id_field = 64;
constexpr std::size_t header = 8 + 4 + id_field + 8 + 4 + 8 + 4;

void put(std::vector<std::uint8_t>& b, std::size_t at, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) b[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint64_t get(std::span<const std::uint8_t> b, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= std::uint64_t{b[at + static_cast<std::size_t>(i)]} << (8 * i);
  return v;
}
std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> b) {
  std::array<std::uint8_t, 32> d{};
  unsigned int n = 0;
  EVP_Digest(b.data(), b.size(), d.data(), &n, EVP_sha256(), nullptr);
  return d;
}

}  // namespace

std::size_t rekey_journal::slot_size() const noexcept { return header + max_batch_sectors * sector_ + 32; }

result<rekey_journal> rekey_journal::open(const std::filesystem::path& vm_dir, std::string id,
                                          std::size_t sector_size) {
  if (id.size() > id_field) return fail(errc::invalid_argument, "", "re-key id too long");
  const auto p = vm_dir / file_name;
  auto f = file::open(p, file::mode::read_write);
  if (!f && f.error().code == errc::not_found) f = file::open(p, file::mode::create_new);
  if (!f) return common::unexpected<error>{f.error()};
  return rekey_journal{std::move(*f), std::move(id), sector_size};
}

result<std::optional<rekey_journal::record>> rekey_journal::last() const {
  std::optional<record> best;
  std::vector<std::uint8_t> slot(slot_size());
  for (std::uint64_t s = 0; s < 2; ++s) {
    if (!file_.read_at(s * slot.size(), slot)) continue;  // absent or short slot: nothing there
    if (std::memcmp(slot.data(), magic.data(), magic.size()) != 0) continue;
    const auto digest = sha256(std::span(slot).first(slot.size() - 32));
    if (std::memcmp(digest.data(), slot.data() + slot.size() - 32, 32) != 0) continue;  // torn or damaged
    const auto id_len = get(slot, 8, 4);
    if (id_len != id_.size() || std::memcmp(slot.data() + 12, id_.data(), id_.size()) != 0) continue;  // stale
    std::size_t at = 12 + id_field;
    record r;
    r.seq = get(slot, at, 8);
    r.disk = static_cast<std::uint32_t>(get(slot, at + 8, 4));
    r.first_sector = get(slot, at + 12, 8);
    const auto count = get(slot, at + 20, 4);
    if (count == 0 || count > max_batch_sectors) continue;
    r.old_ciphertext.assign(slot.begin() + static_cast<std::ptrdiff_t>(header),
                            slot.begin() + static_cast<std::ptrdiff_t>(header + count * sector_));
    if (!best || r.seq > best->seq) best = std::move(r);
  }
  return best;
}

result<void> rekey_journal::append(const record& r, fault_injector* faults) {
  const std::size_t count = r.old_ciphertext.size() / sector_;
  if (count == 0 || count > max_batch_sectors || r.old_ciphertext.size() % sector_ != 0) {
    return fail(errc::invalid_argument, file_.path(), "journal batch must be 1..16 whole sectors");
  }
  std::vector<std::uint8_t> slot(slot_size(), 0);
  std::memcpy(slot.data(), magic.data(), magic.size());
  put(slot, 8, id_.size(), 4);
  std::memcpy(slot.data() + 12, id_.data(), id_.size());
  const std::size_t at = 12 + id_field;
  put(slot, at, r.seq, 8);
  put(slot, at + 8, r.disk, 4);
  put(slot, at + 12, r.first_sector, 8);
  put(slot, at + 20, count, 4);
  std::memcpy(slot.data() + header, r.old_ciphertext.data(), r.old_ciphertext.size());
  const auto digest = sha256(std::span(slot).first(slot.size() - 32));
  std::memcpy(slot.data() + slot.size() - 32, digest.data(), 32);
  if (auto w = file_.write_at((r.seq % 2) * slot.size(), slot, faults); !w) return w;
  return file_.sync();
}

void rekey_journal::remove(const std::filesystem::path& vm_dir) {
  std::error_code ec;
  std::filesystem::remove(vm_dir / file_name, ec);
}

}  // namespace esxi_sim
