// run_io_context: it ends when its io_context is stopped, with and without busy polling; its timer anchor neither
// delays a timer due before the anchor's nor breaks a second run after a handler threw.
#include "kmip/net/io_loop.hpp"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <stdexcept>

namespace kmip::net {
namespace {

using namespace std::chrono_literals;

class IoLoop : public ::testing::TestWithParam<std::chrono::microseconds> {};

TEST_P(IoLoop, ReturnsOnceStopped) {
  boost::asio::io_context io(1);
  bool ran = false;
  boost::asio::post(io, [&] {
    ran = true;
    io.stop();
  });
  run_io_context(io, GetParam());
  EXPECT_TRUE(ran);
  EXPECT_TRUE(io.stopped());
}

TEST_P(IoLoop, ATimerDueBeforeTheAnchorFiresFirst) {
  boost::asio::io_context io(1);
  boost::asio::steady_timer soon(io, 20ms), watchdog(io, 30s);
  bool fired = false, watchdog_fired = false;
  soon.async_wait([&](const boost::system::error_code& ec) {
    fired = !ec;
    io.stop();
  });
  watchdog.async_wait([&](const boost::system::error_code& ec) {
    watchdog_fired = !ec;
    io.stop();
  });
  run_io_context(io, GetParam());
  EXPECT_TRUE(fired);
  EXPECT_FALSE(watchdog_fired);
}

TEST_P(IoLoop, RunsAgainAfterAHandlerThrew) {
  boost::asio::io_context io(1);
  boost::asio::post(io, [] { throw std::runtime_error("handler failed"); });
  EXPECT_THROW(run_io_context(io, GetParam()), std::runtime_error);
  // The first run's anchor was cancelled on the way out; its handler is still queued and must be harmless.
  bool ran = false;
  boost::asio::post(io, [&] {
    ran = true;
    io.stop();
  });
  run_io_context(io, GetParam());
  EXPECT_TRUE(ran);
}

INSTANTIATE_TEST_SUITE_P(BusyPolling, IoLoop, ::testing::Values(0us, 50us), [](const auto& param_info) {
  return param_info.param.count() ? std::string("Polling") : std::string("Blocking");
});

}  // namespace
}  // namespace kmip::net
