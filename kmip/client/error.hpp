// The one error type of the KMIP client (STYLE.md habit 3): a category a program can branch on (retry on a
// timeout, fail over on connect, report a certificate problem) and a message a person can act on. Nothing in
// kmip/client throws across its API; every failure arrives as a client_error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "kmip/spec/spec.hpp"
#include "kmip/ttlv/error.hpp"

namespace kmip::client {

enum class errc : std::uint8_t {
  config,            // options or TLS files are wrong; the message names the file and the problem
  not_connected,     // exchange before connect, after close, or after an error closed the connection
  resolve,           // the host name did not resolve
  connect,           // TCP connect refused or unreachable
  tls_handshake,     // the TLS handshake failed, with OpenSSL's reason ("certificate verify failed: ...",
                     // "tlsv1 alert unknown ca", "unsupported protocol"); with TLS 1.3 a server's rejection of
                     // the client certificate arrives on the first read and is reported here too
  timeout,           // connect_timeout or io_timeout passed; the connection was closed
  closed_by_peer,    // the server closed the connection (cleanly or not) before a whole response arrived
  protocol,          // the bytes are not the KMIP response expected: bad header, too large (`codec`), not
                     // decodable, not a Response Message, or not an answer to the request's operation
  io,                // other socket or TLS failure after the handshake
  operation_failed,  // the server answered, with a Result Status other than Success (`result_reason`)
};

std::string_view to_string(errc e);  // "tls_handshake", ...

struct client_error {
  client_error() = default;
  client_error(errc c, std::string m) : category(c), message(std::move(m)) {}

  errc category = errc::io;
  std::string message;
  std::optional<ttlv::errc> codec;                  // protocol: the framer's or decoder's verdict
  std::optional<spec::result_reason> result_reason;  // operation_failed: the server's Result Reason
  std::optional<spec::result_status> result_status;  // operation_failed: Operation Failed, Pending, Undone

  // "timeout: no KMIP message within 300 ms (0 of 8 header bytes arrived)"
  std::string to_string() const;
};

}  // namespace kmip::client
