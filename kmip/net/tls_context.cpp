// Builds the client and server TLS contexts of tls_context.hpp. Files are read here (not by OpenSSL's file
// loaders) so that errors can name the file and say what is wrong with it, and so that private keys pass only
// through wiping buffers.
#include "kmip/net/tls_context.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/x509v3.h>

#include <boost/asio/ssl/context.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <system_error>

#include "kmip/net/detail/openssl.hpp"

namespace kmip::net {
namespace {

using detail::bio_ptr;
using detail::pkey_ptr;
using detail::x509_ptr;

// Certificate and key files are small; anything larger is a wrong path (a disk image, /dev/zero).
constexpr std::size_t max_file_size = 16u << 20;

common::unexpected<error> config_error(std::string message) {
  return common::unexpected{error{errc::config, std::move(message)}};
}

// "what path: reason; OpenSSL reason".
common::unexpected<error> file_error(std::string_view what, const std::string& path, std::string_view reason) {
  std::string m(what);
  m += " ";
  m += path;
  m += ": ";
  m += reason;
  if (std::string ossl = detail::drain_openssl_errors(); !ossl.empty()) m += " (" + ossl + ")";
  return config_error(std::move(m));
}

// Reads a whole file into a wiping buffer (it may be a private key).
result<common::secure_bytes> read_file(std::string_view what, const std::string& path) {
  if (path.empty()) return config_error(std::string(what) + ": no file name given");
  std::FILE* f = std::fopen(path.c_str(), "rbe");
  if (!f) return file_error(what, path, "cannot open: " + std::generic_category().message(errno));
  common::secure_bytes out;
  std::uint8_t buf[4096];
  bool failed = false;
  while (true) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, f);
    out.insert(out.end(), buf, buf + n);
    if (out.size() > max_file_size) break;
    if (n < sizeof buf) {
      failed = std::ferror(f) != 0;
      break;
    }
  }
  const int saved_errno = errno;
  std::fclose(f);
  common::secure_zero(buf, sizeof buf);
  if (failed) return file_error(what, path, "cannot read: " + std::generic_category().message(saved_errno));
  if (out.size() > max_file_size) return file_error(what, path, "larger than 16 MiB; not a certificate or key file");
  if (out.empty()) return file_error(what, path, "file is empty");
  return out;
}

bool contains(const common::secure_bytes& data, std::string_view needle) {
  return std::search(data.begin(), data.end(), needle.begin(), needle.end()) != data.end();
}

// Never prompt on a terminal for a PEM password: encrypted keys are an error, not a question.
int no_password(char*, int, int, void*) { return -1; }

bio_ptr memory_bio(const common::secure_bytes& data) {
  return bio_ptr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

// Every certificate in a PEM file, in order. At least one, or an error saying why not.
result<std::vector<x509_ptr>> load_certificates(std::string_view what, const std::string& path) {
  auto data = read_file(what, path);
  if (!data) return common::unexpected{data.error()};
  if ((*data)[0] == 0x30)
    return file_error(what, path, "looks like DER; PEM (-----BEGIN CERTIFICATE-----) is expected");
  ERR_clear_error();
  bio_ptr bio = memory_bio(*data);
  if (!bio) return file_error(what, path, "out of memory");
  std::vector<x509_ptr> certs;
  while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, no_password, nullptr)) certs.emplace_back(c);
  // The loop ends on "no start line" once the input is used up; any other reason is a damaged block.
  const unsigned long last = ERR_peek_last_error();
  if (last != 0 && !(ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE))
    return file_error(what, path, "damaged PEM certificate block");
  ERR_clear_error();
  if (certs.empty()) {
    if (contains(*data, "PRIVATE KEY-----"))
      return file_error(what, path, "holds a private key, not a certificate");
    return file_error(what, path, "not PEM: no -----BEGIN CERTIFICATE----- block");
  }
  return certs;
}

