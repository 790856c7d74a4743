// kmipd's network front: the KMIP listener (binary TTLV over TLS, port 5696) and the HTTP API (Beast, port 9998),
// both serving one handler (STYLE.md habit 2), on N threads, each running its own io_context; accepted
// connections are dealt to them round robin and stay on theirs.
//
// KMIP sessions: TLS 1.2/1.3 handshake within handshake_timeout (mutual TLS as the context says: client CA
// bundles, clientAuth EKU only when required, no SNI needed), identity = the verified client certificate's CN,
// then requests read one whole message at a time (max_message_size checked from the header, before the body is
// allocated) and answered in order. A connection that sends nothing is closed at idle_timeout; one whose header
// is not a KMIP message or announces too large a one gets the handler's answer to undecodable input (Invalid
// Message) and is closed. Connections beyond max_connections are closed at once. Every accepted socket has
// Nagle off. One failing connection never disturbs another: each session is a coroutine (on one thread, or on a
// strand for HTTP) and its exceptions are caught at its root.
//
// HTTP: GET /health, GET /version, GET /metrics (Prometheus text), POST /kmip with binary TTLV
// (application/octet-stream) or KMIP JSON (application/json), answered in the same form.
//
// Asio-free header (pointer to implementation).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "kmip/net/error.hpp"
#include "kmip/net/tls_context.hpp"
#include "kmip/ttlv/decode_limits.hpp"
#include "server/net/handler.hpp"
#include "server/net/metrics.hpp"

namespace kmipd::net {

struct listener_options {
  bool enabled = true;
  std::string address = "0.0.0.0";  // an IP literal
  std::uint16_t port = 0;           // 0: an ephemeral port (read it back with server::kmip_port / http_port)
  kmip::net::tls_context_ptr tls;   // from kmip::net::make_server_context; null: plain TCP (tests only)
};

// What a recorder learns about the session a message belongs to (kmipd's `record_trace` switch).
struct session_facts {
  std::uint64_t connection = 0;  // 1, 2, ... per server, in accept order
  std::string peer;              // "127.0.0.1:43210"
  std::string tls_version, tls_cipher, client_subject;  // empty on plain TCP
};
// Called with each KMIP message of a session: the request as read, then the response about to be written.
// Called from the server's threads concurrently: it must be thread-safe.
using message_recorder =
    std::function<void(const session_facts&, bool request, std::span<const std::uint8_t> message)>;

struct server_options {
  listener_options kmip{true, "0.0.0.0", 5696, nullptr};
  listener_options http{true, "0.0.0.0", 9998, nullptr};  // tls: HTTPS; a client certificate is then optional
  unsigned threads = 2;  // I/O threads, one io_context each (0 counts as 1)
  // Adaptive polling: after running handlers, an I/O thread keeps polling its io_context (yielding the CPU to
  // anything runnable) for up to this long before it blocks in epoll. A request that arrives meanwhile is read
  // without a wake-up, which on a VM is an inter-processor interrupt and, at one connection, most of a Get's round
  // trip (docs/benchmarks.md). Costs at most this much CPU per burst of work; zero: always block at once.
  std::chrono::microseconds busy_poll{0};
  std::size_t max_connections = 1024;  // per listener
  kmip::ttlv::decode_limits limits;    // max_message_size is enforced by the sessions; the rest is the handler's
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds idle_timeout{60000};   // waiting for (and reading) the next message
  std::chrono::milliseconds write_timeout{30000};  // writing one response
  std::string default_identity = "admin";  // identity without a client certificate (plain TCP, HTTP)
  std::string version = "0.0.0";           // GET /version
  message_recorder record;                 // empty: nothing is recorded
  std::vector<metrics::external_counter> counters;  // more counters for GET /metrics
};

class server {
 public:
  // Binds both listeners and starts the threads. Errors (errc::io): an address that does not parse, a port
  // that cannot be bound (naming it).
  static kmip::net::result<std::unique_ptr<server>> start(server_options options, handler handle);
  // The same, with KMIP sessions calling `handle_async` (HTTP POST /kmip still calls `handle`): a session waiting
  // for its answer (kmipd: for the fdatasync of its group) leaves its thread to the other connections.
  static kmip::net::result<std::unique_ptr<server>> start(server_options options, handler handle,
                                                          async_handler handle_async);

  ~server();  // shutdown(0)
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  std::uint16_t kmip_port() const;  // 0 when the listener is disabled
  std::uint16_t http_port() const;
  const metrics& stats() const;

  // Stops accepting, lets requests in progress finish and be answered within `deadline` (idle connections are
  // closed at once), then closes what is left and joins the threads. Idempotent; thread-safe.
  void shutdown(std::chrono::milliseconds deadline);

  struct impl;

 private:
  explicit server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace kmipd::net
