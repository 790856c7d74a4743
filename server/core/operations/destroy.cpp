// Destroy (KMIP 1.4 §4.21, 2.1 §6.1.15): the key material is erased and the object stays, with State Destroyed
// (Destroyed Compromised when it was Compromised) and a Destroy Date, so its attributes remain readable.
// An Active object cannot be destroyed (revoke it first): Wrong Key Lifecycle State (2.x) / Permission Denied
// (1.x, as the OASIS SKLC-M-2 cases expect); nor can one already destroyed.
#include "server/core/lifecycle.hpp"
#include "server/core/object_attributes.hpp"
#include "server/core/operations/operations.hpp"

namespace kmipd::core::operations {

using kmip::spec::state;

op_result destroy(operation_context& ctx, const destroy_request& r) {
  auto o = ctx.load(r.unique_identifier);
  if (!o) return common::unexpected(o.error());
  const auto s = state_of(*o);
  if (s == state::active)
    return fail(ctx.wrong_state(), "object " + o->id + " is Active; revoke it before destroying it");
  if (is_destroyed(s)) return fail(ctx.wrong_state(), "object " + o->id + " is already destroyed");
  set_single(*o, attr::state(s == state::compromised ? state::destroyed_compromised : state::destroyed));
  set_date(*o, "Destroy Date", ctx.now());
  touch(ctx, *o);
  o->key_material.clear();
  o->key_material.shrink_to_fit();
  destroy_response out;
  out.unique_identifier = o->id;
  std::vector<write_op> w;
  w.push_back(write_op::update(std::move(*o)));
  if (auto ok = ctx.commit(std::move(w)); !ok) return common::unexpected(ok.error());
  ctx.set_placeholder(out.unique_identifier);
  return out;
}

}  // namespace kmipd::core::operations
