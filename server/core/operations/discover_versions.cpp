// Discover Versions (KMIP 1.4 §4.26, 2.1 §6.1.16): every version kmipd speaks, newest first, or those of the
// client's list that kmipd speaks, in the client's order of preference.
#include "server/core/operations/operations.hpp"

namespace kmipd::core::operations {

op_result discover_versions(operation_context&, const discover_versions_request& r) {
  using kmip::spec::version;
  static constexpr version supported[] = {version::v2_1, version::v2_0, version::v1_4, version::v1_3,
                                          version::v1_2, version::v1_1, version::v1_0};
  discover_versions_response out;
  if (r.protocol_versions.empty()) {
    for (auto v : supported) out.protocol_versions.push_back(kmip::spec::to_protocol_version(v));
  } else {
    for (auto pv : r.protocol_versions)
      if (kmip::spec::to_version(pv)) out.protocol_versions.push_back(pv);
  }
  return out;
}

}  // namespace kmipd::core::operations
