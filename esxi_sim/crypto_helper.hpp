// A second core for sector encryption: one helper thread that runs one job at a time, handed over without
// allocating (a function pointer and a context pointer). encrypted_disk splits a large request in two halves, gives
// one to the helper with its own xts_cipher context and does the other itself, then waits; the result is the same
// bytes a single thread produces, because every sector's ciphertext depends only on its key, tweak and data.
// A job's work is tens of microseconds, about what waking a sleeping thread costs, so both sides first poll an
// atomic for a bounded number of rounds (spin_rounds) and only then block on the condition variable.
// Thread safety: start()/wait() are called by one thread at a time (the host's), in pairs.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace esxi_sim {

class crypto_helper {
 public:
  crypto_helper();
  ~crypto_helper();
  crypto_helper(const crypto_helper&) = delete;
  crypto_helper& operator=(const crypto_helper&) = delete;

  // Runs fn(ctx) on the helper thread and returns at once. REQUIRES: the previous job was waited for; fn does
  // not throw; ctx lives until wait() returns.
  void start(void (*fn)(void*), void* ctx) noexcept;
  // Blocks until the job started last has finished.
  void wait() noexcept;

 private:
  void loop();
  static constexpr int spin_rounds = 20000;

  std::atomic<bool> pending_{false};  // a job is posted and not yet finished
  std::atomic<bool> sleeping_{false}; // the helper is (about to be) blocked on cv_
  std::mutex mu_;
  std::condition_variable cv_;
  void (*fn_)(void*) = nullptr;
  void* ctx_ = nullptr;
  bool busy_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace esxi_sim
