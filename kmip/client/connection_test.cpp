// The client connection against the in-process TLS responder on 127.0.0.1: round trips, every failure category
// with the reason a user would need, deadlines measured, and the coroutine API with many connections on one
// io_context. No sleeps: a test waits on the operation under test, bounded by its own timeout.
//
// The connection has two transports (blocking mode: net::blocking_tls_client on the calling thread; coroutine
// mode: an Asio TLS stream on the caller's executor) with one contract, so every behavioural test runs on both:
// ConnectionTest is parameterised by the mode, and `subject` drives the connection the way that mode's user would.
#include "kmip/client/connection.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "kmip/client/client.hpp"
#include "kmip/net/testing/allocation_probe.hpp"
#include "kmip/net/testing/fixtures.hpp"
#include "kmip/net/testing/responder.hpp"

namespace kmip::client {
namespace {

namespace asio = boost::asio;
namespace testing = net::testing;
using namespace std::chrono_literals;
using tests::pki::key_type;
using steady = std::chrono::steady_clock;

const std::vector<spec::protocol_version> all_versions = {{2, 0}, {1, 4}, {1, 3}, {1, 2}, {1, 1}, {1, 0}};

struct responder_setup {
  key_type keys = key_type::ec_p256;
  testing::misbehaviour mode = testing::misbehaviour::none;
  std::optional<net::tls_version> max_version;
  testing::handler respond = [](std::span<const std::uint8_t>) {
    return testing::discover_versions_response(all_versions);
  };
};

std::unique_ptr<testing::responder> start(const responder_setup& setup) {
  net::server_tls_options so = testing::server_options(testing::shared_pki(setup.keys));
  if (setup.max_version) so.protocol.max_version = *setup.max_version;
  auto ctx = net::make_server_context(so);
  EXPECT_TRUE(ctx) << ctx.error().message;
  if (!ctx) return nullptr;
  testing::responder_options o;
  o.tls = *ctx;
  o.mode = setup.mode;
  o.respond = setup.respond;
  o.io_timeout = 5000ms;
  auto r = testing::responder::start(std::move(o));
  EXPECT_TRUE(r) << r.error().message;
  return r ? std::move(*r) : nullptr;
}

connection_options options_for(std::uint16_t port, key_type keys = key_type::ec_p256) {
  connection_options o;
  o.host = "127.0.0.1";
  o.port = port;
  o.tls = testing::client_options(testing::shared_pki(keys));
  o.connect_timeout = 5000ms;
  o.io_timeout = 5000ms;
  return o;
}

enum class transport { blocking, coroutine };

// A connection in one mode, driven through that mode's API: the blocking calls, or the awaitables run to
// completion on an io_context the test owns.
class subject {
 public:
  subject(transport t, const connection_options& o)
      : t_(t), c_(t == transport::blocking ? connection(o) : connection(io_.get_executor(), o)) {}

  result<void> connect() { return t_ == transport::blocking ? c_.connect() : run(c_.async_connect()); }
  result<common::secure_bytes> exchange(std::span<const std::uint8_t> request) {
    return t_ == transport::blocking ? c_.exchange(request) : run(c_.async_exchange(request));
  }
  void close() {
    if (t_ == transport::blocking) return c_.close();
    (void)run([](connection& c) -> asio::awaitable<result<bool>> {
      co_await c.async_close();
      co_return true;
    }(c_));
  }
  bool is_open() const { return c_.is_open(); }
  std::string tls_session() const { return c_.tls_session(); }

 private:
  template <class T>
  result<T> run(asio::awaitable<result<T>> op) {
    std::optional<result<T>> out;
    asio::co_spawn(io_, [&]() -> asio::awaitable<void> { out.emplace(co_await std::move(op)); }, asio::detached);
    io_.restart();
    io_.run();
    if (!out) return common::unexpected{client_error{errc::io, "the test's io_context stopped early"}};
    return std::move(*out);
  }

