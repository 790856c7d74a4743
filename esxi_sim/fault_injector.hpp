// A test hook that simulates a crash in the middle of a multi-write operation (deep re-key): it counts the writes
// that reach the datastore and fails the one after the first `writes_allowed`, optionally letting half of that
// write reach the file first (a torn write). Production passes no injector (nullptr).
#pragma once

#include <cstddef>
#include <cstdint>

namespace esxi_sim {

class fault_injector {
 public:
  fault_injector(std::uint64_t writes_allowed, bool tear) noexcept : allowed_(writes_allowed), tear_(tear) {}

  // Called before each write of `len` bytes. Returns how many bytes the write may put in the file: len while the
  // budget lasts; then 0 or len/2 (torn) once, and fired() becomes true; the caller then reports injected_fault.
  std::size_t admit(std::size_t len) noexcept {
    if (fired_) return 0;
    if (count_ < allowed_) {
      ++count_;
      return len;
    }
    fired_ = true;
    return tear_ ? len / 2 : 0;
  }

  bool fired() const noexcept { return fired_; }
  std::uint64_t writes_done() const noexcept { return count_; }

 private:
  std::uint64_t allowed_;
  bool tear_;
  std::uint64_t count_ = 0;
  bool fired_ = false;
};

}  // namespace esxi_sim
