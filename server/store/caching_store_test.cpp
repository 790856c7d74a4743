#include "server/store/caching_store.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "server/core/memory_store.hpp"

namespace kmipd::store {
namespace {

core::stored_object object(const std::string& id, std::uint8_t byte) {
  core::stored_object o;
  o.id = id;
  o.owner = "alice";
  o.key_material = common::secure_bytes(32, byte);
  return o;
}

struct Cache : ::testing::Test {
  core::memory_store* inner = nullptr;
  std::unique_ptr<caching_store> cache;
  void make(std::size_t capacity) {
    auto m = std::make_unique<core::memory_store>();
    inner = m.get();
    cache = std::make_unique<caching_store>(std::move(m), capacity);
  }
};

TEST_F(Cache, ASecondGetIsAHitAndReturnsTheSameRecord) {
  make(4);
  ASSERT_TRUE(cache->put(object("k1", 1)));
  auto a = cache->get("k1");
  auto b = cache->get("k1");
  ASSERT_TRUE(a && *a && b && *b);
  EXPECT_EQ((*b)->key_material, (*a)->key_material);
  EXPECT_EQ((*b)->version, 1);
  EXPECT_EQ(cache->statistics().hits, 1u);
  EXPECT_EQ(cache->statistics().misses, 1u);
  auto missing = cache->get("nope");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
}

TEST_F(Cache, AnUpdateThroughTheCacheIsSeenByTheNextGet) {
  make(4);
  ASSERT_TRUE(cache->put(object("k1", 1)));
  auto cached = cache->get("k1");
  ASSERT_TRUE(cached && *cached);
  auto changed = **cached;
  changed.key_material = common::secure_bytes(32, 9);
  ASSERT_TRUE(cache->update(changed));
  auto again = cache->get("k1");
  ASSERT_TRUE(again && *again);
  EXPECT_EQ((*again)->key_material, common::secure_bytes(32, 9));
  EXPECT_EQ((*again)->version, 2);
  ASSERT_TRUE(cache->erase(**again));
  auto gone = cache->get("k1");
  ASSERT_TRUE(gone);
  EXPECT_FALSE(*gone);
}

TEST_F(Cache, AFailedCommitChangesNothingAndAStaleVersionStillConflicts) {
  make(4);
  ASSERT_TRUE(cache->put(object("k1", 1)));
  auto v1 = cache->get("k1");
  ASSERT_TRUE(v1 && *v1);
  ASSERT_TRUE(cache->update(**v1));  // now version 2
  auto stale = **v1;                 // version 1
  auto r = cache->update(stale);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, core::store_errc::conflict);
  auto now = cache->get("k1");
  ASSERT_TRUE(now && *now);
  EXPECT_EQ((*now)->version, 2);
}

TEST_F(Cache, HoldsAtMostCapacityRecords) {
  make(3);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(cache->put(object("k" + std::to_string(i), static_cast<std::uint8_t>(i))));
  for (int round = 0; round < 2; ++round)
    for (int i = 0; i < 10; ++i) {
      auto r = cache->get("k" + std::to_string(i));
      ASSERT_TRUE(r && *r);
      EXPECT_EQ((*r)->key_material.front(), i);
      EXPECT_LE(cache->statistics().size, 3u);
    }
}

TEST_F(Cache, ConcurrentReadersAndAWriterSeeOnlyCommittedRecords) {
  make(8);
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(cache->put(object("k" + std::to_string(i), 0)));
  std::vector<std::jthread> readers;
  std::atomic<bool> bad{false};
  for (int t = 0; t < 4; ++t)
    readers.emplace_back([&, t] {
      for (int n = 0; n < 2000; ++n) {
        auto r = cache->get("k" + std::to_string((n + t) % 8));
        // Each record's material is all one byte equal to version - 1 (the writer keeps it so).
        if (!r || !*r || (*r)->key_material.front() != static_cast<std::uint8_t>((*r)->version - 1)) bad = true;
      }
    });
  for (int n = 0; n < 200; ++n) {
    auto r = cache->get("k" + std::to_string(n % 8));
    ASSERT_TRUE(r && *r);
    auto o = **r;
    o.key_material = common::secure_bytes(32, static_cast<std::uint8_t>(o.version));
    ASSERT_TRUE(cache->update(o));
  }
  readers.clear();
  EXPECT_FALSE(bad);
}

}  // namespace
}  // namespace kmipd::store
