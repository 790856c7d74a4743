// Decoder tests: the spec's examples byte-exact, every vector message and capture, truncation at every offset,
// each decode limit one past its edge, and malformed headers.
#include "kmip/ttlv/reader.hpp"

#include <gtest/gtest.h>

#include "common/hex.hpp"
#include "kmip/ttlv/writer.hpp"
#include "tests/support/vectors.hpp"

namespace kmip::ttlv {
namespace {

std::vector<std::uint8_t> hex(std::string_view h) { return *common::from_hex(h); }

std::vector<std::uint8_t> bytes_of(const common::secure_bytes& b) { return {b.begin(), b.end()}; }

// KMIP 1.x §9.1.2: the ten examples, decoded to the documented values and re-encoded byte-exact.
TEST(Reader, SpecExamplesDecodeToTheirValues) {
  const auto examples = kmiph::testdata::spec_ttlv_examples();
  ASSERT_EQ(examples.size(), 10u);
  std::vector<tree> trees;
  for (const auto& e : examples) {
    auto t = decode(e.bytes);
    ASSERT_TRUE(t) << e.name << ": " << t.error().message();
    EXPECT_EQ(t->root().tag(), 0x420020u) << e.name;
    auto again = encode(*t);
    ASSERT_TRUE(again);
    EXPECT_EQ(bytes_of(*again), e.bytes) << e.name;
    trees.push_back(std::move(*t));
  }
  EXPECT_EQ(trees[0].root().as_integer(), 8);
  EXPECT_EQ(trees[1].root().as_long_integer(), 123456789000000000LL);
  EXPECT_EQ(common::to_hex(trees[2].root().as_big_integer()), "0000000003fd35eb6bc2df4618080000");
  EXPECT_EQ(trees[3].root().as_enumeration(), 255u);
  EXPECT_TRUE(trees[4].root().as_boolean());
  EXPECT_EQ(trees[5].root().as_text(), "Hello World");
  EXPECT_EQ(common::to_hex(trees[6].root().as_bytes()), "010203");
  EXPECT_EQ(trees[7].root().as_date_time(), 0x47DA67F8);  // Friday, March 14, 2008, 11:56:40 GMT
  EXPECT_EQ(trees[8].root().as_interval(), 864000u);      // 10 days
  const auto s = trees[9].root();
  ASSERT_EQ(s.type(), item_type::structure);
  ASSERT_EQ(s.child_count(), 2u);
  auto it = s.children().begin();
  EXPECT_EQ((*it).tag(), 0x420004u);
  EXPECT_EQ((*it).as_enumeration(), 254u);
  ++it;
  EXPECT_EQ((*it).tag(), 0x420005u);
  EXPECT_EQ((*it).as_integer(), 255);
}

TEST(Reader, AllVectorMessagesRoundTripByteIdentical) {
  const auto messages = kmiph::testdata::nlnetlabs_messages();
  ASSERT_EQ(messages.size(), 79u);
  for (const auto& m : messages) {
    auto t = decode_message(m.bytes);
    ASSERT_TRUE(t) << m.name << ": " << t.error().message();
    auto again = encode(*t);
    ASSERT_TRUE(again) << m.name;
    EXPECT_EQ(bytes_of(*again), m.bytes) << m.name;
  }
}

TEST(Reader, EveryCapturedVcenterMessageDecodes) {
  std::size_t count = 0;
  for (const auto& log : kmiph::testdata::capture_logs()) {
    for (const auto& m : kmiph::testdata::capture_messages(log)) {
      auto t = decode_message(m.bytes);
      ASSERT_TRUE(t) << m.file << ":" << m.line << ": " << t.error().message();
      EXPECT_EQ(t->root().tag(), m.request ? 0x420078u : 0x42007Bu) << m.file << ":" << m.line;
      auto again = encode(*t);
      ASSERT_TRUE(again);
      EXPECT_EQ(bytes_of(*again), m.bytes) << m.file << ":" << m.line;
      ++count;
    }
  }
  // 58 + 44 responses and as many requests (each logged as header + body lines).
  EXPECT_EQ(count, 204u);
}

// A real message cut at every offset: always an error naming where the input ends, never a crash.
TEST(Reader, TruncationAtEveryOffsetIsAnErrorWithTheOffset) {
  const auto messages = kmiph::testdata::nlnetlabs_messages();
  const auto& full = messages.front().bytes;
  for (std::size_t cut = 0; cut < full.size(); ++cut) {
    std::vector<std::uint8_t> part(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut));
    auto t = decode_message(part);
    ASSERT_FALSE(t) << "cut at " << cut;
    EXPECT_EQ(t.error().code, errc::truncated) << "cut at " << cut;
    EXPECT_EQ(t.error().offset, cut);
    EXPECT_NE(t.error().message().find("at byte " + std::to_string(cut)), std::string::npos);
  }
}

TEST(Reader, MessageSizeLimitOnePastTheEdge) {
  const auto m = kmiph::testdata::nlnetlabs_messages().front().bytes;
  decode_limits at_edge;
  at_edge.max_message_size = m.size();
  EXPECT_TRUE(decode_message(m, at_edge));
  decode_limits below = at_edge;
  below.max_message_size = m.size() - 1;
  auto t = decode_message(m, below);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, errc::message_too_large);
}

