// The bucket layout: values v < 128 map to bucket v. Above, v in [2^k, 2^(k+1)) with k >= 7 is shifted right by
// m = k - 6, which leaves a 7-bit "sub-bucket" s in [64, 128); the bucket is 128 + 64 (m - 1) + (s - 64).
#include "bench/histogram.hpp"

#include <algorithm>
#include <bit>

namespace kmiph::bench {

std::size_t histogram::index_of(std::uint64_t v) noexcept {
  if (v < linear) return static_cast<std::size_t>(v);
  const unsigned k = static_cast<unsigned>(std::bit_width(v)) - 1;  // >= 7
  const unsigned m = k - (sub_bits - 1);
  const std::uint64_t s = v >> m;  // [64, 128)
  return static_cast<std::size_t>(linear + half * (m - 1) + (s - half));
}

std::uint64_t histogram::upper_of(std::size_t index) noexcept {
  if (index < linear) return index;
  const std::uint64_t m = (index - linear) / half + 1;
  const std::uint64_t s = (index - linear) % half + half;
  return ((s + 1) << m) - 1;
}

void histogram::record(std::uint64_t v) noexcept {
  ++counts_[index_of(v)];
  ++count_;
  min_ = std::min(min_, v);
  max_ = std::max(max_, v);
}

void histogram::merge(const histogram& o) noexcept {
  for (std::size_t i = 0; i < bucket_count; ++i) counts_[i] += o.counts_[i];
  count_ += o.count_;
  min_ = std::min(min_, o.min_);
  max_ = std::max(max_, o.max_);
}

std::uint64_t histogram::percentile(double q) const noexcept {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the value asked for, 1-based: ceil(q * count), at least 1.
  auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count_));
  if (static_cast<double>(rank) < q * static_cast<double>(count_)) ++rank;
  rank = std::max<std::uint64_t>(rank, 1);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(upper_of(i), max_);
  }
  return max_;
}

std::vector<std::pair<std::uint64_t, double>> histogram::cumulative() const {
  std::vector<std::pair<std::uint64_t, double>> out;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    if (!counts_[i]) continue;
    seen += counts_[i];
    out.emplace_back(std::min(upper_of(i), max_), static_cast<double>(seen) / static_cast<double>(count_));
  }
  return out;
}

}  // namespace kmiph::bench
