// Encoder tests: padding rules, placeholders refused, and a seeded random round trip over item trees.
#include "kmip/ttlv/writer.hpp"

#include <gtest/gtest.h>

#include <random>

#include "common/hex.hpp"
#include "kmip/ttlv/reader.hpp"

namespace kmip::ttlv {
namespace {

std::string hex_of(const tree& t) {
  auto b = encode(t);
  EXPECT_TRUE(b);
  return common::to_hex_upper(*b);
}

TEST(Writer, PadsEveryTypeToEightBytes) {
  tree t;
  t.begin_structure(0x420001);
  t.add_text(0x420002, "abc");                                  // 3 + 5 padding
  t.add_bytes(0x420003, std::vector<std::uint8_t>(8, 0xAA));     // no padding
  t.add_integer(0x420004, -1);                                  // 4 + 4 padding
  t.add_text(0x420005, "");                                     // empty: header only
  t.end_structure();
  EXPECT_EQ(hex_of(t),
            "4200010100000038"
            "4200020700000003" "6162630000000000"
            "4200030800000008" "AAAAAAAAAAAAAAAA"
            "4200040200000004" "FFFFFFFF00000000"
            "4200050700000000");
}

TEST(Writer, NegativeLongAndDateTime) {
  tree t;
  t.add_long_integer(0x420001, -2);
  EXPECT_EQ(hex_of(t), "4200010300000008FFFFFFFFFFFFFFFE");
}

TEST(Writer, BigIntegerMustBePadded) {
  tree t;
  const std::uint8_t v[] = {0x80, 0x01};
  t.add_big_integer(0x420001, v);
  auto r = encode(t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::bad_value);
  tree u;
  u.add_big_integer(0x420001, pad_big_integer(v));
  EXPECT_EQ(hex_of(u), "4200010400000008FFFFFFFFFFFF8001");
}

TEST(Writer, PlaceholdersAreRefusedWithTheirText) {
  tree t;
  t.begin_structure(0x420001);
  t.add_placeholder(0x420002, item_type::date_time, "$NOW-3600");
  t.end_structure();
  auto r = encode(t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unresolved_placeholder);
  EXPECT_EQ(r.error().offset, 8u);
  EXPECT_NE(r.error().detail.find("$NOW-3600"), std::string::npos);
}

// Builds a random tree: bounded depth and width, every item type, seeded so a failure reproduces.
void random_items(std::mt19937_64& rng, tree& t, int depth) {
  std::uniform_int_distribution<int> width(0, 5), type(1, 11), len(0, 40);
  const int n = width(rng);
  for (int i = 0; i < n; ++i) {
    const auto tag = static_cast<std::uint32_t>(0x420000 + (rng() % 0x160));
    const int ty = depth >= 6 && type(rng) == 1 ? 2 : type(rng);
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(len(rng)));
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    switch (static_cast<item_type>(ty)) {
      case item_type::structure:
        t.begin_structure(tag);
        random_items(rng, t, depth + 1);
        t.end_structure();
        break;
      case item_type::integer: t.add_integer(tag, static_cast<std::int32_t>(rng())); break;
      case item_type::long_integer: t.add_long_integer(tag, static_cast<std::int64_t>(rng())); break;
      case item_type::big_integer: t.add_big_integer(tag, pad_big_integer(bytes)); break;
      case item_type::enumeration: t.add_enumeration(tag, static_cast<std::uint32_t>(rng())); break;
      case item_type::boolean: t.add_boolean(tag, rng() & 1); break;
      case item_type::text_string: {
        std::string s;
        for (auto b : bytes) s += static_cast<char>('a' + b % 26);
        t.add_text(tag, s);
        break;
      }
      case item_type::byte_string: t.add_bytes(tag, bytes); break;
      case item_type::date_time: t.add_date_time(tag, static_cast<std::int64_t>(rng() >> 20)); break;
      case item_type::interval: t.add_interval(tag, static_cast<std::uint32_t>(rng())); break;
      case item_type::date_time_extended: t.add_date_time_extended(tag, static_cast<std::int64_t>(rng())); break;
    }
  }
}

TEST(Writer, SeededRandomTreesRoundTrip) {
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    std::mt19937_64 rng(seed);
    tree t;
    t.begin_structure(0x420078);
    random_items(rng, t, 1);
    t.end_structure();
    auto bytes = encode(t);
    ASSERT_TRUE(bytes) << "seed " << seed;
    auto back = decode_message(*bytes);
    ASSERT_TRUE(back) << "seed " << seed << ": " << back.error().message();
    EXPECT_TRUE(*back == t) << "seed " << seed;
    auto again = encode(*back);
    ASSERT_TRUE(again);
    EXPECT_TRUE(std::equal(again->begin(), again->end(), bytes->begin(), bytes->end())) << "seed " << seed;
  }
}

}  // namespace
}  // namespace kmip::ttlv
