// The non-template parts of message_io.hpp: turning Asio and OpenSSL error codes into net::error values.
#include "kmip/net/message_io.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

namespace kmip::net::detail {

std::string describe(duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

error classify(const boost::system::error_code& ec, std::string_view doing, std::size_t transferred,
               std::size_t wanted) {
  namespace asio = boost::asio;
  const std::string progress =
      " (" + std::to_string(transferred) + " of " + std::to_string(wanted) + " bytes transferred)";
  // The peer went away: a clean TLS close_notify (eof), TCP closed under TLS without close_notify
  // (stream_truncated), or the connection reset or broken.
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated || ec == asio::error::connection_reset ||
      ec == asio::error::broken_pipe || ec == asio::error::connection_aborted)
    return error{errc::closed, "peer closed the connection while " + std::string(doing) + progress + ": " +
                                   ec.message()};
  if (ec.category() == asio::error::get_ssl_category() || ec.category() == asio::ssl::error::get_stream_category())
    return error{errc::tls, "TLS error while " + std::string(doing) + progress + ": " + ec.message()};
  return error{errc::io, "I/O error while " + std::string(doing) + progress + ": " + ec.message()};
}

}  // namespace kmip::net::detail
