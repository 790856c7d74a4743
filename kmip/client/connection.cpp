// The client connection: kmip/net's connect, handshake and message I/O strung together with the client's
// deadlines, and net::error mapped to client_error. The only translation unit of kmip/client that includes the
// Asio stream and OpenSSL headers.
//
// Two transports with one behaviour: coroutine mode drives an Asio TLS stream on the caller's executor; blocking
// mode drives net::blocking_tls_client on the calling thread (poll() deadlines, no event loop), so that its
// awaitables complete without suspending and block_on() costs a coroutine frame, not a round of the io_context's
// reactor and a timer per step. The tests run both.
#include "kmip/client/connection.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <algorithm>
#include <optional>
#include <utility>

#include "kmip/net/blocking_tls.hpp"
#include "kmip/net/message_io.hpp"
#include "kmip/net/tls_stream.hpp"

namespace kmip::client {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

struct connection::impl {
  std::unique_ptr<asio::io_context> own_io;  // blocking mode only
  asio::any_io_executor executor;
  connection_options options;
  net::tls_context_ptr tls;  // built on first connect unless shared
  std::optional<net::tls_stream> stream;  // coroutine mode
  net::blocking_tls_client sync;          // blocking mode
  bool open = false;
  bool answered = false;  // a response arrived on the current connection

  std::string peer() const { return options.host + ":" + std::to_string(options.port); }

  // Blocking mode's exchange, on the calling thread.
  result<common::secure_bytes> exchange_now(std::span<const std::uint8_t> request, const ttlv::decode_limits& limits);

