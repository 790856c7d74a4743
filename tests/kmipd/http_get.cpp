// A plain HTTP GET with Asio (see the header).
#include "tests/kmipd/http_get.hpp"

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <exception>

namespace tests::kmipd {

namespace asio = boost::asio;

std::string http_get(std::uint16_t port, const std::string& path) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  std::string answer;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await socket.async_connect({asio::ip::make_address("127.0.0.1"), port}, asio::use_awaitable);
        const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
        std::array<char, 4096> buf{};
        for (int i = 0; i < 1000; ++i) {  // bounded; ends at the server's close
          auto n = co_await socket.async_read_some(asio::buffer(buf), asio::use_awaitable);
          answer.append(buf.data(), n);
        }
      },
      [](std::exception_ptr) {});  // EOF ends the loop with an exception; whatever arrived is the answer
  io.run_for(std::chrono::seconds(5));
  return answer;
}

}  // namespace tests::kmipd
