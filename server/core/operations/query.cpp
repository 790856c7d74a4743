// Query (KMIP 1.4 §4.25, 2.1 §6.1.40). Answered truthfully: the operations of the dispatch table that exist
// in the request's version, the object types kmipd stores (Symmetric Key, Secret Data), and the Vendor
// Identification. kmipd has no Application Namespaces, no extensions, and claims no profiles, capabilities,
// RNGs, validations or client registration methods, so those functions are answered with nothing (an empty
// list is a correct answer to each; 1.4 §4.25 "the server SHALL return ... the information it supports").
#include "server/core/operations/operations.hpp"

namespace kmipd::core::operations {

op_result query(operation_context& ctx, const query_request& r) {
  using kmip::spec::query_function;
  query_response out;
  for (auto f : r.query_functions) {
    switch (f) {
      case query_function::query_operations: {
        const auto& ops = kmip::spec::info(kmip::spec::enumeration_id::operation);
        for (const auto& e : operation_table()) {
          const auto* v = kmip::spec::find_value(ops, static_cast<std::uint32_t>(e.operation));
          if (v && v->since <= ctx.version()) out.operations.push_back(e.operation);
        }
        break;
      }
      case query_function::query_objects:
        out.object_types = {kmip::spec::object_type::symmetric_key, kmip::spec::object_type::secret_data};
        break;
      case query_function::query_server_information:
        out.vendor_identification = ctx.options().vendor_identification;
        break;
      default:  // Application Namespaces, Extension List/Map, Profiles, Capabilities, ...: none to report
        break;
    }
  }
  return out;
}

}  // namespace kmipd::core::operations
