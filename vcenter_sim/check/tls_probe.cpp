// Raw OpenSSL probes (tls_probe.hpp). A non-blocking connect bounded by poll(), then a blocking socket with
// SO_RCVTIMEO/SO_SNDTIMEO so that every read and write of the handshake and after is bounded too.
#include "vcenter_sim/check/tls_probe.hpp"

#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>

namespace vcenter_sim::check {

namespace {

std::string openssl_reason(const std::string& what) {
  std::string s = what;
  unsigned long e = 0;
  bool first = true;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    s += first ? ": " : "; ";
    s += buf;
    first = false;
  }
  return s;
}

// TCP connect within the timeout; the socket then blocks with read/write timeouts. -1 and `error` on failure.
int tcp_connect(const probe_options& o, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(o.port);
  if (int rc = ::getaddrinfo(o.host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    error = "cannot resolve " + o.host + ": " + ::gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  error = "no address for " + o.host;
  for (addrinfo* a = res; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int flags = ::fcntl(fd, F_GETFL, 0);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = ::poll(&p, 1, static_cast<int>(o.timeout.count()));
      if (rc == 0) {
        error = "TCP connect to " + o.host + ":" + port + " timed out";
        rc = -1;
      } else if (rc > 0) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) error = "TCP connect to " + o.host + ":" + port + ": " + std::strerror(err);
        rc = err == 0 ? 0 : -1;
      }
    } else if (rc != 0) {
      error = "TCP connect to " + o.host + ":" + port + ": " + std::strerror(errno);
    }
    if (rc == 0) {
      ::fcntl(fd, F_SETFL, flags);
      timeval tv{};
      tv.tv_sec = static_cast<time_t>(o.timeout.count() / 1000);
      tv.tv_usec = static_cast<suseconds_t>((o.timeout.count() % 1000) * 1000);
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      break;
    }
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  return fd;
}

// OpenSSL writes to the socket with write(2): a peer that has closed its end raises SIGPIPE, whose default action
// ends the whole process (`kmip-harness check` against a KMS that hangs up after the handshake). For its lifetime
// this blocks SIGPIPE in the calling thread, then discards a SIGPIPE raised meanwhile; the write itself fails with
// EPIPE, which the caller reports. Nothing process-wide is changed.
class sigpipe_blocked {
 public:
  sigpipe_blocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~sigpipe_blocked() {
    if (!was_pending_) {
      sigset_t pending;
      sigemptyset(&pending);
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        const timespec now{0, 0};
        sigtimedwait(&pipe_, nullptr, &now);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  sigpipe_blocked(const sigpipe_blocked&) = delete;
  sigpipe_blocked& operator=(const sigpipe_blocked&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t old_{};
  bool was_pending_ = false;
};

}  // namespace

struct tls_probe::impl {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  int fd = -1;
  ~impl() {
    if (ssl) SSL_free(ssl);
    if (ctx) SSL_CTX_free(ctx);
    if (fd >= 0) ::close(fd);
  }
};

tls_probe::tls_probe(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
tls_probe::~tls_probe() = default;

common::expected<std::unique_ptr<tls_probe>, probe_error> tls_probe::connect(const probe_options& o) {
  using stage = probe_error::stage;
  auto setup = [](std::string m) { return common::unexpected{probe_error{stage::setup, std::move(m)}}; };
  ERR_clear_error();
  auto p = std::make_unique<impl>();
  p->ctx = SSL_CTX_new(TLS_client_method());
  if (!p->ctx) return setup(openssl_reason("SSL_CTX_new"));
  if (o.legacy) SSL_CTX_set_security_level(p->ctx, 0);
  if (o.min_version) SSL_CTX_set_min_proto_version(p->ctx, o.min_version);
  if (o.max_version) SSL_CTX_set_max_proto_version(p->ctx, o.max_version);
  std::string ciphers = o.cipher_list.empty() ? std::string("DEFAULT") : o.cipher_list;
  if (o.legacy) ciphers += ":@SECLEVEL=0";
  if (SSL_CTX_set_cipher_list(p->ctx, ciphers.c_str()) != 1)
    return setup(openssl_reason("cipher list \"" + o.cipher_list + "\""));
  if (!o.ciphersuites.empty() && SSL_CTX_set_ciphersuites(p->ctx, o.ciphersuites.c_str()) != 1)
    return setup(openssl_reason("TLS 1.3 suites \"" + o.ciphersuites + "\""));
  if (!o.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(p->ctx, o.ca_file.c_str(), nullptr) != 1)
      return setup(openssl_reason("CA file " + o.ca_file));
    SSL_CTX_set_verify(p->ctx, SSL_VERIFY_PEER, nullptr);
  }
  if (!o.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(p->ctx, o.cert_file.c_str()) != 1)
      return setup(openssl_reason("client certificate " + o.cert_file));
    if (SSL_CTX_use_PrivateKey_file(p->ctx, o.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
      return setup(openssl_reason("client key " + o.key_file));
  }
  std::string error;
  p->fd = tcp_connect(o, error);
  if (p->fd < 0) return common::unexpected{probe_error{stage::tcp, error}};
  p->ssl = SSL_new(p->ctx);
  if (!p->ssl) return setup(openssl_reason("SSL_new"));
  SSL_set_fd(p->ssl, p->fd);
  const sigpipe_blocked no_sigpipe;
  if (SSL_connect(p->ssl) != 1) {
    const bool timed_out = errno == EAGAIN || errno == EWOULDBLOCK;
    if (timed_out)
      return common::unexpected{probe_error{stage::timeout, "the TLS handshake did not finish within " +
                                                                std::to_string(o.timeout.count()) + " ms"}};
    return common::unexpected{probe_error{stage::refused, openssl_reason("TLS handshake refused")}};
  }
  return std::unique_ptr<tls_probe>(new tls_probe(std::move(p)));
}

std::string tls_probe::protocol() const { return SSL_get_version(impl_->ssl); }

std::string tls_probe::cipher() const {
  const char* c = SSL_get_cipher_name(impl_->ssl);
  return c ? c : "";
}

namespace {
bool timed_out() { return errno == EAGAIN || errno == EWOULDBLOCK; }
}  // namespace

common::expected<void, probe_error> tls_probe::write(std::span<const std::uint8_t> bytes) {
  ERR_clear_error();
  std::size_t done = 0;
  while (done < bytes.size()) {
    const sigpipe_blocked no_sigpipe;
    const int n = SSL_write(impl_->ssl, bytes.data() + done, static_cast<int>(bytes.size() - done));
    if (n <= 0) {
      if (SSL_get_error(impl_->ssl, n) == SSL_ERROR_SYSCALL && timed_out())
        return common::unexpected{probe_error{probe_error::stage::timeout, "writing timed out"}};
      return common::unexpected{probe_error{probe_error::stage::refused, openssl_reason("write")}};
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

common::expected<std::vector<std::uint8_t>, probe_error> tls_probe::read_message() {
  using stage = probe_error::stage;
  ERR_clear_error();
  std::vector<std::uint8_t> out(8);
  auto read_exact = [&](std::size_t from, std::size_t count) -> common::expected<void, probe_error> {
    std::size_t got = 0;
    while (got < count) {
      const int n = SSL_read(impl_->ssl, out.data() + from + got, static_cast<int>(count - got));
      if (n <= 0) {
        const int e = SSL_get_error(impl_->ssl, n);
        if (e == SSL_ERROR_ZERO_RETURN) return common::unexpected{probe_error{stage::refused, "the KMS closed the connection"}};
        if (e == SSL_ERROR_SYSCALL && timed_out())
          return common::unexpected{probe_error{stage::timeout, "no answer before the timeout"}};
        return common::unexpected{probe_error{stage::refused, openssl_reason("the connection ended")}};
      }
      got += static_cast<std::size_t>(n);
    }
    return {};
  };
  if (auto r = read_exact(0, 8); !r) return common::unexpected{r.error()};
  if (out[0] != 0x42 || out[3] != 0x01)
    return common::unexpected{probe_error{stage::refused, "the answer is not a TTLV structure"}};
  const std::size_t length = (std::size_t{out[4]} << 24) | (std::size_t{out[5]} << 16) | (std::size_t{out[6]} << 8) | out[7];
  if (length > (1u << 20))
    return common::unexpected{probe_error{stage::refused, "the answer announces " + std::to_string(length) + " bytes"}};
  out.resize(8 + length);
  if (auto r = read_exact(8, length); !r) return common::unexpected{r.error()};
  return out;
}

void tls_probe::close() {
  if (impl_->ssl) {
    const sigpipe_blocked no_sigpipe;
    SSL_shutdown(impl_->ssl);
  }
  if (impl_->fd >= 0) {
    ::close(impl_->fd);
    impl_->fd = -1;
  }
}

}  // namespace vcenter_sim::check
