// Authenticated encryption of whole byte streams (docs/esxi-sim.md, "Sealed files"): AES-256-GCM over 64 KiB
// chunks, chunk i under nonce = base_nonce XOR i (big-endian, in the last 8 bytes), each chunk's AAD being the
// caller's AAD plus a final-chunk flag, so chunks cannot be reordered, dropped or truncated unnoticed.
// Two users: sealed files (.vmss, .vmem, core dumps), whose key is derived per file with HKDF-SHA-256 from the
// VM's DEK or the host key and a fresh random salt stored in the file header; and the vMotion stream, whose key
// and nonce are the one-time values of a migration_spec. Nothing here returns unauthenticated bytes.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "common/random.hpp"
#include "common/secure.hpp"
#include "esxi_sim/error.hpp"
#include "esxi_sim/fault_injector.hpp"

namespace esxi_sim {

inline constexpr std::size_t gcm_chunk_bytes = 64 * 1024;
inline constexpr std::size_t gcm_tag_bytes = 16;

// Size of the sealed form of `len` plaintext bytes: at least one chunk (so an empty stream still has a tag).
std::uint64_t sealed_size(std::uint64_t len) noexcept;

// REQUIRES: key is 32 bytes, nonce 12. Fails only on an OpenSSL failure.
result<std::vector<std::uint8_t>> gcm_seal(std::span<const std::uint8_t> key, std::span<const std::uint8_t> nonce,
                                           std::span<const std::uint8_t> aad, std::span<const std::uint8_t> plain);
// Opens what gcm_seal made for `plain_len` bytes. errc::corrupt naming `what_file` if the size is wrong or any
// chunk fails authentication (damaged, or sealed under another key: GCM cannot tell the two apart).
result<common::secure_bytes> gcm_open(std::span<const std::uint8_t> key, std::span<const std::uint8_t> nonce,
                                      std::span<const std::uint8_t> aad, std::span<const std::uint8_t> sealed,
                                      std::uint64_t plain_len, const std::string& what_file);

// HKDF-SHA-256 (RFC 5869) -> `out.size()` bytes.
result<void> hkdf_sha256(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> salt,
                         std::string_view info, std::span<std::uint8_t> out);

// What a sealed file holds; part of the key derivation and of the AAD, so a .vmss cannot pass for a .vmem.
enum class sealed_kind : std::uint32_t { vmss = 1, vmem = 2, vm_core_dump = 3, host_core_dump = 4 };

// Writes p atomically (tmp + fsync + rename): header "ESXSEAL2" | kind u32 | chunk u32 | length u64 | salt[32],
// then gcm_seal(HKDF(ikm, salt, "esxi_sim.sealed.v2.<kind>"), zero nonce, header, plain). The salt is fresh per
// write, so every file has its own key and the counter nonces never repeat under a key.
result<void> write_sealed_file(const std::filesystem::path& p, sealed_kind kind, std::span<const std::uint8_t> ikm,
                               std::span<const std::uint8_t> plain, common::random_source& random,
                               fault_injector* faults = nullptr);
// Reads and authenticates p. errc::corrupt naming p for a bad header, a wrong kind, a wrong size or a failed tag;
// errc::not_found if absent.
result<common::secure_bytes> read_sealed_file(const std::filesystem::path& p, sealed_kind kind,
                                              std::span<const std::uint8_t> ikm);

}  // namespace esxi_sim
