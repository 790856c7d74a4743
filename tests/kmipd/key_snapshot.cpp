// See key_snapshot.hpp.
#include "tests/kmipd/key_snapshot.hpp"

#include "common/hex.hpp"
#include "kmip/client/client.hpp"
#include "kmip/ttlv/writer.hpp"

namespace tests::kmipd {

namespace spec = kmip::spec;
namespace model = kmip::model;

std::map<std::string, std::string> attribute_map(const std::vector<model::attribute>& attributes) {
  std::map<std::string, std::string> out;
  for (const auto& a : attributes) {
    std::string value = "(none)";
    if (a.has_value()) {
      auto e = kmip::ttlv::encode(a.value);
      value = e ? common::to_hex(*e) : "(unencodable)";
    }
    out[a.name + "[" + std::to_string(a.index.value_or(0)) + "]"] = value;
  }
  return out;
}

common::expected<key_snapshot, std::string> snapshot(kmip::client::typed_client& c, const std::string& id) {
  key_snapshot out;
  out.id = id;
  auto got = c.get(id);
  if (!got) return common::unexpected("Get " + id + ": " + got.error().to_string());
  const auto* key = std::get_if<model::symmetric_key>(&got->object);
  if (!key || !key->key_block.raw_key_material()) return common::unexpected("Get " + id + ": no raw symmetric key");
  const auto& m = *key->key_block.raw_key_material();
  out.material.assign(m.begin(), m.end());
  auto attributes = c.get_attributes(id);
  if (!attributes) return common::unexpected("Get Attributes " + id + ": " + attributes.error().to_string());
  out.attributes = attribute_map(*attributes);
  return out;
}

common::expected<std::vector<key_snapshot>, std::string> create_keys(const kmipd_process& kms, int n) {
  kmip::client::client raw{kmip::client::connection(client_options(kms))};
  if (auto connected = raw.conn().connect(); !connected) return common::unexpected(connected.error().to_string());
  kmip::client::typed_client c{raw};
  constexpr std::int32_t lengths[] = {128, 192, 256};
  std::vector<key_snapshot> keys;
  for (int i = 0; i < n; ++i) {
    std::vector<model::attribute> extra;
    extra.push_back(model::attr::text("x-e2e-index", std::to_string(i)));
    extra.push_back(model::attr::text("x-e2e-suite", "durability"));
    auto id = c.create_symmetric_key(spec::cryptographic_algorithm::aes, lengths[i % 3],
                                     spec::cryptographic_usage_mask::encrypt | spec::cryptographic_usage_mask::decrypt,
                                     std::move(extra));
    if (!id) return common::unexpected("Create " + std::to_string(i) + ": " + id.error().to_string());
    if (i % 2 == 0) {
      if (auto a = c.activate(*id); !a) return common::unexpected("Activate " + *id + ": " + a.error().to_string());
    }
    if (i % 5 == 0) {
      auto added = c.add_attribute(*id, model::attr::text("x-e2e-note", "second instance " + std::to_string(i)));
      if (!added) return common::unexpected("Add Attribute " + *id + ": " + added.error().to_string());
    }
    auto s = snapshot(c, *id);
    if (!s) return common::unexpected(s.error());
    if (s->material.size() != static_cast<std::size_t>(lengths[i % 3] / 8))
      return common::unexpected("Get " + *id + ": " + std::to_string(s->material.size()) + " bytes of material");
    keys.push_back(std::move(*s));
  }
  raw.conn().close();
  return keys;
}

}  // namespace tests::kmipd
