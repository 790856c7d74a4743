// Text forms of tags, types and values shared by the XML and JSON encodings (Additional Message Encodings
// v1.0, sections 4.1 and 6.1).
#include "kmip/encoding/value_text.hpp"

#include <cstdio>
#include <limits>
#include <optional>

#include "common/hex.hpp"
#include "kmip/spec/spec.hpp"
#include "kmip/ttlv/text.hpp"
#include "kmip/ttlv/utf8.hpp"

namespace kmip::encoding::detail {
namespace {

using ttlv::item_type;

constexpr auto attribute_name_tag = static_cast<std::uint32_t>(spec::tag::attribute_name);
constexpr auto attribute_value_tag = static_cast<std::uint32_t>(spec::tag::attribute_value);
constexpr auto attribute_reference_tag = static_cast<std::uint32_t>(spec::tag::attribute_reference);

common::unexpected<value_error> reject(errc code, std::string detail) {
  return common::unexpected{value_error{code, std::move(detail)}};
}
common::unexpected<value_error> fail(std::string detail) { return reject(errc::bad_value, std::move(detail)); }

// The offending text for a message, cut short: values may be long (and may be key material).
std::string quoted(std::string_view s) {
  constexpr std::size_t shown = 40;
  return "'" + std::string(s.substr(0, shown)) + (s.size() > shown ? "...'" : "'");
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// xsd types other than xsd:string collapse surrounding whitespace.
std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool has_hex_prefix(std::string_view s) { return s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'); }

// "0x" and 1..max_digits hex digits, as an unsigned number.
std::optional<std::uint64_t> parse_hex_number(std::string_view s, std::size_t max_digits) {
  if (!has_hex_prefix(s)) return std::nullopt;
  s.remove_prefix(2);
  if (s.empty() || s.size() > max_digits) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    const int d = hex_digit(c);
    if (d < 0) return std::nullopt;
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  return v;
}

// Optional sign, then 1..20 decimal digits, within [lo, hi].
std::optional<std::int64_t> parse_decimal(std::string_view s, std::int64_t lo, std::int64_t hi) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::uint64_t magnitude = 0;
  constexpr std::uint64_t cap = std::uint64_t{1} << 63;  // |INT64_MIN|
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (magnitude > (cap - d) / 10) return std::nullopt;
    magnitude = magnitude * 10 + d;
  }
  if (!negative && magnitude > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return std::nullopt;
  const std::int64_t v = negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
  if (v < lo || v > hi) return std::nullopt;
  return v;
}

// A 32-bit field given in decimal (within [lo, hi]) or as 0x hex (two's complement, up to 8 digits).
std::optional<std::uint32_t> parse_word(std::string_view s, std::int64_t lo, std::int64_t hi) {
  if (auto h = parse_hex_number(s, 8)) return static_cast<std::uint32_t>(*h);
  if (auto d = parse_decimal(s, lo, hi)) return static_cast<std::uint32_t>(*d);
  return std::nullopt;
}

const spec::enum_value_info* find_bit(const spec::mask_info& m, std::string_view name) {
  for (const auto& bit : m.bits)
    if (bit.camel == name || bit.name == name) return &bit;
  return nullptr;
}

// A mask as components separated by whitespace (XML) or '|' (JSON): bit names or 0x hex words (§4.1.6.4, §6.1.6.4).
value_result<std::uint32_t> parse_mask(const spec::mask_info& m, std::string_view text) {
  std::uint32_t v = 0;
  std::size_t components = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (is_space(text[i]) || text[i] == '|') {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && !is_space(text[j]) && text[j] != '|') ++j;
    const std::string_view word = text.substr(i, j - i);
    if (auto h = parse_hex_number(word, 8)) {
      v |= static_cast<std::uint32_t>(*h);
    } else if (const auto* bit = find_bit(m, word)) {
      v |= bit->value;
    } else {
      return reject(errc::unknown_enum_value, "mask component " + quoted(word) + " is neither a " +
                                                  std::string(m.name) + " bit name nor a 0x hex word");
    }
    ++components;
    i = j;
  }
  if (components == 0) return fail("empty " + std::string(m.name) + " value");
  return v;
}

value_result<std::int32_t> parse_integer(std::string_view text, std::uint32_t naming) {
  constexpr std::int64_t lo = std::numeric_limits<std::int32_t>::min();
  constexpr std::int64_t hi = std::numeric_limits<std::int32_t>::max();
  if (auto w = parse_word(text, lo, hi)) return static_cast<std::int32_t>(*w);
  if (const auto* m = spec::mask_for_tag(naming)) {
    auto v = parse_mask(*m, text);
    if (!v) return common::unexpected{std::move(v).error()};
    return static_cast<std::int32_t>(*v);
  }
  return fail("bad Integer " + quoted(text) + ": expected a decimal 32-bit number or 0x and up to 8 hex digits");
}

value_result<std::int64_t> parse_long_integer(std::string_view text) {
  if (auto h = parse_hex_number(text, 16)) return static_cast<std::int64_t>(*h);
  if (auto d = parse_decimal(text, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()))
    return *d;
  return fail("bad Long Integer " + quoted(text) + ": expected a decimal 64-bit number or 0x and up to 16 hex digits");
}

value_result<std::uint32_t> parse_interval(std::string_view text) {
  if (auto w = parse_word(text, 0, std::numeric_limits<std::uint32_t>::max())) return *w;
  return fail("bad Interval " + quoted(text) + ": expected a decimal 32-bit unsigned number or 0x hex");
}

value_result<bool> parse_boolean(std::string_view text) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  if (auto h = parse_hex_number(text, 16); h && *h <= 1) return *h == 1;
  return fail("bad Boolean " + quoted(text) + ": expected true, false or 0x hex 0/1");
}

value_result<std::int64_t> parse_date_time_value(std::string_view text) {
  if (auto h = parse_hex_number(text, 16)) return static_cast<std::int64_t>(*h);
  if (auto s = ttlv::parse_date_time(text)) return *s;
  return fail("bad Date-Time " + quoted(text) + ": expected ISO 8601 (2001-01-01T10:00:00+10:00) or 0x hex");
}

// Attribute Reference (KMIP 2.x §7.3) is an Enumeration of tag values; when the tables give it no
// enumeration of its own, its values are named by tag names.
bool names_tags(std::uint32_t naming) {
  return naming == attribute_reference_tag && spec::enumeration_for_tag(naming) == nullptr;
}

value_result<std::uint32_t> parse_enumeration(std::string_view text, std::uint32_t naming) {
  if (auto w = parse_word(text, 0, std::numeric_limits<std::uint32_t>::max())) return *w;
  if (has_hex_prefix(text)) return fail("bad Enumeration " + quoted(text) + ": expected 0x and up to 8 hex digits");
  if (const auto* e = spec::enumeration_for_tag(naming)) {
    if (const auto* v = spec::find_value(*e, text)) return v->value;
    return reject(errc::unknown_enum_value,
                  "unknown " + std::string(e->name) + " value " + quoted(text) + " (write unknown values as 0x hex)");
  }
  if (names_tags(naming)) {
    if (const auto* t = spec::find_tag(text)) return static_cast<std::uint32_t>(t->value);
    return reject(errc::unknown_enum_value, "unknown tag name " + quoted(text) + " as Attribute Reference");
  }
  return reject(errc::unknown_enum_value, "enumeration value " + quoted(text) + " given by name, but " +
                                              tag_text(naming) + " has no known enumeration: write it as 0x hex");
}

value_result<common::secure_bytes> parse_big_integer(std::string_view text) {
  if (has_hex_prefix(text)) text.remove_prefix(2);  // the JSON form (§4.1.6.6)
  auto bytes = parse_hex_bytes(text);
  if (!bytes) return common::unexpected{std::move(bytes).error()};
  return sign_extend(*bytes);
}

void append_hex_word(std::string& out, std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  out += buf;
}

}  // namespace

