// Group commit of fdatasync (see the header).
#include "server/core/group_sync.hpp"

#include <future>
#include <utility>

namespace kmipd::core {

group_sync::group_sync(std::function<bool()> sync) : sync_(std::move(sync)) {}

group_sync::~group_sync() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  if (syncer_.joinable()) syncer_.join();
}

void group_sync::wrote() {
  {
    std::lock_guard lock(mutex_);
    ++written_;
  }
  wrote_.notify_all();
}

void group_sync::sync_async(std::function<void(bool)> done) {
  std::unique_lock lock(mutex_);
  if (failed_ || durable_ >= written_) {  // nothing to wait for: answer at once, on this thread
    const bool ok = !failed_;
    lock.unlock();
    done(ok);
    return;
  }
  waiters_.push_back({written_, std::move(done)});
  if (!syncer_.joinable()) syncer_ = std::thread([this] { run(); });
  lock.unlock();
  work_.notify_one();
}

bool group_sync::sync() {
  std::promise<bool> result;
  auto ok = result.get_future();
  sync_async([&result](bool r) { result.set_value(r); });
  return ok.get();
}

void group_sync::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_.wait(lock, [&] { return stopping_ || !waiters_.empty(); });
    if (waiters_.empty()) return;  // stopping, and nobody waits
    if (!failed_) {
      const std::function<void()> hook = before_sync_;
      lock.unlock();
      if (hook) hook();
      lock.lock();
      const std::uint64_t target = written_;  // every write announced before the sync starts
      lock.unlock();
      const bool ok = sync_();
      lock.lock();
      ++syncs_;
      if (ok) durable_ = target;
      else failed_ = true;
    }
    // Complete what this sync covered (everyone, when failed); later waiters stay for the next group.
    std::vector<waiter> covered;
    std::vector<waiter> later;
    for (auto& w : waiters_) (failed_ || w.target <= durable_ ? covered : later).push_back(std::move(w));
    waiters_ = std::move(later);
    const bool ok = !failed_;
    lock.unlock();
    for (auto& w : covered) w.done(ok);
    covered.clear();  // the completions' captures go outside the lock too
    lock.lock();
  }
}

std::uint64_t group_sync::writes() const {
  std::lock_guard lock(mutex_);
  return written_;
}

std::uint64_t group_sync::syncs() const {
  std::lock_guard lock(mutex_);
  return syncs_;
}

std::size_t group_sync::pending() const {
  std::lock_guard lock(mutex_);
  return waiters_.size();
}

bool group_sync::await_writes(std::uint64_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return wrote_.wait_for(lock, timeout, [&] { return written_ >= n; });
}

void group_sync::set_before_sync(std::function<void()> hook) {
  std::lock_guard lock(mutex_);
  before_sync_ = std::move(hook);
}

}  // namespace kmipd::core
