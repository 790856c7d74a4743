// The blocking client transport; see blocking_tls.hpp. The messages match tls_stream.cpp and message_io.hpp word
// for word, so that a caller cannot tell the transports apart by their errors.
#include "kmip/net/blocking_tls.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "kmip/net/detail/openssl.hpp"
#include "kmip/net/detail/shared.hpp"
#include "kmip/ttlv/framer.hpp"

namespace kmip::net {
namespace {

using clock = std::chrono::steady_clock;

// ---- a socket BIO whose writes cannot raise SIGPIPE --------------------------------------------------------
// OpenSSL's socket BIO writes with write(2), which signals SIGPIPE when the peer has gone; everything but the
// write is the socket BIO's own (fd handling, reads, retry flags).

int send_without_sigpipe(BIO* b, const char* data, int size) {
  const int fd = static_cast<int>(BIO_get_fd(b, nullptr));
  BIO_clear_retry_flags(b);
  for (;;) {
    const ssize_t n = ::send(fd, data, static_cast<std::size_t>(std::max(size, 0)), MSG_NOSIGNAL);
    if (n >= 0) return static_cast<int>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_write(b);
    return -1;
  }
}

BIO_METHOD* socket_method() {
  static BIO_METHOD* const method = [] {
    const BIO_METHOD* base = BIO_s_socket();
    BIO_METHOD* m = BIO_meth_new(BIO_TYPE_SOCKET, "socket, MSG_NOSIGNAL");
    if (!m) return m;
    BIO_meth_set_write(m, send_without_sigpipe);
    BIO_meth_set_read(m, BIO_meth_get_read(base));
    BIO_meth_set_puts(m, BIO_meth_get_puts(base));
    BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(base));
    BIO_meth_set_create(m, BIO_meth_get_create(base));
    BIO_meth_set_destroy(m, BIO_meth_get_destroy(base));
    return m;
  }();
  return method;
}

// ---- waiting ---------------------------------------------------------------------------------------------------

// Waits until `fd` is ready for `events` (or has an error or hang-up to report). False: the deadline passed.
// Only the TCP connect waits this way; see "deadlines" for the rest.
bool wait_for(int fd, short events, clock::time_point deadline) {
  for (;;) {  // bounded: every pass either returns or waits for less time than the last
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, std::numeric_limits<int>::max())));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return true;  // let the next I/O call report what is wrong
  }
}

// ---- errors ----------------------------------------------------------------------------------------------------

// What a failed SSL call came to, in the words Asio's error codes use (message_io.cpp's classify).
struct failure {
  errc code = errc::io;
  std::string text;  // "End of file", "stream truncated", OpenSSL's "reason (lib)", strerror
};

failure ssl_failure(ssl_st* ssl, int ret, int saved_errno) {
  const int e = SSL_get_error(ssl, ret);
  if (e == SSL_ERROR_ZERO_RETURN) return {errc::closed, "End of file"};
  if (e == SSL_ERROR_SYSCALL) {
    ERR_clear_error();
    if (saved_errno == 0) return {errc::closed, "stream truncated"};
    if (saved_errno == ECONNRESET || saved_errno == EPIPE || saved_errno == ECONNABORTED)
      return {errc::closed, std::strerror(saved_errno)};
    return {errc::io, std::strerror(saved_errno)};
  }
  if (e == SSL_ERROR_SSL) {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) return {errc::closed, "stream truncated"};
    std::string text = code ? (ERR_reason_error_string(code) ? ERR_reason_error_string(code) : "asio.ssl error")
                            : "asio.ssl error";
    if (code && ERR_lib_error_string(code)) text += std::string(" (") + ERR_lib_error_string(code) + ")";
    return {errc::tls, std::move(text)};
  }
  ERR_clear_error();
  return {errc::io, "unexpected OpenSSL state " + std::to_string(e)};
}

error while_doing(const failure& f, std::string_view doing, std::size_t transferred, std::size_t wanted) {
  const std::string progress =
      " (" + std::to_string(transferred) + " of " + std::to_string(wanted) + " bytes transferred)";
  switch (f.code) {
    case errc::closed:
      return {errc::closed, "peer closed the connection while " + std::string(doing) + progress + ": " + f.text};
    case errc::tls: return {errc::tls, "TLS error while " + std::string(doing) + progress + ": " + f.text};
    default: return {errc::io, "I/O error while " + std::string(doing) + progress + ": " + f.text};
  }
}

}  // namespace

