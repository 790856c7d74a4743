// How a server's I/O thread runs its io_context: io_context::run(), or with adaptive busy polling.
//
// Busy polling: after running handlers the thread keeps polling (io_context::poll(), which asks epoll without
// waiting) for up to `busy_poll`, yielding the CPU between polls so that anything runnable on it goes first,
// before it blocks in epoll again. A request that arrives within the window is read without a wake-up: on a VM
// a cross-CPU wake-up is an inter-processor interrupt, and at one connection it is most of a round trip
// (docs/benchmarks.md). Costs at most `busy_poll` of CPU per burst of work. kmipd's `[kmipd] busy_poll_us`;
// the TLS ceiling benchmark runs the same loop so that the two stay comparable.
//
// Timer anchor: while the loop runs, a timer of its own fires every second, so that the deadlines sessions set
// seconds ahead never become the earliest timer and scheduling one costs no timerfd_settime (io_loop.cpp).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>

namespace kmip::net {

// Returns when `io` is stopped (stop()); the anchor's timer means it never runs out of work. Exceptions from
// handlers propagate, as from run(); calling it again afterwards is safe.
void run_io_context(boost::asio::io_context& io, std::chrono::microseconds busy_poll);

}  // namespace kmip::net
