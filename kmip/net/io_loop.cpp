// See io_loop.hpp.
#include "kmip/net/io_loop.hpp"

#include <thread>

namespace kmip::net {

void run_io_context(boost::asio::io_context& io, std::chrono::microseconds busy_poll) {
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
