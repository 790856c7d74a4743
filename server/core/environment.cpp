// Production clock and random source.
#include "server/core/environment.hpp"

#include <openssl/rand.h>

#include <chrono>
#include <climits>
#include <stdexcept>

#include "server/core/audit.hpp"

namespace kmipd::core {

std::int64_t system_clock::now() const noexcept {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void openssl_random::fill(std::span<std::uint8_t> out) {
  while (!out.empty()) {
    const auto n = std::min<std::size_t>(out.size(), INT_MAX);
    if (RAND_priv_bytes(out.data(), static_cast<int>(n)) != 1) throw std::runtime_error("OpenSSL DRBG failure");
    out = out.subspan(n);
  }
}

environment environment::production(std::shared_ptr<audit_sink> audit) {
  if (!audit) audit = std::make_shared<memory_audit_sink>();
  return {std::make_shared<system_clock>(), std::make_shared<openssl_random>(), std::move(audit)};
}

}  // namespace kmipd::core