// ---- deadlines -------------------------------------------------------------------------------------------------
// After connecting, the socket is blocking, and SO_RCVTIMEO / SO_SNDTIMEO bound each recv and send: a read that
// finds its data costs one recv, where a non-blocking socket costs recv (EAGAIN), poll, recv. The timeouts are
// set only when they must change: a timeout of at most the time left, and not less than a quarter of it, is kept
// (so a connection's exchanges, each with the same io_timeout, never set them), else it becomes half the time
// left, or all of it in the last few milliseconds. A recv that times out early comes back here and is armed
// again, so no step gives up before its deadline, nor much after it.

bool blocking_tls_client::arm(int option, std::chrono::microseconds& current, time_point deadline) noexcept {
  // Microseconds, not milliseconds: a deadline is over only when no time is left at all (the kernel rounds a
  // socket timeout up to its tick, so a recv never gives up before it).
  const auto left = std::chrono::floor<std::chrono::microseconds>(deadline - clock::now());
  if (left.count() <= 0) return false;
  if (current.count() > 0 && current <= left && current * 4 >= left) return true;
  const auto want = left >= std::chrono::milliseconds{4} ? left / 2 : left;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(want.count() / 1000000);
  tv.tv_usec = static_cast<suseconds_t>(want.count() % 1000000);
  if (::setsockopt(fd_, SOL_SOCKET, option, &tv, sizeof tv) != 0) return true;  // the next call reports the socket
  current = want;
  return true;
}

void blocking_tls_client::spin_until_readable(time_point until) const noexcept {
  // Each pass is one non-blocking peek: about a microsecond, so the bound is far beyond any sensible spin.
  constexpr int max_polls = 10'000'000;
  for (int i = 0; i < max_polls; ++i) {
    std::uint8_t byte = 0;
    const ssize_t n = ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return;  // data, end, or an error
    if (clock::now() >= until) return;
  }
}

template <class Call>
std::optional<std::pair<int, int>> blocking_tls_client::drive(time_point deadline, Call call) {
  for (;;) {  // bounded by the deadline: every retry follows a recv or send that waited for its timeout
    if (!arm(SO_RCVTIMEO, recv_timeout_, deadline) || !arm(SO_SNDTIMEO, send_timeout_, deadline)) return std::nullopt;
    ERR_clear_error();
    errno = 0;
    const int ret = call();
    const int saved = errno;
    if (ret > 0) return std::pair{ret, 0};
    const int e = SSL_get_error(ssl_, ret);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) return std::pair{ret, saved};
  }
}

// ---- lifetime --------------------------------------------------------------------------------------------------

blocking_tls_client::~blocking_tls_client() { close_now(); }

