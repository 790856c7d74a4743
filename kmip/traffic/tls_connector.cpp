// The TLS connect function of the replay (tls_connector.hpp).
#include "kmip/traffic/tls_connector.hpp"

#include <memory>

namespace kmip::traffic {

connect_fn tls_connector(kmip::client::connection_options options) {
  return [options]() -> result<exchange_fn> {
    // The last copy of the exchange function ends the connection politely (close_notify), as a client would.
    auto conn = std::shared_ptr<kmip::client::connection>(new kmip::client::connection(options),
                                                          [](kmip::client::connection* c) {
                                                            c->close();
                                                            delete c;
                                                          });
    if (auto ok = conn->connect(); !ok) return common::unexpected(ok.error().message);
    return exchange_fn([conn](std::span<const std::uint8_t> request) -> result<common::secure_bytes> {
      auto reply = conn->exchange(request);
      if (!reply) return common::unexpected(reply.error().message);
      return std::move(*reply);
    });
  };
}

}  // namespace kmip::traffic
