#include "kmip/ttlv/text.hpp"

#include <chrono>
#include <cstdio>

#include "common/hex.hpp"

namespace kmip::ttlv {
namespace {

std::string tag_name(std::uint32_t tag) {
  if (const auto* info = spec::find_tag(tag)) return std::string(info->name);
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%06X", tag);
  return buf;
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string enum_text(std::uint32_t tag, std::uint32_t value) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", value);
  if (const auto* e = spec::enumeration_for_tag(tag))
    if (const auto* v = spec::find_value(*e, value)) return std::string(v->name);
  return hex;
}

std::string integer_text(std::uint32_t tag, std::int32_t value) {
  std::string out = std::to_string(value);
  if (const auto* m = spec::mask_for_tag(tag)) {
    std::string names;
    auto rest = static_cast<std::uint32_t>(value);
    for (const auto& bit : m->bits) {
      if ((rest & bit.value) == bit.value && bit.value != 0) {
        if (!names.empty()) names += " | ";
        names += bit.name;
        rest &= ~bit.value;
      }
    }
    if (rest != 0) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "0x%X", rest);
      if (!names.empty()) names += " | ";
      names += buf;
    }
    out = (names.empty() ? std::string("none") : names) + " (" + out + ")";
  }
  return out;
}

// `naming` is the tag whose enumeration or mask names the value: the item's own tag, or for a 1.x Attribute
// Value the tag named by the Attribute Name before it ("Cryptographic Usage Mask" -> Encrypt | Decrypt).
void render(item_view item, std::uint32_t naming, const text_options& o, std::size_t depth, bool redact,
            std::string& out) {
  out.append(depth * o.indent, ' ');
  out += tag_name(item.tag());
  out += " (";
  out += to_string(item.type());
  out += ")";
  const bool secret = redact || (o.redact_key_material && item.is(spec::tag::key_material));
  if (item.is_placeholder()) {
    out += ": placeholder ";
    out += item.placeholder_text();
    out += "\n";
    return;
  }
  switch (item.type()) {
    case item_type::structure:
      out += "\n";
      {
        std::uint32_t named_by = 0;  // set by an Attribute Name, used by the Attribute Value after it; 0: none
        for (auto child : item.children()) {
          const std::uint32_t child_naming = child.is(spec::tag::attribute_value) && named_by ? named_by : child.tag();
          render(child, child_naming, o, depth + 1, secret, out);
          named_by = 0;
          if (child.is(spec::tag::attribute_name) && child.type() == item_type::text_string && !child.is_placeholder())
            if (const auto* t = spec::find_tag(child.as_text())) named_by = static_cast<std::uint32_t>(t->value);
        }
      }
      return;
    case item_type::integer: out += ": " + integer_text(naming, item.as_integer()); break;
    case item_type::long_integer: out += ": " + std::to_string(item.as_long_integer()); break;
    case item_type::enumeration: out += ": " + enum_text(naming, item.as_enumeration()); break;
    case item_type::boolean: out += item.as_boolean() ? ": true" : ": false"; break;
    case item_type::date_time: out += ": " + format_date_time(item.as_date_time()); break;
    case item_type::interval: out += ": " + std::to_string(item.as_interval()) + " s"; break;
    case item_type::date_time_extended: {
      const std::int64_t us = item.as_date_time_extended();
      const std::int64_t s = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
      char frac[16];
      std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(us - s * 1000000));
      std::string t = format_date_time(s);
      if (t.size() == 20 && t.back() == 'Z') t.insert(19, frac);
      out += ": " + t;
      break;
    }
    case item_type::text_string:
      // A credential's Password is as secret as key material: its length only.
      if (o.redact_key_material && item.is(spec::tag::password))
        out += ": <" + std::to_string(item.as_text().size()) + " characters of password, redacted>";
      else
        out += ": " + quoted(item.as_text());
      break;
    case item_type::byte_string:
    case item_type::big_integer: {
      auto bytes = item.type() == item_type::byte_string ? item.as_bytes() : item.as_big_integer();
      if (secret)
        out += ": <" + std::to_string(bytes.size()) + " bytes of key material, redacted>";
      else
        out += ": " + (bytes.empty() ? std::string("(empty)") : common::to_hex_upper(bytes));
      break;
    }
  }
  out += "\n";
}

// Days since 1970-01-01 for a civil date (proleptic Gregorian), and back; H. Hinnant's public-domain algorithms
// as implemented by std::chrono.
std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
  using namespace std::chrono;
  return sys_days{year{y} / month{m} / day{d}}.time_since_epoch().count();
}

}  // namespace

std::string to_text(item_view item, const text_options& options) {
  std::string out;
  render(item, item.tag(), options, 0, false, out);
  return out;
}

std::string format_date_time(std::int64_t s) {
  // Years 0000-9999 only; anything else prints as the raw hex number the wire carried.
  constexpr std::int64_t first = -62167219200;  // 0000-01-01T00:00:00Z
  constexpr std::int64_t last = 253402300799;   // 9999-12-31T23:59:59Z
  if (s < first || s > last) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%016llX", static_cast<unsigned long long>(s));
    return buf;
  }
  using namespace std::chrono;
  const sys_seconds tp{seconds{s}};
  const auto days = floor<std::chrono::days>(tp);
  const year_month_day ymd{days};
  const hh_mm_ss hms{tp - days};
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long long>(hms.hours().count()), static_cast<long long>(hms.minutes().count()),
                static_cast<long long>(hms.seconds().count()));
  return buf;
}

std::optional<std::int64_t> parse_date_time(std::string_view t) {
  auto digits = [&](std::size_t at, std::size_t n) -> std::optional<int> {
    if (at + n > t.size()) return std::nullopt;
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (t[i] < '0' || t[i] > '9') return std::nullopt;
      v = v * 10 + (t[i] - '0');
    }
    return v;
  };
  auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2), h = digits(11, 2), mi = digits(14, 2),
       s = digits(17, 2);
  if (!y || !mo || !d || !h || !mi || !s || t.size() < 19 || t[4] != '-' || t[7] != '-' ||
      (t[10] != 'T' && t[10] != ' ') || t[13] != ':' || t[16] != ':')
    return std::nullopt;
  if (*mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 || *mi > 59 || *s > 60) return std::nullopt;
  using namespace std::chrono;
  if (!year_month_day{year{*y} / month{static_cast<unsigned>(*mo)} / day{static_cast<unsigned>(*d)}}.ok())
    return std::nullopt;
  std::size_t i = 19;
  if (i < t.size() && t[i] == '.') {
    ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
  }
  std::int64_t offset = 0;
  if (i < t.size() && t[i] == 'Z') {
    ++i;
  } else if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
    auto oh = digits(i + 1, 2), om = digits(i + 4, 2);
    if (!oh || !om || t.size() < i + 6 || t[i + 3] != ':' || *oh > 23 || *om > 59) return std::nullopt;
    offset = (*oh * 3600 + *om * 60) * (t[i] == '-' ? -1 : 1);
    i += 6;
  }
  if (i != t.size()) return std::nullopt;
  return days_from_civil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d)) * 86400 + *h * 3600 +
         *mi * 60 + *s - offset;
}

}  // namespace kmip::ttlv
