// group_sync: writers that sync together share one sync; nothing to sync costs nothing; a failed sync fails
// every later one. The sync function is a counter here: sqlite_store_test.cpp runs it over a real WAL.
#include "server/core/group_sync.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace kmipd::core {
namespace {

using namespace std::chrono_literals;

TEST(GroupSync, WritersThatSyncTogetherShareOneSync) {
  std::atomic<int> calls{0};
  group_sync g([&] { return ++calls, true; });
  constexpr int n = 8;
  // The first leader holds its group open until every writer has written: all are then covered by its sync.
  std::atomic<bool> all_written{false};
  g.set_before_sync([&] { all_written = g.await_writes(n, 10s); });
  std::vector<std::jthread> writers;
  std::atomic<int> ok{0};
  for (int i = 0; i < n; ++i)
    writers.emplace_back([&] {
      g.wrote();
      if (g.sync()) ++ok;
    });
  writers.clear();  // joins
  EXPECT_TRUE(all_written);
  EXPECT_EQ(ok, n);
  EXPECT_EQ(g.writes(), static_cast<std::uint64_t>(n));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(g.syncs(), 1u);
}

TEST(GroupSync, NothingWrittenSinceTheLastSyncCostsNoSync) {
  int calls = 0;
  group_sync g([&] { return ++calls, true; });
  EXPECT_TRUE(g.sync());
  EXPECT_EQ(calls, 0);
  g.wrote();
  EXPECT_TRUE(g.sync());
  EXPECT_TRUE(g.sync());
  EXPECT_EQ(calls, 1);
  g.wrote();
  g.wrote();
  EXPECT_TRUE(g.sync());
  EXPECT_EQ(calls, 2);
}

TEST(GroupSync, AFailedSyncFailsEveryLaterOne) {
  int calls = 0;
  group_sync g([&] { return ++calls, false; });
  g.wrote();
  EXPECT_FALSE(g.sync());
  EXPECT_FALSE(g.sync());
  g.wrote();
  EXPECT_FALSE(g.sync());
  EXPECT_EQ(calls, 1);  // nothing written after a failed fdatasync can be promised durable: no retry
}

}  // namespace
}  // namespace kmipd::core
