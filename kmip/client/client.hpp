// The KMIP client: one helper per operation over a connection. Each helper builds a request message with a batch
// of one, exchanges it, checks that the response answers that operation and succeeded, and reads the payload.
//
// This layer speaks TTLV trees; kmip/client/typed.hpp adds the typed kmip/model messages and the per-operation
// helpers on top of it (typed_client).
//
// Every helper exists as a coroutine (async_, for many connections on one io_context) and as a blocking call (for a
// connection in blocking mode). Errors are client_error values; nothing throws across this API.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "kmip/client/connection.hpp"
#include "kmip/client/error.hpp"
#include "kmip/spec/spec.hpp"
#include "kmip/ttlv/decode_limits.hpp"
#include "kmip/ttlv/tree.hpp"

namespace kmip::client {

struct client_options {
  // Protocol Version of every Request Header. vCenter speaks 1.1 (reference/vcenter-kmip.md §2).
  spec::protocol_version protocol_version{1, 1};
  // Limits for decoding responses; max_message_size is taken from the connection's max_response_size.
  ttlv::decode_limits response_limits{};
};

// A response message whose single batch item answered the requested operation with Success.
class operation_response {
 public:
  operation_response(ttlv::tree message, std::optional<std::uint32_t> payload_index)
      : message_(std::move(message)), payload_index_(payload_index) {}

  // The whole decoded Response Message.
  const ttlv::tree& message() const { return message_; }
  // The batch item's Response Payload, when the server sent one. Valid while this object lives.
  std::optional<ttlv::item_view> payload() const;

 private:
  ttlv::tree message_;
  std::optional<std::uint32_t> payload_index_;
};

// Writes the children of a Request Payload (the structure itself is opened and closed by the caller).
using payload_writer = std::function<void(ttlv::tree&)>;

// A request message with one batch item (KMIP 1.x §7.2): Request Header (Protocol Version, Batch Count 1), Batch
// Item (Operation, Request Payload holding what `write_payload` writes; an empty payload when it is null).
ttlv::tree make_request(spec::protocol_version version, spec::operation op, const payload_writer& write_payload);

// Checks a decoded message: a Response Message whose first batch item answers `op` (when it names an operation)
// with Result Status Success. Errors: errc::protocol (not such a message) or errc::operation_failed (with the
// server's Result Status, Result Reason and Result Message).
result<operation_response> check_response(ttlv::tree message, spec::operation op);

class client {
 public:
  explicit client(connection conn, client_options options = {});

  connection& conn() noexcept { return conn_; }
  const connection& conn() const noexcept { return conn_; }
  const client_options& options() const noexcept { return options_; }

  // ---- any message ----
  // Encodes `request`, exchanges it, decodes the response (whatever its Result Status).
  // REQUIRES (async): `request` outlives the operation.
  result<ttlv::tree> exchange_tree(const ttlv::tree& request);
  boost::asio::awaitable<result<ttlv::tree>> async_exchange_tree(const ttlv::tree& request);

  // ---- one operation ----
  // make_request() with this client's protocol version, exchange, check_response().
  result<operation_response> call(spec::operation op, payload_writer write_payload = {});
  boost::asio::awaitable<result<operation_response>> async_call(spec::operation op, payload_writer write_payload = {});

  // ---- operations ----
  // Discover Versions (KMIP 1.1 §4.26): the versions the server supports, in its order of preference. With
  // `offered` empty the server lists all it supports (vCenter's first request on every connection); otherwise
  // it lists those of `offered` it supports.
  result<std::vector<spec::protocol_version>> discover_versions(std::vector<spec::protocol_version> offered = {});
  boost::asio::awaitable<result<std::vector<spec::protocol_version>>> async_discover_versions(
      std::vector<spec::protocol_version> offered = {});

 private:
  connection conn_;
  client_options options_;
};

}  // namespace kmip::client
