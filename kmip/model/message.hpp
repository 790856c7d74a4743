// Typed KMIP request and response messages: headers, batch items, payloads; and the functions that turn them
// into TTLV trees (and bytes) and back (1.x §6–7, 2.1 §8–9).
//
// Encoding is version-aware: the header's Protocol Version picks the 1.x or 2.x form of every payload
// (Template-Attribute or Attributes, Attribute Name or Attribute Reference, ...), and a field or operation
// that does not exist in that version is refused with an error naming it. Batch Count is not stored: encoding
// writes the number of batch items, decoding checks it.
//
// Decoding is strict where the spec is (types, required fields, Batch Count) and lenient where real clients
// deviate but the meaning is clear (see decode_options). Errors are values (error.hpp); nothing here throws
// except std::bad_alloc.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "common/secure.hpp"
#include "kmip/model/description.hpp"
#include "kmip/model/error.hpp"
#include "kmip/model/objects.hpp"
#include "kmip/model/payloads.hpp"
#include "kmip/model/values.hpp"
#include "kmip/spec/spec.hpp"
#include "kmip/ttlv/decode_limits.hpp"
#include "kmip/ttlv/tree.hpp"

namespace kmip::model {

// ---- headers ------------------------------------------------------------------------------------------------
// Request Header (1.x §7.2 Table 282, 2.1 §8.2). Batch Count is written by encode().
struct request_header {
  spec::protocol_version protocol_version{1, 1};
  std::optional<std::int32_t> maximum_response_size{};
  std::optional<std::string> client_correlation_value{};  // 1.4
  std::optional<std::string> server_correlation_value{};  // 1.4
  // Boolean in 1.x; an Enumeration (Mandatory, Optional, Prohibited) in 2.x (2.1 §9.2).
  std::optional<std::variant<bool, spec::asynchronous_indicator>> asynchronous_indicator{};
  std::optional<bool> attestation_capable_indicator{};      // 1.2
  std::vector<spec::attestation_type> attestation_types{};  // 1.2
  std::optional<model::authentication> authentication{};
  std::optional<spec::batch_error_continuation_option> batch_error_continuation_option{};
  std::optional<bool> batch_order_option{};
  std::optional<date_time> time_stamp{};
  unknown_items unknown_fields{};
};
template <>
struct description<request_header> {
  using s = request_header;
  using enum spec::version;
  static constexpr auto fields = std::tuple{
      field(spec::tag::protocol_version, &s::protocol_version),
      field(spec::tag::maximum_response_size, &s::maximum_response_size),
      field(spec::tag::client_correlation_value, &s::client_correlation_value).since(v1_4),
      field(spec::tag::server_correlation_value, &s::server_correlation_value).since(v1_4),
      field(spec::tag::asynchronous_indicator, &s::asynchronous_indicator),
      field(spec::tag::attestation_capable_indicator, &s::attestation_capable_indicator).since(v1_2),
      field(spec::tag::attestation_type, &s::attestation_types).since(v1_2),
      field(spec::tag::authentication, &s::authentication),
      field(spec::tag::batch_error_continuation_option, &s::batch_error_continuation_option),
      field(spec::tag::batch_order_option, &s::batch_order_option),
      field(spec::tag::time_stamp, &s::time_stamp),
  };
};

// Response Header (1.x §7.2 Table 284, 2.1 §8.5). Batch Count is written by encode().
struct response_header {
  spec::protocol_version protocol_version{1, 1};
  date_time time_stamp{};
  std::optional<opaque> nonce{};                                      // 1.2
  std::optional<std::vector<std::uint8_t>> server_hashed_password{};  // 2.0
  std::vector<spec::attestation_type> attestation_types{};            // 1.2
  std::optional<std::string> client_correlation_value{};              // 1.4
  std::optional<std::string> server_correlation_value{};              // 1.4
  unknown_items unknown_fields{};
};
template <>
struct description<response_header> {
  using s = response_header;
  using enum spec::version;
  static constexpr auto fields = std::tuple{
      field(spec::tag::protocol_version, &s::protocol_version),
      field(spec::tag::time_stamp, &s::time_stamp),
      field(spec::tag::nonce, &s::nonce).since(v1_2),
      field(spec::tag::server_hashed_password, &s::server_hashed_password).since(v2_0),
      field(spec::tag::attestation_type, &s::attestation_types).since(v1_2),
      field(spec::tag::client_correlation_value, &s::client_correlation_value).since(v1_4),
      field(spec::tag::server_correlation_value, &s::server_correlation_value).since(v1_4),
  };
};

// ---- batch items --------------------------------------------------------------------------------------------
// Request Batch Item (1.x §7.2 Table 283, 2.1 §8.3). The payload's type must match the Operation (typed
// payloads), or be opaque.
struct request_batch_item {
  spec::operation operation{};
  std::optional<bool> ephemeral{};                                  // 2.0
  std::optional<std::vector<std::uint8_t>> unique_batch_item_id{};  // required when Batch Count > 1
  request_payload payload{};
  std::vector<opaque> message_extensions{};
  unknown_items unknown_fields{};
  // Set by decoding with decode_options::item_errors_in_place when this item's payload did not decode;
  // the payload is then kept opaque. Never encoded.
  std::optional<model::error> decode_error{};
};
template <>
struct description<request_batch_item> {
  using s = request_batch_item;
  static constexpr auto fields = std::tuple{
      field(spec::tag::operation, &s::operation),
      field(spec::tag::ephemeral, &s::ephemeral).since(spec::version::v2_0),
      field(spec::tag::unique_batch_item_id, &s::unique_batch_item_id),
      field(spec::tag::request_payload, &s::payload),
      field(spec::tag::message_extension, &s::message_extensions),
  };
};

// A batch item for a typed payload, its Operation taken from the payload type.
template <class Payload>
request_batch_item make_request_item(Payload payload, std::optional<std::vector<std::uint8_t>> id = {}) {
  request_batch_item item{};
  item.operation = operation_of<Payload>;
  item.unique_batch_item_id = std::move(id);
  item.payload = std::move(payload);
  return item;
}

// Response Batch Item (1.x §7.2 Table 285, 2.1 §8.6). No payload on failure.
struct response_batch_item {
  std::optional<spec::operation> operation{};
  std::optional<std::vector<std::uint8_t>> unique_batch_item_id{};
  spec::result_status result_status = spec::result_status::success;
  std::optional<spec::result_reason> result_reason{};
  std::optional<std::string> result_message{};
  std::optional<std::vector<std::uint8_t>> asynchronous_correlation_value{};
  std::optional<response_payload> payload{};
  std::vector<opaque> message_extensions{};
  unknown_items unknown_fields{};
  std::optional<model::error> decode_error{};  // as in request_batch_item
};
template <>
struct description<response_batch_item> {
  using s = response_batch_item;
  static constexpr auto fields = std::tuple{
      field(spec::tag::operation, &s::operation),
      field(spec::tag::unique_batch_item_id, &s::unique_batch_item_id),
      field(spec::tag::result_status, &s::result_status),
      field(spec::tag::result_reason, &s::result_reason),
      field(spec::tag::result_message, &s::result_message),
      field(spec::tag::asynchronous_correlation_value, &s::asynchronous_correlation_value),
      field(spec::tag::response_payload, &s::payload),
      field(spec::tag::message_extension, &s::message_extensions),
  };
};

// A successful response item for a typed payload.
template <class Payload>
response_batch_item make_response_item(Payload payload, std::optional<std::vector<std::uint8_t>> id = {}) {
  response_batch_item item{};
  item.operation = operation_of<Payload>;
  item.unique_batch_item_id = std::move(id);
  item.payload = std::move(payload);
  return item;
}

// A failed response item (Result Status Operation Failed).
response_batch_item make_failure_item(std::optional<spec::operation> operation, spec::result_reason reason,
                                      std::string message, std::optional<std::vector<std::uint8_t>> id = {});

// ---- messages -----------------------------------------------------------------------------------------------
struct request_message {
  request_header header{};
  std::vector<request_batch_item> batch_items{};
};

struct response_message {
  response_header header{};
  std::vector<response_batch_item> batch_items{};
};

struct decode_options {
  // An item a payload, header or batch item does not define (or not in this protocol version) is kept in
  // its unknown_fields and re-encoded as it came; false makes it an Invalid Field / Invalid Message error.
  bool keep_unknown_fields = true;
  // Also refuse what the spec forbids but clients get away with: fields out of order, enumeration values
  // neither in the spec nor in the extension range, missing Unique Batch Item IDs when Batch Count > 1,
  // a failed Result Status without a Result Reason.
  bool strict = false;
  // A batch item whose payload does not decode keeps it opaque and records the error in decode_error,
  // instead of failing the whole message; a server then answers that item alone with the error's reason.
  bool item_errors_in_place = false;
};

// The protocol version whose rules apply to a header's Protocol Version: the version itself, or for a
// newer minor than this project knows, the newest it knows of that major (2.x and later: 2.1).
// nullopt for majors below 1.
std::optional<spec::version> effective_version(spec::protocol_version pv);

result<ttlv::tree> encode(const request_message& message);
result<ttlv::tree> encode(const response_message& message);
result<request_message> decode_request(const ttlv::tree& tree, const decode_options& options = {});
result<response_message> decode_response(const ttlv::tree& tree, const decode_options& options = {});

// Through the binary codec (kmip/ttlv). Framing errors come back as Invalid Message errors.
result<common::secure_bytes> to_bytes(const request_message& message);
result<common::secure_bytes> to_bytes(const response_message& message);
result<request_message> request_from_bytes(std::span<const std::uint8_t> bytes, const decode_options& options = {},
                                           const ttlv::decode_limits& limits = {});
result<response_message> response_from_bytes(std::span<const std::uint8_t> bytes, const decode_options& options = {},
                                             const ttlv::decode_limits& limits = {});

}  // namespace kmip::model
