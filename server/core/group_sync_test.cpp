// group_sync: writers that sync together share one sync; waits registered from one thread (a session's I/O
// thread) group as well, and none completes before the sync that covers it; nothing to sync costs nothing; a
// failed sync fails every later one. The sync function is a counter here: sqlite_store_test.cpp runs it over a
// real WAL.
#include "server/core/group_sync.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace kmipd::core {
namespace {

using namespace std::chrono_literals;

// A gate the sync function waits at, and a count of completions, each waited for with a bound (never a sleep).
class gate {
 public:
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    changed_.notify_all();
  }
  // Called by the sync function: says it entered, then waits (bounded) until the test opens the gate.
  void pass() {
    std::unique_lock lock(mutex_);
    ++entered_;
    changed_.notify_all();
    changed_.wait_for(lock, 10s, [&] { return open_; });
  }
  bool await_entered(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return entered_ >= n; });
  }
  void completed(bool ok) {
    {
      std::lock_guard lock(mutex_);
      ++completed_;
      if (ok) ++succeeded_;
    }
    changed_.notify_all();
  }
  bool await_completed(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return completed_ >= n; });
  }
  int completed_count() {
    std::lock_guard lock(mutex_);
    return completed_;
  }
  int succeeded() {
    std::lock_guard lock(mutex_);
    return succeeded_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
  int entered_ = 0, completed_ = 0, succeeded_ = 0;
};

// kmipd's case: one I/O thread registers the waits of 16 sessions without blocking on any; one sync covers them
// all, and none is completed before that sync has returned.
TEST(GroupSync, SixteenWaitsFromOneThreadCompleteAfterOneSync) {
  gate g;
  std::atomic<int> calls{0};
  group_sync s([&] {
    g.pass();
    return ++calls, true;
  });
  constexpr int n = 16;
  s.set_before_sync([&] { (void)s.await_writes(n, 10s); });  // the first group takes every write
  for (int i = 0; i < n; ++i) {
    s.wrote();
    s.sync_async([&g](bool ok) { g.completed(ok); });
  }
  ASSERT_TRUE(g.await_entered(1));
  EXPECT_EQ(g.completed_count(), 0);  // the sync has not returned: nobody is told "durable"
  EXPECT_EQ(s.pending(), static_cast<std::size_t>(n));
  g.open();
  ASSERT_TRUE(g.await_completed(n));
  EXPECT_EQ(g.succeeded(), n);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(s.syncs(), 1u);
  EXPECT_EQ(s.pending(), 0u);
}

// A wait registered for a write announced while a sync runs is not completed by that sync (it may have started
// before the write), but by the next one.
TEST(GroupSync, AWriteDuringASyncWaitsForTheNextOne) {
  gate g;
  std::atomic<int> calls{0};
  group_sync s([&] {
    if (calls == 0) g.pass();  // the first sync is held open
    return ++calls, true;
  });
  std::atomic<int> first_saw{-1}, second_saw{-1};
  s.wrote();
  s.sync_async([&](bool) { first_saw = calls.load(); });
  ASSERT_TRUE(g.await_entered(1));
  s.wrote();
  std::mutex m;
  std::condition_variable cv;
  bool second_done = false;
  s.sync_async([&](bool ok) {
    second_saw = ok ? calls.load() : -2;
    std::lock_guard lock(m);
    second_done = true;
    cv.notify_all();
  });
  EXPECT_EQ(second_saw, -1);
  g.open();
  std::unique_lock lock(m);
  ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return second_done; }));
  EXPECT_EQ(first_saw, 1);   // completed after the first sync
  EXPECT_EQ(second_saw, 2);  // completed only after the second
  EXPECT_EQ(s.syncs(), 2u);
}

TEST(GroupSync, AFailedSyncFailsEveryWaiterAndEveryLaterOne) {
  gate g;
  std::atomic<int> calls{0};
  group_sync s([&] {
    g.pass();
    return ++calls, false;
  });
  s.set_before_sync([&] { (void)s.await_writes(3, 10s); });
  for (int i = 0; i < 3; ++i) {
    s.wrote();
    s.sync_async([&g](bool ok) { g.completed(ok); });
  }
  g.open();
  ASSERT_TRUE(g.await_completed(3));
  EXPECT_EQ(g.succeeded(), 0);
  s.wrote();  // after the failure: refused at once, without another sync
  bool later = true;
  s.sync_async([&](bool ok) { later = ok; });
  EXPECT_FALSE(later);
  EXPECT_EQ(calls, 1);
}

TEST(GroupSync, DestructionCompletesPendingWaits) {
  std::atomic<int> calls{0};
  std::atomic<int> ok{0};
  {
    group_sync s([&] { return ++calls, true; });
    for (int i = 0; i < 4; ++i) {
      s.wrote();
      s.sync_async([&](bool r) { ok += r ? 1 : 0; });
    }
  }
  EXPECT_EQ(ok, 4);
  EXPECT_GE(calls, 1);
}

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
