// The helper thread: polls, then waits, for a job; runs it; signals completion.
#include "esxi_sim/crypto_helper.hpp"

namespace esxi_sim {

crypto_helper::crypto_helper() : thread_([this] { loop(); }) {}

crypto_helper::~crypto_helper() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void crypto_helper::start(void (*fn)(void*), void* ctx) noexcept {
  {
    std::lock_guard<std::mutex> lock(mu_);
    fn_ = fn;
    ctx_ = ctx;
    busy_ = true;
    pending_.store(true, std::memory_order_release);
  }
  if (sleeping_.load(std::memory_order_acquire)) cv_.notify_all();
}

void crypto_helper::wait() noexcept {
  for (int i = 0; i < spin_rounds; ++i) {
    if (!pending_.load(std::memory_order_acquire)) return;
  }
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !busy_; });
}

void crypto_helper::loop() {
  for (;;) {
    for (int i = 0; i < spin_rounds && !pending_.load(std::memory_order_acquire); ++i) {
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (!(busy_ && fn_ != nullptr) && !stop_) {
      sleeping_.store(true, std::memory_order_release);
      cv_.wait(lock, [this] { return stop_ || (busy_ && fn_ != nullptr); });
      sleeping_.store(false, std::memory_order_release);
    }
    if (stop_) return;
    auto* fn = fn_;
    void* ctx = ctx_;
    fn_ = nullptr;
    lock.unlock();
    fn(ctx);
    lock.lock();
    busy_ = false;
    pending_.store(false, std::memory_order_release);
    cv_.notify_all();
  }
}

}  // namespace esxi_sim
