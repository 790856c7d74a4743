// PRIVATE to kmip/model: the one generic encoder and the one generic decoder of described structs.
//
// Both walk description<S>::fields (description.hpp); how one member becomes items is the business of its
// field_codec (how often, under which tag) and item_codec (one item: scalars, enums, strings, bytes,
// date-times, nested described structs, variants, attributes, managed objects, opaque items). Only
// message.cpp includes this header, so the templates are instantiated in one translation unit.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "common/secure.hpp"
#include "kmip/model/attribute.hpp"
#include "kmip/model/description.hpp"
#include "kmip/model/error.hpp"
#include "kmip/model/message.hpp"
#include "kmip/model/objects.hpp"
#include "kmip/model/values.hpp"
#include "kmip/model/wire.hpp"
#include "kmip/ttlv/tree.hpp"

namespace kmip::model::detail {

// What the codecs need to know besides the item: the version whose rules apply, the decode options,
// the reason to give structural errors at this level, and (for payload codecs) the batch item's Operation.
struct context {
  spec::version version = spec::version::v1_0;
  const decode_options* options = nullptr;  // decoding only
  spec::result_reason reason = spec::result_reason::invalid_field;
  std::optional<spec::operation> operation;
  std::optional<error> item_error;  // a payload error swallowed by decode_options::item_errors_in_place

