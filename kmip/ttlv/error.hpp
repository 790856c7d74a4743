// Codec errors are values carrying the byte offset at which the input went wrong (STYLE.md habit 3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace kmip::ttlv {

enum class errc : std::uint8_t {
  truncated,              // the input ends inside an item
  bad_tag,                // tag outside the 0x42xxxx (spec) and 0x54xxxx (extension) ranges
  bad_type,               // item type byte not 0x01..0x0A
  bad_length,             // length not allowed for the type
  nonzero_padding,        // padding bytes not zero
  bad_boolean,            // Boolean other than 0 or 1
  bad_text,               // Text String not valid UTF-8
  structure_overrun,      // a child item runs past the end of its structure
  trailing_bytes,         // bytes left after the top-level item
  message_too_large,      // decode_limits::max_message_size
  too_deep,               // decode_limits::max_depth
  too_many_items,         // decode_limits::max_items
  string_too_long,        // decode_limits::max_string_length
  not_a_message,          // a framed message must be a Structure
  unresolved_placeholder, // an encoding placeholder ($NOW, ...) reached the binary encoder
  bad_value,              // a value that cannot be represented (encoders)
};

std::string_view to_string(errc e);

struct error {
  error() = default;
  error(errc c, std::size_t off, std::string d = {}) : code(c), offset(off), detail(std::move(d)) {}
  errc code = errc::truncated;
  std::size_t offset = 0;  // byte offset in the input where the problem is
  std::string detail;      // what was found, for people

  // "truncated at byte 12: Text String needs 16 bytes, 4 left"
  std::string message() const;
};

template <class T>
using result = common::expected<T, error>;

}  // namespace kmip::ttlv
