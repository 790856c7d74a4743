// Create (KMIP 1.4 §4.1, 2.1 §6.1.8): a new symmetric key from the injected random source, with the client's
// template attributes and the ones the server sets (Unique Identifier, Object Type, Initial Date, Last Change
// Date, State: Pre-Active, or Active when an Activation Date <= now was given; Digest, Fresh, Lease Time,
// Sensitive, Extractable and their history, Original Creation Date, Random Number Generator: finish_new_object).
// The new ID becomes the batch's ID Placeholder.
#include "server/core/operations/operations.hpp"

namespace kmipd::core::operations {

using kmip::spec::result_reason;

op_result create(operation_context& ctx, const create_request& r) {
  if (r.object_type != kmip::spec::object_type::symmetric_key)
    return fail(ctx.reason(result_reason::invalid_field, result_reason::invalid_object_type),
                "Create makes symmetric keys only; got " + std::string(kmip::spec::name_of(r.object_type)));
  if (!r.template_attribute.names.empty())
    return fail(result_reason::feature_not_supported, "Template objects are not supported");
  stored_object o;
  o.id = ctx.new_id();
  o.object_type = r.object_type;
  if (auto ok = apply_template(ctx, o, r.template_attribute.attributes); !ok) return common::unexpected(ok.error());
  auto n = symmetric_key_bytes(ctx, o);
  if (!n) return common::unexpected(n.error());
  generate_key_material(ctx, o, *n);
  if (auto ok = finish_new_object(ctx, o, key_origin::generated); !ok) return common::unexpected(ok.error());
  ctx.object_id = o.id;
  create_response out;
  out.object_type = o.object_type;
  out.unique_identifier = o.id;
  std::vector<write_op> w;
  w.push_back(write_op::insert(std::move(o)));
  if (auto ok = ctx.commit(std::move(w)); !ok) return common::unexpected(ok.error());
  ctx.set_placeholder(out.unique_identifier);
  return out;
}

}  // namespace kmipd::core::operations
