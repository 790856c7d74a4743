// A client's KMIP-over-TLS connection driven by the calling thread: OpenSSL on a blocking socket whose receive and
// send timeouts enforce each step's one deadline (a non-blocking connect with poll() before that). It is the
// transport of kmip::client::connection's blocking mode.
//
// Why a second transport beside the coroutine one (tls_stream.hpp, message_io.hpp): a blocking caller has nothing
// else to do while it waits, so an event loop, a timer per step and a memory-BIO TLS engine are pure cost. Here a
// round trip is the system calls it needs (send; recv) and nothing more; docs/benchmarks.md measures the
// difference. Semantics, error codes and messages are those of the coroutine transport:
//  - connect(): resolve (unless an IP literal; getaddrinfo is not interruptible, as noted in tls_stream.hpp),
//    TCP connect to each address in turn, TLS handshake, all within one deadline. errc::resolve, connect,
//    timeout, tls (with OpenSSL's reason and our verification verdict), closed (peer hung up mid-handshake).
//  - write_message()/read_message(): exactly one KMIP message, judged by ttlv::inspect_frame as in
//    message_io.hpp (a header announcing more than the limit fails before the body is allocated). After a
//    timeout or an error other than a refused outgoing message, the connection must be closed.
//  - close(): close_notify, the peer's awaited up to the timeout, socket closed. Never fails.
// Writes never raise SIGPIPE (send with MSG_NOSIGNAL): a peer that went away is errc::closed.
//
// Not thread-safe: one thread drives a connection at a time. No exception leaves these functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <utility>
#include <span>
#include <string>

#include "common/secure.hpp"
#include "kmip/net/error.hpp"
#include "kmip/net/tls_context.hpp"
#include "kmip/ttlv/decode_limits.hpp"

namespace kmip::net {

class blocking_tls_client {
 public:
  using duration = std::chrono::steady_clock::duration;

  blocking_tls_client() = default;
  ~blocking_tls_client();  // closes at once, without close_notify
  blocking_tls_client(blocking_tls_client&& other) noexcept;
  blocking_tls_client& operator=(blocking_tls_client&& other) noexcept;
  blocking_tls_client(const blocking_tls_client&) = delete;
  blocking_tls_client& operator=(const blocking_tls_client&) = delete;

  // Connects to host:port and runs the client handshake with a session made from `ctx` (make_client_context),
  // prepared for `options` and `host` (prepare_client_session). Replaces an open connection.
  result<void> connect(const tls_context_ptr& ctx, const client_tls_options& options, const std::string& host,
                       std::uint16_t port, duration timeout);

  // Writes one whole message. Anything that is not exactly one KMIP message is refused (errc::framing) before a
  // byte is sent, and the connection stays usable.
  result<void> write_message(std::span<const std::uint8_t> message, duration timeout);
  // Reads one whole message (header included); `limits.max_message_size` bounds it.
  result<common::secure_bytes> read_message(const ttlv::decode_limits& limits, duration timeout);

  // Busy polling: read_message() first polls the socket without sleeping for up to `spin` (never past its
  // deadline), then blocks as usual. A response that arrives while the thread spins costs no wake-up (an
  // inter-processor interrupt, and on a VM an exit to the hypervisor: tens of microseconds). The price is a CPU
  // spent spinning, so it is for callers with fewer waiting threads than CPUs (a load generator's few
  // connections). 0, the default: never spin.
  void set_busy_poll(std::chrono::microseconds spin) noexcept { busy_poll_ = spin; }

  void close(duration timeout) noexcept;
  void close_now() noexcept;

  bool is_open() const noexcept { return fd_ >= 0; }
  // "TLSv1.3 TLS_AES_256_GCM_SHA384" after a handshake; empty before.
  std::string describe_session() const;

 private:
  using time_point = std::chrono::steady_clock::time_point;
  enum class step : std::uint8_t { done, again, failed };

  result<void> tcp_connect(const std::string& host, std::uint16_t port, time_point deadline, duration timeout);
  result<void> handshake(time_point deadline, duration timeout);
  // Reads exactly `out.size()` bytes; `already` bytes of `wanted` were read before (for messages).
  result<void> read_exact(std::span<std::uint8_t> out, time_point deadline, std::size_t already, std::size_t wanted,
                          const char* doing);
  // Sets the socket timeout `option` so that a blocked call ends by `deadline`; false: the deadline has passed.
  bool arm(int option, std::chrono::microseconds& current, time_point deadline) noexcept;
  // Spins until the socket has something to read (or has failed or closed), `until` passes, or a bounded number of
  // polls is done. Whatever it finds is left for the read that follows.
  void spin_until_readable(time_point until) const noexcept;
  // Runs one SSL call until it completes or fails (OpenSSL's result and errno), or the deadline passes (nullopt).
  template <class Call>
  std::optional<std::pair<int, int>> drive(time_point deadline, Call call);

  int fd_ = -1;
  ssl_st* ssl_ = nullptr;
  std::string peer_;  // "host:port"
  std::chrono::microseconds recv_timeout_{0};  // SO_RCVTIMEO as set; 0: never set (no timeout)
  std::chrono::microseconds send_timeout_{0};  // SO_SNDTIMEO as set
  std::chrono::microseconds busy_poll_{0};
};

}  // namespace kmip::net
