// Modify Attribute (KMIP 1.4 §4.15, 2.1 §6.1.34): a new value for one existing instance: in 1.x the one with
// the given Attribute Index (0 when absent); in 2.x the one equal to Current Attribute, or the first.
// No such instance: Invalid Field (1.x) / Attribute Not Found (2.x).
#include "server/core/operations/attribute_change.hpp"

namespace kmipd::core::operations {

using kmip::spec::result_reason;

op_result modify_attribute(operation_context& ctx, const modify_attribute_request& r) {
  auto o = ctx.load(r.unique_identifier);
  if (!o) return common::unexpected(o.error());
  const auto& name = r.attribute.name;
  auto rule = detail::check_change(ctx, *o, &r.attribute, name);
  if (!rule) return common::unexpected(rule.error());
  attribute* target = nullptr;
  for (auto& a : o->attributes) {
    if (a.name != name) continue;
    if (r.current_attribute) {
      if (!same_value(a, *r.current_attribute)) continue;
    } else if (a.index.value_or(0) != r.attribute.index.value_or(0)) {
      continue;
    }
    target = &a;
    break;
  }
  if (!target)
    return fail(ctx.reason(result_reason::invalid_field, result_reason::attribute_not_found),
                "object " + o->id + " has no such instance of '" + name + "'");
  target->value = kmip::ttlv::tree{};
  target->value.add_copy(r.attribute.value_item());
  attribute changed = *target;
  touch(ctx, *o);
  track_sensitivity(*o);  // Sensitive or Extractable may have changed (1.4 §3.49, §3.51)
  refresh(*o, ctx.now());
  modify_attribute_response out;
  out.unique_identifier = o->id;
  if (ctx.version() < kmip::spec::version::v2_0) out.attribute = for_response(changed, ctx.version());
  std::vector<write_op> w;
  w.push_back(write_op::update(std::move(*o)));
  if (auto ok = ctx.commit(std::move(w)); !ok) return common::unexpected(ok.error());
  ctx.set_placeholder(out.unique_identifier);
  return out;
}

}  // namespace kmipd::core::operations
