// Revoke (KMIP 1.4 §4.20, 2.1 §6.1.44). Reason Key Compromise or CA Compromise: Compromised (Destroyed
// Compromised for a Destroyed object), Compromise Date = now, Compromise Occurrence Date as given (now when
// absent). Any other reason: an Active object becomes Deactivated with Deactivation Date = now; other states
// are Wrong Key Lifecycle State (2.x) / Permission Denied (1.x). Revocation Reason is recorded.
#include "server/core/lifecycle.hpp"
#include "server/core/object_attributes.hpp"
#include "server/core/operations/operations.hpp"

namespace kmipd::core::operations {

using kmip::spec::state;

op_result revoke(operation_context& ctx, const revoke_request& r) {
  auto o = ctx.load(r.unique_identifier);
  if (!o) return common::unexpected(o.error());
  const auto s = state_of(*o);
  const auto now = ctx.now();
  const auto code = r.revocation_reason.code;
  const bool compromise = code == kmip::spec::revocation_reason_code::key_compromise ||
                          code == kmip::spec::revocation_reason_code::ca_compromise;
  if (compromise) {
    if (s == state::compromised || s == state::destroyed_compromised)
      return fail(ctx.wrong_state(), "object " + o->id + " is already compromised");
    set_single(*o, attr::state(s == state::destroyed ? state::destroyed_compromised : state::compromised));
    set_date(*o, "Compromise Date", now);
    set_date(*o, "Compromise Occurrence Date", r.compromise_occurrence_date.value_or(date_time{now}).seconds);
  } else {
    if (s != state::active)
      return fail(ctx.wrong_state(), "object " + o->id + " is " + std::string(kmip::spec::name_of(s)) +
                                         "; only an Active object can be revoked for this reason");
    set_single(*o, attr::state(state::deactivated));
    set_date(*o, "Deactivation Date", now);
  }
  kmip::model::attribute reason;
  reason.name = "Revocation Reason";
  reason.value.begin_structure(kmip::spec::tag::attribute_value);
  reason.value.add_enum(kmip::spec::tag::revocation_reason_code, code);
  if (r.revocation_reason.message) reason.value.add_text(kmip::spec::tag::revocation_message, *r.revocation_reason.message);
  reason.value.end_structure();
  set_single(*o, std::move(reason));
  touch(ctx, *o);
  revoke_response out;
  out.unique_identifier = o->id;
  std::vector<write_op> w;
  w.push_back(write_op::update(std::move(*o)));
  if (auto ok = ctx.commit(std::move(w)); !ok) return common::unexpected(ok.error());
  ctx.set_placeholder(out.unique_identifier);
  return out;
}

}  // namespace kmipd::core::operations
