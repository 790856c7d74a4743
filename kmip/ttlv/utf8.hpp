// UTF-8 validation for Text Strings (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace kmip::ttlv {

// Offset of the first byte that starts an invalid sequence, or nullopt when all of `s` is valid UTF-8.
std::optional<std::size_t> first_invalid_utf8(std::span<const std::uint8_t> s);

}  // namespace kmip::ttlv
