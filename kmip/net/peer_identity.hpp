// Who is on the other end of a verified TLS session: the client certificate's Subject CN, which kmipd uses as the
// KMIP identity (DESIGN.md "Identity"; PyKMIP does the same, and vCenter relies on it: reference/vcenter-kmip.md §2).
//
// Only a certificate that OpenSSL verified counts: an unverified or absent certificate is an error, never an
// empty identity. A subject with no CN, or with more than one, is an error as well (PyKMIP rejects several CNs with
// PermissionDenied; an identity must be unambiguous). OpenSSL-free header: the SSL and X509 objects are taken as
// opaque pointers (`stream.native_handle()` for an Asio ssl::stream).
#pragma once

#include <string>

#include "kmip/net/error.hpp"

struct ssl_st;   // OpenSSL's SSL
struct x509_st;  // OpenSSL's X509

namespace kmip::net {

struct peer_identity {
  std::string common_name;         // Subject CN, UTF-8
  std::string subject;             // the whole Subject, RFC 2253 form ("CN=kmip-client,O=...")
  std::string sha256_fingerprint;  // of the DER certificate, lowercase hex without separators
  bool has_client_auth_eku = false;  // Extended Key Usage present and lists clientAuth
  bool has_any_eku = false;          // an Extended Key Usage extension is present at all
};

// The identity in the peer certificate of an established session. Errors (errc::tls): no certificate was
// presented, its verification did not succeed, or its Subject has no CN or several.
// REQUIRES: the handshake of `ssl` completed.
result<peer_identity> verified_peer_identity(const ssl_st* ssl);

// The identity in a certificate, without any verification (for logs, tests, and pinned certificates).
result<peer_identity> identity_of(const x509_st* cert);

}  // namespace kmip::net