result<pkey_ptr> load_private_key(const std::string& path) {
  constexpr std::string_view what = "private key";
  auto data = read_file(what, path);
  if (!data) return common::unexpected{data.error()};
  ERR_clear_error();
  bio_ptr bio = memory_bio(*data);
  if (!bio) return file_error(what, path, "out of memory");
  pkey_ptr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr));
  if (!key) {
    if (contains(*data, "ENCRYPTED"))
      return file_error(what, path, "is encrypted; give an unencrypted PEM key (or use PKCS#12 on the server)");
    if (!contains(*data, "-----BEGIN"))
      return file_error(what, path, "not PEM: no -----BEGIN PRIVATE KEY----- block");
    if (contains(*data, "CERTIFICATE-----") && !contains(*data, "PRIVATE KEY-----"))
      return file_error(what, path, "holds a certificate, not a private key");
    return file_error(what, path, "not a readable PEM private key");
  }
  return key;
}

// Installs a certificate chain (leaf first) and its key, and checks that they belong together.
result<void> use_identity(SSL_CTX* ctx, std::vector<x509_ptr> chain, pkey_ptr key, const std::string& cert_path,
                          const std::string& key_path) {
  ERR_clear_error();
  if (SSL_CTX_use_certificate(ctx, chain.front().get()) != 1)
    return file_error("certificate", cert_path, "rejected by OpenSSL");
  for (std::size_t i = 1; i < chain.size(); ++i)
    if (SSL_CTX_add1_chain_cert(ctx, chain[i].get()) != 1)
      return file_error("certificate chain", cert_path, "chain certificate rejected by OpenSSL");
  if (X509_check_private_key(chain.front().get(), key.get()) != 1) {
    ERR_clear_error();
    return config_error("private key " + key_path + " does not match the certificate in " + cert_path);
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1) return file_error("private key", key_path, "rejected by OpenSSL");
  return {};
}

result<void> trust_certificates(SSL_CTX* ctx, const std::vector<std::string>& files, bool announce_to_clients) {
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  for (const std::string& path : files) {
    auto certs = load_certificates("CA bundle", path);
    if (!certs) return common::unexpected{certs.error()};
    for (const x509_ptr& c : *certs) {
      ERR_clear_error();
      // The same certificate listed twice is harmless; OpenSSL 3 accepts duplicates quietly.
      if (X509_STORE_add_cert(store, c.get()) != 1) return file_error("CA bundle", path, "certificate rejected");
      if (announce_to_clients && SSL_CTX_add_client_CA(ctx, c.get()) != 1)
        return file_error("CA bundle", path, "cannot announce the CA to clients");
    }
  }
  return {};
}

int to_openssl(tls_version v) { return v == tls_version::v1_2 ? TLS1_2_VERSION : TLS1_3_VERSION; }

result<void> apply_protocol(SSL_CTX* ctx, const tls_protocol_options& p) {
  if (p.min_version > p.max_version)
    return config_error("TLS minimum version " + std::string(to_string(p.min_version)) + " is above the maximum " +
                        std::string(to_string(p.max_version)));
  if (SSL_CTX_set_min_proto_version(ctx, to_openssl(p.min_version)) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, to_openssl(p.max_version)) != 1)
    return config_error("cannot set the TLS version range: " + detail::drain_openssl_errors());
  std::string ciphers = p.cipher_list.empty() ? std::string(default_tls12_ciphers) : p.cipher_list;
  if (p.allow_aes128_sha256) ciphers += ":" + std::string(vcenter_legacy_cipher);
  ERR_clear_error();
  if (SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1)
    return config_error("TLS 1.2 cipher list '" + ciphers + "' names no cipher OpenSSL offers (" +
                        detail::drain_openssl_errors() + ")");
  if (!p.tls13_ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx, p.tls13_ciphersuites.c_str()) != 1)
    return config_error("TLS 1.3 ciphersuites '" + p.tls13_ciphersuites + "' are not valid (" +
                        detail::drain_openssl_errors() + ")");
  // No compression (CRIME), no renegotiation (its attacks and its DoS cost).
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  return {};
}

// Server-side verify callback when require_client_auth_eku is set: the leaf must carry an EKU extension that
// lists clientAuth. (OpenSSL's own purpose check already rejects an EKU without clientAuth, but accepts a
// certificate with no EKU at all.)
int verify_require_client_auth_eku(int preverify_ok, X509_STORE_CTX* store) {
  if (!preverify_ok || X509_STORE_CTX_get_error_depth(store) != 0) return preverify_ok;
  X509* cert = X509_STORE_CTX_get_current_cert(store);
  if (!cert) return 0;
  const bool has_eku = (X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) != 0;
  if (!has_eku || (X509_get_extended_key_usage(cert) & XKU_SSL_CLIENT) == 0) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_INVALID_PURPOSE);
    return 0;
  }
  return 1;
}

