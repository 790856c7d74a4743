// kmipd's engine: one bytes-in/bytes-out entry shared by the TLS socket, HTTP POST /kmip and replay
// (STYLE.md habit 2). No Asio, Beast or TLS here.
// (Interface fixed by the lead; the implementation fills in construction and the rest.)
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/secure.hpp"
#include "kmip/model/message.hpp"

namespace kmipd::core {

// Who sent a request and over what: the authenticated identity (client certificate CN, or the KMIP
// Username/Password credential where configured), the peer address, and the transport ("tls", "http", "replay").
struct request_context {
  std::string identity;
  std::string peer_address;
  std::string transport = "tls";
};

class engine {
 public:
  // Never throws. Undecodable input still gets an encoded KMIP error response (Invalid Message), in the request's
  // protocol version when it can be read, else 1.0.
  common::secure_bytes handle_bytes(std::span<const std::uint8_t> request, const request_context& ctx) noexcept;
  // The typed entry: every batch item processed (Batch Error Continuation Option honoured), IDs echoed.
  kmip::model::response_message handle(const kmip::model::request_message& request,
                                       const request_context& ctx) noexcept;
};

}  // namespace kmipd::core
