// What the KMIP listener (server.cpp) and the HTTP listener (http.cpp) share: options, handler, counters, the
// connection registry used by graceful shutdown. Internal to kmipd_net; includes Asio.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/net/server.hpp"

namespace kmipd::net::detail {

class server_state;

// One open connection. Owned by its session coroutine; the registry keeps a weak reference.
// `busy` and `close` are touched only on the connection's strand (its executor).
struct connection_slot {
  connection_slot(server_state& s, std::uint64_t i, std::string t, boost::asio::any_io_executor e)
      : state(s), id(i), transport(std::move(t)), executor(std::move(e)) {}
  ~connection_slot();
  connection_slot(const connection_slot&) = delete;
  connection_slot& operator=(const connection_slot&) = delete;

  server_state& state;
  std::uint64_t id;
  std::string transport;
  boost::asio::any_io_executor executor;
  bool busy = false;            // a request is being handled or its response written
  std::function<void()> close;  // closes the socket now (cancels whatever is pending on it)
};

class server_state {
 public:
  server_state(server_options o, handler h, async_handler ha = {});

  // Registers a connection; null when `transport` already has max_connections open.
  std::shared_ptr<connection_slot> open(const std::string& transport, boost::asio::any_io_executor executor,
                                        std::function<void()> close);
  void closed(const connection_slot& slot);

  // Calls the handler, timing it for the metrics.
  common::secure_bytes call(std::span<const std::uint8_t> request, const core::request_context& ctx);
  // The same from a session: through the async handler when there is one, the coroutine suspended (its thread
  // free) until the answer comes back to its executor; else call().
  boost::asio::awaitable<common::secure_bytes> call_async(std::span<const std::uint8_t> request,
                                                          const core::request_context& ctx);
  // After the server's threads stopped: answers that arrive later are dropped instead of posted to a context
  // that is about to go.
  void close_answers();

  // Posts a close to every connection that is idle (or to all when `force`).
  void close_connections(bool force);
  // Waits until no connection is open or `until` passes; true when none is open.
  bool wait_all_closed(std::chrono::steady_clock::time_point until);

  const server_options options;
  const handler handle;
  const async_handler handle_async;
  metrics stats;
  std::atomic<bool> stopping{false};

 private:
  std::mutex mutex_;
  std::condition_variable all_closed_;
  struct answer_gate {
    std::mutex mutex;
    bool open = true;
  };
  std::shared_ptr<answer_gate> answers_ = std::make_shared<answer_gate>();
  std::uint64_t next_id_ = 0;
  std::map<std::uint64_t, std::weak_ptr<connection_slot>> live_;
  std::map<std::string, std::size_t, std::less<>> open_per_transport_;

 public:
  // One io_context per server thread, each run by that thread alone: a connection lives on one of them from
  // accept to close, so its reads, handler calls and writes run on one thread with no hand-off between threads
  // (a shared io_context run by N threads woke another thread for most completions, which cost a Get at one
  // connection about a third of its round trip). The first also holds the acceptors.
  // Last, so that they are destroyed first: coroutine frames they still hold unregister their connections.
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts;
  boost::asio::io_context& io() { return *contexts.front(); }
  // The context of the next accepted connection, round robin. Called from the accept loops only.
  boost::asio::io_context& next_context() { return *contexts[next_context_++ % contexts.size()]; }

 private:
  std::size_t next_context_ = 0;
};

// The HTTP listener's accept loop (http.cpp). REQUIRES: `acceptor` is listening and outlives the loop.
boost::asio::awaitable<void> http_accept_loop(server_state& state, boost::asio::ip::tcp::acceptor& acceptor);

// "127.0.0.1:40312"
std::string describe(const boost::asio::ip::tcp::socket& socket);

}  // namespace kmipd::net::detail
