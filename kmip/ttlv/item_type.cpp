#include "kmip/ttlv/item_type.hpp"

#include <array>
#include <utility>

#include "kmip/ttlv/error.hpp"

namespace kmip::ttlv {
namespace {

struct type_names {
  item_type type;
  std::string_view name;
  std::string_view camel;
};
constexpr std::array<type_names, 11> names{{
    {item_type::structure, "Structure", "Structure"},
    {item_type::integer, "Integer", "Integer"},
    {item_type::long_integer, "Long Integer", "LongInteger"},
    {item_type::big_integer, "Big Integer", "BigInteger"},
    {item_type::enumeration, "Enumeration", "Enumeration"},
    {item_type::boolean, "Boolean", "Boolean"},
    {item_type::text_string, "Text String", "TextString"},
    {item_type::byte_string, "Byte String", "ByteString"},
    {item_type::date_time, "Date-Time", "DateTime"},
    {item_type::interval, "Interval", "Interval"},
    {item_type::date_time_extended, "Date Time Extended", "DateTimeExtended"},
}};

}  // namespace

std::string_view to_string(item_type t) {
  for (const auto& n : names)
    if (n.type == t) return n.name;
  return "?";
}

std::string_view to_camel(item_type t) {
  for (const auto& n : names)
    if (n.type == t) return n.camel;
  return "?";
}

std::optional<item_type> parse_item_type(std::string_view name) {
  for (const auto& n : names)
    if (n.name == name || n.camel == name) return n.type;
  return std::nullopt;
}

std::string_view to_string(errc e) {
  switch (e) {
    case errc::truncated: return "truncated";
    case errc::bad_tag: return "bad tag";
    case errc::bad_type: return "bad item type";
    case errc::bad_length: return "bad length";
    case errc::nonzero_padding: return "non-zero padding";
    case errc::bad_boolean: return "bad Boolean";
    case errc::bad_text: return "bad Text String";
    case errc::structure_overrun: return "item overruns its structure";
    case errc::trailing_bytes: return "trailing bytes";
    case errc::message_too_large: return "message too large";
    case errc::too_deep: return "nesting too deep";
    case errc::too_many_items: return "too many items";
    case errc::string_too_long: return "string too long";
    case errc::not_a_message: return "not a message";
    case errc::unresolved_placeholder: return "unresolved placeholder";
    case errc::bad_value: return "bad value";
  }
  return "?";
}

std::string error::message() const {
  std::string m(to_string(code));
  m += " at byte ";
  m += std::to_string(offset);
  if (!detail.empty()) {
    m += ": ";
    m += detail;
  }
  return m;
}

}  // namespace kmip::ttlv
