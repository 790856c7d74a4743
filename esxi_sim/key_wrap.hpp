// AES key wrap with padding, RFC 5649, on OpenSSL's EVP_aes_*_wrap_pad. The KEK is 16, 24 or 32 bytes (vCenter's
// KEKs are AES-256; the smaller sizes exist so the RFC 5649 §6 vectors, made with a 192-bit KEK, can be checked).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/secure.hpp"
#include "esxi_sim/error.hpp"

namespace esxi_sim {

// Wraps key (1 .. 2^31 bytes) under kek. The result is 8 bytes longer than key rounded up to 8.
result<std::vector<std::uint8_t>> wrap_key(std::span<const std::uint8_t> kek, std::span<const std::uint8_t> key);

// Unwraps; fails with errc::locked if the integrity check (the alternative IV and padding, RFC 5649 §3) does not
// hold: a wrong KEK or a modified wrapped key. Never returns unverified bytes.
result<common::secure_bytes> unwrap_key(std::span<const std::uint8_t> kek, std::span<const std::uint8_t> wrapped);

}  // namespace esxi_sim
