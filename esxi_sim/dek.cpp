// DEK generation.
#include "esxi_sim/dek.hpp"

#include <stdexcept>

#include <openssl/crypto.h>

namespace esxi_sim {

common::secure_bytes generate_dek(common::random_source& random) {
  common::secure_bytes dek(64);
  for (int attempt = 0; attempt < 16; ++attempt) {
    random.fill(dek);
    if (CRYPTO_memcmp(dek.data(), dek.data() + 32, 32) != 0) return dek;
  }
  throw std::runtime_error("random source keeps producing XTS keys with equal halves");
}

}  // namespace esxi_sim
