// Bounds on what the decoder accepts, checked before anything is allocated for the item (STYLE.md habit 9).
#pragma once

#include <cstddef>

namespace kmip::ttlv {

struct decode_limits {
  std::size_t max_message_size = 1u << 20;   // whole message, header included
  std::size_t max_depth = 32;                // nesting of structures; the top level is depth 1
  std::size_t max_items = 65536;             // items in one message
  std::size_t max_string_length = 1u << 20;  // one Text String, Byte String or Big Integer value
  bool strict_padding = true;                // padding must be zero bytes (spec 9.1.1.5)
  bool validate_utf8 = true;                 // Text String must be UTF-8 (spec 9.1.1.4)
};

}  // namespace kmip::ttlv
