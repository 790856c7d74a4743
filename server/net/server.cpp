// The KMIP listener and its sessions (template over the stream: TLS in kmipd, plain TCP in tests), the
// connection registry, start-up and graceful shutdown. See server.hpp.
#include "server/net/server.hpp"

#include <openssl/ssl.h>

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "kmip/net/io_loop.hpp"
#include "kmip/net/message_io.hpp"
#include "kmip/net/peer_identity.hpp"
#include "kmip/net/tls_stream.hpp"
#include "server/net/detail/server_state.hpp"

namespace kmipd::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using detail::connection_slot;
using detail::server_state;
using kmip::net::errc;

constexpr std::chrono::milliseconds close_notify_timeout{1000};

// Reads and answers requests until the peer leaves, a timeout, an error, or shutdown.
std::atomic<std::uint64_t> next_session{1};

template <class Stream>
asio::awaitable<void> serve_kmip(server_state& st, connection_slot& slot, Stream& stream,
                                 const core::request_context& ctx, const session_facts& facts) {
  const server_options& o = st.options;
  while (!st.stopping) {
    auto request = co_await kmip::net::async_read_message(stream, o.limits, o.idle_timeout);
    if (!request) {
      const kmip::net::error& e = request.error();
      if (e.code == errc::framing) {
        // No whole message to give the handler: it answers undecodable input (Invalid Message), then we close.
        spdlog::info("kmip {} ({}): {}; answering Invalid Message and closing", ctx.peer_address, ctx.identity,
                     e.message);
        slot.busy = true;
        common::secure_bytes response = co_await st.call_async({}, ctx);
        co_await kmip::net::async_write_message(stream, response, o.write_timeout);
        slot.busy = false;
      } else if (e.code == errc::timeout) {
        spdlog::info("kmip {} ({}): closing: {}", ctx.peer_address, ctx.identity, e.message);
      } else if (e.code != errc::closed && !st.stopping) {
        spdlog::info("kmip {} ({}): {}", ctx.peer_address, ctx.identity, e.message);
      }
      co_return;
    }
    slot.busy = true;
    if (o.record) o.record(facts, true, *request);
    common::secure_bytes response = co_await st.call_async(*request, ctx);
    if (o.record) o.record(facts, false, response);
    auto written = co_await kmip::net::async_write_message(stream, response, o.write_timeout);
    slot.busy = false;
    if (!written) {
      spdlog::info("kmip {} ({}): {}", ctx.peer_address, ctx.identity, written.error().message);
      co_return;
    }
  }
}

asio::awaitable<void> tls_session(server_state& st, tcp::socket socket, std::string peer) {
  auto stream = std::make_shared<kmip::net::tls_stream>(std::move(socket), *st.options.kmip.tls);
  auto slot = st.open("tls", stream->get_executor(), [stream] { kmip::net::close_now(*stream); });
  if (!slot) {
    spdlog::warn("kmip {}: refused: {} connections already open", peer, st.options.max_connections);
    st.stats.connection_refused("tls", "limit");
    kmip::net::close_now(*stream);
    co_return;
  }
  auto handshake = co_await kmip::net::async_handshake(*stream, asio::ssl::stream_base::server,
                                                        st.options.handshake_timeout, peer);
  if (!handshake) {
    spdlog::info("kmip {}: TLS handshake failed: {}", peer, handshake.error().message);
    st.stats.connection_refused("tls", "handshake");
    kmip::net::close_now(*stream);
    co_return;
  }
  auto identity = kmip::net::verified_peer_identity(stream->native_handle());
  if (!identity) {
    spdlog::info("kmip {}: refused: {}", peer, identity.error().message);
    st.stats.connection_refused("tls", "no_identity");
    co_await kmip::net::async_close(*stream, close_notify_timeout);
    co_return;
  }
  spdlog::debug("kmip {}: {} as \"{}\"", peer, kmip::net::describe_session(*stream), identity->common_name);
  const core::request_context ctx{identity->common_name, peer, "tls"};
  session_facts facts{next_session++, peer, {}, {}, identity->subject};
  if (st.options.record) {
    facts.tls_version = SSL_get_version(stream->native_handle());
    facts.tls_cipher = SSL_get_cipher_name(stream->native_handle());
  }
  co_await serve_kmip(st, *slot, *stream, ctx, facts);
  if (stream->lowest_layer().is_open()) co_await kmip::net::async_close(*stream, close_notify_timeout);
}

