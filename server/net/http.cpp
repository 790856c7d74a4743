// kmipd's HTTP API with Beast: GET /health, /version, /metrics and POST /kmip (binary TTLV or KMIP JSON),
// plain HTTP or HTTPS, one template<class Stream> session for both. Request handling (route) is a plain
// function from request to response; the session only moves bytes. See server.hpp.
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <algorithm>

#include "kmip/encoding/json.hpp"
#include "kmip/net/peer_identity.hpp"
#include "kmip/ttlv/reader.hpp"
#include "kmip/ttlv/writer.hpp"
#include "server/net/detail/server_state.hpp"

namespace kmipd::net::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

// JSON is larger than the TTLV it carries: allow this many times max_message_size for a JSON body.
constexpr std::size_t json_factor = 16;

void wipe(std::string& s) {
  std::fill(s.begin(), s.end(), '\0');
  s.clear();
}

response make(const request& req, http::status status, std::string_view content_type, std::string body) {
  response res{status, req.version()};
  res.set(http::field::server, "kmipd");
  res.set(http::field::content_type, content_type);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

response error(const request& req, http::status status, std::string message) {
  return make(req, status, "text/plain; charset=utf-8", std::move(message) + "\n");
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out;
}

std::string_view media_type(std::string_view content_type) {
  const auto semi = content_type.find(';');
  std::string_view t = content_type.substr(0, semi);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  return t;
}

// POST /kmip: the same handler as the socket, in the client's encoding.
response post_kmip(server_state& st, request& req, const core::request_context& ctx) {
  const std::string_view type = media_type(req[http::field::content_type]);
  const std::size_t max = st.options.limits.max_message_size;
  if (type == "application/octet-stream" || type == "application/x-kmip" || type.empty()) {
    if (req.body().size() > max)
      return error(req, http::status::payload_too_large,
                   "KMIP message of " + std::to_string(req.body().size()) + " bytes exceeds " + std::to_string(max));
    const auto* data = reinterpret_cast<const std::uint8_t*>(req.body().data());
    common::secure_bytes answer = st.call({data, req.body().size()}, ctx);
    wipe(req.body());
    response res = make(req, http::status::ok, "application/octet-stream",
                        std::string(reinterpret_cast<const char*>(answer.data()), answer.size()));
    return res;
  }
  if (type == "application/json") {
    kmip::encoding::read_limits limits;
    limits.max_input_size = max * json_factor;
    auto tree = kmip::encoding::from_json(req.body(), limits);
    wipe(req.body());
    if (!tree) return error(req, http::status::bad_request, "not a KMIP JSON message: " + tree.error().message());
    auto bytes = kmip::ttlv::encode(*tree);
    if (!bytes) return error(req, http::status::bad_request, "cannot encode the KMIP message: " + bytes.error().message());
    if (bytes->size() > max)
      return error(req, http::status::payload_too_large,
                   "KMIP message of " + std::to_string(bytes->size()) + " bytes exceeds " + std::to_string(max));
    common::secure_bytes answer = st.call(*bytes, ctx);
    kmip::ttlv::decode_limits out_limits;
    out_limits.max_message_size = answer.size() + 8;
    auto decoded = kmip::ttlv::decode_message(answer, out_limits);
    if (!decoded)
      return error(req, http::status::internal_server_error, "the server's response does not decode: " +
                                                                  decoded.error().message());
    return make(req, http::status::ok, "application/json", kmip::encoding::to_json(decoded->root()));
  }
  return error(req, http::status::unsupported_media_type,
               "POST /kmip takes application/octet-stream (binary TTLV) or application/json (KMIP JSON), not \"" +
                   std::string(type) + "\"");
}

response route(server_state& st, request& req, const core::request_context& ctx) {
  const std::string_view target = req.target();
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/kmip" || path == "/kmip/2_1") {
    if (req.method() != http::verb::post) return error(req, http::status::method_not_allowed, "use POST");
    return post_kmip(st, req, ctx);
  }
  if (req.method() != http::verb::get && req.method() != http::verb::head)
    return error(req, http::status::method_not_allowed, "use GET");
  if (path == "/health") return make(req, http::status::ok, "application/json", "{\"status\":\"ok\"}\n");
  if (path == "/version")
    return make(req, http::status::ok, "application/json",
                "{\"name\":\"kmipd\",\"version\":\"" + json_escape(st.options.version) + "\"}\n");
  if (path == "/metrics")
    return make(req, http::status::ok, "text/plain; version=0.0.4; charset=utf-8", st.stats.render());
  return error(req, http::status::not_found, "no such resource: " + std::string(path));
}

