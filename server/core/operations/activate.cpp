// Activate (KMIP 1.4 §4.19, 2.1 §6.1.1): Pre-Active -> Active, Activation Date = now. Any other state:
// Wrong Key Lifecycle State (2.x) / Permission Denied (1.x).
#include "server/core/lifecycle.hpp"
#include "server/core/object_attributes.hpp"
#include "server/core/operations/operations.hpp"

namespace kmipd::core::operations {

op_result activate(operation_context& ctx, const activate_request& r) {
  auto o = ctx.load(r.unique_identifier);
  if (!o) return common::unexpected(o.error());
  const auto s = state_of(*o);
  if (s != kmip::spec::state::pre_active)
    return fail(ctx.wrong_state(), "object " + o->id + " is " + std::string(kmip::spec::name_of(s)) +
                                       "; only a Pre-Active object can be activated");
  set_date(*o, "Activation Date", ctx.now());
  set_single(*o, attr::state(kmip::spec::state::active));
  touch(ctx, *o);
  refresh(*o, ctx.now());  // a Deactivation Date already past deactivates at once
  activate_response out;
  out.unique_identifier = o->id;
  std::vector<write_op> w;
  w.push_back(write_op::update(std::move(*o)));
  if (auto ok = ctx.commit(std::move(w)); !ok) return common::unexpected(ok.error());
  ctx.set_placeholder(out.unique_identifier);
  return out;
}

}  // namespace kmipd::core::operations
