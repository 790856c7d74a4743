#include "bench/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace kmiph::bench {
namespace {

TEST(Histogram, EveryValueMapsToABucketWhoseRangeHoldsIt) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    const std::uint64_t v = rng() >> (rng() % 64);
    const auto idx = histogram::index_of(v);
    ASSERT_LT(idx, histogram::bucket_count);
    EXPECT_LE(v, histogram::upper_of(idx));
    if (idx > 0) {
      EXPECT_GT(v, histogram::upper_of(idx - 1));
    }
    // Relative width of the bucket: at most 1/64.
    if (v >= histogram::linear) {
      EXPECT_LE(static_cast<double>(histogram::upper_of(idx) - v), static_cast<double>(v) / 64.0);
    }
  }
  EXPECT_EQ(histogram::index_of(UINT64_MAX), histogram::bucket_count - 1);
}

TEST(Histogram, PercentilesMatchTheSortedValuesWithinTheBucketError) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> d(13.0, 1.0);  // around 0.5 ms, long tail
  std::vector<std::uint64_t> values;
  histogram a, b;
  for (int i = 0; i < 20000; ++i) {
    const auto v = static_cast<std::uint64_t>(d(rng));
    values.push_back(v);
    (i % 2 ? a : b).record(v);
  }
  a.merge(b);  // two workers' histograms merged, as the runner does
  std::sort(values.begin(), values.end());
  ASSERT_EQ(a.count(), values.size());
  EXPECT_EQ(a.max(), values.back());
  EXPECT_EQ(a.min(), values.front());
  for (double q : {0.5, 0.9, 0.99, 0.999, 1.0}) {
    const auto exact = values[static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size()))) - 1];
    const auto got = a.percentile(q);
    EXPECT_GE(got, exact) << q;
    EXPECT_LE(static_cast<double>(got), static_cast<double>(exact) * (1 + 1.0 / 64)) << q;
  }
  const auto cdf = a.cumulative();
  ASSERT_FALSE(cdf.empty());
  EXPECT_DOUBLE_EQ(cdf.back().second, 1.0);
  EXPECT_TRUE(std::is_sorted(cdf.begin(), cdf.end()));
}

TEST(Histogram, EmptyReportsZero) {
  histogram h;
  EXPECT_EQ(h.percentile(0.99), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_TRUE(h.cumulative().empty());
}

}  // namespace
}  // namespace kmiph::bench
