// Small value types of the typed messages: Date-Time and Interval as strong types, the opaque item that keeps
// whatever this layer does not type, and the few spec structures that several payloads share (Name, Link,
// Revocation Reason, Protection Storage Masks).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "kmip/model/description.hpp"
#include "kmip/spec/spec.hpp"
#include "kmip/ttlv/tree.hpp"

namespace kmip::model {

// Date-Time: seconds since the Unix epoch, UTC (1.x §9.1.1.4, 2.1 §10.1.4).
struct date_time {
  std::int64_t seconds = 0;
  friend constexpr auto operator<=>(date_time, date_time) = default;
};

// Interval: a length of time in seconds (1.x §9.1.1.4, 2.1 §10.1.4).
struct interval {
  std::uint32_t seconds = 0;
  friend constexpr auto operator<=>(interval, interval) = default;
};

// One TTLV item (with its subtree) kept as it came: payloads of operations this layer does not type, object
// kinds it does not type, vendor extensions, unknown fields. Encoding writes it back unchanged.
struct opaque {
  ttlv::tree tree;  // exactly one top-level item, or empty (an empty opaque encodes as an empty structure)

  static opaque copy_of(ttlv::item_view item);
  bool empty() const { return tree.empty(); }
  // REQUIRES: !empty().
  ttlv::item_view item() const { return tree.root(); }
};

// Unique Identifier as a request may carry it: always a Text String in 1.x; 2.x also allows the Unique
// Identifier enumeration (ID Placeholder, ...) and an Integer, the index of an earlier batch item's result
// (2.1 §4.58).
using unique_identifier = std::variant<std::string, spec::unique_identifier, std::int32_t>;

// The text of a Unique Identifier, or nullptr when it is absent or not text.
const std::string* text_of(const std::optional<unique_identifier>& id);

// Protocol Version (1.x §6.1, 2.1 §9.16): in message headers and in Discover Versions.
template <>
struct description<spec::protocol_version> {
  static constexpr auto fields = std::tuple{
      field(spec::tag::protocol_version_major, &spec::protocol_version::major),
      field(spec::tag::protocol_version_minor, &spec::protocol_version::minor),
  };
};

// Name (1.x §3.2, 2.1 §4.32): used as an attribute and, in 1.x Template-Attribute, to name a Template.
struct object_name {
  std::string value{};
  spec::name_type type = spec::name_type::uninterpreted_text_string;
};
template <>
struct description<object_name> {
  static constexpr auto fields = std::tuple{
      field(spec::tag::name_value, &object_name::value),
      field(spec::tag::name_type, &object_name::type),
  };
};

// Link (1.x §3.35, 2.1 §4.31).
struct object_link {
  spec::link_type type{};
  std::string linked_object_identifier{};
};
template <>
struct description<object_link> {
  static constexpr auto fields = std::tuple{
      field(spec::tag::link_type, &object_link::type),
      field(spec::tag::linked_object_identifier, &object_link::linked_object_identifier),
  };
};

// Revocation Reason (1.x §3.31, 2.1 §4.47).
struct revocation_reason {
  spec::revocation_reason_code code{};
  std::optional<std::string> message{};
};
template <>
struct description<revocation_reason> {
  static constexpr auto fields = std::tuple{
      field(spec::tag::revocation_reason_code, &revocation_reason::code),
      field(spec::tag::revocation_message, &revocation_reason::message),
  };
};

// Protection Storage Masks (2.1 §7.33): the storage protections the client accepts, each a mask of
// spec::protection_storage_mask bits.
struct protection_storage_masks {
  std::vector<std::uint32_t> masks{};
};
template <>
struct description<protection_storage_masks> {
  static constexpr auto fields = std::tuple{
      field(spec::tag::protection_storage_mask, &protection_storage_masks::masks),
  };
};

}  // namespace kmip::model
