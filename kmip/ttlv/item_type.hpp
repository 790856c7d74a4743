// The TTLV item types of KMIP: the ten of 1.x (§9.1.1.2) and 2.x's Date Time Extended (2.1 §10.1.2), and their fixed wire lengths.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace kmip::ttlv {

enum class item_type : std::uint8_t {
  structure = 0x01,
  integer = 0x02,
  long_integer = 0x03,
  big_integer = 0x04,
  enumeration = 0x05,
  boolean = 0x06,
  text_string = 0x07,
  byte_string = 0x08,
  date_time = 0x09,
  interval = 0x0A,
  date_time_extended = 0x0B,  // KMIP 2.0+: microseconds since the Unix epoch (2.1 §10.1.2)
};

constexpr bool is_valid_item_type(std::uint8_t t) { return t >= 0x01 && t <= 0x0B; }

// The value length a type must have on the wire, or nullopt where it varies (structures, strings, big integers).
constexpr std::optional<std::uint32_t> fixed_length(item_type t) {
  switch (t) {
    case item_type::integer:
    case item_type::enumeration:
    case item_type::interval: return 4;
    case item_type::long_integer:
    case item_type::boolean:
    case item_type::date_time:
    case item_type::date_time_extended: return 8;
    default: return std::nullopt;
  }
}

// Spec name, e.g. "Text String".
std::string_view to_string(item_type t);
// The CamelCase name of the XML/JSON encodings, e.g. "TextString".
std::string_view to_camel(item_type t);
// Accepts either form.
std::optional<item_type> parse_item_type(std::string_view name);

// Value length rounded up to the 8-byte alignment of the wire format.
constexpr std::uint64_t padded(std::uint64_t n) { return (n + 7) & ~std::uint64_t{7}; }

}  // namespace kmip::ttlv
