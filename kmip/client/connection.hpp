// One KMIP-over-TLS connection from the client side: connect (resolve, TCP connect, TLS handshake, each within
// connect_timeout overall), exchange (one request out, one response in, within io_timeout), close.
//
// Two ways to drive it:
//  - blocking: connection(options) owns a private io_context; connect(), exchange() and close() run it until the
//    step is done. This is what tools and simple tests use.
//  - coroutines: connection(executor, options) runs on the caller's executor; co_await async_connect(),
//    async_exchange() and async_close(). A load generator runs thousands of these on one io_context.
//
// Contracts:
//  - One operation at a time per connection (KMIP responses are matched to requests by order here). Not
//    thread-safe; a connection belongs to one thread or one strand. A moved-from connection may only be
//    destroyed or assigned to.
//  - After a timeout, a framing error or any I/O error the connection is closed (the stream state is unknown);
//    exchange() then returns errc::not_connected until connect() is called again.
//  - Errors are values (client_error); no exception leaves this class.
//  - Responses may carry key material: they arrive in wiping buffers.
//
// The header pulls in <boost/asio/awaitable.hpp> (the coroutine API's return type) but not the rest of Asio or
// OpenSSL; the stream lives behind a pointer to implementation.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "common/expected.hpp"
#include "common/secure.hpp"
#include "kmip/client/error.hpp"
#include "kmip/net/tls_context.hpp"

namespace kmip::client {

template <class T>
using result = common::expected<T, client_error>;

struct connection_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 5696;  // IANA-registered KMIP port
  // CA files, client certificate and key, TLS version range, cipher list, SNI and hostname check. The defaults
  // are vCenter's: mutual TLS, TLS 1.2-1.3, no SNI, no hostname verification.
  net::client_tls_options tls;
  std::chrono::milliseconds connect_timeout{10000};  // resolve + TCP connect + TLS handshake
  std::chrono::milliseconds io_timeout{30000};       // one exchange: request written and response read
  std::chrono::milliseconds close_timeout{1000};     // waiting for the server's close_notify in close()
  std::size_t max_response_size = 1u << 20;          // larger responses are refused before they are read
  // Blocking mode only: spin up to this long waiting for each response before sleeping (see
  // net::blocking_tls_client::set_busy_poll). Saves a wake-up per exchange, costs a CPU while it spins: for
  // callers with fewer waiting threads than CPUs. Coroutine mode never spins (its event loop decides).
  std::chrono::microseconds busy_poll{0};
};

class connection {
 public:
  // Blocking mode: the connection owns an io_context.
  explicit connection(connection_options options);
  // Coroutine mode: I/O runs on `executor`. The blocking calls refuse to run (errc::config).
  connection(boost::asio::any_io_executor executor, connection_options options);
  // Either mode with a TLS context shared among many connections (a load generator's thousands of connections
  // need not load the same files thousands of times). `tls` must come from net::make_client_context;
  // options.tls still supplies the per-connection SNI and hostname settings.
  connection(connection_options options, net::tls_context_ptr tls);
  connection(boost::asio::any_io_executor executor, connection_options options, net::tls_context_ptr tls);

  // Drops an open connection without close_notify; call close() first for a polite end.
  // REQUIRES: no coroutine operation of this connection is pending.
  ~connection();
  connection(connection&&) noexcept;
  connection& operator=(connection&&) noexcept;
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // ---- blocking API (REQUIRES: blocking mode) ----
  // Connects, replacing any open connection.
  result<void> connect();
  // Sends one request (exactly one KMIP message) and returns the one response.
  result<common::secure_bytes> exchange(std::span<const std::uint8_t> request);
  // TLS close_notify (waiting at most close_timeout for the server's), then closes the socket. Idempotent.
  // In coroutine mode it closes the socket at once, without close_notify: use async_close() there.
  void close();

  // ---- coroutine API (either mode; on the connection's executor) ----
  boost::asio::awaitable<result<void>> async_connect();
  // REQUIRES: the bytes under `request` stay valid until the operation completes.
  boost::asio::awaitable<result<common::secure_bytes>> async_exchange(std::span<const std::uint8_t> request);
  boost::asio::awaitable<void> async_close();

  // Runs a coroutine of this connection to completion on the private io_context: how the blocking calls, and
  // the blocking helpers of kmip::client::client, are made. REQUIRES: blocking mode; not called from inside a
  // coroutine of this connection.
  template <class T>
  result<T> block_on(boost::asio::awaitable<result<T>> op);

  bool is_open() const noexcept;
  bool is_blocking() const noexcept;
  const connection_options& options() const noexcept;
  // "TLSv1.3 TLS_AES_256_GCM_SHA384" while connected; empty otherwise.
  std::string tls_session() const;
  boost::asio::any_io_executor get_executor() const;

 private:
  struct impl;
  // Runs `body` on the private io_context until it completes; errc::config in coroutine mode.
  result<void> run_blocking(const std::function<boost::asio::awaitable<void>()>& body);

  std::unique_ptr<impl> impl_;
};

template <class T>
result<T> connection::block_on(boost::asio::awaitable<result<T>> op) {
  std::optional<result<T>> out;
  // The lambda lives in run_blocking's argument until the io_context has finished running it.
  auto ran = run_blocking([&]() -> boost::asio::awaitable<void> { out.emplace(co_await std::move(op)); });
  if (!ran) return common::unexpected{ran.error()};
  if (!out) return common::unexpected{client_error{errc::io, "internal error: the operation did not complete"}};
  return std::move(*out);
}

}  // namespace kmip::client
