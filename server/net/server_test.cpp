// kmipd's network front over real TLS on 127.0.0.1 ephemeral ports, with a fake handler (the listener does not
// depend on how the engine is built): concurrency, refusals (no certificate, foreign CA, expired, TLS 1.1) while
// a healthy client keeps being served, idle timeout of a bare handshake, over-limit header, plain TCP, HTTP
// endpoints, the connection limit, graceful shutdown, certificates from `kmip-harness certs`, PyKMIP.
// No sleeps as synchronisation: waits are bounded and wait for an event.
#include "server/net/server.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include "kmip/client/connection.hpp"
#include "kmip/encoding/json.hpp"
#include "kmip/net/message_io.hpp"
#include "kmip/net/testing/fixtures.hpp"
#include "kmip/ttlv/reader.hpp"
#include "pki/pki.hpp"

namespace kmipd::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fixtures = kmip::net::testing;
namespace spec = kmip::spec;
using asio::ip::tcp;
using namespace std::chrono_literals;

// The protocol version of a request, or nullopt when it does not decode.
std::optional<spec::protocol_version> version_of(std::span<const std::uint8_t> request) {
  auto tree = kmip::ttlv::decode_message(request);
  if (!tree) return std::nullopt;
  auto header = tree->root().find(spec::tag::request_header);
  if (!header) return std::nullopt;
  auto pv = header->find(spec::tag::protocol_version);
  if (!pv) return std::nullopt;
  auto major = pv->find(spec::tag::protocol_version_major);
  auto minor = pv->find(spec::tag::protocol_version_minor);
  if (!major || !minor) return std::nullopt;
  return spec::protocol_version{major->as_integer(), minor->as_integer()};
}

// A stand-in for the engine: Discover Versions for every request, Invalid Message for undecodable input.
common::secure_bytes fake_engine(std::span<const std::uint8_t> request, const core::request_context&) {
  auto v = version_of(request);
  if (!v)
    return fixtures::failure_response(spec::operation::discover_versions, spec::result_reason::invalid_message,
                                      "not a KMIP request message");
  return fixtures::discover_versions_response({{2, 1}, {2, 0}, {1, 4}, {1, 3}, {1, 2}, {1, 1}, {1, 0}}, *v);
}

const tests::pki::files& pki() { return fixtures::shared_pki(); }

server_options base_options(kmip::net::tls_context_ptr tls) {
  server_options o;
  o.kmip = {true, "127.0.0.1", 0, std::move(tls)};
  o.http = {true, "127.0.0.1", 0, nullptr};
  o.threads = 2;
  o.idle_timeout = 10s;
  o.handshake_timeout = 5s;
  o.version = "9.9.9-test";
  return o;
}

kmip::net::tls_context_ptr server_tls() {
  auto ctx = kmip::net::make_server_context(fixtures::server_options(pki()));
  if (!ctx) ADD_FAILURE() << ctx.error().message;
  return ctx ? *ctx : nullptr;
}

std::unique_ptr<server> start(server_options o, handler h = fake_engine) {
  auto s = server::start(std::move(o), std::move(h));
  if (!s) ADD_FAILURE() << s.error().message;
  return s ? std::move(*s) : nullptr;
}

kmip::client::connection_options client(std::uint16_t port, kmip::net::client_tls_options tls) {
  kmip::client::connection_options o;
  o.host = "127.0.0.1";
  o.port = port;
  o.tls = std::move(tls);
  o.connect_timeout = 5000ms;
  o.io_timeout = 5000ms;
  return o;
}

// One Discover Versions on `c`; true when a Discover Versions response came back.
bool discover(kmip::client::connection& c) {
  auto response = c.exchange(fixtures::discover_versions_request());
  return response && *response == fake_engine(fixtures::discover_versions_request(), {});
}

// Connect then exchange; true when the server served the request.
bool served(const kmip::client::connection_options& o) {
  kmip::client::connection c(o);
  if (!c.connect()) return false;
  return discover(c);
}

