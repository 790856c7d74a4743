// Data encryption keys: 512-bit AES-256-XTS keys generated on the host (DESIGN.md, "ESXi simulation").
#pragma once

#include "common/random.hpp"
#include "common/secure.hpp"

namespace esxi_sim {

// 64 bytes from `random`, regenerated until the two 32-byte halves differ (XTS needs Key1 != Key2).
// Bounded: gives up after 16 equal draws (only a broken source does that) and throws std::runtime_error.
common::secure_bytes generate_dek(common::random_source& random);

}  // namespace esxi_sim
