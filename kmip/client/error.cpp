// Names of the client error categories, as they appear in logs, reports and test output.
#include "kmip/client/error.hpp"

namespace kmip::client {

std::string_view to_string(errc e) {
  switch (e) {
    case errc::config: return "config";
    case errc::not_connected: return "not_connected";
    case errc::resolve: return "resolve";
    case errc::connect: return "connect";
    case errc::tls_handshake: return "tls_handshake";
    case errc::timeout: return "timeout";
    case errc::closed_by_peer: return "closed_by_peer";
    case errc::protocol: return "protocol";
    case errc::io: return "io";
    case errc::operation_failed: return "operation_failed";
  }
  return "unknown";
}

std::string client_error::to_string() const { return std::string(client::to_string(category)) + ": " + message; }

}  // namespace kmip::client
