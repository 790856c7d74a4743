// Get Attributes (KMIP 1.4 §4.12, 2.1 §6.1.20): the named attributes, every instance; a name the object lacks is
// simply not returned (vCenter asks for absent x- attributes and expects Success with none); no names: all.
// State is brought up to date with the clock first. Attributes the request's version does not have (Sensitive
// in 1.1, ...) are not returned (exists_in).
#include "server/core/object_attributes.hpp"
#include "server/core/operations/operations.hpp"

namespace kmipd::core::operations {

op_result get_attributes(operation_context& ctx, const get_attributes_request& r) {
  auto o = ctx.load(r.unique_identifier);
  if (!o) return common::unexpected(o.error());
  get_attributes_response out;
  out.unique_identifier = o->id;
  if (r.attribute_references.empty()) {
    for (const auto& a : o->attributes)
      if (exists_in(a.name, ctx.version())) out.attributes.push_back(for_response(a, ctx.version()));
  } else {
    for (const auto& ref : r.attribute_references)
      if (exists_in(ref.name, ctx.version()))
        for (const auto* a : instances(*o, ref.name)) out.attributes.push_back(for_response(*a, ctx.version()));
  }
  ctx.set_placeholder(o->id);
  return out;
}

}  // namespace kmipd::core::operations
