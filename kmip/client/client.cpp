// Request building, response checking and the operation helpers of client.hpp, written against ttlv::tree until
// kmip/model provides typed payloads. Section numbers are KMIP 1.1 (the version vCenter speaks).
#include "kmip/client/client.hpp"

#include <string>

#include "kmip/ttlv/reader.hpp"
#include "kmip/ttlv/writer.hpp"

namespace kmip::client {
namespace {

using spec::tag;
using ttlv::item_type;
using ttlv::item_view;

client_error protocol_error(std::string m) { return client_error{errc::protocol, std::move(m)}; }

std::string hex(std::uint32_t v, int digits) {
  static constexpr char hex_digits[] = "0123456789ABCDEF";
  std::string s = "0x";
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) s += hex_digits[(v >> shift) & 0xF];
  return s;
}
std::string hex_tag(std::uint32_t t) { return hex(t, 6); }

std::string tag_name(std::uint32_t t) {
  if (const spec::tag_info* info = spec::find_tag(t)) return std::string(info->name);
  return hex_tag(t);
}

// The spec name of an enumerator, or its value in hex when the table does not know it.
template <class Enum>
std::string enum_name(Enum v) {
  const std::string_view name = spec::name_of(v);
  return name.empty() ? hex(static_cast<std::uint32_t>(v), 8) : std::string(name);
}
std::string operation_name(spec::operation op) { return enum_name(op); }

// A child of `parent` with this tag and type, or nullopt. Servers send what they send: check types before
// reading values (item_view's accessors assert on the type).
std::optional<item_view> child(item_view parent, tag t, item_type type) {
  auto c = parent.find(t);
  if (!c || c->type() != type || c->is_placeholder()) return std::nullopt;
  return c;
}

// The one root for exceptions in the coroutines below (std::bad_alloc, in practice): a value, like every error.
client_error unexpected_exception(const std::exception& e) {
  return client_error{errc::io, std::string("internal error: ") + e.what()};
}

}  // namespace

std::optional<ttlv::item_view> operation_response::payload() const {
  if (!payload_index_) return std::nullopt;
  return ttlv::item_view(message_, *payload_index_);
}

// §7.2 Request Message: Request Header, then Batch Count batch items.
ttlv::tree make_request(spec::protocol_version version, spec::operation op, const payload_writer& write_payload) {
  ttlv::tree t;
  t.begin_structure(tag::request_message);
  t.begin_structure(tag::request_header);
  t.begin_structure(tag::protocol_version);
  t.add_integer(tag::protocol_version_major, version.major);
  t.add_integer(tag::protocol_version_minor, version.minor);
  t.end_structure();
  t.add_integer(tag::batch_count, 1);
  t.end_structure();
  t.begin_structure(tag::batch_item);
  t.add_enum(tag::operation, op);
  t.begin_structure(tag::request_payload);
  if (write_payload) write_payload(t);
  t.end_structure();
  t.end_structure();
  t.end_structure();
  return t;
}

namespace {

// §7.2 Response Message; §6.9-6.11 Result Status, Result Reason, Result Message.
result<operation_response> check_response_impl(ttlv::tree message, spec::operation op) {
  if (message.empty()) return common::unexpected{protocol_error("empty response")};
  const item_view root = message.root();
  if (!root.is(tag::response_message) || root.type() != item_type::structure)
    return common::unexpected{
        protocol_error("expected a Response Message, got " + tag_name(root.tag()) + " (" + hex_tag(root.tag()) + ")")};
  if (!child(root, tag::response_header, item_type::structure))
    return common::unexpected{protocol_error("Response Message without a Response Header")};
  auto item = child(root, tag::batch_item, item_type::structure);
  if (!item) return common::unexpected{protocol_error("Response Message without a Batch Item")};

  // Operation is required in the response only when the request had one; it did, so check it when present.
  if (auto answered = item->find(tag::operation)) {
    if (answered->type() != item_type::enumeration)
      return common::unexpected{protocol_error("Batch Item Operation is not an Enumeration")};
    if (answered->as_enumeration() != static_cast<std::uint32_t>(op))
      return common::unexpected{protocol_error("response answers operation " +
                                               operation_name(static_cast<spec::operation>(answered->as_enumeration())) +
                                               ", the request was " + operation_name(op))};
  }
  auto status = child(*item, tag::result_status, item_type::enumeration);
  if (!status) return common::unexpected{protocol_error("Batch Item without a Result Status")};
  const auto status_value = static_cast<spec::result_status>(status->as_enumeration());
  if (status_value != spec::result_status::success) {
    client_error e(errc::operation_failed, operation_name(op) + ": " + enum_name(status_value));
    e.result_status = status_value;
    if (auto reason = child(*item, tag::result_reason, item_type::enumeration)) {
      e.result_reason = static_cast<spec::result_reason>(reason->as_enumeration());
      e.message += ", " + enum_name(*e.result_reason);
    }
    if (auto text = child(*item, tag::result_message, item_type::text_string))
      e.message += ": " + std::string(text->as_text());
    return common::unexpected{std::move(e)};
  }
  std::optional<std::uint32_t> payload;
  if (auto p = child(*item, tag::response_payload, item_type::structure)) payload = p->index();
  return operation_response(std::move(message), payload);
}

}  // namespace

