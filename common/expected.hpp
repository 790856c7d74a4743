// A small value-or-error type for the boundaries where errors are values (STYLE.md, habit 3).
// C++20 has no std::expected; this offers the subset of its interface the project uses, so that moving to
// std::expected later is a search-and-replace.
#pragma once

#include <cassert>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace common {

template <class E>
struct unexpected {
  E error;
};
template <class E>
unexpected(E) -> unexpected<E>;

template <class T, class E>
class [[nodiscard]] expected {
 public:
  template <class U = T>
    requires(!std::is_same_v<std::remove_cvref_t<U>, expected> &&
             !std::is_same_v<std::remove_cvref_t<U>, unexpected<E>> && std::is_constructible_v<T, U &&>)
  expected(U&& v) : v_(std::in_place_index<0>, std::forward<U>(v)) {}  // NOLINT: implicit like std::expected
  expected(unexpected<E> e) : v_(std::in_place_index<1>, std::move(e.error)) {}  // NOLINT

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  // REQUIRES: has_value().
  T& value() & { assert(has_value()); return std::get<0>(v_); }
  const T& value() const& { assert(has_value()); return std::get<0>(v_); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !has_value().
  E& error() & { assert(!has_value()); return std::get<1>(v_); }
  const E& error() const& { assert(!has_value()); return std::get<1>(v_); }
  E&& error() && { assert(!has_value()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, E> v_;
};

// expected<void, E>: success carries nothing, and costs nothing: no E is constructed or destroyed unless there
// is an error (the model's decoder returns one of these per field it reads, and its error type is not small).
template <class E>
class [[nodiscard]] expected<void, E> {
 public:
  expected() = default;
  expected(unexpected<E> e) : e_(std::in_place, std::move(e.error)) {}  // NOLINT
  bool has_value() const noexcept { return !e_.has_value(); }
  explicit operator bool() const noexcept { return has_value(); }
  E& error() & { assert(e_); return *e_; }
  const E& error() const& { assert(e_); return *e_; }
  E&& error() && { assert(e_); return std::move(*e_); }

 private:
  std::optional<E> e_;
};

}  // namespace common
