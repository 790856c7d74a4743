// Owning handles for the OpenSSL objects the project uses, so that every exit path frees them (and, for cipher
// contexts, wipes the key schedule: EVP_CIPHER_CTX_free cleanses). Header-only; link OpenSSL::Crypto where used.
#pragma once

#include <memory>

#include <openssl/evp.h>

namespace common::ossl {

struct cipher_ctx_deleter {
  void operator()(EVP_CIPHER_CTX* p) const noexcept { EVP_CIPHER_CTX_free(p); }
};
struct cipher_deleter {
  void operator()(EVP_CIPHER* p) const noexcept { EVP_CIPHER_free(p); }
};
struct mac_deleter {
  void operator()(EVP_MAC* p) const noexcept { EVP_MAC_free(p); }
};
struct mac_ctx_deleter {
  void operator()(EVP_MAC_CTX* p) const noexcept { EVP_MAC_CTX_free(p); }
};

using cipher_ctx_ptr = std::unique_ptr<EVP_CIPHER_CTX, cipher_ctx_deleter>;
using cipher_ptr = std::unique_ptr<EVP_CIPHER, cipher_deleter>;
using mac_ptr = std::unique_ptr<EVP_MAC, mac_deleter>;
using mac_ctx_ptr = std::unique_ptr<EVP_MAC_CTX, mac_ctx_deleter>;

}  // namespace common::ossl
