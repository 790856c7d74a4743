// The typed face of the client: kmip/model messages in, typed responses out, one helper per operation.
//
// `execute(request)` sends any typed request payload as a batch of one in the client's protocol version and
// returns the matching typed response payload (response_for<Request>), or a client_error: operation_failed with
// the server's Result Status/Reason/Message, protocol when the answer is not a decodable response to that
// operation. Every operation of kmip::model::operation_table is therefore served by the same two functions; the
// named helpers below are the conversations vCenter and the harness need, written once on top of them.
// `exchange(message)` sends a whole batch and returns the whole response, for callers (vcenter_sim, check) that
// must control batch IDs, headers and item order.
//
// Each helper is a coroutine (async_*) for many connections on one io_context, with a blocking twin.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>
#include <type_traits>
#include <vector>

#include "kmip/client/client.hpp"
#include "kmip/model/message.hpp"

namespace kmip::client {

namespace detail {
template <class Request, class Table>
struct response_lookup;
template <class Request, class... Rows>
struct response_lookup<Request, model::operation_list<Rows...>> {
  using type = std::tuple_element_t<0, decltype(std::tuple_cat(
                                           std::declval<std::conditional_t<std::is_same_v<Request, typename Rows::request>,
                                                                           std::tuple<typename Rows::response>,
                                                                           std::tuple<>>>()...))>;
};
}  // namespace detail

// The response payload type of a typed request payload: response_for<model::create_request> is create_response.
template <class Request>
using response_for = typename detail::response_lookup<Request, model::operation_table>::type;

class typed_client {
 public:
  explicit typed_client(client& c) : client_(c) {}

  // ---- whole messages ----
  result<model::response_message> exchange(const model::request_message& request);
  boost::asio::awaitable<result<model::response_message>> async_exchange(const model::request_message& request);

  // ---- any operation: a batch of one ----
  result<model::response_payload> execute_payload(model::request_payload request);
  boost::asio::awaitable<result<model::response_payload>> async_execute_payload(model::request_payload request);

  template <class Request>
  result<response_for<Request>> execute(Request request) {
    return typed<Request>(execute_payload(std::move(request)));
  }
  template <class Request>
  boost::asio::awaitable<result<response_for<Request>>> async_execute(Request request) {
    co_return typed<Request>(co_await async_execute_payload(std::move(request)));
  }

  // ---- named helpers ----
  // Create a symmetric key, vCenter's way by default: AES, 256 bits, Encrypt|Decrypt, plus `extra` attributes.
  result<std::string> create_symmetric_key(spec::cryptographic_algorithm algorithm = spec::cryptographic_algorithm::aes,
                                           std::int32_t bits = 256,
                                           std::uint32_t usage_mask = spec::cryptographic_usage_mask::encrypt |
                                                                      spec::cryptographic_usage_mask::decrypt,
                                           std::vector<model::attribute> extra = {});
  result<model::get_response> get(std::string unique_identifier);
  // Attributes by name; none named: all of them. Absent attributes are simply not returned.
  result<std::vector<model::attribute>> get_attributes(std::string unique_identifier,
                                                       std::vector<std::string> names = {});
  result<std::vector<std::string>> get_attribute_list(std::string unique_identifier);
  result<void> add_attribute(std::string unique_identifier, model::attribute attribute);
  result<void> activate(std::string unique_identifier);
  result<void> revoke(std::string unique_identifier, spec::revocation_reason_code reason, std::string message = {});
  result<void> destroy(std::string unique_identifier);
  result<std::vector<std::string>> locate(std::vector<model::attribute> filters, std::optional<std::int32_t> maximum_items = {});
  result<model::query_response> query(std::vector<spec::query_function> functions);

  client& raw() noexcept { return client_; }

 private:
  template <class Request>
  static result<response_for<Request>> typed(result<model::response_payload> r) {
    if (!r) return common::unexpected{std::move(r).error()};
    if (auto* p = std::get_if<response_for<Request>>(&*r)) return std::move(*p);
    return common::unexpected{client_error{errc::protocol, "the response payload is not the operation's"}};
  }

  client& client_;
};

}  // namespace kmip::client
