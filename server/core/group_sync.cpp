// Group commit of fdatasync (see the header).
#include "server/core/group_sync.hpp"

#include <utility>

namespace kmipd::core {

group_sync::group_sync(std::function<bool()> sync) : sync_(std::move(sync)) {}

void group_sync::wrote() {
  {
    std::lock_guard lock(mutex_);
    ++written_;
  }
  wrote_.notify_all();
}

bool group_sync::sync() {
  std::unique_lock lock(mutex_);
  const std::uint64_t mine = written_;
  for (;;) {
    if (failed_) return false;
    if (durable_ >= mine) return true;
    if (syncing_) {
      done_.wait(lock);  // the running group's leader notifies when it ends, whatever its outcome
      continue;
    }
    syncing_ = true;
    const std::function<void()> hook = before_sync_;
    lock.unlock();
    if (hook) hook();
    lock.lock();
    const std::uint64_t target = written_;  // every write announced before the sync starts
    lock.unlock();
    const bool ok = sync_();
    lock.lock();
    syncing_ = false;
    ++syncs_;
    if (ok) durable_ = target;
    else failed_ = true;
    done_.notify_all();
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

bool group_sync::await_writes(std::uint64_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return wrote_.wait_for(lock, timeout, [&] { return written_ >= n; });
}

void group_sync::set_before_sync(std::function<void()> hook) {
  std::lock_guard lock(mutex_);
  before_sync_ = std::move(hook);
}

}  // namespace kmipd::core
