// Run-time views of the .def tables: lookups by value and by name, built once from the same rows
// that declare the C++ enums.
#include "kmip/spec/spec.hpp"

#include <algorithm>
#include <array>
#include <unordered_map>

namespace kmip::spec {
namespace {

using enum version;

constexpr tag_info tag_table[] = {
#define KMIP_TAG(cpp, value, name, camel, since) {tag::cpp, name, camel, since},
#include "kmip/spec/tags.def"
#undef KMIP_TAG
};

// Each enumeration's values as one static array, then the table of enumerations.
#define KMIP_ENUM(cpp, name, camel, since) constexpr enum_value_info values_##cpp[] = {
#define KMIP_ENUM_VALUE(e, cpp, value, name, camel, since) {value, name, camel, since},
#define KMIP_ENUM_END(e) };
#define KMIP_ENUM_TAG(e, t)
#include "kmip/spec/enums.def"
#undef KMIP_ENUM
#undef KMIP_ENUM_VALUE
#undef KMIP_ENUM_END
#undef KMIP_ENUM_TAG

constexpr enumeration_info enum_table[] = {
#define KMIP_ENUM(cpp, name, camel, since) {enumeration_id::cpp, name, camel, since, values_##cpp},
#define KMIP_ENUM_VALUE(e, cpp, value, name, camel, since)
#define KMIP_ENUM_END(e)
#define KMIP_ENUM_TAG(e, t)
#include "kmip/spec/enums.def"
#undef KMIP_ENUM
#undef KMIP_ENUM_VALUE
#undef KMIP_ENUM_END
#undef KMIP_ENUM_TAG
};

struct tag_enum_row {
  tag t;
  enumeration_id e;
};
constexpr tag_enum_row tag_enum_table[] = {
#define KMIP_ENUM(cpp, name, camel, since)
#define KMIP_ENUM_VALUE(e, cpp, value, name, camel, since)
#define KMIP_ENUM_END(e)
#define KMIP_ENUM_TAG(e, t) {tag::t, enumeration_id::e},
#include "kmip/spec/enums.def"
#undef KMIP_ENUM
#undef KMIP_ENUM_VALUE
#undef KMIP_ENUM_END
#undef KMIP_ENUM_TAG
};

#define KMIP_MASK(cpp, name, camel, since) constexpr enum_value_info bits_##cpp[] = {
#define KMIP_MASK_BIT(m, cpp, value, name, camel, since) {value, name, camel, since},
#define KMIP_MASK_END(m) };
#define KMIP_MASK_TAG(m, t)
#include "kmip/spec/masks.def"
#undef KMIP_MASK
#undef KMIP_MASK_BIT
#undef KMIP_MASK_END
#undef KMIP_MASK_TAG

constexpr mask_info mask_table[] = {
#define KMIP_MASK(cpp, name, camel, since) {name, camel, since, bits_##cpp},
#define KMIP_MASK_BIT(m, cpp, value, name, camel, since)
#define KMIP_MASK_END(m)
#define KMIP_MASK_TAG(m, t)
#include "kmip/spec/masks.def"
#undef KMIP_MASK
#undef KMIP_MASK_BIT
#undef KMIP_MASK_END
#undef KMIP_MASK_TAG
};

enum class mask_id : std::uint16_t {
#define KMIP_MASK(cpp, name, camel, since) cpp,
#define KMIP_MASK_BIT(m, cpp, value, name, camel, since)
#define KMIP_MASK_END(m)
#define KMIP_MASK_TAG(m, t)
#include "kmip/spec/masks.def"
#undef KMIP_MASK
#undef KMIP_MASK_BIT
#undef KMIP_MASK_END
#undef KMIP_MASK_TAG
};

struct tag_mask_row {
  tag t;
  mask_id m;
};
constexpr tag_mask_row tag_mask_table[] = {
#define KMIP_MASK(cpp, name, camel, since)
#define KMIP_MASK_BIT(m, cpp, value, name, camel, since)
#define KMIP_MASK_END(m)
#define KMIP_MASK_TAG(m, t) {tag::t, mask_id::m},
#include "kmip/spec/masks.def"
#undef KMIP_MASK
#undef KMIP_MASK_BIT
#undef KMIP_MASK_END
#undef KMIP_MASK_TAG
};

// Name indexes, built on first use. Names are unique within a table (checked by spec_test).
struct name_index {
  std::unordered_map<std::string_view, const tag_info*> tags;
  std::unordered_map<std::uint32_t, const tag_info*> tag_values;
  std::unordered_map<std::uint32_t, const enumeration_info*> tag_enums;
  std::unordered_map<std::uint32_t, const mask_info*> tag_masks;

