// kmipd's engine: one bytes-in/bytes-out entry shared by the TLS socket, HTTP POST /kmip and replay
// (STYLE.md habit 2). No Asio, Beast or TLS here.
// (Interface fixed by the lead; the implementation fills in construction and the rest.)
//
// Construction: engine(engine_options, std::unique_ptr<object_store>, environment). The engine owns the store
// and shares the environment (clock, random source, audit sink); see environment.hpp, object_store.hpp,
// policy.hpp, audit.hpp. docs/kmipd-engine.md describes the behaviour operation by operation.
//
//   auto env = kmipd::core::environment::production(std::make_shared<kmipd::core::file_audit_sink>("audit.jsonl"));
//   kmipd::core::engine e({}, std::make_unique<kmipd::core::memory_store>(), env);
//   auto response = e.handle_bytes(request_bytes, {.identity = "vcenter", .peer_address = "10.0.0.5:40112"});
//
// Thread safety: handle() and handle_bytes() may be called from any number of threads at once. A message that
// writes is processed alone (a message's batch items are applied as a unit, which is what makes Batch Error
// Continuation Option Undo exact); messages that only read run in parallel (docs/kmipd-engine.md).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "common/expected.hpp"
#include "common/secure.hpp"
#include "kmip/model/message.hpp"
#include "kmip/ttlv/decode_limits.hpp"
#include "server/core/environment.hpp"
#include "server/core/faults.hpp"
#include "server/core/object_store.hpp"
#include "server/core/policy.hpp"

namespace kmipd::core {

// Who sent a request and over what: the authenticated identity (client certificate CN, or the KMIP
// Username/Password credential where configured), the peer address, and the transport ("tls", "http", "replay").
struct request_context {
  std::string identity;
  std::string peer_address;
  std::string transport = "tls";
};

// Checks a KMIP Username/Password credential (1.x §2.1.2) from a request header. Returns the identity the
// request then runs as (typically the username), or an error message (answered Authentication Not Successful).
using credential_check = std::function<common::expected<std::string, std::string>(
    const kmip::model::username_password& credential, const request_context& ctx)>;

struct engine_options {
  // Query Server Information's Vendor Identification.
  std::string vendor_identification = "kmip-harness kmipd 0.1.0";
  core::policy policy{};
  // When set, a Username/Password credential in the header is checked by it and its identity replaces
  // ctx.identity. When unset, credentials are ignored (identity from the TLS certificate).
  credential_check check_credential{};
  // Refuse requests without a Username/Password credential (only meaningful with check_credential).
  bool require_credential = false;
  kmip::ttlv::decode_limits limits{};
  // The Lease Time attribute of new objects (1.4 §3.20: the longest lease the server can serve). kmipd has no
  // Obtain Lease and enforces no lease, so the default is the largest Interval: no limit.
  std::uint32_t lease_time = 0xFFFFFFFF;
  // TEST-ONLY fault personalities (faults.hpp); none by default.
  fault_set faults{};
};

class engine {
 public:
  // REQUIRES: store non-null; env's pointers non-null.
  engine(engine_options options, std::unique_ptr<object_store> store, environment env);
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  // Never throws. Undecodable input still gets an encoded KMIP error response (Invalid Message), in the request's
  // protocol version when it can be read, else 1.0.
  common::secure_bytes handle_bytes(std::span<const std::uint8_t> request, const request_context& ctx) noexcept;
  // The typed entry: every batch item processed (Batch Error Continuation Option honoured), IDs echoed.
  kmip::model::response_message handle(const kmip::model::request_message& request,
                                       const request_context& ctx) noexcept;

  // The non-blocking entries (kmipd's KMIP sessions): the same answers as handle_bytes() and handle(), given to
  // `done` once everything the message wrote, or read, is durable and its audit records are written (and synced
  // where the sink's fsync policy says so). The calling thread never waits for an fdatasync: `done` runs at once
  // on this thread when nothing needs waiting, else on a syncer thread of the store or the audit sink, where it
  // must not block (post from there to where the answer belongs). `request` is read before these return; the
  // engine must outlive the completion. handle_bytes() and handle() are these, waited for.
  void handle_bytes_async(std::span<const std::uint8_t> request, const request_context& ctx,
                          std::function<void(common::secure_bytes)> done) noexcept;
  void handle_async(const kmip::model::request_message& request, const request_context& ctx,
                    std::function<void(kmip::model::response_message)> done) noexcept;

  // The store, for tests and for administrative tools running in-process.
  object_store& store() noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace kmipd::core
