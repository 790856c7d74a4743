// The key lifecycle of KMIP 1.4 §3.22 / 2.1 §4.57: Pre-Active, Active, Deactivated, Compromised, Destroyed,
// Destroyed Compromised, and the dates that drive the time-based transitions.
//
// The State attribute is stored, and refresh() brings it up to date with the clock before the engine reads or
// answers anything about an object: Pre-Active becomes Active once the Activation Date is reached (§3.24),
// Pre-Active or Active becomes Deactivated once the Deactivation Date is reached (§3.27). So a State read by a
// client always tells the truth at the time of the request (vCenter's kill-switch rests on it).
#pragma once

#include <cstdint>

#include "kmip/spec/spec.hpp"
#include "server/core/object_store.hpp"

namespace kmipd::core {

kmip::spec::state state_of(const stored_object& o);
// Applies the time-driven transitions for `now`; true when the State changed.
bool refresh(stored_object& o, std::int64_t now);
// The State for a new object given its dates: Active if an Activation Date <= now is set, else Pre-Active
// (then refresh() applies a past Deactivation Date).
void set_initial_state(stored_object& o, std::int64_t now);
bool is_destroyed(kmip::spec::state s);

}  // namespace kmipd::core
