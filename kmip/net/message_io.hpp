// Reads and writes one KMIP message over any Asio stream: TLS (ssl::stream<tcp::socket>) in production, plain TCP
// or an in-memory pipe in tests (STYLE.md habit 7).
//
// Reading takes the 8-byte TTLV header first and has ttlv::inspect_frame judge it against the decode limits, so
// a header announcing more than max_message_size (or one that is not a KMIP message at all) fails before the body
// buffer is allocated; only then is exactly the announced body read. Messages may carry key material, so they
// live in wiping buffers.
//
// Each operation has one deadline (`timeout`) for the whole message. On a timeout the pending Asio operation is
// cancelled; the stream is then in an unknown state (a TLS record may be half read) and must be closed.
// Expected failures come back as net::error values; no exception leaves these functions.
//
// Coroutines (asio::awaitable) for code that runs many streams on one io_context, and blocking wrappers that run
// a dedicated io_context until the operation is done.
//
// Include this header only from the .cpp files that do I/O: it pulls in Asio.
#pragma once

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "common/secure.hpp"
#include "kmip/net/detail/shared.hpp"
#include "kmip/net/error.hpp"
#include "kmip/ttlv/decode_limits.hpp"
#include "kmip/ttlv/framer.hpp"

namespace kmip::net {

using duration = std::chrono::steady_clock::duration;

namespace detail {

// Maps a failed Asio or OpenSSL operation to an error: end of stream and a truncated TLS stream are
// errc::closed, other TLS errors errc::tls (with OpenSSL's reason), the rest errc::io.
// `doing` says what was going on ("reading the message header"); transferred/wanted give progress.
error classify(const boost::system::error_code& ec, std::string_view doing, std::size_t transferred,
               std::size_t wanted);

// Runs a deferred Asio operation against a timer that is already set; whichever completes first wins and the
// other is cancelled (and awaited). The result is the parallel group's: (order, op results..., timer error).
template <class Op>
auto race(Op op, boost::asio::steady_timer& timer) {
  return boost::asio::experimental::make_parallel_group(std::move(op), timer.async_wait(boost::asio::deferred))
      .async_wait(boost::asio::experimental::wait_for_one(), boost::asio::use_awaitable);
}

// True when the timer, not the operation, completed first and did so by expiring.
inline bool timer_won(const std::array<std::size_t, 2>& order, const boost::system::error_code& timer_ec) {
  return order[0] == 1 && !timer_ec;
}

// Runs `op` to completion on `io`, which nothing else runs (see the blocking wrappers below).
template <class T>
T run_blocking(boost::asio::io_context& io, boost::asio::awaitable<T> op) {
  std::optional<T> out;
  std::string failure;
  try {
    boost::asio::co_spawn(
        io, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await std::move(op)); },
        [&](std::exception_ptr e) {
          if (!e) return;
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& x) {
            failure = x.what();
          } catch (...) {
            failure = "unknown exception";
          }
        });
    io.restart();
    io.run();
  } catch (const std::exception& x) {
    failure = x.what();
  }
  if (out) return std::move(*out);
  if (failure.empty()) failure = "the io_context stopped before the operation completed";
  return common::unexpected{error{errc::io, "internal error: " + failure}};
}

}  // namespace detail

// Reads one whole message (header included). `limits.max_message_size` bounds it; the other limits are the
// decoder's business. REQUIRES: `stream` outlives the operation and no other read is pending on it.
template <class Stream>
boost::asio::awaitable<result<common::secure_bytes>> async_read_message(Stream& stream, ttlv::decode_limits limits,
                                                                        duration timeout) {
  namespace asio = boost::asio;
  try {
    asio::steady_timer timer(stream.get_executor());
    timer.expires_after(timeout);

    std::array<std::uint8_t, 8> header{};
    auto [order, ec, n, timer_ec] = co_await detail::race(asio::async_read(stream, asio::buffer(header), asio::deferred), timer);
    if (detail::timer_won(order, timer_ec))
      co_return common::unexpected{error{errc::timeout, "no KMIP message within " + detail::describe(timeout) +
                                                           " (" + std::to_string(n) + " of 8 header bytes arrived)"}};
    if (ec) co_return common::unexpected{detail::classify(ec, "reading the message header", n, header.size())};

    const ttlv::frame_status frame = ttlv::inspect_frame(header, limits);
    if (frame.state == ttlv::frame_status::kind::invalid)
      co_return common::unexpected{
          error{errc::framing, "message header rejected: " + frame.err.message(), frame.err.code}};
    const std::size_t size = frame.size;  // need_more: the whole message's size; complete: 8 (an empty structure)

    common::secure_bytes message(size);
    std::copy(header.begin(), header.end(), message.begin());
    if (size > header.size()) {
      const std::size_t body = size - header.size();
      auto [order2, ec2, n2, timer_ec2] = co_await detail::race(
          asio::async_read(stream, asio::buffer(message.data() + header.size(), body), asio::deferred), timer);
      if (detail::timer_won(order2, timer_ec2))
        co_return common::unexpected{error{errc::timeout, "KMIP message incomplete after " +
                                                              detail::describe(timeout) + ": " +
                                                              std::to_string(header.size() + n2) + " of " +
                                                              std::to_string(size) + " bytes arrived"}};
      if (ec2)
        co_return common::unexpected{
            detail::classify(ec2, "reading the message body", header.size() + n2, size)};
    }
    co_return message;
  } catch (const std::exception& e) {
    co_return common::unexpected{error{errc::io, std::string("reading a message failed: ") + e.what()}};
  }
}

// Writes one whole message. `message` must be exactly one KMIP message (its header's length matches its size);
// anything else is refused with errc::framing before a byte is sent.
// REQUIRES: `stream` and the bytes under `message` outlive the operation; no other write is pending on `stream`.
template <class Stream>
boost::asio::awaitable<result<void>> async_write_message(Stream& stream, std::span<const std::uint8_t> message,
                                                         duration timeout) {
  namespace asio = boost::asio;
  try {
    if (auto ok = detail::check_outgoing(message); !ok) co_return common::unexpected{std::move(ok).error()};

    asio::steady_timer timer(stream.get_executor());
    timer.expires_after(timeout);
    auto [order, ec, n, timer_ec] =
        co_await detail::race(asio::async_write(stream, asio::buffer(message.data(), message.size()), asio::deferred),
                              timer);
    if (detail::timer_won(order, timer_ec))
      co_return common::unexpected{error{errc::timeout, "KMIP message not sent within " + detail::describe(timeout) +
                                                           ": " + std::to_string(n) + " of " +
                                                           std::to_string(message.size()) + " bytes written"}};
    if (ec) co_return common::unexpected{detail::classify(ec, "writing the message", n, message.size())};
    co_return result<void>{};
  } catch (const std::exception& e) {
    co_return common::unexpected{error{errc::io, std::string("writing a message failed: ") + e.what()}};
  }
}

// Blocking forms: run `io` until the operation is done.
// REQUIRES: `stream`'s I/O objects belong to `io`, and no other thread runs `io` (its other ready handlers,
// if any, run too: give each blocking user its own io_context).
template <class Stream>
result<common::secure_bytes> read_message(boost::asio::io_context& io, Stream& stream, ttlv::decode_limits limits,
                                          duration timeout) {
  return detail::run_blocking(io, async_read_message(stream, limits, timeout));
}

template <class Stream>
result<void> write_message(boost::asio::io_context& io, Stream& stream, std::span<const std::uint8_t> message,
                           duration timeout) {
  return detail::run_blocking(io, async_write_message(stream, message, timeout));
}

}  // namespace kmip::net
