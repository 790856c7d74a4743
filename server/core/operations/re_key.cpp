// Re-key (KMIP 1.4 §4.4, 2.1 §6.1.46): a new symmetric key replacing an existing one. The new object gets the
// old one's attributes except those the server sets and the lifecycle ones (§4.4 table): new Unique Identifier,
// Initial Date = now, Activation Date = now + Offset when an Offset is given (else none, or now if the old key
// had one), Deactivation Date shifted to keep the old key's active period, the old key's Names (removed from
// the old key), a Replaced Object Link to the old key, and the attributes of a server-generated key (Digest,
// Fresh, Original Creation Date, Random Number Generator, which §3.44 forbids copying, ...); the old key gets a Replacement Object Link to the
// new one. Both writes are one atomic commit. A destroyed key cannot be re-keyed.
#include "server/core/lifecycle.hpp"
#include "server/core/object_attributes.hpp"
#include "server/core/operations/operations.hpp"

namespace kmipd::core::operations {

using kmip::spec::result_reason;

op_result re_key(operation_context& ctx, const re_key_request& r) {
  auto old = ctx.load(r.unique_identifier);
  if (!old) return common::unexpected(old.error());
  if (old->object_type != kmip::spec::object_type::symmetric_key)
    return fail(ctx.reason(result_reason::invalid_field, result_reason::invalid_object_type),
                "only symmetric keys can be re-keyed");
  if (is_destroyed(state_of(*old))) return fail(ctx.wrong_state(), "object " + old->id + " is destroyed");
  const auto now = ctx.now();
  stored_object fresh;
  fresh.id = ctx.new_id();
  fresh.object_type = old->object_type;
  static constexpr std::string_view not_copied[] = {
      "Unique Identifier", "State", "Initial Date", "Last Change Date", "Activation Date", "Deactivation Date",
      "Destroy Date", "Compromise Date", "Compromise Occurrence Date", "Revocation Reason", "Archive Date",
      "Digest", "Link", "Process Start Date", "Protect Stop Date", "Fresh", "Lease Time", "Original Creation Date",
      "Random Number Generator", "Always Sensitive", "Never Extractable"};
  for (const auto& a : old->attributes)
    if (std::find(std::begin(not_copied), std::end(not_copied), a.name) == std::end(not_copied))
      fresh.attributes.push_back(a);
  if (r.template_attribute) {
    for (const auto& a : r.template_attribute->attributes) remove_instances(fresh, a.name, std::nullopt);
    if (auto ok = apply_template(ctx, fresh, r.template_attribute->attributes); !ok)
      return common::unexpected(ok.error());
  }
  const auto old_activation = date_attribute(*old, "Activation Date");
  const auto old_deactivation = date_attribute(*old, "Deactivation Date");
  std::optional<std::int64_t> activation;
  if (r.offset) activation = now + r.offset->seconds;
  else if (old_activation) activation = now;
  if (activation && !find_instance(fresh, "Activation Date")) set_date(fresh, "Activation Date", *activation);
  if (activation && old_activation && old_deactivation && !find_instance(fresh, "Deactivation Date"))
    set_date(fresh, "Deactivation Date", *activation + (*old_deactivation - *old_activation));
  auto n = symmetric_key_bytes(ctx, fresh);
  if (!n) return common::unexpected(n.error());
  generate_key_material(ctx, fresh, *n);
  add_instance(fresh, attr::link(kmip::spec::link_type::replaced_object_link, old->id));
  if (auto ok = finish_new_object(ctx, fresh, key_origin::generated); !ok) return common::unexpected(ok.error());

  remove_instances(*old, "Name", std::nullopt);
  add_instance(*old, attr::link(kmip::spec::link_type::replacement_object_link, fresh.id));
  touch(ctx, *old);

  re_key_response out;
  out.unique_identifier = fresh.id;
  ctx.object_id = old->id;
  std::vector<write_op> w;
  w.push_back(write_op::insert(std::move(fresh)));
  w.push_back(write_op::update(std::move(*old)));
  if (auto ok = ctx.commit(std::move(w)); !ok) return common::unexpected(ok.error());
  ctx.set_placeholder(out.unique_identifier);
  return out;
}

}  // namespace kmipd::core::operations