// ---- tags and types -----------------------------------------------------------------------------------

std::string tag_text(std::uint32_t tag) {
  if (!spec::is_extension_tag(tag))
    if (const auto* info = spec::find_tag(tag)) return std::string(info->camel);
  return hex_number(tag, 3);
}

value_result<std::uint32_t> parse_tag(std::string_view text) {
  if (has_hex_prefix(text)) {
    const auto v = parse_hex_number(text, 6);
    if (!v || text.size() != 8)
      return reject(errc::bad_tag, "bad tag " + quoted(text) + ": expected 0x and six hex digits");
    const auto tag = static_cast<std::uint32_t>(*v);
    if ((tag & 0xFF0000u) != 0x420000u && !spec::is_extension_tag(tag))
      return reject(errc::bad_tag, "tag " + quoted(text) + " is outside the 0x42xxxx and 0x54xxxx ranges");
    return tag;
  }
  if (const auto* info = spec::find_tag(text)) return static_cast<std::uint32_t>(info->value);
  return reject(errc::unknown_tag, "unknown tag name " + quoted(text));
}

value_result<ttlv::item_type> parse_type(std::string_view text) {
  if (auto t = ttlv::parse_item_type(text)) return *t;
  return reject(errc::unknown_type, "unknown type " + quoted(text) +
                                        " (expected Structure, Integer, LongInteger, BigInteger, "
                                        "Enumeration, Boolean, TextString, ByteString, DateTime or Interval)");
}