  transport t_;
  asio::io_context io_;  // coroutine mode's executor; declared before the connection that uses it
  connection c_;
};

class ConnectionTest : public ::testing::TestWithParam<transport> {};

INSTANTIATE_TEST_SUITE_P(Transports, ConnectionTest, ::testing::Values(transport::blocking, transport::coroutine),
                         [](const ::testing::TestParamInfo<transport>& i) {
                           return i.param == transport::blocking ? "Blocking" : "Coroutine";
                         });

TEST_P(ConnectionTest, RawExchangeRoundTrip) {
  auto server = start({});
  ASSERT_NE(server, nullptr);
  subject c(GetParam(), options_for(server->port()));
  auto connected = c.connect();
  ASSERT_TRUE(connected) << connected.error().to_string();
  EXPECT_TRUE(c.is_open());
  EXPECT_EQ(c.tls_session().rfind("TLSv1.3", 0), 0u) << c.tls_session();
  const auto request = testing::discover_versions_request();
  for (int i = 0; i < 3; ++i) {
    auto response = c.exchange(request);
    ASSERT_TRUE(response) << response.error().to_string();
    EXPECT_EQ(*response, testing::discover_versions_response(all_versions));
  }
  c.close();
  EXPECT_FALSE(c.is_open());
  c.close();  // idempotent
  const auto records = server->wait_for_sessions(1, 10s);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].requests, 3u);
  ASSERT_TRUE(records[0].peer);
  EXPECT_EQ(records[0].peer->common_name, tests::pki::client_common_name);
}

TEST_P(ConnectionTest, ExchangeBeforeConnectIsNotConnected) {
  subject c(GetParam(), options_for(1));
  auto r = c.exchange(testing::discover_versions_request());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, errc::not_connected);
}

TEST_P(ConnectionTest, BadTlsFilesAreAConfigErrorNamingTheFile) {
  connection_options o = options_for(1);
  o.tls.cert_file = "/nonexistent/dir/client.crt";
  subject c(GetParam(), o);
  auto r = c.connect();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, errc::config);
  EXPECT_NE(r.error().message.find("/nonexistent/dir/client.crt"), std::string::npos) << r.error().message;
}

TEST_P(ConnectionTest, RefusedConnectionIsConnectError) {
  std::uint16_t port = 0;
  {
    asio::io_context io;
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }  // closed: nothing listens there now
  subject c(GetParam(), options_for(port));
  auto r = c.connect();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, errc::connect) << r.error().to_string();
  EXPECT_NE(r.error().message.find("refused"), std::string::npos) << r.error().message;
}

TEST_P(ConnectionTest, UnknownHostIsResolveError) {
  connection_options o = options_for(5696);
  o.host = "no-such-host.invalid";  // RFC 6761: never resolves
  subject c(GetParam(), o);
  auto r = c.connect();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, errc::resolve) << r.error().to_string();
  EXPECT_NE(r.error().message.find("no-such-host.invalid"), std::string::npos) << r.error().message;
}

TEST_P(ConnectionTest, HandshakeWithSilentServerTimesOut) {
  // A listening socket that never accepts: the kernel completes the TCP handshake, nobody answers the ClientHello.
  asio::io_context io;
  asio::ip::tcp::acceptor silent(io, {asio::ip::make_address("127.0.0.1"), 0});
  connection_options o = options_for(silent.local_endpoint().port());
  o.connect_timeout = 300ms;
  subject c(GetParam(), o);
  const auto start_time = steady::now();
  auto r = c.connect();
  const auto took = steady::now() - start_time;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, errc::timeout) << r.error().to_string();
  EXPECT_NE(r.error().message.find("TLS handshake"), std::string::npos) << r.error().message;
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 2300ms);
}

TEST_P(ConnectionTest, Tls11OnlyServerIsAHandshakeError) {
  const auto& pki = testing::shared_pki(key_type::rsa_2048);
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX_set_security_level(ctx->native_handle(), 0);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_1_VERSION);
  SSL_CTX_set_max_proto_version(ctx->native_handle(), TLS1_1_VERSION);
  ctx->use_certificate_chain_file(pki.server_cert.string());
  ctx->use_private_key_file(pki.server_key.string(), asio::ssl::context::pem);
  testing::responder_options ro;
  ro.tls = ctx;
  auto server = testing::responder::start(std::move(ro));
  ASSERT_TRUE(server) << server.error().message;

  subject c(GetParam(), options_for((*server)->port(), key_type::rsa_2048));
  auto r = c.connect();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, errc::tls_handshake) << r.error().to_string();
  EXPECT_NE(r.error().message.find("protocol version"), std::string::npos) << r.error().message;
  EXPECT_FALSE(c.is_open());
}

