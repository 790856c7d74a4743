// RFC 5649 §6 known answers (both vectors use the 192-bit KEK 5840df6e29b02af1 ab493b705bf16ea1 ae8338f4dcc176a8),
// AES-256 round trips, and unwraps that must fail: wrong KEK, any flipped bit, truncation.
#include "esxi_sim/key_wrap.hpp"

#include <gtest/gtest.h>

#include "common/hex.hpp"
#include "common/random.hpp"

namespace esxi_sim {
namespace {

std::vector<std::uint8_t> hex(std::string_view s) { return *common::from_hex(s); }

const char* const rfc5649_kek = "5840df6e29b02af1 ab493b705bf16ea1 ae8338f4dcc176a8";

TEST(KeyWrap, Rfc5649Section6TwentyOctetKey) {
  auto w = wrap_key(hex(rfc5649_kek), hex("c37b7e6492584340 bed1220780894115 5068f738"));
  ASSERT_TRUE(w) << w.error().message();
  EXPECT_EQ(common::to_hex(*w), common::to_hex(hex("138bdeaa9b8fa7fc 61f97742e72248ee 5ae6ae5360d1ae6a 5f54f373fa543b6a")));
  auto u = unwrap_key(hex(rfc5649_kek), *w);
  ASSERT_TRUE(u);
  EXPECT_EQ(common::to_hex(*u), "c37b7e6492584340bed12207808941155068f738");
}

TEST(KeyWrap, Rfc5649Section6SevenOctetKey) {
  auto w = wrap_key(hex(rfc5649_kek), hex("466f7250617369"));
  ASSERT_TRUE(w);
  EXPECT_EQ(common::to_hex(*w), "afbeb0f07dfbf5419200f2ccb50bb24f");
  auto u = unwrap_key(hex(rfc5649_kek), *w);
  ASSERT_TRUE(u);
  EXPECT_EQ(common::to_hex(*u), "466f7250617369");
}

TEST(KeyWrap, Aes256RoundTripOfA64ByteDek) {
  common::seeded_random rnd(1);
  std::vector<std::uint8_t> kek(32), dek(64);
  rnd.fill(kek);
  rnd.fill(dek);
  auto w = wrap_key(kek, dek);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->size(), 72u);
  auto u = unwrap_key(kek, *w);
  ASSERT_TRUE(u);
  EXPECT_TRUE(std::equal(u->begin(), u->end(), dek.begin(), dek.end()));
}

TEST(KeyWrap, WrongKekTamperingAndTruncationFail) {
  common::seeded_random rnd(2);
  std::vector<std::uint8_t> kek(32), other(32), dek(64);
  rnd.fill(kek);
  rnd.fill(other);
  rnd.fill(dek);
  auto w = wrap_key(kek, dek);
  ASSERT_TRUE(w);
  auto wrong = unwrap_key(other, *w);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, errc::locked);
  for (std::size_t byte = 0; byte < w->size(); ++byte) {
    auto t = *w;
    t[byte] ^= 0x01;
    EXPECT_FALSE(unwrap_key(kek, t)) << "flipped byte " << byte;
  }
  auto shorter = *w;
  shorter.resize(64);
  EXPECT_FALSE(unwrap_key(kek, shorter));
  shorter.resize(13);
  auto bad = unwrap_key(kek, shorter);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::corrupt);
}

}  // namespace
}  // namespace esxi_sim