  bool strict() const { return options && options->strict; }
  bool keep_unknown() const { return !options || options->keep_unknown_fields; }
  error fail(std::string message) const { return error(reason, {}, std::move(message)); }
};

using status = result<void>;
inline status ok() { return {}; }
inline common::unexpected<error> failed(error e) { return common::unexpected<error>{std::move(e)}; }
inline common::unexpected<error> failed(const context& c, std::string message) {
  return failed(c.fail(std::move(message)));
}
inline error error_at(const context& c, std::string path, std::string message) {
  error e = c.fail(std::move(message));
  e.path = std::move(path);
  return e;
}
// The error of a failed status with one more path segment in front.
inline common::unexpected<error> failed_at(const status& s, std::string_view segment) {
  error e = s.error();
  e.prepend(segment);
  return failed(std::move(e));
}

// Checks an item's type; the message names both types.
inline status expect_type(const ttlv::item_view& item, ttlv::item_type want, const context& c) {
  if (item.type() == want) return ok();
  return failed(c, type_mismatch(want, item.type()));
}

// A decoded scalar or text must not be a placeholder ($NOW, ...): those come only from test-case files.
inline status expect_value(const ttlv::item_view& item, ttlv::item_type want, const context& c) {
  if (auto s = expect_type(item, want, c); !s) return s;
  if (item.is_placeholder()) return failed(c, "unresolved placeholder '" + std::string(item.placeholder_text()) + "'");
  return ok();
}

// ---- item codecs: one member value <-> one item --------------------------------------------------------------
// Full specialisations below (attribute, template_attribute, managed_object, and the payload variants in
// message.cpp) take precedence over the partial ones for described structs and variants; each must be
// declared before anything instantiates the codec of its type.
template <class T>
struct item_codec;

// The tag a codec puts on the item is the field's, unless it overrides accepts() to match several tags.
struct by_field_tag {
  static bool accepts(std::uint32_t tag, std::uint32_t field_tag) { return tag == field_tag; }
};

// Wire type an item codec reads; item_type{} (0) means any type (opaque items).
template <class T>
constexpr ttlv::item_type wire_type_of = item_codec<T>::wire_type;

template <>
struct item_codec<std::int32_t> : by_field_tag {
  static constexpr auto wire_type = ttlv::item_type::integer;
  static status decode(ttlv::item_view i, std::int32_t& v, context& c) {
    if (auto s = expect_value(i, wire_type, c); !s) return s;
    v = i.as_integer();
    return ok();
  }
  static status encode(std::int32_t v, std::uint32_t tag, ttlv::tree& t, context&) {
    t.add_integer(tag, v);
    return ok();
  }
};

// Bit masks (Cryptographic Usage Mask, Storage Status Mask, ...) are Integers holding unsigned bits.
template <>
struct item_codec<std::uint32_t> : by_field_tag {
  static constexpr auto wire_type = ttlv::item_type::integer;
  static status decode(ttlv::item_view i, std::uint32_t& v, context& c) {
    if (auto s = expect_value(i, wire_type, c); !s) return s;
    v = static_cast<std::uint32_t>(i.as_integer());
    return ok();
  }
  static status encode(std::uint32_t v, std::uint32_t tag, ttlv::tree& t, context&) {
    t.add_integer(tag, static_cast<std::int32_t>(v));
    return ok();
  }
};

template <>
struct item_codec<std::int64_t> : by_field_tag {
  static constexpr auto wire_type = ttlv::item_type::long_integer;
  static status decode(ttlv::item_view i, std::int64_t& v, context& c) {
    if (auto s = expect_value(i, wire_type, c); !s) return s;
    v = i.as_long_integer();
    return ok();
  }
  static status encode(std::int64_t v, std::uint32_t tag, ttlv::tree& t, context&) {
    t.add_long_integer(tag, v);
    return ok();
  }
};

template <>
struct item_codec<bool> : by_field_tag {
  static constexpr auto wire_type = ttlv::item_type::boolean;
  static status decode(ttlv::item_view i, bool& v, context& c) {
    if (auto s = expect_value(i, wire_type, c); !s) return s;
    v = i.as_boolean();
    return ok();
  }
  static status encode(bool v, std::uint32_t tag, ttlv::tree& t, context&) {
    t.add_boolean(tag, v);
    return ok();
  }
};

template <>
struct item_codec<std::string> : by_field_tag {
  static constexpr auto wire_type = ttlv::item_type::text_string;
  static status decode(ttlv::item_view i, std::string& v, context& c) {
    if (auto s = expect_value(i, wire_type, c); !s) return s;
    v = std::string(i.as_text());
    return ok();
  }
  static status encode(const std::string& v, std::uint32_t tag, ttlv::tree& t, context&) {
    t.add_text(tag, v);
    return ok();
  }
};

template <class Bytes>
struct byte_string_codec : by_field_tag {
  static constexpr auto wire_type = ttlv::item_type::byte_string;
  static status decode(ttlv::item_view i, Bytes& v, context& c) {
    if (auto s = expect_value(i, wire_type, c); !s) return s;
    auto b = i.as_bytes();
    v.assign(b.begin(), b.end());
    return ok();
  }
  static status encode(const Bytes& v, std::uint32_t tag, ttlv::tree& t, context&) {
    t.add_bytes(tag, std::span<const std::uint8_t>(v.data(), v.size()));
    return ok();
  }
};
template <>
struct item_codec<std::vector<std::uint8_t>> : byte_string_codec<std::vector<std::uint8_t>> {};
template <>
struct item_codec<common::secure_bytes> : byte_string_codec<common::secure_bytes> {};

template <>
struct item_codec<date_time> : by_field_tag {
  static constexpr auto wire_type = ttlv::item_type::date_time;
  static status decode(ttlv::item_view i, date_time& v, context& c) {
    if (auto s = expect_value(i, wire_type, c); !s) return s;
    v.seconds = i.as_date_time();
    return ok();
  }
  static status encode(date_time v, std::uint32_t tag, ttlv::tree& t, context&) {
    t.add_date_time(tag, v.seconds);
    return ok();
  }
};

template <>
struct item_codec<interval> : by_field_tag {
  static constexpr auto wire_type = ttlv::item_type::interval;
  static status decode(ttlv::item_view i, interval& v, context& c) {
    if (auto s = expect_value(i, wire_type, c); !s) return s;
    v.seconds = i.as_interval();
    return ok();
  }
  static status encode(interval v, std::uint32_t tag, ttlv::tree& t, context&) {
    t.add_interval(tag, v.seconds);
    return ok();
  }
};

// Enumerations: any value in strict mode only if the spec table or the extension range (8XXXXXXX) has it.
template <class E>
requires std::is_enum_v<E>
struct item_codec<E> : by_field_tag {
  static constexpr auto wire_type = ttlv::item_type::enumeration;
  static status decode(ttlv::item_view i, E& v, context& c) {
    if (auto s = expect_value(i, wire_type, c); !s) return s;
    const std::uint32_t raw = i.as_enumeration();
    v = static_cast<E>(raw);
    if (c.strict() && (raw & 0x80000000u) == 0 && spec::name_of(v).empty())
      return failed(c, "unknown enumeration value " + hex32(raw));
    return ok();
  }
  static status encode(E v, std::uint32_t tag, ttlv::tree& t, context&) {
    t.add_enumeration(tag, static_cast<std::uint32_t>(v));
    return ok();
  }
};

template <>
struct item_codec<opaque> : by_field_tag {
  static constexpr auto wire_type = ttlv::item_type{};
  static status decode(ttlv::item_view i, opaque& v, context&) {
    v = opaque::copy_of(i);
    return ok();
  }
  static status encode(const opaque& v, std::uint32_t tag, ttlv::tree& t, context&) {
    if (v.empty()) {
      t.begin_structure(tag);
      t.end_structure();
    } else {
      t.add_copy(v.item());
    }
    return ok();
  }
};

// Forward declarations of the struct walkers, used by the codecs of nested structs.
template <described S>
status decode_fields(ttlv::item_view item, S& obj, context& c, std::uint32_t skip_tag = 0);
template <described S>
status encode_fields(const S& obj, ttlv::tree& t, context& c);

template <described S>
struct item_codec<S> : by_field_tag {
  static constexpr auto wire_type = ttlv::item_type::structure;
  static status decode(ttlv::item_view i, S& v, context& c) {
    if (auto s = expect_type(i, wire_type, c); !s) return s;
    return decode_fields(i, v, c);
  }
  static status encode(const S& v, std::uint32_t tag, ttlv::tree& t, context& c) {
    t.begin_structure(tag);
    if (auto s = encode_fields(v, t, c); !s) return s;
    t.end_structure();
    return ok();
  }
};

// A field that takes different shapes under one tag (Key Value structure or wrapped Byte String; text,
// enumeration or integer Unique Identifier; typed or opaque Credential Value): the first alternative whose
// wire type fits and that decodes wins; encoding writes whichever alternative is held.
template <class... T>
struct item_codec<std::variant<T...>> : by_field_tag {
  static constexpr auto wire_type = ttlv::item_type{};
  static status decode(ttlv::item_view i, std::variant<T...>& v, context& c) {
    std::optional<error> first;
    const bool done = (try_one<T>(i, v, c, first) || ...);
    if (done) return ok();
    if (first) return failed(*first);
    return failed(c, "unexpected " + std::string(ttlv::to_string(i.type())));
  }
  static status encode(const std::variant<T...>& v, std::uint32_t tag, ttlv::tree& t, context& c) {
    return std::visit([&](const auto& alt) { return item_codec<std::decay_t<decltype(alt)>>::encode(alt, tag, t, c); },
                      v);
  }

