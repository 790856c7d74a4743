// Lifecycle: the stored State and the time-driven transitions (KMIP 1.4 §3.22, Figure 5).
#include "server/core/lifecycle.hpp"

#include "server/core/object_attributes.hpp"

namespace kmipd::core {

using kmip::spec::state;

state state_of(const stored_object& o) {
  const auto* a = find_instance(o, "State");
  if (!a) return state::pre_active;
  return a->enum_value<state>().value_or(state::pre_active);
}

bool is_destroyed(state s) { return s == state::destroyed || s == state::destroyed_compromised; }

bool refresh(stored_object& o, std::int64_t now) {
  const auto before = state_of(o);
  auto s = before;
  const auto activation = date_attribute(o, "Activation Date");
  const auto deactivation = date_attribute(o, "Deactivation Date");
  if (s == state::pre_active && activation && *activation <= now) s = state::active;
  if ((s == state::pre_active || s == state::active) && deactivation && *deactivation <= now) s = state::deactivated;
  if (s == before) return false;
  set_single(o, kmip::model::attr::state(s));
  return true;
}

void set_initial_state(stored_object& o, std::int64_t now) {
  set_single(o, kmip::model::attr::state(state::pre_active));
  refresh(o, now);
}

}  // namespace kmipd::core
