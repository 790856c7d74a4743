// RAII handles for the OpenSSL objects kmip/net creates, and the one place that turns OpenSSL's error queue into
// text. Internal to kmip/net (and its tests): include it from .cpp files only.
#pragma once

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace kmip::net::detail {

template <auto Free>
struct openssl_deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

using bio_ptr = std::unique_ptr<BIO, openssl_deleter<BIO_free_all>>;
using x509_ptr = std::unique_ptr<X509, openssl_deleter<X509_free>>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY_free>>;
using pkcs12_ptr = std::unique_ptr<PKCS12, openssl_deleter<PKCS12_free>>;
using ssl_ctx_ptr = std::unique_ptr<SSL_CTX, openssl_deleter<SSL_CTX_free>>;

struct x509_stack_deleter {
  void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_pop_free(s, X509_free); }
};
using x509_stack_ptr = std::unique_ptr<STACK_OF(X509), x509_stack_deleter>;

// Drains OpenSSL's thread-local error queue into "reason; reason" (empty when the queue is empty).
inline std::string drain_openssl_errors() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

}  // namespace kmip::net::detail
