// Connect, handshake and close with deadlines; see tls_stream.hpp.
#include "kmip/net/tls_stream.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <vector>

#include "kmip/net/detail/openssl.hpp"

namespace kmip::net {

namespace asio = boost::asio;
using asio::ip::tcp;

asio::awaitable<result<tcp::endpoint>> async_connect(tcp_socket& socket, std::string host, std::uint16_t port,
                                                     duration timeout) {
  const std::string target = host + ":" + std::to_string(port);
  try {
    asio::steady_timer timer(socket.get_executor());
    timer.expires_after(timeout);

    std::vector<tcp::endpoint> endpoints;
    boost::system::error_code parse_ec;
    const asio::ip::address literal = asio::ip::make_address(host, parse_ec);
    if (!parse_ec) {
      endpoints.emplace_back(literal, port);
    } else {
      tcp::resolver resolver(socket.get_executor());
      auto [order, ec, results, timer_ec] = co_await detail::race(
          resolver.async_resolve(host, std::to_string(port), asio::deferred), timer);
      if (detail::timer_won(order, timer_ec))
        co_return common::unexpected{
            error{errc::timeout, "resolving " + host + " took longer than " + detail::describe(timeout)}};
      if (ec) co_return common::unexpected{error{errc::resolve, "cannot resolve " + host + ": " + ec.message()}};
      for (const auto& r : results) endpoints.push_back(r.endpoint());
      if (endpoints.empty()) co_return common::unexpected{error{errc::resolve, host + " resolved to no address"}};
    }

    auto [order, ec, endpoint, timer_ec] =
        co_await detail::race(asio::async_connect(socket, endpoints, asio::deferred), timer);
    if (detail::timer_won(order, timer_ec)) {
      boost::system::error_code ignored;
      socket.close(ignored);
      co_return common::unexpected{
          error{errc::timeout, "TCP connect to " + target + " timed out after " + detail::describe(timeout)}};
    }
    if (ec) {
      boost::system::error_code ignored;
      socket.close(ignored);
      co_return common::unexpected{error{errc::connect, "cannot connect to " + target + ": " + ec.message()}};
    }
    set_no_delay(socket);
    co_return endpoint;
  } catch (const std::exception& e) {
    boost::system::error_code ignored;
    socket.close(ignored);
    co_return common::unexpected{error{errc::connect, "connecting to " + target + " failed: " + e.what()}};
  }
}

asio::awaitable<result<void>> async_handshake(tls_stream& stream, asio::ssl::stream_base::handshake_type side,
                                              duration timeout, std::string peer) {
  try {
    asio::steady_timer timer(stream.get_executor());
    timer.expires_after(timeout);
    auto [order, ec, timer_ec] = co_await detail::race(stream.async_handshake(side, asio::deferred), timer);
    if (detail::timer_won(order, timer_ec))
      co_return common::unexpected{
          error{errc::timeout, "TLS handshake with " + peer + " did not finish within " + detail::describe(timeout)}};
    if (!ec) co_return result<void>{};

    std::string m = "TLS handshake with " + peer + " failed: " + ec.message();
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated || ec == asio::error::connection_reset)
      co_return common::unexpected{error{errc::closed, m + " (the peer closed the connection during the handshake)"}};
    // Our own certificate check failed: say why, as `openssl verify` would.
    if (const long verdict = SSL_get_verify_result(stream.native_handle()); verdict != X509_V_OK)
      m += std::string(": ") + X509_verify_cert_error_string(verdict);
    co_return common::unexpected{error{errc::tls, std::move(m)}};
  } catch (const std::exception& e) {
    co_return common::unexpected{error{errc::tls, "TLS handshake with " + peer + " failed: " + e.what()}};
  }
}

asio::awaitable<void> async_close(tls_stream& stream, duration timeout) {
  try {
    if (stream.lowest_layer().is_open()) {
      asio::steady_timer timer(stream.get_executor());
      timer.expires_after(timeout);
      // Whatever the outcome (answered, refused, timed out), the socket is closed next.
      co_await detail::race(stream.async_shutdown(asio::deferred), timer);
    }
  } catch (...) {
    // Nothing to report: the socket is closed below either way.
  }
  close_now(stream);
}

void set_no_delay(tcp_socket& socket) noexcept {
  boost::system::error_code ignored;  // an option that cannot be set costs latency, not correctness
  socket.set_option(tcp::no_delay(true), ignored);
}

void close_now(tls_stream& stream) noexcept {
  boost::system::error_code ignored;
  stream.lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
  stream.lowest_layer().close(ignored);
}

std::string describe_session(tls_stream& stream) { return detail::describe_session(stream.native_handle()); }

namespace detail {

std::string describe_session(ssl_st* ssl) {
  if (!ssl || !SSL_is_init_finished(ssl)) return {};
  std::string out = SSL_get_version(ssl);
  if (const char* cipher = SSL_get_cipher_name(ssl)) {
    out += " ";
    out += cipher;
  }
  return out;
}

}  // namespace detail

}  // namespace kmip::net
