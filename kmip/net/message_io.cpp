// The non-template parts of message_io.hpp: turning Asio and OpenSSL error codes into net::error values, and the
// checks and words detail/shared.hpp gives both transports.
#include "kmip/net/message_io.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <limits>

namespace kmip::net::detail {

std::string describe(std::chrono::steady_clock::duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

result<void> check_outgoing(std::span<const std::uint8_t> message) {
  ttlv::decode_limits unlimited;
  unlimited.max_message_size = std::numeric_limits<std::size_t>::max();
  const ttlv::frame_status frame = ttlv::inspect_frame(message, unlimited);
  if (frame.state == ttlv::frame_status::kind::invalid)
    return common::unexpected{error{errc::framing, "refusing to send: " + frame.err.message(), frame.err.code}};
  if (frame.state != ttlv::frame_status::kind::complete || frame.size != message.size())
    return common::unexpected{error{errc::framing,
                                    "refusing to send " + std::to_string(message.size()) +
                                        " bytes: not exactly one KMIP message (header announces " +
                                        std::to_string(frame.size) + ")",
                                    frame.state == ttlv::frame_status::kind::need_more
                                        ? std::optional{ttlv::errc::truncated}
                                        : std::optional{ttlv::errc::trailing_bytes}}};
  return {};
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
