// The recording proxy of `kmip-harness record` (docs/trace-format.md, "Recording"): a TLS-terminating proxy
// between a KMIP client (vCenter) and a KMS. It presents its own server certificate to the client, opens one
// upstream connection per client connection with the configured client certificate, forwards every message
// unchanged (one request, then its response: KMIP over TLS is strictly request/response per connection), and
// writes each message as a frame to the trace.
//
// A message the proxy cannot read as one KMIP message (a framing error) ends that connection on both sides:
// forwarding half a message would make the recording lie. An upstream failure closes the client connection
// (vCenter sees what it would see if the KMS went away).
//
// Runs its own io_context on one thread; start() returns once it listens. Thread-safe: stop() from any thread.
// The header is Asio-free.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/expected.hpp"
#include "kmip/client/connection.hpp"
#include "kmip/net/tls_context.hpp"
#include "kmip/traffic/trace.hpp"

namespace kmip::traffic {

struct proxy_options {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;              // 0: an ephemeral port (port() says which)
  net::server_tls_options listener_tls;       // what the client (vCenter) sees
  kmip::client::connection_options upstream;  // the KMS: host, port, client certificate
};

class record_proxy {
 public:
  // Binds, starts the thread, and returns. `out` must stay open until stop() returned. Errors name the
  // certificate file or the address.
  static common::expected<std::unique_ptr<record_proxy>, std::string> start(proxy_options options,
                                                                            trace_writer& out);
  ~record_proxy();  // stop()
  record_proxy(const record_proxy&) = delete;
  record_proxy& operator=(const record_proxy&) = delete;

  std::uint16_t port() const;
  // Closes the listener and every connection, joins the thread. Idempotent.
  void stop();
  // Frames written so far.
  std::uint64_t frames() const;

  struct impl;

 private:
  explicit record_proxy(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace kmip::traffic
