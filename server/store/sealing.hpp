// Key material at rest, shared by the persistent stores (sqlite_store, postgres_store): the server master key
// file and AES-256-GCM sealing under it.
//
// A sealed value is nonce (12, from OpenSSL's DRBG) || ciphertext || tag (16). The additional data binds it to
// where it belongs: object_aad(id) for an object's material, so a sealed blob moved to another row does not
// open; master_key_check_aad for the check value a store keeps to prove, at open, that the master key is the
// one the database was written with.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/secure.hpp"
#include "server/core/object_store.hpp"

namespace kmipd::store {

inline constexpr std::size_t master_key_size = 32;
inline constexpr std::string_view master_key_check_aad = "kmipd-master-key-check";

// Reads the master key file, creating it (32 random bytes, mode 0600) when absent. Refuses a file readable or
// writable by group or others, or not 32 bytes long, with a message naming it.
core::store_result<common::secure_bytes> load_or_create_master_key(const std::filesystem::path& path);

// AES-256-GCM under `key` (32 bytes): nonce || ciphertext || tag.
core::store_result<std::vector<std::uint8_t>> seal(std::span<const std::uint8_t> key, std::span<const std::uint8_t> plain,
                                                   std::string_view aad);
// The inverse; store_errc::corrupt when the value is short, tampered with or sealed under another key.
core::store_result<common::secure_bytes> open_sealed(std::span<const std::uint8_t> key,
                                                     std::span<const std::uint8_t> sealed, std::string_view aad);

// "kmipd-object:" + id.
std::string object_aad(std::string_view id);

// A fresh check value for a new database, and whether `sealed` is one that `key` opens.
core::store_result<std::vector<std::uint8_t>> seal_master_key_check(std::span<const std::uint8_t> key);
bool master_key_check_opens(std::span<const std::uint8_t> key, std::span<const std::uint8_t> sealed);

}  // namespace kmipd::store
