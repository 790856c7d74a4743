// TLS between kmip/net's client and server contexts over 127.0.0.1, against the test responder: versions, suites,
// client-certificate rules (EKU, pinned self-signed, untrusted CA), hostname checks, and the peer identity the
// server sees.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "kmip/net/detail/openssl.hpp"
#include "kmip/net/message_io.hpp"
#include "kmip/net/peer_identity.hpp"
#include "kmip/net/testing/fixtures.hpp"
#include "kmip/net/testing/responder.hpp"
#include "kmip/net/tls_context.hpp"
#include "kmip/net/tls_stream.hpp"

namespace kmip::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::responder;
using testing::session_record;
using testing::shared_pki;
using tests::pki::key_type;

// A client TLS stream connected to the responder, or the error of the step that failed.
struct tls_client {
  asio::io_context io;
  tls_context_ptr ctx;
  std::optional<tls_stream> stream;

  result<void> connect(const client_tls_options& options, std::uint16_t port, std::string host = "127.0.0.1") {
    if (!ctx) {
      auto c = make_client_context(options);
      if (!c) return common::unexpected{c.error()};
      ctx = std::move(*c);
    }
    return connect_with(*ctx, options, port, std::move(host));
  }

  result<void> connect_with(asio::ssl::context& context, const client_tls_options& options, std::uint16_t port,
                            std::string host = "127.0.0.1") {
    stream.emplace(io, context);
    if (auto p = prepare_client_session(stream->native_handle(), options, host); !p) return p;
    auto steps = [&]() -> asio::awaitable<result<void>> {
      auto tcp = co_await async_connect(stream->next_layer(), host, port, 5s);
      if (!tcp) co_return common::unexpected{tcp.error()};
      co_return co_await async_handshake(*stream, asio::ssl::stream_base::client, 5s, host);
    };
    return detail::run_blocking(io, steps());
  }

  // One request out, one response in.
  result<common::secure_bytes> exchange(std::span<const std::uint8_t> request) {
    if (auto w = write_message(io, *stream, request, 5s); !w) return common::unexpected{w.error()};
    return read_message(io, *stream, {}, 5s);
  }

  void close() {
    auto c = [&]() -> asio::awaitable<result<bool>> {
      co_await async_close(*stream, 1s);
      co_return true;
    };
    (void)detail::run_blocking(io, c());
  }
};

std::unique_ptr<responder> start_responder(const server_tls_options& options,
                                           testing::misbehaviour mode = testing::misbehaviour::none) {
  auto ctx = make_server_context(options);
  EXPECT_TRUE(ctx) << ctx.error().message;
  if (!ctx) return nullptr;
  testing::responder_options o;
  o.tls = *ctx;
  o.mode = mode;
  o.io_timeout = 5000ms;
  auto r = responder::start(std::move(o));
  EXPECT_TRUE(r) << r.error().message;
  return r ? std::move(*r) : nullptr;
}

session_record one_session(responder& r) {
  auto records = r.wait_for_sessions(1, 10s);
  EXPECT_EQ(records.size(), 1u) << "the responder did not finish a session within 10 s";
  return records.empty() ? session_record{} : records.front();
}

class TlsSessionTest : public ::testing::TestWithParam<key_type> {
 protected:
  const tests::pki::files& pki() const { return shared_pki(GetParam()); }
};

INSTANTIATE_TEST_SUITE_P(Keys, TlsSessionTest, ::testing::Values(key_type::rsa_2048, key_type::ec_p256),
                         [](const auto& p) { return std::string(tests::pki::to_string(p.param)); });