// `clients` connections at once, `requests` Discover Versions each; how many were served.
int served_concurrently(const server& srv, int clients, int requests) {
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i)
    threads.emplace_back([&] {
      kmip::client::connection c(client(srv.kmip_port(), fixtures::client_options(pki())));
      if (!c.connect()) return;
      for (int r = 0; r < requests; ++r)
        if (discover(c)) ++ok;
      c.close();
    });
  for (auto& t : threads) t.join();
  return ok.load();
}

// ---- KMIP over TLS --------------------------------------------------------------------------------------------

TEST(KmipListener, ServesManyConcurrentClients) {
  auto srv = start(base_options(server_tls()));
  ASSERT_TRUE(srv);
  constexpr int clients = 24, requests = 5;
  EXPECT_EQ(served_concurrently(*srv, clients, requests), clients * requests);
  EXPECT_EQ(srv->stats().operations("tls", "Discover Versions", "Success"), std::uint64_t{clients * requests});
}

TEST(KmipListener, BusyPollingThreadsServeEveryClientAndStop) {
  // A window far longer than the gaps between requests, so that the threads serve from the polling loop.
  server_options o = base_options(server_tls());
  o.busy_poll = 5ms;
  auto srv = start(std::move(o));
  ASSERT_TRUE(srv);
  constexpr int clients = 8, requests = 20;
  EXPECT_EQ(served_concurrently(*srv, clients, requests), clients * requests);
  // The polling loop ends with its io_context: shutdown joins every thread (a thread still spinning would hang it).
  srv->shutdown(1s);
  EXPECT_FALSE(served(client(srv->kmip_port(), fixtures::client_options(pki()))));
}

TEST(KmipListener, IdentityIsTheCertificateCommonName) {
  std::mutex m;
  std::vector<core::request_context> seen;
  auto srv = start(base_options(server_tls()), [&](std::span<const std::uint8_t> r, const core::request_context& ctx) {
    std::lock_guard lock(m);
    seen.push_back(ctx);
    return fake_engine(r, ctx);
  });
  ASSERT_TRUE(srv);
  EXPECT_TRUE(served(client(srv->kmip_port(), fixtures::client_options(pki()))));
  // vCenter's certificates carry no EKU: accepted by default.
  auto no_eku = fixtures::client_options(pki());
  no_eku.cert_file = pki().client_no_eku_cert.string();
  no_eku.key_file = pki().client_no_eku_key.string();
  EXPECT_TRUE(served(client(srv->kmip_port(), no_eku)));
  std::lock_guard lock(m);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].identity, "kmip-client");
  EXPECT_EQ(seen[0].transport, "tls");
  EXPECT_EQ(seen[0].peer_address.rfind("127.0.0.1:", 0), 0u);
  EXPECT_EQ(seen[1].identity, "vcenter-client-no-eku");
}

// A raw TLS client limited to TLS 1.1 (security level 0, so that OpenSSL really offers it).
bool tls11_handshake_succeeds(std::uint16_t port) {
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  SSL_CTX_set_security_level(ctx.native_handle(), 0);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_1_VERSION);
  SSL_CTX_set_max_proto_version(ctx.native_handle(), TLS1_1_VERSION);
  SSL_CTX_set_cipher_list(ctx.native_handle(), "DEFAULT:@SECLEVEL=0");
  ctx.use_certificate_file(pki().client_cert.string(), asio::ssl::context::pem);
  ctx.use_private_key_file(pki().client_key.string(), asio::ssl::context::pem);
  asio::ssl::stream<tcp::socket> s(io, ctx);
  boost::system::error_code ec;
  s.lowest_layer().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return false;
  s.handshake(asio::ssl::stream_base::client, ec);
  return !ec;
}