blocking_tls_client::blocking_tls_client(blocking_tls_client&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      ssl_(std::exchange(other.ssl_, nullptr)),
      peer_(std::move(other.peer_)),
      recv_timeout_(other.recv_timeout_),
      send_timeout_(other.send_timeout_),
      busy_poll_(other.busy_poll_) {}

blocking_tls_client& blocking_tls_client::operator=(blocking_tls_client&& other) noexcept {
  if (this != &other) {
    close_now();
    fd_ = std::exchange(other.fd_, -1);
    ssl_ = std::exchange(other.ssl_, nullptr);
    peer_ = std::move(other.peer_);
    recv_timeout_ = other.recv_timeout_;
    send_timeout_ = other.send_timeout_;
    busy_poll_ = other.busy_poll_;
  }
  return *this;
}

void blocking_tls_client::close_now() noexcept {
  if (ssl_) SSL_free(ssl_);  // frees the BIO too; the BIO does not own the descriptor
  ssl_ = nullptr;
  if (fd_ >= 0) {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
  }
  fd_ = -1;
  recv_timeout_ = send_timeout_ = std::chrono::microseconds{0};
}

void blocking_tls_client::close(duration timeout) noexcept {
  if (ssl_ && fd_ >= 0 && SSL_is_init_finished(ssl_)) {
    const auto deadline = clock::now() + timeout;
    // close_notify out, then the peer's in: SSL_shutdown returns 1 once both happened. Whatever the outcome
    // (answered, refused, timed out), the socket is closed next.
    if (auto r = drive(deadline, [&] { return SSL_shutdown(ssl_); }); r && r->first == 0)
      (void)drive(deadline, [&] { return SSL_shutdown(ssl_); });
    ERR_clear_error();
  }
  close_now();
}

// ---- connect ---------------------------------------------------------------------------------------------------

result<void> blocking_tls_client::tcp_connect(const std::string& host, std::uint16_t port, time_point deadline,
                                              duration timeout) {
  const std::string target = host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  // An IP literal resolves without a lookup; a name goes to the system resolver (not interruptible).
  if (const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
    const std::string why = rc == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(rc);
    return common::unexpected{error{errc::resolve, "cannot resolve " + host + ": " + why}};
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
  if (!found) return common::unexpected{error{errc::resolve, host + " resolved to no address"}};

  int last_error = ECONNREFUSED;
  for (const addrinfo* a = found; a; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      last_error = errno;
      continue;
    }
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      if (!wait_for(fd, POLLOUT, deadline)) {
        ::close(fd);
        return common::unexpected{
            error{errc::timeout, "TCP connect to " + target + " timed out after " + detail::describe(timeout)}};
      }
      int so_error = 0;
      socklen_t len = sizeof so_error;
      rc = ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) == 0 && so_error == 0 ? 0 : -1;
      errno = so_error ? so_error : errno;
    }
    if (rc != 0) {
      last_error = errno;
      ::close(fd);
      continue;
    }
    // KMIP is small request/response pairs: see set_no_delay in tls_stream.hpp.
    const int one = 1;
    (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // Blocking from here on: the socket timeouts bound each call (see "deadlines").
    if (const int flags = ::fcntl(fd, F_GETFL); flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
      last_error = errno;
      ::close(fd);
      continue;
    }
    fd_ = fd;
    return {};
  }
  return common::unexpected{
      error{errc::connect, "cannot connect to " + target + ": " + std::strerror(last_error)}};
}

result<void> blocking_tls_client::handshake(time_point deadline, duration timeout) {
  auto r = drive(deadline, [&] { return SSL_connect(ssl_); });
  if (!r)
    return common::unexpected{
        error{errc::timeout, "TLS handshake with " + peer_ + " did not finish within " + detail::describe(timeout)}};
  if (r->first == 1) return {};
  const long verdict = SSL_get_verify_result(ssl_);
  const failure f = ssl_failure(ssl_, r->first, r->second);
  std::string m = "TLS handshake with " + peer_ + " failed: " + f.text;
  if (f.code == errc::closed)
    return common::unexpected{error{errc::closed, m + " (the peer closed the connection during the handshake)"}};
  // Our own certificate check failed: say why, as `openssl verify` would.
  if (verdict != X509_V_OK) m += std::string(": ") + X509_verify_cert_error_string(verdict);
  return common::unexpected{error{errc::tls, std::move(m)}};
}

result<void> blocking_tls_client::connect(const tls_context_ptr& ctx, const client_tls_options& options,
                                          const std::string& host, std::uint16_t port, duration timeout) {
  close_now();
  peer_ = host + ":" + std::to_string(port);
  const auto deadline = clock::now() + timeout;
  if (!ctx) return common::unexpected{error{errc::config, "no TLS context to connect with"}};
  ssl_ = SSL_new(ctx->native_handle());
  if (!ssl_) return common::unexpected{error{errc::config, "cannot create a TLS session: " + detail::drain_openssl_errors()}};
  if (auto p = prepare_client_session(ssl_, options, host); !p) {
    close_now();
    return common::unexpected{p.error()};
  }
  if (auto c = tcp_connect(host, port, deadline, timeout); !c) {
    close_now();
    return c;
  }
  BIO* bio = socket_method() ? BIO_new(socket_method()) : nullptr;
  if (!bio) {
    close_now();
    return common::unexpected{error{errc::config, "cannot create a socket BIO: " + detail::drain_openssl_errors()}};
  }
  BIO_set_fd(bio, fd_, BIO_NOCLOSE);
  SSL_set_bio(ssl_, bio, bio);
  SSL_set_read_ahead(ssl_, 1);  // one recv per record burst rather than one for a header and one for a body
  if (auto h = handshake(deadline, timeout); !h) {
    close_now();
    return h;
  }
  return {};
}

