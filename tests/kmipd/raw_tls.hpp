// A deliberately dumb TLS client for the end-to-end tests: it writes whatever bytes it is given (malformed,
// truncated, over-limit KMIP messages that kmip::client::connection refuses to send) and reads back one KMIP
// message or notices the close. It can also speak TLS 1.1 only, to be refused. Every step has a deadline.
//
// Asio-free header; the TLS stream lives in raw_tls.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "common/expected.hpp"
#include "common/secure.hpp"
#include "kmip/net/tls_context.hpp"
#include "tests/pki/pki.hpp"

namespace tests::kmipd {

class raw_tls {
 public:
  // What a read found.
  struct reading {
    enum class kind { message, closed, timeout, error } what = kind::error;
    common::secure_bytes bytes;  // kind::message: the whole message, header included
    std::string detail;          // otherwise: what happened, for failure messages
  };

  // TCP connect to 127.0.0.1:port and TLS handshake with `options`, within `timeout`. Errors carry OpenSSL's
  // reason.
  static common::expected<std::unique_ptr<raw_tls>, std::string> connect(std::uint16_t port,
                                                                          const kmip::net::client_tls_options& options,
                                                                          std::chrono::milliseconds timeout);
  // The same with a context that offers TLS 1.1 and nothing newer (OpenSSL security level 0), presenting the
  // PKI's client certificate.
  static common::expected<std::unique_ptr<raw_tls>, std::string> connect_tls11(std::uint16_t port,
                                                                                const tests::pki::files& pki,
                                                                                std::chrono::milliseconds timeout);
  ~raw_tls();
  raw_tls(const raw_tls&) = delete;
  raw_tls& operator=(const raw_tls&) = delete;

  // Writes the bytes as they are. Errors: what failed.
  common::expected<void, std::string> write(std::span<const std::uint8_t> bytes, std::chrono::milliseconds timeout);
  // Reads one KMIP message (header first, then exactly its body; up to `max_size` bytes), or tells of the close.
  reading read_message(std::chrono::milliseconds timeout, std::size_t max_size = 1u << 20);
  // TCP half-close of the sending side (no close_notify): the server sees its read end mid-message.
  void shutdown_send();

  struct impl;  // the stream and its io_context (raw_tls.cpp)

 private:
  explicit raw_tls(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace tests::kmipd
