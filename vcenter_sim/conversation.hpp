// vCenter's KMIP messages, built once (reference/vcenter-kmip.md §2, capture W1 byte for byte): the key provider
// sends them and the compatibility checks (vcenter_sim/check) send the very same ones, so the two can never
// drift apart. Builders only: nothing here touches a connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kmip/model/message.hpp"
#include "vcenter_sim/profile.hpp"

namespace vcenter_sim::conversation {

namespace model = kmip::model;

// Every request header says 1.1, whatever Discover Versions listed (§1).
inline constexpr kmip::spec::protocol_version header_version{1, 1};

// The Unique Batch Item ID of a message's n-th item: "QLKC" + n as 32-bit little-endian (§2.2).
std::vector<std::uint8_t> batch_id(std::uint32_t n);

// A request message of `items` with a 1.1 header, and the Username/Password credential when given.
model::request_message message(std::vector<model::request_batch_item> items,
                               const std::optional<model::authentication>& auth = std::nullopt);
model::authentication username_password(const std::string& username, const std::optional<std::string>& password);

// The first message of every connection: empty payload and NO batch ID. With `health_poll`, the second Discover
// Versions of the connection test and the health poll, which carries batch ID QLKC 1.
model::request_batch_item discover_versions(bool health_poll = false);
// The Add-KMS vendor lookup: Query with Query Server Information only.
model::request_batch_item query_server_information();
// Create: Symmetric Key, Template-Attribute {AES, Encrypt|Decrypt, 256} in the capture's order, no Name.
model::create_request create_kek();
model::request_batch_item create(std::uint32_t n = 1);
// GetAttributes of one attribute by name (the tagging probe, and State).
model::request_batch_item get_attribute(const std::string& id, const std::string& name);
// One message's AddAttribute items, batch IDs QLKC 1..n, Text String values.
std::vector<model::request_batch_item> add_attributes(const std::string& id,
                                                      const std::vector<std::pair<std::string, std::string>>& attrs);
model::request_batch_item get(const std::string& id);  // Unique Identifier only
model::request_batch_item activate(const std::string& id);

// The attribute sets of the two tagging rounds.
using tag_list = std::vector<std::pair<std::string, std::string>>;
tag_list product_tags(profile p);  // x-Product_Version, x-Vendor, x-Product
tag_list identity_tags(const std::string& identifier, const std::string& component, const std::string& name);

}  // namespace vcenter_sim::conversation
