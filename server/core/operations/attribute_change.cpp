// The checks shared by the attribute-changing operations (KMIP 1.4 §4.14–4.16, 2.1 §6.1.2, §6.1.13, §6.1.34,
// §6.1.51).
#include "server/core/operations/attribute_change.hpp"

namespace kmipd::core::detail {

using kmip::spec::result_reason;

op_expected<const attribute_rule*> check_change(operation_context& ctx, const stored_object& o,
                                                const kmip::model::attribute* a, std::string_view name) {
  const auto* rule = find_rule(name);
  if (!rule || !exists_in(name, ctx.version()))
    return fail(ctx.reason(result_reason::invalid_field, result_reason::unsupported_attribute),
                "attribute '" + std::string(name) + "' is not supported");
  if (rule->access != client_access::always || (!a && !rule->client_deletable))
    return fail(ctx.reason(result_reason::permission_denied, result_reason::attribute_read_only),
                "attribute '" + std::string(name) + "' cannot be changed by a client");
  if (a) {
    if (!a->has_value()) return fail(result_reason::invalid_field, "the attribute has no value");
    if (auto t = kmip::model::attribute_value_type(name); t && *t != a->value_item().type())
      return fail(ctx.reason(result_reason::invalid_field, result_reason::invalid_attribute_value),
                  "attribute '" + std::string(name) + "' has a value of the wrong type");
  }
  const auto s = state_of(o);
  if (name == "Activation Date" && s != kmip::spec::state::pre_active)
    return fail(ctx.wrong_state(), "the Activation Date can change only while the object is Pre-Active");
  if ((name == "Deactivation Date" || name == "Process Start Date" || name == "Protect Stop Date") &&
      s != kmip::spec::state::pre_active && s != kmip::spec::state::active)
    return fail(ctx.wrong_state(), "'" + std::string(name) + "' can change only while Pre-Active or Active");
  return rule;
}

}  // namespace kmipd::core::detail
