// Internal to kmip/encoding: the walk that both writers share. It visits a subtree front to back with an
// explicit stack (no recursion, however deep the tree), and hands each item the context its text depends on:
// its depth, whether it is its structure's first item, the tag that names its value (see naming_tag()), and
// whether it lies inside Key Material that is to be redacted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "kmip/encoding/value_text.hpp"
#include "kmip/ttlv/tree.hpp"

namespace kmip::encoding::detail {

struct item_context {
  std::size_t depth = 0;     // 0 for the item the walk starts at
  bool first = true;         // the first item of its structure (or the walk's own item)
  bool empty = false;        // a structure without items
  bool redact = false;       // inside (or being) Key Material, and redaction was asked for
  std::uint32_t naming = 0;  // the tag whose enumeration or mask names the value
};

// Calls visitor.begin(item, context) and visitor.end(item, context) around the items of each structure
// (straight after one another for an empty one), and visitor.value(item, context) for every other item.
template <class Visitor>
void walk(ttlv::item_view root, bool redact_key_material, Visitor& visitor) {
  struct open_structure {
    std::uint32_t index;
    item_context context;
    bool has_items = false;
    std::optional<std::uint32_t> attribute_name;  // the last Attribute Name among its items
  };
  const ttlv::tree& t = root.owner();
  std::vector<open_structure> open;
  auto close_ended = [&](std::uint32_t i) {
    while (!open.empty() && t.at(open.back().index).end == i) {
      const open_structure done = open.back();
      open.pop_back();
      visitor.end(ttlv::item_view(t, done.index), done.context);
    }
  };
  const std::uint32_t stop = t.at(root.index()).end;
  // One pass over the subtree's nodes, in order.
  for (std::uint32_t i = root.index(); i < stop; ++i) {
    close_ended(i);
    const ttlv::item_view item(t, i);
    open_structure* parent = open.empty() ? nullptr : &open.back();
    item_context c;
    c.depth = open.size();
    c.first = parent == nullptr || !parent->has_items;
    c.redact = redact_key_material && ((parent != nullptr && parent->context.redact) || is_key_material(item.tag()));
    const std::string_view attribute_name = parent != nullptr && parent->attribute_name
                                                ? ttlv::item_view(t, *parent->attribute_name).as_text()
                                                : std::string_view{};
    c.naming = naming_tag(item.tag(), attribute_name);
    if (parent != nullptr) {
      parent->has_items = true;
      if (is_attribute_name(item.tag()) && item.type() == ttlv::item_type::text_string && !item.is_placeholder())
        parent->attribute_name = i;
    }
    if (item.type() != ttlv::item_type::structure) {
      visitor.value(item, c);
      continue;
    }
    c.empty = t.at(i).end == i + 1;
    visitor.begin(item, c);
    if (c.empty)
      visitor.end(item, c);
    else
      open.push_back({i, c, false, std::nullopt});
  }
  close_ended(stop);
}

}  // namespace kmip::encoding::detail
