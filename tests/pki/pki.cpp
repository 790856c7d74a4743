// The test PKI, generated with the pki library (pki/pki.hpp). See pki.hpp for what is made.
#include "tests/pki/pki.hpp"

#include <stdlib.h>

#include <cerrno>

#include <system_error>
#include <utility>

#include "pki/pki.hpp"

namespace tests::pki {
namespace {

namespace gen = kmiph::pki;

struct issued {
  gen::key_ptr key;
  gen::cert_ptr cert;
};

gen::key_type to_gen(key_type t) { return t == key_type::rsa_2048 ? gen::key_type::rsa_2048 : gen::key_type::ec_p256; }

gen::cert_spec spec_of(std::string_view cn, gen::profile kind, std::int64_t not_after = gen::days(30)) {
  gen::cert_spec s;
  s.common_name = std::string(cn);
  s.organization = "kmip-harness tests";
  s.kind = kind;
  s.not_after = not_after;
  return s;
}

// A certificate for a new key, or for `reuse` when given (the key is shared, not copied).
common::expected<issued, std::string> make(const gen::cert_spec& spec, const issued* issuer, key_type type,
                                           evp_pkey_st* reuse = nullptr) {
  gen::key_ptr key;
  if (reuse) {
    auto copy = gen::share(reuse);
    if (!copy) return common::unexpected{copy.error()};
    key = std::move(*copy);
  } else {
    auto fresh = gen::make_key(to_gen(type));
    if (!fresh) return common::unexpected{fresh.error()};
    key = std::move(*fresh);
  }
  auto cert = gen::issue(spec, key.get(), issuer ? issuer->cert.get() : nullptr, issuer ? issuer->key.get() : nullptr);
  if (!cert) return common::unexpected{cert.error()};
  return issued{std::move(key), std::move(*cert)};
}

}  // namespace

std::string_view to_string(key_type t) { return t == key_type::rsa_2048 ? "rsa" : "ec"; }

common::expected<files, std::string> generate(const std::filesystem::path& dir, key_type type) {
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
  f.expired_client_cert = dir / "expired-client.crt";

  auto ca = make(spec_of(ca_common_name, gen::profile::ca, gen::days(365)), nullptr, type);
  if (!ca) return common::unexpected{ca.error()};
  auto server = make(spec_of(server_common_name, gen::profile::server), &*ca, type);
  if (!server) return common::unexpected{server.error()};
  auto client = make(spec_of(client_common_name, gen::profile::client), &*ca, type);
  if (!client) return common::unexpected{client.error()};
  // The other client certificates reuse the client's key: RSA key generation is most of a test process's start-up.
  evp_pkey_st* client_key = client->key.get();
  auto no_eku = make(spec_of(client_no_eku_common_name, gen::profile::client_no_eku), &*ca, type, client_key);
  if (!no_eku) return common::unexpected{no_eku.error()};
  auto self_signed = make(spec_of(self_signed_common_name, gen::profile::self_signed), nullptr, type, client_key);
  if (!self_signed) return common::unexpected{self_signed.error()};
  auto other_ca = make(spec_of(untrusted_ca_common_name, gen::profile::ca, gen::days(365)), nullptr, type);
  if (!other_ca) return common::unexpected{other_ca.error()};
  auto untrusted = make(spec_of(untrusted_client_common_name, gen::profile::client), &*other_ca, type, client_key);
  if (!untrusted) return common::unexpected{untrusted.error()};
  gen::cert_spec expired_spec = spec_of(client_common_name, gen::profile::client, -gen::days(1));
  expired_spec.not_before = -gen::days(30);
  auto expired = make(expired_spec, &*ca, type, client_key);
  if (!expired) return common::unexpected{expired.error()};

  for (gen::status s : {gen::write_certs(f.ca_cert, {ca->cert.get()}), gen::write_key(f.ca_key, ca->key.get()),
                        gen::write_certs(f.server_cert, {server->cert.get()}),
                        gen::write_key(f.server_key, server->key.get()),
                        gen::write_certs(f.server_chain, {server->cert.get(), ca->cert.get()}),
                        gen::write_p12(f.server_p12, server->key.get(), server->cert.get(), ca->cert.get(),
                                       server_p12_password, server_common_name),
                        gen::write_certs(f.client_cert, {client->cert.get()}),
                        gen::write_key(f.client_key, client->key.get()),
                        gen::write_certs(f.client_no_eku_cert, {no_eku->cert.get()}),
                        gen::write_key(f.client_no_eku_key, no_eku->key.get()),
                        gen::write_certs(f.self_signed_cert, {self_signed->cert.get()}),
                        gen::write_key(f.self_signed_key, self_signed->key.get()),
                        gen::write_certs(f.untrusted_ca_cert, {other_ca->cert.get()}),
                        gen::write_certs(f.untrusted_client_cert, {untrusted->cert.get()}),
                        gen::write_key(f.untrusted_client_key, untrusted->key.get()),
                        gen::write_certs(f.expired_client_cert, {expired->cert.get()})})
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
