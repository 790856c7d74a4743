// Certificate generation with OpenSSL 3's EVP and X509 APIs: keys, certificates for a handful of profiles (CA,
// KMIP server, KMIP client with and without the clientAuth EKU, vCenter-style self-signed), and writing them as PEM
// and PKCS#12 with the file modes a key deserves. Used by `kmip-harness certs` (tools/certs_command.cpp) and by the
// test PKI (tests/pki), so the certificates a user generates and the ones the tests use come from the same code.
//
// OpenSSL-free header: keys and certificates travel as owning pointers to OpenSSL's opaque types.
// Errors are values: a message naming the step and OpenSSL's reason.
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "common/expected.hpp"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY
struct x509_st;      // OpenSSL's X509

namespace kmiph::pki {

enum class key_type : std::uint8_t { rsa_2048, ec_p256 };

std::string_view to_string(key_type t);  // "rsa" or "ec"

struct key_deleter {
  void operator()(evp_pkey_st* p) const noexcept;
};
struct cert_deleter {
  void operator()(x509_st* p) const noexcept;
};
using key_ptr = std::unique_ptr<evp_pkey_st, key_deleter>;
using cert_ptr = std::unique_ptr<x509_st, cert_deleter>;

using status = common::expected<void, std::string>;

// What a certificate is for; each profile fixes the extensions.
enum class profile : std::uint8_t {
  ca,             // CA:TRUE, keyCertSign+cRLSign
  server,         // CA:FALSE, EKU serverAuth+clientAuth, SAN from `subject_alt_names`
  client,         // CA:FALSE, EKU clientAuth
  client_no_eku,  // CA:FALSE, no Extended Key Usage at all (what vCenter's generated certificates look like)
  self_signed,    // subject key identifier only (vCenter 6.5's self-signed client certificate)
};

struct cert_spec {
  std::string common_name;
  std::string organization = "kmip-harness";
  profile kind = profile::client;
  // Validity relative to now, in seconds. The default hour of slack before now helps peers whose clock lags.
  // A negative not_after makes an expired certificate (for tests of refusals).
  std::int64_t not_before = -3600;
  std::int64_t not_after = 30 * 24 * 3600;
  std::string subject_alt_names = "IP:127.0.0.1,DNS:localhost";  // profile::server only, OpenSSL syntax
};

inline constexpr std::int64_t days(std::int64_t n) { return n * 24 * 3600; }

// A fresh key pair from OpenSSL's DRBG: RSA 2048 (e = 65537) or EC P-256.
common::expected<key_ptr, std::string> make_key(key_type type);

// Another owning reference to the same key (EVP_PKEY_up_ref): certificates that may share a key.
common::expected<key_ptr, std::string> share(evp_pkey_st* key);

// Issues a certificate for `key`, signed with SHA-256 by `issuer_key` under `issuer`; with both null it signs
// itself (CA, self-signed). The serial number is 64 random bits.
common::expected<cert_ptr, std::string> issue(const cert_spec& spec, evp_pkey_st* key, x509_st* issuer = nullptr,
                                              evp_pkey_st* issuer_key = nullptr);

// Writes the certificates as PEM, in order (a chain: leaf first). Mode 0644; replaces an existing file.
status write_certs(const std::filesystem::path& path, std::initializer_list<x509_st*> certs);
// Writes the private key as unencrypted PKCS#8 PEM with mode 0600 (set before a byte is written).
status write_key(const std::filesystem::path& path, evp_pkey_st* key);
// Writes key, certificate and `ca` as PKCS#12 (OpenSSL 3 defaults: AES-256-CBC, PBKDF2, HMAC-SHA256), mode 0600.
status write_p12(const std::filesystem::path& path, evp_pkey_st* key, x509_st* cert, x509_st* ca,
                 std::string_view password, std::string_view friendly_name);
// Writes `text` to a new file with `mode` (e.g. a password file, 0600).
status write_text(const std::filesystem::path& path, std::string_view text, unsigned mode);

// `n` random bytes from OpenSSL's DRBG as lowercase hex (passwords).
common::expected<std::string, std::string> random_hex(std::size_t n);

// ---- the set `kmip-harness certs` writes ----------------------------------------------------------------------

struct kms_set_options {
  key_type type = key_type::rsa_2048;  // RSA: vCenter 7.0.3's AES128-SHA256 needs RSA key exchange
  bool client_eku = false;             // give vcenter.crt the clientAuth EKU (vCenter's own have none)
  bool force = false;                  // replace existing files
  std::string server_common_name = "kmipd";
  std::string subject_alt_names = "DNS:localhost,IP:127.0.0.1";
  std::int64_t days_valid = 825;
};

struct kms_set {
  std::filesystem::path ca_cert, ca_key;                       // ca.crt, ca.key
  std::filesystem::path server_cert, server_key, server_p12;   // server.crt, server.key, server.p12
  std::filesystem::path server_p12_password_file;              // server.p12.password (0600)
  std::filesystem::path vcenter_cert, vcenter_key;             // vcenter.crt (CN vcenter), vcenter.key
  std::string server_p12_password;                             // random, 32 hex digits
};

// The file names of the set inside `dir`.
kms_set kms_set_paths(const std::filesystem::path& dir);

// Writes a CA, a server certificate (serverAuth+clientAuth, SAN), its PKCS#12 with a random password (also written
// to server.p12.password) and a vCenter client certificate and key into `dir` (created if missing). Refuses,
// before writing anything, when one of the files exists and !options.force.
common::expected<kms_set, std::string> write_kms_set(const std::filesystem::path& dir, const kms_set_options& options);

}  // namespace kmiph::pki
