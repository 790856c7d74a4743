// Item model tests: navigation, copies of subtrees, builder misuse.
#include "kmip/ttlv/tree.hpp"

#include <gtest/gtest.h>

#include "kmip/ttlv/writer.hpp"

namespace kmip::ttlv {
namespace {

tree sample() {
  tree t;
  t.begin_structure(0x420078);
  t.begin_structure(0x420077);
  t.add_integer(0x42000D, 1);
  t.end_structure();
  t.begin_structure(0x42000F);
  t.add_enumeration(0x42005C, 1);
  t.add_text(0x420094, "key-1");
  t.end_structure();
  t.end_structure();
  return t;
}

TEST(Tree, ChildrenAndFind) {
  const tree t = sample();
  const auto root = t.root();
  EXPECT_EQ(root.child_count(), 2u);
  auto item = root.find(0x42000F);
  ASSERT_TRUE(item);
  EXPECT_EQ(item->child_count(), 2u);
  auto uid = item->find(spec::tag::unique_identifier);
  ASSERT_TRUE(uid);
  EXPECT_EQ(uid->as_text(), "key-1");
  EXPECT_FALSE(root.find(0x420094));  // find looks at direct children only
}

TEST(Tree, CopyOfASubtreeIsEqualAndIndependent) {
  const tree t = sample();
  tree copy;
  copy.add_copy(*t.root().find(0x42000F));
  EXPECT_EQ(copy.root().child_count(), 2u);
  EXPECT_EQ(copy.root().find(0x420094)->as_text(), "key-1");

  tree whole;
  whole.add_copy(t.root());
  EXPECT_TRUE(whole == t);
  EXPECT_EQ(*encode(whole), *encode(t));
}

TEST(Tree, CopyInsideAnOpenStructureClosesOnlyItsOwnStructures) {
  const tree t = sample();
  tree out;
  out.begin_structure(0x420001);
  out.add_copy(*t.root().find(0x420077));
  out.add_integer(0x420002, 5);
  out.end_structure();
  EXPECT_EQ(out.open_structures(), 0u);
  EXPECT_EQ(out.root().child_count(), 2u);
}

TEST(Tree, OneTopLevelItem) {
  tree t;
  t.add_integer(0x420001, 1);
  EXPECT_THROW(t.add_integer(0x420002, 2), std::logic_error);
  tree u;
  EXPECT_THROW(u.end_structure(), std::logic_error);
}

TEST(Tree, EqualityLooksAtValues) {
  tree a, b;
  a.add_text(0x420001, "x");
  b.add_text(0x420001, "y");
  EXPECT_FALSE(a == b);
}

}  // namespace
}  // namespace kmip::ttlv