asio::awaitable<void> tcp_session(server_state& st, tcp::socket socket, std::string peer) {
  auto sock = std::make_shared<tcp::socket>(std::move(socket));
  auto slot = st.open("tcp", sock->get_executor(), [sock] {
    boost::system::error_code ec;
    sock->close(ec);
  });
  if (!slot) {
    st.stats.connection_refused("tcp", "limit");
    co_return;
  }
  const core::request_context ctx{st.options.default_identity, peer, "tcp"};
  const session_facts facts{next_session++, peer, {}, {}, {}};  // a named local: GCC 12 mishandles temporaries
                                                                 // bound to a coroutine's reference parameter
  co_await serve_kmip(st, *slot, *sock, ctx, facts);
  boost::system::error_code ec;
  sock->shutdown(tcp::socket::shutdown_both, ec);
  sock->close(ec);
}

void log_session_failure(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    spdlog::error("session ended by an unexpected exception: {}", x.what());
  } catch (...) {
    spdlog::error("session ended by an unexpected exception");
  }
}

asio::awaitable<void> kmip_accept_loop(server_state& st, tcp::acceptor& acceptor) {
  const bool tls = st.options.kmip.tls != nullptr;
  for (;;) {
    tcp::socket socket(st.next_context());  // one thread runs that context: the connection needs no strand
    auto [ec] = co_await acceptor.async_accept(socket, asio::as_tuple(asio::use_awaitable));
    if (st.stopping || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // Out of descriptors and the like: wait a little instead of spinning.
      spdlog::warn("kmip accept: {}", ec.message());
      asio::steady_timer pause(st.io(), std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    kmip::net::set_no_delay(socket);
    std::string peer = detail::describe(socket);
    auto executor = socket.get_executor();
    if (tls)
      asio::co_spawn(executor, tls_session(st, std::move(socket), std::move(peer)), log_session_failure);
    else
      asio::co_spawn(executor, tcp_session(st, std::move(socket), std::move(peer)), log_session_failure);
  }
}

kmip::net::result<void> listen(tcp::acceptor& acceptor, const listener_options& o, std::string_view what) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(o.address, ec);
  if (ec)
    return common::unexpected{
        kmip::net::error{errc::io, std::string(what) + ": \"" + o.address + "\" is not an IP address"}};
  const tcp::endpoint endpoint(address, o.port);
  const std::string where = std::string(what) + " on " + o.address + ":" + std::to_string(o.port);
  if (acceptor.open(endpoint.protocol(), ec); ec)
    return common::unexpected{kmip::net::error{errc::io, where + ": " + ec.message()}};
  acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (acceptor.bind(endpoint, ec); ec)
    return common::unexpected{kmip::net::error{errc::io, "cannot listen " + where + ": " + ec.message()}};
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec)
    return common::unexpected{kmip::net::error{errc::io, "cannot listen " + where + ": " + ec.message()}};
  return {};
}

}  // namespace

// ---- detail ---------------------------------------------------------------------------------------------------

