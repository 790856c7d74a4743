// Test certificates, made at test time with OpenSSL 3 (no openssl CLI, nothing checked in): one CA, a server
// certificate, client certificates with and without the clientAuth EKU, a self-signed vCenter-style client
// certificate, a client certificate from a second CA that the first one does not trust, and an expired one.
// The generation itself is the pki library's (pki/pki.hpp), shared with `kmip-harness certs`.
//
// The file names and subject names are fixed (below) so that tests and logs read the same on every run; the keys
// and serial numbers are random. The CA, the server, the client and the untrusted CA have keys of their own; the
// other client certificates reuse the client's key (generating RSA keys is most of a test process's start-up, and
// what those certificates test is their extensions and issuer, not their key). Everything is written as PEM (and
// the server also as PKCS#12) into a directory the caller owns, usually a temp_dir. Private keys are written
// unencrypted with mode 0600: they are test keys.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace tests::pki {

enum class key_type : std::uint8_t { rsa_2048, ec_p256 };

std::string_view to_string(key_type t);  // "rsa" or "ec"

// Subject common names.
inline constexpr std::string_view ca_common_name = "kmip-harness test CA";
inline constexpr std::string_view server_common_name = "kmip-server";
inline constexpr std::string_view client_common_name = "kmip-client";
inline constexpr std::string_view client_no_eku_common_name = "vcenter-client-no-eku";
// The pattern of vCenter 6.5's generated self-signed client certificate (reference/vcenter-kmip.md, P#211).
inline constexpr std::string_view self_signed_common_name = "kmipClient20161127094708";
inline constexpr std::string_view untrusted_ca_common_name = "untrusted test CA";
inline constexpr std::string_view untrusted_client_common_name = "untrusted-client";
// Password of server.p12.
inline constexpr std::string_view server_p12_password = "kmip-harness";

// Paths of what generate() wrote, all inside `dir`.
struct files {
  std::filesystem::path dir;
  std::filesystem::path ca_cert;             // ca.crt: self-signed, CA:TRUE
  std::filesystem::path ca_key;              // ca.key
  std::filesystem::path server_cert;         // server.crt: CN kmip-server, SAN IP:127.0.0.1 DNS:localhost,
                                             //   EKU serverAuth+clientAuth, issued by ca
  std::filesystem::path server_key;          // server.key
  std::filesystem::path server_chain;        // server-chain.crt: server.crt followed by ca.crt
  std::filesystem::path server_p12;          // server.p12: key, certificate and CA, password server_p12_password
  std::filesystem::path client_cert;         // client.crt: CN kmip-client, EKU clientAuth, issued by ca
  std::filesystem::path client_key;          // client.key
  std::filesystem::path client_no_eku_cert;  // client-no-eku.crt: no EKU extension at all, issued by ca
  std::filesystem::path client_no_eku_key;   // client-no-eku.key
  std::filesystem::path self_signed_cert;    // self-signed.crt: vCenter 6.5 style, self-signed, no EKU
  std::filesystem::path self_signed_key;     // self-signed.key
  std::filesystem::path untrusted_ca_cert;   // untrusted-ca.crt: a second CA
  std::filesystem::path untrusted_client_cert;  // untrusted-client.crt: EKU clientAuth, issued by untrusted-ca
  std::filesystem::path untrusted_client_key;   // untrusted-client.key
  std::filesystem::path expired_client_cert;    // expired-client.crt: EKU clientAuth, issued by ca, notAfter a
                                                //   day in the past (key: client.key)
};

// Generates the whole set into `dir` (created if missing; existing files of the same names are replaced).
// Errors name the step and OpenSSL's reason.
common::expected<files, std::string> generate(const std::filesystem::path& dir, key_type type);

// A fresh directory under the system temp directory, removed with everything in it on destruction.
class temp_dir {
 public:
  // `prefix` starts the directory's name, e.g. "kmip-net-test".
  static common::expected<temp_dir, std::string> create(std::string_view prefix);

  temp_dir(temp_dir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  temp_dir& operator=(temp_dir&& other) noexcept;
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir();

  const std::filesystem::path& path() const { return path_; }

 private:
  explicit temp_dir(std::filesystem::path p) : path_(std::move(p)) {}
  void remove() noexcept;
  std::filesystem::path path_;
};

}  // namespace tests::pki