result<tls_context_ptr> wrap(detail::ssl_ctx_ptr ctx) {
  // Asio's context takes ownership of the SSL_CTX (and frees it in its destructor).
  try {
    return std::make_shared<boost::asio::ssl::context>(ctx.release());
  } catch (const std::exception& e) {
    return config_error(std::string("cannot create the TLS context: ") + e.what());
  }
}

bool is_ip_literal(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace

std::string_view to_string(tls_version v) { return v == tls_version::v1_2 ? "TLSv1.2" : "TLSv1.3"; }

namespace {

// The key log file of a client context, kept in the SSL_CTX's ex_data (Asio uses the app data slot).
int keylog_index() {
  static const int index = SSL_CTX_get_ex_new_index(
      0, nullptr, nullptr, nullptr, [](void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
        delete static_cast<std::string*>(ptr);
      });
  return index;
}

void write_keylog_line(const SSL* ssl, const char* line) {
  const auto* path = static_cast<const std::string*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), keylog_index()));
  if (!path) return;
  const int fd = ::open(path->c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return;
  std::string text = std::string(line) + "\n";
  [[maybe_unused]] auto n = ::write(fd, text.data(), text.size());
  ::close(fd);
}

result<tls_context_ptr> make_client_context_impl(const client_tls_options& o) {
  ERR_clear_error();
  detail::ssl_ctx_ptr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return config_error("cannot create a TLS client context: " + detail::drain_openssl_errors());
  if (auto r = apply_protocol(ctx.get(), o.protocol); !r) return common::unexpected{r.error()};

  if (o.verify_peer) {
    if (o.ca_files.empty()) {
      if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1)
        return config_error("no CA files given and OpenSSL's default verify paths cannot be loaded: " +
                            detail::drain_openssl_errors());
    } else if (auto r = trust_certificates(ctx.get(), o.ca_files, false); !r) {
      return common::unexpected{r.error()};
    }
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  }

  if (o.cert_file.empty() != o.key_file.empty())
    return config_error(o.cert_file.empty() ? "client key " + o.key_file + " given without a certificate"
                                            : "client certificate " + o.cert_file + " given without its key");
  if (!o.cert_file.empty()) {
    auto chain = load_certificates("client certificate", o.cert_file);
    if (!chain) return common::unexpected{chain.error()};
    auto key = load_private_key(o.key_file);
    if (!key) return common::unexpected{key.error()};
    if (auto r = use_identity(ctx.get(), std::move(*chain), std::move(*key), o.cert_file, o.key_file); !r)
      return common::unexpected{r.error()};
  }
  if (!o.keylog_file.empty()) {
    SSL_CTX_set_ex_data(ctx.get(), keylog_index(), new std::string(o.keylog_file));
    SSL_CTX_set_keylog_callback(ctx.get(), write_keylog_line);
  }
  return wrap(std::move(ctx));
}

