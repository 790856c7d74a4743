// The key locator: what a VM stores so that a host holding the right KEK can recover the VM's DEK. Modelled on
// vSphere's "encryption bundle" (reference/vcenter-kmip.md §5: a locker naming the KMS key, plus MAC-protected
// locked data): key provider, KEK ID, the DEK wrapped under the KEK (RFC 5649), and HMAC-SHA-256 over all three.
// The MAC key is derived from the KEK, so only a holder of the KEK can make or check a locator. No secret is in it.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/secure.hpp"
#include "esxi_sim/error.hpp"

namespace esxi_sim {

struct key_locator {
  std::string key_provider;                // vCenter's key provider (KMS cluster) name
  std::string kek_id;                      // the KMS's Unique Identifier of the KEK
  std::vector<std::uint8_t> wrapped_dek;   // RFC 5649 wrap of the 64-byte DEK under the KEK
  std::array<std::uint8_t, 32> mac{};      // HMAC-SHA-256(mac_key(KEK), bundle(provider, kek_id, wrapped_dek))

  friend bool operator==(const key_locator&, const key_locator&) = default;
};

// Wraps dek under kek and MACs the bundle. REQUIRES: kek is 32 bytes.
result<key_locator> seal_locator(std::string key_provider, std::string kek_id, std::span<const std::uint8_t> kek,
                                 std::span<const std::uint8_t> dek);

// Checks the MAC (constant time), then unwraps. errc::locked if the MAC or the unwrap fails: wrong KEK or a
// locator altered on disk (the two cannot be told apart without the right KEK; the message says so).
result<common::secure_bytes> open_locator(const key_locator& loc, std::span<const std::uint8_t> kek);

}  // namespace esxi_sim
