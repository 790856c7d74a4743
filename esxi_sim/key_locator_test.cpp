// Key locators and DEKs: a sealed locator opens with its KEK only; any change to provider, KEK ID, wrapped DEK or
// MAC is detected. DEK halves always differ, even when the random source first offers equal halves.
#include "esxi_sim/key_locator.hpp"

#include <gtest/gtest.h>

#include "common/random.hpp"
#include "esxi_sim/dek.hpp"

namespace esxi_sim {
namespace {

// Offers equal halves on its first draw, then defers to a seeded stream.
class equal_halves_first final : public common::random_source {
 public:
  void fill(std::span<std::uint8_t> out) override {
    if (calls_++ == 0) {
      std::fill(out.begin(), out.end(), std::uint8_t{0x42});
      return;
    }
    inner_.fill(out);
  }
  int calls_ = 0;

 private:
  common::seeded_random inner_{9};
};

TEST(Dek, HalvesDifferEvenIfTheSourceFirstRepeats) {
  equal_halves_first rnd;
  auto dek = generate_dek(rnd);
  ASSERT_EQ(dek.size(), 64u);
  EXPECT_EQ(rnd.calls_, 2);
  EXPECT_FALSE(std::equal(dek.begin(), dek.begin() + 32, dek.begin() + 32));
}

struct KeyLocator : ::testing::Test {
  common::seeded_random rnd{3};
  std::vector<std::uint8_t> kek = bytes(32), other = bytes(32);
  common::secure_bytes dek = generate_dek(rnd);
  std::vector<std::uint8_t> bytes(std::size_t n) {
    std::vector<std::uint8_t> b(n);
    rnd.fill(b);
    return b;
  }
};

TEST_F(KeyLocator, SealThenOpen) {
  auto loc = seal_locator("kms-cluster-1", "kek-0001", kek, dek);
  ASSERT_TRUE(loc);
  auto opened = open_locator(*loc, kek);
  ASSERT_TRUE(opened) << opened.error().message();
  EXPECT_EQ(*opened, dek);
}

TEST_F(KeyLocator, WrongKekIsLocked) {
  auto loc = seal_locator("p", "k", kek, dek);
  ASSERT_TRUE(loc);
  auto r = open_locator(*loc, other);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::locked);
}

TEST_F(KeyLocator, EveryFieldIsCoveredByTheMac) {
  auto loc = seal_locator("p", "k", kek, dek);
  ASSERT_TRUE(loc);
  auto t1 = *loc; t1.key_provider = "q";
  auto t2 = *loc; t2.kek_id = "k2";
  auto t3 = *loc; t3.wrapped_dek[5] ^= 0x80;
  auto t4 = *loc; t4.mac[31] ^= 0x01;
  for (const auto* t : {&t1, &t2, &t3, &t4}) {
    auto r = open_locator(*t, kek);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, errc::locked);
  }
}

}  // namespace
}  // namespace esxi_sim
