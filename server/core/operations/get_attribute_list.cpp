// Get Attribute List (KMIP 1.4 §4.13, 2.1 §6.1.21): the names of the object's attributes, each once, leaving
// out those the request's version does not have (exists_in).
#include <algorithm>

#include "server/core/object_attributes.hpp"
#include "server/core/operations/operations.hpp"

namespace kmipd::core::operations {

op_result get_attribute_list(operation_context& ctx, const get_attribute_list_request& r) {
  auto o = ctx.load(r.unique_identifier);
  if (!o) return common::unexpected(o.error());
  get_attribute_list_response out;
  out.unique_identifier = o->id;
  for (const auto& a : o->attributes) {
    if (exists_in(a.name, ctx.version()) &&
        std::none_of(out.attribute_references.begin(), out.attribute_references.end(),
                     [&](const attribute_reference& x) { return x.name == a.name; }))
      out.attribute_references.push_back({a.name});
  }
  ctx.set_placeholder(o->id);
  return out;
}

}  // namespace kmipd::core::operations
