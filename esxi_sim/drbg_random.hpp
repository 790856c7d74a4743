// The production random source: OpenSSL's private DRBG (RAND_priv_bytes), the generator OpenSSL reserves for
// key material. Hosts take a common::random_source&, so tests substitute common::seeded_random.
#pragma once

#include "common/random.hpp"

namespace esxi_sim {

class drbg_random final : public common::random_source {
 public:
  // Throws std::runtime_error if the DRBG cannot produce bytes (an unusable environment, not an input error).
  void fill(std::span<std::uint8_t> out) override;
};

}  // namespace esxi_sim
