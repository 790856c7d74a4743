// Delete Attribute (KMIP 1.4 §4.16, 2.1 §6.1.13): in 1.x the instance with the given Attribute Index (0 when
// absent); in 2.x the instance equal to Current Attribute, or every instance named by Attribute Reference.
// Nothing to delete: Invalid Field (1.x) / Attribute Not Found (2.x). The 1.x response returns what was deleted.
#include "server/core/operations/attribute_change.hpp"

namespace kmipd::core::operations {

using kmip::spec::result_reason;

op_result delete_attribute(operation_context& ctx, const delete_attribute_request& r) {
  auto o = ctx.load(r.unique_identifier);
  if (!o) return common::unexpected(o.error());
  std::string name = r.current_attribute ? r.current_attribute->name
                                         : (r.attribute_reference ? r.attribute_reference->name : std::string{});
  if (name.empty()) return fail(result_reason::invalid_field, "name the attribute to delete");
  auto rule = detail::check_change(ctx, *o, nullptr, name);
  if (!rule) return common::unexpected(rule.error());
  std::optional<attribute> deleted;
  std::size_t removed = 0;
  if (r.current_attribute) {
    removed = std::erase_if(o->attributes, [&](const attribute& a) {
      if (removed == 0 && !deleted && a.name == name && same_value(a, *r.current_attribute)) {
        deleted = a;
        return true;
      }
      return false;
    });
  } else if (ctx.version() >= kmip::spec::version::v2_0 && !r.attribute_index) {
    removed = remove_instances(*o, name, std::nullopt);
  } else {
    if (const auto* a = find_instance(*o, name, r.attribute_index.value_or(0))) deleted = *a;
    removed = remove_instances(*o, name, r.attribute_index.value_or(0));
  }
  if (removed == 0)
    return fail(ctx.reason(result_reason::invalid_field, result_reason::attribute_not_found),
                "object " + o->id + " has no such instance of '" + name + "'");
  touch(ctx, *o);
  delete_attribute_response out;
  out.unique_identifier = o->id;
  if (ctx.version() < kmip::spec::version::v2_0 && deleted) out.attribute = for_response(*deleted, ctx.version());
  std::vector<write_op> w;
  w.push_back(write_op::update(std::move(*o)));
  if (auto ok = ctx.commit(std::move(w)); !ok) return common::unexpected(ok.error());
  ctx.set_placeholder(out.unique_identifier);
  return out;
}

}  // namespace kmipd::core::operations
