// What the engine takes from the outside world instead of calling globals (STYLE.md habit 8): a clock, a
// random source for key material and identifiers, and the audit sink. Tests pass a manual_clock and
// common::seeded_random so that a run is reproduced exactly; kmipd passes system_clock and openssl_random.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>

#include "common/random.hpp"
#include "kmip/model/attribute.hpp"

namespace kmipd::core {

class audit_sink;

// Seconds since the Unix epoch, UTC (the resolution of KMIP Date-Time).
class clock {
 public:
  virtual ~clock() = default;
  virtual std::int64_t now() const noexcept = 0;
};

class system_clock final : public clock {
 public:
  std::int64_t now() const noexcept override;
};

// A clock that moves only when told. Thread-safe.
class manual_clock final : public clock {
 public:
  explicit manual_clock(std::int64_t start = 1700000000) noexcept : now_(start) {}
  std::int64_t now() const noexcept override { return now_.load(); }
  void set(std::int64_t t) noexcept { now_.store(t); }
  void advance(std::int64_t seconds) noexcept { now_.fetch_add(seconds); }

 private:
  std::atomic<std::int64_t> now_;
};

// OpenSSL's private DRBG (RAND_priv_bytes). Throws std::runtime_error if the DRBG fails (an environment failure).
class openssl_random final : public common::random_source {
 public:
  void fill(std::span<std::uint8_t> out) override;
};

// The Random Number Generator attribute (1.4 §3.44, RNG Parameters §2.1.18) that describes `r`: for
// openssl_random, OpenSSL's private DRBG as configured (by default RNG Algorithm DRBG, DRBG Algorithm CTR,
// AES 256); for any other source (seeded_random in tests) RNG Algorithm Unspecified, as §3.44 requires when the
// details are unknown.
kmip::model::attribute random_number_generator(const common::random_source& r);

// REQUIRES: every pointer non-null. The engine shares ownership; tests keep their own handle to drive the clock.
struct environment {
  std::shared_ptr<const core::clock> clock;
  std::shared_ptr<common::random_source> random;
  std::shared_ptr<audit_sink> audit;

  // system_clock, openssl_random and the given sink (a memory_audit_sink when null).
  static environment production(std::shared_ptr<audit_sink> audit = nullptr);
};

}  // namespace kmipd::core
