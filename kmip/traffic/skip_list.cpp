// The skip list of the OASIS runner, as data in one place: test cases that cannot run against a lab KMS that
// manages symmetric keys and secret data only (docs/kmipd-engine.md "Operations"). The runner reports each
// skip with its reason. Cases that run but fail because kmipd is wrong are not here: they are the "known
// kmipd gaps" of the acceptance test, which asserts that they still fail.
#include <algorithm>

#include "kmip/traffic/oasis_runner.hpp"

namespace kmip::traffic {
namespace {

constexpr skip_entry entries[] = {
    {"AKLC-*", "Asymmetric Key Lifecycle: needs Create Key Pair and public/private keys (symmetric-only KMS)"},
    {"OMOS-*", "Opaque Managed Object Store: needs Register of Opaque Object, not implemented"},
    {"TC-ECDSA-*", "needs elliptic-curve key pairs and Sign (symmetric-only KMS)"},
    {"TC-RSA-*", "needs RSA key pairs (symmetric-only KMS)"},
    {"TC-ECC-*", "needs elliptic-curve key pairs (symmetric-only KMS)"},
    {"TC-PKCS12-*", "needs certificates and private keys (PKCS#12 format)"},
    {"TC-PGP-*", "needs PGP Key objects (symmetric-only KMS)"},
    {"CS-AC-*", "needs asymmetric cryptographic services (Sign/Verify/Encrypt with key pairs)"},
    {"CS-RNG-*", "needs the RNG Retrieve / RNG Seed operations, not implemented"},
    {"CS-BC-*", "needs the Encrypt / Decrypt operations, not implemented"},
};

bool matches(std::string_view pattern, std::string_view name) {
  if (pattern.ends_with('*')) return name.starts_with(pattern.substr(0, pattern.size() - 1));
  return pattern == name;
}

}  // namespace

std::span<const skip_entry> skip_list() { return entries; }

std::optional<std::string_view> skip_reason(std::string_view case_name) {
  auto it = std::find_if(std::begin(entries), std::end(entries),
                         [&](const skip_entry& e) { return matches(e.pattern, case_name); });
  if (it == std::end(entries)) return std::nullopt;
  return it->reason;
}

}  // namespace kmip::traffic