TEST_P(ConnectionTest, UntrustedClientCertificateIsAHandshakeErrorTls12) {
  responder_setup setup;
  setup.max_version = net::tls_version::v1_2;
  auto server = start(setup);
  ASSERT_NE(server, nullptr);
  connection_options o = options_for(server->port());
  const auto& pki = testing::shared_pki();
  o.tls.cert_file = pki.untrusted_client_cert.string();
  o.tls.key_file = pki.untrusted_client_key.string();
  subject c(GetParam(), o);
  auto r = c.connect();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, errc::tls_handshake) << r.error().to_string();
  EXPECT_NE(r.error().message.find("unknown ca"), std::string::npos) << r.error().message;
}

TEST_P(ConnectionTest, UntrustedClientCertificateIsAHandshakeErrorTls13) {
  // With TLS 1.3 the client finishes its handshake before the server has judged its certificate; the verdict
  // (an alert) arrives on the first read, and must still be reported as a handshake failure.
  auto server = start({});
  ASSERT_NE(server, nullptr);
  connection_options o = options_for(server->port());
  const auto& pki = testing::shared_pki();
  o.tls.cert_file = pki.untrusted_client_cert.string();
  o.tls.key_file = pki.untrusted_client_key.string();
  for (int attempt = 0; attempt < 5; ++attempt) {
    subject c(GetParam(), o);
    client_error e;
    if (auto r = c.connect(); !r) {
      e = r.error();
    } else {
      auto x = c.exchange(testing::discover_versions_request());
      ASSERT_FALSE(x) << "attempt " << attempt;
      e = x.error();
    }
    EXPECT_EQ(e.category, errc::tls_handshake) << "attempt " << attempt << ": " << e.to_string();
    EXPECT_NE(e.message.find("unknown ca"), std::string::npos) << e.message;
  }
}

TEST_P(ConnectionTest, ServerNeverAnsweringTimesOutWithinIoTimeout) {
  responder_setup setup;
  setup.mode = testing::misbehaviour::never_answer;
  auto server = start(setup);
  ASSERT_NE(server, nullptr);
  connection_options o = options_for(server->port());
  o.io_timeout = 300ms;
  subject c(GetParam(), o);
  ASSERT_TRUE(c.connect());
  const auto start_time = steady::now();
  auto r = c.exchange(testing::discover_versions_request());
  const auto took = steady::now() - start_time;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, errc::timeout) << r.error().to_string();
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 2300ms);
  // The connection is closed after a timeout: the stream state is unknown.
  EXPECT_FALSE(c.is_open());
  auto again = c.exchange(testing::discover_versions_request());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().category, errc::not_connected);
}

TEST_P(ConnectionTest, HugeResponseHeaderFailsBeforeAllocating) {
  responder_setup setup;
  setup.mode = testing::misbehaviour::huge_header;
  auto server = start(setup);
  ASSERT_NE(server, nullptr);
  subject c(GetParam(), options_for(server->port()));
  ASSERT_TRUE(c.connect());
  testing::reset_largest_allocation();
  const auto start_time = steady::now();
  auto r = c.exchange(testing::discover_versions_request());
  const auto took = steady::now() - start_time;
  const std::size_t largest = testing::largest_allocation();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, errc::protocol) << r.error().to_string();
  EXPECT_EQ(r.error().codec, ttlv::errc::message_too_large);
  EXPECT_NE(r.error().message.find("104857608 bytes, limit 1048576"), std::string::npos) << r.error().message;
  EXPECT_LT(took, 2s);  // not a timeout in disguise: the header alone decided
  EXPECT_LT(largest, std::size_t{1} << 20) << "an allocation of " << largest << " bytes happened";
}

