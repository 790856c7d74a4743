// The one dispatch table: a row per operation, each adapting the typed handler to the common signature.
#include "server/core/operations/operations.hpp"

#include <array>
#include <variant>

namespace kmipd::core {
namespace {

template <class Request, op_result (*Handler)(operation_context&, const Request&)>
op_result adapt(operation_context& ctx, const kmip::model::request_payload& payload) {
  if (const auto* r = std::get_if<Request>(&payload)) return Handler(ctx, *r);
  return fail(kmip::spec::result_reason::invalid_message, "the request payload does not match the operation");
}

template <kmip::spec::operation Op, class Request, op_result (*Handler)(operation_context&, const Request&)>
constexpr operation_entry row() {
  return {Op, &adapt<Request, Handler>};
}

namespace ops = operations;
namespace m = kmip::model;
using op = kmip::spec::operation;

constexpr std::array table{
    row<op::discover_versions, m::discover_versions_request, &ops::discover_versions>(),
    row<op::query, m::query_request, &ops::query>(),
    row<op::create, m::create_request, &ops::create>(),
    row<op::register_, m::register_request, &ops::register_>(),
    row<op::re_key, m::re_key_request, &ops::re_key>(),
    row<op::locate, m::locate_request, &ops::locate>(),
    row<op::check, m::check_request, &ops::check>(),
    row<op::get, m::get_request, &ops::get>(),
    row<op::get_attributes, m::get_attributes_request, &ops::get_attributes>(),
    row<op::get_attribute_list, m::get_attribute_list_request, &ops::get_attribute_list>(),
    row<op::add_attribute, m::add_attribute_request, &ops::add_attribute>(),
    row<op::modify_attribute, m::modify_attribute_request, &ops::modify_attribute>(),
    row<op::delete_attribute, m::delete_attribute_request, &ops::delete_attribute>(),
    row<op::set_attribute, m::set_attribute_request, &ops::set_attribute>(),
    row<op::activate, m::activate_request, &ops::activate>(),
    row<op::revoke, m::revoke_request, &ops::revoke>(),
    row<op::destroy, m::destroy_request, &ops::destroy>(),
};

}  // namespace

std::span<const operation_entry> operation_table() { return table; }

const operation_entry* find_operation(kmip::spec::operation o) {
  for (const auto& e : table)
    if (e.operation == o) return &e;
  return nullptr;
}

}  // namespace kmipd::core
