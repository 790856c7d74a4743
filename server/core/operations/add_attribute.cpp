// Add Attribute (KMIP 1.4 §4.14, 2.1 §6.1.2): a new instance of a client-modifiable attribute. Custom x-/y-
// attributes take any type and any number of instances (indexes 0, 1, ...); a single-instance attribute that is
// already there is refused (Invalid Field / Attribute Single Valued). The 1.x response returns the attribute
// with its index.
#include "server/core/operations/attribute_change.hpp"

namespace kmipd::core::operations {

using kmip::spec::result_reason;

op_result add_attribute(operation_context& ctx, const add_attribute_request& r) {
  auto o = ctx.load(r.unique_identifier);
  if (!o) return common::unexpected(o.error());
  auto rule = detail::check_change(ctx, *o, &r.attribute, r.attribute.name);
  if (!rule) return common::unexpected(rule.error());
  attribute added = r.attribute;
  if ((*rule)->multi_instance) {
    added.index = add_instance(*o, added);
  } else {
    if (find_instance(*o, added.name))
      return fail(ctx.reason(result_reason::invalid_field, result_reason::attribute_single_valued),
                  "attribute '" + added.name + "' already has a value; use Modify Attribute");
    set_single(*o, added);
    added.index = 0;
  }
  touch(ctx, *o);
  track_sensitivity(*o);  // Sensitive or Extractable may have changed (1.4 §3.49, §3.51)
  refresh(*o, ctx.now());
  add_attribute_response out;
  out.unique_identifier = o->id;
  if (ctx.version() < kmip::spec::version::v2_0) out.attribute = for_response(added, ctx.version());
  std::vector<write_op> w;
  w.push_back(write_op::update(std::move(*o)));
  if (auto ok = ctx.commit(std::move(w)); !ok) return common::unexpected(ok.error());
  ctx.set_placeholder(out.unique_identifier);
  return out;
}

}  // namespace kmipd::core::operations
