// Typed spec structures below the payloads: credentials for the request header, and the managed objects that
// Register sends and Get returns. Symmetric keys and secret data are typed down to their key material
// (1.x §2.1.3–2.1.5, §2.2; 2.1 §2, §3); other object kinds (certificates, private and public keys, split keys,
// templates, opaque objects, PGP keys, certificate requests) and transparent key structures stay opaque
// subtrees that round-trip unchanged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "common/secure.hpp"
#include "kmip/model/attribute.hpp"
#include "kmip/model/description.hpp"
#include "kmip/model/values.hpp"
#include "kmip/spec/spec.hpp"

namespace kmip::model {

// ---- Credential (1.x §2.1.2, 2.1 §9.11) -----------------------------------------------------------------
struct username_password {
  std::string username{};
  std::optional<std::string> password{};
};
template <>
struct description<username_password> {
  static constexpr auto fields = std::tuple{
      field(spec::tag::username, &username_password::username),
      field(spec::tag::password, &username_password::password),
  };
};

struct credential {
  spec::credential_type type = spec::credential_type::username_and_password;
  // Username and Password is typed; Device, Attestation, One Time Password, Hashed Password and Ticket
  // credentials stay opaque (their Credential Value structure as sent).
  std::variant<username_password, opaque> value{};
  std::vector<opaque> unknown_fields{};

  static credential from_username_password(std::string username, std::optional<std::string> password);
  // The username and password, or nullptr for other credential kinds.
  const username_password* as_username_password() const { return std::get_if<username_password>(&value); }
};
template <>
struct description<credential> {
  static constexpr auto fields = std::tuple{
      field(spec::tag::credential_type, &credential::type),
      field(spec::tag::credential_value, &credential::value),
  };
};

// Authentication (1.x §6.6, 2.1 §9.4).
struct authentication {
  std::vector<credential> credentials{};
  std::vector<opaque> unknown_fields{};
};
template <>
struct description<authentication> {
  static constexpr auto fields = std::tuple{
      field(spec::tag::credential, &authentication::credentials).mandatory(),
  };
};

// ---- Key Block and what it holds -----------------------------------------------------------------------
// Encryption Key Information and MAC/Signature Key Information (1.x §2.1.5, 2.1 §3.3). Cryptographic
// Parameters stay opaque here; as an attribute they are an attribute value like any other.
struct key_information {
  std::string unique_identifier{};
  std::optional<opaque> cryptographic_parameters{};
  std::vector<opaque> unknown_fields{};
};
template <>
struct description<key_information> {
  static constexpr auto fields = std::tuple{
      field(spec::tag::unique_identifier, &key_information::unique_identifier),
      field(spec::tag::cryptographic_parameters, &key_information::cryptographic_parameters),
  };
};

// Key Wrapping Data (1.x §2.1.5, 2.1 §3.3).
struct key_wrapping_data {
  spec::wrapping_method wrapping_method{};
  std::optional<key_information> encryption_key_information{};
  std::optional<key_information> mac_signature_key_information{};
  std::optional<std::vector<std::uint8_t>> mac_signature{};
  std::optional<std::vector<std::uint8_t>> iv_counter_nonce{};
  std::optional<spec::encoding_option> encoding_option{};
  std::vector<opaque> unknown_fields{};
};
template <>
struct description<key_wrapping_data> {
  using s = key_wrapping_data;
  static constexpr auto fields = std::tuple{
      field(spec::tag::wrapping_method, &s::wrapping_method),
      field(spec::tag::encryption_key_information, &s::encryption_key_information),
      field(spec::tag::mac_signature_key_information, &s::mac_signature_key_information),
      field(spec::tag::mac_signature, &s::mac_signature),
      field(spec::tag::iv_counter_nonce, &s::iv_counter_nonce),
      field(spec::tag::encoding_option, &s::encoding_option).since(spec::version::v1_1),
  };
};

// Key Wrapping Specification (1.x §2.1.6, 2.1 §7.18): how Get should wrap the key it returns.
struct key_wrapping_specification {
  spec::wrapping_method wrapping_method{};
  std::optional<key_information> encryption_key_information{};
  std::optional<key_information> mac_signature_key_information{};
  std::vector<std::string> attribute_names{};  // attributes to wrap with the key; Text String in 2.x too
  std::optional<spec::encoding_option> encoding_option{};
  std::vector<opaque> unknown_fields{};
};
template <>
struct description<key_wrapping_specification> {
  using s = key_wrapping_specification;
  static constexpr auto fields = std::tuple{
      field(spec::tag::wrapping_method, &s::wrapping_method),
      field(spec::tag::encryption_key_information, &s::encryption_key_information),
      field(spec::tag::mac_signature_key_information, &s::mac_signature_key_information),
      field(spec::tag::attribute_name, &s::attribute_names),
      field(spec::tag::encoding_option, &s::encoding_option).since(spec::version::v1_1),
  };
};

// Key Value structure (1.x §2.1.4, 2.1 §3.2). Key Material is a Byte String for Raw, Opaque, PKCS#1, PKCS#8,
// X.509, ECPrivateKey and PKCS#12 formats, and a structure for the Transparent formats (kept opaque).
// Attributes wrapped with the key: 1.x Attribute items, 2.x one Attributes structure.
struct key_value {
  std::variant<common::secure_bytes, opaque> key_material{};
  std::vector<attribute> attributes{};
  std::vector<opaque> unknown_fields{};
};
template <>
struct description<key_value> {
  static constexpr auto fields = std::tuple{
      field(spec::tag::key_material, &key_value::key_material),
      field(spec::tag::attribute, &key_value::attributes).in_v2_as(spec::tag::attributes),
  };
};

// Key Block (1.x §2.1.3, 2.1 §3.1). Key Value is a structure, or a Byte String when the key is wrapped.
struct key_block {
  spec::key_format_type key_format_type = spec::key_format_type::raw;
  std::optional<spec::key_compression_type> key_compression_type{};
  std::optional<std::variant<model::key_value, common::secure_bytes>> key_value{};
  std::optional<spec::cryptographic_algorithm> cryptographic_algorithm{};
  std::optional<std::int32_t> cryptographic_length{};
  std::optional<model::key_wrapping_data> key_wrapping_data{};
  std::vector<opaque> unknown_fields{};

