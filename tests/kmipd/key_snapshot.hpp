// Keys as a client sees them, for tests that must find them unchanged later (after kill -9 and a restart, or
// through another kmipd instance): the Raw material and every attribute, encoded, by name and index.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "kmip/client/typed.hpp"
#include "tests/kmipd/kmipd_process.hpp"

namespace tests::kmipd {

struct key_snapshot {
  std::string id;
  std::vector<std::uint8_t> material;
  std::map<std::string, std::string> attributes;  // "name[index]" -> hex of the encoded Attribute Value
};

std::map<std::string, std::string> attribute_map(const std::vector<kmip::model::attribute>& attributes);

// Reads one key back: material (Raw Get) and every attribute. The error names the request that failed.
common::expected<key_snapshot, std::string> snapshot(kmip::client::typed_client& c, const std::string& id);

// Creates `n` keys of varied algorithms, lengths, states and x- attributes through `kms`, and reads them back.
common::expected<std::vector<key_snapshot>, std::string> create_keys(const kmipd_process& kms, int n);

}  // namespace tests::kmipd
