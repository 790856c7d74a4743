// TLS context builders: good inputs build, and each bad input gives an error that names the file and the problem.
#include "kmip/net/tls_context.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ssl/context.hpp>
#include <fstream>

#include "kmip/net/peer_identity.hpp"
#include "kmip/net/testing/fixtures.hpp"
#include "kmip/net/detail/openssl.hpp"

namespace kmip::net {
namespace {

using testing::shared_pki;
using tests::pki::key_type;

class TlsContextTest : public ::testing::TestWithParam<key_type> {
 protected:
  const tests::pki::files& pki() const { return shared_pki(GetParam()); }

  // A file in the PKI directory with the given content.
  std::string write_file(const std::string& name, const std::string& content) const {
    const auto path = pki().dir / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }
};

INSTANTIATE_TEST_SUITE_P(Keys, TlsContextTest, ::testing::Values(key_type::rsa_2048, key_type::ec_p256),
                         [](const auto& p) { return std::string(tests::pki::to_string(p.param)); });

TEST_P(TlsContextTest, BuildsClientAndServerContexts) {
  auto client = make_client_context(testing::client_options(pki()));
  ASSERT_TRUE(client) << client.error().message;
  EXPECT_NE(*client, nullptr);
  auto server = make_server_context(testing::server_options(pki()));
  ASSERT_TRUE(server) << server.error().message;
}

TEST_P(TlsContextTest, ServerFromChainFileAndFromPkcs12) {
  server_tls_options chain = testing::server_options(pki());
  chain.cert_file = pki().server_chain.string();
  auto a = make_server_context(chain);
  ASSERT_TRUE(a) << a.error().message;

  server_tls_options p12 = testing::server_options(pki());
  p12.cert_file.clear();
  p12.key_file.clear();
  p12.pkcs12_file = pki().server_p12.string();
  p12.pkcs12_password.assign(tests::pki::server_p12_password.begin(), tests::pki::server_p12_password.end());
  auto b = make_server_context(p12);
  ASSERT_TRUE(b) << b.error().message;
}

TEST_P(TlsContextTest, Pkcs12WithWrongPasswordNamesTheFile) {
  server_tls_options o = testing::server_options(pki());
  o.pkcs12_file = pki().server_p12.string();
  const std::string wrong = "not the password";
  o.pkcs12_password.assign(wrong.begin(), wrong.end());
  auto r = make_server_context(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::config);
  EXPECT_NE(r.error().message.find(o.pkcs12_file), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("wrong password"), std::string::npos) << r.error().message;
}

TEST_P(TlsContextTest, MissingFileIsNamed) {
  client_tls_options o = testing::client_options(pki());
  o.ca_files = {(pki().dir / "no-such-ca.crt").string()};
  auto r = make_client_context(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::config);
  EXPECT_NE(r.error().message.find("no-such-ca.crt"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("No such file"), std::string::npos) << r.error().message;
}

TEST_P(TlsContextTest, NotPemIsSaid) {
  client_tls_options o = testing::client_options(pki());
  o.ca_files = {write_file("garbage.crt", "this is not a certificate\n")};
  auto r = make_client_context(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("garbage.crt"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("not PEM"), std::string::npos) << r.error().message;

  o = testing::client_options(pki());
  o.key_file = write_file("garbage.key", "neither is this a key\n");
  r = make_client_context(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("garbage.key"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("not PEM"), std::string::npos) << r.error().message;
}

TEST_P(TlsContextTest, DerCertificateIsRecognised) {
  client_tls_options o = testing::client_options(pki());
  o.ca_files = {write_file("der.crt", std::string("\x30\x82\x01\x00", 4) + std::string(256, '\0'))};
  auto r = make_client_context(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("DER"), std::string::npos) << r.error().message;
}

TEST_P(TlsContextTest, SwappedCertificateAndKeyAreSaid) {
  client_tls_options o = testing::client_options(pki());
  std::swap(o.cert_file, o.key_file);
  auto r = make_client_context(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("holds a private key, not a certificate"), std::string::npos)
      << r.error().message;
}

TEST_P(TlsContextTest, KeyNotMatchingCertificateIsSaid) {
  client_tls_options o = testing::client_options(pki());
  o.key_file = pki().server_key.string();
  auto r = make_client_context(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::config);
  EXPECT_NE(r.error().message.find("does not match the certificate"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(o.key_file), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(o.cert_file), std::string::npos) << r.error().message;

  server_tls_options s = testing::server_options(pki());
  s.key_file = pki().client_key.string();
  auto rs = make_server_context(s);
  ASSERT_FALSE(rs);
  EXPECT_NE(rs.error().message.find("does not match the certificate"), std::string::npos) << rs.error().message;
}

TEST_P(TlsContextTest, EncryptedKeyIsRefusedWithoutPrompting) {
  // Any PEM header saying ENCRYPTED must fail with a message, never ask for a password on the terminal.
  client_tls_options o = testing::client_options(pki());
  o.key_file = write_file("encrypted.key",
                          "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQww\n"
                          "-----END ENCRYPTED PRIVATE KEY-----\n");
  auto r = make_client_context(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("encrypted"), std::string::npos) << r.error().message;
}

TEST_P(TlsContextTest, CertificateWithoutKeyIsRefused) {
  client_tls_options o = testing::client_options(pki());
  o.key_file.clear();
  auto r = make_client_context(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("without its key"), std::string::npos) << r.error().message;
}

TEST_P(TlsContextTest, BadProtocolSettingsAreRefused) {
  client_tls_options o = testing::client_options(pki());
  o.protocol.min_version = tls_version::v1_3;
  o.protocol.max_version = tls_version::v1_2;
  auto r = make_client_context(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("above the maximum"), std::string::npos) << r.error().message;

  o = testing::client_options(pki());
  o.protocol.cipher_list = "NO-SUCH-CIPHER";
  r = make_client_context(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("NO-SUCH-CIPHER"), std::string::npos) << r.error().message;

  o = testing::client_options(pki());
  o.protocol.tls13_ciphersuites = "TLS_NO_SUCH_SUITE";
  r = make_client_context(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("TLS_NO_SUCH_SUITE"), std::string::npos) << r.error().message;
}

TEST_P(TlsContextTest, RequiringClientCertificatesNeedsClientCas) {
  server_tls_options o = testing::server_options(pki());
  o.client_ca_files.clear();
  auto r = make_server_context(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no client CA files"), std::string::npos) << r.error().message;
  o.require_client_cert = false;
  EXPECT_TRUE(make_server_context(o));
}

TEST_P(TlsContextTest, ContextsNeverAllowOlderThanTls12) {
  auto client = make_client_context(testing::client_options(pki()));
  ASSERT_TRUE(client);
  SSL_CTX* c = (*client)->native_handle();
  EXPECT_EQ(SSL_CTX_get_min_proto_version(c), TLS1_2_VERSION);
  EXPECT_EQ(SSL_CTX_get_max_proto_version(c), TLS1_3_VERSION);
  auto server = make_server_context(testing::server_options(pki()));
  ASSERT_TRUE(server);
  EXPECT_EQ(SSL_CTX_get_min_proto_version((*server)->native_handle()), TLS1_2_VERSION);
}

// ---- peer identity from certificates ----

detail::x509_ptr read_cert(const std::filesystem::path& path) {
  detail::bio_ptr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return nullptr;
  return detail::x509_ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

TEST_P(TlsContextTest, IdentityOfGeneratedCertificates) {
  auto client = read_cert(pki().client_cert);
  ASSERT_NE(client, nullptr);
  auto id = identity_of(client.get());
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(id->common_name, tests::pki::client_common_name);
  EXPECT_NE(id->subject.find("CN=kmip-client"), std::string::npos) << id->subject;
  EXPECT_EQ(id->sha256_fingerprint.size(), 64u);
  EXPECT_TRUE(id->has_any_eku);
  EXPECT_TRUE(id->has_client_auth_eku);

  auto no_eku = read_cert(pki().client_no_eku_cert);
  ASSERT_NE(no_eku, nullptr);
  auto id2 = identity_of(no_eku.get());
  ASSERT_TRUE(id2) << id2.error().message;
  EXPECT_EQ(id2->common_name, tests::pki::client_no_eku_common_name);
  EXPECT_FALSE(id2->has_any_eku);
  EXPECT_FALSE(id2->has_client_auth_eku);
}

TEST(PeerIdentityTest, SubjectWithoutCnOrWithTwoIsAnError) {
  auto make = [](std::initializer_list<const char*> cns) {
    detail::x509_ptr cert(X509_new());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("org"), -1, -1, 0);
    for (const char* cn : cns)
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
    return cert;
  };
  auto none = make({});
  auto r = identity_of(none.get());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("has no CN"), std::string::npos) << r.error().message;
  auto two = make({"a", "b"});
  r = identity_of(two.get());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("2 CNs"), std::string::npos) << r.error().message;
  EXPECT_FALSE(identity_of(nullptr));
  EXPECT_FALSE(verified_peer_identity(nullptr));
}

}  // namespace
}  // namespace kmip::net