 private:
  template <class A>
  static bool try_one(ttlv::item_view i, std::variant<T...>& v, context& c, std::optional<error>& first) {
    constexpr auto want = wire_type_of<A>;
    if (want != ttlv::item_type{} && want != i.type()) return false;
    A alt{};
    if (auto s = item_codec<A>::decode(i, alt, c); !s) {
      if (!first) first = s.error();
      return false;
    }
    v = std::move(alt);
    return true;
  }
};

// One attribute as a field: 1.x Attribute structure; 2.x a wrapper (New Attribute, Current Attribute) around
// the attribute's own item.
template <>
struct item_codec<attribute> : by_field_tag {
  static constexpr auto wire_type = ttlv::item_type::structure;
  static status decode(ttlv::item_view i, attribute& v, context& c) {
    auto r = is_v2(c.version) ? decode_wrapped_attribute_v2(i) : decode_attribute_v1(i);
    if (!r) return failed(r.error());
    v = std::move(*r);
    return ok();
  }
  static status encode(const attribute& v, std::uint32_t tag, ttlv::tree& t, context& c) {
    return is_v2(c.version) ? encode_wrapped_attribute_v2(v, tag, t) : encode_attribute_v1(v, tag, t);
  }
};

template <>
struct item_codec<attribute_reference> : by_field_tag {
  static constexpr auto wire_type = ttlv::item_type{};
  static status decode(ttlv::item_view i, attribute_reference& v, context& c) {
    auto r = decode_attribute_reference(i, c.version);
    if (!r) return failed(r.error());
    v = std::move(*r);
    return ok();
  }
  static status encode(const attribute_reference& v, std::uint32_t tag, ttlv::tree& t, context& c) {
    return encode_attribute_reference(v, tag, t, c.version);
  }
};

// 1.x Template-Attribute (described); 2.x Attributes, which cannot carry template names.
template <>
struct item_codec<template_attribute> : by_field_tag {
  static constexpr auto wire_type = ttlv::item_type::structure;
  static status decode(ttlv::item_view i, template_attribute& v, context& c) {
    if (auto s = expect_type(i, wire_type, c); !s) return s;
    if (!is_v2(c.version)) return decode_fields(i, v, c);
    return decode_attribute_list_v2(i, v.attributes);
  }
  static status encode(const template_attribute& v, std::uint32_t tag, ttlv::tree& t, context& c) {
    if (!is_v2(c.version)) {
      t.begin_structure(tag);
      if (auto s = encode_fields(v, t, c); !s) return s;
      t.end_structure();
      return ok();
    }
    if (!v.names.empty())
      return failed(c, "Template names (Name in Template-Attribute) have no KMIP " +
                           std::string(spec::to_string(c.version)) + " form");
    return encode_attribute_list_v2(v.attributes, tag, t);
  }
};

// The object of Register and Get: matched by its own tag.
template <>
struct item_codec<managed_object> {
  static constexpr auto wire_type = ttlv::item_type::structure;
  static bool accepts(std::uint32_t tag, std::uint32_t) { return is_managed_object_tag(tag); }
  static status decode(ttlv::item_view i, managed_object& v, context& c) {
    if (auto s = expect_type(i, wire_type, c); !s) return s;
    if (i.is(spec::tag::symmetric_key)) return decode_as<symmetric_key>(i, v, c);
    if (i.is(spec::tag::secret_data)) return decode_as<secret_data>(i, v, c);
    v = opaque::copy_of(i);
    return ok();
  }
  static status encode(const managed_object& v, std::uint32_t, ttlv::tree& t, context& c) {
    if (const auto* k = std::get_if<symmetric_key>(&v))
      return item_codec<symmetric_key>::encode(*k, static_cast<std::uint32_t>(spec::tag::symmetric_key), t, c);
    if (const auto* d = std::get_if<secret_data>(&v))
      return item_codec<secret_data>::encode(*d, static_cast<std::uint32_t>(spec::tag::secret_data), t, c);
    const auto& o = std::get<opaque>(v);
    if (o.empty() || !is_managed_object_tag(o.item().tag()))
      return failed(c, "the object is neither typed nor an opaque managed object item");
    t.add_copy(o.item());
    return ok();
  }

