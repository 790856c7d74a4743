// The test responder's accept loop and sessions; see responder.hpp.
#include "kmip/net/testing/responder.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <thread>

#include "kmip/net/message_io.hpp"
#include "kmip/net/tls_stream.hpp"

namespace kmip::net::testing {

namespace asio = boost::asio;
using asio::ip::tcp;

struct responder::impl {
  responder_options options;
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<session_record> records;  // guarded by mutex
  // Declared after what the coroutines touch, so that destroying the io_context (which destroys the coroutine
  // frames still suspended in it) happens first.
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;
  bool stopped = false;
};

namespace {

// Writes raw bytes (not necessarily one message), ignoring the outcome: the client's view is what is tested.
template <class Stream>
asio::awaitable<bool> write_raw(Stream& s, std::span<const std::uint8_t> bytes) {
  auto [ec, n] = co_await asio::async_write(s, asio::buffer(bytes.data(), bytes.size()),
                                            asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

// Reads requests and answers them according to the options, until the client leaves or misbehaviour ends it.
// Returns true when the stream should be closed abruptly (no close_notify).
template <class Stream>
asio::awaitable<bool> serve(Stream& s, const responder_options& o, session_record& rec) {
  for (std::size_t i = 0; i < o.max_messages_per_session; ++i) {
    auto request = co_await async_read_message(s, o.limits, o.io_timeout);
    if (!request) {
      rec.end = std::string(to_string(request.error().code)) + ": " + request.error().message;
      co_return false;
    }
    ++rec.requests;
    if (o.mode == misbehaviour::never_answer) continue;
    if (o.mode == misbehaviour::huge_header) {
      // Response Message, Structure, length 100 MiB: 42 00 7B | 01 | 06 40 00 00.
      static constexpr std::uint8_t header[] = {0x42, 0x00, 0x7B, 0x01, 0x06, 0x40, 0x00, 0x00};
      if (!co_await write_raw(s, header)) co_return true;
      continue;
    }
    const common::secure_bytes answer = o.respond ? o.respond(*request) : *request;
    switch (o.mode) {
      case misbehaviour::truncate_then_close:
        co_await write_raw(s, std::span(answer).first(answer.size() / 2));
        rec.end = "truncated on purpose";
        co_return true;
      case misbehaviour::byte_by_byte:
        for (std::size_t b = 0; b < answer.size(); ++b)
          if (!co_await write_raw(s, std::span(answer).subspan(b, 1))) co_return true;
        break;
      default:
        if (auto w = co_await async_write_message(s, answer, o.io_timeout); !w) {
          rec.end = "write: " + w.error().message;
          co_return true;
        }
        break;
    }
  }
  rec.end = "message limit reached";
  co_return false;
}


// Each session: handshake (TLS), record the peer, serve, close. Parameters, not lambda captures, carry the state:
// a coroutine's parameters live in its frame, a lambda's captures do not.
asio::awaitable<void> session(const responder_options* options, std::function<void(session_record)> done,
                              tcp::socket socket) {
  const responder_options& o = *options;
  session_record rec;
  if (!o.tls) {
    rec.handshake_ok = true;
    co_await serve(socket, o, rec);
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    done(std::move(rec));
    co_return;
  }
  tls_stream stream(std::move(socket), *o.tls);
  auto hs = co_await async_handshake(stream, asio::ssl::stream_base::server, o.io_timeout, "the client");
  if (!hs) {
    rec.handshake_error = hs.error().message;
    close_now(stream);
    done(std::move(rec));
    co_return;
  }
  rec.handshake_ok = true;
  rec.tls_session = describe_session(stream);
  if (auto id = verified_peer_identity(stream.native_handle())) {
    rec.peer = std::move(*id);
  } else {
    rec.peer_error = id.error().message;
  }
  bool abrupt = false;
  if (o.mode == misbehaviour::close_after_handshake) {
    rec.end = "closed after the handshake on purpose";
  } else {
    abrupt = co_await serve(stream, o, rec);
  }
  if (abrupt) {
    close_now(stream);
  } else {
    co_await async_close(stream, std::chrono::seconds(1));
  }
  done(std::move(rec));
}

// A session that threw (a bug in the responder or the code under test) still leaves a record saying so.
std::string what(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "unknown exception";
  }
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, const responder_options* o,
                                  std::function<void(session_record)> done) {
  for (std::size_t i = 0; i < o->max_sessions; ++i) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;  // the acceptor was closed
    set_no_delay(socket);
    asio::co_spawn(acceptor.get_executor(), session(o, done, std::move(socket)), [done](std::exception_ptr e) {
      if (!e) return;
      session_record rec;
      rec.end = "exception: " + what(e);
      done(std::move(rec));
    });
  }
}

}  // namespace

responder::responder(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

responder::~responder() { stop(); }

result<std::unique_ptr<responder>> responder::start(responder_options options) {
  try {
    auto state = std::make_unique<impl>();
    state->options = std::move(options);
    const tcp::endpoint local(asio::ip::make_address("127.0.0.1"), 0);
    state->acceptor.open(local.protocol());
    state->acceptor.bind(local);
    state->acceptor.listen();
    std::unique_ptr<responder> r(new responder(std::move(state)));
    r->port_ = r->impl_->acceptor.local_endpoint().port();

    impl* st = r->impl_.get();
    std::function<void(session_record)> done = [self = r.get()](session_record rec) {
      self->record(std::move(rec));
    };
    asio::co_spawn(st->io, accept_loop(st->acceptor, &st->options, std::move(done)), [](std::exception_ptr) {});
    st->thread = std::thread([st] {
      try {
        st->io.run();
      } catch (...) {
        // A handler threw; the responder stops serving and the test sees missing records.
      }
    });
    return r;
  } catch (const std::exception& e) {
    return common::unexpected{error{errc::io, std::string("cannot start the test responder: ") + e.what()}};
  }
}

void responder::record(session_record r) {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->records.push_back(std::move(r));
  }
  impl_->changed.notify_all();
}

std::vector<session_record> responder::wait_for_sessions(std::size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  impl_->changed.wait_for(lock, timeout, [&] { return impl_->records.size() >= count; });
  return impl_->records;
}

void responder::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  // Suspended sessions are destroyed with the io_context, after the thread is gone.
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace kmip::net::testing
