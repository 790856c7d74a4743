// vCenter's KMIP messages (conversation.hpp), in the order and shape of capture W1.
#include "vcenter_sim/conversation.hpp"

namespace vcenter_sim::conversation {

namespace spec = kmip::spec;

std::vector<std::uint8_t> batch_id(std::uint32_t n) {
  return {'Q', 'L', 'K', 'C', static_cast<std::uint8_t>(n), static_cast<std::uint8_t>(n >> 8),
          static_cast<std::uint8_t>(n >> 16), static_cast<std::uint8_t>(n >> 24)};
}

model::request_message message(std::vector<model::request_batch_item> items,
                               const std::optional<model::authentication>& auth) {
  model::request_message m;
  m.header.protocol_version = header_version;
  m.header.authentication = auth;
  m.batch_items = std::move(items);
  return m;
}

model::authentication username_password(const std::string& username, const std::optional<std::string>& password) {
  model::authentication a;
  a.credentials.push_back(model::credential::from_username_password(username, password));
  return a;
}

model::request_batch_item discover_versions(bool health_poll) {
  if (health_poll) return model::make_request_item(model::discover_versions_request{}, batch_id(1));
  return model::make_request_item(model::discover_versions_request{});
}

model::request_batch_item query_server_information() {
  model::query_request q;
  q.query_functions = {spec::query_function::query_server_information};
  return model::make_request_item(std::move(q), batch_id(1));
}

model::create_request create_kek() {
  model::create_request c;
  c.object_type = spec::object_type::symmetric_key;
  // The capture's order: Algorithm, Usage Mask, Length (W1 s51).
  c.template_attribute.attributes = {
      model::attr::cryptographic_algorithm(spec::cryptographic_algorithm::aes),
      model::attr::cryptographic_usage_mask(spec::cryptographic_usage_mask::encrypt |
                                            spec::cryptographic_usage_mask::decrypt),
      model::attr::cryptographic_length(256)};
  return c;
}

model::request_batch_item create(std::uint32_t n) { return model::make_request_item(create_kek(), batch_id(n)); }

model::request_batch_item get_attribute(const std::string& id, const std::string& name) {
  model::get_attributes_request g;
  g.unique_identifier = id;
  g.attribute_references = {{name}};
  return model::make_request_item(std::move(g), batch_id(1));
}

std::vector<model::request_batch_item> add_attributes(const std::string& id, const tag_list& attrs) {
  std::vector<model::request_batch_item> items;
  for (const auto& [name, value] : attrs) {
    model::add_attribute_request a;
    a.unique_identifier = id;
    a.attribute = model::attr::text(name, value);
    items.push_back(model::make_request_item(std::move(a), batch_id(static_cast<std::uint32_t>(items.size() + 1))));
  }
  return items;
}

model::request_batch_item get(const std::string& id) {
  model::get_request g;
  g.unique_identifier = id;
  return model::make_request_item(std::move(g), batch_id(1));
}

model::request_batch_item activate(const std::string& id) {
  model::activate_request a;
  a.unique_identifier = id;
  return model::make_request_item(std::move(a), batch_id(1));
}

tag_list product_tags(profile p) {
  return {{"x-Product_Version", std::string(product_version(p))},
          {"x-Vendor", "VMware, Inc."},
          {"x-Product", "VMware vSphere"}};
}

tag_list identity_tags(const std::string& identifier, const std::string& component, const std::string& name) {
  return {{"x-Identifier", identifier}, {"x-Component", component}, {"x-Name", name}};
}

}  // namespace vcenter_sim::conversation