 private:
  template <class T>
  static status decode_as(ttlv::item_view i, managed_object& v, context& c) {
    T obj;
    if (auto s = decode_fields(i, obj, c); !s) return s;
    v = std::move(obj);
    return ok();
  }
};

// ---- field codecs: one member <-> the items of one field -------------------------------------------------------
// A plain member: exactly one item.
template <class M>
struct plain_field_codec {
  static bool accepts(std::uint32_t tag, std::uint32_t field_tag) { return item_codec<M>::accepts(tag, field_tag); }
  static bool repeated(const context&) { return false; }
  static bool has_value(const M&, const context&) { return true; }
  static status decode(ttlv::item_view i, M& m, context& c) { return item_codec<M>::decode(i, m, c); }
  static status encode(const M& m, std::uint32_t tag, bool, ttlv::tree& t, context& c) {
    if (auto s = item_codec<M>::encode(m, tag, t, c); !s) return failed_at(s, tag_name(tag));
    return ok();
  }
};

template <class M>
struct field_codec : plain_field_codec<M> {};

// A Byte String member is one item, not a repetition.
template <>
struct field_codec<std::vector<std::uint8_t>> : plain_field_codec<std::vector<std::uint8_t>> {};

template <class T>
struct field_codec<std::optional<T>> {
  static bool accepts(std::uint32_t tag, std::uint32_t field_tag) { return item_codec<T>::accepts(tag, field_tag); }
  static bool repeated(const context&) { return false; }
  static bool has_value(const std::optional<T>& m, const context&) { return m.has_value(); }
  static status decode(ttlv::item_view i, std::optional<T>& m, context& c) {
    return item_codec<T>::decode(i, m.emplace(), c);
  }
  static status encode(const std::optional<T>& m, std::uint32_t tag, bool, ttlv::tree& t, context& c) {
    if (!m) return ok();
    if (auto s = item_codec<T>::encode(*m, tag, t, c); !s) return failed_at(s, tag_name(tag));
    return ok();
  }
};

template <class T>
struct field_codec<std::vector<T>> {
  static bool accepts(std::uint32_t tag, std::uint32_t field_tag) { return item_codec<T>::accepts(tag, field_tag); }
  static bool repeated(const context&) { return true; }
  static bool has_value(const std::vector<T>& m, const context&) { return !m.empty(); }
  static status decode(ttlv::item_view i, std::vector<T>& m, context& c) {
    return item_codec<T>::decode(i, m.emplace_back(), c);
  }
  static status encode(const std::vector<T>& m, std::uint32_t tag, bool, ttlv::tree& t, context& c) {
    for (std::size_t n = 0; n < m.size(); ++n)
      if (auto s = item_codec<T>::encode(m[n], tag, t, c); !s)
        return failed_at(s, tag_name(tag) + "[" + std::to_string(n) + "]");
    return ok();
  }
};

// A list of attributes: 1.x repeats Attribute structures in the parent; 2.x puts them all in one Attributes
// structure, written even when empty where the field is required.
template <>
struct field_codec<std::vector<attribute>> {
  static bool accepts(std::uint32_t tag, std::uint32_t field_tag) { return tag == field_tag; }
  static bool repeated(const context& c) { return !is_v2(c.version); }
  // In 2.x the Attributes structure can always be written, empty or not.
  static bool has_value(const std::vector<attribute>& m, const context& c) { return is_v2(c.version) || !m.empty(); }
  static status decode(ttlv::item_view i, std::vector<attribute>& m, context& c) {
    if (!is_v2(c.version)) return item_codec<attribute>::decode(i, m.emplace_back(), c);
    if (auto s = expect_type(i, ttlv::item_type::structure, c); !s) return s;
    return decode_attribute_list_v2(i, m);
  }
  static status encode(const std::vector<attribute>& m, std::uint32_t tag, bool required, ttlv::tree& t, context& c) {
    if (is_v2(c.version)) {
      if (m.empty() && !required) return ok();
      if (auto s = encode_attribute_list_v2(m, tag, t); !s) return failed_at(s, tag_name(tag));
      return ok();
    }
    for (std::size_t n = 0; n < m.size(); ++n)
      if (auto s = encode_attribute_v1(m[n], tag, t); !s)
        return failed_at(s, tag_name(tag) + "[" + std::to_string(n) + "]");
    return ok();
  }
};

// ---- the struct walkers ------------------------------------------------------------------------------------
// f(std::integral_constant<std::size_t, I>{}) for I = 0, 1, ... N-1, stopping at the first true / false.
template <class F, std::size_t... I>
bool any_index(F&& f, std::index_sequence<I...>) {
  return (f(std::integral_constant<std::size_t, I>{}) || ...);
}
template <class F, std::size_t... I>
bool all_index(F&& f, std::index_sequence<I...>) {
  return (f(std::integral_constant<std::size_t, I>{}) && ...);
}

template <described S>
inline constexpr std::size_t field_count = std::tuple_size_v<std::remove_cvref_t<decltype(description<S>::fields)>>;

template <described S, std::size_t I>
using member_of = typename std::remove_cvref_t<decltype(std::get<I>(description<S>::fields))>::member_type;

template <class S>
concept keeps_unknown_fields = requires(S& s) {
  s.unknown_fields.push_back(opaque{});
};

// Tries child against field I; on a match, decodes it into the member and reports the index.
template <described S, std::size_t I>
bool try_field(ttlv::item_view child, S& obj, context& c, std::size_t& matched, status& st) {
  constexpr const auto& f = std::get<I>(description<S>::fields);
  using M = member_of<S, I>;
  if (!f.present.contains(c.version)) return false;
  if (!field_codec<M>::accepts(child.tag(), static_cast<std::uint32_t>(f.tag_in(c.version)))) return false;
  matched = I;
  st = field_codec<M>::decode(child, obj.*(f.member), c);
  return true;
}

template <described S>
bool field_repeated(std::size_t index, const context& c) {
  bool repeated = false;
  any_index(
      [&](auto i) {
        if (decltype(i)::value != index) return false;
        repeated = field_codec<member_of<S, decltype(i)::value>>::repeated(c);
        return true;
      },
      std::make_index_sequence<field_count<S>>{});
  return repeated;
}

template <described S, std::size_t I>
void check_required(std::uint32_t seen, const context& c, std::optional<error>& missing) {
  constexpr const auto& f = std::get<I>(description<S>::fields);
  if (seen > 0 || !f.required.contains(c.version)) return;
  if constexpr (std::is_same_v<member_of<S, I>, managed_object>)
    missing = c.fail("missing the managed object (Symmetric Key, Secret Data, Certificate, ...)");
  else
    missing = c.fail("missing required field " + tag_name(f.tag_in(c.version)));
}

template <class S>
status unknown_item(ttlv::item_view child, S& obj, context& c) {
  if constexpr (keeps_unknown_fields<S>) {
    if (c.keep_unknown()) {
      obj.unknown_fields.push_back(opaque::copy_of(child));
      return ok();
    }
  }
  return failed(
      error_at(c, tag_name(child.tag()),
               "unexpected field (not defined here in KMIP " + std::string(spec::to_string(c.version)) + ")"));
}

// Decodes the children of `item` into obj; items tagged skip_tag are left to the caller.
template <described S>
status decode_fields(ttlv::item_view item, S& obj, context& c, std::uint32_t skip_tag) {
  constexpr std::size_t n = field_count<S>;
  std::array<std::uint32_t, n> seen{};
  std::size_t last = 0;
  for (auto child : item.children()) {
    if (skip_tag != 0 && child.tag() == skip_tag) continue;
    std::size_t matched = n;
    status st;
    any_index([&](auto i) { return try_field<S, decltype(i)::value>(child, obj, c, matched, st); },
              std::make_index_sequence<n>{});
    if (matched == n) {
      if (auto s = unknown_item(child, obj, c); !s) return s;
      continue;
    }
    const bool repeated = field_repeated<S>(matched, c);
    const std::uint32_t index = seen[matched]++;
    auto segment = [&] {  // built only for errors
      return tag_name(child.tag()) + (repeated ? "[" + std::to_string(index) + "]" : std::string());
    };
    if (!st) return failed_at(st, segment());
    if (!repeated && index > 0) return failed(error_at(c, segment(), "appears more than once"));
    if (c.strict() && matched < last) return failed(error_at(c, segment(), "out of order"));
    last = matched;
  }
  std::optional<error> missing;
  all_index(
      [&](auto i) {
        check_required<S, decltype(i)::value>(seen[decltype(i)::value], c, missing);
        return !missing;
      },
      std::make_index_sequence<n>{});
  if (missing) return failed(std::move(*missing));
  return ok();
}

template <described S, std::size_t I>
bool encode_field(const S& obj, ttlv::tree& t, context& c, status& st) {
  constexpr const auto& f = std::get<I>(description<S>::fields);
  using M = member_of<S, I>;
  const M& m = obj.*(f.member);
  const auto tag = static_cast<std::uint32_t>(f.tag_in(c.version));
  if (!f.present.contains(c.version)) {
    if (is_optional_member<M>::value && field_codec<M>::has_value(m, c)) {
      st = failed(error_at(
          c, tag_name(tag),
          "not in KMIP " + std::string(spec::to_string(c.version)) + " (" + describe_versions(f.present) + ")"));
      return false;
    }
    return true;
  }
  const bool required = f.required.contains(c.version);
  if (required && !field_codec<M>::has_value(m, c)) {
    st = failed(c, "missing required field " + tag_name(tag));
    return false;
  }
  st = field_codec<M>::encode(m, tag, required, t, c);
  return st.has_value();
}

// Appends obj's fields, in description order, then its unknown fields.
template <described S>
status encode_fields(const S& obj, ttlv::tree& t, context& c) {
  status st;
  const bool good = all_index([&](auto i) { return encode_field<S, decltype(i)::value>(obj, t, c, st); },
                              std::make_index_sequence<field_count<S>>{});
  if (!good) return st;
  if constexpr (keeps_unknown_fields<S>)
    for (const auto& u : obj.unknown_fields)
      if (!u.empty()) t.add_copy(u.item());
  return ok();
}

}  // namespace kmip::model::detail
