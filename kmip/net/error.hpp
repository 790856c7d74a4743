// Errors of the network glue, returned as values (STYLE.md habit 3). Every Asio, OpenSSL and framing failure in
// kmip/net ends up as one of these, with a message written for the person reading a test log or a report: it
// names the file, the peer or the byte count involved, and carries OpenSSL's reason where there is one.
// Standard library only, so that the client's and the server's public headers can include it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/expected.hpp"
#include "kmip/ttlv/error.hpp"

namespace kmip::net {

enum class errc : std::uint8_t {
  resolve,  // the host name did not resolve
  connect,  // no address of the host accepted a TCP connection (refused, unreachable)
  timeout,  // the deadline passed first; the operation was cancelled and the stream must be closed
  closed,   // the peer closed the connection: TCP FIN or RST, a TLS close_notify, or TLS data cut short
  framing,  // the bytes are not a KMIP message, or announce one larger than the limit; see `codec`
  tls,      // a TLS failure with OpenSSL's reason: handshake, alert from the peer, certificate verification
  io,       // any other socket error
  config,   // a TLS context could not be built: a file is unreadable, not PEM, or a key does not match
};

std::string_view to_string(errc e);  // "timeout", "closed", ...

struct error {
  error() = default;
  error(errc c, std::string m, std::optional<ttlv::errc> codec_error = std::nullopt)
      : code(c), message(std::move(m)), codec(codec_error) {}

  errc code = errc::io;
  std::string message;
  std::optional<ttlv::errc> codec;  // framing: what the framer found (message_too_large, bad_tag, ...)
};

template <class T>
using result = common::expected<T, error>;

}  // namespace kmip::net
