// The load generator's choices that do not need a KMS: when its workers busy-poll for their responses.
#include "bench/load_generator.hpp"

#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <thread>

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

TEST(UsableCpus, FollowsTheAffinityMaskAsTasksetSetsIt) {
  unsigned pinned = 0, unpinned = 0;
  std::thread([&] {  // a thread of its own: the test binary's other threads keep their mask
    unpinned = usable_cpus();
    cpu_set_t mask, one;
    ASSERT_EQ(::sched_getaffinity(0, sizeof mask, &mask), 0);
    int first = 0;
    while (first < CPU_SETSIZE - 1 && !CPU_ISSET(first, &mask)) ++first;  // bounded by CPU_SETSIZE
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    ASSERT_EQ(::sched_setaffinity(0, sizeof one, &one), 0);
    pinned = usable_cpus();
  }).join();
  EXPECT_EQ(pinned, 1u);
  EXPECT_GE(unpinned, 1u);
  EXPECT_LE(unpinned, std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(busy_poll_at(options{}, 1, pinned), microseconds{0}) << "pinned to one CPU, auto never spins";
}

}  // namespace
}  // namespace kmiph::bench