// ---- naming context -----------------------------------------------------------------------------------

bool is_attribute_name(std::uint32_t tag) { return tag == attribute_name_tag; }

std::uint32_t naming_tag(std::uint32_t tag, std::string_view attribute_name) {
  if (tag != attribute_value_tag || attribute_name.empty()) return tag;
  const auto* named = spec::find_tag(attribute_name);
  return named ? static_cast<std::uint32_t>(named->value) : tag;
}

// ---- values -> text -----------------------------------------------------------------------------------

std::string hex_number(std::uint64_t value, int bytes) {
  std::string out = "0x";
  for (int i = bytes - 1; i >= 0; --i) {
    const auto b = static_cast<std::uint8_t>(value >> (8 * i));
    out += "0123456789ABCDEF"[b >> 4];
    out += "0123456789ABCDEF"[b & 0xF];
  }
  return out;
}

bool has_mask(std::uint32_t naming) { return spec::mask_for_tag(naming) != nullptr; }

std::string mask_text(std::uint32_t naming, std::int32_t value, char separator) {
  const auto* m = spec::mask_for_tag(naming);
  auto rest = static_cast<std::uint32_t>(value);
  if (m == nullptr || rest == 0) return std::to_string(value);
  std::string out;
  for (const auto& bit : m->bits) {
    if (bit.value == 0 || (rest & bit.value) != bit.value) continue;
    if (!out.empty()) out += separator;
    out += bit.camel;
    rest &= ~bit.value;
  }
  if (rest != 0) {
    if (!out.empty()) out += separator;
    append_hex_word(out, rest);
  }
  return out;
}

std::string enumeration_text(std::uint32_t naming, std::uint32_t value) {
  if (const auto* e = spec::enumeration_for_tag(naming)) {
    if (const auto* v = spec::find_value(*e, value)) return std::string(v->camel);
  } else if (names_tags(naming)) {
    if (const auto* t = spec::find_tag(value); t && !spec::is_extension_tag(value)) return std::string(t->camel);
  }
  return hex_number(value, 4);
}

std::string date_time_text(std::int64_t seconds) {
  constexpr std::int64_t year_0000 = -62167219200;   // 0000-01-01T00:00:00Z
  constexpr std::int64_t year_10000 = 253402300800;  // 10000-01-01T00:00:00Z
  if (seconds < year_0000 || seconds >= year_10000) return hex_number(static_cast<std::uint64_t>(seconds), 8);
  return ttlv::format_date_time(seconds);
}

std::string value_text(ttlv::item_view item, std::uint32_t naming, char mask_separator) {
  switch (item.type()) {
    case item_type::structure: return {};
    case item_type::integer:
      return has_mask(naming) ? mask_text(naming, item.as_integer(), mask_separator)
                              : std::to_string(item.as_integer());
    case item_type::long_integer: return std::to_string(item.as_long_integer());
    case item_type::big_integer: return common::to_hex_upper(item.as_big_integer());
    case item_type::enumeration: return enumeration_text(naming, item.as_enumeration());
    case item_type::boolean: return item.as_boolean() ? "true" : "false";
    case item_type::text_string: return std::string(item.as_text());
    case item_type::byte_string: return common::to_hex_upper(item.as_bytes());
    case item_type::date_time: return date_time_text(item.as_date_time());
    case item_type::interval: return std::to_string(item.as_interval());
    case item_type::date_time_extended: return hex_number(static_cast<std::uint64_t>(item.as_date_time_extended()), 8);
  }
  return {};
}

