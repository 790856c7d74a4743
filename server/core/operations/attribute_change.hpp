// PRIVATE to server/core/operations: the checks Add, Modify, Delete and Set Attribute share.
#pragma once

#include "server/core/lifecycle.hpp"
#include "server/core/object_attributes.hpp"
#include "server/core/operations/operations.hpp"

namespace kmipd::core::detail {

// The rule of an attribute a client wants to change (a == nullptr: delete), or the failure to answer: unknown or
// absent from the request's version (Invalid Field / Unsupported Attribute), not client-modifiable or, for a
// delete, not client-deletable (Permission Denied / Attribute Read Only), a value of the wrong
// type, or a date the lifecycle forbids changing now (Activation Date once no longer Pre-Active,
// 1.4 §3.24: Permission Denied / Wrong Key Lifecycle State).
op_expected<const attribute_rule*> check_change(operation_context& ctx, const stored_object& o,
                                                const kmip::model::attribute* a, std::string_view name);

}  // namespace kmipd::core::detail
