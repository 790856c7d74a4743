// The load generator's choices that do not need a KMS: when its workers busy-poll for their responses.
#include "bench/load_generator.hpp"

#include <gtest/gtest.h>

namespace kmiph::bench {
namespace {

using std::chrono::microseconds;

TEST(BusyPollAt, AutomaticSpinsOnlyWhileHalfTheHardwareThreadsStayFree) {
  const options o;  // busy_poll unset: automatic
  EXPECT_EQ(busy_poll_at(o, 1, 2), microseconds{50});
  EXPECT_EQ(busy_poll_at(o, 2, 2), microseconds{0});
  EXPECT_EQ(busy_poll_at(o, 16, 2), microseconds{0});
  EXPECT_EQ(busy_poll_at(o, 8, 16), microseconds{50});
  EXPECT_EQ(busy_poll_at(o, 9, 16), microseconds{0});
  EXPECT_EQ(busy_poll_at(o, 1, 1), microseconds{0}) << "one hardware thread: the KMS needs it";
  EXPECT_EQ(busy_poll_at(o, 1, 0), microseconds{0}) << "hardware_concurrency() may say 0 (unknown): never spin";
}

TEST(BusyPollAt, AnExplicitValueHoldsAtEveryConcurrency) {
  options o;
  o.busy_poll = microseconds{0};
  EXPECT_EQ(busy_poll_at(o, 1, 64), microseconds{0});
  o.busy_poll = microseconds{200};
  EXPECT_EQ(busy_poll_at(o, 1, 2), microseconds{200});
  EXPECT_EQ(busy_poll_at(o, 4096, 2), microseconds{200});
}

}  // namespace
}  // namespace kmiph::bench
