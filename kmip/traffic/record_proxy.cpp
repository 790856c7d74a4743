// The recording proxy (record_proxy.hpp).
#include "kmip/traffic/record_proxy.hpp"

#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <thread>

#include "kmip/net/message_io.hpp"
#include "kmip/net/peer_identity.hpp"
#include "kmip/net/tls_stream.hpp"

namespace kmip::traffic {

namespace asio = boost::asio;
using asio::ip::tcp;

struct record_proxy::impl {
  proxy_options options;
  trace_writer* out = nullptr;
  net::tls_context_ptr server_ctx;  // declared before io: the sessions' streams die with io, before these
  net::tls_context_ptr client_ctx;
  asio::io_context io;
  std::optional<tcp::acceptor> acceptor;
  std::thread thread;
  std::uint16_t port = 0;
  std::atomic<std::uint64_t> frames{0};
  std::uint64_t next_connection = 1;
  bool stopped = false;

  void record(std::uint64_t id, direction d, const std::string& peer, const tls_facts& tls,
              std::span<const std::uint8_t> message) {
    frame f;
    f.connection = id;
    f.direction = d;
    f.time_us = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    f.peer = peer;
    f.tls = tls;
    f.message.assign(message.begin(), message.end());
    if (out->write(f)) ++frames;
  }

  asio::awaitable<void> session(tcp::socket socket, std::uint64_t id, std::string peer) {
    net::set_no_delay(socket);
    net::tls_stream stream(std::move(socket), *server_ctx);
    const auto& up_options = options.upstream;
    auto hs = co_await net::async_handshake(stream, asio::ssl::stream_base::server, up_options.connect_timeout,
                                            peer);
    if (!hs) co_return;
    tls_facts tls;
    tls.version = SSL_get_version(stream.native_handle());
    tls.cipher = SSL_get_cipher_name(stream.native_handle());
    if (auto who = net::verified_peer_identity(stream.native_handle())) tls.client_subject = who->subject;
    kmip::client::connection upstream(stream.get_executor(), up_options, client_ctx);
    if (auto c = co_await upstream.async_connect(); !c) {
      net::close_now(stream);
      co_return;
    }
    ttlv::decode_limits limits;
    limits.max_message_size = up_options.max_response_size;
    while (true) {
      auto request = co_await net::async_read_message(stream, limits, std::chrono::minutes(30));
      if (!request) break;
      record(id, direction::request, peer, tls, *request);
      auto response = co_await upstream.async_exchange(*request);
      if (!response) break;
      record(id, direction::response, peer, tls, *response);
      auto written = co_await net::async_write_message(stream, *response, up_options.io_timeout);
      if (!written) break;
    }
    co_await upstream.async_close();
    if (stream.lowest_layer().is_open()) co_await net::async_close(stream, std::chrono::seconds(1));
  }

  asio::awaitable<void> accept_loop() {
    while (true) {
      tcp::socket socket(io);
      auto [ec] = co_await acceptor->async_accept(socket, asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (!acceptor->is_open()) co_return;
        continue;
      }
      boost::system::error_code pec;
      auto ep = socket.remote_endpoint(pec);
      std::string peer = pec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
      asio::co_spawn(io, session(std::move(socket), next_connection++, std::move(peer)), asio::detached);
    }
  }
};

record_proxy::record_proxy(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

record_proxy::~record_proxy() { stop(); }

common::expected<std::unique_ptr<record_proxy>, std::string> record_proxy::start(proxy_options options,
                                                                                 trace_writer& out) {
  auto p = std::make_unique<impl>();
  p->out = &out;
  auto server_ctx = net::make_server_context(options.listener_tls);
  if (!server_ctx) return common::unexpected("listener TLS: " + server_ctx.error().message);
  auto client_ctx = net::make_client_context(options.upstream.tls);
  if (!client_ctx) return common::unexpected("upstream TLS: " + client_ctx.error().message);
  p->server_ctx = *server_ctx;
  p->client_ctx = *client_ctx;
  p->options = std::move(options);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(p->options.listen_host, ec);
  if (ec) return common::unexpected("--listen: \"" + p->options.listen_host + "\" is not an IP address");
  tcp::endpoint endpoint(address, p->options.listen_port);
  p->acceptor.emplace(p->io);
  p->acceptor->open(endpoint.protocol(), ec);
  if (!ec) p->acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) p->acceptor->bind(endpoint, ec);
  if (!ec) p->acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return common::unexpected("cannot listen on " + p->options.listen_host + ":" +
                              std::to_string(p->options.listen_port) + ": " + ec.message());
  p->port = p->acceptor->local_endpoint().port();
  asio::co_spawn(p->io, p->accept_loop(), asio::detached);
  impl* raw = p.get();
  p->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<record_proxy>(new record_proxy(std::move(p)));
}

std::uint16_t record_proxy::port() const { return impl_->port; }

std::uint64_t record_proxy::frames() const { return impl_->frames.load(); }

void record_proxy::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  boost::system::error_code ec;
  if (impl_->acceptor) impl_->acceptor->close(ec);
}

}  // namespace kmip::traffic