namespace detail {

connection_slot::~connection_slot() { state.closed(*this); }

server_state::server_state(server_options o, handler h, async_handler ha)
    : options(std::move(o)), handle(std::move(h)), handle_async(std::move(ha)) {
  const unsigned n = options.threads == 0 ? 1 : options.threads;
  for (unsigned i = 0; i < n; ++i) contexts.push_back(std::make_unique<boost::asio::io_context>(1));
  for (const auto& c : options.counters) stats.add(c);
}

std::shared_ptr<connection_slot> server_state::open(const std::string& transport,
                                                    boost::asio::any_io_executor executor,
                                                    std::function<void()> close) {
  std::shared_ptr<connection_slot> slot;
  {
    std::lock_guard lock(mutex_);
    std::size_t& n = open_per_transport_[transport];
    if (n >= options.max_connections) return nullptr;
    ++n;
    slot = std::make_shared<connection_slot>(*this, next_id_++, transport, std::move(executor));
    slot->close = std::move(close);
    live_.emplace(slot->id, slot);
  }
  stats.connection_opened(transport);
  return slot;
}

void server_state::closed(const connection_slot& slot) {
  stats.connection_closed(slot.transport);
  std::lock_guard lock(mutex_);
  live_.erase(slot.id);
  if (auto it = open_per_transport_.find(slot.transport); it != open_per_transport_.end() && it->second > 0)
    --it->second;
  if (live_.empty()) all_closed_.notify_all();
}

common::secure_bytes server_state::call(std::span<const std::uint8_t> request, const core::request_context& ctx) {
  const auto start = std::chrono::steady_clock::now();
  common::secure_bytes response = handle(request, ctx);
  stats.record_response(ctx.transport, response, std::chrono::steady_clock::now() - start);
  return response;
}

namespace {

// Where an answer of the async handler goes: kept when it comes before the session suspends (a read, nothing to
// sync: no hop through the io_context), else posted to the session's executor to resume it.
struct pending_answer {
  using completion = std::function<void(common::secure_bytes)>;
  std::mutex mutex;
  bool suspended = false;  // the session gave up waiting inline
  std::optional<common::secure_bytes> answer;
  completion resume;  // set once suspended, until the answer came
};

}  // namespace

boost::asio::awaitable<common::secure_bytes> server_state::call_async(std::span<const std::uint8_t> request,
                                                                     const core::request_context& ctx) {
  if (!handle_async) co_return call(request, ctx);
  const auto start = std::chrono::steady_clock::now();
  const auto executor = co_await asio::this_coro::executor;
  auto p = std::make_shared<pending_answer>();
  handle_async(request, ctx, [p, executor, gate = answers_](common::secure_bytes response) {
    std::lock_guard lock(p->mutex);
    if (!p->suspended || !p->resume) {
      p->answer = std::move(response);
      return;
    }
    std::lock_guard open(gate->mutex);
    if (gate->open) {
      asio::post(executor, [f = std::move(p->resume), r = std::move(response)]() mutable { f(std::move(r)); });
    } else {
      // The server has stopped (a sync outlived the shutdown deadline): destroying the suspended session here
      // would run its destructors on this thread against a server that may be gone. Leave it, once, at exit.
      static_cast<void>(new pending_answer::completion(std::move(p->resume)));
    }
  });
  common::secure_bytes response;
  bool ready = false;
  {
    std::lock_guard lock(p->mutex);
    if (p->answer) {
      response = std::move(*p->answer);
      ready = true;
    } else {
      p->suspended = true;
    }
  }
  if (!ready) {
    auto initiate = [&](auto completion) {
      auto c = std::make_shared<decltype(completion)>(std::move(completion));
      std::unique_lock l(p->mutex);
      if (p->answer) {  // came between the check above and now: resume through the executor all the same
        asio::post(executor, [c, r = std::move(*p->answer)]() mutable { (*c)(std::move(r)); });
        return;
      }
      p->resume = [c](common::secure_bytes r) { (*c)(std::move(r)); };
    };
    response = co_await asio::async_initiate<const asio::use_awaitable_t<>, void(common::secure_bytes)>(
        initiate, asio::use_awaitable);
  }
  stats.record_response(ctx.transport, response, std::chrono::steady_clock::now() - start);
  co_return response;
}

void server_state::close_answers() {
  std::lock_guard lock(answers_->mutex);
  answers_->open = false;
}

void server_state::close_connections(bool force) {
  std::vector<std::shared_ptr<connection_slot>> slots;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, weak] : live_)
      if (auto s = weak.lock()) slots.push_back(std::move(s));
  }
  for (auto& s : slots)
    boost::asio::post(s->executor, [s, force] {
      if ((force || !s->busy) && s->close) s->close();
    });
}