// ---- messages --------------------------------------------------------------------------------------------------

result<void> blocking_tls_client::write_message(std::span<const std::uint8_t> message, duration timeout) {
  if (auto ok = detail::check_outgoing(message); !ok) return ok;
  if (!ssl_) return common::unexpected{error{errc::io, "not connected to " + peer_}};

  const auto deadline = clock::now() + timeout;
  std::size_t sent = 0;
  while (sent < message.size()) {  // bounded: each pass sends bytes or ends the loop
    std::size_t n = 0;
    auto r = drive(deadline, [&] { return SSL_write_ex(ssl_, message.data() + sent, message.size() - sent, &n); });
    if (!r)
      return common::unexpected{error{errc::timeout, "KMIP message not sent within " + detail::describe(timeout) + ": " +
                                                         std::to_string(sent) + " of " +
                                                         std::to_string(message.size()) + " bytes written"}};
    if (r->first <= 0)
      return common::unexpected{
          while_doing(ssl_failure(ssl_, r->first, r->second), "writing the message", sent, message.size())};
    sent += n;
  }
  return {};
}

result<void> blocking_tls_client::read_exact(std::span<std::uint8_t> out, time_point deadline, std::size_t already,
                                             std::size_t wanted, const char* doing) {
  std::size_t got = 0;
  while (got < out.size()) {  // bounded: each pass reads bytes or ends the loop
    std::size_t n = 0;
    auto r = drive(deadline, [&] { return SSL_read_ex(ssl_, out.data() + got, out.size() - got, &n); });
    if (!r) return common::unexpected{error{errc::timeout, std::to_string(already + got)}};  // caller words it
    if (r->first <= 0)
      return common::unexpected{while_doing(ssl_failure(ssl_, r->first, r->second), doing, already + got, wanted)};
    got += n;
  }
  return {};
}

result<common::secure_bytes> blocking_tls_client::read_message(const ttlv::decode_limits& limits, duration timeout) {
  if (!ssl_) return common::unexpected{error{errc::io, "not connected to " + peer_}};
  const auto deadline = clock::now() + timeout;
  // SSL_has_pending: bytes OpenSSL already holds (read ahead, records not yet processed) need no spin.
  if (busy_poll_.count() > 0 && SSL_has_pending(ssl_) == 0)
    spin_until_readable(std::min(deadline, clock::now() + busy_poll_));
  std::array<std::uint8_t, 8> header{};
  if (auto h = read_exact(header, deadline, 0, header.size(), "reading the message header"); !h) {
    if (h.error().code == errc::timeout)
      return common::unexpected{error{errc::timeout, "no KMIP message within " + detail::describe(timeout) + " (" +
                                                         h.error().message + " of 8 header bytes arrived)"}};
    return common::unexpected{h.error()};
  }
  const ttlv::frame_status frame = ttlv::inspect_frame(header, limits);
  if (frame.state == ttlv::frame_status::kind::invalid)
    return common::unexpected{error{errc::framing, "message header rejected: " + frame.err.message(), frame.err.code}};
  const std::size_t size = frame.size;  // need_more: the whole message's size; complete: 8 (an empty structure)
  common::secure_bytes message(size);
  std::copy(header.begin(), header.end(), message.begin());
  if (size > header.size()) {
    auto body = std::span<std::uint8_t>(message.data() + header.size(), size - header.size());
    if (auto b = read_exact(body, deadline, header.size(), size, "reading the message body"); !b) {
      if (b.error().code == errc::timeout)
        return common::unexpected{error{errc::timeout, "KMIP message incomplete after " + detail::describe(timeout) + ": " +
                                                           b.error().message + " of " + std::to_string(size) +
                                                           " bytes arrived"}};
      return common::unexpected{b.error()};
    }
  }
  return message;
}

std::string blocking_tls_client::describe_session() const { return detail::describe_session(ssl_); }

}  // namespace kmip::net