TEST(KmipListener, RefusesBadClientsWhileAHealthyOneKeepsWorking) {
  auto srv = start(base_options(server_tls()));
  ASSERT_TRUE(srv);
  kmip::client::connection healthy(client(srv->kmip_port(), fixtures::client_options(pki())));
  ASSERT_TRUE(healthy.connect());
  ASSERT_TRUE(discover(healthy));

  auto no_cert = fixtures::client_options(pki());
  no_cert.cert_file.clear();
  no_cert.key_file.clear();
  EXPECT_FALSE(served(client(srv->kmip_port(), no_cert))) << "no client certificate";
  EXPECT_TRUE(discover(healthy));

  auto foreign = fixtures::client_options(pki());
  foreign.cert_file = pki().untrusted_client_cert.string();
  foreign.key_file = pki().untrusted_client_key.string();
  EXPECT_FALSE(served(client(srv->kmip_port(), foreign))) << "certificate from another CA";
  EXPECT_TRUE(discover(healthy));

  auto expired = fixtures::client_options(pki());
  expired.cert_file = pki().expired_client_cert.string();
  EXPECT_FALSE(served(client(srv->kmip_port(), expired))) << "expired certificate";
  EXPECT_TRUE(discover(healthy));

  EXPECT_FALSE(tls11_handshake_succeeds(srv->kmip_port())) << "TLS 1.1";
  EXPECT_TRUE(discover(healthy));
  healthy.close();
}

TEST(KmipListener, RequiresClientAuthEkuWhenConfigured) {
  auto o = fixtures::server_options(pki());
  o.require_client_auth_eku = true;
  auto ctx = kmip::net::make_server_context(o);
  ASSERT_TRUE(ctx);
  auto srv = start(base_options(*ctx));
  ASSERT_TRUE(srv);
  auto no_eku = fixtures::client_options(pki());
  no_eku.cert_file = pki().client_no_eku_cert.string();
  no_eku.key_file = pki().client_no_eku_key.string();
  EXPECT_FALSE(served(client(srv->kmip_port(), no_eku)));
  EXPECT_TRUE(served(client(srv->kmip_port(), fixtures::client_options(pki()))));
}

// A raw TLS connection (client certificate presented) for tests that misbehave on purpose.
asio::ssl::context client_context() {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.use_certificate_file(pki().client_cert.string(), asio::ssl::context::pem);
  ctx.use_private_key_file(pki().client_key.string(), asio::ssl::context::pem);
  return ctx;
}

struct raw_tls {
  asio::io_context io;
  asio::ssl::context ctx = client_context();  // configured before the stream's SSL object copies it
  asio::ssl::stream<tcp::socket> stream{io, ctx};

  bool connect(std::uint16_t port) {
    boost::system::error_code ec;
    stream.lowest_layer().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    if (ec) return false;
    // Bound every blocking read: a server that never closes fails the test instead of hanging it.
    timeval tv{10, 0};
    ::setsockopt(stream.lowest_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    stream.handshake(asio::ssl::stream_base::client, ec);
    return !ec;
  }
};

TEST(KmipListener, BareHandshakeIsClosedAtTheIdleTimeout) {
  auto o = base_options(server_tls());
  o.idle_timeout = 300ms;
  auto srv = start(std::move(o));
  ASSERT_TRUE(srv);
  raw_tls bare;
  ASSERT_TRUE(bare.connect(srv->kmip_port()));
  const auto start_time = std::chrono::steady_clock::now();
  // Meanwhile a healthy client is served (each of its requests comes well within the idle timeout).
  EXPECT_TRUE(served(client(srv->kmip_port(), fixtures::client_options(pki()))));
  std::array<char, 16> buf{};
  boost::system::error_code ec;
  const std::size_t n = bare.stream.read_some(asio::buffer(buf), ec);
  const auto waited = std::chrono::steady_clock::now() - start_time;
  EXPECT_EQ(n, 0u);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) << ec.message();
  EXPECT_GE(waited, 250ms);
  EXPECT_LT(waited, 5s);
}

