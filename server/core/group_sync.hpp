// Group commit of a file's fdatasync: writers that must not answer before their writes are on stable storage
// share one sync per group instead of paying one each, and none of them blocks a thread while it waits.
//
// A writer writes, calls wrote() once its write has returned (before releasing its own lock, if it keeps one to
// order its writes, as SQLite's WAL does), and later — outside every lock another writer needs — calls
// sync_async(done). `done` runs once a sync that started after the writer's
// last wrote() has succeeded (done(true)), or once a sync failed (done(false)). The syncs are run by one syncer
// thread per group_sync: when waiters are pending and no sync runs, it takes as its target every write
// announced so far, runs the sync function once, then completes every waiter that target covers; waiters
// registered meanwhile form the next group, which one more sync covers whatever their number. A caller with
// nothing announced since the last successful sync is completed at once, on its own thread, without a system
// call. The waiter's thread is free meanwhile: kmipd's sessions go on serving other connections (docs/
// benchmarks.md, "Durability and group commit"), so a group holds as many writers as are waiting, not as many
// as there are threads. sync() is the blocking form, for callers off the I/O threads (tests, tools, HTTP).
//
// Failure is sticky: once a sync fails, every waiter fails, then and later (after a failed fdatasync Linux may
// have dropped the dirty pages, so nothing written since can be promised durable; restart the process).
//
// Completions run on the syncer thread (or the caller's, at once) outside every lock of this class; they must
// not block for long (kmipd's post to the session's executor). Thread safety: every member is safe to call from
// any thread, a completion included.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kmipd::core {

class group_sync {
 public:
  // `sync` makes every write issued before it was called durable (an fdatasync); true on success.
  explicit group_sync(std::function<bool()> sync);
  // Completes every pending waiter (running the syncs they need), then stops the syncer thread.
  ~group_sync();
  group_sync(const group_sync&) = delete;
  group_sync& operator=(const group_sync&) = delete;

  // Announces a write that has returned. Call it before anyone else can observe that write.
  void wrote();
  // Calls done(true) once every write announced before this call is durable, done(false) when a sync failed.
  void sync_async(std::function<void(bool)> done);
  // The blocking form of sync_async: true, or false when a sync failed.
  bool sync();

  std::uint64_t writes() const;  // wrote() calls so far
  std::uint64_t syncs() const;   // runs of the sync function so far (groups)

  // Test seams: a hook run by the syncer before it takes each group's target, so that a test can let writers
  // pile up; and a wait, bounded by `timeout`, until `n` writes were announced (true) for such a hook; and the
  // number of waiters registered and not yet completed.
  void set_before_sync(std::function<void()> hook);
  bool await_writes(std::uint64_t n, std::chrono::milliseconds timeout) const;
  std::size_t pending() const;

 private:
  struct waiter {
    std::uint64_t target;  // written_ when it registered
    std::function<void(bool)> done;
  };
  void run();  // the syncer thread

  const std::function<bool()> sync_;
  std::function<void()> before_sync_;
  mutable std::mutex mutex_;
  std::condition_variable work_;            // a waiter registered, or stopping
  mutable std::condition_variable wrote_;   // for await_writes
  std::vector<waiter> waiters_;
  std::uint64_t written_ = 0;  // writes announced
  std::uint64_t durable_ = 0;  // writes covered by a successful sync
  std::uint64_t syncs_ = 0;
  bool failed_ = false;
  bool stopping_ = false;
  std::thread syncer_;  // started with the first waiter that must wait
};

}  // namespace kmipd::core
