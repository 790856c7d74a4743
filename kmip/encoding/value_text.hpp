// Internal to kmip/encoding: the text forms that the XML and JSON encodings share (Additional Message
// Encodings v1.0, sections 4.1 and 6.1): tag and type names, and each item type's value as text, both ways.
// XML writes every value as text; JSON writes numbers and Booleans natively and everything else as this text.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "common/secure.hpp"
#include "kmip/encoding/error.hpp"
#include "kmip/ttlv/tree.hpp"

namespace kmip::encoding::detail {

// What went wrong with one value; the caller adds where it is.
struct value_error {
  errc code = errc::bad_value;
  std::string detail;
};
template <class T>
using value_result = common::expected<T, value_error>;

// ---- tags and types -----------------------------------------------------------------------------------
// "UniqueIdentifier" for a spec tag, "0x540001" for an extension tag or one the tables do not know.
std::string tag_text(std::uint32_t tag);
// Accepts a CamelCase or spec name, or 0x and six hex digits in the 0x42xxxx or 0x54xxxx range.
value_result<std::uint32_t> parse_tag(std::string_view text);
// Accepts the CamelCase type names (and the spec's spaced names).
value_result<ttlv::item_type> parse_type(std::string_view text);

// ---- naming context -----------------------------------------------------------------------------------
// The tag whose enumeration or mask names an item's value. That is the item's own tag, except for an
// Attribute Value (KMIP 1.x §2.1.1), which the Attribute Name before it in the same structure names:
// <AttributeName value="Cryptographic Usage Mask"/><AttributeValue type="Integer" value="Encrypt Decrypt"/>.
// `attribute_name` is empty when the structure has no Attribute Name before the item.
std::uint32_t naming_tag(std::uint32_t tag, std::string_view attribute_name);

bool is_attribute_name(std::uint32_t tag);

// ---- values -> text -----------------------------------------------------------------------------------
// The text of a non-structure item that is not a placeholder, as the XML encoding writes it: decimal Integer
// (mask bit names joined by `mask_separator` where `naming` has a mask), decimal Long Integer and Interval,
// Big Integer and Byte String as hex without 0x, Enumeration by CamelCase name or 0x and 8 hex digits,
// true/false, ISO 8601 Date-Time (UTC), Text String as is.
std::string value_text(ttlv::item_view item, std::uint32_t naming, char mask_separator);

// Pieces of the above, for the JSON writer and the tests.
std::string enumeration_text(std::uint32_t naming, std::uint32_t value);
// Bit names in table order, unknown bits as one 0x hex word; "0" for none, the decimal value without a mask.
std::string mask_text(std::uint32_t naming, std::int32_t value, char separator);
bool has_mask(std::uint32_t naming);
// ISO 8601 in UTC, or 0x and 16 hex digits outside the years 0000-9999.
std::string date_time_text(std::int64_t seconds);
// 0x and 2*bytes upper-case hex digits of the value's two's complement.
std::string hex_number(std::uint64_t value, int bytes);

// Text with every byte that does not belong to a valid UTF-8 sequence replaced by U+FFFD: the encodings are
// text, while a decoded Text String need not be valid UTF-8 (ttlv::decode_limits::validate_utf8).
std::string repaired_utf8(std::string_view text);

// The placeholder that write_options::redact_key_material writes instead of key material.
inline constexpr std::string_view redacted_key_material = "$KEY_MATERIAL";
bool is_key_material(std::uint32_t tag);

// ---- text -> values -----------------------------------------------------------------------------------
// Parses `text` as a value of `type` and appends the item to `t`. A value starting with '$' of any type but
// Text String is an unresolved placeholder of the OASIS test cases ($NOW, $UNIQUE_IDENTIFIER_0) and is kept
// as such; a Text String is always text. Accepted forms, besides those value_text() writes: hex (0x...) for
// every number, Enumeration, Boolean and Date-Time; mask components separated by spaces or '|', each a bit
// name or a 0x hex word; decimal Enumerations; xsd:boolean 1/0; Date-Times with any UTC offset.
// REQUIRES: type != structure.
value_result<void> add_value(ttlv::tree& t, std::uint32_t tag, ttlv::item_type type, std::string_view text,
                             std::uint32_t naming);

// Pieces of add_value(). An even count of hex digits, no prefix. Wiping storage: the bytes may be key material.
value_result<common::secure_bytes> parse_hex_bytes(std::string_view text);
// Sign-extends a big-endian two's complement number to the multiple of 8 bytes of the wire form (§9.1.1.4).
common::secure_bytes sign_extend(std::span<const std::uint8_t> twos_complement_be);

}  // namespace kmip::encoding::detail
