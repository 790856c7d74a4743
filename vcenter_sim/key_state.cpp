#include "vcenter_sim/key_state.hpp"

#include <array>
#include <utility>

namespace vcenter_sim {
namespace {
constexpr std::array<std::pair<key_state, std::string_view>, 5> names{{
    {key_state::available, "KeyAvailable"},
    {key_state::missing_in_kms, "KeyStateMissingInKMS"},
    {key_state::not_active_or_enabled, "KeyStateNotActiveOrEnabled"},
    {key_state::cluster_unreachable, "KeyStateClusterUnreachable"},
    {key_state::missing_in_cache, "KeyStateMissingInCache"},
}};
}  // namespace

std::string_view to_string(key_state s) noexcept {
  for (const auto& [k, n] : names)
    if (k == s) return n;
  return "?";
}

std::optional<key_state> parse_key_state(std::string_view s) noexcept {
  for (const auto& [k, n] : names)
    if (n == s) return k;
  return std::nullopt;
}

std::string kms_error::to_string() const {
  std::string out(vcenter_sim::to_string(state));
  out += ": " + message;
  return out;
}

}  // namespace vcenter_sim
