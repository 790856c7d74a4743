// A latency histogram with bounded relative error, in the spirit of HdrHistogram: every value below 128 ns has
// its own bucket, and each power of two above is split into 64 buckets, so a recorded value is known to within
// 1/64 (1.6%) of itself, from nanoseconds to hours, in a fixed 30 KiB. Percentiles come from the merged counts of
// every recording thread (never an average of per-thread percentiles); the exact minimum and maximum are kept.
//
// Not thread-safe: each worker records into its own histogram and the runner merges them afterwards.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace kmiph::bench {

class histogram {
 public:
  static constexpr unsigned sub_bits = 7;                       // 128 linear buckets below 2^7
  static constexpr std::uint64_t linear = 1u << sub_bits;        // 128
  static constexpr std::uint64_t half = linear / 2;              // 64 buckets per power of two above
  static constexpr std::size_t bucket_count = linear + (64 - sub_bits) * half;

  void record(std::uint64_t value_ns) noexcept;
  void merge(const histogram& other) noexcept;

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
  std::uint64_t max() const noexcept { return max_; }

  // The smallest recorded value v such that at least a fraction q (0 < q <= 1) of the values are <= v, reported
  // as the upper end of v's bucket (never below the truth, at most 1.6% above), clamped to max(). 0 when empty.
  std::uint64_t percentile(double q) const noexcept;

  // The cumulative distribution at each non-empty bucket: (upper end of the bucket in ns, fraction of values
  // at or below it), in increasing order. For the latency-distribution chart.
  std::vector<std::pair<std::uint64_t, double>> cumulative() const;

  static std::size_t index_of(std::uint64_t v) noexcept;
  static std::uint64_t upper_of(std::size_t index) noexcept;  // largest value mapped to `index`

 private:
  std::array<std::uint64_t, bucket_count> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
};

}  // namespace kmiph::bench
