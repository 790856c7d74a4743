// Set Attribute (2.1 §6.1.51, KMIP 2.0 and later): sets a single-valued attribute, adding or replacing it.
// Multi-valued attributes are refused (Multi Valued Attribute): use Add/Modify Attribute.
#include "server/core/operations/attribute_change.hpp"

namespace kmipd::core::operations {

using kmip::spec::result_reason;

op_result set_attribute(operation_context& ctx, const set_attribute_request& r) {
  auto o = ctx.load(r.unique_identifier);
  if (!o) return common::unexpected(o.error());
  auto rule = detail::check_change(ctx, *o, &r.attribute, r.attribute.name);
  if (!rule) return common::unexpected(rule.error());
  if ((*rule)->multi_instance)
    return fail(result_reason::multi_valued_attribute,
                "attribute '" + r.attribute.name + "' is multi-valued; use Add or Modify Attribute");
  set_single(*o, r.attribute);
  touch(ctx, *o);
  track_sensitivity(*o);  // Sensitive or Extractable may have changed (1.4 §3.49, §3.51)
  refresh(*o, ctx.now());
  set_attribute_response out;
  out.unique_identifier = o->id;
  std::vector<write_op> w;
  w.push_back(write_op::update(std::move(*o)));
  if (auto ok = ctx.commit(std::move(w)); !ok) return common::unexpected(ok.error());
  ctx.set_placeholder(out.unique_identifier);
  return out;
}

}  // namespace kmipd::core::operations