TEST(KmipListener, OverLimitHeaderGetsInvalidMessageThenClose) {
  auto o = base_options(server_tls());
  o.limits.max_message_size = 4096;
  auto srv = start(std::move(o));
  ASSERT_TRUE(srv);
  raw_tls bad;
  ASSERT_TRUE(bad.connect(srv->kmip_port()));
  // Request Message header announcing 100 MiB.
  const std::array<std::uint8_t, 8> header{0x42, 0x00, 0x78, 0x01, 0x06, 0x40, 0x00, 0x00};
  asio::write(bad.stream, asio::buffer(header));
  auto response = kmip::net::read_message(bad.io, bad.stream, {}, 5s);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(*response, fake_engine({}, {}));
  std::array<char, 16> buf{};
  boost::system::error_code ec;
  bad.stream.read_some(asio::buffer(buf), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) << ec.message();
  EXPECT_TRUE(served(client(srv->kmip_port(), fixtures::client_options(pki()))));
}

TEST(KmipListener, ConnectionLimitRefusesTheExtraConnection) {
  auto o = base_options(server_tls());
  o.max_connections = 2;
  auto srv = start(std::move(o));
  ASSERT_TRUE(srv);
  kmip::client::connection a(client(srv->kmip_port(), fixtures::client_options(pki())));
  kmip::client::connection b(client(srv->kmip_port(), fixtures::client_options(pki())));
  ASSERT_TRUE(a.connect());
  ASSERT_TRUE(b.connect());
  ASSERT_TRUE(discover(a));
  ASSERT_TRUE(discover(b));
  EXPECT_FALSE(served(client(srv->kmip_port(), fixtures::client_options(pki()))));
  EXPECT_TRUE(discover(a));
}

TEST(KmipListener, PlainTcpSessionServesTheSameHandler) {
  auto srv = start(base_options(nullptr));
  ASSERT_TRUE(srv);
  asio::io_context io;
  tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), srv->kmip_port()});
  const auto request = fixtures::discover_versions_request({1, 4});
  ASSERT_TRUE(kmip::net::write_message(io, s, request, 5s));
  auto response = kmip::net::read_message(io, s, {}, 5s);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(*response, fake_engine(request, {}));
}

TEST(KmipListener, ShutdownFinishesTheRequestInProgress) {
  std::mutex m;
  std::condition_variable cv;
  bool entered = false, release = false;
  auto srv = start(base_options(server_tls()), [&](std::span<const std::uint8_t> r, const core::request_context& c) {
    std::unique_lock lock(m);
    entered = true;
    cv.notify_all();
    cv.wait_for(lock, 10s, [&] { return release; });
    return fake_engine(r, c);
  });
  ASSERT_TRUE(srv);
  kmip::client::connection idle(client(srv->kmip_port(), fixtures::client_options(pki())));
  ASSERT_TRUE(idle.connect());
  bool answered = false;
  std::thread busy([&] { answered = served(client(srv->kmip_port(), fixtures::client_options(pki()))); });
  {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return entered; }));
  }
  std::thread stopper([&] { srv->shutdown(5s); });
  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
  busy.join();
  stopper.join();
  EXPECT_TRUE(answered);
  EXPECT_FALSE(discover(idle)) << "idle connections are closed at shutdown";
}

// ---- certificates from `kmip-harness certs` -------------------------------------------------------------------

TEST(KmipListener, AcceptsTheCertsCommandOutput) {
  auto dir = tests::pki::temp_dir::create("kmipd-certs");
  ASSERT_TRUE(dir);
  kmiph::pki::kms_set_options opts;
  opts.type = kmiph::pki::key_type::ec_p256;  // fast; the command's default is RSA
  auto set = kmiph::pki::write_kms_set(dir->path(), opts);
  ASSERT_TRUE(set) << set.error();
  EXPECT_FALSE(kmiph::pki::write_kms_set(dir->path(), opts)) << "refuses to overwrite without force";

  kmip::net::server_tls_options so;
  so.pkcs12_file = set->server_p12.string();
  so.pkcs12_password.assign(set->server_p12_password.begin(), set->server_p12_password.end());
  so.client_ca_files = {set->ca_cert.string()};
  auto ctx = kmip::net::make_server_context(so);
  ASSERT_TRUE(ctx) << ctx.error().message;
  auto srv = start(base_options(*ctx));
  ASSERT_TRUE(srv);
  kmip::net::client_tls_options co;
  co.ca_files = {set->ca_cert.string()};
  co.cert_file = set->vcenter_cert.string();
  co.key_file = set->vcenter_key.string();
  EXPECT_TRUE(served(client(srv->kmip_port(), co)));
}

