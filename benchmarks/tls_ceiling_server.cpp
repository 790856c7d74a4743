// The TLS ceiling of docs/benchmarks.md: a server that does nothing but TLS request/response. It terminates TLS
// exactly as kmipd does (kmip/net's server context and handshake, the same certificate, mutual TLS, every core),
// reads each framed request and writes back a canned response of the size kmipd's answer has, chosen by the
// request's operation (decoding the request to find it costs about a microsecond, kmip_codec_bench). No store,
// no engine, no audit. Its threads are kmipd's: one io_context per thread, accepted connections dealt to them in
// turn, each run with the same adaptive busy polling (kmip/net/io_loop.hpp; kmipd's default window unless given). `kmip-harness bench` runs against it with the same options as against kmipd, so
// kmipd / ceiling is the share of the achievable rate kmipd reaches.
//
// Canned answers: Get (a 256-bit AES key), Create, Activate, Get Attributes (State Active) and Discover
// Versions, enough for the set-up and the get, create, mix and vcenter-power-on profiles. Anything else gets a
// Discover Versions answer, which the load generator reports as a protocol error.
//
// Usage: tls_ceiling_server CERT_CHAIN KEY CLIENT_CA READY_FILE [THREADS [BUSY_POLL_US]]
// Listens on 127.0.0.1, an ephemeral port written to READY_FILE ({"kmip_port":N}) once it accepts; runs until
// SIGTERM or SIGINT.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "kmip/model/message.hpp"
#include "kmip/net/io_loop.hpp"
#include "kmip/net/message_io.hpp"
#include "kmip/net/tls_context.hpp"
#include "kmip/net/tls_stream.hpp"
#include "kmip/ttlv/reader.hpp"

namespace {

namespace asio = boost::asio;
namespace model = kmip::model;
using kmip::spec::operation;

template <class Payload>
common::secure_bytes answer(Payload p) {
  model::response_message m;
  m.header.protocol_version = {1, 1};
  m.header.time_stamp = model::date_time{1700000000};
  m.batch_items.push_back(model::make_response_item(std::move(p)));
  auto bytes = model::to_bytes(m);
  if (!bytes) throw std::runtime_error("cannot encode a canned response: " + bytes.error().to_string());
  return std::move(*bytes);
}

std::map<operation, common::secure_bytes> canned() {
  const std::string id = "6f1a3c2e-0b7d-4e59-9a41-2f8c5d7e9b10";  // as long as kmipd's UUIDs
  std::map<operation, common::secure_bytes> out;
  model::get_response g;
  g.unique_identifier = id;
  const std::vector<std::uint8_t> key(32, 0x5a);
  g.object = model::symmetric_key::raw(kmip::spec::cryptographic_algorithm::aes, key);
  out[operation::get] = answer(std::move(g));
  model::create_response c;
  c.unique_identifier = id;
  out[operation::create] = answer(std::move(c));
  model::activate_response a;
  a.unique_identifier = id;
  out[operation::activate] = answer(std::move(a));
  model::get_attributes_response ga;
  ga.unique_identifier = id;
  ga.attributes.push_back(model::attr::state(kmip::spec::state::active));
  out[operation::get_attributes] = answer(std::move(ga));
  model::discover_versions_response dv;
  dv.protocol_versions = {{2, 1}, {2, 0}, {1, 4}, {1, 3}, {1, 2}, {1, 1}, {1, 0}};
  out[operation::discover_versions] = answer(std::move(dv));
  return out;
}

const common::secure_bytes& reply_for(const std::map<operation, common::secure_bytes>& answers,
                                      std::span<const std::uint8_t> request) {
  auto t = kmip::ttlv::decode_message(request);
  if (t)
    if (auto item = t->root().find(kmip::spec::tag::batch_item))
      if (auto op = item->find(kmip::spec::tag::operation))
        if (auto it = answers.find(static_cast<operation>(op->as_enumeration())); it != answers.end()) return it->second;
  return answers.at(operation::discover_versions);
}

asio::awaitable<void> session(asio::ip::tcp::socket socket, kmip::net::tls_context_ptr tls,
                              const std::map<operation, common::secure_bytes>& answers) {
  kmip::net::tls_stream stream(std::move(socket), *tls);
  using namespace std::chrono_literals;
  if (auto h = co_await kmip::net::async_handshake(stream, asio::ssl::stream_base::server, 10s, "client"); !h) co_return;
  for (;;) {
    auto request = co_await kmip::net::async_read_message(stream, kmip::ttlv::decode_limits{}, 60s);
    if (!request) break;
    if (auto w = co_await kmip::net::async_write_message(stream, reply_for(answers, *request), 30s); !w) break;
  }
  co_await kmip::net::async_close(stream, 1s);
}

asio::awaitable<void> listen(asio::ip::tcp::acceptor& acceptor, kmip::net::tls_context_ptr tls,
                             const std::map<operation, common::secure_bytes>& answers,
                             const std::vector<std::unique_ptr<asio::io_context>>& contexts) {
  for (std::size_t next = 0;; next = (next + 1) % contexts.size()) {
    auto [ec, socket] =
        co_await acceptor.async_accept(contexts[next]->get_executor(), asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      continue;
    }
    socket.set_option(asio::ip::tcp::no_delay(true));
    auto ex = socket.get_executor();
    asio::co_spawn(ex, session(std::move(socket), tls, answers), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: tls_ceiling_server CERT_CHAIN KEY CLIENT_CA READY_FILE [THREADS [BUSY_POLL_US]]\n";
    return 1;
  }
  kmip::net::server_tls_options o;
  o.cert_file = argv[1];
  o.key_file = argv[2];
  o.client_ca_files = {argv[3]};
  auto tls = kmip::net::make_server_context(o);
  if (!tls) {
    std::cerr << "tls_ceiling_server: " << tls.error().message << "\n";
    return 1;
  }
  const unsigned threads = argc > 5 ? static_cast<unsigned>(std::stoul(argv[5]))
                                    : std::max(2u, std::thread::hardware_concurrency());
  const std::chrono::microseconds busy_poll{argc > 6 ? std::stol(argv[6]) : 50};
  const auto answers = canned();
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  for (unsigned i = 0; i < std::max(1u, threads); ++i) contexts.push_back(std::make_unique<asio::io_context>(1));
  asio::io_context& io = *contexts.front();
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::co_spawn(io, listen(acceptor, *tls, answers, contexts), asio::detached);
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](auto, auto) {
    acceptor.close();
    for (auto& c : contexts) c->stop();
  });
  {
    const std::filesystem::path ready = argv[4];
    std::ofstream(ready.string() + ".tmp") << "{\"kmip_port\":" << acceptor.local_endpoint().port() << "}\n";
    std::filesystem::rename(ready.string() + ".tmp", ready);
  }
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
  for (auto& c : contexts) work.push_back(asio::make_work_guard(*c));
  std::vector<std::jthread> pool;
  for (std::size_t i = 1; i < contexts.size(); ++i)
    pool.emplace_back([&c = *contexts[i], busy_poll] { kmip::net::run_io_context(c, busy_poll); });
  kmip::net::run_io_context(io, busy_poll);
  for (auto& c : contexts) c->stop();
  return 0;
}
