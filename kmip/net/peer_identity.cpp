// Reads the peer identity out of X509 certificates; see peer_identity.hpp for the rules.
#include "kmip/net/peer_identity.hpp"

#include <openssl/x509v3.h>

#include "common/hex.hpp"
#include "kmip/net/detail/openssl.hpp"

namespace kmip::net {
namespace {

common::unexpected<error> identity_error(std::string m) {
  return common::unexpected{error{errc::tls, std::move(m)}};
}

// OPENSSL_free is a macro; this gives it a type for unique_ptr.
struct openssl_free {
  void operator()(unsigned char* p) const noexcept { OPENSSL_free(p); }
};

result<peer_identity> identity_of_impl(const x509_st* cert) {
  if (cert == nullptr) return identity_error("no certificate");
  // OpenSSL 3 takes some of these as non-const although they do not modify the certificate.
  X509* c = const_cast<X509*>(cert);
  const X509_NAME* name = X509_get_subject_name(c);
  peer_identity id;

  int found = 0;
  for (int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) {
    if (++found > 1) continue;
    const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char* raw = nullptr;
    const int n = ASN1_STRING_to_UTF8(&raw, value);
    if (n < 0) return identity_error("the certificate's Subject CN is not convertible to UTF-8");
    const std::unique_ptr<unsigned char, openssl_free> utf8(raw);
    id.common_name.assign(reinterpret_cast<const char*>(utf8.get()), static_cast<std::size_t>(n));
  }

  detail::bio_ptr bio(BIO_new(BIO_s_mem()));
  if (bio && X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) >= 0) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    if (len > 0) id.subject.assign(data, static_cast<std::size_t>(len));
  }
  if (found == 0) return identity_error("the certificate's Subject (" + id.subject + ") has no CN");
  if (found > 1)
    return identity_error("the certificate's Subject (" + id.subject + ") has " + std::to_string(found) +
                          " CNs; the identity would be ambiguous");

  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (X509_digest(c, EVP_sha256(), md, &md_len) == 1) id.sha256_fingerprint = common::to_hex({md, md_len});

  id.has_any_eku = (X509_get_extension_flags(c) & EXFLAG_XKUSAGE) != 0;
  id.has_client_auth_eku = id.has_any_eku && (X509_get_extended_key_usage(c) & XKU_SSL_CLIENT) != 0;
  return id;
}

}  // namespace

// The roots: nothing below throws on purpose, but strings allocate.
result<peer_identity> identity_of(const x509_st* cert) {
  try {
    return identity_of_impl(cert);
  } catch (const std::exception& e) {
    return identity_error(std::string("cannot read the certificate's identity: ") + e.what());
  }
}

result<peer_identity> verified_peer_identity(const ssl_st* ssl) {
  if (ssl == nullptr) return identity_error("no TLS session");
  const X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) return identity_error("the peer presented no certificate");
  const long verdict = SSL_get_verify_result(ssl);
  if (verdict != X509_V_OK)
    return identity_error(std::string("the peer certificate was not verified: ") +
                          X509_verify_cert_error_string(verdict));
  return identity_of(cert);
}

}  // namespace kmip::net