TEST_P(TlsSessionTest, EchoRoundTripAndPeerIdentity) {
  auto server = start_responder(testing::server_options(pki()));
  ASSERT_NE(server, nullptr);
  tls_client c;
  auto connected = c.connect(testing::client_options(pki()), server->port());
  ASSERT_TRUE(connected) << connected.error().message;
  const auto request = testing::discover_versions_request();
  auto response = c.exchange(request);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(*response, request);
  EXPECT_EQ(describe_session(*c.stream).rfind("TLSv1.3 ", 0), 0u) << describe_session(*c.stream);
  c.close();

  const session_record s = one_session(*server);
  EXPECT_TRUE(s.handshake_ok) << s.handshake_error;
  ASSERT_TRUE(s.peer) << s.peer_error;
  EXPECT_EQ(s.peer->common_name, tests::pki::client_common_name);
  EXPECT_TRUE(s.peer->has_client_auth_eku);
  EXPECT_EQ(s.requests, 1u);
  EXPECT_NE(s.end.find("closed"), std::string::npos) << s.end;
}

TEST_P(TlsSessionTest, Tls12UsesAnEcdheAeadSuite) {
  auto server = start_responder(testing::server_options(pki()));
  ASSERT_NE(server, nullptr);
  client_tls_options o = testing::client_options(pki());
  o.protocol.max_version = tls_version::v1_2;
  tls_client c;
  auto connected = c.connect(o, server->port());
  ASSERT_TRUE(connected) << connected.error().message;
  const std::string session = describe_session(*c.stream);
  EXPECT_EQ(session.rfind("TLSv1.2 ECDHE-", 0), 0u) << session;
  EXPECT_NE(session.find("GCM"), std::string::npos) << session;
  c.close();
  EXPECT_TRUE(one_session(*server).handshake_ok);
}

TEST_P(TlsSessionTest, ClientCertificateWithoutEkuIsAcceptedByDefault) {
  auto server = start_responder(testing::server_options(pki()));
  ASSERT_NE(server, nullptr);
  client_tls_options o = testing::client_options(pki());
  o.cert_file = pki().client_no_eku_cert.string();
  o.key_file = pki().client_no_eku_key.string();
  tls_client c;
  auto connected = c.connect(o, server->port());
  ASSERT_TRUE(connected) << connected.error().message;
  ASSERT_TRUE(c.exchange(testing::discover_versions_request()));
  c.close();
  const session_record s = one_session(*server);
  ASSERT_TRUE(s.peer) << s.peer_error;
  EXPECT_EQ(s.peer->common_name, tests::pki::client_no_eku_common_name);
  EXPECT_FALSE(s.peer->has_any_eku);
}

TEST_P(TlsSessionTest, ClientCertificateWithoutEkuIsRefusedWhenEkuRequired) {
  server_tls_options so = testing::server_options(pki());
  so.require_client_auth_eku = true;
  so.protocol.max_version = tls_version::v1_2;  // the verdict then comes within the client's handshake
  auto server = start_responder(so);
  ASSERT_NE(server, nullptr);
  client_tls_options o = testing::client_options(pki());
  o.cert_file = pki().client_no_eku_cert.string();
  o.key_file = pki().client_no_eku_key.string();
  tls_client c;
  auto connected = c.connect(o, server->port());
  ASSERT_FALSE(connected);
  EXPECT_EQ(connected.error().code, errc::tls) << connected.error().message;
  const session_record s = one_session(*server);
  EXPECT_FALSE(s.handshake_ok);
  EXPECT_NE(s.handshake_error.find("unsuitable certificate purpose"), std::string::npos) << s.handshake_error;

  // The same server accepts a certificate with the clientAuth EKU.
  tls_client good;
  auto ok = good.connect(testing::client_options(pki()), server->port());
  EXPECT_TRUE(ok) << ok.error().message;
}

TEST_P(TlsSessionTest, PinnedSelfSignedClientCertificateIsAccepted) {
  // vCenter 6.5's flow: the KMS admin adds vCenter's self-signed certificate (no EKU) to the trusted clients.
  server_tls_options so = testing::server_options(pki());
  so.client_ca_files.push_back(pki().self_signed_cert.string());
  auto server = start_responder(so);
  ASSERT_NE(server, nullptr);
  client_tls_options o = testing::client_options(pki());
  o.cert_file = pki().self_signed_cert.string();
  o.key_file = pki().self_signed_key.string();
  tls_client c;
  auto connected = c.connect(o, server->port());
  ASSERT_TRUE(connected) << connected.error().message;
  ASSERT_TRUE(c.exchange(testing::discover_versions_request()));
  c.close();
  const session_record s = one_session(*server);
  ASSERT_TRUE(s.peer) << s.peer_error;
  EXPECT_EQ(s.peer->common_name, tests::pki::self_signed_common_name);
}

