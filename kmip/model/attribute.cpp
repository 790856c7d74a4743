// Attributes: typed reads and builders, the 1.x name <-> 2.x tag mapping, and both wire forms
// (1.x §2.1.1 Attribute; 2.1 §4.60 Vendor Attribute, §5.1 Attributes, §5.5 Attribute Reference,
// §5.6 Current Attribute, §5.7 New Attribute).
#include "kmip/model/attribute.hpp"

#include <algorithm>
#include <charconv>

#include "kmip/model/wire.hpp"

namespace kmip::model {
namespace {

using ttlv::item_type;
using ttlv::item_view;

constexpr auto attribute_value_tag = static_cast<std::uint32_t>(spec::tag::attribute_value);

// The value types of the spec's attributes (1.4 §3, 2.1 §4), by spec name. Names are looked up through the
// tag tables at run time, so this table names no C++ enumerator.
struct value_type_row {
  std::string_view name;
  item_type type;
};
constexpr value_type_row value_types[] = {
    {"Activation Date", item_type::date_time},
    {"Alternative Name", item_type::structure},
    {"Always Sensitive", item_type::boolean},
    {"Application Specific Information", item_type::structure},
    {"Archive Date", item_type::date_time},
    {"Certificate Attributes", item_type::structure},
    {"Certificate Identifier", item_type::structure},
    {"Certificate Issuer", item_type::structure},
    {"Certificate Length", item_type::integer},
    {"Certificate Subject", item_type::structure},
    {"Certificate Type", item_type::enumeration},
    {"Comment", item_type::text_string},
    {"Compromise Date", item_type::date_time},
    {"Compromise Occurrence Date", item_type::date_time},
    {"Contact Information", item_type::text_string},
    {"Cryptographic Algorithm", item_type::enumeration},
    {"Cryptographic Domain Parameters", item_type::structure},
    {"Cryptographic Length", item_type::integer},
    {"Cryptographic Parameters", item_type::structure},
    {"Cryptographic Usage Mask", item_type::integer},
    {"Deactivation Date", item_type::date_time},
    {"Description", item_type::text_string},
    {"Destroy Date", item_type::date_time},
    {"Digest", item_type::structure},
    {"Digital Signature Algorithm", item_type::enumeration},
    {"Extractable", item_type::boolean},
    {"Fresh", item_type::boolean},
    {"Initial Date", item_type::date_time},
    {"Key Format Type", item_type::enumeration},
    {"Key Value Location", item_type::structure},
    {"Key Value Present", item_type::boolean},
    {"Last Change Date", item_type::date_time},
    {"Lease Time", item_type::interval},
    {"Link", item_type::structure},
    {"Name", item_type::structure},
    {"Never Extractable", item_type::boolean},
    {"NIST Key Type", item_type::enumeration},
    {"Object Group", item_type::text_string},
    {"Object Type", item_type::enumeration},
    {"Opaque Data Type", item_type::enumeration},
    {"Operation Policy Name", item_type::text_string},
    {"Original Creation Date", item_type::date_time},
    {"PKCS#12 Friendly Name", item_type::text_string},
    {"Process Start Date", item_type::date_time},
    {"Protect Stop Date", item_type::date_time},
    {"Protection Level", item_type::enumeration},
    {"Protection Period", item_type::interval},
    {"Protection Storage Mask", item_type::integer},
    {"Quantum Safe", item_type::boolean},
    {"Random Number Generator", item_type::structure},
    {"Revocation Reason", item_type::structure},
    {"Rotate Automatic", item_type::boolean},
    {"Rotate Date", item_type::date_time},
    {"Rotate Generation", item_type::integer},
    {"Rotate Interval", item_type::interval},
    {"Rotate Latest", item_type::boolean},
    {"Rotate Name", item_type::text_string},
    {"Rotate Offset", item_type::interval},
    {"Sensitive", item_type::boolean},
    {"Short Unique Identifier", item_type::byte_string},
    {"State", item_type::enumeration},
    {"Unique Identifier", item_type::text_string},
    {"Usage Limits", item_type::structure},
    {"X.509 Certificate Identifier", item_type::structure},
    {"X.509 Certificate Issuer", item_type::structure},
    {"X.509 Certificate Subject", item_type::structure},
};

bool is_vendor_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

std::optional<std::uint32_t> parse_hex_tag(std::string_view name) {
  if (name.size() != 8 || name.substr(0, 2) != "0x") return std::nullopt;
  std::uint32_t v = 0;
  auto [end, ec] = std::from_chars(name.data() + 2, name.data() + name.size(), v, 16);
  if (ec != std::errc{} || end != name.data() + name.size()) return std::nullopt;
  if ((v >> 16) != 0x42 && (v >> 16) != 0x54) return std::nullopt;
  return v;
}

// ---- errors ----------------------------------------------------------------------------------------------
common::unexpected<error> fail(std::string message, std::string path = {}) {
  return common::unexpected<error>{error(spec::result_reason::invalid_field, std::move(path), std::move(message))};
}
common::unexpected<error> fail_encode(std::string message) {
  return common::unexpected<error>{error(spec::result_reason::general_failure, {}, std::move(message))};
}
template <class T>
common::unexpected<error> fail_at(const result<T>& r, std::string_view segment) {
  error e = r.error();
  e.prepend(segment);
  return common::unexpected<error>{std::move(e)};
}

result<void> check_text(item_view item, std::string_view what) {
  if (item.type() != item_type::text_string || item.is_placeholder())
    return fail(detail::type_mismatch(item_type::text_string, item.type()), std::string(what));
  return {};
}

// A spec attribute's value must have the spec's type; custom and unknown attributes may have any.
result<void> check_value_type(std::string_view name, item_view value) {
  const auto want = attribute_value_type(name);
  if (want && value.type() != *want) return fail(detail::type_mismatch(*want, value.type()));
  return {};
}

attribute make(std::string name) {
  attribute a;
  a.name = std::move(name);
  return a;
}

}  // namespace

// ---- typed reads --------------------------------------------------------------------------------------------
namespace {
std::optional<item_view> value_of(const attribute& a, item_type t) {
  if (!a.has_value() || a.value_item().type() != t || a.value_item().is_placeholder()) return std::nullopt;
  return a.value_item();
}
}  // namespace

std::optional<std::int32_t> attribute::integer() const {
  auto v = value_of(*this, item_type::integer);
  return v ? std::optional(v->as_integer()) : std::nullopt;
}
std::optional<std::int64_t> attribute::long_integer() const {
  auto v = value_of(*this, item_type::long_integer);
  return v ? std::optional(v->as_long_integer()) : std::nullopt;
}
std::optional<std::uint32_t> attribute::enumeration() const {
  auto v = value_of(*this, item_type::enumeration);
  return v ? std::optional(v->as_enumeration()) : std::nullopt;
}
std::optional<bool> attribute::boolean() const {
  auto v = value_of(*this, item_type::boolean);
  return v ? std::optional(v->as_boolean()) : std::nullopt;
}
std::optional<std::string_view> attribute::text() const {
  auto v = value_of(*this, item_type::text_string);
  return v ? std::optional(v->as_text()) : std::nullopt;
}
std::optional<std::span<const std::uint8_t>> attribute::bytes() const {
  auto v = value_of(*this, item_type::byte_string);
  return v ? std::optional(v->as_bytes()) : std::nullopt;
}
std::optional<date_time> attribute::date() const {
  auto v = value_of(*this, item_type::date_time);
  return v ? std::optional(date_time{v->as_date_time()}) : std::nullopt;
}
std::optional<model::interval> attribute::interval() const {
  auto v = value_of(*this, item_type::interval);
  return v ? std::optional(model::interval{v->as_interval()}) : std::nullopt;
}

std::optional<object_name> attribute::name_value() const {
  auto v = value_of(*this, item_type::structure);
  if (!v) return std::nullopt;
  auto text_item = v->find(spec::tag::name_value);
  auto type = v->find(spec::tag::name_type);
  if (!text_item || !type || text_item->type() != item_type::text_string || type->type() != item_type::enumeration)
    return std::nullopt;
  return object_name{std::string(text_item->as_text()), static_cast<spec::name_type>(type->as_enumeration())};
}

std::optional<object_link> attribute::link_value() const {
  auto v = value_of(*this, item_type::structure);
  if (!v) return std::nullopt;
  auto type = v->find(spec::tag::link_type);
  auto id = v->find(spec::tag::linked_object_identifier);
  if (!type || !id || type->type() != item_type::enumeration || id->type() != item_type::text_string)
    return std::nullopt;
  return object_link{static_cast<spec::link_type>(type->as_enumeration()), std::string(id->as_text())};
}

const attribute* find_attribute(std::span<const attribute> attributes, std::string_view name) {
  auto it = std::find_if(attributes.begin(), attributes.end(), [&](const attribute& a) { return a.name == name; });
  return it == attributes.end() ? nullptr : &*it;
}

// ---- names --------------------------------------------------------------------------------------------------
bool is_custom_attribute_name(std::string_view name) {
  return name.size() > 2 && (name[0] == 'x' || name[0] == 'y') && name[1] == '-';
}

std::optional<vendor_attribute_name> split_vendor_name(std::string_view name) {
  const auto dash = name.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
  const auto vendor = name.substr(0, dash);
  if (!std::all_of(vendor.begin(), vendor.end(), is_vendor_char)) return std::nullopt;
  return vendor_attribute_name{vendor, name.substr(dash + 1)};
}

std::optional<std::uint32_t> attribute_tag(std::string_view name) {
  if (auto hex = parse_hex_tag(name)) return hex;
  if (const auto* info = spec::find_tag(name)) return static_cast<std::uint32_t>(info->value);
  return std::nullopt;
}

std::string attribute_name_for_tag(std::uint32_t tag) { return detail::tag_name(tag); }

std::optional<ttlv::item_type> attribute_value_type(std::string_view name) {
  // Accept the CamelCase spelling too, as find_tag does.
  if (const auto* info = spec::find_tag(name)) name = info->name;
  for (const auto& row : value_types)
    if (row.name == name) return row.type;
  return std::nullopt;
}

// ---- builders -----------------------------------------------------------------------------------------------
namespace attr {
attribute integer(std::string name, std::int32_t v) {
  auto a = make(std::move(name));
  a.value.add_integer(attribute_value_tag, v);
  return a;
}
attribute long_integer(std::string name, std::int64_t v) {
  auto a = make(std::move(name));
  a.value.add_long_integer(attribute_value_tag, v);
  return a;
}
attribute enumeration(std::string name, std::uint32_t v) {
  auto a = make(std::move(name));
  a.value.add_enumeration(attribute_value_tag, v);
  return a;
}
attribute boolean(std::string name, bool v) {
  auto a = make(std::move(name));
  a.value.add_boolean(attribute_value_tag, v);
  return a;
}
attribute text(std::string name, std::string_view v) {
  auto a = make(std::move(name));
  a.value.add_text(attribute_value_tag, v);
  return a;
}
attribute bytes(std::string name, std::span<const std::uint8_t> v) {
  auto a = make(std::move(name));
  a.value.add_bytes(attribute_value_tag, v);
  return a;
}
attribute date(std::string name, date_time v) {
  auto a = make(std::move(name));
  a.value.add_date_time(attribute_value_tag, v.seconds);
  return a;
}
attribute interval(std::string name, model::interval v) {
  auto a = make(std::move(name));
  a.value.add_interval(attribute_value_tag, v.seconds);
  return a;
}
attribute of_item(std::string name, ttlv::item_view value) {
  auto a = make(std::move(name));
  detail::add_retagged(a.value, value, attribute_value_tag);
  return a;
}

attribute cryptographic_algorithm(spec::cryptographic_algorithm v) {
  return enumeration("Cryptographic Algorithm", static_cast<std::uint32_t>(v));
}
attribute cryptographic_length(std::int32_t bits) { return integer("Cryptographic Length", bits); }
attribute cryptographic_usage_mask(std::uint32_t mask) {
  return integer("Cryptographic Usage Mask", static_cast<std::int32_t>(mask));
}
attribute object_type(spec::object_type v) { return enumeration("Object Type", static_cast<std::uint32_t>(v)); }
attribute state(spec::state v) { return enumeration("State", static_cast<std::uint32_t>(v)); }
attribute name(std::string_view value, spec::name_type type) {
  auto a = make("Name");
  a.value.begin_structure(attribute_value_tag);
  a.value.add_text(spec::tag::name_value, value);
  a.value.add_enum(spec::tag::name_type, type);
  a.value.end_structure();
  return a;
}
attribute link(spec::link_type type, std::string_view linked_object_identifier) {
  auto a = make("Link");
  a.value.begin_structure(attribute_value_tag);
  a.value.add_enum(spec::tag::link_type, type);
  a.value.add_text(spec::tag::linked_object_identifier, linked_object_identifier);
  a.value.end_structure();
  return a;
}
attribute activation_date(date_time v) { return date("Activation Date", v); }
attribute object_group(std::string_view v) { return text("Object Group", v); }
}  // namespace attr

// ---- wire forms ---------------------------------------------------------------------------------------------
namespace detail {

void add_retagged(ttlv::tree& out, item_view item, std::uint32_t tag) {
  if (item.is_placeholder()) {
    out.add_placeholder(tag, item.type(), item.placeholder_text());
    return;
  }
  switch (item.type()) {
    case item_type::structure:
      out.begin_structure(tag);
      for (auto child : item.children()) out.add_copy(child);
      out.end_structure();
      return;
    case item_type::integer:
      out.add_integer(tag, item.as_integer());
      return;
    case item_type::long_integer:
      out.add_long_integer(tag, item.as_long_integer());
      return;
    case item_type::big_integer:
      out.add_big_integer(tag, item.as_big_integer());
      return;
    case item_type::enumeration:
      out.add_enumeration(tag, item.as_enumeration());
      return;
    case item_type::boolean:
      out.add_boolean(tag, item.as_boolean());
      return;
    case item_type::text_string:
      out.add_text(tag, item.as_text());
      return;
    case item_type::byte_string:
      out.add_bytes(tag, item.as_bytes());
      return;
    case item_type::date_time:
      out.add_date_time(tag, item.as_date_time());
      return;
    case item_type::interval:
      out.add_interval(tag, item.as_interval());
      return;
    case item_type::date_time_extended:
      out.add_date_time_extended(tag, item.as_date_time_extended());
      return;
  }
}

result<attribute> decode_attribute_v1(item_view item) {
  if (item.type() != item_type::structure) return fail(type_mismatch(item_type::structure, item.type()));
  attribute a;
  bool has_name = false;
  std::optional<item_view> value;
  for (auto child : item.children()) {
    if (child.is(spec::tag::attribute_name) && !has_name) {
      if (auto s = check_text(child, "Attribute Name"); !s) return common::unexpected<error>{s.error()};
      a.name = std::string(child.as_text());
      has_name = true;
    } else if (child.is(spec::tag::attribute_index) && !a.index) {
      if (child.type() != item_type::integer || child.is_placeholder())
        return fail(type_mismatch(item_type::integer, child.type()), "Attribute Index");
      a.index = child.as_integer();
    } else if (child.is(spec::tag::attribute_value) && !value) {
      value = child;
    } else {
      return fail("unexpected field in Attribute", tag_name(child.tag()));
    }
  }
  if (!has_name) return fail("missing required field Attribute Name");
  if (!value) return fail("missing required field Attribute Value");
  if (auto s = check_value_type(a.name, *value); !s) return fail_at(s, "Attribute Value");
  a.value.add_copy(*value);
  return a;
}

result<void> encode_attribute_v1(const attribute& a, std::uint32_t tag, ttlv::tree& out) {
  if (a.name.empty()) return fail_encode("attribute without a name");
  out.begin_structure(tag);
  out.add_text(spec::tag::attribute_name, a.name);
  if (a.index) out.add_integer(spec::tag::attribute_index, *a.index);
  if (a.has_value()) add_retagged(out, a.value_item(), attribute_value_tag);
  out.end_structure();
  return {};
}

namespace {
// 2.1 §4.60: Attribute { Vendor Identification, Attribute Name, Attribute Value }. An Attribute without
// Vendor Identification (a 1.x Attribute inside 2.x Attributes) is read with its name as it stands.
result<attribute> decode_vendor_attribute(item_view item) {
  std::optional<std::string_view> vendor, name;
  std::optional<item_view> value;
  for (auto child : item.children()) {
    if (child.is(spec::tag::vendor_identification) && !vendor) {
      if (auto s = check_text(child, "Vendor Identification"); !s) return common::unexpected<error>{s.error()};
      vendor = child.as_text();
    } else if (child.is(spec::tag::attribute_name) && !name) {
      if (auto s = check_text(child, "Attribute Name"); !s) return common::unexpected<error>{s.error()};
      name = child.as_text();
    } else if (child.is(spec::tag::attribute_value) && !value) {
      value = child;
    } else {
      return fail("unexpected field in Attribute", tag_name(child.tag()));
    }
  }
  if (!name) return fail("missing required field Attribute Name");
  attribute a;
  a.name = vendor ? std::string(*vendor) + "-" + std::string(*name) : std::string(*name);
  if (value) {
    if (!vendor)
      if (auto s = check_value_type(a.name, *value); !s) return fail_at(s, "Attribute Value");
    a.value.add_copy(*value);
  }
  return a;
}
}  // namespace

result<attribute> decode_attribute_v2(item_view item) {
  if (item.is(spec::tag::attribute)) {
    if (item.type() != item_type::structure) return fail(type_mismatch(item_type::structure, item.type()));
    return decode_vendor_attribute(item);
  }
  attribute a;
  a.name = attribute_name_for_tag(item.tag());
  if (auto s = check_value_type(a.name, item); !s) return common::unexpected<error>{s.error()};
  add_retagged(a.value, item, attribute_value_tag);
  return a;
}

result<void> encode_attribute_v2(const attribute& a, ttlv::tree& out) {
  if (a.index)
    return fail_encode("Attribute Index (" + std::to_string(*a.index) + " on " + a.name +
                       ") has no KMIP 2.x form; 2.x names an instance by its value (Current Attribute)");
  if (auto tag = attribute_tag(a.name)) {
    if (!a.has_value()) return fail_encode("attribute " + a.name + " has no value");
    add_retagged(out, a.value_item(), *tag);
    return {};
  }
  auto vendor = split_vendor_name(a.name);
  if (!vendor)
    return fail_encode("'" + a.name + "' is neither a KMIP attribute name nor a vendor attribute name " +
                       "(<Vendor Identification>-<Attribute Name>, e.g. x-" + a.name + ")");
  out.begin_structure(spec::tag::attribute);
  out.add_text(spec::tag::vendor_identification, vendor->vendor);
  out.add_text(spec::tag::attribute_name, vendor->name);
  if (a.has_value()) add_retagged(out, a.value_item(), attribute_value_tag);
  out.end_structure();
  return {};
}

result<attribute> decode_wrapped_attribute_v2(item_view wrapper) {
  if (wrapper.type() != item_type::structure) return fail(type_mismatch(item_type::structure, wrapper.type()));
  if (wrapper.child_count() != 1) return fail("must hold exactly one attribute");
  const item_view inner = *wrapper.children().begin();
  auto a = decode_attribute_v2(inner);
  if (!a) return fail_at(a, tag_name(inner.tag()));
  return a;
}

result<void> encode_wrapped_attribute_v2(const attribute& a, std::uint32_t tag, ttlv::tree& out) {
  out.begin_structure(tag);
  if (auto s = encode_attribute_v2(a, out); !s) return s;
  out.end_structure();
  return {};
}

result<void> decode_attribute_list_v2(item_view list, std::vector<attribute>& out) {
  for (auto child : list.children()) {
    auto a = decode_attribute_v2(child);
    if (!a) return fail_at(a, tag_name(child.tag()));
    out.push_back(std::move(*a));
  }
  return {};
}

result<void> encode_attribute_list_v2(const std::vector<attribute>& list, std::uint32_t tag, ttlv::tree& out) {
  out.begin_structure(tag);
  for (const auto& a : list)
    if (auto s = encode_attribute_v2(a, out); !s) return fail_at(s, a.name);
  out.end_structure();
  return {};
}

result<attribute_reference> decode_attribute_reference(item_view item, spec::version v) {
  if (item.is_placeholder()) return fail("unresolved placeholder '" + std::string(item.placeholder_text()) + "'");
  if (item.type() == item_type::text_string) return attribute_reference{std::string(item.as_text())};
  if (!is_v2(v)) return fail(type_mismatch(item_type::text_string, item.type()));
  if (item.type() == item_type::enumeration) return attribute_reference{attribute_name_for_tag(item.as_enumeration())};
  if (item.type() != item_type::structure)
    return fail("expected Enumeration or Structure, got " + std::string(ttlv::to_string(item.type())));
  auto vendor = item.find(spec::tag::vendor_identification);
  auto name = item.find(spec::tag::attribute_name);
  if (!vendor || !name) return fail("an Attribute Reference structure needs Vendor Identification and Attribute Name");
  if (auto s = check_text(*vendor, "Vendor Identification"); !s) return common::unexpected<error>{s.error()};
  if (auto s = check_text(*name, "Attribute Name"); !s) return common::unexpected<error>{s.error()};
  return attribute_reference{std::string(vendor->as_text()) + "-" + std::string(name->as_text())};
}

result<void> encode_attribute_reference(const attribute_reference& r, std::uint32_t tag, ttlv::tree& out,
                                        spec::version v) {
  if (!is_v2(v)) {
    out.add_text(tag, r.name);
    return {};
  }
  if (auto t = attribute_tag(r.name)) {
    out.add_enumeration(tag, *t);
    return {};
  }
  auto vendor = split_vendor_name(r.name);
  if (!vendor) return fail_encode("'" + r.name + "' is neither a KMIP attribute name nor a vendor attribute name");
  out.begin_structure(tag);
  out.add_text(spec::tag::vendor_identification, vendor->vendor);
  out.add_text(spec::tag::attribute_name, vendor->name);
  out.end_structure();
  return {};
}

}  // namespace detail
}  // namespace kmip::model
