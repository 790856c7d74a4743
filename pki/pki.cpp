// Certificate generation with OpenSSL 3; see pki.hpp.
#include "pki/pki.hpp"

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
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <vector>

namespace kmiph::pki {
namespace {

template <auto Free>
struct deleter {
  template <class T>
  void operator()(T* p) const noexcept { Free(p); }
};
using bio_ptr = std::unique_ptr<BIO, deleter<BIO_free_all>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, deleter<X509_EXTENSION_free>>;
using bn_ptr = std::unique_ptr<BIGNUM, deleter<BN_free>>;
using pkcs12_ptr = std::unique_ptr<PKCS12, deleter<PKCS12_free>>;
struct x509_stack_deleter {
  void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_pop_free(s, X509_free); }
};
using x509_stack_ptr = std::unique_ptr<STACK_OF(X509), x509_stack_deleter>;

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

status add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ext_ptr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
    return fail(std::string("add extension ") + OBJ_nid2sn(nid) + "=" + value);
  return {};
}

// Opens `path` for writing with `mode` (set on the descriptor before anything is written), truncating.
common::expected<bio_ptr, std::string> open_for_write(const std::filesystem::path& path, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    return common::unexpected{"cannot create " + path.string() + ": " + std::generic_category().message(errno)};
  if (::fchmod(fd, mode) != 0) {
    const int e = errno;
    ::close(fd);
    return common::unexpected{"cannot set the mode of " + path.string() + ": " + std::generic_category().message(e)};
  }
  bio_ptr bio(BIO_new_fd(fd, BIO_CLOSE));
  if (!bio) {
    ::close(fd);
    return fail("BIO_new_fd " + path.string());
  }
  return bio;
}

}  // namespace

void key_deleter::operator()(evp_pkey_st* p) const noexcept { EVP_PKEY_free(p); }
void cert_deleter::operator()(x509_st* p) const noexcept { X509_free(p); }

std::string_view to_string(key_type t) { return t == key_type::rsa_2048 ? "rsa" : "ec"; }

common::expected<key_ptr, std::string> make_key(key_type type) {
  key_ptr key(type == key_type::rsa_2048 ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256"));
  if (!key) return fail("generate key");
  return key;
}

common::expected<key_ptr, std::string> share(evp_pkey_st* key) {
  if (EVP_PKEY_up_ref(key) != 1) return fail("EVP_PKEY_up_ref");
  return key_ptr(key);
}

common::expected<cert_ptr, std::string> issue(const cert_spec& spec, evp_pkey_st* key, x509_st* issuer,
                                              evp_pkey_st* issuer_key) {
  cert_ptr cert(X509_new());
  if (!cert) return fail("X509_new");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) return fail("X509_set_version");

  // A random positive 64-bit serial, so that no two certificates collide in a peer's cache.
  bn_ptr serial(BN_new());
  if (!serial || BN_rand(serial.get(), 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())))
    return fail("serial number");

  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(spec.not_before)) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(spec.not_after)))
    return fail("validity");

  X509_NAME* name = X509_get_subject_name(cert.get());
  if (!spec.organization.empty() &&
      X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(spec.organization.c_str()), -1, -1, 0) != 1)
    return fail("subject name");
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0) != 1)
    return fail("subject name");
  X509* signer = issuer ? issuer : cert.get();
  EVP_PKEY* signer_key = issuer ? issuer_key : key;
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) != 1) return fail("issuer name");
  if (X509_set_pubkey(cert.get(), key) != 1) return fail("public key");

  const bool rsa = EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA;
  const std::string leaf_usage =
      rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature,keyAgreement";
  std::vector<std::pair<int, std::string>> exts;
  switch (spec.kind) {
    case profile::ca:
      exts = {{NID_basic_constraints, "critical,CA:TRUE"},
              {NID_key_usage, "critical,keyCertSign,cRLSign"},
              {NID_subject_key_identifier, "hash"}};
      break;
    case profile::server:
      exts = {{NID_basic_constraints, "critical,CA:FALSE"},
              {NID_key_usage, leaf_usage},
              {NID_ext_key_usage, "serverAuth,clientAuth"}};
      if (!spec.subject_alt_names.empty()) exts.emplace_back(NID_subject_alt_name, spec.subject_alt_names);
      exts.emplace_back(NID_subject_key_identifier, "hash");
      exts.emplace_back(NID_authority_key_identifier, "keyid:always");
      break;
    case profile::client:
      exts = {{NID_basic_constraints, "critical,CA:FALSE"},
              {NID_key_usage, leaf_usage},
              {NID_ext_key_usage, "clientAuth"},
              {NID_subject_key_identifier, "hash"},
              {NID_authority_key_identifier, "keyid:always"}};
      break;
    case profile::client_no_eku:
      exts = {{NID_basic_constraints, "critical,CA:FALSE"},
              {NID_key_usage, leaf_usage},
              {NID_subject_key_identifier, "hash"},
              {NID_authority_key_identifier, "keyid:always"}};
      break;
    case profile::self_signed: exts = {{NID_subject_key_identifier, "hash"}}; break;
  }
  for (const auto& [nid, value] : exts)
    if (auto s = add_extension(cert.get(), signer, nid, value); !s) return common::unexpected{s.error()};

  if (X509_sign(cert.get(), signer_key, EVP_sha256()) <= 0) return fail("sign certificate");
  return cert;
}

status write_certs(const std::filesystem::path& path, std::initializer_list<x509_st*> certs) {
  auto bio = open_for_write(path, 0644);
  if (!bio) return common::unexpected{bio.error()};
  for (X509* c : certs)
    if (PEM_write_bio_X509(bio->get(), c) != 1) return fail("write " + path.string());
  if (BIO_flush(bio->get()) != 1) return fail("flush " + path.string());
  return {};
}

