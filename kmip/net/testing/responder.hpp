// A tiny KMIP responder for tests: listens on 127.0.0.1 (ephemeral port), speaks TLS (or plain TCP), reads each
// request with kmip/net's read_message and answers through a handler, or misbehaves on purpose (never answers,
// announces a huge message, cuts a response short, dribbles it out a byte at a time).
//
// It runs its own io_context on its own thread, so that a test can drive a client with the blocking API on the
// test thread. Every session is recorded (handshake outcome, peer identity, request count, how it ended) and
// tests wait for those records with a bounded wait instead of sleeping.
//
// Test-only (target kmip_net_testing). It is also a first sketch of kmipd's session loop: handshake with a
// deadline, peer identity from the verified certificate, read/answer until the client leaves.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/secure.hpp"
#include "kmip/net/error.hpp"
#include "kmip/net/peer_identity.hpp"
#include "kmip/net/tls_context.hpp"
#include "kmip/ttlv/decode_limits.hpp"

namespace kmip::net::testing {

enum class misbehaviour : std::uint8_t {
  none,                 // answer every request with handler(request)
  never_answer,         // read requests and never answer
  huge_header,          // answer with a header announcing a 100 MiB message, then send nothing more
  truncate_then_close,  // send the first half of the answer, then close the TCP connection (no close_notify)
  byte_by_byte,         // send the answer one byte per write (one TLS record per byte)
  close_after_handshake,  // close cleanly (close_notify) as soon as the handshake is done
};

// Answers one request; runs on the responder's thread.
using handler = std::function<common::secure_bytes(std::span<const std::uint8_t> request)>;

struct responder_options {
  tls_context_ptr tls;                         // null: plain TCP
  handler respond;                             // null: echo the request
  misbehaviour mode = misbehaviour::none;
  std::chrono::milliseconds io_timeout{10000};  // per message; bounds how long a silent client is kept
  ttlv::decode_limits limits{};
  std::size_t max_messages_per_session = 1000;
  std::size_t max_sessions = 10000;
};

struct session_record {
  bool handshake_ok = false;
  std::string handshake_error;      // when !handshake_ok
  std::optional<peer_identity> peer;  // TLS and a verified client certificate
  std::string peer_error;           // why peer is empty
  std::string tls_session;          // "TLSv1.3 TLS_AES_256_GCM_SHA384"
  std::size_t requests = 0;
  std::string end;                  // how the session ended (the read error that stopped it, usually "closed")
};

class responder {
 public:
  // Binds 127.0.0.1:0 and starts serving on a new thread.
  static result<std::unique_ptr<responder>> start(responder_options options);

  ~responder();  // stop()
  responder(const responder&) = delete;
  responder& operator=(const responder&) = delete;

  std::uint16_t port() const { return port_; }

  // Waits until at least `count` sessions have ended, for at most `timeout`; returns the records so far (fewer
  // than `count` when the wait timed out).
  std::vector<session_record> wait_for_sessions(std::size_t count, std::chrono::milliseconds timeout);

  // Stops accepting, abandons open sessions and joins the thread. Idempotent.
  void stop();

 private:
  struct impl;
  explicit responder(std::unique_ptr<impl> p);
  void record(session_record r);

  std::unique_ptr<impl> impl_;
  std::uint16_t port_ = 0;
};

}  // namespace kmip::net::testing
