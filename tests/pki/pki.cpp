// Certificate generation for tests with OpenSSL 3's EVP and X509 APIs. See pki.hpp for what is made.
#include "tests/pki/pki.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <system_error>
#include <utility>

namespace tests::pki {
namespace {

template <auto Free>
struct deleter {
  template <class T>
  void operator()(T* p) const noexcept { Free(p); }
};
using bio_ptr = std::unique_ptr<BIO, deleter<BIO_free_all>>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509_free>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, deleter<X509_EXTENSION_free>>;
using bn_ptr = std::unique_ptr<BIGNUM, deleter<BN_free>>;
using pkcs12_ptr = std::unique_ptr<PKCS12, deleter<PKCS12_free>>;
struct x509_stack_deleter {
  void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_pop_free(s, X509_free); }
};
using x509_stack_ptr = std::unique_ptr<STACK_OF(X509), x509_stack_deleter>;

using status = common::expected<void, std::string>;

// "step: OpenSSL reason; OpenSSL reason", draining OpenSSL's error queue.
std::string openssl_failure(std::string_view step) {
  std::string out(step);
  out += ": ";
  bool first = true;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!first) out += "; ";
    out += buf;
    first = false;
  }
  if (first) out += "failed (no OpenSSL reason)";
  return out;
}

common::unexpected<std::string> fail(std::string_view step) { return common::unexpected{openssl_failure(step)}; }

common::expected<pkey_ptr, std::string> make_key(key_type type) {
  pkey_ptr key(type == key_type::rsa_2048 ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256"));
  if (!key) return fail("generate key");
  return key;
}

enum class role : std::uint8_t { ca, server, client, client_no_eku, self_signed };

struct cert_request {
  std::string_view common_name;
  role kind;
  int days = 30;
};

status add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ext_ptr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
    return fail(std::string("add extension ") + OBJ_nid2sn(nid) + "=" + value);
  return {};
}

