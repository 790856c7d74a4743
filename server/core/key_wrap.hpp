// AES key wrap for Get with a Key Wrapping Specification: RFC 3394 (KMIP Block Cipher Mode NISTKeyWrap) and
// RFC 5649 (AESKeyWrapPadding), through OpenSSL's EVP_aes_*_wrap and EVP_aes_*_wrap_pad.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/expected.hpp"
#include "common/secure.hpp"

namespace kmipd::core {

enum class aes_wrap_mode : std::uint8_t { rfc3394, rfc5649 };

// REQUIRES: kek is 16, 24 or 32 bytes. RFC 3394 needs data of a multiple of 8 bytes, at least 16.
common::expected<common::secure_bytes, std::string> aes_key_wrap(std::span<const std::uint8_t> kek,
                                                                 std::span<const std::uint8_t> data, aes_wrap_mode mode);
common::expected<common::secure_bytes, std::string> aes_key_unwrap(std::span<const std::uint8_t> kek,
                                                                   std::span<const std::uint8_t> wrapped,
                                                                   aes_wrap_mode mode);

}  // namespace kmipd::core
