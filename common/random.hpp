// The random source every key-generating part takes instead of calling a global (STYLE.md, habit 8: inject the
// environment). Production code passes a DRBG-backed source (esxi_sim::drbg_random); tests and scenarios pass
// seeded_random so that a run is reproduced from its seed. seeded_random is NOT cryptographically secure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace common {

class random_source {
 public:
  virtual ~random_source() = default;
  // Fills out with random bytes. Throws only if the source is broken (a start-up/environment failure).
  virtual void fill(std::span<std::uint8_t> out) = 0;
};

// Deterministic bytes from a 64-bit seed (SplitMix64). Same seed, same stream. For tests only.
class seeded_random final : public random_source {
 public:
  explicit seeded_random(std::uint64_t seed) noexcept : state_(seed) {}

  void fill(std::span<std::uint8_t> out) override {
    std::size_t i = 0;
    while (i < out.size()) {
      std::uint64_t v = next();
      for (int b = 0; b < 8 && i < out.size(); ++b, ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * b));
    }
  }

  // The next 64-bit value of the stream (also handy for test decisions: offsets, lengths).
  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  // A value in [0, bound). REQUIRES: bound > 0.
  std::uint64_t below(std::uint64_t bound) noexcept { return next() % bound; }

 private:
  std::uint64_t state_;
};

}  // namespace common