result<operation_response> check_response(ttlv::tree message, spec::operation op) {
  try {
    return check_response_impl(std::move(message), op);
  } catch (const std::exception& e) {
    return common::unexpected{unexpected_exception(e)};
  }
}

namespace {

// The Protocol Versions of a Discover Versions response payload (none when there is no payload).
result<std::vector<spec::protocol_version>> read_versions(const operation_response& response) {
  std::vector<spec::protocol_version> versions;
  const auto payload = response.payload();
  if (!payload) return versions;
  for (const item_view v : payload->children()) {
    if (!v.is(tag::protocol_version)) continue;
    auto major = v.type() == item_type::structure ? child(v, tag::protocol_version_major, item_type::integer)
                                                  : std::nullopt;
    auto minor = v.type() == item_type::structure ? child(v, tag::protocol_version_minor, item_type::integer)
                                                  : std::nullopt;
    if (!major || !minor)
      return common::unexpected{
          protocol_error("Discover Versions response has a Protocol Version without Integer major and minor")};
    versions.push_back({major->as_integer(), minor->as_integer()});
  }
  return versions;
}

}  // namespace

client::client(connection conn, client_options options) : conn_(std::move(conn)), options_(options) {}

boost::asio::awaitable<result<ttlv::tree>> client::async_exchange_tree(const ttlv::tree& request) {
  try {
    if (request.empty()) co_return common::unexpected{protocol_error("refusing to send an empty tree")};
    auto bytes = ttlv::encode(request);
    if (!bytes)
      co_return common::unexpected{
          client_error{errc::protocol, "cannot encode the request: " + bytes.error().message()}};
    auto response = co_await conn_.async_exchange(*bytes);
    if (!response) co_return common::unexpected{std::move(response).error()};
    ttlv::decode_limits limits = options_.response_limits;
    limits.max_message_size = conn_.options().max_response_size;
    auto tree = ttlv::decode_message(*response, limits);
    if (!tree) {
      client_error e(errc::protocol, "cannot decode the response: " + tree.error().message());
      e.codec = tree.error().code;
      co_return common::unexpected{std::move(e)};
    }
    co_return std::move(*tree);
  } catch (const std::exception& e) {
    co_return common::unexpected{unexpected_exception(e)};
  }
}

result<ttlv::tree> client::exchange_tree(const ttlv::tree& request) {
  return conn_.block_on(async_exchange_tree(request));
}

boost::asio::awaitable<result<operation_response>> client::async_call(spec::operation op, payload_writer write_payload) {
  try {
    const ttlv::tree request = make_request(options_.protocol_version, op, write_payload);
    auto response = co_await async_exchange_tree(request);
    if (!response) co_return common::unexpected{std::move(response).error()};
    co_return check_response(std::move(*response), op);
  } catch (const std::exception& e) {
    co_return common::unexpected{unexpected_exception(e)};
  }
}

result<operation_response> client::call(spec::operation op, payload_writer write_payload) {
  return conn_.block_on(async_call(op, std::move(write_payload)));
}

// §4.26 Discover Versions: the request payload lists Protocol Versions the client offers (none: "tell me all"),
// the response payload those the server supports, in its order of preference.
boost::asio::awaitable<result<std::vector<spec::protocol_version>>> client::async_discover_versions(
    std::vector<spec::protocol_version> offered) {
  try {
    auto response = co_await async_call(spec::operation::discover_versions, [&offered](ttlv::tree& t) {
      for (const spec::protocol_version& v : offered) {
        t.begin_structure(tag::protocol_version);
        t.add_integer(tag::protocol_version_major, v.major);
        t.add_integer(tag::protocol_version_minor, v.minor);
        t.end_structure();
      }
    });
    if (!response) co_return common::unexpected{std::move(response).error()};
    co_return read_versions(*response);
  } catch (const std::exception& e) {
    co_return common::unexpected{unexpected_exception(e)};
  }
}

result<std::vector<spec::protocol_version>> client::discover_versions(std::vector<spec::protocol_version> offered) {
  return conn_.block_on(async_discover_versions(std::move(offered)));
}

}  // namespace kmip::client
