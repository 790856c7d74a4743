// Query (KMIP 1.4 §4.25, 2.1 §6.1.40). Every Query Function of the spec is answered truthfully for the request's
// protocol version; a function the version does not have is answered with nothing.
//   Operations      the operations of the dispatch table that exist in the request's version.
//   Objects         the object types kmipd stores: Symmetric Key, Secret Data.
//   Server Info     Vendor Identification.
//   Profiles        (1.3+) only the server profiles whose OASIS mandatory test cases pass against kmipd
//                   (docs/oasis-runner.md): Symmetric Key Lifecycle Server KMIP v1.1 and v1.4 (SKLC-M-1..3),
//                   Symmetric Key Foundry Server KMIP v1.1 and v1.4 (SKFF-M-1..12; the Random Number Generator
//                   attribute is a masked vendor fact); each only where the request's version knows the name.
//                   The 2.x profile names are not claimed: no 2.x profile test case has been run.
//   Capabilities    (1.3+) no streaming, no asynchronous operations, no attestation; Batch Undo and Batch Continue
//                   (1.4+: the engine honours both Batch Error Continuation Options); Destroy erases the key
//                   material and keeps the object (Key Material Deleted); no shredding (Unsupported).
//   RNGs            (1.3+) the generator new objects are made with: the Random Number Generator attribute's
//                   RNG Parameters (environment.hpp).
//   Storage Protection Masks (2.x) Software: key material is kept by software, wrapped by the master key.
//   Application Namespaces, Extension List/Map, Attestation Types, Validations, Client Registration Methods,
//   Defaults Information: kmipd has none of these, and says so with an empty answer (1.4 §4.25: the server
//   returns the information it supports).
#include "server/core/operations/operations.hpp"

namespace kmipd::core::operations {
namespace {

using kmip::spec::version;

bool known_in(kmip::spec::enumeration_id e, std::uint32_t value, version v) {
  const auto* x = kmip::spec::find_value(kmip::spec::info(e), value);
  return x && x->since <= v;
}

void add_profiles(query_response& out, version v) {
  using p = kmip::spec::profile_name;
  if (v >= version::v2_0) return;  // 2.x names only; see above
  for (auto name : {p::symmetric_key_lifecycle_server_kmip_v1_1, p::symmetric_key_foundry_server_kmip_v1_1,
                    p::symmetric_key_lifecycle_server_kmip_v1_4, p::symmetric_key_foundry_server_kmip_v1_4}) {
    if (!known_in(kmip::spec::enumeration_id::profile_name, static_cast<std::uint32_t>(name), v)) continue;
    kmip::model::opaque info;
    info.tree.begin_structure(kmip::spec::tag::profile_information);
    info.tree.add_enum(kmip::spec::tag::profile_name, name);
    info.tree.end_structure();
    out.profile_information.push_back(std::move(info));
  }
}

kmip::model::opaque capabilities(version v) {
  using kmip::spec::tag;
  kmip::model::opaque c;
  c.tree.begin_structure(tag::capability_information);
  c.tree.add_boolean(tag::streaming_capability, false);
  c.tree.add_boolean(tag::asynchronous_capability, false);
  c.tree.add_boolean(tag::attestation_capability, false);
  if (v >= version::v1_4) {
    c.tree.add_boolean(tag::batch_undo_capability, true);
    c.tree.add_boolean(tag::batch_continue_capability, true);
  }
  c.tree.add_enum(tag::destroy_action, kmip::spec::destroy_action::key_material_deleted);
  c.tree.add_enum(tag::shredding_algorithm, kmip::spec::shredding_algorithm::unsupported);
  c.tree.end_structure();
  return c;
}

// The Random Number Generator attribute's value, as an RNG Parameters structure.
kmip::model::opaque rng_parameters(const kmip::model::attribute& rng) {
  kmip::model::opaque out;
  out.tree.begin_structure(kmip::spec::tag::rng_parameters);
  if (!rng.value.empty())
    for (auto field : rng.value_item().children()) out.tree.add_copy(field);
  out.tree.end_structure();
  return out;
}

}  // namespace

op_result query(operation_context& ctx, const query_request& r) {
  using kmip::spec::query_function;
  query_response out;
  const auto v = ctx.version();
  for (auto f : r.query_functions) {
    if (!known_in(kmip::spec::enumeration_id::query_function, static_cast<std::uint32_t>(f), v)) continue;
    switch (f) {
      case query_function::query_operations: {
        for (const auto& e : operation_table())
          if (known_in(kmip::spec::enumeration_id::operation, static_cast<std::uint32_t>(e.operation), v))
            out.operations.push_back(e.operation);
        break;
      }
      case query_function::query_objects:
        out.object_types = {kmip::spec::object_type::symmetric_key, kmip::spec::object_type::secret_data};
        break;
      case query_function::query_server_information:
        out.vendor_identification = ctx.options().vendor_identification;
        break;
      case query_function::query_profiles:
        add_profiles(out, v);
        break;
      case query_function::query_capabilities:
        out.capability_information = {capabilities(v)};
        break;
      case query_function::query_rngs:
        out.rng_parameters = {rng_parameters(ctx.random_number_generator())};
        break;
      case query_function::query_storage_protection_masks: {
        kmip::model::protection_storage_masks m;
        m.masks = {static_cast<std::uint32_t>(kmip::spec::protection_storage_mask::software)};
        out.protection_storage_masks = m;
        break;
      }
      case query_function::query_application_namespaces:
      case query_function::query_extension_list:
      case query_function::query_extension_map:
      case query_function::query_attestation_types:
      case query_function::query_validations:
      case query_function::query_client_registration_methods:
      case query_function::query_defaults_information:
        break;  // none (see the top of this file)
    }
  }
  return out;
}

}  // namespace kmipd::core::operations
