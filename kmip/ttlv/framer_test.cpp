// Framer tests: the same messages at every split point of a real capture (STYLE.md habit 10), the header
// checked before the body is buffered, and errors that count from the start of the stream.
#include "kmip/ttlv/framer.hpp"

#include <gtest/gtest.h>

#include "common/hex.hpp"
#include "tests/support/vectors.hpp"

namespace kmip::ttlv {
namespace {

std::vector<std::vector<std::uint8_t>> vcenter_session() {
  std::vector<std::vector<std::uint8_t>> out;
  for (const auto& m : kmiph::testdata::capture_messages(kmiph::testdata::capture_logs().front())) {
    if (m.request) out.push_back(m.bytes);
    if (out.size() == 6) break;
  }
  return out;
}

std::vector<std::vector<std::uint8_t>> drain(framer& f) {
  std::vector<std::vector<std::uint8_t>> got;
  for (int guard = 0; guard < 100; ++guard) {
    auto m = f.next();
    EXPECT_TRUE(m) << m.error().message();
    if (!m || !*m) break;
    got.emplace_back((*m)->begin(), (*m)->end());
  }
  return got;
}

TEST(Framer, SameMessagesAtEverySplitPoint) {
  const auto messages = vcenter_session();
  ASSERT_EQ(messages.size(), 6u);
  std::vector<std::uint8_t> stream;
  for (const auto& m : messages) stream.insert(stream.end(), m.begin(), m.end());

  for (std::size_t split = 0; split <= stream.size(); ++split) {
    framer f;
    std::vector<std::vector<std::uint8_t>> got;
    f.feed({stream.data(), split});
    for (auto& m : drain(f)) got.push_back(std::move(m));
    f.feed({stream.data() + split, stream.size() - split});
    for (auto& m : drain(f)) got.push_back(std::move(m));
    ASSERT_EQ(got, messages) << "split at " << split;
    EXPECT_EQ(f.buffered(), 0u);
  }
}

TEST(Framer, ByteByByteSaysHowMuchMoreItNeeds) {
  const auto m = vcenter_session().front();
  framer f;
  EXPECT_EQ(f.bytes_wanted(), 8u);
  for (std::size_t i = 0; i + 1 < m.size(); ++i) {
    f.feed({&m[i], 1});
    auto r = f.next();
    ASSERT_TRUE(r);
    ASSERT_FALSE(*r) << "complete too early at " << i;
    const std::size_t expected_want = i + 1 < 8 ? 8 - (i + 1) : m.size() - (i + 1);
    EXPECT_EQ(f.bytes_wanted(), expected_want) << i;
  }
  f.feed({&m.back(), 1});
  auto r = f.next();
  ASSERT_TRUE(r && *r);
  EXPECT_EQ(std::vector<std::uint8_t>((*r)->begin(), (*r)->end()), m);
}

TEST(Framer, OversizedLengthIsRejectedFromTheHeaderAlone) {
  framer f;  // default limit 1 MiB
  const auto header = *common::from_hex("42007801 7FFFFFF8");
  f.feed(header);
  auto r = f.next();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::message_too_large);
  EXPECT_EQ(r.error().offset, 4u);
  EXPECT_LT(f.buffered(), 16u);  // nothing was grown for the claimed body
}

TEST(Framer, MessageSizeLimitOnePastTheEdge) {
  const auto m = vcenter_session().front();
  decode_limits l;
  l.max_message_size = m.size();
  framer ok(l);
  ok.feed(m);
  auto r = ok.next();
  ASSERT_TRUE(r && *r);
  l.max_message_size = m.size() - 1;
  framer too_small(l);
  too_small.feed(m);
  auto e = too_small.next();
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, errc::message_too_large);
}

TEST(Framer, ErrorOffsetsCountFromTheStreamStart) {
  const auto m = vcenter_session().front();
  framer f;
  f.feed(m);
  const std::uint8_t garbage[] = {0x42, 0x00, 0x78, 0x02};
  f.feed(garbage);
  auto first = f.next();
  ASSERT_TRUE(first && *first);
  auto second = f.next();
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, errc::not_a_message);
  EXPECT_EQ(second.error().offset, m.size() + 3);
}

TEST(Framer, RejectsNonKmipFirstByte) {
  // A TLS ClientHello or an HTTP request sent to the TTLV port.
  const std::string http = "GET / HTTP/1.1\r\n";
  auto s = inspect_frame({reinterpret_cast<const std::uint8_t*>(http.data()), http.size()});
  EXPECT_EQ(s.state, frame_status::kind::invalid);
  EXPECT_EQ(s.err.code, errc::bad_tag);
}

}  // namespace
}  // namespace kmip::ttlv