// Depth of a nested structure chain: depth n = n nested structures around one Integer.
std::vector<std::uint8_t> nested(std::size_t depth) {
  tree t;
  for (std::size_t i = 0; i < depth; ++i) t.begin_structure(0x420001);
  t.add_integer(0x420002, 7);
  for (std::size_t i = 0; i < depth; ++i) t.end_structure();
  return bytes_of(*encode(t));
}

TEST(Reader, DepthLimitOnePastTheEdge) {
  decode_limits l;
  l.max_depth = 5;
  EXPECT_TRUE(decode(nested(5), l));
  auto t = decode(nested(6), l);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, errc::too_deep);
  EXPECT_EQ(t.error().offset, 5u * 8u);  // the sixth structure's header
}

TEST(Reader, ItemCountLimitOnePastTheEdge) {
  tree t;
  t.begin_structure(0x420001);
  for (int i = 0; i < 9; ++i) t.add_integer(0x420002, i);
  t.end_structure();
  const auto b = bytes_of(*encode(t));  // 10 items
  decode_limits l;
  l.max_items = 10;
  EXPECT_TRUE(decode(b, l));
  l.max_items = 9;
  auto r = decode(b, l);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::too_many_items);
  EXPECT_EQ(r.error().offset, 8u + 8u * 16u);  // the tenth item
}

TEST(Reader, StringLengthLimitOnePastTheEdge) {
  for (auto type : {item_type::text_string, item_type::byte_string}) {
    tree t;
    if (type == item_type::text_string)
      t.add_text(0x420001, std::string(16, 'a'));
    else
      t.add_bytes(0x420001, std::vector<std::uint8_t>(16, 1));
    const auto b = bytes_of(*encode(t));
    decode_limits l;
    l.max_string_length = 16;
    EXPECT_TRUE(decode(b, l));
    l.max_string_length = 15;
    auto r = decode(b, l);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, errc::string_too_long);
    EXPECT_EQ(r.error().offset, 4u);
  }
}

TEST(Reader, OversizedLengthInsideAStructureIsAnOverrunNotAnAllocation) {
  // Structure of 16 bytes holding a Text String that claims 0xFFFFFFF0 bytes.
  auto b = hex("42000101 00000010 42000207 FFFFFFF0 00000000 00000000");
  decode_limits l;
  l.max_string_length = 0xFFFFFFFF;
  auto r = decode(b, l);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::truncated);
  EXPECT_EQ(r.error().offset, b.size());
}

TEST(Reader, ChildOverrunningItsStructure) {
  // Structure says 8 bytes but holds a 16-byte Integer item; the outer input has room for it.
  auto b = hex("42000101 00000018 42000301 00000008 42000202 00000004 00000001 00000000");
  auto r = decode(b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::structure_overrun);
  EXPECT_EQ(r.error().offset, 16u);
}

struct bad_case {
  const char* name;
  const char* hex;
  errc code;
  std::size_t offset;
};

class ReaderRejects : public ::testing::TestWithParam<bad_case> {};

TEST_P(ReaderRejects, WithCodeAndOffset) {
  const auto& c = GetParam();
  auto r = decode(hex(c.hex));
  ASSERT_FALSE(r) << c.name;
  EXPECT_EQ(r.error().code, c.code) << c.name << ": " << r.error().message();
  EXPECT_EQ(r.error().offset, c.offset) << c.name << ": " << r.error().message();
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, ReaderRejects,
    ::testing::Values(
        bad_case{"tag outside 42/54", "43002002 00000004 00000008 00000000", errc::bad_tag, 0},
        bad_case{"type 0", "42002000 00000004 00000008 00000000", errc::bad_type, 3},
        bad_case{"type 0x0C", "4200200C 00000004 00000008 00000000", errc::bad_type, 3},
        bad_case{"integer of length 8", "42002002 00000008 00000008 00000000", errc::bad_length, 4},
        bad_case{"boolean of length 4", "42002006 00000004 00000001 00000000", errc::bad_length, 4},
        bad_case{"big integer of length 12", "42002004 0000000C 00000000 00000000 00000001 00000000", errc::bad_length, 4},
        bad_case{"structure of length 4", "42002001 00000004 00000000", errc::bad_length, 4},
        bad_case{"boolean 2", "42002006 00000008 00000000 00000002", errc::bad_boolean, 8},
        bad_case{"integer padding", "42002002 00000004 00000008 00000001", errc::nonzero_padding, 12},
        bad_case{"text padding", "42002007 00000001 41000000 00000100", errc::nonzero_padding, 9},
        bad_case{"text not UTF-8", "42002007 00000002 41FF0000 00000000", errc::bad_text, 9},
        bad_case{"overlong UTF-8", "42002007 00000002 C0AF0000 00000000", errc::bad_text, 8},
        bad_case{"trailing bytes", "42002002 00000004 00000008 00000000 00", errc::trailing_bytes, 16},
        bad_case{"empty input", "", errc::truncated, 0},
        bad_case{"header only", "42002002 00000004", errc::truncated, 8}),
    [](const auto& p) {
      std::string n = p.param.name;
      for (auto& ch : n)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return n;
    });

TEST(Reader, DecodeMessageWantsAStructure) {
  auto r = decode_message(hex("42002002 00000004 00000008 00000000"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::not_a_message);
}

TEST(Reader, ExtensionTagsAndEmptyStructuresAreFine) {
  auto r = decode(hex("54000101 00000010 54000201 00000000 42000301 00000000"));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->root().tag(), 0x540001u);
  EXPECT_EQ(r->root().child_count(), 2u);
}

}  // namespace
}  // namespace kmip::ttlv
