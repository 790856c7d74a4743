// The item model shared by the binary codec, the XML/JSON encodings and the typed messages.
//
// A tree is a flat, pre-order array of nodes plus one byte store for variable-length values: decoding a message
// costs two allocations however many items it has (no heap node per item). A node knows the index one past its
// subtree, so children are walked by jumping from sibling to sibling. Trees are built front to back, either by
// the decoder or through the begin/end/add_* methods; they are not edited in place.
//
// Thread safety: a const tree may be read from several threads.
// Security: the byte store is wiped when the tree is destroyed or grows, since it may hold key material.
#pragma once

#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/secure.hpp"
#include "kmip/spec/spec.hpp"
#include "kmip/ttlv/item_type.hpp"

namespace kmip::ttlv {

struct node {
  std::uint32_t tag = 0;
  item_type type = item_type::structure;
  bool placeholder = false;  // value is an unresolved placeholder text ("$NOW"), kept for test-case runners
  std::uint32_t end = 0;     // index one past this node's subtree
  std::uint64_t scalar = 0;  // Integer, Long Integer, Enumeration, Boolean, Date-Time, Interval (two's complement)
  std::uint32_t offset = 0;  // Text String, Byte String, Big Integer, placeholders: position in the byte store
  std::uint32_t length = 0;  // ... and length there
};

class tree;

// A cheap handle on one node of a tree. Valid while the tree lives and is not appended to.
class item_view {
 public:
  item_view(const tree& t, std::uint32_t index) : tree_(&t), index_(index) {}

  std::uint32_t index() const { return index_; }
  std::uint32_t tag() const;
  item_type type() const;
  bool is(spec::tag t) const { return tag() == static_cast<std::uint32_t>(t); }
  bool is_placeholder() const;

  // Value accessors. REQUIRES: type() matches (checked with assert); no placeholder.
  std::int32_t as_integer() const;
  std::int64_t as_long_integer() const;
  std::uint32_t as_enumeration() const;
  bool as_boolean() const;
  std::int64_t as_date_time() const;   // seconds since the Unix epoch, UTC
  std::uint32_t as_interval() const;   // seconds
  std::int64_t as_date_time_extended() const;  // microseconds since the Unix epoch, UTC
  std::string_view as_text() const;
  std::span<const std::uint8_t> as_bytes() const;       // Byte String
  std::span<const std::uint8_t> as_big_integer() const; // two's complement, big-endian, as on the wire
  std::string_view placeholder_text() const;            // REQUIRES: is_placeholder()

  // Children of a structure, in order.
  class child_iterator {
   public:
    using value_type = item_view;
    using difference_type = std::ptrdiff_t;
    child_iterator() = default;
    child_iterator(const tree* t, std::uint32_t i) : tree_(t), i_(i) {}
    item_view operator*() const { return {*tree_, i_}; }
    child_iterator& operator++();
    child_iterator operator++(int) { auto c = *this; ++*this; return c; }
    friend bool operator==(const child_iterator& a, const child_iterator& b) { return a.i_ == b.i_; }

   private:
    const tree* tree_ = nullptr;
    std::uint32_t i_ = 0;
  };
  struct child_range {
    child_iterator b, e;
    child_iterator begin() const { return b; }
    child_iterator end() const { return e; }
  };
  child_range children() const;
  std::size_t child_count() const;
  // The first child with this tag, or nullopt.
  std::optional<item_view> find(std::uint32_t tag) const;
  std::optional<item_view> find(spec::tag t) const { return find(static_cast<std::uint32_t>(t)); }

  const tree& owner() const { return *tree_; }

 private:
  const node& n() const;
  const tree* tree_;
  std::uint32_t index_;
};

class tree {
 public:
  tree() = default;

  std::size_t size() const { return nodes_.size(); }
  bool empty() const { return nodes_.empty(); }
  const node& at(std::uint32_t i) const { return nodes_[i]; }
  // REQUIRES: !empty().
  item_view root() const { return {*this, 0}; }
  std::span<const std::uint8_t> data(const node& n) const { return {store_.data() + n.offset, n.length}; }

