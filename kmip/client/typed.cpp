#include "kmip/client/typed.hpp"

#include <exception>

namespace kmip::client {
namespace {

client_error failure(const model::response_batch_item& item, spec::operation op) {
  client_error e(errc::operation_failed, std::string(spec::name_of(op)) + ": " +
                                             std::string(spec::name_of(item.result_status)));
  e.result_status = item.result_status;
  e.result_reason = item.result_reason;
  if (item.result_reason) e.message += ", " + std::string(spec::name_of(*item.result_reason));
  if (item.result_message) e.message += ": " + *item.result_message;
  return e;
}

spec::operation operation_of_payload(const model::request_payload& p) {
  return std::visit(
      [](const auto& payload) -> spec::operation {
        using P = std::decay_t<decltype(payload)>;
        if constexpr (std::is_same_v<P, model::opaque>)
          return spec::operation{};
        else
          return model::operation_of<P>;
      },
      p);
}

}  // namespace

boost::asio::awaitable<result<model::response_message>> typed_client::async_exchange(
    const model::request_message& request) {
  auto bytes = model::to_bytes(request);
  if (!bytes) co_return common::unexpected{client_error{errc::protocol, "cannot encode the request: " + bytes.error().to_string()}};
  auto response = co_await client_.conn().async_exchange(*bytes);
  if (!response) co_return common::unexpected{std::move(response).error()};
  ttlv::decode_limits limits = client_.options().response_limits;
  limits.max_message_size = client_.conn().options().max_response_size;
  auto message = model::response_from_bytes(*response, {}, limits);
  if (!message)
    co_return common::unexpected{client_error{errc::protocol, "cannot decode the response: " + message.error().to_string()}};
  co_return std::move(*message);
}

result<model::response_message> typed_client::exchange(const model::request_message& request) {
  return client_.conn().block_on(async_exchange(request));
}

boost::asio::awaitable<result<model::response_payload>> typed_client::async_execute_payload(
    model::request_payload payload) {
  const spec::operation op = operation_of_payload(payload);
  model::request_message request;
  request.header.protocol_version = client_.options().protocol_version;
  model::request_batch_item item;
  item.operation = op;
  item.payload = std::move(payload);
  request.batch_items.push_back(std::move(item));
  auto response = co_await async_exchange(request);
  if (!response) co_return common::unexpected{std::move(response).error()};
  if (response->batch_items.size() != 1)
    co_return common::unexpected{client_error{
        errc::protocol, "a request of one batch item got " + std::to_string(response->batch_items.size())}};
  auto& answer = response->batch_items.front();
  if (answer.operation && *answer.operation != op)
    co_return common::unexpected{client_error{errc::protocol, "the response answers " +
                                                                  std::string(spec::name_of(*answer.operation)) +
                                                                  ", the request was " + std::string(spec::name_of(op))}};
  if (answer.result_status != spec::result_status::success) co_return common::unexpected{failure(answer, op)};
  if (!answer.payload) co_return common::unexpected{client_error{errc::protocol, "a successful response without a payload"}};
  co_return std::move(*answer.payload);
}

result<model::response_payload> typed_client::execute_payload(model::request_payload payload) {
  return client_.conn().block_on(async_execute_payload(std::move(payload)));
}

// ---- named helpers: each one request payload, executed ----

result<std::string> typed_client::create_symmetric_key(spec::cryptographic_algorithm algorithm, std::int32_t bits,
                                                       std::uint32_t usage_mask, std::vector<model::attribute> extra) {
  model::create_request r;
  r.object_type = spec::object_type::symmetric_key;
  auto& attributes = r.template_attribute.attributes;
  attributes.push_back(model::attr::cryptographic_algorithm(algorithm));
  attributes.push_back(model::attr::cryptographic_length(bits));
  attributes.push_back(model::attr::cryptographic_usage_mask(usage_mask));
  for (auto& a : extra) attributes.push_back(std::move(a));
  auto response = execute(std::move(r));
  if (!response) return common::unexpected{std::move(response).error()};
  return std::move(response->unique_identifier);
}

result<model::get_response> typed_client::get(std::string unique_identifier) {
  model::get_request r;
  r.unique_identifier = std::move(unique_identifier);
  return execute(std::move(r));
}

result<std::vector<model::attribute>> typed_client::get_attributes(std::string unique_identifier,
                                                                   std::vector<std::string> names) {
  model::get_attributes_request r;
  r.unique_identifier = std::move(unique_identifier);
  for (auto& n : names) r.attribute_references.push_back({std::move(n)});
  auto response = execute(std::move(r));
  if (!response) return common::unexpected{std::move(response).error()};
  return std::move(response->attributes);
}

result<std::vector<std::string>> typed_client::get_attribute_list(std::string unique_identifier) {
  model::get_attribute_list_request r;
  r.unique_identifier = std::move(unique_identifier);
  auto response = execute(std::move(r));
  if (!response) return common::unexpected{std::move(response).error()};
  std::vector<std::string> names;
  for (auto& ref : response->attribute_references) names.push_back(std::move(ref.name));
  return names;
}

result<void> typed_client::add_attribute(std::string unique_identifier, model::attribute attribute) {
  model::add_attribute_request r;
  r.unique_identifier = std::move(unique_identifier);
  r.attribute = std::move(attribute);
  auto response = execute(std::move(r));
  if (!response) return common::unexpected{std::move(response).error()};
  return {};
}

result<void> typed_client::activate(std::string unique_identifier) {
  model::activate_request r;
  r.unique_identifier = std::move(unique_identifier);
  auto response = execute(std::move(r));
  if (!response) return common::unexpected{std::move(response).error()};
  return {};
}

result<void> typed_client::revoke(std::string unique_identifier, spec::revocation_reason_code reason,
                                  std::string message) {
  model::revoke_request r;
  r.unique_identifier = std::move(unique_identifier);
  r.revocation_reason.code = reason;
  if (!message.empty()) r.revocation_reason.message = std::move(message);
  auto response = execute(std::move(r));
  if (!response) return common::unexpected{std::move(response).error()};
  return {};
}

result<void> typed_client::destroy(std::string unique_identifier) {
  model::destroy_request r;
  r.unique_identifier = std::move(unique_identifier);
  auto response = execute(std::move(r));
  if (!response) return common::unexpected{std::move(response).error()};
  return {};
}

result<std::vector<std::string>> typed_client::locate(std::vector<model::attribute> filters,
                                                      std::optional<std::int32_t> maximum_items) {
  model::locate_request r;
  r.attributes = std::move(filters);
  r.maximum_items = maximum_items;
  auto response = execute(std::move(r));
  if (!response) return common::unexpected{std::move(response).error()};
  return std::move(response->unique_identifiers);
}

result<model::query_response> typed_client::query(std::vector<spec::query_function> functions) {
  model::query_request r;
  r.query_functions = std::move(functions);
  return execute(std::move(r));
}

}  // namespace kmip::client
