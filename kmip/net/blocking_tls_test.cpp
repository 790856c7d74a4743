// net::blocking_tls_client directly, for what kmip/client's connection tests (which run every behaviour on both
// transports) cannot see from above: a write to a peer that has gone must come back as errc::closed, not kill the
// process with SIGPIPE; and a session must survive many exchanges whose records arrive in one read (read-ahead).
#include "kmip/net/blocking_tls.hpp"

#include <gtest/gtest.h>

#include <csignal>

#include "kmip/net/testing/fixtures.hpp"
#include "kmip/net/testing/responder.hpp"

namespace kmip::net {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<testing::responder> start(testing::misbehaviour mode) {
  auto ctx = make_server_context(testing::server_options(testing::shared_pki()));
  EXPECT_TRUE(ctx) << ctx.error().message;
  if (!ctx) return nullptr;
  testing::responder_options o;
  o.tls = *ctx;
  o.mode = mode;
  o.io_timeout = 5000ms;
  auto r = testing::responder::start(std::move(o));
  EXPECT_TRUE(r) << r.error().message;
  return r ? std::move(*r) : nullptr;
}

result<blocking_tls_client> connected_to(std::uint16_t port) {
  auto ctx = make_client_context(testing::client_options(testing::shared_pki()));
  if (!ctx) return common::unexpected{ctx.error()};
  blocking_tls_client c;
  if (auto r = c.connect(*ctx, testing::client_options(testing::shared_pki()), "127.0.0.1", port, 5s); !r)
    return common::unexpected{r.error()};
  return c;
}

TEST(BlockingTlsClient, WritingToAPeerThatHasGoneIsClosedNotSigpipe) {
  // SIGPIPE's default action ends the process: were the write made with write(2), this test would die here.
  ASSERT_EQ(std::signal(SIGPIPE, SIG_DFL), SIG_DFL) << "the test binary must not ignore SIGPIPE";
  auto server = start(testing::misbehaviour::close_after_handshake);
  ASSERT_NE(server, nullptr);
  auto c = connected_to(server->port());
  ASSERT_TRUE(c) << c.error().message;
  // The server's close_notify is the first thing to read; its socket is closed after it.
  auto r = c->read_message({}, 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::closed) << r.error().message;
  ASSERT_EQ(server->wait_for_sessions(1, 10s).size(), 1u);
  // The first write may still be accepted by our kernel; the peer's RST makes a later one fail with EPIPE.
  const auto request = testing::discover_versions_request();
  std::optional<error> failed;
  for (int i = 0; i < 20 && !failed; ++i)
    if (auto w = c->write_message(request, 5s); !w) failed = w.error();
  ASSERT_TRUE(failed) << "20 writes to a closed peer all succeeded";
  EXPECT_TRUE(failed->code == errc::closed || failed->code == errc::tls) << failed->message;
}

TEST(BlockingTlsClient, ManyExchangesOnOneSession) {
  auto server = start(testing::misbehaviour::none);
  ASSERT_NE(server, nullptr);
  auto c = connected_to(server->port());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->describe_session().rfind("TLSv1.3 ", 0), 0u) << c->describe_session();
  const auto request = testing::discover_versions_request();
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(c->write_message(request, 5s)) << "exchange " << i;
    auto r = c->read_message({}, 5s);
    ASSERT_TRUE(r) << "exchange " << i << ": " << r.error().message;
    ASSERT_EQ(*r, request) << "exchange " << i;  // the responder echoes by default
  }
  c->close(1s);
  EXPECT_FALSE(c->is_open());
  const auto sessions = server->wait_for_sessions(1, 10s);
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].requests, 200u);
}

}  // namespace
}  // namespace kmip::net

namespace kmip::net {
namespace {

// Busy polling changes how a read waits, never what it returns: the same messages, the same closed connection,
// the same timeout (the spin never outlives the read's deadline).
TEST(BlockingTlsClientBusyPolling, ExchangesAreUnchanged) {
  for (testing::misbehaviour mode : {testing::misbehaviour::none, testing::misbehaviour::byte_by_byte}) {
    auto server = start(mode);
    ASSERT_NE(server, nullptr);
    auto c = connected_to(server->port());
    ASSERT_TRUE(c) << c.error().message;
    c->set_busy_poll(1s);  // longer than any answer takes: the spin ends because the answer arrived
    const auto request = testing::discover_versions_request();
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(c->write_message(request, 5s)) << "exchange " << i;
      auto r = c->read_message({}, 5s);
      ASSERT_TRUE(r) << "exchange " << i << ": " << r.error().message;
      ASSERT_EQ(*r, request) << "exchange " << i;
    }
    c->close(1s);
    ASSERT_EQ(server->wait_for_sessions(1, 10s).size(), 1u);
  }
}

TEST(BlockingTlsClientBusyPolling, APeerThatClosesEndsTheSpin) {
  auto server = start(testing::misbehaviour::close_after_handshake);
  ASSERT_NE(server, nullptr);
  auto c = connected_to(server->port());
  ASSERT_TRUE(c) << c.error().message;
  c->set_busy_poll(10s);
  auto r = c->read_message({}, 20s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::closed) << r.error().message;
}

TEST(BlockingTlsClientBusyPolling, TheSpinNeverOutlivesTheReadsDeadline) {
  auto server = start(testing::misbehaviour::never_answer);
  ASSERT_NE(server, nullptr);
  auto c = connected_to(server->port());
  ASSERT_TRUE(c) << c.error().message;
  c->set_busy_poll(10s);
  ASSERT_TRUE(c->write_message(testing::discover_versions_request(), 5s));
  auto r = c->read_message({}, 200ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::timeout) << r.error().message;
  EXPECT_NE(r.error().message.find("no KMIP message within 200 ms"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace kmip::net
