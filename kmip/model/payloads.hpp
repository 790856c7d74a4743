// One request and one response payload struct per operation, each with its field description beside it, and
// the one table that maps operations to payload types (`operation_table`, at the end).
//
// Field lists follow KMIP 1.4 §4 and 2.1 §6.1; each description marks what a version added or dropped, so
// one typed payload encodes in either form: Template-Attribute (1.x) vs Attributes (2.x), Attribute Name
// (1.x) vs Attribute Reference (2.x), Attribute (1.x) vs New Attribute (2.x), and so on. Operations missing
// from the table travel as opaque payloads.
//
// Adding an operation: its two structs and their descriptions here, and one row in operation_table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

#include "kmip/model/attribute.hpp"
#include "kmip/model/description.hpp"
#include "kmip/model/objects.hpp"
#include "kmip/model/values.hpp"
#include "kmip/spec/spec.hpp"

namespace kmip::model {

// Every payload keeps the fields this layer does not know in `unknown_fields` (decode_options decides
// whether they are kept or refused); encoding writes them after the known ones.
using unknown_items = std::vector<opaque>;

// ---- payloads that only name an object (Activate, Destroy, Get Attribute List, ...) -------------------------
// Request: Unique Identifier, optional (the ID Placeholder is used when absent). 1.x §4.19, 2.1 §6.1.1, ...
template <spec::operation Op>
struct unique_identifier_request {
  std::optional<model::unique_identifier> unique_identifier{};
  unknown_items unknown_fields{};
};
template <spec::operation Op>
struct description<unique_identifier_request<Op>> {
  static constexpr auto fields = std::tuple{
      field(spec::tag::unique_identifier, &unique_identifier_request<Op>::unique_identifier),
  };
};

// Response: Unique Identifier of the object acted on.
template <spec::operation Op>
struct unique_identifier_response {
  std::string unique_identifier{};
  unknown_items unknown_fields{};
};
template <spec::operation Op>
struct description<unique_identifier_response<Op>> {
  static constexpr auto fields = std::tuple{
      field(spec::tag::unique_identifier, &unique_identifier_response<Op>::unique_identifier),
  };
};

// ---- Discover Versions (1.x §4.26, 2.1 §6.1.16) -------------------------------------------------------------
struct discover_versions_request {
  std::vector<spec::protocol_version> protocol_versions{};  // empty: "tell me all you support"
  unknown_items unknown_fields{};
};
template <>
struct description<discover_versions_request> {
  static constexpr auto fields = std::tuple{
      field(spec::tag::protocol_version, &discover_versions_request::protocol_versions),
  };
};

struct discover_versions_response {
  std::vector<spec::protocol_version> protocol_versions{};  // newest first
  unknown_items unknown_fields{};
};
template <>
struct description<discover_versions_response> {
  static constexpr auto fields = std::tuple{
      field(spec::tag::protocol_version, &discover_versions_response::protocol_versions),
  };
};

// ---- Query (1.x §4.25, 2.1 §6.1.40) ------------------------------------------------------------------------
struct query_request {
  std::vector<spec::query_function> query_functions{};
  std::optional<opaque> object_groups{};  // 2.1: Object Groups { Object Group... }
  unknown_items unknown_fields{};
};
template <>
struct description<query_request> {
  static constexpr auto fields = std::tuple{
      field(spec::tag::query_function, &query_request::query_functions).mandatory(),
      field(spec::tag::object_groups, &query_request::object_groups).since(spec::version::v2_1),
  };
};

struct query_response {
  std::vector<spec::operation> operations{};
  std::vector<spec::object_type> object_types{};
  std::optional<std::string> vendor_identification{};
  std::optional<opaque> server_information{};
  std::vector<std::string> application_namespaces{};
  std::vector<opaque> extension_information{};
  std::vector<spec::attestation_type> attestation_types{};
  std::vector<opaque> rng_parameters{};
  std::vector<opaque> profile_information{};
  std::vector<opaque> validation_information{};
  std::vector<opaque> capability_information{};
  std::vector<spec::client_registration_method> client_registration_methods{};
  std::optional<opaque> defaults_information{};
  std::optional<model::protection_storage_masks> protection_storage_masks{};
  unknown_items unknown_fields{};
};
template <>
struct description<query_response> {
  using s = query_response;
  using enum spec::version;
  static constexpr auto fields = std::tuple{
      field(spec::tag::operation, &s::operations),
      field(spec::tag::object_type, &s::object_types),
      field(spec::tag::vendor_identification, &s::vendor_identification),
      field(spec::tag::server_information, &s::server_information),
      field(spec::tag::application_namespace, &s::application_namespaces),
      field(spec::tag::extension_information, &s::extension_information).since(v1_1),
      field(spec::tag::attestation_type, &s::attestation_types).since(v1_2),
      field(spec::tag::rng_parameters, &s::rng_parameters).since(v1_3),
      field(spec::tag::profile_information, &s::profile_information).since(v1_3),
      field(spec::tag::validation_information, &s::validation_information).since(v1_3),
      field(spec::tag::capability_information, &s::capability_information).since(v1_3),
      field(spec::tag::client_registration_method, &s::client_registration_methods).since(v1_3),
      field(spec::tag::defaults_information, &s::defaults_information).since(v2_0),
      field(spec::tag::protection_storage_masks, &s::protection_storage_masks).since(v2_0),
  };
};

// ---- Create (1.x §4.1, 2.1 §6.1.8) -------------------------------------------------------------------------
struct create_request {
  spec::object_type object_type = spec::object_type::symmetric_key;
  model::template_attribute template_attribute{};  // 1.x Template-Attribute, 2.x Attributes
  std::optional<model::protection_storage_masks> protection_storage_masks{};
  unknown_items unknown_fields{};
};
template <>
struct description<create_request> {
  using s = create_request;
  static constexpr auto fields = std::tuple{
      field(spec::tag::object_type, &s::object_type),
      field(spec::tag::template_attribute, &s::template_attribute).in_v2_as(spec::tag::attributes),
      field(spec::tag::protection_storage_masks, &s::protection_storage_masks).since(spec::version::v2_0),
  };
};

struct create_response {
  spec::object_type object_type = spec::object_type::symmetric_key;
  std::string unique_identifier{};
  std::optional<model::template_attribute> template_attribute{};  // 1.x: attributes the server set implicitly
  unknown_items unknown_fields{};
};
template <>
struct description<create_response> {
  using s = create_response;
  static constexpr auto fields = std::tuple{
      field(spec::tag::object_type, &s::object_type),
      field(spec::tag::unique_identifier, &s::unique_identifier),
      field(spec::tag::template_attribute, &s::template_attribute).until(spec::version::v1_4),
  };
};

// ---- Register (1.x §4.3, 2.1 §6.1.43) ----------------------------------------------------------------------
struct register_request {
  spec::object_type object_type = spec::object_type::symmetric_key;
  model::template_attribute template_attribute{};
  managed_object object{};
  std::optional<model::protection_storage_masks> protection_storage_masks{};
  unknown_items unknown_fields{};
};
template <>
struct description<register_request> {
  using s = register_request;
  static constexpr auto fields = std::tuple{
      field(spec::tag::object_type, &s::object_type),
      field(spec::tag::template_attribute, &s::template_attribute).in_v2_as(spec::tag::attributes),
      field(spec::tag::symmetric_key, &s::object),  // any object tag: the codec matches the object's own
      field(spec::tag::protection_storage_masks, &s::protection_storage_masks).since(spec::version::v2_0),
  };
};

struct register_response {
  std::string unique_identifier{};
  std::optional<model::template_attribute> template_attribute{};
  unknown_items unknown_fields{};
};
template <>
struct description<register_response> {
  using s = register_response;
  static constexpr auto fields = std::tuple{
      field(spec::tag::unique_identifier, &s::unique_identifier),
      field(spec::tag::template_attribute, &s::template_attribute).until(spec::version::v1_4),
  };
};

// ---- Re-key (1.x §4.4, 2.1 §6.1.46) ------------------------------------------------------------------------
struct re_key_request {
  std::optional<model::unique_identifier> unique_identifier{};
  std::optional<interval> offset{};
  std::optional<model::template_attribute> template_attribute{};
  std::optional<model::protection_storage_masks> protection_storage_masks{};
  unknown_items unknown_fields{};
};
template <>
struct description<re_key_request> {
  using s = re_key_request;
  static constexpr auto fields = std::tuple{
      field(spec::tag::unique_identifier, &s::unique_identifier),
      field(spec::tag::offset, &s::offset),
      field(spec::tag::template_attribute, &s::template_attribute).in_v2_as(spec::tag::attributes),
      field(spec::tag::protection_storage_masks, &s::protection_storage_masks).since(spec::version::v2_0),
  };
};

struct re_key_response {
  std::string unique_identifier{};
  std::optional<model::template_attribute> template_attribute{};
  unknown_items unknown_fields{};
};
template <>
struct description<re_key_response> {
  using s = re_key_response;
  static constexpr auto fields = std::tuple{
      field(spec::tag::unique_identifier, &s::unique_identifier),
      field(spec::tag::template_attribute, &s::template_attribute).until(spec::version::v1_4),
  };
};

// ---- Locate (1.x §4.9, 2.1 §6.1.28) ------------------------------------------------------------------------
struct locate_request {
  std::optional<std::int32_t> maximum_items{};
  std::optional<std::int32_t> offset_items{};
  std::optional<std::uint32_t> storage_status_mask{};  // spec::storage_status_mask bits
  std::optional<spec::object_group_member> object_group_member{};
  std::vector<attribute> attributes{};  // 1.x Attribute items, 2.x one Attributes structure
  unknown_items unknown_fields{};
};
template <>
struct description<locate_request> {
  using s = locate_request;
  using enum spec::version;
  static constexpr auto fields = std::tuple{
      field(spec::tag::maximum_items, &s::maximum_items),
      field(spec::tag::offset_items, &s::offset_items).since(v1_3),
      field(spec::tag::storage_status_mask, &s::storage_status_mask),
      field(spec::tag::object_group_member, &s::object_group_member).since(v1_1),
      field(spec::tag::attribute, &s::attributes).in_v2_as(spec::tag::attributes).required_in(version_set::v2x()),
  };
};

struct locate_response {
  std::optional<std::int32_t> located_items{};
  std::vector<std::string> unique_identifiers{};
  unknown_items unknown_fields{};
};
template <>
struct description<locate_response> {
  static constexpr auto fields = std::tuple{
      field(spec::tag::located_items, &locate_response::located_items).since(spec::version::v1_3),
      field(spec::tag::unique_identifier, &locate_response::unique_identifiers),
  };
};

// ---- Check (1.x §4.10, 2.1 §6.1.7) -------------------------------------------------------------------------
struct check_request {
  std::optional<model::unique_identifier> unique_identifier{};
  std::optional<std::int64_t> usage_limits_count{};
  std::optional<std::uint32_t> cryptographic_usage_mask{};
  std::optional<interval> lease_time{};
  unknown_items unknown_fields{};
};
template <>
struct description<check_request> {
  using s = check_request;
  static constexpr auto fields = std::tuple{
      field(spec::tag::unique_identifier, &s::unique_identifier),
      field(spec::tag::usage_limits_count, &s::usage_limits_count),
      field(spec::tag::cryptographic_usage_mask, &s::cryptographic_usage_mask),
      field(spec::tag::lease_time, &s::lease_time),
  };
};

struct check_response {
  std::string unique_identifier{};
  std::optional<std::int64_t> usage_limits_count{};
  std::optional<std::uint32_t> cryptographic_usage_mask{};
  std::optional<interval> lease_time{};
  unknown_items unknown_fields{};
};
template <>
struct description<check_response> {
  using s = check_response;
  static constexpr auto fields = std::tuple{
      field(spec::tag::unique_identifier, &s::unique_identifier),
      field(spec::tag::usage_limits_count, &s::usage_limits_count),
      field(spec::tag::cryptographic_usage_mask, &s::cryptographic_usage_mask),
      field(spec::tag::lease_time, &s::lease_time),
  };
};

// ---- Get (1.x §4.11, 2.1 §6.1.19) --------------------------------------------------------------------------
struct get_request {
  std::optional<model::unique_identifier> unique_identifier{};
  std::optional<spec::key_format_type> key_format_type{};
  std::optional<spec::key_wrap_type> key_wrap_type{};
  std::optional<spec::key_compression_type> key_compression_type{};
  std::optional<model::key_wrapping_specification> key_wrapping_specification{};
  unknown_items unknown_fields{};
};
template <>
struct description<get_request> {
  using s = get_request;
  static constexpr auto fields = std::tuple{
      field(spec::tag::unique_identifier, &s::unique_identifier),
      field(spec::tag::key_format_type, &s::key_format_type),
      field(spec::tag::key_wrap_type, &s::key_wrap_type).since(spec::version::v1_4),
      field(spec::tag::key_compression_type, &s::key_compression_type),
      field(spec::tag::key_wrapping_specification, &s::key_wrapping_specification),
  };
};

struct get_response {
  spec::object_type object_type = spec::object_type::symmetric_key;
  std::string unique_identifier{};
  managed_object object{};
  unknown_items unknown_fields{};
};
template <>
struct description<get_response> {
  using s = get_response;
  static constexpr auto fields = std::tuple{
      field(spec::tag::object_type, &s::object_type), field(spec::tag::unique_identifier, &s::unique_identifier),
      field(spec::tag::symmetric_key, &s::object),  // any object tag: the codec matches the object's own
  };
};

// ---- Get Attributes (1.x §4.12, 2.1 §6.1.20) ---------------------------------------------------------------
struct get_attributes_request {
  std::optional<model::unique_identifier> unique_identifier{};
  std::vector<attribute_reference> attribute_references{};  // empty: all attributes
  unknown_items unknown_fields{};
};
template <>
struct description<get_attributes_request> {
  using s = get_attributes_request;
  static constexpr auto fields = std::tuple{
      field(spec::tag::unique_identifier, &s::unique_identifier),
      field(spec::tag::attribute_name, &s::attribute_references).in_v2_as(spec::tag::attribute_reference),
  };
};

struct get_attributes_response {
  std::string unique_identifier{};
  std::vector<attribute> attributes{};
  unknown_items unknown_fields{};
};
template <>
struct description<get_attributes_response> {
  using s = get_attributes_response;
  static constexpr auto fields = std::tuple{
      field(spec::tag::unique_identifier, &s::unique_identifier),
      field(spec::tag::attribute, &s::attributes).in_v2_as(spec::tag::attributes).required_in(version_set::v2x()),
  };
};

// ---- Get Attribute List (1.x §4.13, 2.1 §6.1.21) -----------------------------------------------------------
using get_attribute_list_request = unique_identifier_request<spec::operation::get_attribute_list>;

struct get_attribute_list_response {
  std::string unique_identifier{};
  std::vector<attribute_reference> attribute_references{};
  unknown_items unknown_fields{};
};
template <>
struct description<get_attribute_list_response> {
  using s = get_attribute_list_response;
  static constexpr auto fields = std::tuple{
      field(spec::tag::unique_identifier, &s::unique_identifier),
      field(spec::tag::attribute_name, &s::attribute_references).in_v2_as(spec::tag::attribute_reference),
  };
};

// ---- Add Attribute (1.x §4.14, 2.1 §6.1.2) -----------------------------------------------------------------
struct add_attribute_request {
  std::optional<model::unique_identifier> unique_identifier{};
  model::attribute attribute{};  // 1.x Attribute, 2.x New Attribute
  unknown_items unknown_fields{};
};
template <>
struct description<add_attribute_request> {
  using s = add_attribute_request;
  static constexpr auto fields = std::tuple{
      field(spec::tag::unique_identifier, &s::unique_identifier),
      field(spec::tag::attribute, &s::attribute).in_v2_as(spec::tag::new_attribute),
  };
};

// Modify, Add and Delete Attribute responses: the Unique Identifier, and in 1.x the attribute as it now is
// (or was, for Delete).
template <spec::operation Op>
struct attribute_change_response {
  std::string unique_identifier{};
  std::optional<model::attribute> attribute{};  // 1.x only, and required there
  unknown_items unknown_fields{};
};
template <spec::operation Op>
struct description<attribute_change_response<Op>> {
  using s = attribute_change_response<Op>;
  static constexpr auto fields = std::tuple{
      field(spec::tag::unique_identifier, &s::unique_identifier),
      field(spec::tag::attribute, &s::attribute).until(spec::version::v1_4).mandatory(),
  };
};
using add_attribute_response = attribute_change_response<spec::operation::add_attribute>;

// ---- Modify Attribute (1.x §4.15, 2.1 §6.1.34) -------------------------------------------------------------
struct modify_attribute_request {
  std::optional<model::unique_identifier> unique_identifier{};
  std::optional<model::attribute> current_attribute{};  // 2.x: which instance to change
  model::attribute attribute;                           // 1.x Attribute (Index picks the instance), 2.x New Attribute
  unknown_items unknown_fields{};
};
template <>
struct description<modify_attribute_request> {
  using s = modify_attribute_request;
  static constexpr auto fields = std::tuple{
      field(spec::tag::unique_identifier, &s::unique_identifier),
      field(spec::tag::current_attribute, &s::current_attribute).since(spec::version::v2_0),
      field(spec::tag::attribute, &s::attribute).in_v2_as(spec::tag::new_attribute),
  };
};
using modify_attribute_response = attribute_change_response<spec::operation::modify_attribute>;

// ---- Delete Attribute (1.x §4.16, 2.1 §6.1.13) -------------------------------------------------------------
// 1.x names the attribute (required) and optionally its index; 2.x names it by Current Attribute (one
// instance, by value) or by Attribute Reference (all instances).
struct delete_attribute_request {
  std::optional<model::unique_identifier> unique_identifier{};
  std::optional<model::attribute> current_attribute{};
  std::optional<model::attribute_reference> attribute_reference{};  // 1.x Attribute Name, 2.x Attribute Reference
  std::optional<std::int32_t> attribute_index{};
  unknown_items unknown_fields{};
};
template <>
struct description<delete_attribute_request> {
  using s = delete_attribute_request;
  using enum spec::version;
  static constexpr auto fields = std::tuple{
      field(spec::tag::unique_identifier, &s::unique_identifier),
      field(spec::tag::current_attribute, &s::current_attribute).since(v2_0),
      field(spec::tag::attribute_name, &s::attribute_reference)
          .in_v2_as(spec::tag::attribute_reference)
          .required_in(version_set::v1x()),
      field(spec::tag::attribute_index, &s::attribute_index).until(v1_4),
  };
};
using delete_attribute_response = attribute_change_response<spec::operation::delete_attribute>;

// ---- Set Attribute (2.1 §6.1.51; KMIP 2.0 and later) -------------------------------------------------------
struct set_attribute_request {
  std::optional<model::unique_identifier> unique_identifier{};
  model::attribute attribute{};  // New Attribute
  unknown_items unknown_fields{};
};
template <>
struct description<set_attribute_request> {
  using s = set_attribute_request;
  static constexpr auto fields = std::tuple{
      field(spec::tag::unique_identifier, &s::unique_identifier),
      field(spec::tag::new_attribute, &s::attribute).since(spec::version::v2_0),
  };
};
using set_attribute_response = unique_identifier_response<spec::operation::set_attribute>;

// ---- Activate, Destroy (1.x §4.19, §4.21; 2.1 §6.1.1, §6.1.15) ---------------------------------------------
using activate_request = unique_identifier_request<spec::operation::activate>;
using activate_response = unique_identifier_response<spec::operation::activate>;
using destroy_request = unique_identifier_request<spec::operation::destroy>;
using destroy_response = unique_identifier_response<spec::operation::destroy>;

// ---- Revoke (1.x §4.20, 2.1 §6.1.44) -----------------------------------------------------------------------
struct revoke_request {
  std::optional<model::unique_identifier> unique_identifier{};
  model::revocation_reason revocation_reason{};
  std::optional<date_time> compromise_occurrence_date{};  // should be set for Key Compromise / CA Compromise
  unknown_items unknown_fields{};
};
template <>
struct description<revoke_request> {
  using s = revoke_request;
  static constexpr auto fields = std::tuple{
      field(spec::tag::unique_identifier, &s::unique_identifier),
      field(spec::tag::revocation_reason, &s::revocation_reason),
      field(spec::tag::compromise_occurrence_date, &s::compromise_occurrence_date),
  };
};
using revoke_response = unique_identifier_response<spec::operation::revoke>;

// ---- the operation table ----------------------------------------------------------------------------------
template <spec::operation Op, class Request, class Response>
struct operation_row {
  static constexpr spec::operation operation = Op;
  using request = Request;
  using response = Response;
};

template <class... Rows>
struct operation_list {};

// The operations whose payloads are typed. One row per operation; nothing else lists them.
using operation_table = operation_list<
    operation_row<spec::operation::discover_versions, discover_versions_request, discover_versions_response>,
    operation_row<spec::operation::query, query_request, query_response>,
    operation_row<spec::operation::create, create_request, create_response>,
    operation_row<spec::operation::register_, register_request, register_response>,
    operation_row<spec::operation::re_key, re_key_request, re_key_response>,
    operation_row<spec::operation::locate, locate_request, locate_response>,
    operation_row<spec::operation::check, check_request, check_response>,
    operation_row<spec::operation::get, get_request, get_response>,
    operation_row<spec::operation::get_attributes, get_attributes_request, get_attributes_response>,
    operation_row<spec::operation::get_attribute_list, get_attribute_list_request, get_attribute_list_response>,
    operation_row<spec::operation::add_attribute, add_attribute_request, add_attribute_response>,
    operation_row<spec::operation::modify_attribute, modify_attribute_request, modify_attribute_response>,
    operation_row<spec::operation::delete_attribute, delete_attribute_request, delete_attribute_response>,
    operation_row<spec::operation::set_attribute, set_attribute_request, set_attribute_response>,
    operation_row<spec::operation::activate, activate_request, activate_response>,
    operation_row<spec::operation::revoke, revoke_request, revoke_response>,
    operation_row<spec::operation::destroy, destroy_request, destroy_response>>;

namespace detail {
template <class Table>
struct payload_variants;
template <class... Rows>
struct payload_variants<operation_list<Rows...>> {
  using request = std::variant<opaque, typename Rows::request...>;
  using response = std::variant<opaque, typename Rows::response...>;
};

template <class Payload, class... Rows>
constexpr std::optional<spec::operation> find_operation(operation_list<Rows...>) {
  std::optional<spec::operation> op{};
  ((std::is_same_v<Payload, typename Rows::request> || std::is_same_v<Payload, typename Rows::response>
        ? (void)(op = Rows::operation)
        : (void)0),
   ...);
  return op;
}
}  // namespace detail

// A request payload: typed for the operations in the table, opaque for the rest (the Request Payload
// structure as it came).
using request_payload = detail::payload_variants<operation_table>::request;
using response_payload = detail::payload_variants<operation_table>::response;

// The operation of a typed payload: operation_of<create_request> == spec::operation::create.
template <class Payload>
requires(detail::find_operation<Payload>(operation_table{}).has_value()) inline constexpr spec::operation operation_of =
    *detail::find_operation<Payload>(operation_table{});

}  // namespace kmip::model