TEST_P(TlsSessionTest, UntrustedClientCertificateIsRefused) {
  server_tls_options so = testing::server_options(pki());
  so.protocol.max_version = tls_version::v1_2;
  auto server = start_responder(so);
  ASSERT_NE(server, nullptr);
  client_tls_options o = testing::client_options(pki());
  o.cert_file = pki().untrusted_client_cert.string();
  o.key_file = pki().untrusted_client_key.string();
  tls_client c;
  auto connected = c.connect(o, server->port());
  ASSERT_FALSE(connected);
  EXPECT_EQ(connected.error().code, errc::tls);
  EXPECT_NE(connected.error().message.find("unknown ca"), std::string::npos) << connected.error().message;
  const session_record s = one_session(*server);
  EXPECT_FALSE(s.handshake_ok);
  EXPECT_NE(s.handshake_error.find("certificate verify failed"), std::string::npos) << s.handshake_error;
  EXPECT_NE(s.handshake_error.find("unable to get local issuer certificate"), std::string::npos)
      << s.handshake_error;
}

TEST_P(TlsSessionTest, MissingClientCertificateIsRefused) {
  auto server = start_responder(testing::server_options(pki()));
  ASSERT_NE(server, nullptr);
  client_tls_options o = testing::client_options(pki());
  o.cert_file.clear();
  o.key_file.clear();
  tls_client c;
  // TLS 1.3: the client's handshake completes; the server's refusal arrives on the first read.
  auto connected = c.connect(o, server->port());
  if (connected) {
    auto response = c.exchange(testing::discover_versions_request());
    ASSERT_FALSE(response);
    EXPECT_NE(response.error().message.find("certificate required"), std::string::npos) << response.error().message;
  }
  const session_record s = one_session(*server);
  EXPECT_FALSE(s.handshake_ok);
  EXPECT_NE(s.handshake_error.find("peer did not return a certificate"), std::string::npos) << s.handshake_error;
}

TEST_P(TlsSessionTest, ServerCertificateFromAnotherCaIsRefusedByTheClient) {
  auto server = start_responder(testing::server_options(pki()));
  ASSERT_NE(server, nullptr);
  client_tls_options o = testing::client_options(pki());
  o.ca_files = {pki().untrusted_ca_cert.string()};
  tls_client c;
  auto connected = c.connect(o, server->port());
  ASSERT_FALSE(connected);
  EXPECT_EQ(connected.error().code, errc::tls);
  EXPECT_NE(connected.error().message.find("certificate verify failed"), std::string::npos)
      << connected.error().message;
  // The server sends its chain up to its CA (OpenSSL builds it from the trust store), so the client finds a
  // self-signed root it does not trust; with the leaf alone it would miss the issuer.
  const std::string& m = connected.error().message;
  EXPECT_TRUE(m.find("self-signed certificate in certificate chain") != std::string::npos ||
              m.find("unable to get local issuer certificate") != std::string::npos)
      << m;
}

TEST_P(TlsSessionTest, HostnameVerificationIsOffByDefaultAndWorksWhenOn) {
  auto server = start_responder(testing::server_options(pki()));
  ASSERT_NE(server, nullptr);
  client_tls_options o = testing::client_options(pki());
  o.server_name = "wrong.example";  // sent as SNI, not checked: vCenter's behaviour
  {
    tls_client c;
    auto r = c.connect(o, server->port());
    EXPECT_TRUE(r) << r.error().message;
    c.close();
  }
  o.verify_hostname = true;
  {
    tls_client c;
    auto r = c.connect(o, server->port());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("hostname mismatch"), std::string::npos) << r.error().message;
  }
  o.server_name = "localhost";  // in the SAN
  {
    tls_client c;
    auto r = c.connect(o, server->port());
    EXPECT_TRUE(r) << r.error().message;
    c.close();
  }
  o.server_name.clear();  // checks the IP connected to, 127.0.0.1, also in the SAN
  {
    tls_client c;
    auto r = c.connect(o, server->port());
    EXPECT_TRUE(r) << r.error().message;
    c.close();
  }
}

