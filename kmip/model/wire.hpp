// PRIVATE to kmip/model: the non-template pieces of the wire forms that codec.hpp uses: tag names and type
// messages for errors, and the 1.x and 2.x forms of attributes and attribute references (attribute.hpp has
// the mapping rules).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kmip/model/attribute.hpp"
#include "kmip/model/error.hpp"
#include "kmip/spec/spec.hpp"
#include "kmip/ttlv/item_type.hpp"
#include "kmip/ttlv/tree.hpp"

namespace kmip::model::detail {

// "Cryptographic Length", or "0x540001" for a tag the spec tables lack.
std::string tag_name(std::uint32_t tag);
std::string tag_name(spec::tag tag);
std::string hex32(std::uint32_t value);                                      // "0x0000000C"
std::string type_mismatch(ttlv::item_type expected, ttlv::item_type found);  // "expected Integer, got Text String"
// "KMIP 1.0 to 1.4", "KMIP 2.0 and later".
std::string describe_versions(version_set versions);

// Appends a copy of `item` under another tag (a structure keeps its children).
void add_retagged(ttlv::tree& out, ttlv::item_view item, std::uint32_t tag);

// 1.x: Attribute { Attribute Name, Attribute Index?, Attribute Value } (1.x §2.1.1).
result<attribute> decode_attribute_v1(ttlv::item_view item);
result<void> encode_attribute_v1(const attribute& a, std::uint32_t tag, ttlv::tree& out);

// 2.x: one item of an Attributes structure: the attribute's own tag, or a vendor Attribute (2.1 §4.60).
result<attribute> decode_attribute_v2(ttlv::item_view item);
result<void> encode_attribute_v2(const attribute& a, ttlv::tree& out);
// 2.x: New Attribute / Current Attribute, a structure around exactly one attribute (2.1 §5.6, §5.7).
result<attribute> decode_wrapped_attribute_v2(ttlv::item_view wrapper);
result<void> encode_wrapped_attribute_v2(const attribute& a, std::uint32_t tag, ttlv::tree& out);
// 2.x: Attributes, Common Attributes, ... (2.1 §5.1–5.4). Decoding appends to `out`.
result<void> decode_attribute_list_v2(ttlv::item_view list, std::vector<attribute>& out);
result<void> encode_attribute_list_v2(const std::vector<attribute>& list, std::uint32_t tag, ttlv::tree& out);

// 1.x Attribute Name (Text String); 2.x Attribute Reference (2.1 §5.5).
result<attribute_reference> decode_attribute_reference(ttlv::item_view item, spec::version v);
result<void> encode_attribute_reference(const attribute_reference& r, std::uint32_t tag, ttlv::tree& out,
                                        spec::version v);

}  // namespace kmip::model::detail