status write_key(const std::filesystem::path& path, evp_pkey_st* key) {
  auto bio = open_for_write(path, 0600);
  if (!bio) return common::unexpected{bio.error()};
  if (PEM_write_bio_PrivateKey(bio->get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return fail("write " + path.string());
  if (BIO_flush(bio->get()) != 1) return fail("flush " + path.string());
  return {};
}

status write_p12(const std::filesystem::path& path, evp_pkey_st* key, x509_st* cert, x509_st* ca,
                 std::string_view password, std::string_view friendly_name) {
  x509_stack_ptr chain(sk_X509_new_null());
  if (!chain || X509_up_ref(ca) != 1) return fail("PKCS#12 chain");
  if (sk_X509_push(chain.get(), ca) <= 0) {
    X509_free(ca);
    return fail("PKCS#12 chain");
  }
  const std::string pass(password);
  const std::string friendly(friendly_name);
  // nid 0 and iterations 0 take OpenSSL 3's defaults: AES-256-CBC with PBKDF2, HMAC-SHA256 MAC.
  pkcs12_ptr p12(PKCS12_create(pass.c_str(), friendly.c_str(), key, cert, chain.get(), 0, 0, 0, 0, 0));
  if (!p12) return fail("PKCS12_create");
  auto bio = open_for_write(path, 0600);
  if (!bio) return common::unexpected{bio.error()};
  if (i2d_PKCS12_bio(bio->get(), p12.get()) != 1 || BIO_flush(bio->get()) != 1)
    return fail("write " + path.string());
  return {};
}

status write_text(const std::filesystem::path& path, std::string_view text, unsigned mode) {
  auto bio = open_for_write(path, static_cast<mode_t>(mode));
  if (!bio) return common::unexpected{bio.error()};
  if (BIO_write(bio->get(), text.data(), static_cast<int>(text.size())) != static_cast<int>(text.size()) ||
      BIO_flush(bio->get()) != 1)
    return fail("write " + path.string());
  return {};
}

common::expected<std::string, std::string> random_hex(std::size_t n) {
  std::vector<unsigned char> bytes(n);
  if (RAND_bytes(bytes.data(), static_cast<int>(n)) != 1) return fail("RAND_bytes");
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (unsigned char b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 0x0f];
  }
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return out;
}

kms_set kms_set_paths(const std::filesystem::path& dir) {
  kms_set s;
  s.ca_cert = dir / "ca.crt";
  s.ca_key = dir / "ca.key";
  s.server_cert = dir / "server.crt";
  s.server_key = dir / "server.key";
  s.server_p12 = dir / "server.p12";
  s.server_p12_password_file = dir / "server.p12.password";
  s.vcenter_cert = dir / "vcenter.crt";
  s.vcenter_key = dir / "vcenter.key";
  return s;
}

common::expected<kms_set, std::string> write_kms_set(const std::filesystem::path& dir, const kms_set_options& options) {
  ERR_clear_error();
  kms_set s = kms_set_paths(dir);
  std::error_code ec;
  if (!options.force) {
    for (const auto* p : {&s.ca_cert, &s.ca_key, &s.server_cert, &s.server_key, &s.server_p12,
                          &s.server_p12_password_file, &s.vcenter_cert, &s.vcenter_key})
      if (std::filesystem::exists(*p, ec))
        return common::unexpected{p->string() + " exists; not overwriting it without --force"};
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) return common::unexpected{"cannot create " + dir.string() + ": " + ec.message()};

  auto password = random_hex(16);
  if (!password) return common::unexpected{password.error()};
  s.server_p12_password = *password;

  cert_spec ca_spec{"kmip-harness CA", "kmip-harness", profile::ca, -3600, days(options.days_valid + 365), ""};
  cert_spec server_spec{options.server_common_name, "kmip-harness", profile::server, -3600, days(options.days_valid),
                        options.subject_alt_names};
  cert_spec vcenter_spec{"vcenter", "kmip-harness", options.client_eku ? profile::client : profile::client_no_eku,
                         -3600, days(options.days_valid), ""};

  auto ca_key = make_key(options.type);
  if (!ca_key) return common::unexpected{ca_key.error()};
  auto ca = issue(ca_spec, ca_key->get());
  if (!ca) return common::unexpected{ca.error()};
  auto server_key = make_key(options.type);
  if (!server_key) return common::unexpected{server_key.error()};
  auto server = issue(server_spec, server_key->get(), ca->get(), ca_key->get());
  if (!server) return common::unexpected{server.error()};
  auto vcenter_key = make_key(options.type);
  if (!vcenter_key) return common::unexpected{vcenter_key.error()};
  auto vcenter = issue(vcenter_spec, vcenter_key->get(), ca->get(), ca_key->get());
  if (!vcenter) return common::unexpected{vcenter.error()};

  for (status st : {write_certs(s.ca_cert, {ca->get()}), write_key(s.ca_key, ca_key->get()),
                    write_certs(s.server_cert, {server->get(), ca->get()}),
                    write_key(s.server_key, server_key->get()),
                    write_p12(s.server_p12, server_key->get(), server->get(), ca->get(), s.server_p12_password,
                              options.server_common_name),
                    write_text(s.server_p12_password_file, s.server_p12_password + "\n", 0600),
                    write_certs(s.vcenter_cert, {vcenter->get()}), write_key(s.vcenter_key, vcenter_key->get())})
    if (!st) return common::unexpected{st.error()};
  return s;
}

}  // namespace kmiph::pki
