// vCenter's vocabulary for the state of a key (reference/vcenter-kmip.md §5, "KMS unreachable or key revoked"):
// the reasons of vSphere's CryptoManagerKmipCryptoKeyStatus, derived here from what the KMS answered.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "kmip/spec/spec.hpp"

namespace vcenter_sim {

enum class key_state : std::uint8_t {
  available,              // the KMS served the key and it is Active
  missing_in_kms,         // KeyStateMissingInKMS: Item Not Found (or refused) on Get: destroyed, never existed
  not_active_or_enabled,  // KeyStateNotActiveOrEnabled: State is Deactivated, Compromised, Destroyed...
  cluster_unreachable,    // KeyStateClusterUnreachable: no server of the cluster could be reached, or none answered
  missing_in_cache,       // KeyStateMissingInCache: the key is not where it is needed (host cache) and was not fetched
};

// "KeyStateMissingInKMS", ... ("KeyAvailable" for available).
std::string_view to_string(key_state s) noexcept;
std::optional<key_state> parse_key_state(std::string_view s) noexcept;

// A KMS conversation that did not give what was asked: the key state vCenter derives from it, a sentence, and the
// KMIP Result Reason when the KMS answered with a failure.
struct kms_error {
  kms_error() = default;
  kms_error(key_state s, std::string m) : state(s), message(std::move(m)) {}
  key_state state = key_state::cluster_unreachable;
  std::string message;
  std::optional<kmip::spec::result_reason> reason;
  std::string to_string() const;
};

template <class T>
using kms_result = common::expected<T, kms_error>;

}  // namespace vcenter_sim
