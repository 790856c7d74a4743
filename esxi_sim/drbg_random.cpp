// RAND_priv_bytes behind the random_source interface.
#include "esxi_sim/drbg_random.hpp"

#include <climits>
#include <stdexcept>

#include <openssl/rand.h>

namespace esxi_sim {

void drbg_random::fill(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    std::size_t n = std::min<std::size_t>(out.size() - done, INT_MAX);
    if (RAND_priv_bytes(out.data() + done, static_cast<int>(n)) != 1) {
      throw std::runtime_error("RAND_priv_bytes failed");
    }
    done += n;
  }
}

}  // namespace esxi_sim