  // The plain key material bytes, or nullptr when the key is wrapped, absent or transparent.
  const common::secure_bytes* raw_key_material() const;
};
template <>
struct description<key_block> {
  using s = key_block;
  static constexpr auto fields = std::tuple{
      field(spec::tag::key_format_type, &s::key_format_type),
      field(spec::tag::key_compression_type, &s::key_compression_type),
      field(spec::tag::key_value, &s::key_value),
      field(spec::tag::cryptographic_algorithm, &s::cryptographic_algorithm),
      field(spec::tag::cryptographic_length, &s::cryptographic_length),
      field(spec::tag::key_wrapping_data, &s::key_wrapping_data),
  };
};

// Symmetric Key (1.x §2.2.2, 2.1 §2.9).
struct symmetric_key {
  model::key_block key_block{};
  std::vector<opaque> unknown_fields{};

  // A Raw, unwrapped key: Key Format Type Raw, Key Value { Key Material }, algorithm and length.
  static symmetric_key raw(spec::cryptographic_algorithm algorithm, std::span<const std::uint8_t> material);
};
template <>
struct description<symmetric_key> {
  static constexpr auto fields = std::tuple{
      field(spec::tag::key_block, &symmetric_key::key_block),
  };
};

// Secret Data (1.x §2.2.7, 2.1 §2.7).
struct secret_data {
  spec::secret_data_type secret_data_type = spec::secret_data_type::password;
  model::key_block key_block{};
  std::vector<opaque> unknown_fields{};
};
template <>
struct description<secret_data> {
  static constexpr auto fields = std::tuple{
      field(spec::tag::secret_data_type, &secret_data::secret_data_type),
      field(spec::tag::key_block, &secret_data::key_block),
  };
};

// The object in Register requests and Get responses: matched by its own tag (Symmetric Key, Secret Data,
// Certificate, Private Key, ...). Kinds other than the two typed ones stay opaque.
using managed_object = std::variant<symmetric_key, secret_data, opaque>;

// Whether a tag names a managed object (1.x §2.2, 2.1 §2).
bool is_managed_object_tag(std::uint32_t tag);

}  // namespace kmip::model