// Issues a certificate for `key`. For a CA or a self-signed certificate, issuer is null and the certificate
// signs itself.
common::expected<x509_ptr, std::string> issue(const cert_request& req, EVP_PKEY* key, X509* issuer,
                                              EVP_PKEY* issuer_key, key_type type) {
  x509_ptr cert(X509_new());
  if (!cert) return fail("X509_new");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) return fail("X509_set_version");

  // A random positive 64-bit serial, so that no two test certificates collide in a peer's cache.
  bn_ptr serial(BN_new());
  if (!serial || BN_rand(serial.get(), 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())))
    return fail("serial number");

  // One hour of slack before now, for clocks of peers that lag a little.
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(req.days) * 24 * 3600))
    return fail("validity");

  X509_NAME* name = X509_get_subject_name(cert.get());
  const std::string cn(req.common_name);
  if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("kmip-harness tests"),
                                 -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                                 -1, 0) != 1)
    return fail("subject name");
  X509* signer = issuer ? issuer : cert.get();
  EVP_PKEY* signer_key = issuer ? issuer_key : key;
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) != 1) return fail("issuer name");
  if (X509_set_pubkey(cert.get(), key) != 1) return fail("public key");

  const bool rsa = type == key_type::rsa_2048;
  const char* leaf_usage = rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature,keyAgreement";
  struct ext {
    int nid;
    const char* value;
  };
  std::initializer_list<ext> exts;
  const std::initializer_list<ext> ca_exts = {{NID_basic_constraints, "critical,CA:TRUE"},
                                              {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                              {NID_subject_key_identifier, "hash"}};
  const std::initializer_list<ext> server_exts = {{NID_basic_constraints, "critical,CA:FALSE"},
                                                  {NID_key_usage, leaf_usage},
                                                  {NID_ext_key_usage, "serverAuth,clientAuth"},
                                                  {NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"},
                                                  {NID_subject_key_identifier, "hash"},
                                                  {NID_authority_key_identifier, "keyid:always"}};
  const std::initializer_list<ext> client_exts = {{NID_basic_constraints, "critical,CA:FALSE"},
                                                  {NID_key_usage, leaf_usage},
                                                  {NID_ext_key_usage, "clientAuth"},
                                                  {NID_subject_key_identifier, "hash"},
                                                  {NID_authority_key_identifier, "keyid:always"}};
  const std::initializer_list<ext> no_eku_exts = {{NID_basic_constraints, "critical,CA:FALSE"},
                                                  {NID_key_usage, leaf_usage},
                                                  {NID_subject_key_identifier, "hash"},
                                                  {NID_authority_key_identifier, "keyid:always"}};
  // vCenter 6.5's self-signed certificate carried no key usage restrictions either.
  const std::initializer_list<ext> self_signed_exts = {{NID_subject_key_identifier, "hash"}};
  switch (req.kind) {
    case role::ca: exts = ca_exts; break;
    case role::server: exts = server_exts; break;
    case role::client: exts = client_exts; break;
    case role::client_no_eku: exts = no_eku_exts; break;
    case role::self_signed: exts = self_signed_exts; break;
  }
  for (const ext& e : exts)
    if (auto s = add_extension(cert.get(), signer, e.nid, e.value); !s) return common::unexpected{s.error()};

  if (X509_sign(cert.get(), signer_key, EVP_sha256()) <= 0) return fail("sign certificate");
  return cert;
}

// Opens `path` for writing with the given mode (keys 0600), truncating.
common::expected<bio_ptr, std::string> open_for_write(const std::filesystem::path& path, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return common::unexpected{"cannot create " + path.string() + ": " + std::generic_category().message(errno)};
  ::fchmod(fd, mode);
  bio_ptr bio(BIO_new_fd(fd, BIO_CLOSE));
  if (!bio) {
    ::close(fd);
    return fail("BIO_new_fd " + path.string());
  }
  return bio;
}

status write_certs(const std::filesystem::path& path, std::initializer_list<X509*> certs) {
  auto bio = open_for_write(path, 0644);
  if (!bio) return common::unexpected{bio.error()};
  for (X509* c : certs)
    if (PEM_write_bio_X509(bio->get(), c) != 1) return fail("write " + path.string());
  if (BIO_flush(bio->get()) != 1) return fail("flush " + path.string());
  return {};
}

status write_key(const std::filesystem::path& path, EVP_PKEY* key) {
  auto bio = open_for_write(path, 0600);
  if (!bio) return common::unexpected{bio.error()};
  if (PEM_write_bio_PrivateKey(bio->get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return fail("write " + path.string());
  if (BIO_flush(bio->get()) != 1) return fail("flush " + path.string());
  return {};
}

status write_p12(const std::filesystem::path& path, EVP_PKEY* key, X509* cert, X509* ca) {
  x509_stack_ptr chain(sk_X509_new_null());
  if (!chain || X509_up_ref(ca) != 1) return fail("PKCS#12 chain");
  if (sk_X509_push(chain.get(), ca) <= 0) {
    X509_free(ca);
    return fail("PKCS#12 chain");
  }
  const std::string password(server_p12_password);
  // nid 0 and iterations 0 take OpenSSL 3's defaults: AES-256-CBC with PBKDF2, HMAC-SHA256 MAC.
  pkcs12_ptr p12(PKCS12_create(password.c_str(), std::string(server_common_name).c_str(), key, cert, chain.get(), 0,
                               0, 0, 0, 0));
  if (!p12) return fail("PKCS12_create");
  auto bio = open_for_write(path, 0600);
  if (!bio) return common::unexpected{bio.error()};
  if (i2d_PKCS12_bio(bio->get(), p12.get()) != 1 || BIO_flush(bio->get()) != 1) return fail("write " + path.string());
  return {};
}

struct issued {
  pkey_ptr key;
  x509_ptr cert;
};

// A certificate for a new key, or for `reuse` when given (the key is shared, not copied).
common::expected<issued, std::string> make(const cert_request& req, X509* issuer, EVP_PKEY* issuer_key,
                                           key_type type, EVP_PKEY* reuse = nullptr) {
  pkey_ptr key;
  if (reuse) {
    if (EVP_PKEY_up_ref(reuse) != 1) return fail("EVP_PKEY_up_ref");
    key.reset(reuse);
  } else {
    auto fresh = make_key(type);
    if (!fresh) return common::unexpected{fresh.error()};
    key = std::move(*fresh);
  }
  auto cert = issue(req, key.get(), issuer, issuer_key, type);
  if (!cert) return common::unexpected{cert.error()};
  return issued{std::move(key), std::move(*cert)};
}

}  // namespace

std::string_view to_string(key_type t) { return t == key_type::rsa_2048 ? "rsa" : "ec"; }

common::expected<files, std::string> generate(const std::filesystem::path& dir, key_type type) {
  ERR_clear_error();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return common::unexpected{"cannot create " + dir.string() + ": " + ec.message()};

  files f;
  f.dir = dir;
  f.ca_cert = dir / "ca.crt";
  f.ca_key = dir / "ca.key";
  f.server_cert = dir / "server.crt";
  f.server_key = dir / "server.key";
  f.server_chain = dir / "server-chain.crt";
  f.server_p12 = dir / "server.p12";
  f.client_cert = dir / "client.crt";
  f.client_key = dir / "client.key";
  f.client_no_eku_cert = dir / "client-no-eku.crt";
  f.client_no_eku_key = dir / "client-no-eku.key";
  f.self_signed_cert = dir / "self-signed.crt";
  f.self_signed_key = dir / "self-signed.key";
  f.untrusted_ca_cert = dir / "untrusted-ca.crt";
  f.untrusted_client_cert = dir / "untrusted-client.crt";
  f.untrusted_client_key = dir / "untrusted-client.key";

  auto ca = make({ca_common_name, role::ca, 365}, nullptr, nullptr, type);
  if (!ca) return common::unexpected{ca.error()};
  auto server = make({server_common_name, role::server}, ca->cert.get(), ca->key.get(), type);
  if (!server) return common::unexpected{server.error()};
  auto client = make({client_common_name, role::client}, ca->cert.get(), ca->key.get(), type);
  if (!client) return common::unexpected{client.error()};
  // The other client certificates reuse the client's key: RSA key generation is most of a test process's start-up.
  EVP_PKEY* client_key = client->key.get();
  auto no_eku =
      make({client_no_eku_common_name, role::client_no_eku}, ca->cert.get(), ca->key.get(), type, client_key);
  if (!no_eku) return common::unexpected{no_eku.error()};
  auto self_signed = make({self_signed_common_name, role::self_signed}, nullptr, nullptr, type, client_key);
  if (!self_signed) return common::unexpected{self_signed.error()};
  auto other_ca = make({untrusted_ca_common_name, role::ca, 365}, nullptr, nullptr, type);
  if (!other_ca) return common::unexpected{other_ca.error()};
  auto untrusted = make({untrusted_client_common_name, role::client}, other_ca->cert.get(), other_ca->key.get(), type,
                        client_key);
  if (!untrusted) return common::unexpected{untrusted.error()};

  for (status s : {write_certs(f.ca_cert, {ca->cert.get()}), write_key(f.ca_key, ca->key.get()),
                   write_certs(f.server_cert, {server->cert.get()}), write_key(f.server_key, server->key.get()),
                   write_certs(f.server_chain, {server->cert.get(), ca->cert.get()}),
                   write_p12(f.server_p12, server->key.get(), server->cert.get(), ca->cert.get()),
                   write_certs(f.client_cert, {client->cert.get()}), write_key(f.client_key, client->key.get()),
                   write_certs(f.client_no_eku_cert, {no_eku->cert.get()}),
                   write_key(f.client_no_eku_key, no_eku->key.get()),
                   write_certs(f.self_signed_cert, {self_signed->cert.get()}),
                   write_key(f.self_signed_key, self_signed->key.get()),
                   write_certs(f.untrusted_ca_cert, {other_ca->cert.get()}),
                   write_certs(f.untrusted_client_cert, {untrusted->cert.get()}),
                   write_key(f.untrusted_client_key, untrusted->key.get())})
    if (!s) return common::unexpected{s.error()};
  return f;
}

// ---- temp_dir ------------------------------------------------------------------------------------------------

common::expected<temp_dir, std::string> temp_dir::create(std::string_view prefix) {
  std::error_code ec;
  std::filesystem::path base = std::filesystem::temp_directory_path(ec);
  if (ec) return common::unexpected{"no temp directory: " + ec.message()};
  std::string templ = (base / (std::string(prefix) + "-XXXXXX")).string();
  if (::mkdtemp(templ.data()) == nullptr)
    return common::unexpected{"mkdtemp " + templ + ": " + std::generic_category().message(errno)};
  return temp_dir(std::filesystem::path(templ));
}

temp_dir& temp_dir::operator=(temp_dir&& other) noexcept {
  if (this != &other) {
    remove();
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

temp_dir::~temp_dir() { remove(); }

void temp_dir::remove() noexcept {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);  // best effort: a leftover temp directory is not worth a crash
  path_.clear();
}

}  // namespace tests::pki
