// Check (KMIP 1.4 §4.10, 2.1 §6.1.7): whether the object may be used as the client intends. kmipd checks the
// Cryptographic Usage Mask (the requested bits must all be allowed: else Incompatible Cryptographic Usage Mask
// in 2.x, Permission Denied in 1.x) and that the object still has its material; Usage Limits and Lease Time
// are not managed and so never fail. The response echoes what was asked.
#include "server/core/lifecycle.hpp"
#include "server/core/object_attributes.hpp"
#include "server/core/operations/operations.hpp"

namespace kmipd::core::operations {

using kmip::spec::result_reason;

op_result check(operation_context& ctx, const check_request& r) {
  auto o = ctx.load(r.unique_identifier);
  if (!o) return common::unexpected(o.error());
  if (is_destroyed(state_of(*o))) return fail(ctx.wrong_state(), "object " + o->id + " is destroyed");
  if (r.cryptographic_usage_mask) {
    const auto* m = find_instance(*o, "Cryptographic Usage Mask");
    const auto allowed = m && m->integer() ? static_cast<std::uint32_t>(*m->integer()) : 0u;
    if ((allowed & *r.cryptographic_usage_mask) != *r.cryptographic_usage_mask)
      return fail(ctx.reason(result_reason::permission_denied, result_reason::incompatible_cryptographic_usage_mask),
                  "the object's Cryptographic Usage Mask does not allow the requested use");
  }
  check_response out;
  out.unique_identifier = o->id;
  out.usage_limits_count = r.usage_limits_count;
  out.cryptographic_usage_mask = r.cryptographic_usage_mask;
  out.lease_time = r.lease_time;
  ctx.set_placeholder(out.unique_identifier);
  return out;
}

}  // namespace kmipd::core::operations