result<tls_context_ptr> make_server_context_impl(const server_tls_options& o) {
  ERR_clear_error();
  detail::ssl_ctx_ptr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return config_error("cannot create a TLS server context: " + detail::drain_openssl_errors());
  if (auto r = apply_protocol(ctx.get(), o.protocol); !r) return common::unexpected{r.error()};
  SSL_CTX_set_options(ctx.get(), SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Sessions resumed with a client certificate need an ID context, or OpenSSL refuses the resumption.
  static constexpr unsigned char session_id_context[] = "kmip-harness";
  SSL_CTX_set_session_id_context(ctx.get(), session_id_context, sizeof session_id_context - 1);

  if (!o.pkcs12_file.empty()) {
    auto data = read_file("PKCS#12 file", o.pkcs12_file);
    if (!data) return common::unexpected{data.error()};
    ERR_clear_error();
    bio_ptr bio = memory_bio(*data);
    detail::pkcs12_ptr p12(bio ? d2i_PKCS12_bio(bio.get(), nullptr) : nullptr);
    if (!p12) return file_error("PKCS#12 file", o.pkcs12_file, "not a DER PKCS#12 file");
    common::secure_bytes password(o.pkcs12_password);
    password.push_back(0);
    EVP_PKEY* raw_key = nullptr;
    X509* raw_cert = nullptr;
    STACK_OF(X509)* raw_ca = nullptr;
    if (PKCS12_parse(p12.get(), reinterpret_cast<const char*>(password.data()), &raw_key, &raw_cert, &raw_ca) != 1)
      return file_error("PKCS#12 file", o.pkcs12_file, "cannot be opened: wrong password or damaged file");
    pkey_ptr key(raw_key);
    x509_ptr cert(raw_cert);
    detail::x509_stack_ptr ca(raw_ca);
    if (!key || !cert) return file_error("PKCS#12 file", o.pkcs12_file, "holds no private key and certificate");
    std::vector<x509_ptr> chain;
    chain.push_back(std::move(cert));
    for (int i = 0; ca && i < sk_X509_num(ca.get()); ++i) {
      X509* c = sk_X509_value(ca.get(), i);
      X509_up_ref(c);
      chain.emplace_back(c);
    }
    if (auto r = use_identity(ctx.get(), std::move(chain), std::move(key), o.pkcs12_file, o.pkcs12_file); !r)
      return common::unexpected{r.error()};
  } else {
    if (o.cert_file.empty() || o.key_file.empty())
      return config_error("server TLS identity missing: give cert_file and key_file, or pkcs12_file");
    auto chain = load_certificates("server certificate", o.cert_file);
    if (!chain) return common::unexpected{chain.error()};
    auto key = load_private_key(o.key_file);
    if (!key) return common::unexpected{key.error()};
    if (auto r = use_identity(ctx.get(), std::move(*chain), std::move(*key), o.cert_file, o.key_file); !r)
      return common::unexpected{r.error()};
  }

  if (o.client_ca_files.empty()) {
    if (o.require_client_cert || o.require_client_auth_eku)
      return config_error("client certificates are required but no client CA files are given");
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  } else {
    if (auto r = trust_certificates(ctx.get(), o.client_ca_files, true); !r) return common::unexpected{r.error()};
    int mode = SSL_VERIFY_PEER;
    if (o.require_client_cert) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx.get(), mode, o.require_client_auth_eku ? verify_require_client_auth_eku : nullptr);
  }
  return wrap(std::move(ctx));
}

result<void> prepare_client_session_impl(ssl_st* ssl, const client_tls_options& o, std::string_view host) {
  ERR_clear_error();
  if (!o.server_name.empty() && !is_ip_literal(o.server_name)) {
    if (SSL_set_tlsext_host_name(ssl, o.server_name.c_str()) != 1)
      return common::unexpected{
          error{errc::config, "cannot set SNI '" + o.server_name + "': " + detail::drain_openssl_errors()}};
  }
  if (o.verify_hostname) {
    const std::string expected = o.server_name.empty() ? std::string(host) : o.server_name;
    int ok = 0;
    if (is_ip_literal(expected)) {
      ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), expected.c_str());
    } else {
      SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      ok = SSL_set1_host(ssl, expected.c_str());
    }
    if (ok != 1)
      return common::unexpected{
          error{errc::config, "cannot check the server name '" + expected + "': " + detail::drain_openssl_errors()}};
  }
  return {};
}

}  // namespace

// ---- the roots: errors are values; an exception from below (std::bad_alloc, Asio's context) becomes one --------

result<tls_context_ptr> make_client_context(const client_tls_options& options) {
  try {
    return make_client_context_impl(options);
  } catch (const std::exception& e) {
    return config_error(std::string("cannot build the TLS client context: ") + e.what());
  }
}

result<tls_context_ptr> make_server_context(const server_tls_options& options) {
  try {
    return make_server_context_impl(options);
  } catch (const std::exception& e) {
    return config_error(std::string("cannot build the TLS server context: ") + e.what());
  }
}

result<void> prepare_client_session(ssl_st* ssl, const client_tls_options& options, std::string_view host) {
  try {
    return prepare_client_session_impl(ssl, options, host);
  } catch (const std::exception& e) {
    return config_error(std::string("cannot prepare the TLS session: ") + e.what());
  }
}

}  // namespace kmip::net
