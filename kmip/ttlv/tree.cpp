#include "kmip/ttlv/tree.hpp"

#include <cassert>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace kmip::ttlv {

// ---- item_view -----------------------------------------------------------------------------------------------

std::int32_t item_view::as_integer() const {
  assert(type() == item_type::integer && !is_placeholder());
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(n().scalar));
}
std::int64_t item_view::as_long_integer() const {
  assert(type() == item_type::long_integer && !is_placeholder());
  return static_cast<std::int64_t>(n().scalar);
}
std::uint32_t item_view::as_enumeration() const {
  assert(type() == item_type::enumeration && !is_placeholder());
  return static_cast<std::uint32_t>(n().scalar);
}
bool item_view::as_boolean() const {
  assert(type() == item_type::boolean && !is_placeholder());
  return n().scalar != 0;
}
std::int64_t item_view::as_date_time() const {
  assert(type() == item_type::date_time && !is_placeholder());
  return static_cast<std::int64_t>(n().scalar);
}
std::uint32_t item_view::as_interval() const {
  assert(type() == item_type::interval && !is_placeholder());
  return static_cast<std::uint32_t>(n().scalar);
}
std::int64_t item_view::as_date_time_extended() const {
  assert(type() == item_type::date_time_extended && !is_placeholder());
  return static_cast<std::int64_t>(n().scalar);
}
std::string_view item_view::as_text() const {
  assert(type() == item_type::text_string && !is_placeholder());
  auto d = tree_->data(n());
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}
std::span<const std::uint8_t> item_view::as_bytes() const {
  assert(type() == item_type::byte_string && !is_placeholder());
  return tree_->data(n());
}
std::span<const std::uint8_t> item_view::as_big_integer() const {
  assert(type() == item_type::big_integer && !is_placeholder());
  return tree_->data(n());
}
std::string_view item_view::placeholder_text() const {
  assert(is_placeholder());
  auto d = tree_->data(n());
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

std::size_t item_view::child_count() const {
  std::size_t count = 0;
  for ([[maybe_unused]] auto c : children()) ++count;
  return count;
}

std::optional<item_view> item_view::find(std::uint32_t t) const {
  for (auto c : children())
    if (c.tag() == t) return c;
  return std::nullopt;
}

// ---- tree building -------------------------------------------------------------------------------------------

node& tree::push(std::uint32_t tag, item_type type) {
  if (!open_.empty() || nodes_.empty()) {
    // ok: inside a structure, or the first item
  } else {
    throw std::logic_error("ttlv::tree holds one top-level item");
  }
  const auto index = static_cast<std::uint32_t>(nodes_.size());
  node& n = nodes_.emplace_back();
  n.tag = tag;
  n.type = type;
  n.end = index + 1;
  return n;
}

std::uint32_t tree::store(std::span<const std::uint8_t> bytes) {
  const auto at = static_cast<std::uint32_t>(store_.size());
  store_.insert(store_.end(), bytes.begin(), bytes.end());
  return at;
}

void tree::begin_structure(std::uint32_t tag) {
  push(tag, item_type::structure);
  open_.push_back(static_cast<std::uint32_t>(nodes_.size() - 1));
}

void tree::end_structure() {
  if (open_.empty()) throw std::logic_error("ttlv::tree::end_structure without an open structure");
  nodes_[open_.back()].end = static_cast<std::uint32_t>(nodes_.size());
  open_.pop_back();
}

void tree::add_integer(std::uint32_t tag, std::int32_t v) {
  push(tag, item_type::integer).scalar = static_cast<std::uint32_t>(v);
}
void tree::add_long_integer(std::uint32_t tag, std::int64_t v) {
  push(tag, item_type::long_integer).scalar = static_cast<std::uint64_t>(v);
}
void tree::add_enumeration(std::uint32_t tag, std::uint32_t v) { push(tag, item_type::enumeration).scalar = v; }
void tree::add_boolean(std::uint32_t tag, bool v) { push(tag, item_type::boolean).scalar = v ? 1 : 0; }
void tree::add_date_time(std::uint32_t tag, std::int64_t v) {
  push(tag, item_type::date_time).scalar = static_cast<std::uint64_t>(v);
}
void tree::add_date_time_extended(std::uint32_t tag, std::int64_t v) {
  push(tag, item_type::date_time_extended).scalar = static_cast<std::uint64_t>(v);
}
void tree::add_interval(std::uint32_t tag, std::uint32_t v) { push(tag, item_type::interval).scalar = v; }

namespace {
std::span<const std::uint8_t> as_span(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
}  // namespace

void tree::add_stored(std::uint32_t tag, item_type type, std::span<const std::uint8_t> v, bool placeholder) {
  if (v.size() > UINT32_MAX) throw std::length_error("ttlv::tree: a value longer than 4 GiB cannot be encoded");
  node& n = push(tag, type);  // first, so that a refused item leaves nothing behind in the store
  n.placeholder = placeholder;
  n.offset = store(v);
  n.length = static_cast<std::uint32_t>(v.size());
}

void tree::add_text(std::uint32_t tag, std::string_view v) { add_stored(tag, item_type::text_string, as_span(v), false); }
void tree::add_bytes(std::uint32_t tag, std::span<const std::uint8_t> v) {
  add_stored(tag, item_type::byte_string, v, false);
}
void tree::add_big_integer(std::uint32_t tag, std::span<const std::uint8_t> v) {
  add_stored(tag, item_type::big_integer, v, false);
}
void tree::add_placeholder(std::uint32_t tag, item_type type, std::string_view text) {
  add_stored(tag, type, as_span(text), true);
}

void tree::add_copy(item_view item) {
  const tree& src = item.owner();
  const std::uint32_t first = item.index();
  const std::uint32_t stop = src.at(first).end;
  const auto base = static_cast<std::uint32_t>(nodes_.size());  // where the copy of `first` will land
  const std::size_t outer_open = open_.size();
  // Node by node (values copied out before pushing), so that copying from this very tree stays valid.
  for (std::uint32_t i = first; i < stop; ++i) {
    const node s = src.at(i);
    if (s.type == item_type::structure) {
      begin_structure(s.tag);
    } else if (s.placeholder || s.type == item_type::text_string || s.type == item_type::byte_string ||
               s.type == item_type::big_integer) {
      const common::secure_bytes value(src.data(s).begin(), src.data(s).end());  // src may be this tree
      add_stored(s.tag, s.type, value, s.placeholder);
    } else {
      push(s.tag, s.type).scalar = s.scalar;
    }
    // Close each structure of the copy whose source subtree ends after item i.
    while (open_.size() > outer_open && src.at(first + (open_.back() - base)).end == i + 1) end_structure();
  }
}

bool operator==(const tree& a, const tree& b) {
  if (a.nodes_.size() != b.nodes_.size()) return false;
  for (std::size_t i = 0; i < a.nodes_.size(); ++i) {
    const node& x = a.nodes_[i];
    const node& y = b.nodes_[i];
    if (x.tag != y.tag || x.type != y.type || x.placeholder != y.placeholder || x.end != y.end) return false;
    if (x.placeholder || x.type == item_type::text_string || x.type == item_type::byte_string ||
        x.type == item_type::big_integer) {
      auto dx = a.data(x), dy = b.data(y);
      if (dx.size() != dy.size() || !std::equal(dx.begin(), dx.end(), dy.begin())) return false;
    } else if (x.type != item_type::structure && x.scalar != y.scalar) {
      return false;
    }
  }
  return true;
}

}  // namespace kmip::ttlv
