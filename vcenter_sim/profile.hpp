// Conversation profiles: which vCenter the simulator plays on the wire (reference/vcenter-kmip.md §2).
//  - vcenter-6.7: no x- attribute tagging (tagging first appears in 7.0.x, P#661 [I]).
//  - vcenter-7.0: the 7.0.3 build-19480866 conversation of capture W1, byte for byte (tagging with GetAttributes
//    of each x- name, then one 3-item AddAttribute batch).
//  - vcenter-8.0: as 7.0 with product version "8.0.1 build-21560480", and, when a username is configured,
//    Authentication/Credential (Username and Password) on Create, Get, GetAttributes(State) and Activate but not on
//    Discover Versions or the tagging requests (the W4 pattern).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vcenter_sim {

enum class profile : std::uint8_t { vcenter_6_7, vcenter_7_0, vcenter_8_0 };

std::string_view to_string(profile p) noexcept;                // "vcenter-7.0"
std::optional<profile> parse_profile(std::string_view s) noexcept;  // "vcenter-6.7", "vcenter-7.0", "vcenter-8.0"

// The x-Product_Version value the profile writes ("7.0.3 build-19480866").
std::string_view product_version(profile p) noexcept;
bool tags_keys(profile p) noexcept;           // x- attribute tagging
bool sends_credentials(profile p) noexcept;  // Username/Password in the header when configured

}  // namespace vcenter_sim
