// TLS contexts for both ends of a KMIP connection (KMIP 1.x Profiles §3.1, "Basic Authentication Suite" /
// "TLS 1.2 Authentication Suite"): built from files, checked up front, TLS 1.2 and 1.3 only.
//
// A context is built once and shared by every connection made from it (a load generator may open thousands), so
// the builders return a shared_ptr. Lifetime: keep the pointer for as long as any stream made from the context
// lives (Asio's context owns the verification callback that the streams' SSL objects call).
//
// Defaults follow what vCenter does and needs (reference/vcenter-kmip.md §3): mutual TLS, no SNI and no hostname
// check on the client, a client certificate without Extended Key Usage accepted by the server. AES128-SHA256 (RSA
// key exchange, no forward secrecy) is what vCenter 7.0.3 negotiated with PyKMIP; it is off unless asked for.
//
// This header is Asio- and OpenSSL-free (forward declarations only) so that option structs can travel through
// widely included headers; include <boost/asio/ssl/context.hpp> where the context itself is used.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/secure.hpp"
#include "kmip/net/error.hpp"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl
struct ssl_st;  // OpenSSL's SSL

namespace kmip::net {

// Nothing older than TLS 1.2 can be asked for: the type has no value for it.
enum class tls_version : std::uint8_t { v1_2, v1_3 };

std::string_view to_string(tls_version v);  // "TLSv1.2"

// TLS 1.2 suites offered by default: ECDHE key exchange with an AEAD cipher, for ECDSA and RSA certificates.
// (TLS 1.3 suites are OpenSSL's defaults unless tls13_ciphersuites says otherwise.)
inline constexpr std::string_view default_tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
// The suite vCenter 7.0.3 negotiated (TLS_RSA_WITH_AES_128_CBC_SHA256); appended when allow_aes128_sha256 is set.
inline constexpr std::string_view vcenter_legacy_cipher = "AES128-SHA256";

// What both ends share: protocol range and suites.
struct tls_protocol_options {
  tls_version min_version = tls_version::v1_2;
  tls_version max_version = tls_version::v1_3;
  std::string cipher_list;         // TLS 1.2 suites in OpenSSL syntax; empty: default_tls12_ciphers
  std::string tls13_ciphersuites;  // TLS 1.3 suites in OpenSSL syntax; empty: OpenSSL's default
  bool allow_aes128_sha256 = false;  // also allow vcenter_legacy_cipher (needs an RSA certificate)
};

struct client_tls_options {
  std::vector<std::string> ca_files;  // PEM bundles of trusted CAs (or pinned server certificates);
                                      // empty: OpenSSL's default verify paths
  std::string cert_file;              // client certificate, PEM, optionally followed by its chain; empty: none
  std::string key_file;               // its private key, PEM, unencrypted; REQUIRES: set iff cert_file is
  bool verify_peer = true;            // verify the server's chain against ca_files
  std::string server_name;            // sent as SNI when set and not an IP address literal
  bool verify_hostname = false;       // check the server certificate's SAN/CN against server_name (or the host
                                      // connected to, when server_name is empty)
  std::string keylog_file;            // when set: append each session's secrets in the NSS key log format
                                      // (what SSLKEYLOGFILE gives browsers), so that tshark can decrypt a
                                      // capture. The file (created 0600) lets anyone with the capture read it.
  tls_protocol_options protocol;
};

struct server_tls_options {
  // Either a PEM certificate chain (server certificate first) and its key ...
  std::string cert_file;
  std::string key_file;
  // ... or a PKCS#12 file (key, certificate, chain) with its password; used when pkcs12_file is set.
  std::string pkcs12_file;
  common::secure_bytes pkcs12_password;
  std::vector<std::string> client_ca_files;  // PEM bundles of CAs (or pinned self-signed certificates) trusted
                                             // for client certificates; their subjects are announced to clients
  bool require_client_cert = true;           // fail the handshake when the client sends no certificate
  bool require_client_auth_eku = false;      // also fail it when the client certificate lacks the clientAuth EKU
                                             // (by default a certificate without any EKU is accepted, as
                                             // vCenter 6.5's was; one whose EKU omits clientAuth never is)
  tls_protocol_options protocol;
};

using tls_context_ptr = std::shared_ptr<boost::asio::ssl::context>;

// Builds a client context. Errors (errc::config) name the file and what is wrong with it.
result<tls_context_ptr> make_client_context(const client_tls_options& options);

// Builds a server context. Errors (errc::config) name the file and what is wrong with it.
result<tls_context_ptr> make_server_context(const server_tls_options& options);

// Applies the per-connection client settings (SNI, hostname verification) to a new SSL object made from a client
// context, before the handshake. `host` is what the connection was opened to (name or IP literal).
result<void> prepare_client_session(ssl_st* ssl, const client_tls_options& options, std::string_view host);

}  // namespace kmip::net
