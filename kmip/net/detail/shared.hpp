// What kmip/net's two transports share (the Asio one: message_io.hpp, tls_stream.hpp; the blocking one:
// blocking_tls.hpp), so that their checks and their words cannot drift apart. Internal to kmip/net; free of Asio.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>

#include "kmip/net/error.hpp"

struct ssl_st;

namespace kmip::net::detail {

// "1500 ms"
std::string describe(std::chrono::steady_clock::duration d);

// An outgoing message must be exactly one KMIP message (its header's length matches its size): otherwise the
// errc::framing error to return before a byte is sent.
result<void> check_outgoing(std::span<const std::uint8_t> message);

// "TLSv1.3 TLS_AES_256_GCM_SHA384" after a handshake; empty before (or for a null session).
std::string describe_session(ssl_st* ssl);

}  // namespace kmip::net::detail
