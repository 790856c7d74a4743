// Group commit of a file's fdatasync: writers that must not answer before their writes are on stable storage
// share one sync per group instead of paying one each.
//
// A writer writes (under its own lock), calls wrote() before releasing that lock, and later — outside every
// lock another writer needs — calls sync(). sync() returns once a sync that started after the writer's last
// wrote() has succeeded: the first caller that finds no sync running becomes the group's leader, takes as its
// target every write announced so far, runs the sync function once, and wakes everyone that target covers;
// callers arriving meanwhile wait for the next group, whose leader covers them all. A caller with nothing
// announced since the last successful sync returns at once, without a system call.
//
// Failure is sticky: once a sync fails, every sync() fails, then and later (after a failed fdatasync Linux may
// have dropped the dirty pages, so nothing written since can be promised durable; restart the process).
//
// Thread safety: every member is safe to call from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

namespace kmipd::core {

class group_sync {
 public:
  // `sync` makes every write issued before it was called durable (an fdatasync); true on success.
  explicit group_sync(std::function<bool()> sync);

  // Announces a write that has returned. Call it before anyone else can observe that write.
  void wrote();
  // Returns when every write announced before this call is durable: true, or false when a sync failed.
  bool sync();

  std::uint64_t writes() const;  // wrote() calls so far
  std::uint64_t syncs() const;   // runs of the sync function so far (groups)

  // Test seams: a hook run by each group's leader before it takes its target, so that a test can let writers
  // pile up; and a wait, bounded by `timeout`, until `n` writes were announced (true) for such a hook.
  void set_before_sync(std::function<void()> hook);
  bool await_writes(std::uint64_t n, std::chrono::milliseconds timeout) const;

 private:
  const std::function<bool()> sync_;
  std::function<void()> before_sync_;
  mutable std::mutex mutex_;
  std::condition_variable done_;
  mutable std::condition_variable wrote_;
  std::uint64_t written_ = 0;  // writes announced
  std::uint64_t durable_ = 0;  // writes covered by a successful sync
  std::uint64_t syncs_ = 0;
  bool syncing_ = false;
  bool failed_ = false;
};

}  // namespace kmipd::core
