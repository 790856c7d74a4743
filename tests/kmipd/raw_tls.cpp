// See raw_tls.hpp. The deadlines are the kmip/net ones: a steady_timer raced against each Asio operation.
#include "tests/kmipd/raw_tls.hpp"

#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "kmip/net/message_io.hpp"
#include "kmip/net/tls_stream.hpp"

namespace tests::kmipd {

namespace asio = boost::asio;

struct raw_tls::impl {
  asio::io_context io;
  std::shared_ptr<asio::ssl::context> ctx;
  kmip::net::tls_stream stream;

  explicit impl(std::shared_ptr<asio::ssl::context> c) : ctx(std::move(c)), stream(io, *ctx) {}
};

namespace {

common::expected<std::unique_ptr<raw_tls::impl>, std::string> handshake(std::shared_ptr<asio::ssl::context> ctx,
                                                                          std::uint16_t port,
                                                                          std::chrono::milliseconds timeout) {
  auto p = std::make_unique<raw_tls::impl>(std::move(ctx));
  auto connected = kmip::net::detail::run_blocking(
      p->io, kmip::net::async_connect(p->stream.next_layer(), "127.0.0.1", port, timeout));
  if (!connected) return common::unexpected{"connect: " + connected.error().message};
  auto shaken = kmip::net::detail::run_blocking(
      p->io, kmip::net::async_handshake(p->stream, asio::ssl::stream_base::client, timeout, "kmipd"));
  if (!shaken) return common::unexpected{"handshake: " + shaken.error().message};
  return p;
}

}  // namespace

raw_tls::raw_tls(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
raw_tls::~raw_tls() {
  if (impl_) kmip::net::close_now(impl_->stream);
}

common::expected<std::unique_ptr<raw_tls>, std::string> raw_tls::connect(std::uint16_t port,
                                                                          const kmip::net::client_tls_options& options,
                                                                          std::chrono::milliseconds timeout) {
  auto ctx = kmip::net::make_client_context(options);
  if (!ctx) return common::unexpected{"client context: " + ctx.error().message};
  auto p = handshake(*ctx, port, timeout);
  if (!p) return common::unexpected{p.error()};
  return std::unique_ptr<raw_tls>(new raw_tls(std::move(*p)));
}

common::expected<std::unique_ptr<raw_tls>, std::string> raw_tls::connect_tls11(std::uint16_t port,
                                                                                const tests::pki::files& pki,
                                                                                std::chrono::milliseconds timeout) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX* h = ctx->native_handle();
  SSL_CTX_set_security_level(h, 0);  // OpenSSL 3 allows TLS 1.1 at security level 0 only
  SSL_CTX_set_min_proto_version(h, TLS1_1_VERSION);
  SSL_CTX_set_max_proto_version(h, TLS1_1_VERSION);
  SSL_CTX_set_cipher_list(h, "DEFAULT:@SECLEVEL=0");
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(pki.client_cert.string(), ec);
  if (!ec) ctx->use_private_key_file(pki.client_key.string(), asio::ssl::context::pem, ec);
  if (ec) return common::unexpected{"TLS 1.1 context: " + ec.message()};
  ctx->set_verify_mode(asio::ssl::verify_none);
  auto p = handshake(ctx, port, timeout);
  if (!p) return common::unexpected{p.error()};
  return std::unique_ptr<raw_tls>(new raw_tls(std::move(*p)));
}

common::expected<void, std::string> raw_tls::write(std::span<const std::uint8_t> bytes,
                                                   std::chrono::milliseconds timeout) {
  auto op = [&]() -> asio::awaitable<kmip::net::result<void>> {
    asio::steady_timer timer(impl_->stream.get_executor());
    timer.expires_after(timeout);
    auto [order, ec, n, timer_ec] = co_await kmip::net::detail::race(
        asio::async_write(impl_->stream, asio::buffer(bytes.data(), bytes.size()), asio::deferred), timer);
    if (kmip::net::detail::timer_won(order, timer_ec))
      co_return common::unexpected{kmip::net::error{kmip::net::errc::timeout, "write timed out"}};
    if (ec) co_return common::unexpected{kmip::net::error{kmip::net::errc::io, ec.message()}};
    co_return kmip::net::result<void>{};
  };
  auto r = kmip::net::detail::run_blocking(impl_->io, op());
  if (!r) return common::unexpected{r.error().message};
  return {};
}

raw_tls::reading raw_tls::read_message(std::chrono::milliseconds timeout, std::size_t max_size) {
  kmip::ttlv::decode_limits limits;
  limits.max_message_size = max_size;
  auto r = kmip::net::read_message(impl_->io, impl_->stream, limits, timeout);
  reading out;
  if (r) {
    out.what = reading::kind::message;
    out.bytes = std::move(*r);
    return out;
  }
  out.detail = std::string(kmip::net::to_string(r.error().code)) + ": " + r.error().message;
  switch (r.error().code) {
    case kmip::net::errc::closed: out.what = reading::kind::closed; break;
    case kmip::net::errc::timeout: out.what = reading::kind::timeout; break;
    default: out.what = reading::kind::error; break;
  }
  return out;
}

void raw_tls::shutdown_send() {
  boost::system::error_code ignored;
  impl_->stream.next_layer().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

}  // namespace tests::kmipd
