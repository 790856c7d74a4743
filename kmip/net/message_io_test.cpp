// read/write one message over a plain TCP socket pair on 127.0.0.1: limits at their edge, every way a peer can
// cut a message short, deadlines, and delivery split at every byte offset (STYLE.md habits 9 and 10).
// Both ends run as coroutines on one io_context on the test thread, so the order of events is deterministic.
#include "kmip/net/message_io.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include "kmip/net/testing/allocation_probe.hpp"
#include "kmip/net/testing/fixtures.hpp"

namespace kmip::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;
using bytes = std::vector<std::uint8_t>;

// Two connected sockets on 127.0.0.1.
std::pair<tcp::socket, tcp::socket> socket_pair(asio::io_context& io) {
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket a(io);
  a.connect(acceptor.local_endpoint());
  tcp::socket b = acceptor.accept();
  a.set_option(tcp::no_delay(true));
  b.set_option(tcp::no_delay(true));
  return {std::move(a), std::move(b)};
}

// Sends `data` in pieces: after each piece, the io_context runs whatever is ready (the reader) before the next.
asio::awaitable<void> send_in_pieces(tcp::socket& s, bytes data, std::vector<std::size_t> cuts, bool close_after) {
  std::size_t at = 0;
  cuts.push_back(data.size());
  for (std::size_t cut : cuts) {
    if (cut > at) {
      co_await asio::async_write(s, asio::buffer(data.data() + at, cut - at), asio::use_awaitable);
      at = cut;
    }
    co_await asio::post(s.get_executor(), asio::use_awaitable);
  }
  if (close_after) s.close();
}

struct read_outcome {
  std::optional<result<common::secure_bytes>> outcome;
  std::chrono::steady_clock::duration took{};
};

// Runs a reader on `reader` and a sender on `writer` concurrently until both are done.
read_outcome read_while_sending(asio::io_context& io, tcp::socket& reader, tcp::socket& writer, bytes data,
                                std::vector<std::size_t> cuts, bool close_after, ttlv::decode_limits limits,
                                duration timeout) {
  read_outcome out;
  const auto start = std::chrono::steady_clock::now();
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    out.outcome.emplace(co_await async_read_message(reader, limits, timeout));
    out.took = std::chrono::steady_clock::now() - start;
  }, asio::detached);
  asio::co_spawn(io, send_in_pieces(writer, std::move(data), std::move(cuts), close_after), asio::detached);
  io.restart();
  io.run();
  return out;
}

bytes sample_message() {
  const auto m = testing::discover_versions_request();
  return bytes(m.begin(), m.end());
}

TEST(MessageIoTest, BlockingRoundTrip) {
  asio::io_context io;
  auto [a, b] = socket_pair(io);
  const bytes m = sample_message();
  auto w = write_message(io, a, m, 5s);
  ASSERT_TRUE(w) << w.error().message;
  auto r = read_message(io, b, {}, 5s);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(bytes(r->begin(), r->end()), m);
}

TEST(MessageIoTest, EverySplitPointReadsTheSameMessage) {
  const bytes m = sample_message();
  for (std::size_t cut = 0; cut <= m.size(); ++cut) {
    asio::io_context io;
    auto [a, b] = socket_pair(io);
    auto out = read_while_sending(io, b, a, m, {cut}, false, {}, 5s);
    ASSERT_TRUE(out.outcome && *out.outcome) << "cut at " << cut << ": " << out.outcome->error().message;
    EXPECT_EQ(bytes((*out.outcome)->begin(), (*out.outcome)->end()), m) << "cut at " << cut;
  }
}

TEST(MessageIoTest, ByteByByteDelivery) {
  const bytes m = sample_message();
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < m.size(); ++i) cuts.push_back(i);
  asio::io_context io;
  auto [a, b] = socket_pair(io);
  auto out = read_while_sending(io, b, a, m, cuts, false, {}, 5s);
  ASSERT_TRUE(out.outcome && *out.outcome) << out.outcome->error().message;
  EXPECT_EQ(bytes((*out.outcome)->begin(), (*out.outcome)->end()), m);
}

TEST(MessageIoTest, TwoMessagesBackToBackAreReadOneAtATime) {
  const bytes m = sample_message();
  bytes two = m;
  two.insert(two.end(), m.begin(), m.end());
  asio::io_context io;
  auto [a, b] = socket_pair(io);
  auto w = asio::write(a, asio::buffer(two));
  ASSERT_EQ(w, two.size());
  for (int i = 0; i < 2; ++i) {
    auto r = read_message(io, b, {}, 5s);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(bytes(r->begin(), r->end()), m);
  }
}

TEST(MessageIoTest, SizeLimitAtItsEdge) {
  const bytes m = sample_message();
  ttlv::decode_limits exact;
  exact.max_message_size = m.size();
  {
    asio::io_context io;
    auto [a, b] = socket_pair(io);
    auto out = read_while_sending(io, b, a, m, {}, false, exact, 5s);
    ASSERT_TRUE(*out.outcome) << out.outcome->error().message;
  }
  ttlv::decode_limits one_less = exact;
  one_less.max_message_size = m.size() - 1;
  {
    asio::io_context io;
    auto [a, b] = socket_pair(io);
    auto out = read_while_sending(io, b, a, m, {}, false, one_less, 5s);
    ASSERT_FALSE(*out.outcome);
    EXPECT_EQ(out.outcome->error().code, errc::framing);
    EXPECT_EQ(out.outcome->error().codec, ttlv::errc::message_too_large);
  }
}