  void drop() noexcept {
    if (stream) net::close_now(*stream);
    sync.close_now();
    open = false;
  }
};

namespace {

client_error from_net(const net::error& e, errc category) {
  client_error out(category, e.message);
  out.codec = e.codec;
  return out;
}

// Errors of an exchange. A TLS error before any response is how TLS 1.3 reports a server that refused our
// certificate: the client's side of the handshake finishes first, the server's verdict comes with the first read.
client_error exchange_error(const net::error& e, bool answered) {
  switch (e.code) {
    case net::errc::timeout: return from_net(e, errc::timeout);
    case net::errc::closed: return from_net(e, errc::closed_by_peer);
    case net::errc::framing: return from_net(e, errc::protocol);
    case net::errc::tls:
      if (!answered) {
        client_error out = from_net(e, errc::tls_handshake);
        out.message = "the server rejected the TLS session (with TLS 1.3 it checks the client certificate after the "
                      "client has finished its handshake, so the verdict arrives on the first read): " +
                      out.message;
        return out;
      }
      return from_net(e, errc::io);
    case net::errc::config: return from_net(e, errc::config);
    case net::errc::resolve: return from_net(e, errc::resolve);
    case net::errc::connect: return from_net(e, errc::connect);
    case net::errc::io: break;
  }
  return from_net(e, errc::io);
}

// Errors of connecting. Resolving and the TCP connect map as in an exchange; every failure of the handshake but a
// timeout is the handshake's, including a peer that hung up during it.
client_error connect_error(const net::error& e) {
  if (e.code == net::errc::resolve || e.code == net::errc::connect || e.code == net::errc::config)
    return exchange_error(e, true);
  return from_net(e, e.code == net::errc::timeout ? errc::timeout : errc::tls_handshake);
}

std::chrono::milliseconds remaining(clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
  return std::max(left, std::chrono::milliseconds(1));
}

}  // namespace

result<common::secure_bytes> connection::impl::exchange_now(std::span<const std::uint8_t> request,
                                                            const ttlv::decode_limits& limits) {
  const auto deadline = clock::now() + options.io_timeout;
  auto sent = sync.write_message(request, options.io_timeout);
  if (!sent) {
    // A refused request (not one message) leaves the connection intact; anything else does not.
    if (sent.error().code != net::errc::framing) drop();
    return common::unexpected{exchange_error(sent.error(), answered)};
  }
  auto response = sync.read_message(limits, remaining(deadline));
  if (!response) {
    drop();
    return common::unexpected{exchange_error(response.error(), answered)};
  }
  answered = true;
  return std::move(*response);
}

// ---- construction ----------------------------------------------------------------------------------------------

connection::connection(connection_options options) : connection(std::move(options), net::tls_context_ptr{}) {}

connection::connection(asio::any_io_executor executor, connection_options options)
    : connection(std::move(executor), std::move(options), net::tls_context_ptr{}) {}

connection::connection(connection_options options, net::tls_context_ptr tls) : impl_(std::make_unique<impl>()) {
  impl_->own_io = std::make_unique<asio::io_context>(1);
  impl_->executor = impl_->own_io->get_executor();
  impl_->options = std::move(options);
  impl_->tls = std::move(tls);
}

connection::connection(asio::any_io_executor executor, connection_options options, net::tls_context_ptr tls)
    : impl_(std::make_unique<impl>()) {
  impl_->executor = std::move(executor);
  impl_->options = std::move(options);
  impl_->tls = std::move(tls);
}

connection::~connection() {
  if (impl_) {
    impl_->drop();
    impl_->stream.reset();  // before the io_context it was made on
  }
}

connection::connection(connection&&) noexcept = default;
connection& connection::operator=(connection&& other) noexcept {
  if (this != &other) {
    if (impl_) {
      impl_->drop();
      impl_->stream.reset();
    }
    impl_ = std::move(other.impl_);
  }
  return *this;
}

// ---- coroutine API ---------------------------------------------------------------------------------------------

asio::awaitable<result<void>> connection::async_connect() {
  impl& s = *impl_;
  try {
    if (s.stream) {
      s.drop();
      s.stream.reset();
    }
    if (!s.tls) {
      auto ctx = net::make_client_context(s.options.tls);
      if (!ctx) co_return common::unexpected{from_net(ctx.error(), errc::config)};
      s.tls = std::move(*ctx);
    }
    if (s.own_io) {
      s.open = false;
      s.sync.set_busy_poll(s.options.busy_poll);
      if (auto c = s.sync.connect(s.tls, s.options.tls, s.options.host, s.options.port, s.options.connect_timeout); !c)
        co_return common::unexpected{connect_error(c.error())};
      s.open = true;
      s.answered = false;
      co_return result<void>{};
    }
    s.stream.emplace(s.executor, *s.tls);
    if (auto r = net::prepare_client_session(s.stream->native_handle(), s.options.tls, s.options.host); !r)
      co_return common::unexpected{from_net(r.error(), errc::config)};

    const auto deadline = clock::now() + s.options.connect_timeout;
    auto tcp = co_await net::async_connect(s.stream->next_layer(), s.options.host, s.options.port,
                                           s.options.connect_timeout);
    if (!tcp) {
      s.drop();
      co_return common::unexpected{connect_error(tcp.error())};
    }
    auto hs = co_await net::async_handshake(*s.stream, asio::ssl::stream_base::client, remaining(deadline), s.peer());
    if (!hs) {
      s.drop();
      co_return common::unexpected{connect_error(hs.error())};
    }
    s.open = true;
    s.answered = false;
    co_return result<void>{};
  } catch (const std::exception& e) {
    s.drop();
    co_return common::unexpected{client_error{errc::io, "connecting to " + s.peer() + " failed: " + e.what()}};
  }
}

asio::awaitable<result<common::secure_bytes>> connection::async_exchange(std::span<const std::uint8_t> request) {
  impl& s = *impl_;
  try {
    if (!s.open || (!s.stream && !s.own_io))
      co_return common::unexpected{client_error{errc::not_connected, "not connected to " + s.peer()}};
    ttlv::decode_limits limits;
    limits.max_message_size = s.options.max_response_size;
    if (s.own_io) co_return s.exchange_now(request, limits);
    const auto deadline = clock::now() + s.options.io_timeout;
    auto sent = co_await net::async_write_message(*s.stream, request, s.options.io_timeout);
    if (!sent) {
      // A refused request (not one message) leaves the connection intact; anything else does not.
      if (sent.error().code != net::errc::framing) s.drop();
      co_return common::unexpected{exchange_error(sent.error(), s.answered)};
    }
    auto response = co_await net::async_read_message(*s.stream, limits, remaining(deadline));
    if (!response) {
      s.drop();
      co_return common::unexpected{exchange_error(response.error(), s.answered)};
    }
    s.answered = true;
    co_return std::move(*response);
  } catch (const std::exception& e) {
    s.drop();
    co_return common::unexpected{client_error{errc::io, "exchange with " + s.peer() + " failed: " + e.what()}};
  }
}

asio::awaitable<void> connection::async_close() {
  impl& s = *impl_;
  if (s.own_io && s.open) {
    s.open = false;
    s.sync.close(s.options.close_timeout);
  } else if (s.stream && s.open) {
    s.open = false;
    co_await net::async_close(*s.stream, s.options.close_timeout);  // never throws; closes the socket
  } else {
    s.drop();
  }
}

// ---- blocking API ----------------------------------------------------------------------------------------------

result<void> connection::run_blocking(const std::function<asio::awaitable<void>()>& body) {
  if (!impl_->own_io)
    return common::unexpected{client_error{
        errc::config, "blocking call on a connection that runs on an external executor; use the async_ calls"}};
  asio::io_context& io = *impl_->own_io;
  std::string failure;
  bool done = false;
  try {
    asio::co_spawn(io, body(), [&](std::exception_ptr e) {
      done = true;
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
  if (!failure.empty() || !done) {
    impl_->drop();
    return common::unexpected{client_error{
        errc::io, "internal error: " + (failure.empty() ? std::string("the operation did not complete") : failure)}};
  }
  return {};
}

result<void> connection::connect() { return block_on(async_connect()); }

result<common::secure_bytes> connection::exchange(std::span<const std::uint8_t> request) {
  return block_on(async_exchange(request));
}

void connection::close() {
  auto closing = [this]() -> asio::awaitable<result<bool>> {
    co_await async_close();
    co_return true;
  };
  if (impl_->own_io) {
    (void)block_on(closing());
  } else {
    impl_->drop();
  }
}

// ---- observers -------------------------------------------------------------------------------------------------

bool connection::is_open() const noexcept { return impl_ && impl_->open; }
bool connection::is_blocking() const noexcept { return impl_ && impl_->own_io != nullptr; }
const connection_options& connection::options() const noexcept { return impl_->options; }
std::string connection::tls_session() const {
  if (!impl_ || !impl_->open) return {};
  if (impl_->own_io) return impl_->sync.describe_session();
  return impl_->stream ? net::describe_session(*impl_->stream) : std::string();
}
asio::any_io_executor connection::get_executor() const { return impl_->executor; }

}  // namespace kmip::client
