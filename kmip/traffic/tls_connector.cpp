// The TLS connect function of the replay (tls_connector.hpp).
#include "kmip/traffic/tls_connector.hpp"

#include <memory>

namespace kmip::traffic {

connect_fn tls_connector(kmip::client::connection_options options) {
  return [options]() -> result<exchange_fn> {
    auto conn = std::make_shared<kmip::client::connection>(options);
    if (auto ok = conn->connect(); !ok) return common::unexpected(ok.error().message);
    return exchange_fn([conn](std::span<const std::uint8_t> request) -> result<common::secure_bytes> {
      auto reply = conn->exchange(request);
      if (!reply) return common::unexpected(reply.error().message);
      return std::move(*reply);
    });
  };
}

}  // namespace kmip::traffic
