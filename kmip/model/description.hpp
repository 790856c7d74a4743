// How a typed struct says which TTLV fields it has, once (STYLE.md habit 6).
//
// Each described struct S has one `description<S>` specialisation beside it, holding a tuple of field
// descriptors in wire order: the tag, the member, the protocol versions in which the field exists and those
// in which it is mandatory, and, where KMIP 2.x renamed the field, its 2.x tag. One generic encoder and one
// generic decoder (kmip/model/codec.hpp, private) read these tuples; nothing else lists a payload's fields.
//
//   template <> struct description<revoke_request> {
//     static constexpr auto fields = std::tuple{
//         field(spec::tag::unique_identifier, &revoke_request::unique_identifier),
//         field(spec::tag::revocation_reason, &revoke_request::revocation_reason),
//         field(spec::tag::compromise_occurrence_date, &revoke_request::compromise_occurrence_date),
//     };
//   };
//
// A member's C++ type says how often the field may appear: T exactly once (mandatory), std::optional<T> at most
// once, std::vector<T> any number of times. `.mandatory()` / `.required_in()` make an optional or repeated
// member mandatory (at least one item) where the spec says so.
#pragma once

#include <cstdint>
#include <optional>
#include <tuple>
#include <type_traits>
#include <vector>

#include "kmip/spec/spec.hpp"

namespace kmip::model {

// A set of protocol versions, one bit per spec::version.
class version_set {
 public:
  constexpr version_set() = default;
  static constexpr version_set all() { return version_set(0x7F); }
  static constexpr version_set none() { return version_set(0); }
  // v and every later version.
  static constexpr version_set since(spec::version v) {
    return version_set(static_cast<std::uint8_t>(0x7F << bit(v)) & 0x7F);
  }
  // v and every earlier version.
  static constexpr version_set until(spec::version v) {
    return version_set(static_cast<std::uint8_t>((2u << bit(v)) - 1));
  }
  static constexpr version_set v1x() { return until(spec::version::v1_4); }
  static constexpr version_set v2x() { return since(spec::version::v2_0); }

  constexpr bool contains(spec::version v) const { return (bits_ >> bit(v)) & 1u; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr version_set operator&(version_set o) const { return version_set(bits_ & o.bits_); }
  constexpr version_set operator|(version_set o) const { return version_set(bits_ | o.bits_); }
  // Oldest and newest member. REQUIRES: !empty().
  constexpr spec::version first() const {
    unsigned i = 0;
    while (!((bits_ >> i) & 1u)) ++i;
    return static_cast<spec::version>(i);
  }
  constexpr spec::version last() const {
    unsigned i = 6;
    while (!((bits_ >> i) & 1u)) --i;
    return static_cast<spec::version>(i);
  }
  friend constexpr bool operator==(version_set, version_set) = default;

 private:
  constexpr explicit version_set(std::uint8_t bits) : bits_(bits) {}
  static constexpr unsigned bit(spec::version v) { return static_cast<unsigned>(v); }
  std::uint8_t bits_ = 0;
};

constexpr bool is_v2(spec::version v) { return v >= spec::version::v2_0; }

// Specialised beside each described struct; see the file comment.
template <class T>
struct description;

template <class T>
concept described = requires {
  description<T>::fields;
};

namespace detail {
template <class M>
struct is_optional_member : std::false_type {};
template <class T>
struct is_optional_member<std::optional<T>> : std::true_type {};
template <class T>
struct is_optional_member<std::vector<T>> : std::true_type {};
template <>
struct is_optional_member<std::vector<std::uint8_t>> : std::false_type {};  // a Byte String value
}  // namespace detail

// One field of a described struct S, held in member M.
template <class S, class M>
struct field_info {
  using struct_type = S;
  using member_type = M;

  spec::tag tag{};     // the tag in KMIP 1.x, and in 2.x unless tag_v2 differs
  spec::tag tag_v2{};  // the tag in KMIP 2.x
  M S::*member = nullptr;
  version_set present = version_set::all();   // versions in which the field exists
  version_set required = version_set::all();  // versions in which it must be there

  constexpr spec::tag tag_in(spec::version v) const { return is_v2(v) ? tag_v2 : tag; }

  // The field was added in v.
  constexpr field_info since(spec::version v) const { return within(version_set::since(v)); }
  // The field was removed after v.
  constexpr field_info until(spec::version v) const { return within(version_set::until(v)); }
  // KMIP 2.x carries the field under another tag (Template-Attribute became Attributes, ...).
  constexpr field_info in_v2_as(spec::tag t) const {
    auto f = *this;
    f.tag_v2 = t;
    return f;
  }
  // An optional or repeated member that the spec requires wherever the field exists.
  constexpr field_info mandatory() const { return required_in(present); }
  constexpr field_info required_in(version_set vs) const {
    auto f = *this;
    f.required = vs & f.present;
    return f;
  }

 private:
  constexpr field_info within(version_set vs) const {
    auto f = *this;
    f.present = f.present & vs;
    f.required = f.required & vs;
    return f;
  }
};

template <class S, class M>
constexpr field_info<S, M> field(spec::tag t, M S::*member) {
  return {t, t, member, version_set::all(),
          detail::is_optional_member<M>::value ? version_set::none() : version_set::all()};
}

}  // namespace kmip::model