// Debian's PyKMIP client (python3-pykmip): Discover Versions through its low-level KMIPProxy.
TEST(KmipListener, PyKmipClientDiscoversVersions) {
  if (std::system("/usr/bin/python3 -c 'import kmip.services.kmip_client' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "python3-pykmip is not installed";
  auto srv = start(base_options(server_tls()));
  ASSERT_TRUE(srv);
  auto dir = tests::pki::temp_dir::create("kmipd-pykmip");
  ASSERT_TRUE(dir);
  const auto script = dir->path() / "discover.py";
  std::ofstream(script) << "import sys, warnings\n"
                           "warnings.simplefilter('ignore')\n"
                           "from kmip.services.kmip_client import KMIPProxy\n"
                           "p = KMIPProxy(host='127.0.0.1', port=int(sys.argv[1]), certfile=sys.argv[2],\n"
                           "              keyfile=sys.argv[3], ca_certs=sys.argv[4], cert_reqs='CERT_REQUIRED',\n"
                           "              ssl_version='PROTOCOL_SSLv23', config_file='/dev/null', timeout=10)\n"
                           "p.open()\n"
                           "r = p.discover_versions()\n"
                           "p.close()\n"
                           "print(r.result_status.value.name, ' '.join(str(v) for v in r.protocol_versions))\n";
  const std::string cmd = "timeout 60 /usr/bin/python3 " + script.string() + " " + std::to_string(srv->kmip_port()) +
                          " " + pki().client_cert.string() + " " + pki().client_key.string() + " " +
                          pki().ca_cert.string() + " 2>&1";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    ::pclose(p);
  }
  EXPECT_NE(out.find("SUCCESS"), std::string::npos) << out;
  EXPECT_NE(out.find("2.1"), std::string::npos) << out;
}

// ---- HTTP -----------------------------------------------------------------------------------------------------

http::response<http::string_body> http_call(std::uint16_t port, http::verb verb, std::string target,
                                            std::string content_type = {}, std::string body = {}) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(10s);
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!content_type.empty()) req.set(http::field::content_type, content_type);
  req.body() = std::move(body);
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return res;
}

