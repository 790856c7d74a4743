// tree -> binary TTLV. The inverse of decode(): decode(encode(t)) == t for every tree without placeholders.
#pragma once

#include <cstdint>
#include <vector>

#include "common/secure.hpp"
#include "kmip/ttlv/error.hpp"
#include "kmip/ttlv/tree.hpp"

namespace kmip::ttlv {

// Messages may carry key material, so they live in wiping buffers.
// Appends the encoding of `item` to `out`; on failure `out` is left as it was. Fails (offset = byte position in `out`) on a placeholder or
// a Big Integer whose length is not a multiple of 8.
result<void> encode_into(item_view item, common::secure_bytes& out);

// REQUIRES: !t.empty().
result<common::secure_bytes> encode(const tree& t);

// Sign-extends a big-endian two's complement integer to a multiple of 8 bytes (the wire form of Big Integer).
std::vector<std::uint8_t> pad_big_integer(std::span<const std::uint8_t> twos_complement_be);

}  // namespace kmip::ttlv