std::string repaired_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  // Each pass consumes at least one byte.
  while (!text.empty()) {
    const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    const auto bad = ttlv::first_invalid_utf8(bytes);
    if (!bad) {
      out += text;
      break;
    }
    out += text.substr(0, *bad);
    out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
    text.remove_prefix(*bad + 1);
  }
  return out;
}

bool is_key_material(std::uint32_t tag) { return tag == static_cast<std::uint32_t>(spec::tag::key_material); }

// ---- text -> values -----------------------------------------------------------------------------------

common::secure_bytes sign_extend(std::span<const std::uint8_t> v) {
  const bool negative = !v.empty() && (v[0] & 0x80) != 0;
  const std::size_t size = (v.size() + 7) / 8 * 8;  // an empty Big Integer stays empty, as on the wire
  common::secure_bytes out;
  out.reserve(size);
  out.assign(size - v.size(), negative ? 0xFF : 0x00);
  out.insert(out.end(), v.begin(), v.end());
  return out;
}

value_result<common::secure_bytes> parse_hex_bytes(std::string_view text) {
  if (text.size() % 2 != 0)
    return fail("hex " + quoted(text.substr(0, 40)) + (text.size() > 40 ? "..." : "") + " has an odd number of digits");
  common::secure_bytes out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = hex_digit(text[i]), lo = hex_digit(text[i + 1]);
    if (hi < 0 || lo < 0) {
      const std::size_t bad = hi < 0 ? i : i + 1;
      return fail("bad hex digit " + quoted(text.substr(bad, 1)) + " at position " + std::to_string(bad + 1) + " of " +
                  quoted(text.substr(0, 40)) + (text.size() > 40 ? "..." : ""));
    }
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return out;
}

namespace {
// Appends the parsed value with `add`, or passes the parse error on.
template <class T, class Add>
value_result<void> add_parsed(value_result<T>&& parsed, Add add) {
  if (!parsed) return common::unexpected{std::move(parsed).error()};
  add(*parsed);
  return {};
}
}  // namespace

value_result<void> add_value(ttlv::tree& t, std::uint32_t tag, item_type type, std::string_view text,
                             std::uint32_t naming) {
  if (type == item_type::text_string) {
    t.add_text(tag, text);
    return {};
  }
  const std::string_view v = trim(text);
  if (!v.empty() && v.front() == '$') {
    t.add_placeholder(tag, type, v);
    return {};
  }
  switch (type) {
    case item_type::integer:
      return add_parsed(parse_integer(v, naming), [&](std::int32_t x) { t.add_integer(tag, x); });
    case item_type::long_integer:
      return add_parsed(parse_long_integer(v), [&](std::int64_t x) { t.add_long_integer(tag, x); });
    case item_type::big_integer:
      return add_parsed(parse_big_integer(v), [&](const common::secure_bytes& x) { t.add_big_integer(tag, x); });
    case item_type::enumeration:
      return add_parsed(parse_enumeration(v, naming), [&](std::uint32_t x) { t.add_enumeration(tag, x); });
    case item_type::boolean: return add_parsed(parse_boolean(v), [&](bool x) { t.add_boolean(tag, x); });
    case item_type::byte_string:
      return add_parsed(parse_hex_bytes(v), [&](const common::secure_bytes& x) { t.add_bytes(tag, x); });
    case item_type::date_time:
      return add_parsed(parse_date_time_value(v), [&](std::int64_t x) { t.add_date_time(tag, x); });
    case item_type::interval: return add_parsed(parse_interval(v), [&](std::uint32_t x) { t.add_interval(tag, x); });
    case item_type::date_time_extended:
      return add_parsed(parse_long_integer(v), [&](std::int64_t x) { t.add_date_time_extended(tag, x); });
    case item_type::structure:
    case item_type::text_string: break;
  }
  return fail("a Structure has no value");
}

}  // namespace kmip::encoding::detail
