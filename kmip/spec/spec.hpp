// The KMIP specification's tables, declared once in the .def files beside this header:
// tags (tags.def), enumerations (enums.def) and bit masks (masks.def), each row with its spec name, its
// normalized CamelCase name (Additional Message Encodings v1.0, section 4.1.3) and the protocol version that
// introduced it. Everything that names a tag, an enumeration value or a mask bit reads these rows.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace kmip::spec {

// Protocol versions this project knows, oldest first. The order is meaningful: a < b means a is older.
enum class version : std::uint8_t { v1_0, v1_1, v1_2, v1_3, v1_4, v2_0, v2_1 };
inline constexpr version newest_version = version::v2_1;

struct protocol_version {
  std::int32_t major = 1;
  std::int32_t minor = 0;
  friend constexpr bool operator==(protocol_version, protocol_version) = default;
};

constexpr protocol_version to_protocol_version(version v) {
  switch (v) {
    case version::v1_0: return {1, 0};
    case version::v1_1: return {1, 1};
    case version::v1_2: return {1, 2};
    case version::v1_3: return {1, 3};
    case version::v1_4: return {1, 4};
    case version::v2_0: return {2, 0};
    case version::v2_1: return {2, 1};
  }
  return {1, 0};
}

// The known version for a wire major/minor pair, or nullopt for one this project does not implement.
constexpr std::optional<version> to_version(protocol_version pv) {
  if (pv.major == 1 && pv.minor >= 0 && pv.minor <= 4) return static_cast<version>(pv.minor);
  if (pv.major == 2 && pv.minor >= 0 && pv.minor <= 1) return static_cast<version>(5 + pv.minor);
  return std::nullopt;
}

std::string_view to_string(version v);  // "1.1"

// ---- tags -------------------------------------------------------------------------------------------------
enum class tag : std::uint32_t {
#define KMIP_TAG(cpp, value, name, camel, since) cpp = value,
#include "kmip/spec/tags.def"
#undef KMIP_TAG
};

struct tag_info {
  tag value;
  std::string_view name;   // "Unique Identifier"
  std::string_view camel;  // "UniqueIdentifier"
  version since;
};

std::span<const tag_info> all_tags();
const tag_info* find_tag(std::uint32_t value);
// Accepts the spec name or the CamelCase name.
const tag_info* find_tag(std::string_view name);

// Extension tags (0x54xxxx) are the vendor range; the spec reserves 0x42xxxx for itself.
constexpr bool is_extension_tag(std::uint32_t value) { return (value & 0xFF0000u) == 0x540000u; }

// ---- enumerations -----------------------------------------------------------------------------------------
// One C++ enum per KMIP enumeration: kmip::spec::object_type::symmetric_key.
#define KMIP_ENUM(cpp, name, camel, since) enum class cpp : std::uint32_t {
#define KMIP_ENUM_VALUE(e, cpp, value, name, camel, since) cpp = value,
#define KMIP_ENUM_END(e) };
#define KMIP_ENUM_TAG(e, t)
#include "kmip/spec/enums.def"
#undef KMIP_ENUM
#undef KMIP_ENUM_VALUE
#undef KMIP_ENUM_END
#undef KMIP_ENUM_TAG

// Identifies one enumeration table at run time.
enum class enumeration_id : std::uint16_t {
#define KMIP_ENUM(cpp, name, camel, since) cpp,
#define KMIP_ENUM_VALUE(e, cpp, value, name, camel, since)
#define KMIP_ENUM_END(e)
#define KMIP_ENUM_TAG(e, t)
#include "kmip/spec/enums.def"
#undef KMIP_ENUM
#undef KMIP_ENUM_VALUE
#undef KMIP_ENUM_END
#undef KMIP_ENUM_TAG
};

struct enum_value_info {
  std::uint32_t value;
  std::string_view name;
  std::string_view camel;
  version since;
};

struct enumeration_info {
  enumeration_id id;
  std::string_view name;
  std::string_view camel;
  version since;
  std::span<const enum_value_info> values;
};

std::span<const enumeration_info> all_enumerations();
const enumeration_info& info(enumeration_id id);
// The enumeration that the Enumeration items of this tag use, if the spec names one.
const enumeration_info* enumeration_for_tag(std::uint32_t tag_value);
const enum_value_info* find_value(const enumeration_info& e, std::uint32_t value);
// Accepts the spec name or the CamelCase name.
const enum_value_info* find_value(const enumeration_info& e, std::string_view name);

// Name of a typed enumerator, e.g. name_of(object_type::symmetric_key) == "Symmetric Key".
#define KMIP_ENUM(cpp, name, camel, since) std::string_view name_of(cpp v);
#define KMIP_ENUM_VALUE(e, cpp, value, name, camel, since)
#define KMIP_ENUM_END(e)
#define KMIP_ENUM_TAG(e, t)
#include "kmip/spec/enums.def"
#undef KMIP_ENUM
#undef KMIP_ENUM_VALUE
#undef KMIP_ENUM_END
#undef KMIP_ENUM_TAG

// ---- bit masks --------------------------------------------------------------------------------------------
#define KMIP_MASK(cpp, name, camel, since) namespace cpp {
#define KMIP_MASK_BIT(m, cpp, value, name, camel, since) inline constexpr std::uint32_t cpp = value;
#define KMIP_MASK_END(m) }
#define KMIP_MASK_TAG(m, t)
#include "kmip/spec/masks.def"
#undef KMIP_MASK
#undef KMIP_MASK_BIT
#undef KMIP_MASK_END
#undef KMIP_MASK_TAG

struct mask_info {
  std::string_view name;
  std::string_view camel;
  version since;
  std::span<const enum_value_info> bits;
};

std::span<const mask_info> all_masks();
// The mask that the Integer items of this tag carry, if any.
const mask_info* mask_for_tag(std::uint32_t tag_value);

}  // namespace kmip::spec
