// Object attributes in one in-memory form for both wire forms.
//
// KMIP 1.x carries an attribute as Attribute { Attribute Name (text), Attribute Index?, Attribute Value }
// (1.x §2.1.1), inside Template-Attribute (§2.1.8) or directly in a payload. KMIP 2.x carries it as an item
// with the attribute's own tag inside an Attributes structure (2.1 §5.1), custom attributes as
// Attribute { Vendor Identification, Attribute Name, Attribute Value } (2.1 §4.60), and names attributes
// with Attribute Reference (2.1 §5.5). Here an attribute is always { name, index, value }:
//
// - `name` is the 1.x Attribute Name. For spec attributes that is the tag's spec name ("Cryptographic
//   Algorithm"), so the 2.x tag is spec::find_tag(name). 1.x custom attributes ("x-Foo" from clients, "y-Foo"
//   from servers, 1.x §3.39) and 2.x vendor attributes share one spelling, "<Vendor Identification>-<Attribute
//   Name>": 2.x Vendor Identification "x" with Attribute Name "Foo" is "x-Foo". 2.1 §4.60 reserves vendor
//   identifications "x" and "y" for exactly this mapping; it does not say whether the 2.x Attribute Name keeps
//   the prefix, and we strip it (vendor "x", name "Foo"). A vendor identification is [A-Za-z0-9_.]+, so the
//   first '-' splits the two unambiguously. An attribute with an unknown 2.x tag is named by its hex tag
//   ("0x540001").
// - `index` is the 1.x Attribute Index; 2.x has none (it identifies instances by value) and refuses it.
// - `value` holds the Attribute Value as one item (tagged Attribute Value) of any type, structures included.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "kmip/model/description.hpp"
#include "kmip/model/values.hpp"
#include "kmip/spec/spec.hpp"
#include "kmip/ttlv/tree.hpp"

namespace kmip::model {

struct attribute {
  std::string name{};
  std::optional<std::int32_t> index{};
  ttlv::tree value;  // one item tagged Attribute Value; empty only where the spec allows no value (Notify)

  bool has_value() const { return !value.empty(); }
  // REQUIRES: has_value().
  ttlv::item_view value_item() const { return value.root(); }

  // Typed reads; nullopt when there is no value or it has another type.
  std::optional<std::int32_t> integer() const;
  std::optional<std::int64_t> long_integer() const;
  std::optional<std::uint32_t> enumeration() const;
  std::optional<bool> boolean() const;
  std::optional<std::string_view> text() const;  // valid while the attribute lives
  std::optional<std::span<const std::uint8_t>> bytes() const;
  std::optional<date_time> date() const;
  std::optional<model::interval> interval() const;
  std::optional<object_name> name_value() const;  // Name structure
  std::optional<object_link> link_value() const;  // Link structure
  template <class Enum>
  requires std::is_enum_v<Enum> std::optional<Enum> enum_value()
  const {
    auto v = enumeration();
    return v ? std::optional<Enum>(static_cast<Enum>(*v)) : std::nullopt;
  }
};

// The first attribute with this name, or nullptr.
const attribute* find_attribute(std::span<const attribute> attributes, std::string_view name);

// Names one attribute: 1.x Attribute Name (Text String), 2.x Attribute Reference (the tag as an Enumeration,
// or { Vendor Identification, Attribute Name } for vendor attributes), 2.1 §5.5.
struct attribute_reference {
  std::string name{};
};

// 1.x Template-Attribute (§2.1.8): Names of Template objects to apply (deprecated in 1.3), then attributes.
// 2.x replaced it with Attributes (2.1 §5.1), which has no template names.
struct template_attribute {
  std::vector<object_name> names{};
  std::vector<attribute> attributes{};
};
template <>
struct description<template_attribute> {  // the 1.x form; codec.hpp writes the 2.x one
  static constexpr auto fields = std::tuple{
      field(spec::tag::name, &template_attribute::names),
      field(spec::tag::attribute, &template_attribute::attributes),
  };
};

// ---- names ------------------------------------------------------------------------------------------------
// 1.x custom attribute names start with "x-" (client) or "y-" (server), 1.x §3.39.
bool is_custom_attribute_name(std::string_view name);

struct vendor_attribute_name {
  std::string_view vendor{};  // Vendor Identification, [A-Za-z0-9_.]+
  std::string_view name{};    // Attribute Name
};
// "x-Foo" -> {"x", "Foo"}; nullopt when `name` has no "<vendor>-" prefix.
std::optional<vendor_attribute_name> split_vendor_name(std::string_view name);

// The 2.x tag of a spec attribute named by its 1.x name or spec tag name, or of a "0x42xxxx"/"0x54xxxx"
// name; nullopt for custom and vendor attributes.
std::optional<std::uint32_t> attribute_tag(std::string_view name);

// The attribute name for a 2.x item tag: the tag's spec name, or "0x540001" for a tag the spec lacks.
std::string attribute_name_for_tag(std::uint32_t tag);

// The item type of a spec attribute's value (Cryptographic Length: Integer, Name: Structure, ...), or
// nullopt for custom, vendor and unknown attributes, whose values may be of any type.
std::optional<ttlv::item_type> attribute_value_type(std::string_view name);

// ---- building attributes ------------------------------------------------------------------------------------
namespace attr {
attribute integer(std::string name, std::int32_t v);
attribute long_integer(std::string name, std::int64_t v);
attribute enumeration(std::string name, std::uint32_t v);
attribute boolean(std::string name, bool v);
attribute text(std::string name, std::string_view v);  // also for x-/y- custom attributes
attribute bytes(std::string name, std::span<const std::uint8_t> v);
attribute date(std::string name, date_time v);
attribute interval(std::string name, model::interval v);
// A copy of any item as the value (its tag is replaced by Attribute Value).
attribute of_item(std::string name, ttlv::item_view value);

attribute cryptographic_algorithm(spec::cryptographic_algorithm v);
attribute cryptographic_length(std::int32_t bits);
attribute cryptographic_usage_mask(std::uint32_t mask);  // spec::cryptographic_usage_mask bits
attribute object_type(spec::object_type v);
attribute state(spec::state v);
attribute name(std::string_view value, spec::name_type type = spec::name_type::uninterpreted_text_string);
attribute link(spec::link_type type, std::string_view linked_object_identifier);
attribute activation_date(date_time v);
attribute object_group(std::string_view v);
}  // namespace attr

}  // namespace kmip::model
