#include "common/hex.hpp"

#include <gtest/gtest.h>

namespace {

TEST(Hex, ParsesSpecLayoutWithSeparators) {
  auto b = common::from_hex("42 00 20 | 02 | 00 00 00 04");
  ASSERT_TRUE(b);
  EXPECT_EQ(common::to_hex(*b), "42002002" "00000004");
}

TEST(Hex, AcceptsPrefixAndMixedCase) {
  auto b = common::from_hex("0xAbCd");
  ASSERT_TRUE(b);
  EXPECT_EQ(common::to_hex_upper(*b), "ABCD");
}

TEST(Hex, NamesOffsetOfBadCharacter) {
  auto b = common::from_hex("4200 2g");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().offset, 6u);
  EXPECT_NE(b.error().what.find("'g'"), std::string::npos);
}

TEST(Hex, RejectsOddDigitCount) {
  auto b = common::from_hex("420");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().offset, 2u);
}

TEST(Hex, EmptyIsEmpty) {
  auto b = common::from_hex("  \n");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->empty());
}

}  // namespace