TEST_P(ConnectionTest, ResponseAboveConfiguredLimitIsRefused) {
  auto server = start({});
  ASSERT_NE(server, nullptr);
  connection_options o = options_for(server->port());
  o.max_response_size = 64;  // the canned response is larger
  subject c(GetParam(), o);
  ASSERT_TRUE(c.connect());
  auto r = c.exchange(testing::discover_versions_request());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, errc::protocol);
  EXPECT_EQ(r.error().codec, ttlv::errc::message_too_large);
}

TEST_P(ConnectionTest, TruncatedResponseThenCloseIsClosedByPeer) {
  responder_setup setup;
  setup.mode = testing::misbehaviour::truncate_then_close;
  auto server = start(setup);
  ASSERT_NE(server, nullptr);
  subject c(GetParam(), options_for(server->port()));
  ASSERT_TRUE(c.connect());
  auto r = c.exchange(testing::discover_versions_request());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, errc::closed_by_peer) << r.error().to_string();
  EXPECT_NE(r.error().message.find("reading the message body"), std::string::npos) << r.error().message;
}

TEST_P(ConnectionTest, ServerClosingAfterHandshakeIsClosedByPeer) {
  responder_setup setup;
  setup.mode = testing::misbehaviour::close_after_handshake;
  auto server = start(setup);
  ASSERT_NE(server, nullptr);
  subject c(GetParam(), options_for(server->port()));
  ASSERT_TRUE(c.connect());
  auto r = c.exchange(testing::discover_versions_request());
  ASSERT_FALSE(r);
  // The request may be written before or after the server's close_notify arrives; either way the peer is gone.
  EXPECT_EQ(r.error().category, errc::closed_by_peer) << r.error().to_string();
}

TEST_P(ConnectionTest, ResponseSentByteByByteIsReadWhole) {
  responder_setup setup;
  setup.mode = testing::misbehaviour::byte_by_byte;
  auto server = start(setup);
  ASSERT_NE(server, nullptr);
  subject c(GetParam(), options_for(server->port()));
  ASSERT_TRUE(c.connect());
  auto r = c.exchange(testing::discover_versions_request());
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(*r, testing::discover_versions_response(all_versions));
}

TEST_P(ConnectionTest, RequestThatIsNotOneMessageIsRefusedAndTheConnectionSurvives) {
  auto server = start({});
  ASSERT_NE(server, nullptr);
  subject c(GetParam(), options_for(server->port()));
  ASSERT_TRUE(c.connect());
  const auto request = testing::discover_versions_request();
  auto bad = c.exchange(std::span(request).first(request.size() - 8));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().category, errc::protocol);
  EXPECT_TRUE(c.is_open());
  EXPECT_TRUE(c.exchange(request));
}

TEST(ConnectionModes, BlockingCallsRefuseToRunOnAnExternalExecutor) {
  asio::io_context io;
  connection c(io.get_executor(), options_for(1));
  EXPECT_FALSE(c.is_blocking());
  auto r = c.connect();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, errc::config);
}

TEST(ConnectionModes, ManyCoroutineConnectionsOnOneIoContext) {
  auto server = start({});
  ASSERT_NE(server, nullptr);
  constexpr int connections = 8;
  constexpr int exchanges = 5;
  asio::io_context io;
  const connection_options o = options_for(server->port());
  auto shared = net::make_client_context(o.tls);
  ASSERT_TRUE(shared) << shared.error().message;
  int succeeded = 0;
  std::vector<std::string> failures;
  for (int i = 0; i < connections; ++i) {
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      client k(connection(io.get_executor(), o, *shared));
      if (auto r = co_await k.conn().async_connect(); !r) {
        failures.push_back(r.error().to_string());
        co_return;
      }
      for (int j = 0; j < exchanges; ++j) {
        auto v = co_await k.async_discover_versions();
        if (!v) {
          failures.push_back(v.error().to_string());
          co_return;
        }
        if (*v == all_versions) ++succeeded;
      }
      co_await k.conn().async_close();
    }, asio::detached);
  }
  io.run();
  EXPECT_TRUE(failures.empty()) << failures.front();
  EXPECT_EQ(succeeded, connections * exchanges);
  EXPECT_EQ(server->wait_for_sessions(connections, 10s).size(), static_cast<std::size_t>(connections));
}

}  // namespace
}  // namespace kmip::client
