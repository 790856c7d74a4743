// See io_loop.hpp.
#include "kmip/net/io_loop.hpp"

#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <thread>

namespace kmip::net {
namespace {

// Asio's reactor reprograms its timerfd (a system call) whenever a newly scheduled timer expires before every
// other one. A session's read and write deadlines are seconds away, but at one busy connection each is the only
// timer, so each request paid for two or three timerfd_settime calls. This timer fires every `period` and keeps
// an earlier expiry at the head of the queue: deadlines further away than `period` are scheduled and cancelled
// without a system call. Its own cost is one wake-up per period.
class timer_anchor {
 public:
  timer_anchor(boost::asio::io_context& io, std::chrono::milliseconds period)
      : timer_(std::make_shared<boost::asio::steady_timer>(io)), period_(period) {
    arm(timer_, period_);
  }
  ~timer_anchor() { timer_->cancel(); }  // the pending handler sees operation_aborted and lets go of the timer
  timer_anchor(const timer_anchor&) = delete;
  timer_anchor& operator=(const timer_anchor&) = delete;

 private:
  static void arm(const std::shared_ptr<boost::asio::steady_timer>& t, std::chrono::milliseconds period) {
    t->expires_after(period);
    t->async_wait([t, period](const boost::system::error_code& ec) {
      if (!ec) arm(t, period);
    });
  }

  std::shared_ptr<boost::asio::steady_timer> timer_;
  std::chrono::milliseconds period_;
};

}  // namespace

void run_io_context(boost::asio::io_context& io, std::chrono::microseconds busy_poll) {
  const timer_anchor anchor(io, std::chrono::milliseconds{1000});
  if (busy_poll.count() <= 0) {
    io.run();
    return;
  }
  using clock = std::chrono::steady_clock;
  auto last_work = clock::now();
  while (!io.stopped()) {  // ends with the io_context: once stopped, poll() and run_one() return at once
    if (io.poll() > 0) {
      last_work = clock::now();
    } else if (clock::now() - last_work < busy_poll) {
      std::this_thread::yield();
    } else {
      io.run_one();
      last_work = clock::now();
    }
  }
}

}  // namespace kmip::net