TEST(TlsSessionRsaTest, Aes128Sha256OnlyWhenAllowed) {
  // vCenter 7.0.3 negotiated TLS_RSA_WITH_AES_128_CBC_SHA256 (reference/vcenter-kmip.md §3). A server offering
  // only that suite is refused by default, and accepted when the client allows it.
  const auto& pki = shared_pki(key_type::rsa_2048);
  server_tls_options so = testing::server_options(pki);
  so.protocol.max_version = tls_version::v1_2;
  so.protocol.cipher_list = "AES128-SHA256";
  auto server = start_responder(so);
  ASSERT_NE(server, nullptr);
  {
    tls_client c;
    auto r = c.connect(testing::client_options(pki), server->port());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, errc::tls) << r.error().message;
  }
  client_tls_options o = testing::client_options(pki);
  o.protocol.allow_aes128_sha256 = true;
  o.protocol.max_version = tls_version::v1_2;
  tls_client c;
  auto r = c.connect(o, server->port());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(describe_session(*c.stream), "TLSv1.2 AES128-SHA256");
  c.close();
}

// A context that speaks nothing newer than TLS 1.1, which OpenSSL 3 allows only at security level 0.
std::shared_ptr<asio::ssl::context> tls11_context(bool server, const tests::pki::files& pki) {
  auto ctx = std::make_shared<asio::ssl::context>(server ? asio::ssl::context::tls_server
                                                         : asio::ssl::context::tls_client);
  SSL_CTX* h = ctx->native_handle();
  SSL_CTX_set_security_level(h, 0);
  SSL_CTX_set_min_proto_version(h, TLS1_1_VERSION);
  SSL_CTX_set_max_proto_version(h, TLS1_1_VERSION);
  SSL_CTX_set_cipher_list(h, "DEFAULT:@SECLEVEL=0");
  if (server) {
    ctx->use_certificate_chain_file(pki.server_cert.string());
    ctx->use_private_key_file(pki.server_key.string(), asio::ssl::context::pem);
  } else {
    ctx->use_certificate_chain_file(pki.client_cert.string());
    ctx->use_private_key_file(pki.client_key.string(), asio::ssl::context::pem);
    ctx->set_verify_mode(asio::ssl::verify_none);
  }
  return ctx;
}

TEST(TlsVersionTest, Tls11ClientIsRefusedByTheServer) {
  const auto& pki = shared_pki(key_type::rsa_2048);
  auto server = start_responder(testing::server_options(pki));
  ASSERT_NE(server, nullptr);
  auto old = tls11_context(false, pki);
  tls_client c;
  client_tls_options o;
  auto r = c.connect_with(*old, o, server->port());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::tls) << r.error().message;
  const session_record s = one_session(*server);
  EXPECT_FALSE(s.handshake_ok);
  EXPECT_NE(s.handshake_error.find("unsupported protocol"), std::string::npos) << s.handshake_error;
}

TEST(TlsVersionTest, Tls11ServerIsRefusedByTheClient) {
  const auto& pki = shared_pki(key_type::rsa_2048);
  testing::responder_options o;
  o.tls = tls11_context(true, pki);
  auto server = responder::start(std::move(o));
  ASSERT_TRUE(server) << server.error().message;
  tls_client c;
  auto r = c.connect(testing::client_options(pki), (*server)->port());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::tls) << r.error().message;
  EXPECT_NE(r.error().message.find("protocol version"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace kmip::net
