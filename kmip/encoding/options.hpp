// Bounds on what the XML and JSON readers accept, and the knobs of the writers. The readers check each bound
// before they store anything for the offending item (STYLE.md habit 9); the defaults admit every OASIS test case.
#pragma once

#include <cstddef>

namespace kmip::encoding {

struct read_limits {
  std::size_t max_input_size = 16u << 20;   // bytes of XML or JSON text
  std::size_t max_depth = 32;               // nesting of TTLV structures; a message's top level is depth 1,
                                            // as in ttlv::decode_limits (a test case's wrapper is not counted)
  std::size_t max_items = 65536;            // items in one message
  std::size_t max_value_length = 1u << 20;  // one value's text (an attribute or a JSON string), in bytes
};

struct write_options {
  std::size_t indent = 2;            // spaces per nesting level; 0 writes each message on one line
  bool redact_key_material = false;  // write every value inside Key Material as the placeholder $KEY_MATERIAL
                                     // (the OASIS test cases' own notation), so the output stays parseable
};

}  // namespace kmip::encoding
