// Hex text <-> bytes. Parsing accepts the forms people paste: spaces, newlines, `|` separators (the spec's
// "42 00 20 | 02 | ..." layout), an optional 0x prefix; errors name the character offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"

namespace common {

struct hex_error {
  std::size_t offset = 0;  // offset in the text of the offending character
  std::string what;
};

// Decodes hex text. Whitespace, '|', ':' and '_' separate nothing and are skipped; a leading "0x" is allowed.
expected<std::vector<std::uint8_t>, hex_error> from_hex(std::string_view text);

// Lowercase hex, no separators.
std::string to_hex(std::span<const std::uint8_t> bytes);
// Uppercase hex, no separators (the KMIP XML/JSON encodings' customary form).
std::string to_hex_upper(std::span<const std::uint8_t> bytes);

}  // namespace common
