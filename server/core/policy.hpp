// Who may do what to an object (DESIGN.md "Every operation is authorised per object and per user").
//
// The creator (Create, Register, Re-key) owns an object and may do everything to it. Any other identity is
// refused with Permission Denied, unless configuration grants it operations: a grant names an identity ("*"
// for every authenticated identity) and the operations it may perform on objects it does not own.
// Administrators may perform every operation on every object.
//
// Refusal reason: Permission Denied for every operation on an object that exists but is not the caller's
// (KMIP 1.4 §11, "Permission Denied: the client does not have permission for the operation"). We do not
// disguise it as Item Not Found: kmipd is a lab KMS, and an honest reason makes misconfigured grants easy to
// diagnose. Locate returns only the objects the caller may Locate, so enumeration leaks nothing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kmip/spec/spec.hpp"

namespace kmipd::core {

struct access_grant {
  std::string identity;                          // "*": every identity
  std::vector<kmip::spec::operation> operations;  // empty: every operation
};

class policy {
 public:
  policy() = default;
  policy(std::vector<access_grant> grants, std::vector<std::string> administrators)
      : grants_(std::move(grants)), administrators_(std::move(administrators)) {}

  bool allows(std::string_view identity, kmip::spec::operation op, std::string_view owner) const;

 private:
  std::vector<access_grant> grants_;
  std::vector<std::string> administrators_;
};

}  // namespace kmipd::core
