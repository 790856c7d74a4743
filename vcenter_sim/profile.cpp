#include "vcenter_sim/profile.hpp"

namespace vcenter_sim {

std::string_view to_string(profile p) noexcept {
  switch (p) {
    case profile::vcenter_6_7: return "vcenter-6.7";
    case profile::vcenter_7_0: return "vcenter-7.0";
    case profile::vcenter_8_0: return "vcenter-8.0";
  }
  return "?";
}

std::optional<profile> parse_profile(std::string_view s) noexcept {
  for (auto p : {profile::vcenter_6_7, profile::vcenter_7_0, profile::vcenter_8_0})
    if (to_string(p) == s) return p;
  return std::nullopt;
}

std::string_view product_version(profile p) noexcept {
  switch (p) {
    case profile::vcenter_6_7: return "6.7.0 build-14367737";  // [I] never on the wire: 6.7 does not tag
    case profile::vcenter_7_0: return "7.0.3 build-19480866";  // W1
    case profile::vcenter_8_0: return "8.0.1 build-21560480";  // W4
  }
  return "";
}

bool tags_keys(profile p) noexcept { return p != profile::vcenter_6_7; }
bool sends_credentials(profile p) noexcept { return p == profile::vcenter_8_0; }

}  // namespace vcenter_sim