bool server_state::wait_all_closed(std::chrono::steady_clock::time_point until) {
  std::unique_lock lock(mutex_);
  return all_closed_.wait_until(lock, until, [&] { return live_.empty(); });
}

std::string describe(const boost::asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  if (ec) return "unknown peer";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace detail

// ---- server ---------------------------------------------------------------------------------------------------

struct server::impl {
  impl(server_options o, handler h, async_handler ha) : state(std::move(o), std::move(h), std::move(ha)) {
    for (auto& c : state.contexts) work.push_back(asio::make_work_guard(*c));
  }

  server_state state;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::optional<tcp::acceptor> kmip_acceptor;
  std::optional<tcp::acceptor> http_acceptor;
  std::uint16_t kmip_port = 0;
  std::uint16_t http_port = 0;
  std::vector<std::thread> threads;
  std::mutex shutdown_mutex;
  bool shut_down = false;
};

server::server(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

server::~server() { shutdown(std::chrono::milliseconds(0)); }

kmip::net::result<std::unique_ptr<server>> server::start(server_options options, handler handle) {
  return start(std::move(options), std::move(handle), {});
}

kmip::net::result<std::unique_ptr<server>> server::start(server_options options, handler handle,
                                                         async_handler handle_async) {
  auto p = std::make_unique<impl>(std::move(options), std::move(handle), std::move(handle_async));
  server_state& st = p->state;
  const server_options& o = st.options;
  if (o.kmip.enabled) {
    p->kmip_acceptor.emplace(st.io());
    if (auto r = listen(*p->kmip_acceptor, o.kmip, "KMIP"); !r) return common::unexpected{r.error()};
    p->kmip_port = p->kmip_acceptor->local_endpoint().port();
    asio::co_spawn(st.io(), kmip_accept_loop(st, *p->kmip_acceptor), log_session_failure);
  }
  if (o.http.enabled) {
    p->http_acceptor.emplace(st.io());
    if (auto r = listen(*p->http_acceptor, o.http, "HTTP"); !r) return common::unexpected{r.error()};
    p->http_port = p->http_acceptor->local_endpoint().port();
    asio::co_spawn(st.io(), detail::http_accept_loop(st, *p->http_acceptor), log_session_failure);
  }
  for (auto& context : st.contexts)
    p->threads.emplace_back([&io = *context, busy_poll = o.busy_poll] {
      for (;;) {
        try {
          kmip::net::run_io_context(io, busy_poll);
          return;
        } catch (const std::exception& e) {
          spdlog::error("server thread: unexpected exception: {}", e.what());
        }
      }
    });
  return std::unique_ptr<server>(new server(std::move(p)));
}

std::uint16_t server::kmip_port() const { return impl_->kmip_port; }
std::uint16_t server::http_port() const { return impl_->http_port; }
const metrics& server::stats() const { return impl_->state.stats; }

void server::shutdown(std::chrono::milliseconds deadline) {
  std::lock_guard lock(impl_->shutdown_mutex);
  if (impl_->shut_down) return;
  impl_->shut_down = true;
  server_state& st = impl_->state;
  st.stopping = true;
  // Stop accepting (on the io_context, where the acceptors live).
  asio::post(st.io(), [this] {
    boost::system::error_code ec;
    if (impl_->kmip_acceptor) impl_->kmip_acceptor->close(ec);
    if (impl_->http_acceptor) impl_->http_acceptor->close(ec);
  });
  // Idle connections go now; busy ones finish their request (their loop sees `stopping`), until the deadline.
  const auto until = std::chrono::steady_clock::now() + deadline;
  st.close_connections(false);
  if (!st.wait_all_closed(until)) {
    if (deadline.count() > 0)
      spdlog::warn("shutdown: requests still in progress after {} ms; closing their connections", deadline.count());
    st.close_connections(true);
    st.wait_all_closed(std::chrono::steady_clock::now() + std::chrono::seconds(1));
  }
  impl_->work.clear();
  for (auto& context : st.contexts) context->stop();
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
  st.close_answers();
}

}  // namespace kmipd::net