TEST(HttpApi, HealthVersionMetrics) {
  auto srv = start(base_options(server_tls()));
  ASSERT_TRUE(srv);
  ASSERT_TRUE(served(client(srv->kmip_port(), fixtures::client_options(pki()))));

  auto health = http_call(srv->http_port(), http::verb::get, "/health");
  EXPECT_EQ(health.result(), http::status::ok);
  EXPECT_NE(health.body().find("\"ok\""), std::string::npos);

  auto version = http_call(srv->http_port(), http::verb::get, "/version");
  EXPECT_EQ(version.result(), http::status::ok);
  EXPECT_NE(version.body().find("9.9.9-test"), std::string::npos);

  // The client has closed, but the server tears its side of the connection down on its own thread, after which
  // the gauge drops: read /metrics until it shows no open TLS connection (each read is a round trip to the
  // server, bounded by a deadline), then check the rest of that same page.
  constexpr std::string_view no_tls_open = "kmipd_open_connections{transport=\"tls\"} 0\n";
  auto metrics = http_call(srv->http_port(), http::verb::get, "/metrics");
  for (const auto deadline = std::chrono::steady_clock::now() + 5s;
       metrics.body().find(no_tls_open) == std::string::npos && std::chrono::steady_clock::now() < deadline;) {
    metrics = http_call(srv->http_port(), http::verb::get, "/metrics");
  }
  EXPECT_EQ(metrics.result(), http::status::ok);
  const std::string& m = metrics.body();
  EXPECT_NE(m.find("kmipd_operations_total{transport=\"tls\",operation=\"Discover Versions\",result=\"Success\"} 1"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("kmipd_request_duration_seconds_count 1"), std::string::npos) << m;
  EXPECT_NE(m.find("kmipd_open_connections{transport=\"http\"} "), std::string::npos) << m;
  EXPECT_NE(m.find(no_tls_open), std::string::npos) << m;

  EXPECT_EQ(http_call(srv->http_port(), http::verb::get, "/nope").result(), http::status::not_found);
  EXPECT_EQ(http_call(srv->http_port(), http::verb::get, "/kmip").result(), http::status::method_not_allowed);
}

TEST(HttpApi, PostKmipBinaryAndJson) {
  auto srv = start(base_options(server_tls()));
  ASSERT_TRUE(srv);
  const auto request = fixtures::discover_versions_request({1, 4});
  const auto expected = fake_engine(request, {});

  auto binary = http_call(srv->http_port(), http::verb::post, "/kmip", "application/octet-stream",
                          std::string(request.begin(), request.end()));
  EXPECT_EQ(binary.result(), http::status::ok);
  EXPECT_EQ(binary[http::field::content_type], "application/octet-stream");
  EXPECT_EQ(binary.body(), std::string(expected.begin(), expected.end()));

  auto tree = kmip::ttlv::decode_message(request);
  ASSERT_TRUE(tree);
  auto json = http_call(srv->http_port(), http::verb::post, "/kmip", "application/json",
                        kmip::encoding::to_json(tree->root()));
  EXPECT_EQ(json.result(), http::status::ok) << json.body();
  EXPECT_EQ(json[http::field::content_type], "application/json");
  auto expected_tree = kmip::ttlv::decode_message(expected);
  ASSERT_TRUE(expected_tree);
  EXPECT_EQ(json.body(), kmip::encoding::to_json(expected_tree->root()));

  auto bad_json = http_call(srv->http_port(), http::verb::post, "/kmip", "application/json", "{\"tag\":");
  EXPECT_EQ(bad_json.result(), http::status::bad_request);
  auto bad_type = http_call(srv->http_port(), http::verb::post, "/kmip", "text/plain", "hello");
  EXPECT_EQ(bad_type.result(), http::status::unsupported_media_type);
  EXPECT_EQ(srv->stats().operations("http", "Discover Versions", "Success"), 2u);
}

// ---- answers from another thread (kmipd's group commit) --------------------------------------------------------

// A stand-in for the engine's non-blocking entry: most answers are given from one other thread, in groups, as
// kmipd's syncer thread answers the writers one fdatasync covered; every third is given at once on the session's
// own thread, as a read with nothing to wait for is. Counts its groups, as kmipd counts its fdatasyncs.
class group_answerer {
 public:
  group_answerer() : thread_([this] { run(); }) {}
  ~group_answerer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    work_.notify_all();
    thread_.join();
  }
  group_answerer(const group_answerer&) = delete;
  group_answerer& operator=(const group_answerer&) = delete;

  void handle(std::span<const std::uint8_t> request, const core::request_context& ctx,
              std::function<void(common::secure_bytes)> done) {
    auto answer = fake_engine(request, ctx);
    std::unique_lock lock(mutex_);
    if (++calls_ % 3 == 0) {
      lock.unlock();
      done(std::move(answer));
      return;
    }
    pending_.push_back([answer = std::move(answer), done = std::move(done)] { done(answer); });
    lock.unlock();
    work_.notify_one();
  }
  std::uint64_t groups() const { return groups_.load(); }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      work_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;
      auto group = std::move(pending_);
      pending_.clear();
      lock.unlock();
      for (auto& answer : group) answer();
      ++groups_;
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable work_;
  std::vector<std::function<void()>> pending_;
  std::uint64_t calls_ = 0;
  bool stopping_ = false;
  std::atomic<std::uint64_t> groups_{0};
  std::thread thread_;  // last: started once the rest is constructed
};