  name_index() {
    for (const auto& t : tag_table) {
      tags.emplace(t.name, &t);
      tags.emplace(t.camel, &t);
      tag_values.emplace(static_cast<std::uint32_t>(t.value), &t);
    }
    for (const auto& row : tag_enum_table)
      tag_enums.emplace(static_cast<std::uint32_t>(row.t), &enum_table[static_cast<std::size_t>(row.e)]);
    for (const auto& row : tag_mask_table)
      tag_masks.emplace(static_cast<std::uint32_t>(row.t), &mask_table[static_cast<std::size_t>(row.m)]);
  }
};

const name_index& index() {
  static const name_index idx;
  return idx;
}

}  // namespace

std::string_view to_string(version v) {
  switch (v) {
    case v1_0: return "1.0";
    case v1_1: return "1.1";
    case v1_2: return "1.2";
    case v1_3: return "1.3";
    case v1_4: return "1.4";
    case v2_0: return "2.0";
    case v2_1: return "2.1";
  }
  return "?";
}

std::span<const tag_info> all_tags() { return tag_table; }

const tag_info* find_tag(std::uint32_t value) {
  const auto& m = index().tag_values;
  auto it = m.find(value);
  return it == m.end() ? nullptr : it->second;
}

const tag_info* find_tag(std::string_view name) {
  const auto& m = index().tags;
  auto it = m.find(name);
  return it == m.end() ? nullptr : it->second;
}

std::span<const enumeration_info> all_enumerations() { return enum_table; }

const enumeration_info& info(enumeration_id id) { return enum_table[static_cast<std::size_t>(id)]; }

const enumeration_info* enumeration_for_tag(std::uint32_t tag_value) {
  const auto& m = index().tag_enums;
  auto it = m.find(tag_value);
  return it == m.end() ? nullptr : it->second;
}

const enum_value_info* find_value(const enumeration_info& e, std::uint32_t value) {
  auto it = std::find_if(e.values.begin(), e.values.end(), [&](const auto& v) { return v.value == value; });
  return it == e.values.end() ? nullptr : &*it;
}

const enum_value_info* find_value(const enumeration_info& e, std::string_view name) {
  auto it = std::find_if(e.values.begin(), e.values.end(),
                         [&](const auto& v) { return v.name == name || v.camel == name; });
  return it == e.values.end() ? nullptr : &*it;
}

#define KMIP_ENUM(cpp, spec_name, camel_name, since_v)                                      \
  std::string_view name_of(cpp v) {                                                         \
    const auto* found = find_value(info(enumeration_id::cpp), static_cast<std::uint32_t>(v)); \
    return found ? found->name : std::string_view{};                                        \
  }
#define KMIP_ENUM_VALUE(e, cpp, value, name, camel, since)
#define KMIP_ENUM_END(e)
#define KMIP_ENUM_TAG(e, t)
#include "kmip/spec/enums.def"
#undef KMIP_ENUM
#undef KMIP_ENUM_VALUE
#undef KMIP_ENUM_END
#undef KMIP_ENUM_TAG

std::span<const mask_info> all_masks() { return mask_table; }

const mask_info* mask_for_tag(std::uint32_t tag_value) {
  const auto& m = index().tag_masks;
  auto it = m.find(tag_value);
  return it == m.end() ? nullptr : it->second;
}

}  // namespace kmip::spec