TEST(MessageIoTest, HugeHeaderFailsBeforeAllocating) {
  // Response Message, Structure, length 100 MiB; the body never comes and the connection stays open, so only a
  // check of the header alone can end the read before the 10 s deadline.
  const bytes header = {0x42, 0x00, 0x7B, 0x01, 0x06, 0x40, 0x00, 0x00};
  asio::io_context io;
  auto [a, b] = socket_pair(io);
  testing::reset_largest_allocation();
  auto out = read_while_sending(io, b, a, header, {}, false, {}, 10s);
  const std::size_t largest = testing::largest_allocation();
  ASSERT_FALSE(*out.outcome);
  EXPECT_EQ(out.outcome->error().code, errc::framing);
  EXPECT_EQ(out.outcome->error().codec, ttlv::errc::message_too_large);
  EXPECT_NE(out.outcome->error().message.find("104857608"), std::string::npos) << out.outcome->error().message;
  EXPECT_LT(out.took, 5s);
  EXPECT_LT(largest, std::size_t{1} << 20) << "an allocation of " << largest << " bytes happened";
}

TEST(MessageIoTest, NotAKmipMessageIsAFramingError) {
  const std::string http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::io_context io;
  auto [a, b] = socket_pair(io);
  auto out = read_while_sending(io, b, a, bytes(http.begin(), http.end()), {}, false, {}, 5s);
  ASSERT_FALSE(*out.outcome);
  EXPECT_EQ(out.outcome->error().code, errc::framing);
  EXPECT_EQ(out.outcome->error().codec, ttlv::errc::bad_tag);
}

TEST(MessageIoTest, EmptyStructureIsAWholeMessage) {
  const bytes empty = {0x42, 0x00, 0x7B, 0x01, 0x00, 0x00, 0x00, 0x00};
  asio::io_context io;
  auto [a, b] = socket_pair(io);
  auto out = read_while_sending(io, b, a, empty, {}, false, {}, 5s);
  ASSERT_TRUE(*out.outcome) << out.outcome->error().message;
  EXPECT_EQ((*out.outcome)->size(), 8u);
}

TEST(MessageIoTest, PeerClosingMidMessageIsClosed) {
  const bytes m = sample_message();
  for (std::size_t keep : {std::size_t{0}, std::size_t{5}, std::size_t{8}, m.size() - 1}) {
    asio::io_context io;
    auto [a, b] = socket_pair(io);
    auto out = read_while_sending(io, b, a, bytes(m.begin(), m.begin() + static_cast<std::ptrdiff_t>(keep)), {},
                                  true, {}, 5s);
    ASSERT_FALSE(*out.outcome) << "kept " << keep;
    EXPECT_EQ(out.outcome->error().code, errc::closed) << out.outcome->error().message;
    EXPECT_LT(out.took, 4s);
  }
}

TEST(MessageIoTest, SilentPeerTimesOut) {
  asio::io_context io;
  auto [a, b] = socket_pair(io);
  auto out = read_while_sending(io, b, a, {}, {}, false, {}, 200ms);
  ASSERT_FALSE(*out.outcome);
  EXPECT_EQ(out.outcome->error().code, errc::timeout);
  EXPECT_GE(out.took, 200ms);
  EXPECT_LT(out.took, 3s);
}

TEST(MessageIoTest, PeerStallingMidBodyTimesOut) {
  const bytes m = sample_message();
  asio::io_context io;
  auto [a, b] = socket_pair(io);
  auto out = read_while_sending(io, b, a, bytes(m.begin(), m.begin() + 20), {}, false, {}, 200ms);
  ASSERT_FALSE(*out.outcome);
  EXPECT_EQ(out.outcome->error().code, errc::timeout);
  EXPECT_NE(out.outcome->error().message.find("20 of"), std::string::npos) << out.outcome->error().message;
}

TEST(MessageIoTest, WriteRefusesWhatIsNotOneMessage) {
  asio::io_context io;
  auto [a, b] = socket_pair(io);
  const bytes m = sample_message();
  auto short_write = write_message(io, a, std::span(m).first(7), 1s);
  ASSERT_FALSE(short_write);
  EXPECT_EQ(short_write.error().code, errc::framing);
  auto truncated = write_message(io, a, std::span(m).first(m.size() - 8), 1s);
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().codec, ttlv::errc::truncated);
  bytes longer = m;
  longer.insert(longer.end(), 8, 0);
  auto trailing = write_message(io, a, longer, 1s);
  ASSERT_FALSE(trailing);
  EXPECT_EQ(trailing.error().codec, ttlv::errc::trailing_bytes);
  const bytes not_kmip = {'H', 'E', 'L', 'L', 'O', '!', '!', '!'};
  auto bad = write_message(io, a, not_kmip, 1s);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().codec, ttlv::errc::bad_tag);
}

TEST(MessageIoTest, ManyConcurrentReadersOnOneIoContext) {
  constexpr int pairs = 16;
  asio::io_context io;
  std::vector<std::pair<tcp::socket, tcp::socket>> sockets;
  for (int i = 0; i < pairs; ++i) sockets.push_back(socket_pair(io));
  const bytes m = sample_message();
  int ok = 0;
  for (auto& [a, b] : sockets) {
    asio::co_spawn(io, [&, &a = a, &b = b]() -> asio::awaitable<void> {
      auto w = co_await async_write_message(a, m, 5s);
      auto r = co_await async_read_message(b, {}, 5s);
      if (w && r && bytes(r->begin(), r->end()) == m) ++ok;
    }, asio::detached);
  }
  io.run();
  EXPECT_EQ(ok, pairs);
}

}  // namespace
}  // namespace kmip::net
