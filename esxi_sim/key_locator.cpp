// Sealing and opening key locators. MAC input: "esxi_sim.key_locator.v1" then each field as a 4-byte big-endian
// length and its bytes, so that no two different bundles have the same encoding.
#include "esxi_sim/key_locator.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "esxi_sim/key_wrap.hpp"

namespace esxi_sim {

namespace {

constexpr std::string_view mac_label = "esxi_sim.key_locator.mac_key.v1";
constexpr std::string_view bundle_label = "esxi_sim.key_locator.v1";

void append_field(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> f) {
  const auto n = static_cast<std::uint32_t>(f.size());
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(n >> s));
  out.insert(out.end(), f.begin(), f.end());
}

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

bool hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data, std::uint8_t* out) {
  unsigned int len = 0;
  return HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out, &len) !=
             nullptr &&
         len == 32;
}

bool compute_mac(const key_locator& loc, std::span<const std::uint8_t> kek, std::array<std::uint8_t, 32>& mac) {
  common::secure_bytes mac_key(32);
  if (!hmac_sha256(kek, bytes_of(mac_label), mac_key.data())) return false;
  std::vector<std::uint8_t> bundle;
  append_field(bundle, bytes_of(bundle_label));
  append_field(bundle, bytes_of(loc.key_provider));
  append_field(bundle, bytes_of(loc.kek_id));
  append_field(bundle, loc.wrapped_dek);
  return hmac_sha256(mac_key, bundle, mac.data());
}

}  // namespace

result<key_locator> seal_locator(std::string key_provider, std::string kek_id, std::span<const std::uint8_t> kek,
                                 std::span<const std::uint8_t> dek) {
  if (kek.size() != 32) return fail(errc::invalid_argument, "", "a KEK is an AES-256 key (32 bytes)");
  auto wrapped = wrap_key(kek, dek);
  if (!wrapped) return common::unexpected<error>{wrapped.error()};
  key_locator loc{std::move(key_provider), std::move(kek_id), std::move(*wrapped), {}};
  if (!compute_mac(loc, kek, loc.mac)) return fail(errc::crypto, "", "HMAC-SHA-256 failed");
  return loc;
}

result<common::secure_bytes> open_locator(const key_locator& loc, std::span<const std::uint8_t> kek) {
  if (kek.size() != 32) return fail(errc::invalid_argument, "", "a KEK is an AES-256 key (32 bytes)");
  std::array<std::uint8_t, 32> mac{};
  if (!compute_mac(loc, kek, mac)) return fail(errc::crypto, "", "HMAC-SHA-256 failed");
  if (CRYPTO_memcmp(mac.data(), loc.mac.data(), mac.size()) != 0) {
    return fail(errc::locked, "",
                "key locator for KEK '" + loc.kek_id + "' fails its HMAC-SHA-256 check (wrong KEK or tampered)");
  }
  auto dek = unwrap_key(kek, loc.wrapped_dek);
  if (!dek) return common::unexpected<error>{dek.error()};
  if (dek->size() != 64) return fail(errc::corrupt, "", "the unwrapped DEK is not 64 bytes");
  return std::move(*dek);
}

}  // namespace esxi_sim
