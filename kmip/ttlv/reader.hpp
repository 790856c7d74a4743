// Binary TTLV -> tree (KMIP 1.x §9.1, 2.1 §10.1). Sans-I/O: bytes in, a tree or an error with its byte offset out.
// The decoder never reads outside the given span, whatever the input, and enforces decode_limits before it
// stores anything for an item.
#pragma once

#include <cstdint>
#include <span>

#include "kmip/ttlv/decode_limits.hpp"
#include "kmip/ttlv/error.hpp"
#include "kmip/ttlv/tree.hpp"

namespace kmip::ttlv {

// Decodes exactly one item that spans all of `bytes` (any type; a message is a Structure).
result<tree> decode(std::span<const std::uint8_t> bytes, const decode_limits& limits = {});

// Decodes a framed KMIP message: like decode(), and the top-level item must be a Structure.
result<tree> decode_message(std::span<const std::uint8_t> bytes, const decode_limits& limits = {});

}  // namespace kmip::ttlv