  // ---- building, front to back. A tree holds one top-level item. ----
  void begin_structure(std::uint32_t tag);
  void end_structure();  // REQUIRES: a structure is open
  void add_integer(std::uint32_t tag, std::int32_t v);
  void add_long_integer(std::uint32_t tag, std::int64_t v);
  void add_big_integer(std::uint32_t tag, std::span<const std::uint8_t> twos_complement_be);
  void add_enumeration(std::uint32_t tag, std::uint32_t v);
  void add_boolean(std::uint32_t tag, bool v);
  void add_text(std::uint32_t tag, std::string_view v);
  void add_bytes(std::uint32_t tag, std::span<const std::uint8_t> v);
  void add_date_time(std::uint32_t tag, std::int64_t seconds);
  void add_interval(std::uint32_t tag, std::uint32_t seconds);
  void add_date_time_extended(std::uint32_t tag, std::int64_t microseconds);
  void add_placeholder(std::uint32_t tag, item_type type, std::string_view text);
  // Copies a subtree of another (or this) tree as the next item.
  void add_copy(item_view item);

  // Typed-tag conveniences.
  void begin_structure(spec::tag t) { begin_structure(static_cast<std::uint32_t>(t)); }
  void add_integer(spec::tag t, std::int32_t v) { add_integer(static_cast<std::uint32_t>(t), v); }
  void add_long_integer(spec::tag t, std::int64_t v) { add_long_integer(static_cast<std::uint32_t>(t), v); }
  void add_enumeration(spec::tag t, std::uint32_t v) { add_enumeration(static_cast<std::uint32_t>(t), v); }
  void add_boolean(spec::tag t, bool v) { add_boolean(static_cast<std::uint32_t>(t), v); }
  void add_text(spec::tag t, std::string_view v) { add_text(static_cast<std::uint32_t>(t), v); }
  void add_bytes(spec::tag t, std::span<const std::uint8_t> v) { add_bytes(static_cast<std::uint32_t>(t), v); }
  void add_date_time(spec::tag t, std::int64_t v) { add_date_time(static_cast<std::uint32_t>(t), v); }
  void add_interval(spec::tag t, std::uint32_t v) { add_interval(static_cast<std::uint32_t>(t), v); }
  template <class Enum>
    requires std::is_enum_v<Enum>
  void add_enum(spec::tag t, Enum v) { add_enumeration(t, static_cast<std::uint32_t>(v)); }

  // Number of structures begun and not yet ended.
  std::size_t open_structures() const { return open_.size(); }

  void reserve(std::size_t nodes, std::size_t bytes) {
    nodes_.reserve(nodes);
    store_.reserve(bytes);
  }

  friend bool operator==(const tree& a, const tree& b);  // same items and values

 private:
  friend class decoder;
  node& push(std::uint32_t tag, item_type type);
  std::uint32_t store(std::span<const std::uint8_t> bytes);
  void add_stored(std::uint32_t tag, item_type type, std::span<const std::uint8_t> v, bool placeholder);

  std::vector<node> nodes_;
  common::secure_bytes store_;
  std::vector<std::uint32_t> open_;
};

// ---- inline item_view --------------------------------------------------------------------------------------
inline const node& item_view::n() const { return tree_->at(index_); }
inline std::uint32_t item_view::tag() const { return n().tag; }
inline item_type item_view::type() const { return n().type; }
inline bool item_view::is_placeholder() const { return n().placeholder; }
inline item_view::child_iterator& item_view::child_iterator::operator++() {
  i_ = tree_->at(i_).end;
  return *this;
}
inline item_view::child_range item_view::children() const {
  return {child_iterator(tree_, index_ + 1), child_iterator(tree_, n().end)};
}

}  // namespace kmip::ttlv
