// policy: owner, administrators, then grants.
#include "server/core/policy.hpp"

#include <algorithm>

namespace kmipd::core {

bool policy::allows(std::string_view identity, kmip::spec::operation op, std::string_view owner) const {
  if (identity == owner) return true;
  if (std::find(administrators_.begin(), administrators_.end(), identity) != administrators_.end()) return true;
  for (const auto& g : grants_) {
    if (g.identity != "*" && g.identity != identity) continue;
    if (g.operations.empty() || std::find(g.operations.begin(), g.operations.end(), op) != g.operations.end())
      return true;
  }
  return false;
}

}  // namespace kmipd::core