template <class Stream>
asio::awaitable<void> serve_http(server_state& st, connection_slot& slot, Stream& stream,
                                 const core::request_context& ctx) {
  const server_options& o = st.options;
  beast::flat_buffer buffer;
  while (!st.stopping) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(o.limits.max_message_size * json_factor);
    parser.header_limit(16 * 1024);
    beast::get_lowest_layer(stream).expires_after(o.idle_timeout);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == http::error::body_limit || ec == http::error::header_limit) {
        request dummy;
        response res = error(dummy, http::status::payload_too_large, "request too large");
        res.keep_alive(false);
        beast::get_lowest_layer(stream).expires_after(o.write_timeout);
        co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
      }
      co_return;
    }
    slot.busy = true;
    request req = parser.release();
    response res = route(st, req, ctx);
    const bool keep = res.keep_alive() && !st.stopping;
    res.keep_alive(keep);
    beast::get_lowest_layer(stream).expires_after(o.write_timeout);
    auto [wec, wn] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    wipe(res.body());
    slot.busy = false;
    if (wec || !keep) co_return;
  }
}

asio::awaitable<void> plain_session(server_state& st, tcp::socket socket, std::string peer) {
  auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
  auto slot = st.open("http", stream->get_executor(), [stream] { stream->close(); });
  if (!slot) {
    st.stats.connection_refused("http", "limit");
    co_return;
  }
  const core::request_context ctx{st.options.default_identity, peer, "http"};
  co_await serve_http(st, *slot, *stream, ctx);
  boost::system::error_code ec;
  stream->socket().shutdown(tcp::socket::shutdown_send, ec);
  stream->close();
}

asio::awaitable<void> tls_session(server_state& st, tcp::socket socket, std::string peer) {
  using tls = asio::ssl::stream<beast::tcp_stream>;
  auto stream = std::make_shared<tls>(beast::tcp_stream(std::move(socket)), *st.options.http.tls);
  auto slot = st.open("https", stream->get_executor(), [stream] { beast::get_lowest_layer(*stream).close(); });
  if (!slot) {
    st.stats.connection_refused("https", "limit");
    co_return;
  }
  beast::get_lowest_layer(*stream).expires_after(st.options.handshake_timeout);
  auto [ec] = co_await stream->async_handshake(asio::ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
  if (ec) {
    spdlog::info("http {}: TLS handshake failed: {}", peer, ec.message());
    st.stats.connection_refused("https", "handshake");
    co_return;
  }
  // A verified client certificate names the caller; without one, the default identity.
  std::string identity = st.options.default_identity;
  if (auto id = kmip::net::verified_peer_identity(stream->native_handle())) identity = id->common_name;
  const core::request_context ctx{identity, peer, "https"};
  co_await serve_http(st, *slot, *stream, ctx);
  beast::get_lowest_layer(*stream).expires_after(std::chrono::seconds(1));
  co_await stream->async_shutdown(asio::as_tuple(asio::use_awaitable));
  beast::get_lowest_layer(*stream).close();
}

void log_failure(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    spdlog::error("http session ended by an unexpected exception: {}", x.what());
  } catch (...) {
    spdlog::error("http session ended by an unexpected exception");
  }
}

}  // namespace

asio::awaitable<void> http_accept_loop(server_state& st, tcp::acceptor& acceptor) {
  const bool tls = st.options.http.tls != nullptr;
  for (;;) {
    tcp::socket socket(asio::make_strand(st.next_context()));  // each connection on its own strand
    auto [ec] = co_await acceptor.async_accept(socket, asio::as_tuple(asio::use_awaitable));
    if (st.stopping || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      spdlog::warn("http accept: {}", ec.message());
      asio::steady_timer pause(st.io(), std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::string peer = describe(socket);
    auto executor = socket.get_executor();
    if (tls)
      asio::co_spawn(executor, tls_session(st, std::move(socket), std::move(peer)), log_failure);
    else
      asio::co_spawn(executor, plain_session(st, std::move(socket), std::move(peer)), log_failure);
  }
}

}  // namespace kmipd::net::detail
