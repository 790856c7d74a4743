// The connection set-up and tear-down steps of a KMIP-over-TLS connection, each with a deadline: TCP connect
// (resolving the host first unless it is an IP literal), the TLS handshake on either side, and closing.
// Used by kmip/client, and by kmipd's listener for the server-side handshake.
//
// Compiled once in kmip_net (these are not templates); include this header only from .cpp files that do I/O.
// No exception leaves these functions: expected failures are net::error values.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <cstdint>
#include <string>

#include "kmip/net/error.hpp"
#include "kmip/net/message_io.hpp"

namespace kmip::net {

using tcp_socket = boost::asio::ip::tcp::socket;
using tls_stream = boost::asio::ssl::stream<tcp_socket>;

// Connects `socket` (closed) to host:port: an IP literal directly, otherwise every resolved address in turn.
// Errors: errc::resolve, errc::connect, errc::timeout. The one deadline covers resolving and connecting, except
// that a system resolver stuck in getaddrinfo cannot be interrupted (Asio runs it on a helper thread).
boost::asio::awaitable<result<boost::asio::ip::tcp::endpoint>> async_connect(tcp_socket& socket, std::string host,
                                                                              std::uint16_t port, duration timeout);

// Runs the TLS handshake. Errors are errc::tls, with OpenSSL's reason and, when our side's certificate check
// failed, the verification error ("certificate verify failed: unable to get local issuer certificate"); or
// errc::timeout; or errc::closed when the peer hung up mid-handshake. `peer` names the peer in messages.
// REQUIRES: the stream's socket is connected; for a client, prepare_client_session() was applied.
boost::asio::awaitable<result<void>> async_handshake(tls_stream& stream,
                                                     boost::asio::ssl::stream_base::handshake_type side,
                                                     duration timeout, std::string peer);

// Sends close_notify and waits up to `timeout` for the peer's, then closes the socket. Never fails: a peer that
// does not answer, or is gone already, just means the socket is closed sooner.
boost::asio::awaitable<void> async_close(tls_stream& stream, duration timeout);

// Turns Nagle's algorithm off. KMIP is small request/response pairs: with Nagle on, a second small write (a
// response after a request, a close_notify after a response) waits for the peer's delayed ACK, 40 ms on Linux.
// async_connect() does this for clients; a server should do it for every accepted socket.
void set_no_delay(tcp_socket& socket) noexcept;

// Closes the socket at once, without TLS close_notify (after an error, or when tearing down).
void close_now(tls_stream& stream) noexcept;

// "TLSv1.3 TLS_AES_256_GCM_SHA384" after a handshake; empty before.
std::string describe_session(tls_stream& stream);

}  // namespace kmip::net