// Sessions on both I/O threads hand their requests to the answering thread and are resumed on their own thread
// when the answer comes back (or go on at once when it came before they suspended), while another thread scrapes
// GET /metrics, which reads a counter the answering thread keeps. Every request is answered, on its connection.
// make test-tsan runs this for races between the I/O threads, the answering thread and the HTTP API.
TEST(KmipListener, AnswersFromAnotherThreadResumeTheirSessions) {
  group_answerer answers;  // outlives the server
  server_options o = base_options(server_tls());
  o.counters.push_back(
      {"test_answer_groups_total", "", "Groups answered by the test's thread.", [&answers] { return answers.groups(); }});
  auto started = server::start(std::move(o), fake_engine,
                               [&answers](std::span<const std::uint8_t> request, const core::request_context& ctx,
                                          std::function<void(common::secure_bytes)> done) {
                                 answers.handle(request, ctx, std::move(done));
                               });
  ASSERT_TRUE(started) << started.error().message;
  server& srv = **started;
  std::atomic<bool> clients_done{false};
  int scraped = 0;
  std::thread scraper([&] {
    for (int i = 0; i < 200 && !clients_done; ++i) {  // bounded; ends when the clients are done
      try {
        if (http_call(srv.http_port(), http::verb::get, "/metrics").result() == http::status::ok) ++scraped;
      } catch (const std::exception& e) {
        ADD_FAILURE() << "GET /metrics: " << e.what();
        return;
      }
    }
  });
  constexpr int clients = 12, requests = 6;
  EXPECT_EQ(served_concurrently(srv, clients, requests), clients * requests);
  clients_done = true;
  scraper.join();
  EXPECT_GE(scraped, 1);
  EXPECT_EQ(srv.stats().operations("tls", "Discover Versions", "Success"), std::uint64_t{clients * requests});
  EXPECT_GE(answers.groups(), 1u);
  const auto metrics = http_call(srv.http_port(), http::verb::get, "/metrics").body();
  EXPECT_NE(metrics.find("test_answer_groups_total " + std::to_string(answers.groups())), std::string::npos)
      << metrics;
}

// An answer that comes from another thread after the server stopped (kmipd: an fdatasync that outlived the
// shutdown deadline) is dropped instead of being posted to an io_context whose thread is gone; the client saw
// its connection closed at shutdown, unanswered.
TEST(KmipListener, AnAnswerThatComesAfterShutdownIsDropped) {
  std::mutex m;
  std::condition_variable cv;
  std::function<void(common::secure_bytes)> held;
  common::secure_bytes answer;
  auto started = server::start(base_options(server_tls()), fake_engine,
                               [&](std::span<const std::uint8_t> request, const core::request_context& ctx,
                                   std::function<void(common::secure_bytes)> done) {
                                 auto a = fake_engine(request, ctx);
                                 std::lock_guard lock(m);
                                 answer = std::move(a);
                                 held = std::move(done);
                                 cv.notify_all();
                               });
  ASSERT_TRUE(started) << started.error().message;
  auto srv = std::move(*started);
  std::atomic<bool> answered{true};
  std::thread client_thread([&] { answered = served(client(srv->kmip_port(), fixtures::client_options(pki()))); });
  bool arrived = false;
  {
    std::unique_lock lock(m);
    arrived = cv.wait_for(lock, 10s, [&] { return held != nullptr; });
  }
  srv->shutdown(0ms);  // closes the waiting session's connection; its answer has not come
  client_thread.join();
  ASSERT_TRUE(arrived) << "the request never reached the handler";
  EXPECT_FALSE(answered);
  std::thread late([&] { held(std::move(answer)); });  // another thread, as a syncer's would be
  late.join();
  srv.reset();
}

}  // namespace
}  // namespace kmipd::net
